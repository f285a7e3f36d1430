/* gst-webrtc-send: looks before it leaps. Whether an element is there,
 * whether the X display answers (and its size), what a file holds, and
 * whether webrtcsend takes encoded video as it is.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/gst.h>

#include <string>

namespace gstsig::send {

bool has_factory (const char *name);

/* Opens display with ximagesrc; its screen size, or false and *message. */
bool probe_display (const std::string &display, int *width, int *height, std::string *message);

struct FileInfo {
  std::string video_codec;  /* "H264", "VP8", "VP9", "raw", or a description */
  std::string h264_profile; /* as the parser says, e.g. "constrained-baseline" */
  bool browser_h264 = false; /* constrained baseline or baseline */
  GstCaps *video_caps = nullptr; /* (owned) */
  int width = 0, height = 0, fps_n = 0, fps_d = 1;
  bool has_audio = false;
  bool browser_opus = false; /* its audio is Opus, mono or stereo */
  double duration_s = 0;
  ~FileInfo () { gst_clear_caps (&video_caps); }
};

/* Checks path and reads what it holds (GstDiscoverer). Returns EXIT_OK,
 * or an exit code with *error saying what to do. */
int probe_file (const std::string &path, FileInfo *info, std::string *error);

/* Whether webrtcsend's video pads take caps (encoded video) directly. */
bool webrtcsend_takes (const GstCaps *caps);

} // namespace gstsig::send
