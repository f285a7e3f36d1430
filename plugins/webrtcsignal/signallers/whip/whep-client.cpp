/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The WHEP client. Two ways to negotiate:
 * - client offer (default, the WHEP draft's way): webrtcrecv offers
 *   receive-only (this signaller's consumer_offers capability), the offer
 *   is POSTed, the 201 carries the answer;
 * - server offer (server-offer=true, e.g. Janus' WHEP server): an empty POST
 *   (Content-Type application/sdp, no body), the 201 carries the server's
 *   offer, our answer goes to the session URL with PATCH application/sdp.
 * The HTTP side is whip-http-client.h. */
#include "whep-client.h"

#include "whip-http-glue.h"

enum { PROP_SERVER_OFFER = gstsig::WHIP_PROP_LAST };

struct _GstSigWhepClient : gstsig::WhipGlueObject {};

G_DEFINE_TYPE_WITH_CODE (GstSigWhepClient, gst_sig_whep_client, GST_TYPE_OBJECT,
    G_IMPLEMENT_INTERFACE (GST_SIG_TYPE_SIGNALLER, gstsig::whip_glue_iface_init));

static void
gst_sig_whep_client_set_property (GObject *object, guint prop_id, const GValue *value,
    GParamSpec *pspec)
{
  auto glue = GST_SIG_WHEP_CLIENT (object)->glue;
  if (prop_id == PROP_SERVER_OFFER) {
    std::lock_guard<std::mutex> guard (glue->lock);
    glue->settings.server_offer = g_value_get_boolean (value);
    return;
  }
  if (!gstsig::whip_glue_set_property (*glue, prop_id, value))
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
}

static void
gst_sig_whep_client_get_property (GObject *object, guint prop_id, GValue *value,
    GParamSpec *pspec)
{
  auto glue = GST_SIG_WHEP_CLIENT (object)->glue;
  if (prop_id == PROP_SERVER_OFFER) {
    std::lock_guard<std::mutex> guard (glue->lock);
    g_value_set_boolean (value, glue->settings.server_offer);
    return;
  }
  if (!gstsig::whip_glue_get_property (*glue, prop_id, value))
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
}

static void
gst_sig_whep_client_class_init (GstSigWhepClientClass *klass)
{
  auto gobject_class = G_OBJECT_CLASS (klass);
  gstsig::whip_glue_class_init (gobject_class, "WHEP");
  gobject_class->set_property = gst_sig_whep_client_set_property;
  gobject_class->get_property = gst_sig_whep_client_get_property;
  g_object_class_install_property (gobject_class, PROP_SERVER_OFFER,
      g_param_spec_boolean ("server-offer", "Server offer",
          "Let the server make the offer: POST with an empty body, the 201 carries the "
          "server's offer, our answer is sent with PATCH application/sdp (servers such as "
          "Janus' WHEP server work so). Default: false (we offer, receive-only)", FALSE,
          (GParamFlags) (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS)));
}

static void
gst_sig_whep_client_init (GstSigWhepClient *self)
{
  gstsig::whip_glue_object_init (self, gstsig::WhipRole::Play);
}
