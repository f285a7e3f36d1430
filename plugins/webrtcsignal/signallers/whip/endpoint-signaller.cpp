/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "endpoint-signaller.h"

#include "codecs.h"
#include "guarded-listener.h"
#include "signaller-worker.h"
#include "http-endpoint.h"
#include "sdp-utils.h"

#include <vector>

GST_DEBUG_CATEGORY_STATIC (endpoint_signaller_debug);
#define GST_CAT_DEFAULT endpoint_signaller_debug

namespace gstsig {

namespace {

#define RETRY_AFTER_S "5"

struct Names {
  const char *protocol;     /* "WHIP" */
  const char *scheme;       /* "whip-listen" */
  const char *default_path; /* "/whip" */
  const char *element;      /* the element it belongs in */
  GstSigSignallerRole role; /* that element's role */
  const char *other;        /* the scheme for the other element */
};

const Names &
names (EndpointKind kind)
{
  static const Names whip { "WHIP", "whip-listen", "/whip", "webrtcrecv",
    GST_SIG_SIGNALLER_ROLE_CONSUMER, "whep-listen" };
  static const Names whep { "WHEP", "whep-listen", "/whep", "webrtcsend",
    GST_SIG_SIGNALLER_ROLE_PRODUCER, "whip-listen" };
  return kind == EndpointKind::WHIP ? whip : whep;
}

/* (transfer full) The element the signaller belongs to, or nullptr. */
GstElement *
parent_element (GstSigSignaller *owner)
{
  GstObject *parent = gst_object_get_parent (GST_OBJECT (owner));
  if (parent && !GST_IS_ELEMENT (parent))
    gst_clear_object (&parent);
  return parent ? GST_ELEMENT (parent) : nullptr;
}

std::vector<std::string>
strv_to_vector (gchar **strv)
{
  std::vector<std::string> result;
  for (gchar **s = strv; s && *s; s++)
    result.emplace_back (*s);
  return result;
}

/* WHIP: whether the offer has a codec the element takes; else *why. */
bool
offer_has_receivable_codec (const std::vector<std::string> &video_codecs,
    const std::vector<std::string> &audio_codecs, const GstSDPMessage *offer, std::string *why)
{
  auto join = [] (const std::vector<std::string> &names) {
    std::string list;
    for (const auto &name : names)
      list += (list.empty () ? "" : ",") + name;
    return list;
  };
  std::string error;
  auto video = parse_codec_list (join (video_codecs), MediaKind::Video, &error);
  auto audio = parse_codec_list (join (audio_codecs), MediaKind::Audio, &error);
  if (!video || !audio)
    return true; /* the element reports its own settings */
  std::string offered;
  for (guint i = 0; i < gst_sdp_message_medias_len (offer); i++) {
    const GstSDPMedia *media = gst_sdp_message_get_media (offer, i);
    const char *kind = gst_sdp_media_get_media (media);
    const auto &codecs = g_strcmp0 (kind, "video") == 0 ? *video
        : g_strcmp0 (kind, "audio") == 0 ? *audio : std::vector<const Codec *> ();
    for (const Codec *codec : codecs)
      if (find_offered_pt (media, *codec))
        return true;
  }
  std::string takes;
  for (const auto *list : { &*video, &*audio })
    for (const Codec *codec : *list)
      takes += (takes.empty () ? "" : ", ") + std::string (codec->name);
  *why = "The offer has no codec this endpoint takes (it takes " + takes + "; set the "
      "element's video-codecs/audio-codecs to change that).";
  return false;
}

} // namespace

EndpointSignaller::EndpointSignaller (GstSigSignaller *owner, EndpointKind kind)
    : owner_ (owner), kind_ (kind)
{
  static gsize once = 0;
  if (g_once_init_enter (&once)) {
    GST_DEBUG_CATEGORY_INIT (endpoint_signaller_debug, "webrtcsignal-endpoints", 0,
        "gst-webrtcsignal WHIP/WHEP endpoint signallers");
    g_once_init_leave (&once, 1);
  }
}

EndpointSignaller::~EndpointSignaller ()
{
  stop ();
}

void
EndpointSignaller::set_uri (const char *uri)
{
  std::lock_guard<std::mutex> guard (lock_);
  uri_ = uri ? uri : "";
}

std::string
EndpointSignaller::uri () const
{
  std::lock_guard<std::mutex> guard (lock_);
  return uri_;
}

void
EndpointSignaller::set_auth_token (const char *token)
{
  std::lock_guard<std::mutex> guard (lock_);
  auth_token_ = token ? token : "";
}

std::string
EndpointSignaller::auth_token () const
{
  std::lock_guard<std::mutex> guard (lock_);
  return auth_token_;
}

void
EndpointSignaller::set_tls (const Tls &tls)
{
  std::lock_guard<std::mutex> guard (lock_);
  tls_ = tls;
}

EndpointSignaller::Tls
EndpointSignaller::tls () const
{
  std::lock_guard<std::mutex> guard (lock_);
  return tls_;
}

std::string
EndpointSignaller::url () const
{
  std::lock_guard<std::mutex> guard (lock_);
  return url_;
}

void
EndpointSignaller::announce (GstElement *element, const std::string &url,
    const std::string &fingerprint)
{
  const Names &n = names (kind_);
  {
    std::lock_guard<std::mutex> guard (lock_);
    url_ = url;
  }
  g_object_notify (G_OBJECT (owner_), "url");
  if (!element)
    return;
  /* gst-launch-1.0 prints INFO messages: the line to look for. */
  gst_element_message_full (element, GST_MESSAGE_INFO, GST_RESOURCE_ERROR,
      GST_RESOURCE_ERROR_OPEN_READ_WRITE,
      fingerprint.empty ()
          ? g_strdup_printf ("%s endpoint listening on %s", n.protocol, url.c_str ())
          : g_strdup_printf ("%s endpoint listening on %s (certificate SHA-256 %s)", n.protocol,
                url.c_str (), fingerprint.c_str ()),
      g_strdup_printf ("%s: listening on %s", n.scheme, url.c_str ()), __FILE__, GST_FUNCTION,
      __LINE__);
  gst_element_post_message (element, gst_message_new_element (GST_OBJECT (element),
      gst_structure_new ("webrtcsignal-endpoint", "protocol", G_TYPE_STRING, n.protocol,
          "url", G_TYPE_STRING, url.c_str (), nullptr)));
}

/* Listening beyond this machine without a token is allowed (a WHEP stream
 * for anyone on the LAN is a use), but it is said where the user sees it. */
void
EndpointSignaller::warn_open (const std::string &host, const std::string &uri)
{
  const Names &n = names (kind_);
  bool any = host == "0.0.0.0" || host == "::";
  GError *warning = g_error_new (GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
      "The %s endpoint %s has no auth-token: anyone who can reach %s can %s. Set the "
      "signaller's auth-token (clients then send 'Authorization: Bearer TOKEN'), or listen "
      "on 127.0.0.1.", n.protocol, uri.c_str (),
      any ? "this machine" : host.c_str (),
      kind_ == EndpointKind::WHIP ? "publish into it" : "watch it");
  gst_sig_signaller_emit_warning (owner_, warning);
  g_error_free (warning);
}

bool
EndpointSignaller::start (const GstSigSignallerSettings *settings, GError **error)
{
  const Names &n = names (kind_);
  std::string uri, token;
  Tls tls;
  {
    std::lock_guard<std::mutex> guard (lock_);
    uri = uri_;
    token = auth_token_;
    tls = tls_;
    url_.clear ();
  }
  if (settings->role != n.role) {
    const char *other_element = names (kind_ == EndpointKind::WHIP ? EndpointKind::WHEP
                                                                   : EndpointKind::WHIP).element;
    g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
        "%s:// belongs on %s, not on %s; use %s:// on %s.", n.scheme, n.element, other_element,
        n.other, other_element);
    return false;
  }
  EndpointConfig config;
  config.name = n.protocol;
  config.auth_token = token;
  config.server.cert_file = tls.cert_file;
  config.server.key_file = tls.key_file;
  config.server.self_signed = tls.self_signed;
  std::string parse_error;
  if (!parse_listen_uri (uri, n.scheme, n.default_path, &config.address, &parse_error)) {
    g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS, "%s.",
        parse_error.c_str ());
    return false;
  }
  config.ice_links = ice_server_links (settings->stun_server ? settings->stun_server : "",
      strv_to_vector (settings->turn_servers));
  auto video_codecs = strv_to_vector (settings->video_codecs);
  auto audio_codecs = strv_to_vector (settings->audio_codecs);

  HttpEndpoint::Callbacks callbacks;
  GstSigSignaller *owner = owner_;
  EndpointKind kind = kind_;
  /* How many viewers a WHEP endpoint serves is the element's to decide: it
   * refuses the one too many (end_session with GST_SIG_SESSION_END_BUSY),
   * which gets 503. */
  callbacks.admit = [this, kind, video_codecs, audio_codecs] (const GstSDPMessage *offer)
      -> std::optional<HttpReply> {
    if (kind == EndpointKind::WHIP) {
      if (endpoint_->count () > 0)
        return HttpReply::error (409, "Busy: another publisher is live on this endpoint. A "
            "webrtcrecv takes one publisher at a time (gst-webrtc-record --whip-listen takes "
            "many); DELETE that session first.");
      if (used_)
        return HttpReply::error (409, "This webrtcrecv already took its one publisher and that "
            "session has ended; restart the pipeline to take another.");
      std::string why;
      if (!offer_has_receivable_codec (video_codecs, audio_codecs, offer, &why))
        return HttpReply::error (422, why);
    }
    return std::nullopt;
  };
  callbacks.offer = [this, owner, kind] (const std::string &id, const std::string &peer,
                        const GstWebRTCSessionDescription *offer) {
    if (kind == EndpointKind::WHIP) {
      used_ = true;
      gst_sig_signaller_emit_session_started (owner, id.c_str (), peer.c_str ());
      gst_sig_signaller_emit_session_description (owner, id.c_str (), offer);
    } else {
      gst_sig_signaller_emit_session_requested (owner, id.c_str (), peer.c_str (), offer);
    }
  };
  callbacks.candidate = [owner] (const std::string &id, unsigned mline, const std::string &mid,
                            const std::string &candidate) {
    gst_sig_signaller_emit_handle_ice (owner, id.c_str (), mline,
        mid.empty () ? nullptr : mid.c_str (), candidate.c_str ());
  };
  callbacks.abandoned = [this] (const std::string &) {
    used_ = false;
    last_abandoned_ = true;
  };
  callbacks.answered = [this] (const std::string &) { last_abandoned_ = false; };
  callbacks.gone = [owner] (const std::string &id, const std::string &reason) {
    GST_INFO_OBJECT (owner, "Session %s is over: %s", id.c_str (), reason.c_str ());
    gst_sig_signaller_emit_session_ended (owner, id.c_str ());
  };

  max_sessions_ = settings->max_sessions;
  worker_.start ();
  std::string listen_error, url, fingerprint;
  bool ok = false;
  worker_.post_sync ([&] () {
    used_ = false;
    endpoint_ = std::make_unique<HttpEndpoint> (worker_, config, std::move (callbacks));
    ok = endpoint_->start (&listen_error);
    if (ok) {
      url = endpoint_->url ();
      fingerprint = endpoint_->fingerprint ();
    } else
      endpoint_.reset ();
  });
  if (!ok) {
    worker_.stop ();
    g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_READ_WRITE,
        "The %s endpoint %s %s.", n.protocol, uri.c_str (), listen_error.c_str ());
    return false;
  }
  GST_INFO_OBJECT (owner_, "%s endpoint listening on %s", n.protocol, url.c_str ());
  GstElement *element = parent_element (owner_);
  announce (element, url, fingerprint);
  if (element)
    gst_object_unref (element);
  if (token.empty () && !is_loopback_host (config.address.host))
    warn_open (config.address.host, uri);
  return true;
}

