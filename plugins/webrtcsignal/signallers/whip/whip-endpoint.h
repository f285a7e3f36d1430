/* gst-webrtcsignal: the WHIP endpoint signaller (whip-listen://ADDR:PORT/PATH)
 * that serves WHIP clients from inside webrtcrecv.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_SIG_TYPE_WHIP_ENDPOINT (gst_sig_whip_endpoint_get_type ())
G_DECLARE_FINAL_TYPE (GstSigWhipEndpoint, gst_sig_whip_endpoint, GST_SIG, WHIP_ENDPOINT,
    GstObject)

G_END_DECLS
