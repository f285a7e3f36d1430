/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The WHIP client: webrtcsend offers (send-only), the offer is POSTed as
 * application/sdp, the 201's answer and Location make the session; see
 * whip-http-client.h for the HTTP side. */
#include "whip-client.h"

#include "whip-http-glue.h"

struct _GstSigWhipClient {
  GstObject parent;
  gstsig::WhipGlue *glue;
};

static void
gst_sig_whip_client_iface_init (GstSigSignallerInterface *iface)
{
  gstsig::whip_glue_iface_init (iface);
}

G_DEFINE_TYPE_WITH_CODE (GstSigWhipClient, gst_sig_whip_client, GST_TYPE_OBJECT,
    G_IMPLEMENT_INTERFACE (GST_SIG_TYPE_SIGNALLER, gst_sig_whip_client_iface_init));

static void
gst_sig_whip_client_set_property (GObject *object, guint prop_id, const GValue *value,
    GParamSpec *pspec)
{
  if (!gstsig::whip_glue_set_property (*GST_SIG_WHIP_CLIENT (object)->glue, prop_id, value))
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
}

static void
gst_sig_whip_client_get_property (GObject *object, guint prop_id, GValue *value,
    GParamSpec *pspec)
{
  if (!gstsig::whip_glue_get_property (*GST_SIG_WHIP_CLIENT (object)->glue, prop_id, value))
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
}

static void
gst_sig_whip_client_finalize (GObject *object)
{
  auto self = GST_SIG_WHIP_CLIENT (object);
  self->glue->client.reset ();
  delete self->glue;
  G_OBJECT_CLASS (gst_sig_whip_client_parent_class)->finalize (object);
}

static void
gst_sig_whip_client_class_init (GstSigWhipClientClass *klass)
{
  auto gobject_class = G_OBJECT_CLASS (klass);
  gobject_class->set_property = gst_sig_whip_client_set_property;
  gobject_class->get_property = gst_sig_whip_client_get_property;
  gobject_class->finalize = gst_sig_whip_client_finalize;
  gstsig::whip_glue_install_properties (gobject_class, "WHIP");
}

static void
gst_sig_whip_client_init (GstSigWhipClient *self)
{
  self->glue = new gstsig::WhipGlue ();
  self->glue->settings.role = gstsig::WhipRole::Publish;
  self->glue->client = std::make_unique<gstsig::WhipHttpClient> (GST_SIG_SIGNALLER (self));
  gstsig::whip_glue_attach (G_OBJECT (self), self->glue);
}
