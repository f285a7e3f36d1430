/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * SECTION:element-webrtcrecv
 * @title: webrtcrecv
 * @short_description: receive the audio/video of one WebRTC producer
 *
 * webrtcrecv asks a producer for its media through its signaller and
 * exposes one sometimes pad per stream, `video_%u` and `audio_%u`. What a pad
 * carries follows what is linked to it: encoded media (depayloaded and
 * parsed: record without re-encoding), decoded raw media, or RTP. When the
 * producer goes away (it ends the session, ICE fails, or nothing arrives for
 * `peer-timeout` seconds) every pad gets EOS, so muxers finalize their files.
 *
 * With `uri=ws://HOST:PORT/?producer=ID` it consumes that producer on a
 * gst-plugins-rs compatible signalling server; without `producer=` it takes
 * the first producer there, or waits for one. As a URI handler it takes
 * `webrtc+ws://` and `webrtc+wss://` (plain ws:// is left to other
 * elements), so `gst-play-1.0 webrtc+ws://HOST:PORT/?producer=ID` plays.
 *
 * ## Example launch lines
 * |[
 * gst-launch-1.0 -e webrtcrecv uri=ws://127.0.0.1:8443/?producer=ID name=r \
 *     r.video_0 ! queue ! matroskamux name=m ! filesink location=out.mkv  r.audio_0 ! queue ! m.
 * ]| Records a producer's video and audio without re-encoding.
 * |[
 * gst-launch-1.0 webrtcrecv uri=ws://127.0.0.1:8443/ ! videoconvert ! autovideosink
 * ]| Shows the first producer's video.
 * |[
 * gst-play-1.0 whep+http://127.0.0.1:8889/live/whep
 * ]| Plays a stream of a WHEP server (webrtcrecv offers receive-only).
 *
 * Since: 0.1
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "webrtcrecv.h"

#include "codecs.h"
#include "recv-outputs.h"
#include "recv-session.h"
#include "session-host.h"
#include "signaller-slot.h"

#include <memory>
#include <mutex>
#include <string>
#include <vector>

GST_DEBUG_CATEGORY (gst_sig_recv_debug);
#define GST_CAT_DEFAULT gst_sig_recv_debug

using gstsig::Codec;
using gstsig::MediaKind;

#define DEFAULT_VIDEO_CODECS "vp8,h264,vp9"
#define DEFAULT_AUDIO_CODECS "opus"
#define DEFAULT_LATENCY 200
#define DEFAULT_PEER_TIMEOUT 5
#define DEFAULT_STATS_INTERVAL 1000
#define KEYFRAME_REQUEST_INTERVAL_MS 1000

enum {
  PROP_0,
  PROP_URI,
  PROP_STUN_SERVER,
  PROP_TURN_SERVERS,
  PROP_VIDEO_CODECS,
  PROP_AUDIO_CODECS,
  PROP_LATENCY,
  PROP_PEER_TIMEOUT,
  PROP_SIGNALLER,
  PROP_STATS,
  PROP_STATS_INTERVAL,
  PROP_DIAGNOSTICS,
};

struct GstSigRecvPrivate {
  std::mutex lock; /* guards the settings and outputs */
  std::string stun_server;
  std::vector<std::string> turn_servers;
  std::string video_codecs = DEFAULT_VIDEO_CODECS;
  std::string audio_codecs = DEFAULT_AUDIO_CODECS;
  unsigned latency = DEFAULT_LATENCY;
  unsigned peer_timeout = DEFAULT_PEER_TIMEOUT;
  unsigned stats_interval = DEFAULT_STATS_INTERVAL;
  bool diagnostics = false;

  std::unique_ptr<gstsig::SignallerSlot> slot;
  std::unique_ptr<gstsig::RecvOutputs> outputs;
  std::unique_ptr<gstsig::SessionHost> host;

  /* Control thread only. */
  gstsig::RecvSettings settings;
  bool had_session = false;
  bool receiver_offers = false; /* the signaller wants our offer (WHEP) */
  guint keyframe_timer = 0;
};

