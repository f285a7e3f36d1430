/* gst-webrtcsignal: the WHEP endpoint signaller (whep-listen://ADDR:PORT/PATH)
 * that serves WHEP clients from inside webrtcsend.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_SIG_TYPE_WHEP_ENDPOINT (gst_sig_whep_endpoint_get_type ())
G_DECLARE_FINAL_TYPE (GstSigWhepEndpoint, gst_sig_whep_endpoint, GST_SIG, WHEP_ENDPOINT,
    GstObject)

G_END_DECLS
