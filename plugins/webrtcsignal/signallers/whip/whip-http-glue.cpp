/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "whip-http-glue.h"

#include <string>

GType
gst_sig_whip_trickle_get_type (void)
{
  static gsize type = 0;
  static const GEnumValue values[] = {
    { (gint) gstsig::TrickleMode::Auto, "Trickle; when the server refuses PATCH, stop (and "
      "send every candidate in later offers to it)", "auto" },
    { (gint) gstsig::TrickleMode::On, "Trickle; a server refusing PATCH is an error", "on" },
    { (gint) gstsig::TrickleMode::Off, "No trickle: wait for gathering, every candidate in the "
      "offer (or answer)", "off" },
    { 0, nullptr, nullptr },
  };
  if (g_once_init_enter (&type))
    g_once_init_leave (&type, g_enum_register_static ("GstSigWhipTrickle", values));
  return type;
}

namespace gstsig {

namespace {

/* object: a GstSigWhipClient or GstSigWhepClient. */
WhipGlue &
glue_of (gpointer object)
{
  return *static_cast<WhipGlueObject *> (object)->glue;
}

gboolean
glue_start (GstSigSignaller *self, const GstSigSignallerSettings *, GError **error)
{
  WhipGlue &glue = glue_of (self);
  WhipClientSettings settings;
  {
    std::lock_guard<std::mutex> guard (glue.lock);
    settings = glue.settings;
  }
  return glue.client->start (settings, error);
}

void
glue_stop (GstSigSignaller *self)
{
  glue_of (self).client->stop ();
}

void
glue_send_sdp (GstSigSignaller *self, const gchar *session_id,
    const GstWebRTCSessionDescription *desc)
{
  glue_of (self).client->send_sdp (session_id ? session_id : "", desc);
}

void
glue_add_ice (GstSigSignaller *self, const gchar *session_id, const gchar *candidate,
    guint sdp_m_line_index, const gchar *)
{
  glue_of (self).client->add_ice (session_id ? session_id : "", candidate ? candidate : "",
      sdp_m_line_index);
}

void
glue_end_session (GstSigSignaller *self, const gchar *session_id, GstSigSessionEnd reason)
{
  if (reason == GST_SIG_SESSION_END_STOPPING)
    return; /* stop () DELETEs the resource */
  glue_of (self).client->end_session (session_id ? session_id : "",
      reason == GST_SIG_SESSION_END_END_OF_STREAM);
}

/* WHEP: webrtcrecv offers, unless the server does (server-offer). */
void
glue_get_capabilities (GstSigSignaller *self, GstSigSignallerCapabilities *caps)
{
  WhipGlue &glue = glue_of (self);
  std::lock_guard<std::mutex> guard (glue.lock);
  caps->consumer_offers = glue.settings.role == WhipRole::Play && !glue.settings.server_offer;
}

void
glue_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  if (!whip_glue_set_property (glue_of (object), prop_id, value))
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
}

void
glue_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  if (!whip_glue_get_property (glue_of (object), prop_id, value))
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
}

void
glue_finalize (GObject *object)
{
  WhipGlue *glue = &glue_of (object);
  glue->client.reset ();
  delete glue;
  /* The types are final and derive from GstObject: chain up to it. */
  G_OBJECT_CLASS (g_type_class_peek_parent (G_OBJECT_GET_CLASS (object)))->finalize (object);
}

} // namespace

void
whip_glue_object_init (WhipGlueObject *self, WhipRole role)
{
  self->glue = new WhipGlue ();
  self->glue->settings.role = role;
  self->glue->client = std::make_unique<WhipHttpClient> (GST_SIG_SIGNALLER (self));
}

void
whip_glue_iface_init (GstSigSignallerInterface *iface)
{
  iface->start = glue_start;
  iface->stop = glue_stop;
  iface->send_sdp = glue_send_sdp;
  iface->add_ice = glue_add_ice;
  iface->end_session = glue_end_session;
  iface->get_capabilities = glue_get_capabilities;
}