void
EndpointSignaller::stop ()
{
  worker_.stop ([this] () { endpoint_.reset (); });
}

void
EndpointSignaller::send_sdp (const gchar *session_id, const GstWebRTCSessionDescription *desc)
{
  if (desc->type != GST_WEBRTC_SDP_TYPE_ANSWER) {
    GST_WARNING_OBJECT (owner_, "Session %s: an endpoint only answers; dropping our %s",
        session_id, gst_webrtc_sdp_type_to_string (desc->type));
    return;
  }
  std::string id = session_id, sdp = session_description_to_text (desc);
  worker_.post ([this, id, sdp] () {
    if (endpoint_)
      endpoint_->answer (id, sdp);
  });
}

void
EndpointSignaller::add_ice (const gchar *session_id, const gchar *candidate, guint mline)
{
  std::string id = session_id, cand = candidate ? candidate : "";
  worker_.post ([this, id, cand, mline] () {
    if (endpoint_)
      endpoint_->local_candidate (id, mline, cand);
  });
}

void
EndpointSignaller::end_session (const gchar *session_id, GstSigSessionEnd reason)
{
  std::string id = session_id;
  GstSigSignaller *owner = owner_;
  worker_.post ([this, id, owner, reason] () {
    if (!endpoint_ || !endpoint_->has (id))
      return;
    HttpReply reply = HttpReply::error (500, "The element could not start a session for this "
        "offer; the pipeline's log says why.");
    if (reason == GST_SIG_SESSION_END_BUSY) {
      reply = HttpReply::error (503, "Too many viewers: this webrtcsend serves at most " +
          std::to_string (max_sessions_) + " (max-consumers). Try again later.");
      reply.headers.emplace_back ("Retry-After", RETRY_AFTER_S);
    } else if (reason == GST_SIG_SESSION_END_STOPPING) {
      reply = HttpReply::error (503, "The pipeline is stopping.");
    }
    GST_INFO_OBJECT (owner, "The element ended session %s: %s", id.c_str (),
        gst_sig_session_end_to_string (reason));
    endpoint_->end (id, reply);
  });
}

