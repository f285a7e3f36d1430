/* gst-webrtcsignal: what input-stream.cpp (an input, its pacing and its
 * consumers' branches) and input-encoders.cpp (the branch per codec:
 * encoder or pre-encoded input, and keyframe requests) share.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "input-stream.h"

#include <gst/gst.h>

#include <string>

GST_DEBUG_CATEGORY_EXTERN (gst_sig_send_debug);

namespace gstsig {

/* input-stream.cpp: a core/base element, named. */
GstElement *make (const char *factory, const std::string &name);

/* input-encoders.cpp: an upstream keyframe request for a viewer that
 * starts on, or moves to, an encoder's stream. Its keyframe is not counted
 * in what the encoder's picture costs (check_picture_size_locked): it says
 * nothing of the picture's size. */
GstEvent *new_keyframe_request_for_a_new_viewer ();

} // namespace gstsig
