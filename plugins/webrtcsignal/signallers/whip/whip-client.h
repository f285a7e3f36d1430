/* gst-webrtcsignal: the WHIP client signaller (RFC 9725) of webrtcsend,
 * for uri=whip+http://HOST:PORT/PATH and whip+https://...
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_SIG_TYPE_WHIP_CLIENT (gst_sig_whip_client_get_type ())
G_DECLARE_FINAL_TYPE (GstSigWhipClient, gst_sig_whip_client, GST_SIG, WHIP_CLIENT, GstObject)

G_END_DECLS