namespace {

enum { PROP_URI = 1, PROP_AUTH_TOKEN, PROP_URL, PROP_CERT_FILE, PROP_KEY_FILE, PROP_SELF_SIGNED };

/* object: a GstSigWhipEndpoint or GstSigWhepEndpoint. */
EndpointSignaller &
endpoint_of (gpointer object)
{
  return *static_cast<EndpointObject *> (object)->endpoint;
}

gboolean
endpoint_start (GstSigSignaller *signaller, const GstSigSignallerSettings *settings,
    GError **error)
{
  return endpoint_of (signaller).start (settings, error);
}

void
endpoint_stop (GstSigSignaller *signaller)
{
  endpoint_of (signaller).stop ();
}

void
endpoint_send_sdp (GstSigSignaller *signaller, const gchar *session_id,
    const GstWebRTCSessionDescription *desc)
{
  endpoint_of (signaller).send_sdp (session_id, desc);
}

void
endpoint_add_ice (GstSigSignaller *signaller, const gchar *session_id, const gchar *candidate,
    guint sdp_m_line_index, const gchar *)
{
  endpoint_of (signaller).add_ice (session_id, candidate, sdp_m_line_index);
}

void
endpoint_end_session (GstSigSignaller *signaller, const gchar *session_id,
    GstSigSessionEnd reason)
{
  endpoint_of (signaller).end_session (session_id, reason);
}

/* A WHIP endpoint whose publisher left before our answer takes the next. */
void
endpoint_get_capabilities (GstSigSignaller *signaller, GstSigSignallerCapabilities *caps)
{
  caps->takes_another_session = endpoint_of (signaller).takes_another_session ();
}

void
endpoint_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  EndpointSignaller &endpoint = endpoint_of (object);
  switch (prop_id) {
    case PROP_URI: endpoint.set_uri (g_value_get_string (value)); break;
    case PROP_AUTH_TOKEN: endpoint.set_auth_token (g_value_get_string (value)); break;
    case PROP_CERT_FILE:
    case PROP_KEY_FILE:
    case PROP_SELF_SIGNED: {
      EndpointSignaller::Tls tls = endpoint.tls ();
      const char *text = G_VALUE_HOLDS_STRING (value) ? g_value_get_string (value) : nullptr;
      if (prop_id == PROP_CERT_FILE)
        tls.cert_file = text ? text : "";
      else if (prop_id == PROP_KEY_FILE)
        tls.key_file = text ? text : "";
      else
        tls.self_signed = g_value_get_boolean (value);
      endpoint.set_tls (tls);
      break;
    }
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec); break;
  }
}

