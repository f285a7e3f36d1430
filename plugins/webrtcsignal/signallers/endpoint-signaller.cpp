/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "endpoint-signaller.h"

#include "codecs.h"
#include "context-thread.h"
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
  const char *other;        /* the scheme for the other element */
};

const Names &
names (EndpointKind kind)
{
  static const Names whip { "WHIP", "whip-listen", "/whip", "webrtcrecv", "whep-listen" };
  static const Names whep { "WHEP", "whep-listen", "/whep", "webrtcsend", "whip-listen" };
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

std::string
string_property (GObject *object, const char *name)
{
  if (!object || !g_object_class_find_property (G_OBJECT_GET_CLASS (object), name))
    return "";
  gchar *value = nullptr;
  g_object_get (object, name, &value, nullptr);
  std::string result = value ? value : "";
  g_free (value);
  return result;
}

unsigned
uint_property (GObject *object, const char *name)
{
  if (!object || !g_object_class_find_property (G_OBJECT_GET_CLASS (object), name))
    return 0;
  guint value = 0;
  g_object_get (object, name, &value, nullptr);
  return value;
}

std::vector<std::string>
strv_property (GObject *object, const char *name)
{
  std::vector<std::string> result;
  if (!object || !g_object_class_find_property (G_OBJECT_GET_CLASS (object), name))
    return result;
  gchar **values = nullptr;
  g_object_get (object, name, &values, nullptr);
  for (gchar **v = values; v && *v; v++)
    result.emplace_back (*v);
  g_strfreev (values);
  return result;
}

/* WHIP: whether the offer has a codec the element takes; else *why. */
bool
offer_has_receivable_codec (GstElement *element, const GstSDPMessage *offer, std::string *why)
{
  std::string error;
  auto video = parse_codec_list (string_property (G_OBJECT (element), "video-codecs"),
      MediaKind::Video, &error);
  auto audio = parse_codec_list (string_property (G_OBJECT (element), "audio-codecs"),
      MediaKind::Audio, &error);
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

std::string
EndpointSignaller::url () const
{
  std::lock_guard<std::mutex> guard (lock_);
  return url_;
}

void
EndpointSignaller::announce (GstElement *element, const std::string &url)
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
      g_strdup_printf ("%s endpoint listening on %s", n.protocol, url.c_str ()),
      g_strdup_printf ("%s: listening on %s", n.scheme, url.c_str ()), __FILE__, GST_FUNCTION,
      __LINE__);
  gst_element_post_message (element, gst_message_new_element (GST_OBJECT (element),
      gst_structure_new ("webrtcsignal-endpoint", "protocol", G_TYPE_STRING, n.protocol,
          "url", G_TYPE_STRING, url.c_str (), nullptr)));
}

bool
EndpointSignaller::start (GError **error)
{
  const Names &n = names (kind_);
  std::string uri, token;
  {
    std::lock_guard<std::mutex> guard (lock_);
    uri = uri_;
    token = auth_token_;
    url_.clear ();
  }
  GstElement *element = parent_element (owner_);
  if (element) {
    GstElementFactory *factory = gst_element_get_factory (element);
    if (factory && g_strcmp0 (GST_OBJECT_NAME (factory), n.element) != 0) {
      g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
          "%s:// belongs on %s, not on %s; use %s:// on %s.", n.scheme, n.element,
          GST_OBJECT_NAME (factory), n.other, GST_OBJECT_NAME (factory));
      gst_object_unref (element);
      return false;
    }
  }
  EndpointConfig config;
  config.name = n.protocol;
  config.auth_token = token;
  std::string parse_error;
  if (!parse_listen_uri (uri, n.scheme, n.default_path, &config.address, &parse_error)) {
    g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS, "%s.",
        parse_error.c_str ());
    if (element)
      gst_object_unref (element);
    return false;
  }
  if (element)
    config.ice_links = ice_server_links (string_property (G_OBJECT (element), "stun-server"),
        strv_property (G_OBJECT (element), "turn-servers"));

  HttpEndpoint::Callbacks callbacks;
  GstSigSignaller *owner = owner_;
  EndpointKind kind = kind_;
  /* The element outlives its signaller's thread (stop joins it), so a bare
   * pointer is safe on it. */
  callbacks.admit = [this, element, kind] (const GstSDPMessage *offer)
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
      if (element && !offer_has_receivable_codec (element, offer, &why))
        return HttpReply::error (422, why);
      return std::nullopt;
    }
    unsigned max = element ? uint_property (G_OBJECT (element), "max-consumers") : 0;
    if (max && endpoint_->count () >= max) {
      HttpReply reply = HttpReply::error (503, "Too many viewers: this webrtcsend serves at "
          "most " + std::to_string (max) + " (max-consumers). Try again later.");
      reply.headers.emplace_back ("Retry-After", RETRY_AFTER_S);
      return reply;
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

  thread_ = std::make_unique<ContextThread> (std::string ("webrtcsignal-") + n.scheme);
  std::string listen_error, url;
  bool ok = false;
  thread_->invoke_sync ([&] () {
    used_ = false;
    endpoint_ = std::make_unique<HttpEndpoint> (*thread_, config, std::move (callbacks));
    ok = endpoint_->start (&listen_error);
    if (ok)
      url = endpoint_->url ();
    else
      endpoint_.reset ();
  });
  if (!ok) {
    thread_.reset ();
    g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_READ_WRITE,
        "The %s endpoint %s %s.", n.protocol, uri.c_str (), listen_error.c_str ());
    if (element)
      gst_object_unref (element);
    return false;
  }
  GST_INFO_OBJECT (owner_, "%s endpoint listening on %s", n.protocol, url.c_str ());
  announce (element, url);
  if (element)
    gst_object_unref (element);
  return true;
}

