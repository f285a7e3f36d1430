/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The WHEP endpoint inside webrtcsend: uri=whep-listen://ADDR:PORT/PATH.
 * Each viewer POSTs a recvonly offer to PATH and gets 201 with our answer
 * (payload types taken from its offer, media from the encoders every viewer
 * shares), Location PATH/<id> and an ETag; PATCH <id> trickles candidates,
 * DELETE <id> ends that viewer. Beyond max-consumers a POST gets 503 with
 * Retry-After. The HTTP side is http-endpoint.cpp, the shared glue
 * endpoint-signaller.cpp.  */
#include "whep-endpoint.h"

#include "endpoint-signaller.h"

struct _GstSigWhepEndpoint : gstsig::EndpointObject {};

G_DEFINE_TYPE_WITH_CODE (GstSigWhepEndpoint, gst_sig_whep_endpoint, GST_TYPE_OBJECT,
    G_IMPLEMENT_INTERFACE (GST_SIG_TYPE_SIGNALLER, gstsig::endpoint_iface_init));

static void
gst_sig_whep_endpoint_class_init (GstSigWhepEndpointClass *klass)
{
  gstsig::endpoint_class_init (G_OBJECT_CLASS (klass), gstsig::EndpointKind::WHEP);
}

static void
gst_sig_whep_endpoint_init (GstSigWhepEndpoint *self)
{
  gstsig::endpoint_object_init (self, gstsig::EndpointKind::WHEP);
}
