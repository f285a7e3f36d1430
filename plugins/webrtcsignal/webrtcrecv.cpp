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

#include "base-bin.h"
#include "codecs.h"
#include "recv-outputs.h"
#include "recv-session.h"
#include "session-host.h"

#include <memory>
#include <mutex>
#include <string>
#include <vector>

GST_DEBUG_CATEGORY (gst_sig_recv_debug);
#define GST_CAT_DEFAULT gst_sig_recv_debug

using gstsig::RecvSession;

#define DEFAULT_LATENCY 200
#define KEYFRAME_REQUEST_INTERVAL_MS 1000

enum {
  PROP_LATENCY = GST_SIG_BASE_BIN_PROP_LAST,
};

static const gstsig::BaseBinDefaults recv_defaults = {
  "webrtcrecv",
  "The producer to receive: ws://HOST:PORT/?producer=ID (gst-plugins-rs signalling protocol; "
  "without producer= the first one there, or the next to appear), also as webrtc+ws:// and "
  "webrtc+wss://; or manual: (copy-paste tokens, no server); or whep+http://HOST:PORT/PATH, "
  "whep+https://... (a WHEP server; we offer receive-only, or signaller::server-offer=true); or "
  "whip-listen://ADDR:PORT/PATH (be a WHIP endpoint). Default: none",
  "accepted",
  "vp8,h264,vp9",
  "opus",
  5,
  1,
  "Seconds without media or RTCP from the producer before the stream is considered over and "
  "every pad gets EOS. Default: 5",
  "Latest figures of the session (read-only): a \"webrtcrecv-stats\" structure whose "
  "\"sessions\" array holds a structure with session-id, role, peer-id, codec, bitrate-in "
  "(bit/s), packets-received, bytes-received, packets-lost, jitter and rtt (s), nack-count, "
  "pli-count, fir-count, candidate-pair, candidate-types (e.g. \"relay <-> host\") and, with "
  "diagnostics, rtpdiag-<pad>. The same "
  "structure is posted as a \"webrtcrecv-stats\" element message every stats-interval",
};

struct GstSigRecvPrivate {
  std::mutex lock; /* guards latency; nests with nothing */
  unsigned latency = DEFAULT_LATENCY;

  std::unique_ptr<gstsig::RecvOutputs> outputs;
  /* Owned by the base; lives as long as the element. */
  gstsig::Sessions<RecvSession> *sessions = nullptr;

  /* Control thread only. */
  bool had_session = false;
  guint keyframe_timer = 0;
};

struct _GstSigRecv {
  GstSigBaseBin parent;
  GstSigRecvPrivate *priv;
};

#define gst_sig_recv_parent_class parent_class
G_DEFINE_TYPE (GstSigRecv, gst_sig_recv, GST_SIG_TYPE_BASE_BIN);
GST_ELEMENT_REGISTER_DEFINE (webrtcrecv, "webrtcrecv", GST_RANK_MARGINAL, GST_SIG_TYPE_RECV);

static GstStaticPadTemplate video_template = GST_STATIC_PAD_TEMPLATE ("video_%u",
    GST_PAD_SRC, GST_PAD_SOMETIMES, GST_STATIC_CAPS_ANY);
static GstStaticPadTemplate audio_template = GST_STATIC_PAD_TEMPLATE ("audio_%u",
    GST_PAD_SRC, GST_PAD_SOMETIMES, GST_STATIC_CAPS_ANY);

/* ---- sessions (control thread) ---- */

