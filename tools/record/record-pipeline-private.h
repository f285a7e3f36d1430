/* gst-webrtc-record: what the two halves of a Recording share:
 * record-pipeline.cpp (building it, and its bus on the main context) and
 * record-streams.cpp (linking webrtcrecv's pads, on the streaming threads).
 * Internal to the recorder.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "record-pipeline.h"

#include <gst/gst.h>

namespace gstsig::record {

/* The name of the application messages the streams post to the bus for the
 * main context ("stream", "all-streams", "first-buffer", "media", "fail",
 * "warning"). */
constexpr const char *APP_MESSAGE = "gstsig-record";

struct Recording::Branch {
  Recording *recording = nullptr;
  GstElement *bin = nullptr; /* in the pipeline */
  GstPad *hold = nullptr;    /* the hold queue's src pad (owned ref) */
  gulong block_probe = 0;
  /* Of its first buffer; under the recording's lock. */
  GstClockTime first_running_time = GST_CLOCK_TIME_NONE;
  bool video = false;
  /* The hold queue's streaming thread only: whether a keyframe went into
   * the file (until then video frames are dropped), and when a keyframe
   * was last asked for. */
  bool keyframe_written = false;
  gint64 keyframe_asked_us = 0;
};

} // namespace gstsig::record
