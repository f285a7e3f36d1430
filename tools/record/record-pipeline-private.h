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
 * main context ("stream", "all-streams", "media", "fail", "warning"). */
constexpr const char *APP_MESSAGE = "gstsig-record";

struct Recording::Branch {
  GstElement *bin = nullptr; /* in the pipeline */
  GstPad *hold = nullptr;    /* the hold queue's src pad (owned ref) */
  gulong block_probe = 0;
  GstClockTime first_running_time = GST_CLOCK_TIME_NONE; /* of its first buffer */
  bool video = false;
};

} // namespace gstsig::record