void
endpoint_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  const EndpointSignaller &endpoint = endpoint_of (object);
  std::string text;
  switch (prop_id) {
    case PROP_URI: text = endpoint.uri (); break;
    case PROP_AUTH_TOKEN: text = endpoint.auth_token (); break;
    case PROP_URL: text = endpoint.url (); break;
    case PROP_CERT_FILE: text = endpoint.tls ().cert_file; break;
    case PROP_KEY_FILE: text = endpoint.tls ().key_file; break;
    case PROP_SELF_SIGNED: g_value_set_boolean (value, endpoint.tls ().self_signed); return;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec); return;
  }
  g_value_set_string (value, text.empty () ? nullptr : text.c_str ());
}

void
endpoint_finalize (GObject *object)
{
  delete &endpoint_of (object); /* stops it */
  /* The types are final and derive from GstObject: chain up to it. */
  G_OBJECT_CLASS (g_type_class_peek_parent (G_OBJECT_GET_CLASS (object)))->finalize (object);
}

} // namespace

void
endpoint_iface_init (GstSigSignallerInterface *iface)
{
  iface->start = endpoint_start;
  iface->stop = endpoint_stop;
  iface->send_sdp = endpoint_send_sdp;
  iface->add_ice = endpoint_add_ice;
  iface->end_session = endpoint_end_session;
  iface->get_capabilities = endpoint_get_capabilities;
}