static std::unique_ptr<gstsig::WebrtcSession>
create_session (GstSigRecv *self, const std::string &session_id, const std::string &peer_id,
    std::shared_ptr<gstsig::SessionLink> link, gstsig::IceSettings ice, std::string *error,
    GstSigSessionEnd *why)
{
  auto priv = self->priv;
  if (priv->had_session) {
    *error = "webrtcrecv takes one session";
    *why = GST_SIG_SESSION_END_REFUSED;
    return nullptr;
  }
  priv->had_session = true;
  const gstsig::BaseBinSettings &common = gstsig::gst_sig_base_bin_settings (GST_SIG_BASE_BIN (self));
  gstsig::RecvSettings settings;
  settings.ice = std::move (ice);
  {
    std::lock_guard<std::mutex> guard (priv->lock);
    settings.ice.latency_ms = priv->latency;
  }
  settings.video_codecs = common.video_codecs;
  settings.audio_codecs = common.audio_codecs;
  auto session_ptr = std::make_shared<RecvSession *> (nullptr);
  auto session = std::make_unique<RecvSession> (GST_BIN (self), session_id, peer_id,
      std::move (settings), std::move (link), [self, session_ptr] (GstPad *pad) {
        self->priv->outputs->add (pad, *session_ptr ? (*session_ptr)->expected_streams () : 0);
      });
  *session_ptr = session.get ();
  bool offers = priv->sessions->capabilities ().consumer_offers;
  if (!session->start (error) || (offers && !session->start_offer (error))) {
    GST_ELEMENT_ERROR (self, STREAM, FAILED, ("Could not start receiving: %s.", error->c_str ()),
        ("session %s, peer %s", session_id.c_str (), peer_id.c_str ()));
    *why = GST_SIG_SESSION_END_FAILED;
    return nullptr;
  }
  /* webrtcbin holds sinks (its network senders) that never see EOS: the
   * element is a source, or a pipeline would wait for EOS from it forever. */
  GST_OBJECT_FLAG_UNSET (self, GST_ELEMENT_FLAG_SINK);
  priv->keyframe_timer = priv->sessions->control ().timeout (KEYFRAME_REQUEST_INTERVAL_MS,
      [self] () { return self->priv->outputs->request_missing_keyframes (); });
  GST_INFO_OBJECT (self, "Receiving from producer %s (session %s)", peer_id.c_str (),
      session_id.c_str ());
  return session;
}

static void
on_session_ending (GstSigRecv *self, RecvSession &session, const gstsig::SessionEnding &ending)
{
  auto priv = self->priv;
  priv->sessions->control ().cancel (std::exchange (priv->keyframe_timer, 0u));
  if (ending.stopping ())
    return;
  if (session.no_usable_codec ()) {
    GST_ELEMENT_ERROR (self, STREAM, CODEC_NOT_FOUND,
        ("Cannot receive this producer: %s. Send VP8, VP9, H264 or Opus, or change "
         "video-codecs/audio-codecs.", ending.detail.c_str ()), (nullptr));
    return;
  }
  /* A WHIP endpoint whose publisher left before our answer (a page
   * reloaded) takes the next one: wait for it instead of failing. */
  if (priv->outputs->empty () && priv->sessions->capabilities ().takes_another_session) {
    GST_ELEMENT_WARNING (self, RESOURCE, NOT_FOUND,
        ("The publisher left before sending media (%s); waiting for the next one.",
            ending.detail.c_str ()), (nullptr));
    priv->had_session = false;
    return;
  }
  priv->outputs->end (ending.detail);
}

static gstsig::SessionHost::Callbacks
gst_sig_recv_callbacks (GstSigBaseBin *base)
{
  auto self = GST_SIG_RECV (base);
  gstsig::SessionHost::Callbacks callbacks;
  callbacks.create = [self] (const std::string &sid, const std::string &peer,
                         const GstWebRTCSessionDescription *,
                         std::shared_ptr<gstsig::SessionLink> link, gstsig::IceSettings ice,
                         std::string *error, GstSigSessionEnd *why) {
    return create_session (self, sid, peer, std::move (link), std::move (ice), error, why);
  };
  callbacks.ending = [self] (gstsig::WebrtcSession &session, const gstsig::SessionEnding &ending) {
    on_session_ending (self, gstsig::Sessions<RecvSession>::of (session), ending);
  };
  callbacks.stats = [self] (gstsig::WebrtcSession &, GstStructure *stats) {
    self->priv->outputs->add_own_figures (stats);
  };
  return callbacks;
}

/* ---- start/stop (state-change thread) ---- */

