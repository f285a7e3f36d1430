/* gst-webrtc-send: the camera mode choice, on the caps real cameras offer
 * (discrete sizes with rate lists, MJPEG beside slow raw modes, ranges).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "send-camera.h"

#include <gst/gst.h>
#include <gtest/gtest.h>

using gstsig::send::CameraMode;
using gstsig::send::choose_camera_mode;

namespace {

CameraMode
choose (const char *caps, int w, int h, int fps)
{
  GstCaps *c = gst_caps_from_string (caps);
  EXPECT_NE (c, nullptr) << caps;
  CameraMode m = choose_camera_mode (c, w, h, fps);
  gst_caps_unref (c);
  return m;
}

/* A typical USB webcam: YUYV is slow at large sizes, MJPEG is fast. */
const char *WEBCAM =
    "video/x-raw, format=YUY2, width=1920, height=1080, framerate={ 5/1 };"
    "video/x-raw, format=YUY2, width=1280, height=720, framerate={ 10/1, 5/1 };"
    "video/x-raw, format=YUY2, width=640, height=480, framerate={ 30/1, 15/1 };"
    "image/jpeg, width=1920, height=1080, framerate={ 30/1, 15/1 };"
    "image/jpeg, width=1280, height=720, framerate={ 60/1, 30/1 };"
    "image/jpeg, width=640, height=480, framerate={ 30/1 }";

} // namespace

TEST (CameraMode, DefaultIs720p30FromMjpegWhenRawIsTooSlow)
{
  CameraMode m = choose (WEBCAM, 0, 0, 0);
  ASSERT_TRUE (m.found);
  EXPECT_TRUE (m.jpeg);
  EXPECT_EQ (m.width, 1280);
  EXPECT_EQ (m.height, 720);
  EXPECT_EQ (m.fps_n, 30); /* the lowest rate at or above 30, not 60 */
  EXPECT_EQ (m.caps, "image/jpeg,width=1280,height=720,framerate=30/1");
}

TEST (CameraMode, RawWinsWhenItReachesTheRate)
{
  CameraMode m = choose (WEBCAM, 640, 480, 30);
  ASSERT_TRUE (m.found);
  EXPECT_FALSE (m.jpeg);
  EXPECT_EQ (m.width, 640);
  EXPECT_EQ (m.fps_n, 30);
}

TEST (CameraMode, SmallestSizeThatCoversTheRequest)
{
  CameraMode m = choose (WEBCAM, 800, 600, 30);
  EXPECT_EQ (m.width, 1280);
  EXPECT_EQ (m.height, 720);
  m = choose (WEBCAM, 1920, 1080, 25);
  EXPECT_EQ (m.width, 1920);
  EXPECT_TRUE (m.jpeg);
  EXPECT_EQ (m.fps_n, 30);
}

TEST (CameraMode, LargestWhenNothingIsBigEnough)
{
  CameraMode m = choose (WEBCAM, 3840, 2160, 30);
  EXPECT_EQ (m.width, 1920);
  EXPECT_EQ (m.height, 1080);
  EXPECT_EQ (m.fps_n, 30);
}

TEST (CameraMode, RateMattersBeforeSize)
{
  /* 1080p only at 5 fps; 720p at 30: 720p it is, for --size 1920x1080 --fps 30. */
  CameraMode m = choose ("video/x-raw, width=1920, height=1080, framerate=5/1;"
                         "video/x-raw, width=1280, height=720, framerate=30/1",
      1920, 1080, 30);
  EXPECT_EQ (m.width, 1280);
  /* When nothing reaches the rate: the fastest mode that covers the size. */
  m = choose ("video/x-raw, width=1920, height=1080, framerate={ 5/1, 10/1 };"
              "video/x-raw, width=1280, height=720, framerate=8/1",
      1920, 1080, 30);
  EXPECT_EQ (m.width, 1920);
  EXPECT_EQ (m.fps_n, 10);
}

TEST (CameraMode, RangesAreFixatedNearTheRequest)
{
  CameraMode m = choose ("video/x-raw, format=I420, width=[ 16, 4096, 2 ], height=[ 16, 2160, 2 ], "
                         "framerate=[ 1/1, 60/1 ]",
      1281, 721, 25);
  ASSERT_TRUE (m.found);
  EXPECT_EQ (m.width, 1280); /* on the step */
  EXPECT_EQ (m.height, 720);
  EXPECT_EQ (m.fps_n, 25);
  EXPECT_EQ (m.fps_d, 1);
}

TEST (CameraMode, FractionalRates)
{
  CameraMode m = choose ("video/x-raw, width=1280, height=720, framerate={ 30000/1001, 15/1 }", 0, 0, 0);
  /* 29.97 is short of 30 by a hair: it is the best there is. */
  EXPECT_EQ (m.fps_n, 30000);
  EXPECT_EQ (m.fps_d, 1001);
}

TEST (CameraMode, NothingUsable)
{
  EXPECT_FALSE (choose ("video/x-h264, width=1280, height=720, framerate=30/1", 0, 0, 0).found);
  EXPECT_FALSE (choose ("video/x-raw, width=1280, height=720", 0, 0, 0).found); /* no rate */
  EXPECT_FALSE (choose_camera_mode (nullptr, 0, 0, 0).found);
}
