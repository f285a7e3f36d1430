/* gst-webrtcsignal: webrtcrecv, a source bin that receives the media of one
 * WebRTC producer found through a pluggable signaller.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "base-bin.h"

#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_SIG_TYPE_RECV (gst_sig_recv_get_type ())
G_DECLARE_FINAL_TYPE (GstSigRecv, gst_sig_recv, GST_SIG, RECV, GstSigBaseBin)

GST_ELEMENT_REGISTER_DECLARE (webrtcrecv);

G_END_DECLS