void
EndpointSignaller::stop ()
{
  if (!thread_)
    return;
  thread_->invoke_sync ([this] () { endpoint_.reset (); });
  thread_.reset ();
}

void
EndpointSignaller::send_sdp (const gchar *session_id, const GstWebRTCSessionDescription *desc)
{
  if (!thread_ || desc->type != GST_WEBRTC_SDP_TYPE_ANSWER) {
    if (thread_)
      GST_WARNING_OBJECT (owner_, "Session %s: an endpoint only answers; dropping our %s",
          session_id, gst_webrtc_sdp_type_to_string (desc->type));
    return;
  }
  std::string id = session_id, sdp = session_description_to_text (desc);
  thread_->invoke ([this, id, sdp] () {
    if (endpoint_)
      endpoint_->answer (id, sdp);
  });
}

void
EndpointSignaller::add_ice (const gchar *session_id, const gchar *candidate, guint mline)
{
  if (!thread_)
    return;
  std::string id = session_id, cand = candidate ? candidate : "";
  thread_->invoke ([this, id, cand, mline] () {
    if (endpoint_)
      endpoint_->local_candidate (id, mline, cand);
  });
}

void
EndpointSignaller::end_session (const gchar *session_id)
{
  if (!thread_)
    return;
  std::string id = session_id;
  GstSigSignaller *owner = owner_;
  thread_->invoke ([this, id, owner] () {
    if (!endpoint_ || !endpoint_->has (id))
      return;
    HttpReply reply = HttpReply::error (500, "The element could not start a session for this "
        "offer; the pipeline's log says why.");
    if (kind_ == EndpointKind::WHEP) {
      GstElement *element = parent_element (owner);
      unsigned max = element ? uint_property (G_OBJECT (element), "max-consumers") : 0;
      if (element)
        gst_object_unref (element);
      if (max && endpoint_->count () > max) {
        reply = HttpReply::error (503, "Too many viewers: this webrtcsend serves at most " +
            std::to_string (max) + " (max-consumers). Try again later.");
        reply.headers.emplace_back ("Retry-After", RETRY_AFTER_S);
      }
    }
    GST_INFO_OBJECT (owner, "The element ended session %s", id.c_str ());
    endpoint_->end (id, reply);
  });
}

namespace {

enum { PROP_URI = 1, PROP_AUTH_TOKEN, PROP_URL, PROP_TAKES_ANOTHER_SESSION };

/* object: a GstSigWhipEndpoint or GstSigWhepEndpoint. */
EndpointSignaller &
endpoint_of (gpointer object)
{
  return *static_cast<EndpointObject *> (object)->endpoint;
}

gboolean
endpoint_start (GstSigSignaller *signaller, GError **error)
{
  return endpoint_of (signaller).start (error);
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
endpoint_end_session (GstSigSignaller *signaller, const gchar *session_id)
{
  endpoint_of (signaller).end_session (session_id);
}

void
endpoint_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  EndpointSignaller &endpoint = endpoint_of (object);
  switch (prop_id) {
    case PROP_URI: endpoint.set_uri (g_value_get_string (value)); break;
    case PROP_AUTH_TOKEN: endpoint.set_auth_token (g_value_get_string (value)); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec); break;
  }
}

void
endpoint_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  const EndpointSignaller &endpoint = endpoint_of (object);
  if (prop_id == PROP_TAKES_ANOTHER_SESSION) {
    g_value_set_boolean (value, endpoint.takes_another_session ());
    return;
  }
  std::string text;
  switch (prop_id) {
    case PROP_URI: text = endpoint.uri (); break;
    case PROP_AUTH_TOKEN: text = endpoint.auth_token (); break;
    case PROP_URL: text = endpoint.url (); break;
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
  g_object_class_install_property (klass, PROP_URL,
      g_param_spec_string ("url", "URL",
          g_intern_string ((std::string ("The URL clients POST their offer to, with the port "
              "actually bound (read-only; set once listening, e.g. http://127.0.0.1:PORT") +
              n.default_path + ")").c_str ()),
          nullptr, ro));
  if (kind == EndpointKind::WHIP)
    g_object_class_install_property (klass, PROP_TAKES_ANOTHER_SESSION,
        g_param_spec_boolean ("takes-another-session", "Takes another session",
            "Read-only: TRUE when the last publisher left before our answer (a page reloaded): "
            "webrtcrecv then waits for the next publisher instead of failing", FALSE, ro));
}

} // namespace gstsig
