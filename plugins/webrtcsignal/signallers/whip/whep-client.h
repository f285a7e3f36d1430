/* gst-webrtcsignal: the WHEP client signaller of webrtcrecv, for
 * uri=whep+http://HOST:PORT/PATH and whep+https://... (also as URIs of
 * gst-play-1.0 and playbin).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_SIG_TYPE_WHEP_CLIENT (gst_sig_whep_client_get_type ())
G_DECLARE_FINAL_TYPE (GstSigWhepClient, gst_sig_whep_client, GST_SIG, WHEP_CLIENT, GstObject)

G_END_DECLS