struct _GstSigRecv {
  GstBin parent;
  GstSigRecvPrivate *priv;
};

static void gst_sig_recv_uri_handler_init (GstURIHandlerInterface *iface);

#define gst_sig_recv_parent_class parent_class
G_DEFINE_TYPE_WITH_CODE (GstSigRecv, gst_sig_recv, GST_TYPE_BIN,
    G_IMPLEMENT_INTERFACE (GST_TYPE_CHILD_PROXY, gstsig::signaller_slot_child_proxy_init);
    G_IMPLEMENT_INTERFACE (GST_TYPE_URI_HANDLER, gst_sig_recv_uri_handler_init));
GST_ELEMENT_REGISTER_DEFINE (webrtcrecv, "webrtcrecv", GST_RANK_MARGINAL, GST_SIG_TYPE_RECV);

static GstStaticPadTemplate video_template = GST_STATIC_PAD_TEMPLATE ("video_%u",
    GST_PAD_SRC, GST_PAD_SOMETIMES, GST_STATIC_CAPS_ANY);
static GstStaticPadTemplate audio_template = GST_STATIC_PAD_TEMPLATE ("audio_%u",
    GST_PAD_SRC, GST_PAD_SOMETIMES, GST_STATIC_CAPS_ANY);

/* ---- sessions (control thread) ---- */

static std::unique_ptr<gstsig::WebrtcSession>
create_session (GstSigRecv *self, const std::string &session_id, const std::string &peer_id,
    std::shared_ptr<gstsig::SessionLink> link, std::string *error)
{
  auto priv = self->priv;
  if (priv->had_session) {
    *error = "webrtcrecv takes one session";
    return nullptr;
  }
  priv->had_session = true;
  auto session_ptr = std::make_shared<gstsig::RecvSession *> (nullptr);
  auto session = std::make_unique<gstsig::RecvSession> (GST_BIN (self), session_id, peer_id,
      priv->settings, std::move (link), [self, session_ptr] (GstPad *pad) {
        self->priv->outputs->add (pad, *session_ptr ? (*session_ptr)->expected_streams () : 0);
      });
  *session_ptr = session.get ();
  if (!session->start (error) || (priv->receiver_offers && !session->start_offer (error))) {
    GST_ELEMENT_ERROR (self, STREAM, FAILED, ("Could not start receiving: %s.", error->c_str ()),
        ("session %s, peer %s", session_id.c_str (), peer_id.c_str ()));
    return nullptr;
  }
  /* webrtcbin holds sinks (its network senders) that never see EOS: the
   * element is a source, or a pipeline would wait for EOS from it forever. */
  GST_OBJECT_FLAG_UNSET (self, GST_ELEMENT_FLAG_SINK);
  priv->keyframe_timer = priv->host->control ().timeout (KEYFRAME_REQUEST_INTERVAL_MS,
      [self] () { return self->priv->outputs->request_missing_keyframes (); });
  GST_INFO_OBJECT (self, "Receiving from producer %s (session %s)", peer_id.c_str (),
      session_id.c_str ());
  return session;
}

static void
on_session_ending (GstSigRecv *self, gstsig::WebrtcSession &session, const std::string &reason)
{
  self->priv->host->control ().cancel (std::exchange (self->priv->keyframe_timer, 0u));
  if (reason == "stopping")
    return;
  if (static_cast<gstsig::RecvSession &> (session).no_usable_codec ()) {
    GST_ELEMENT_ERROR (self, STREAM, CODEC_NOT_FOUND,
        ("Cannot receive this producer: %s. Send VP8, VP9, H264 or Opus, or change "
         "video-codecs/audio-codecs.", reason.c_str ()), (nullptr));
    return;
  }
  /* A WHIP endpoint whose publisher left before our answer (a page
   * reloaded) takes the next one: wait for it instead of failing. */
  GstSigSignaller *signaller = self->priv->host->signaller ();
  gboolean takes_another = FALSE;
  if (self->priv->outputs->empty () && signaller &&
      g_object_class_find_property (G_OBJECT_GET_CLASS (signaller), "takes-another-session"))
    g_object_get (signaller, "takes-another-session", &takes_another, nullptr);
  if (takes_another) {
    GST_ELEMENT_WARNING (self, RESOURCE, NOT_FOUND,
        ("The publisher left before sending media (%s); waiting for the next one.",
            reason.c_str ()), (nullptr));
    self->priv->had_session = false;
    return;
  }
  self->priv->outputs->end (reason);
}

