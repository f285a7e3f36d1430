/* gst-webrtcsignal: the Janus VideoRoom signaller: the GObject, the
 * signaller interface, start and stop. The room itself: janus-room.cpp.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "janus-signaller-private.h"

#include "sdp-utils.h"
#include "signaller.h"

#include <chrono>
#include <utility>

GST_DEBUG_CATEGORY (janus_signaller_debug);
#define GST_CAT_DEFAULT janus_signaller_debug

namespace janus = gstsig::janus;

enum {
  PROP_0,
  PROP_URI,
  PROP_CONNECT_TIMEOUT,
  PROP_PIN,
  PROP_SECRET,
  PROP_TOKEN,
  PROP_API_SECRET,
  PROP_DISPLAY,
  PROP_CA_FILE,
  PROP_INSECURE_TLS,
};

static void gst_sig_janus_signaller_iface_init (GstSigSignallerInterface *iface);

G_DEFINE_TYPE_WITH_CODE (GstSigJanusSignaller, gst_sig_janus_signaller, GST_TYPE_OBJECT,
    G_IMPLEMENT_INTERFACE (GST_SIG_TYPE_SIGNALLER, gst_sig_janus_signaller_iface_init));

void
janus_finish_start (GstSigJanusSignaller *self, GError *error)
{
  auto priv = self->priv;
  std::lock_guard<std::mutex> guard (priv->start_lock);
  if (priv->start_done) {
    g_clear_error (&error);
    return;
  }
  priv->start_done = true;
  priv->start_error = error;
  priv->start_cond.notify_all ();
}

bool
janus_start_finished (GstSigJanusSignaller *self)
{
  std::lock_guard<std::mutex> guard (self->priv->start_lock);
  return self->priv->start_done;
}

/* Our display name in the room: the property, the URI's (a producer's:
 * a consumer's ?display= names the publisher it wants), the element's meta
 * "name", else one of ours. */
static std::string
display_for (const JanusSettings &settings, const janus::RoomAddress &address,
    const GstStructure *meta, bool consumer)
{
  if (!settings.display.empty ())
    return settings.display;
  if (!consumer && !address.display.empty ())
    return address.display;
  const char *name = meta ? gst_structure_get_string (meta, "name") : nullptr;
  return name && *name ? name : consumer ? "gst-webrtcsignal (watching)" : "gst-webrtcsignal";
}

static std::string
joined_codecs (gchar **codecs)
{
  std::string out;
  for (gchar **c = codecs; c && *c; c++)
    out += (out.empty () ? "" : ",") + std::string (*c);
  return out;
}

static gboolean
janus_start (GstSigSignaller *signaller, const GstSigSignallerSettings *element_settings,
    GError **error)
{
  auto self = GST_SIG_JANUS_SIGNALLER (signaller);
  auto priv = self->priv;
  JanusSettings settings;
  {
    std::lock_guard<std::mutex> guard (priv->lock);
    settings = priv->settings;
  }
  janus::RoomAddress address;
  std::string problem;
  if (!janus::parse_room_uri (settings.uri, &address, &problem)) {
    g_set_error_literal (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS, problem.c_str ());
    return FALSE;
  }
  if (!settings.pin.empty ())
    address.pin = settings.pin;
  if (!settings.secret.empty ())
    address.secret = settings.secret;
  if (!settings.token.empty ())
    address.token = settings.token;
  gstsig::tls::ClientTls tls;
  tls.set_insecure_warning ([self] (const std::string &warning) {
    gstsig::tls::warn_through_parent (GST_OBJECT (self), warning);
  });
  GError *tls_error = nullptr;
  if (!tls.configure (settings.ca_file, settings.insecure_tls,
          { "signaller::ca-file=PATH", "signaller::insecure-tls=true" }, &tls_error)) {
    g_set_error_literal (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
        tls_error->message);
    g_error_free (tls_error);
    return FALSE;
  }
  {
    std::lock_guard<std::mutex> guard (priv->start_lock);
    priv->start_done = false;
    g_clear_error (&priv->start_error);
  }
  bool consumer = element_settings->role == GST_SIG_SIGNALLER_ROLE_CONSUMER;
  std::string display = display_for (settings, address, element_settings->meta, consumer);
  std::string video = joined_codecs (element_settings->video_codecs);
  std::string audio = joined_codecs (element_settings->audio_codecs);
  priv->worker.start ();
  priv->worker.post ([self, address, settings, tls, consumer, display, video, audio] () {
    auto priv = self->priv;
    priv->address = address;
    priv->api_secret = settings.api_secret;
    priv->tls = tls;
    priv->connect_timeout_s = settings.connect_timeout_s;
    priv->consumer = consumer;
    priv->display = display;
    priv->video_codecs = video;
    priv->audio_codecs = audio;
    priv->stage = JanusStage::Connecting;
    priv->ended_for_good = false;
    priv->backoff_ms = JANUS_RECONNECT_MIN_MS;
    janus_connect (self);
  });

  GError *start_error = nullptr;
  bool done;
  {
    std::unique_lock<std::mutex> guard (priv->start_lock);
    /* Connecting, the session, attaching and joining: each bounded by the
     * connect timeout or a request timeout; a little more than both. */
    done = priv->start_cond.wait_for (guard,
        std::chrono::seconds (settings.connect_timeout_s + janus::REQUEST_TIMEOUT_S),
        [priv] { return priv->start_done; });
    start_error = std::exchange (priv->start_error, nullptr);
    priv->start_done = true; /* late results are dropped */
  }
  if (done && !start_error)
    return TRUE;
  if (!start_error)
    start_error = g_error_new (GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_READ_WRITE,
        "Janus at %s did not let us join the room in time", address.shown_uri.c_str ());
  g_propagate_error (error, start_error);
  gst_sig_signaller_stop (signaller);
  return FALSE;
}

