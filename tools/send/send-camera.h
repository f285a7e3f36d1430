/* gst-webrtc-send: cameras. Picks the device (the first V4L2 camera, or
 * the one given), reads the modes it offers and chooses the best one near
 * the size and frame rate asked for.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/gst.h>

#include <string>

namespace gstsig::send {

struct CameraMode {
  bool found = false;
  bool jpeg = false;   /* image/jpeg (MJPEG); else video/x-raw */
  int width = 0, height = 0;
  int fps_n = 0, fps_d = 1;
  std::string caps;    /* the fixed caps to ask the device for */
};

/* Chooses among the modes in device_caps (video/x-raw and image/jpeg
 * structures; lists and ranges allowed; other formats ignored):
 * first a mode that reaches want_fps, then the smallest size that covers
 * want_width x want_height (else the largest there is), then raw before
 * MJPEG, then the higher rate. want_* 0: 1280x720 and 30 fps. The frame
 * rate chosen is the lowest the mode offers at or above want_fps, or its
 * highest. Pure: unit-tested without a camera. */
CameraMode choose_camera_mode (const GstCaps *device_caps, int want_width, int want_height,
    int want_fps);

enum class CameraProbe { Ok, NoDevice, Busy, Failed };

struct CameraInfo {
  CameraProbe result = CameraProbe::Failed;
  std::string device;   /* the device used */
  std::string message;  /* what went wrong, for people */
  GstCaps *caps = nullptr; /* (owned) what the device offers */
  ~CameraInfo () { gst_clear_caps (&caps); }
};

/* Opens device (empty: the first /dev/videoN that captures video) with
 * v4l2src and reads its modes. */
void probe_camera (const std::string &device, CameraInfo *info);

} // namespace gstsig::send
