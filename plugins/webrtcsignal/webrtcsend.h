/* gst-webrtcsignal: webrtcsend, a sink bin that sends its inputs to any
 * number of WebRTC consumers found through a pluggable signaller.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "base-bin.h"

#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_SIG_TYPE_SEND (gst_sig_send_get_type ())
G_DECLARE_FINAL_TYPE (GstSigSend, gst_sig_send, GST_SIG, SEND, GstSigBaseBin)

GST_ELEMENT_REGISTER_DECLARE (webrtcsend);

G_END_DECLS