/* ---- start/stop (state-change thread) ---- */

static bool
prepare (GstSigRecv *self)
{
  auto priv = self->priv;
  std::string uri_error = priv->slot->uri_error ();
  if (!uri_error.empty ()) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS, ("%s", uri_error.c_str ()), (nullptr));
    return false;
  }
  if (priv->slot->uri ().empty ()) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
        ("webrtcrecv needs a producer to ask: set uri=ws://HOST:PORT/?producer=ID."), (nullptr));
    return false;
  }
  gstsig::RecvSettings settings;
  std::string video_codecs, audio_codecs;
  {
    std::lock_guard<std::mutex> guard (priv->lock);
    settings.ice.stun_server = priv->stun_server;
    settings.ice.turn_servers = priv->turn_servers;
    settings.ice.peer_timeout_s = priv->peer_timeout;
    settings.ice.latency_ms = priv->latency;
    video_codecs = priv->video_codecs;
    audio_codecs = priv->audio_codecs;
  }
  std::string error;
  auto video = gstsig::parse_codec_list (video_codecs, MediaKind::Video, &error);
  auto audio = video ? gstsig::parse_codec_list (audio_codecs, MediaKind::Audio, &error)
                     : std::nullopt;
  if (!video || !audio) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS, ("Bad codec list: %s.", error.c_str ()),
        (nullptr));
    return false;
  }
  settings.video_codecs = *video;
  settings.audio_codecs = *audio;
  priv->host->control ().invoke_sync ([priv, &settings] () {
    priv->settings = settings;
    priv->had_session = false;
  });
  return true;
}

static bool
start_signaller (GstSigRecv *self)
{
  auto priv = self->priv;
  GstSigSignaller *signaller = priv->slot->dup ();
  if (g_object_class_find_property (G_OBJECT_GET_CLASS (signaller), "role"))
    g_object_set (signaller, "role", "consumer", nullptr);
  unsigned setup_timeout = gstsig::signaller_setup_timeout (signaller, 30);
  /* WHEP: the signaller asks us for the offer. */
  gboolean receiver_offers = FALSE;
  GParamSpec *offers_spec = g_object_class_find_property (G_OBJECT_GET_CLASS (signaller),
      "receiver-offers");
  if (offers_spec && offers_spec->value_type == G_TYPE_BOOLEAN)
    g_object_get (signaller, "receiver-offers", &receiver_offers, nullptr);
  priv->host->control ().invoke_sync ([priv, setup_timeout, receiver_offers] () {
    priv->settings.ice.setup_timeout_s = setup_timeout;
    priv->receiver_offers = receiver_offers;
  });
  gstsig::SessionHost::Callbacks callbacks;
  callbacks.create = [self] (const std::string &sid, const std::string &peer,
                         const GstWebRTCSessionDescription *, std::shared_ptr<gstsig::SessionLink> link,
                         std::string *error) {
    return create_session (self, sid, peer, std::move (link), error);
  };
  callbacks.ending = [self] (gstsig::WebrtcSession &session, const std::string &reason) {
    on_session_ending (self, session, reason);
  };
  callbacks.stats = [self] (gstsig::WebrtcSession &, GstStructure *stats) {
    self->priv->outputs->add_own_figures (stats);
  };
  unsigned stats_interval;
  {
    std::lock_guard<std::mutex> guard (priv->lock);
    stats_interval = priv->stats_interval;
  }
  bool ok = priv->host->start (signaller, std::move (callbacks), stats_interval);
  gst_object_unref (signaller);
  return ok;
}