void
endpoint_object_init (EndpointObject *self, EndpointKind kind)
{
  self->endpoint = new EndpointSignaller (GST_SIG_SIGNALLER (self), kind);
}

void
endpoint_class_init (GObjectClass *klass, EndpointKind kind)
{
  klass->set_property = endpoint_set_property;
  klass->get_property = endpoint_get_property;
  klass->finalize = endpoint_finalize;
  const Names &n = names (kind);
  auto rw = (GParamFlags) (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  auto ro = (GParamFlags) (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_override_property (klass, PROP_URI, "uri");
  g_object_class_install_property (klass, PROP_AUTH_TOKEN,
      g_param_spec_string ("auth-token", "Auth token",
          kind == EndpointKind::WHIP
              ? "Bearer token WHIP clients must send (Authorization: Bearer TOKEN); requests "
                "without it get 401. Default: none (no check)"
              : "Bearer token WHEP players must send (Authorization: Bearer TOKEN); requests "
                "without it get 401. Default: none (no check)",
          nullptr, rw));
  g_object_class_install_property (klass, PROP_CERT_FILE,
      g_param_spec_string ("cert-file", "Certificate file",
          "Serve https with this PEM certificate (chain); needs key-file. Default: none (http)",
          nullptr, rw));
  g_object_class_install_property (klass, PROP_KEY_FILE,
      g_param_spec_string ("key-file", "Key file", "The PEM private key of cert-file. "
          "Default: none", nullptr, rw));
  g_object_class_install_property (klass, PROP_SELF_SIGNED,
      g_param_spec_boolean ("self-signed", "Self-signed",
          "Serve https with a certificate made at start for this machine's names and addresses "
          "(its fingerprint is in the element's info message). Default: false", FALSE, rw));
  g_object_class_install_property (klass, PROP_URL,
      g_param_spec_string ("url", "URL",
          g_intern_string ((std::string ("The URL clients POST their offer to, with the port "
              "actually bound (read-only; set once listening, e.g. http://127.0.0.1:PORT") +
              n.default_path + ")").c_str ()),
          nullptr, ro));
}

} // namespace gstsig
