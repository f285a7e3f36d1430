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
#include "signaller.h"

struct _GstSigWhepEndpoint {
  GstObject parent;
  gstsig::EndpointSignaller *endpoint;
};

static void gst_sig_whep_endpoint_iface_init (GstSigSignallerInterface *iface);

G_DEFINE_TYPE_WITH_CODE (GstSigWhepEndpoint, gst_sig_whep_endpoint, GST_TYPE_OBJECT,
    G_IMPLEMENT_INTERFACE (GST_SIG_TYPE_SIGNALLER, gst_sig_whep_endpoint_iface_init));

static gstsig::EndpointSignaller &
endpoint_of (GstSigSignaller *signaller)
{
  return *GST_SIG_WHEP_ENDPOINT (signaller)->endpoint;
}

static gboolean
whep_start (GstSigSignaller *signaller, GError **error)
{
  return endpoint_of (signaller).start (error);
}

static void
whep_stop (GstSigSignaller *signaller)
{
  endpoint_of (signaller).stop ();
}

static void
whep_send_sdp (GstSigSignaller *signaller, const gchar *session_id,
    const GstWebRTCSessionDescription *desc)
{
  endpoint_of (signaller).send_sdp (session_id, desc);
}

static void
whep_add_ice (GstSigSignaller *signaller, const gchar *session_id, const gchar *candidate,
    guint sdp_m_line_index, const gchar *)
{
  endpoint_of (signaller).add_ice (session_id, candidate, sdp_m_line_index);
}

static void
whep_end_session (GstSigSignaller *signaller, const gchar *session_id)
{
  endpoint_of (signaller).end_session (session_id);
}

static void
gst_sig_whep_endpoint_iface_init (GstSigSignallerInterface *iface)
{
  iface->start = whep_start;
  iface->stop = whep_stop;
  iface->send_sdp = whep_send_sdp;
  iface->add_ice = whep_add_ice;
  iface->end_session = whep_end_session;
}

static void
gst_sig_whep_endpoint_set_property (GObject *object, guint prop_id, const GValue *value,
    GParamSpec *pspec)
{
  if (!gstsig::endpoint_set_property (*GST_SIG_WHEP_ENDPOINT (object)->endpoint, prop_id, value))
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
}

static void
gst_sig_whep_endpoint_get_property (GObject *object, guint prop_id, GValue *value,
    GParamSpec *pspec)
{
  if (!gstsig::endpoint_get_property (*GST_SIG_WHEP_ENDPOINT (object)->endpoint, prop_id, value))
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
}

static void
gst_sig_whep_endpoint_finalize (GObject *object)
{
  auto self = GST_SIG_WHEP_ENDPOINT (object);
  delete self->endpoint; /* stops it */
  G_OBJECT_CLASS (gst_sig_whep_endpoint_parent_class)->finalize (object);
}

static void
gst_sig_whep_endpoint_class_init (GstSigWhepEndpointClass *klass)
{
  auto gobject_class = G_OBJECT_CLASS (klass);
  gobject_class->set_property = gst_sig_whep_endpoint_set_property;
  gobject_class->get_property = gst_sig_whep_endpoint_get_property;
  gobject_class->finalize = gst_sig_whep_endpoint_finalize;
  gstsig::endpoint_install_properties (gobject_class, gstsig::EndpointKind::WHEP);
}

static void
gst_sig_whep_endpoint_init (GstSigWhepEndpoint *self)
{
  self->endpoint = new gstsig::EndpointSignaller (GST_SIG_SIGNALLER (self),
      gstsig::EndpointKind::WHEP);
}
