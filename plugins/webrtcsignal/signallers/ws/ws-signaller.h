/* gst-webrtcsignal: the WebSocket signaller (ws://, wss://), speaking
 * gst-plugins-rs' signalling protocol (shared/PROTOCOL.md), as a producer (webrtcsend)
 * or as a consumer of one producer (webrtcrecv).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_SIG_TYPE_WS_SIGNALLER (gst_sig_ws_signaller_get_type ())
G_DECLARE_FINAL_TYPE (GstSigWsSignaller, gst_sig_ws_signaller, GST_SIG, WS_SIGNALLER, GstObject)

G_END_DECLS
