/* gst-webrtc-send: from a pipeline error to an exit code and a message that
 * says what to do.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "send-options.h"

#include <gst/gst.h>

#include <string>

namespace gstsig::send {

struct Failure {
  int code = EXIT_OTHER_ERROR;
  std::string message;
};

/* msg is a GST_MESSAGE_ERROR of the pipeline; send is the webrtcsend. */
Failure classify_error (GstMessage *msg, GstElement *send, const Options &opts);

} // namespace gstsig::send
