/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The WHIP client: webrtcsend offers (send-only), the offer is POSTed as
 * application/sdp, the 201's answer and Location make the session; see
 * whip-http-client.h for the HTTP side. */
#include "whip-client.h"

#include "whip-http-glue.h"

struct _GstSigWhipClient : gstsig::WhipGlueObject {};

G_DEFINE_TYPE_WITH_CODE (GstSigWhipClient, gst_sig_whip_client, GST_TYPE_OBJECT,
    G_IMPLEMENT_INTERFACE (GST_SIG_TYPE_SIGNALLER, gstsig::whip_glue_iface_init));

static void
gst_sig_whip_client_class_init (GstSigWhipClientClass *klass)
{
  gstsig::whip_glue_class_init (G_OBJECT_CLASS (klass), "WHIP");
}

static void
gst_sig_whip_client_init (GstSigWhipClient *self)
{
  gstsig::whip_glue_object_init (self, gstsig::WhipRole::Publish);
}