void
whip_glue_class_init (GObjectClass *klass, const char *protocol)
{
  klass->set_property = glue_set_property;
  klass->get_property = glue_get_property;
  klass->finalize = glue_finalize;
  auto rw = (GParamFlags) (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  auto ro = (GParamFlags) (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  /* Blurbs are kept for the life of the class (static strings). */
  std::string p = protocol;
  auto keep = [] (const std::string &text) { return g_intern_string (text.c_str ()); };
  g_object_class_override_property (klass, WHIP_PROP_URI, "uri");
  g_object_class_install_property (klass, WHIP_PROP_AUTH_TOKEN,
      g_param_spec_string ("auth-token", "Auth token",
          keep ("Bearer token sent as \"Authorization: Bearer TOKEN\" with every request to the "
                + p + " server (never logged). Default: none"), nullptr, rw));
  g_object_class_install_property (klass, WHIP_PROP_TIMEOUT,
      g_param_spec_uint ("timeout", "Timeout",
          keep ("Seconds each HTTP request to the " + p + " server may take (OPTIONS, POST, "
                "PATCH, DELETE) before it counts as failed. Default: 10"),
          1, 600, WHIP_DEFAULT_TIMEOUT_S, rw));
  g_object_class_install_property (klass, WHIP_PROP_TRICKLE,
      g_param_spec_enum ("trickle", "Trickle ICE",
          "auto: send candidates with PATCH (application/trickle-ice-sdpfrag) as they are "
          "gathered, and stop when the server refuses them (405/501/422; later sessions to it "
          "send every candidate in the offer); on: the same, a refusal is an error; off: wait "
          "for gathering and send every candidate in the offer. Default: auto",
          GST_SIG_TYPE_WHIP_TRICKLE, (gint) TrickleMode::Auto, rw));
  g_object_class_install_property (klass, WHIP_PROP_CA_FILE,
      g_param_spec_string ("ca-file", "CA file",
          keep ("https:// only: PEM file of the certificates to trust instead of the system's "
                "CAs: the " + p + " server's own certificate or the CA that signed it. Default: "
                "none (the system's CAs)"), nullptr, rw));
  g_object_class_install_property (klass, WHIP_PROP_INSECURE_TLS,
      g_param_spec_boolean ("insecure-tls", "Insecure TLS",
          keep ("https:// only: accept any certificate of the " + p + " server, unchecked (a "
                "self-signed test server); posts a warning. Anyone on the path can then read "
                "and change the requests, token included. Default: false"), FALSE, rw));
  g_object_class_install_property (klass, WHIP_PROP_RESOURCE_URL,
      g_param_spec_string ("resource-url", "Resource URL",
          keep ("The " + p + " session's URL (the Location of the server's 201), NULL before "
                "(read-only)"), nullptr, ro));
}

bool
whip_glue_set_property (WhipGlue &glue, guint prop_id, const GValue *value)
{
  std::lock_guard<std::mutex> guard (glue.lock);
  auto str = [value] () {
    return std::string (g_value_get_string (value) ? g_value_get_string (value) : "");
  };
  switch (prop_id) {
    case WHIP_PROP_URI: glue.settings.uri = str (); return true;
    case WHIP_PROP_AUTH_TOKEN: glue.settings.auth_token = str (); return true;
    case WHIP_PROP_TIMEOUT: glue.settings.timeout_s = g_value_get_uint (value); return true;
    case WHIP_PROP_TRICKLE:
      glue.settings.trickle = (TrickleMode) g_value_get_enum (value);
      return true;
    case WHIP_PROP_CA_FILE: glue.settings.ca_file = str (); return true;
    case WHIP_PROP_INSECURE_TLS: glue.settings.insecure_tls = g_value_get_boolean (value); return true;
    default: return false;
  }
}

bool
whip_glue_get_property (WhipGlue &glue, guint prop_id, GValue *value)
{
  if (prop_id == WHIP_PROP_RESOURCE_URL) {
    std::string url = glue.client->resource_url ();
    g_value_set_string (value, url.empty () ? nullptr : url.c_str ());
    return true;
  }
  std::lock_guard<std::mutex> guard (glue.lock);
  switch (prop_id) {
    case WHIP_PROP_URI:
      g_value_set_string (value, glue.settings.uri.empty () ? nullptr : glue.settings.uri.c_str ());
      return true;
    case WHIP_PROP_AUTH_TOKEN:
      g_value_set_string (value,
          glue.settings.auth_token.empty () ? nullptr : glue.settings.auth_token.c_str ());
      return true;
    case WHIP_PROP_TIMEOUT: g_value_set_uint (value, glue.settings.timeout_s); return true;
    case WHIP_PROP_TRICKLE: g_value_set_enum (value, (gint) glue.settings.trickle); return true;
    case WHIP_PROP_CA_FILE:
      g_value_set_string (value,
          glue.settings.ca_file.empty () ? nullptr : glue.settings.ca_file.c_str ());
      return true;
    case WHIP_PROP_INSECURE_TLS: g_value_set_boolean (value, glue.settings.insecure_tls); return true;
    default: return false;
  }
}

} // namespace gstsig
