/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The WHIP endpoint (RFC 9725) inside webrtcrecv: uri=whip-listen://ADDR:PORT/PATH.
 * A WHIP client (OBS 30+, a browser page, webrtcsend uri=whip+http://) POSTs
 * its offer to PATH and gets 201 with our answer (and our candidates),
 * Location PATH/<id> and an ETag; PATCH <id> trickles its candidates, DELETE
 * <id> ends the session (every pad gets EOS). One publisher at a time: the
 * next POST gets 409. The HTTP side is http-endpoint.cpp, the shared glue
 * endpoint-signaller.cpp.  */
#include "whip-endpoint.h"

#include "endpoint-signaller.h"

struct _GstSigWhipEndpoint : gstsig::EndpointObject {};

G_DEFINE_TYPE_WITH_CODE (GstSigWhipEndpoint, gst_sig_whip_endpoint, GST_TYPE_OBJECT,
    G_IMPLEMENT_INTERFACE (GST_SIG_TYPE_SIGNALLER, gstsig::endpoint_iface_init));

static void
gst_sig_whip_endpoint_class_init (GstSigWhipEndpointClass *klass)
{
  gstsig::endpoint_class_init (G_OBJECT_CLASS (klass), gstsig::EndpointKind::WHIP);
}

static void
gst_sig_whip_endpoint_init (GstSigWhipEndpoint *self)
{
  gstsig::endpoint_object_init (self, gstsig::EndpointKind::WHIP);
}