static void
janus_stop (GstSigSignaller *signaller)
{
  auto self = GST_SIG_JANUS_SIGNALLER (signaller);
  self->priv->worker.stop ([self] () { janus_disconnect (self); });
}

static void
janus_send_sdp (GstSigSignaller *signaller, const gchar *session_id,
    const GstWebRTCSessionDescription *desc)
{
  auto self = GST_SIG_JANUS_SIGNALLER (signaller);
  janus::Jsep jsep { desc->type == GST_WEBRTC_SDP_TYPE_OFFER ? "offer" : "answer",
      gstsig::session_description_to_text (desc) };
  std::string id = session_id;
  self->priv->worker.post ([self, id, jsep] () { janus_send_description (self, id, jsep); });
}

static void
janus_add_ice (GstSigSignaller *signaller, const gchar *session_id, const gchar *candidate,
    guint sdp_m_line_index, const gchar *sdp_mid)
{
  auto self = GST_SIG_JANUS_SIGNALLER (signaller);
  std::string id = session_id, text = candidate ? candidate : "", mid = sdp_mid ? sdp_mid : "";
  self->priv->worker.post ([self, id, text, sdp_m_line_index, mid] () {
    janus_send_candidate (self, id, text, sdp_m_line_index, mid);
  });
}

static void
janus_end_session_vfunc (GstSigSignaller *signaller, const gchar *session_id,
    GstSigSessionEnd reason)
{
  auto self = GST_SIG_JANUS_SIGNALLER (signaller);
  std::string id = session_id;
  GST_DEBUG_OBJECT (self, "Ending session %s: %s", id.c_str (),
      gst_sig_session_end_to_string (reason));
  bool for_good = reason == GST_SIG_SESSION_END_END_OF_STREAM
      || reason == GST_SIG_SESSION_END_STOPPING || reason == GST_SIG_SESSION_END_REFUSED;
  self->priv->worker.post ([self, id, for_good] () { janus_end_session (self, id, for_good); });
}

static void
gst_sig_janus_signaller_iface_init (GstSigSignallerInterface *iface)
{
  iface->start = janus_start;
  iface->stop = janus_stop;
  iface->send_sdp = janus_send_sdp;
  iface->add_ice = janus_add_ice;
  iface->end_session = janus_end_session_vfunc;
}

/* ---- GObject ---- */

static std::string *
string_field (JanusSettings &s, guint prop_id)
{
  switch (prop_id) {
    case PROP_URI: return &s.uri;
    case PROP_PIN: return &s.pin;
    case PROP_SECRET: return &s.secret;
    case PROP_TOKEN: return &s.token;
    case PROP_API_SECRET: return &s.api_secret;
    case PROP_DISPLAY: return &s.display;
    case PROP_CA_FILE: return &s.ca_file;
    default: return nullptr;
  }
}