static GstStateChangeReturn
gst_sig_recv_change_state (GstElement *element, GstStateChange transition)
{
  auto self = GST_SIG_RECV (element);
  switch (transition) {
    case GST_STATE_CHANGE_NULL_TO_READY:
      if (!prepare (self))
        return GST_STATE_CHANGE_FAILURE;
      break;
    case GST_STATE_CHANGE_READY_TO_PAUSED:
      if (!start_signaller (self))
        return GST_STATE_CHANGE_FAILURE;
      break;
    case GST_STATE_CHANGE_PAUSED_TO_READY:
      self->priv->host->stop ();
      self->priv->outputs->remove_all ();
      break;
    default:
      break;
  }
  GstStateChangeReturn ret = GST_ELEMENT_CLASS (parent_class)->change_state (element, transition);
  if (ret == GST_STATE_CHANGE_FAILURE) {
    if (transition == GST_STATE_CHANGE_READY_TO_PAUSED)
      self->priv->host->stop ();
    return ret;
  }
  /* A live source: nothing to preroll. */
  if (transition == GST_STATE_CHANGE_READY_TO_PAUSED ||
      transition == GST_STATE_CHANGE_PLAYING_TO_PAUSED)
    return GST_STATE_CHANGE_NO_PREROLL;
  return ret;
}

/* EOS sent to the element (gst-launch -e, an application stopping a
 * recording) goes out of every pad, so files are finalized. */
static gboolean
gst_sig_recv_send_event (GstElement *element, GstEvent *event)
{
  auto self = GST_SIG_RECV (element);
  if (GST_EVENT_TYPE (event) == GST_EVENT_EOS) {
    gst_event_unref (event);
    if (!self->priv->outputs->empty ())
      self->priv->outputs->end ("end of stream requested");
    else
      gst_element_post_message (element, gst_message_new_eos (GST_OBJECT (element)));
    return TRUE;
  }
  return GST_ELEMENT_CLASS (parent_class)->send_event (element, event);
}

/* ---- properties ---- */