static gboolean
gst_sig_recv_prepare (GstSigBaseBin *base)
{
  auto self = GST_SIG_RECV (base);
  if (gstsig::gst_sig_base_bin_uri (base).empty ()) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
        ("webrtcrecv needs a producer to ask: set uri=ws://HOST:PORT/?producer=ID."), (nullptr));
    return FALSE;
  }
  self->priv->outputs->set_diagnostics (gstsig::gst_sig_base_bin_settings (base).diagnostics);
  self->priv->sessions->control ().invoke_sync ([self] () { self->priv->had_session = false; });
  return TRUE;
}

static void
gst_sig_recv_sessions_stopped (GstSigBaseBin *base)
{
  GST_SIG_RECV (base)->priv->outputs->remove_all ();
}

static GstStateChangeReturn
gst_sig_recv_change_state (GstElement *element, GstStateChange transition)
{
  GstStateChangeReturn ret = GST_ELEMENT_CLASS (parent_class)->change_state (element, transition);
  if (ret == GST_STATE_CHANGE_FAILURE)
    return ret;
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
  auto priv = GST_SIG_RECV (object)->priv;
  if (prop_id < GST_SIG_BASE_BIN_PROP_LAST) {
    gstsig::gst_sig_base_bin_set_property (object, prop_id, value, pspec);
    return;
  }
  std::lock_guard<std::mutex> guard (priv->lock);
  if (prop_id == PROP_LATENCY)
    priv->latency = g_value_get_uint (value);
  else
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
}

static void
gst_sig_recv_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  auto priv = GST_SIG_RECV (object)->priv;
  if (prop_id < GST_SIG_BASE_BIN_PROP_LAST) {
    gstsig::gst_sig_base_bin_get_property (object, prop_id, value, pspec);
    return;
  }
  std::lock_guard<std::mutex> guard (priv->lock);
  if (prop_id == PROP_LATENCY)
    g_value_set_uint (value, priv->latency);
  else
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
}

/* ---- GObject ---- */

static void
gst_sig_recv_finalize (GObject *object)
{
  auto priv = GST_SIG_RECV (object)->priv;
  priv->outputs.reset ();
  delete priv;
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_sig_recv_class_init (GstSigRecvClass *klass)
{
  auto gobject_class = G_OBJECT_CLASS (klass);
  auto element_class = GST_ELEMENT_CLASS (klass);
  auto base_class = GST_SIG_BASE_BIN_CLASS (klass);
  auto rw_ready = (GParamFlags) (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
      GST_PARAM_MUTABLE_READY);

  gobject_class->set_property = gst_sig_recv_set_property;
  gobject_class->get_property = gst_sig_recv_get_property;
  gobject_class->finalize = gst_sig_recv_finalize;

  gstsig::gst_sig_base_bin_class_install_properties (gobject_class, recv_defaults);
  g_object_class_install_property (gobject_class, PROP_LATENCY,
      g_param_spec_uint ("latency", "Latency",
          "Jitterbuffer latency in ms: room for reordering and retransmissions. Browsers adapt "
          "theirs from near 0; for recording 300-1000 is safer, for live viewing 50-200. "
          "Default: 200", 0, 10000, DEFAULT_LATENCY, rw_ready));

  static const gchar *protocols[] = { "webrtc+ws", "webrtc+wss", "whep+http", "whep+https",
    nullptr };
  base_class->role = GST_SIG_SIGNALLER_ROLE_CONSUMER;
  base_class->uri_type = GST_URI_SRC;
  base_class->uri_protocols = protocols;
  base_class->prepare = gst_sig_recv_prepare;
  base_class->callbacks = gst_sig_recv_callbacks;
  base_class->sessions_stopped = gst_sig_recv_sessions_stopped;
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
  priv->outputs = std::make_unique<gstsig::RecvOutputs> (GST_ELEMENT (self));
  auto sessions = std::make_unique<gstsig::Sessions<RecvSession>> (GST_ELEMENT (self),
      "webrtcrecv");
  priv->sessions = sessions.get ();
  gstsig::gst_sig_base_bin_init_sessions (GST_SIG_BASE_BIN (self), std::move (sessions),
      recv_defaults);
  GST_OBJECT_FLAG_SET (self, GST_ELEMENT_FLAG_SOURCE);
}