static void
gst_sig_janus_signaller_set_property (GObject *object, guint prop_id, const GValue *value,
    GParamSpec *pspec)
{
  auto self = GST_SIG_JANUS_SIGNALLER (object);
  std::lock_guard<std::mutex> guard (self->priv->lock);
  auto &s = self->priv->settings;
  if (std::string *field = string_field (s, prop_id)) {
    *field = g_value_get_string (value) ? g_value_get_string (value) : "";
    return;
  }
  switch (prop_id) {
    case PROP_CONNECT_TIMEOUT:
      s.connect_timeout_s = g_value_get_uint (value);
      break;
    case PROP_INSECURE_TLS:
      s.insecure_tls = g_value_get_boolean (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
gst_sig_janus_signaller_get_property (GObject *object, guint prop_id, GValue *value,
    GParamSpec *pspec)
{
  auto self = GST_SIG_JANUS_SIGNALLER (object);
  std::lock_guard<std::mutex> guard (self->priv->lock);
  auto &s = self->priv->settings;
  if (std::string *field = string_field (s, prop_id)) {
    g_value_set_string (value, field->empty () ? nullptr : field->c_str ());
    return;
  }
  switch (prop_id) {
    case PROP_CONNECT_TIMEOUT:
      g_value_set_uint (value, s.connect_timeout_s);
      break;
    case PROP_INSECURE_TLS:
      g_value_set_boolean (value, s.insecure_tls);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
gst_sig_janus_signaller_finalize (GObject *object)
{
  auto self = GST_SIG_JANUS_SIGNALLER (object);
  janus_stop (GST_SIG_SIGNALLER (self));
  g_clear_error (&self->priv->start_error);
  delete self->priv;
  G_OBJECT_CLASS (gst_sig_janus_signaller_parent_class)->finalize (object);
}

static void
install_string (GObjectClass *klass, guint id, const char *name, const char *nick,
    const char *blurb)
{
  g_object_class_install_property (klass, id, g_param_spec_string (name, nick, blurb, nullptr,
      (GParamFlags) (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS)));
}

static void
gst_sig_janus_signaller_class_init (GstSigJanusSignallerClass *klass)
{
  auto gobject_class = G_OBJECT_CLASS (klass);
  gobject_class->set_property = gst_sig_janus_signaller_set_property;
  gobject_class->get_property = gst_sig_janus_signaller_get_property;
  gobject_class->finalize = gst_sig_janus_signaller_finalize;

  g_object_class_override_property (gobject_class, PROP_URI, "uri");
  g_object_class_install_property (gobject_class, PROP_CONNECT_TIMEOUT,
      g_param_spec_uint ("connect-timeout", "Connect timeout",
          "Seconds to wait for Janus to answer the connection (joining the room may take a "
          "request timeout more). Default: 10", 1, 300, JANUS_DEFAULT_CONNECT_TIMEOUT_S,
          (GParamFlags) (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS)));
  install_string (gobject_class, PROP_PIN, "pin",
      "Room pin", "The room's pin, needed to join it (instead of ?pin= in the URI; never logged). "
      "Default: none");
  install_string (gobject_class, PROP_SECRET, "secret", "Room secret",
      "The room's secret: with ?create=1 the room is created with it (instead of ?secret= in "
      "the URI; never logged). Default: none");
  install_string (gobject_class, PROP_TOKEN, "auth-token", "Janus token",
      "Janus' token authentication (token_auth in janus.jcfg), sent as \"token\" in every "
      "request (instead of ?token= in the URI; never logged). Default: none");
  install_string (gobject_class, PROP_API_SECRET, "api-secret", "Janus API secret",
      "Janus' API secret (api_secret in janus.jcfg), sent in every request; never logged. "
      "Default: none");
  install_string (gobject_class, PROP_DISPLAY, "display", "Display name",
      "Our display name in the room (instead of ?display= in the URI). Default: the element's "
      "meta 'name', else \"gst-webrtcsignal\"");
  install_string (gobject_class, PROP_CA_FILE, "ca-file", "CA file",
      "janus+wss:// only: PEM file of the certificates to trust instead of the system's CAs. "
      "Default: none");
  g_object_class_install_property (gobject_class, PROP_INSECURE_TLS,
      g_param_spec_boolean ("insecure-tls", "Insecure TLS",
          "janus+wss:// only: accept any server certificate, unchecked; posts a warning. "
          "Default: false",
          FALSE, (GParamFlags) (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS)));

  GST_DEBUG_CATEGORY_INIT (janus_signaller_debug, "webrtcsignal-janus", 0,
      "Janus VideoRoom signaller of gst-webrtcsignal");
}

static void
gst_sig_janus_signaller_init (GstSigJanusSignaller *self)
{
  self->priv = new GstSigJanusSignallerPrivate ();
}