static void
gst_sig_recv_set_property (GObject *object, guint prop_id, const GValue *value,
    GParamSpec *pspec)
{
  auto self = GST_SIG_RECV (object);
  auto priv = self->priv;
  if (prop_id == PROP_URI) {
    priv->slot->set_uri (g_value_get_string (value));
    return;
  }
  std::lock_guard<std::mutex> guard (priv->lock);
  auto str = [value] () {
    return std::string (g_value_get_string (value) ? g_value_get_string (value) : "");
  };
  switch (prop_id) {
    case PROP_STUN_SERVER: priv->stun_server = str (); break;
    case PROP_TURN_SERVERS: {
      priv->turn_servers.clear ();
      auto strv = static_cast<gchar **> (g_value_get_boxed (value));
      for (gchar **s = strv; s && *s; s++)
        priv->turn_servers.emplace_back (*s);
      break;
    }
    case PROP_VIDEO_CODECS: priv->video_codecs = str (); break;
    case PROP_AUDIO_CODECS: priv->audio_codecs = str (); break;
    case PROP_LATENCY: priv->latency = g_value_get_uint (value); break;
    case PROP_PEER_TIMEOUT: priv->peer_timeout = g_value_get_uint (value); break;
    case PROP_STATS_INTERVAL: priv->stats_interval = g_value_get_uint (value); break;
    case PROP_DIAGNOSTICS:
      priv->diagnostics = g_value_get_boolean (value);
      priv->outputs->set_diagnostics (priv->diagnostics);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
gst_sig_recv_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  auto self = GST_SIG_RECV (object);
  auto priv = self->priv;
  if (prop_id == PROP_URI) {
    std::string uri = priv->slot->uri ();
    g_value_set_string (value, uri.empty () ? nullptr : uri.c_str ());
    return;
  }
  if (prop_id == PROP_SIGNALLER) {
    g_value_take_object (value, priv->slot->dup ());
    return;
  }
  if (prop_id == PROP_STATS) {
    g_value_take_boxed (value, priv->host->dup_stats ());
    return;
  }
  std::lock_guard<std::mutex> guard (priv->lock);
  switch (prop_id) {
    case PROP_STUN_SERVER:
      g_value_set_string (value, priv->stun_server.empty () ? nullptr : priv->stun_server.c_str ());
      break;
    case PROP_TURN_SERVERS: {
      GStrvBuilder *builder = g_strv_builder_new ();
      for (const auto &turn : priv->turn_servers)
        g_strv_builder_add (builder, turn.c_str ());
      g_value_take_boxed (value, g_strv_builder_end (builder));
      g_strv_builder_unref (builder);
      break;
    }
    case PROP_VIDEO_CODECS: g_value_set_string (value, priv->video_codecs.c_str ()); break;
    case PROP_AUDIO_CODECS: g_value_set_string (value, priv->audio_codecs.c_str ()); break;
    case PROP_LATENCY: g_value_set_uint (value, priv->latency); break;
    case PROP_PEER_TIMEOUT: g_value_set_uint (value, priv->peer_timeout); break;
    case PROP_STATS_INTERVAL: g_value_set_uint (value, priv->stats_interval); break;
    case PROP_DIAGNOSTICS: g_value_set_boolean (value, priv->diagnostics); break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

/* ---- GstURIHandler ---- */

static GstURIType
gst_sig_recv_uri_get_type (GType)
{
  return GST_URI_SRC;
}

static const gchar *const *
gst_sig_recv_uri_get_protocols (GType)
{
  static const gchar *protocols[] = { "webrtc+ws", "webrtc+wss", "whep+http", "whep+https",
    nullptr };
  return protocols;
}

static void
gst_sig_recv_uri_handler_init (GstURIHandlerInterface *iface)
{
  iface->get_type = gst_sig_recv_uri_get_type;
  iface->get_protocols = gst_sig_recv_uri_get_protocols;
  gstsig::signaller_slot_uri_handler_init (iface);
}

/* ---- GObject ---- */

static void
gst_sig_recv_finalize (GObject *object)
{
  auto self = GST_SIG_RECV (object);
  auto priv = self->priv;
  priv->host.reset ();
  priv->outputs.reset ();
  priv->slot.reset ();
  delete priv;
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_sig_recv_class_init (GstSigRecvClass *klass)
{
  auto gobject_class = G_OBJECT_CLASS (klass);
  auto element_class = GST_ELEMENT_CLASS (klass);
  auto rw = (GParamFlags) (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  auto rw_ready = (GParamFlags) (rw | GST_PARAM_MUTABLE_READY);
  auto ro = (GParamFlags) (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  gobject_class->set_property = gst_sig_recv_set_property;
  gobject_class->get_property = gst_sig_recv_get_property;
  gobject_class->finalize = gst_sig_recv_finalize;

  g_object_class_install_property (gobject_class, PROP_URI,
      g_param_spec_string ("uri", "URI",
          "The producer to receive: ws://HOST:PORT/?producer=ID (gst-plugins-rs signalling "
          "protocol; without producer= the first one there, or the next to appear), also as "
          "webrtc+ws:// and webrtc+wss://; or manual: (copy-paste tokens, no server); or "
          "whep+http://HOST:PORT/PATH, whep+https://... (a WHEP server; we offer "
          "receive-only, or signaller::server-offer=true). Default: none", nullptr, rw_ready));
  g_object_class_install_property (gobject_class, PROP_STUN_SERVER,
      g_param_spec_string ("stun-server", "STUN server",
          "STUN server as stun://HOST:PORT, needed behind NAT. Default: none", nullptr, rw_ready));
  g_object_class_install_property (gobject_class, PROP_TURN_SERVERS,
      g_param_spec_boxed ("turn-servers", "TURN servers",
          "TURN servers as turn(s)://USER:PASSWORD@HOST:PORT. Default: none", G_TYPE_STRV,
          rw_ready));
  g_object_class_install_property (gobject_class, PROP_VIDEO_CODECS,
      g_param_spec_string ("video-codecs", "Video codecs",
          "Video codecs accepted, in order of preference, from: vp8, h264, vp9. Default: \""
          DEFAULT_VIDEO_CODECS "\"", DEFAULT_VIDEO_CODECS, rw_ready));
  g_object_class_install_property (gobject_class, PROP_AUDIO_CODECS,
      g_param_spec_string ("audio-codecs", "Audio codecs",
          "Audio codecs accepted, in order of preference, from: opus. Default: \""
          DEFAULT_AUDIO_CODECS "\"", DEFAULT_AUDIO_CODECS, rw_ready));
  g_object_class_install_property (gobject_class, PROP_LATENCY,
      g_param_spec_uint ("latency", "Latency",
          "Jitterbuffer latency in ms: room for reordering and retransmissions. Browsers adapt "
          "theirs from near 0; for recording 300-1000 is safer, for live viewing 50-200. "
          "Default: 200", 0, 10000, DEFAULT_LATENCY, rw_ready));
  g_object_class_install_property (gobject_class, PROP_PEER_TIMEOUT,
      g_param_spec_uint ("peer-timeout", "Peer timeout",
          "Seconds without media or RTCP from the producer before the stream is considered "
          "over and every pad gets EOS. Default: 5", 1, 3600, DEFAULT_PEER_TIMEOUT, rw_ready));
  g_object_class_install_property (gobject_class, PROP_STATS_INTERVAL,
      g_param_spec_uint ("stats-interval", "Stats interval",
          "Milliseconds between two collections of the session's statistics (stats property, "
          "\"webrtcrecv-stats\" element messages, reports to the signalling server); 0 = "
          "never. Default: 1000", 0, 3600000, DEFAULT_STATS_INTERVAL, rw_ready));
  g_object_class_install_property (gobject_class, PROP_DIAGNOSTICS,
      g_param_spec_boolean ("diagnostics", "Diagnostics",
          "Put an rtpdiag element on every received stream, and its figures into the "
          "statistics (field \"rtpdiag-<pad>\"). Default: false", FALSE, rw_ready));
  g_object_class_install_property (gobject_class, PROP_STATS,
      g_param_spec_boxed ("stats", "Statistics",
          "Latest figures of the session (read-only): a \"webrtcrecv-stats\" structure whose "
          "\"sessions\" array holds a structure with session-id, role, peer-id, codec, "
          "bitrate-in (bit/s), packets-received, bytes-received, packets-lost, jitter and rtt "
          "(s), nack-count, pli-count, fir-count, candidate-pair and, with diagnostics, "
          "rtpdiag-<pad>. The same structure is posted as a \"webrtcrecv-stats\" element "
          "message every stats-interval", GST_TYPE_STRUCTURE, ro));
  g_object_class_install_property (gobject_class, PROP_SIGNALLER,
      g_param_spec_object ("signaller", "Signaller",
          "The signaller picked by uri (read-only; its properties are reachable as "
          "signaller::NAME)", GST_SIG_TYPE_SIGNALLER, ro));

  gst_element_class_add_static_pad_template (element_class, &video_template);
  gst_element_class_add_static_pad_template (element_class, &audio_template);
  element_class->change_state = gst_sig_recv_change_state;
  element_class->send_event = gst_sig_recv_send_event;
  gst_element_class_set_static_metadata (element_class, "WebRTC receiver",
      "Source/Network/WebRTC",
      "Receives the audio and video of one WebRTC producer through a pluggable signaller, "
      "as encoded, raw or RTP streams", "gst-webrtcsignal developers");
  GST_DEBUG_CATEGORY_INIT (gst_sig_recv_debug, "webrtcrecv", 0, "webrtcrecv element");
}

static void
gst_sig_recv_init (GstSigRecv *self)
{
  auto priv = self->priv = new GstSigRecvPrivate ();
  priv->slot = std::make_unique<gstsig::SignallerSlot> (GST_OBJECT (self));
  gstsig::signaller_slot_attach (G_OBJECT (self), priv->slot.get ());
  priv->outputs = std::make_unique<gstsig::RecvOutputs> (GST_ELEMENT (self));
  priv->host = std::make_unique<gstsig::SessionHost> (GST_ELEMENT (self), "webrtcrecv");
  GST_OBJECT_FLAG_SET (self, GST_ELEMENT_FLAG_SOURCE);
}
