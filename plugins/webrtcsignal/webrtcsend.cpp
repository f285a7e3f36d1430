/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * SECTION:element-webrtcsend
 * @title: webrtcsend
 * @short_description: send audio/video to WebRTC consumers (browsers, webrtcsrc, ...)
 *
 * webrtcsend takes video and audio on request pads `video_%u` and
 * `audio_%u` and sends them to every consumer that asks through its
 * signaller. Raw input is encoded once per codec in use and fanned out: a
 * consumer costs a payloader and a webrtcbin, not an encoder.
 *
 * Pre-encoded input is sent as it is, without an encoder: `video/x-h264`
 * (any stream-format; converted to byte-stream with SPS/PPS before every
 * IDR; profiles constrained-baseline, baseline, main and high, announced
 * with the stream's profile-level-id), `video/x-vp8` and `audio/x-opus`
 * (mono or stereo). That codec is then the only one offered for the pad, and
 * a consumer that does not take it is refused with a warning naming the
 * codec. A new consumer gets the stream from its next keyframe (a keyframe
 * request goes upstream, which a live encoder honours and a demuxer
 * ignores); when none comes within 5 s a warning names the pad and asks for
 * a shorter keyframe interval. AAC cannot go to browsers: decode it and link
 * raw audio.
 *
 * Input that is not live (a file) is paced to the clock, at most 200 ms
 * ahead; live input is not held back. When every input has ended (EOS),
 * the sessions are ended, so consumers see the stream end, and the element
 * posts EOS. The signaller
 * is chosen by the scheme of `uri` (ws:// and wss:// speak gst-plugins-rs'
 * signalling protocol) and is a child object, so `signaller::PROPERTY=...`
 * works on a launch line after `uri`.
 *
 * ## Example launch lines
 * |[
 * gst-launch-1.0 videotestsrc is-live=true ! webrtcsend serve=127.0.0.1:8443
 * ]| Streams a test pattern; open http://127.0.0.1:8443/ and click the stream.
 * |[
 * gst-launch-1.0 v4l2src ! videoconvert ! webrtcsend name=s uri=ws://127.0.0.1:8443 \
 *     meta="meta,name=camera"  pulsesrc ! s.
 * ]| Registers as producer "camera" on a gst-webrtc-serve (or gst-plugins-rs)
 * signalling server.
 * |[
 * gst-launch-1.0 filesrc location=movie.mp4 ! qtdemux ! h264parse ! webrtcsend \
 *     serve=127.0.0.1:8443
 * ]| Sends the H264 of a file without re-encoding, in real time.
 *
 * Since: 0.1
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "webrtcsend.h"
#include "webrtcsend-private.h"

#include "base-bin.h"
#include "codecs.h"
#include "embedded-server.h"
#include "input-stream.h"
#include "meta.h"
#include "raii.h"
#include "send-session.h"
#include "session-host.h"

#include <gst/pbutils/missing-plugins.h>

#include <algorithm>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

GST_DEBUG_CATEGORY (gst_sig_send_debug);
#define GST_CAT_DEFAULT gst_sig_send_debug

using gstsig::Codec;
using gstsig::MediaKind;
using gstsig::SendSession;

enum {
  PROP_SERVE = GST_SIG_BASE_BIN_PROP_LAST,
  PROP_SERVE_URL,
  PROP_SERVE_CERT,
  PROP_SERVE_KEY,
  PROP_SERVE_SELF_SIGNED,
  PROP_SERVE_TOKEN,
  PROP_SERVE_ALLOW_ORIGIN,
  PROP_SERVE_FINGERPRINT,
  PROP_VIDEO_BITRATE,
  PROP_CONGESTION_CONTROL,
  PROP_FEC,
  PROP_FEC_MIN_RTT,
  PROP_MIN_BITRATE,
  PROP_MAX_BITRATE,
  PROP_START_BITRATE,
  PROP_VIDEO_TIERS,
  PROP_VIDEO_TIER_LADDER,
  PROP_MAX_CONSUMERS,
  PROP_META,
  PROP_CONSUMERS,
};

static const gstsig::BaseBinDefaults send_defaults = {
  "webrtcsend",
  "Where to signal: ws://HOST:PORT/ or wss://HOST:PORT/ (gst-plugins-rs signalling protocol), "
  "manual: (copy-paste tokens, no server), whip+http(s)://... (publish to a WHIP server), "
  "whep-listen://ADDR:PORT/PATH (be a WHEP endpoint). The scheme picks the signaller. "
  "Default: none (with serve=, the embedded server)",
  "offered to consumers",
  "vp8,h264",
  "opus",
  10,
  2,
  "Seconds without RTCP from a connected consumer before its session is ended (webrtcbin 1.22 "
  "does not notice a vanished browser). Default: 10",
  "Latest figures of each session (read-only): a \"webrtcsend-stats\" structure whose "
  "\"sessions\" array holds one structure per consumer with session-id, role, peer-id, codec, "
  "bitrate-out (bit/s), packets-sent, bytes-sent, packets-lost and fraction-lost (0..1, as the "
  "consumer reports), jitter and rtt (s), nack-count, pli-count, fir-count, candidate-pair, "
  "candidate-types (e.g. \"relay <-> host\"), "
  "fps, frame-width, frame-height, with congestion control estimated-bitrate (bit/s), "
  "feedback-bitrate (bit/s, what the viewer reports arriving), feedback-loss (0..1) and "
  "congestion (normal, overuse, underuse), audio-target-bitrate (bit/s: Opus at 64 kbit/s, 24 on a "
  "link under 350 kbit/s), fec-percentage (FEC packets per 100 of video, "
  "when RED and ULPFEC were negotiated) and, with diagnostics, rtpdiag-<pad>. The same structure per "
  "session is posted as a \"webrtcsend-stats\" element message every stats-interval",
};

static GType
gst_sig_congestion_control_get_type ()
{
  static GType type = 0;
  static const GEnumValue values[] = {
    { GST_SIG_CONGESTION_CONTROL_NONE, "None: video-bitrate whatever the link", "none" },
    { GST_SIG_CONGESTION_CONTROL_TWCC, "From transport-wide feedback (delay and loss)", "twcc" },
    { 0, nullptr, nullptr },
  };
  if (g_once_init_enter (&type))
    g_once_init_leave (&type, g_enum_register_static ("GstSigCongestionControl", values));
  return type;
}

static GType
gst_sig_fec_get_type ()
{
  static GType type = 0;
  static const GEnumValue values[] = {
    { GST_SIG_FEC_OFF, "Off: no FEC, RED and ULPFEC not negotiated", "off" },
    { GST_SIG_FEC_ON, "On: at least 10 %, more with the loss a viewer reports", "on" },
    { GST_SIG_FEC_AUTO, "Auto: from 2 % of loss a viewer reports on a round trip of fec-min-rtt "
      "or more", "auto" },
    { 0, nullptr, nullptr },
  };
  if (g_once_init_enter (&type))
    g_once_init_leave (&type, g_enum_register_static ("GstSigFec", values));
  return type;
}

#define gst_sig_send_parent_class parent_class
G_DEFINE_TYPE (GstSigSend, gst_sig_send, GST_SIG_TYPE_BASE_BIN);
GST_ELEMENT_REGISTER_DEFINE (webrtcsend, "webrtcsend", GST_RANK_MARGINAL, GST_SIG_TYPE_SEND);

/* ---- sessions (control thread) ---- */

static std::unique_ptr<gstsig::WebrtcSession>
create_session (GstSigSend *self, const std::string &session_id, const std::string &peer_id,
    const GstWebRTCSessionDescription *offer, std::shared_ptr<gstsig::SessionLink> link,
    gstsig::IceSettings ice, std::string *error, GstSigSessionEnd *why)
{
  auto priv = self->priv;
  gstsig::SendSettings settings;
  unsigned max_consumers;
  {
    std::lock_guard<std::mutex> guard (priv->lock);
    max_consumers = priv->max_consumers;
    settings.video_bitrate_kbps = priv->video_bitrate;
    settings.congestion_control = priv->congestion_control == GST_SIG_CONGESTION_CONTROL_TWCC;
    settings.fec = priv->fec == GST_SIG_FEC_OFF ? gstsig::FecMode::Off
        : priv->fec == GST_SIG_FEC_ON           ? gstsig::FecMode::On
                                                : gstsig::FecMode::Auto;
    settings.fec_min_rtt_s = priv->fec_min_rtt_ms / 1000.0;
    unsigned max = priv->max_bitrate ? priv->max_bitrate : priv->video_bitrate;
    settings.congestion.min_kbps = std::min (priv->min_bitrate, max);
    settings.congestion.max_kbps = max;
    settings.congestion.start_kbps = std::clamp (priv->start_bitrate, settings.congestion.min_kbps, max);
    settings.video_tiers = priv->video_tiers;
    settings.video_tier_ladder = priv->video_tier_ladder;
  }
  /* A flushing seek (an application looping a file) brings an ended
   * stream back: its inputs are no longer at EOS. */
  if (priv->ended && !gstsig::send_current_inputs (self).empty () && !gstsig::send_all_inputs_ended (self)) {
    GST_INFO_OBJECT (self, "The inputs flow again after their end: taking consumers again");
    priv->ended = false;
  }
  if (priv->ended) {
    *error = "the stream has ended";
    *why = GST_SIG_SESSION_END_END_OF_STREAM;
    return nullptr;
  }
  /* The one place where max-consumers is enforced. */
  if (max_consumers && priv->sessions->count () >= max_consumers) {
    GST_ELEMENT_WARNING (self, RESOURCE, BUSY,
        ("Refused a consumer: max-consumers=%u reached.", max_consumers),
        ("session %s from %s", session_id.c_str (), peer_id.c_str ()));
    *error = "max-consumers reached";
    *why = GST_SIG_SESSION_END_BUSY;
    return nullptr;
  }
  const gstsig::BaseBinSettings &common = gstsig::gst_sig_base_bin_settings (GST_SIG_BASE_BIN (self));
  settings.ice = std::move (ice);
  settings.video_codecs = common.video_codecs;
  settings.audio_codecs = common.audio_codecs;
  settings.diagnostics = common.diagnostics;
  auto session = std::make_unique<SendSession> (GST_BIN (self), session_id, peer_id,
      std::move (settings), std::move (link));
  if (!session->start (gstsig::send_current_inputs (self), offer, error)) {
    GST_ELEMENT_WARNING (self, STREAM, FAILED, ("Could not start a session with a consumer: %s.",
        error->c_str ()), ("session %s, peer %s", session_id.c_str (), peer_id.c_str ()));
    session->stop ();
    *why = GST_SIG_SESSION_END_REFUSED;
    return nullptr;
  }
  GST_INFO_OBJECT (self, "Session %s with %s started (%s)", session_id.c_str (),
      peer_id.c_str (), offer ? "answering" : "offering");
  return session;
}

static gstsig::SessionHost::Callbacks
gst_sig_send_callbacks (GstSigBaseBin *base)
{
  auto self = GST_SIG_SEND (base);
  gstsig::SessionHost::Callbacks callbacks;
  callbacks.create = [self] (const std::string &sid, const std::string &peer,
                         const GstWebRTCSessionDescription *offer,
                         std::shared_ptr<gstsig::SessionLink> link, gstsig::IceSettings ice,
                         std::string *error, GstSigSessionEnd *why) {
    return create_session (self, sid, peer, offer, std::move (link), std::move (ice), error,
        why);
  };
  callbacks.count_changed = [self] () { g_object_notify (G_OBJECT (self), "consumers"); };
  callbacks.stats = [] (gstsig::WebrtcSession &session, GstStructure *stats) {
    gstsig::Sessions<SendSession>::of (session).add_own_figures (stats);
  };
  return callbacks;
}

/* The pacing sinks post EOS, webrtcbin's sinks never do: the element posts
 * its own once the sessions are ended (on_input_ended). */
static void
gst_sig_send_handle_message (GstBin *bin, GstMessage *message)
{
  if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_EOS && GST_MESSAGE_SRC (message) !=
      GST_OBJECT (bin)) {
    gst_message_unref (message);
    return;
  }
  GST_BIN_CLASS (parent_class)->handle_message (bin, message);
}

/* ---- start/stop (state-change thread) ---- */

static bool
check_factories (GstSigSend *self)
{
  const gstsig::BaseBinSettings &common = gstsig::gst_sig_base_bin_settings (GST_SIG_BASE_BIN (self));
  for (auto list : { &common.video_codecs, &common.audio_codecs }) {
    for (const Codec *codec : *list) {
      if (const char *missing = gstsig::missing_factory (*codec)) {
        gst_element_post_message (GST_ELEMENT (self),
            gst_missing_element_message_new (GST_ELEMENT (self), missing));
        GST_ELEMENT_ERROR (self, CORE, MISSING_PLUGIN,
            ("No encoder for %s: the element '%s' is not installed. Install it (vp8enc, "
             "vp9enc: gstreamer1.0-plugins-good, x264enc: gstreamer1.0-plugins-ugly, opusenc: "
             "gstreamer1.0-plugins-base) or remove %s from %s-codecs.",
                codec->name, missing, codec->name, gstsig::media_kind_name (codec->kind)),
            (nullptr));
        return false;
      }
    }
  }
  for (const char *factory : { "webrtcbin", "tee", "queue", "fakesink", "videoconvert",
           "capssetter", "audioconvert", "audioresample" }) {
    GstElementFactory *f = gst_element_factory_find (factory);
    if (!f) {
      gst_element_post_message (GST_ELEMENT (self),
          gst_missing_element_message_new (GST_ELEMENT (self), factory));
      GST_ELEMENT_ERROR (self, CORE, MISSING_PLUGIN,
          ("The element '%s' is not installed (webrtcbin: gstreamer1.0-plugins-bad and "
           "gstreamer1.0-nice).", factory), (nullptr));
      return false;
    }
    gst_object_unref (f);
  }
  return true;
}

static std::string
string_of (const GValue *value)
{
  const char *s = g_value_get_string (value);
  return s ? s : "";
}

/* Sets a property the embedded server's signaller (ws) has; another
 * signaller put in the slot may not have it. */
template <typename T>
static void
set_if_known (GstSigSignaller *signaller, const char *name, const T &value)
{
  if (!g_object_class_find_property (G_OBJECT_GET_CLASS (signaller), name))
    return;
  if constexpr (std::is_same_v<T, std::string>) {
    if (!value.empty ())
      g_object_set (signaller, name, value.c_str (), nullptr);
  } else {
    g_object_set (signaller, name, value, nullptr);
  }
}

/* NULL->READY, after the base checked uri and codecs. */
static gboolean
gst_sig_send_prepare (GstSigBaseBin *base)
{
  auto self = GST_SIG_SEND (base);
  auto priv = self->priv;
  gstsig::ServeSettings serve;
  {
    std::lock_guard<std::mutex> guard (priv->lock);
    serve = priv->serve;
  }
  bool has_uri = !gstsig::gst_sig_base_bin_uri (base).empty ();
  if (!has_uri && serve.address.empty ()) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
        ("webrtcsend needs somewhere to signal: set uri=ws://HOST:PORT/ or serve=ADDR:PORT."),
        (nullptr));
    return FALSE;
  }
  if (!check_factories (self))
    return FALSE;
  if (serve.address.empty ())
    return TRUE;
  if (!priv->server.start (GST_ELEMENT (self), serve))
    return FALSE;
  {
    std::lock_guard<std::mutex> guard (priv->lock);
    priv->serve_url = priv->server.url ();
    priv->serve_fingerprint = priv->server.fingerprint ();
  }
  if (!has_uri) {
    GstSigSignaller *signaller = gstsig::gst_sig_base_bin_dup_signaller (base);
    g_object_set (signaller, "uri", priv->server.ws_uri ().c_str (), nullptr);
    set_if_known (signaller, "auth-token", priv->server.own_token ());
    if (!priv->server.own_ca_file ().empty ())
      set_if_known (signaller, "ca-file", priv->server.own_ca_file ());
    else if (priv->server.uses_tls ())
      set_if_known (signaller, "insecure-tls", TRUE);
    g_object_unref (signaller);
  }
  g_object_notify (G_OBJECT (self), "serve-url");
  return TRUE;
}

/* READY->PAUSED: what the signaller is told besides the common settings. */
static void
gst_sig_send_configure (GstSigBaseBin *base, GstSigSignallerSettings *settings)
{
  auto priv = GST_SIG_SEND (base)->priv;
  std::lock_guard<std::mutex> guard (priv->lock);
  settings->max_sessions = priv->max_consumers;
  settings->meta = priv->meta ? gst_structure_copy (priv->meta.get ()) : nullptr;
}

static GstStateChangeReturn
gst_sig_send_change_state (GstElement *element, GstStateChange transition)
{
  auto self = GST_SIG_SEND (element);
  auto priv = self->priv;
  switch (transition) {
    case GST_STATE_CHANGE_READY_TO_PAUSED:
      priv->sessions->control ().invoke_sync ([priv] () { priv->ended = false; });
      break;
    case GST_STATE_CHANGE_PAUSED_TO_READY:
      priv->sessions->control ().invoke_sync ([priv] () {
        priv->sessions->control ().cancel (std::exchange (priv->end_timer, 0u));
      });
      break;
    default:
      break;
  }
  GstStateChangeReturn ret = GST_ELEMENT_CLASS (parent_class)->change_state (element, transition);
  if ((ret == GST_STATE_CHANGE_FAILURE && transition == GST_STATE_CHANGE_NULL_TO_READY) ||
      transition == GST_STATE_CHANGE_READY_TO_NULL) {
    priv->server.stop ();
    std::lock_guard<std::mutex> guard (priv->lock);
    priv->serve_url.clear ();
    priv->serve_fingerprint.clear ();
  }
  return ret;
}

/* ---- properties ---- */

static void
gst_sig_send_set_property (GObject *object, guint prop_id, const GValue *value,
    GParamSpec *pspec)
{
  auto self = GST_SIG_SEND (object);
  auto priv = self->priv;
  if (prop_id < GST_SIG_BASE_BIN_PROP_LAST) {
    gstsig::gst_sig_base_bin_set_property (object, prop_id, value, pspec);
    return;
  }
  bool bitrate_changed = false;
  {
    std::lock_guard<std::mutex> guard (priv->lock);
    switch (prop_id) {
      case PROP_SERVE: priv->serve.address = string_of (value); break;
      case PROP_SERVE_CERT: priv->serve.cert_file = string_of (value); break;
      case PROP_SERVE_KEY: priv->serve.key_file = string_of (value); break;
      case PROP_SERVE_SELF_SIGNED: priv->serve.self_signed = g_value_get_boolean (value); break;
      case PROP_SERVE_TOKEN: priv->serve.token = string_of (value); break;
      case PROP_SERVE_ALLOW_ORIGIN: {
        priv->serve.allowed_origins.clear ();
        g_auto (GStrv) origins = g_strsplit (string_of (value).c_str (), ",", -1);
        for (gchar **o = origins; *o; o++) {
          if (**o)
            priv->serve.allowed_origins.emplace_back (g_strstrip (*o));
        }
        break;
      }
      case PROP_VIDEO_BITRATE:
        priv->video_bitrate = g_value_get_uint (value);
        bitrate_changed = !priv->inputs.empty ();
        break;
      case PROP_CONGESTION_CONTROL:
        priv->congestion_control = (GstSigCongestionControl) g_value_get_enum (value);
        break;
      case PROP_FEC: priv->fec = (GstSigFec) g_value_get_enum (value); break;
      case PROP_FEC_MIN_RTT: priv->fec_min_rtt_ms = g_value_get_uint (value); break;
      case PROP_MIN_BITRATE: priv->min_bitrate = g_value_get_uint (value); break;
      case PROP_MAX_BITRATE: priv->max_bitrate = g_value_get_uint (value); break;
      case PROP_START_BITRATE: priv->start_bitrate = g_value_get_uint (value); break;
      case PROP_VIDEO_TIERS: priv->video_tiers = g_value_get_uint (value); break;
      case PROP_VIDEO_TIER_LADDER: {
        std::string error;
        auto ladder = gstsig::parse_tier_ladder (string_of (value), &error);
        if (ladder)
          priv->video_tier_ladder = *ladder;
        else
          g_warning ("%s: video-tier-ladder=\"%s\" is not used: %s. Give kbit/s separated by "
              "commas, e.g. video-tier-ladder=2000,800,300.", GST_OBJECT_NAME (object),
              string_of (value).c_str (), error.c_str ());
        break;
      }
      case PROP_MAX_CONSUMERS: priv->max_consumers = g_value_get_uint (value); break;
      case PROP_META: {
        auto s = static_cast<const GstStructure *> (g_value_get_boxed (value));
        priv->meta.reset (s ? gst_structure_copy (s) : nullptr);
        break;
      }
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
  }
  if (bitrate_changed) {
    unsigned kbps = g_value_get_uint (value);
    priv->sessions->control ().invoke ([self, kbps] () {
      for (auto input : gstsig::send_current_inputs (self))
        input->set_video_bitrate (kbps);
    });
  }
}

static void
gst_sig_send_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  auto self = GST_SIG_SEND (object);
  auto priv = self->priv;
  if (prop_id < GST_SIG_BASE_BIN_PROP_LAST) {
    gstsig::gst_sig_base_bin_get_property (object, prop_id, value, pspec);
    return;
  }
  if (prop_id == PROP_CONSUMERS) {
    g_value_set_uint (value, priv->sessions->count ());
    return;
  }
  auto set_string = [value] (const std::string &s) {
    g_value_set_string (value, s.empty () ? nullptr : s.c_str ());
  };
  std::lock_guard<std::mutex> guard (priv->lock);
  switch (prop_id) {
    case PROP_SERVE: set_string (priv->serve.address); break;
    case PROP_SERVE_URL: set_string (priv->serve_url); break;
    case PROP_SERVE_FINGERPRINT: set_string (priv->serve_fingerprint); break;
    case PROP_SERVE_CERT: set_string (priv->serve.cert_file); break;
    case PROP_SERVE_KEY: set_string (priv->serve.key_file); break;
    case PROP_SERVE_SELF_SIGNED: g_value_set_boolean (value, priv->serve.self_signed); break;
    case PROP_SERVE_TOKEN: set_string (priv->serve.token); break;
    case PROP_SERVE_ALLOW_ORIGIN: {
      std::string text;
      for (const auto &o : priv->serve.allowed_origins)
        text += (text.empty () ? "" : ",") + o;
      set_string (text);
      break;
    }
    case PROP_VIDEO_BITRATE: g_value_set_uint (value, priv->video_bitrate); break;
    case PROP_CONGESTION_CONTROL: g_value_set_enum (value, priv->congestion_control); break;
    case PROP_FEC: g_value_set_enum (value, priv->fec); break;
    case PROP_FEC_MIN_RTT: g_value_set_uint (value, priv->fec_min_rtt_ms); break;
    case PROP_MIN_BITRATE: g_value_set_uint (value, priv->min_bitrate); break;
    case PROP_MAX_BITRATE: g_value_set_uint (value, priv->max_bitrate); break;
    case PROP_START_BITRATE: g_value_set_uint (value, priv->start_bitrate); break;
    case PROP_VIDEO_TIERS: g_value_set_uint (value, priv->video_tiers); break;
    case PROP_VIDEO_TIER_LADDER: {
      std::string text;
      for (unsigned kbps : priv->video_tier_ladder)
        text += (text.empty () ? "" : ",") + std::to_string (kbps);
      set_string (text);
      break;
    }
    case PROP_MAX_CONSUMERS: g_value_set_uint (value, priv->max_consumers); break;
    case PROP_META: g_value_set_boxed (value, priv->meta.get ()); break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

/* ---- GObject ---- */

static void
gst_sig_send_finalize (GObject *object)
{
  delete GST_SIG_SEND (object)->priv;
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_sig_send_dispose (GObject *object)
{
  auto priv = GST_SIG_SEND (object)->priv;
  priv->sessions->control ().invoke_sync ([priv] () {
    for (auto &input : priv->inputs)
      input->remove_from_bin ();
    priv->inputs.clear ();
  });
  G_OBJECT_CLASS (parent_class)->dispose (object);
}

static void
gst_sig_send_class_init (GstSigSendClass *klass)
{
  auto gobject_class = G_OBJECT_CLASS (klass);
  auto element_class = GST_ELEMENT_CLASS (klass);
  auto base_class = GST_SIG_BASE_BIN_CLASS (klass);
  auto rw = (GParamFlags) (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  auto rw_ready = (GParamFlags) (rw | GST_PARAM_MUTABLE_READY);
  auto rw_playing = (GParamFlags) (rw | GST_PARAM_MUTABLE_PLAYING);
  auto ro = (GParamFlags) (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  gobject_class->set_property = gst_sig_send_set_property;
  gobject_class->get_property = gst_sig_send_get_property;
  gobject_class->dispose = gst_sig_send_dispose;
  gobject_class->finalize = gst_sig_send_finalize;

  gstsig::gst_sig_base_bin_class_install_properties (gobject_class, send_defaults);
  g_object_class_install_property (gobject_class, PROP_SERVE,
      g_param_spec_string ("serve", "Serve",
          "Run the signalling server and the web app inside the element on ADDR:PORT, e.g. "
          "127.0.0.1:8443 (port 0 picks a free one; see serve-url). Default: none", nullptr,
          rw_ready));
  g_object_class_install_property (gobject_class, PROP_SERVE_URL,
      g_param_spec_string ("serve-url", "Serve URL",
          "The web app's URL while serve= is running (read-only)", nullptr, ro));
  g_object_class_install_property (gobject_class, PROP_SERVE_CERT,
      g_param_spec_string ("serve-cert", "Serve certificate",
          "serve= over https/wss with this PEM certificate (chain); needs serve-key. "
          "Default: none (plain http)", nullptr, rw_ready));
  g_object_class_install_property (gobject_class, PROP_SERVE_KEY,
      g_param_spec_string ("serve-key", "Serve key", "The PEM private key of serve-cert. "
          "Default: none", nullptr, rw_ready));
  g_object_class_install_property (gobject_class, PROP_SERVE_SELF_SIGNED,
      g_param_spec_boolean ("serve-self-signed", "Serve self-signed",
          "serve= over https/wss with a certificate made at start for this machine's names and "
          "addresses (its fingerprint is in the element's info message), e.g. for a phone on the "
          "LAN. Default: false", FALSE, rw_ready));
  g_object_class_install_property (gobject_class, PROP_SERVE_TOKEN,
      g_param_spec_string ("serve-token", "Serve token",
          "Pages and tools using serve= need this token (?token= or Authorization: Bearer). "
          "Default: none (anyone who can reach the port)", nullptr, rw_ready));
  g_object_class_install_property (gobject_class, PROP_SERVE_ALLOW_ORIGIN,
      g_param_spec_string ("serve-allow-origin", "Serve allowed origins",
          "Comma-separated origins (https://example.com) whose pages may use serve='s "
          "signalling, besides its own and loopback pages; * allows any. Default: none",
          nullptr, rw_ready));
  g_object_class_install_property (gobject_class, PROP_SERVE_FINGERPRINT,
      g_param_spec_string ("serve-fingerprint", "Serve fingerprint",
          "SHA-256 of serve='s certificate while it serves https (read-only)", nullptr, ro));
  g_object_class_install_property (gobject_class, PROP_VIDEO_BITRATE,
      g_param_spec_uint ("video-bitrate", "Video bitrate",
          "Target video bitrate of each encoder, in kbit/s; with congestion control the most "
          "it is set to (unless max-bitrate says otherwise). Default: 2000", 50, 100000,
          DEFAULT_VIDEO_BITRATE, rw_playing));
  g_object_class_install_property (gobject_class, PROP_CONGESTION_CONTROL,
      g_param_spec_enum ("congestion-control", "Congestion control",
          "How the video bitrate follows the viewers' links: twcc (from each viewer's "
          "transport-wide feedback, delay- and loss-based; the shared encoder follows the "
          "fastest viewer, within min-bitrate and max-bitrate) or none (video-bitrate "
          "whatever the link). Applies to new sessions. Default: twcc",
          gst_sig_congestion_control_get_type (), GST_SIG_CONGESTION_CONTROL_TWCC, rw_playing));
  g_object_class_install_property (gobject_class, PROP_FEC,
      g_param_spec_enum ("fec", "FEC",
          "Forward error correction of the video (ULPFEC in RED, for consumers that take "
          "them): repairs lost packets on arrival for a share of extra packets, where "
          "retransmission (always on) takes a round trip. auto: from 2 % of loss a viewer "
          "reports on a round trip of fec-min-rtt or more (off again under 1 %), on: always, "
          "off: never. The share follows the "
          "viewer's loss: 4 x the loss, 10 to 50 %; with congestion control the encoder makes "
          "room for it. Applies to new sessions. Default: auto",
          gst_sig_fec_get_type (), GST_SIG_FEC_AUTO, rw_playing));
  g_object_class_install_property (gobject_class, PROP_FEC_MIN_RTT,
      g_param_spec_uint ("fec-min-rtt", "FEC min RTT",
          "With fec=auto, the round trip in ms from which a lossy viewer gets FEC (off again "
          "under 3/4 of it): on shorter ones retransmission repairs in time. Applies to new "
          "sessions. Default: 20", 0, 10000, 20, rw_playing));
  g_object_class_install_property (gobject_class, PROP_MIN_BITRATE,
      g_param_spec_uint ("min-bitrate", "Min bitrate",
          "Congestion control never asks for less video than this, in kbit/s. Applies to new "
          "sessions. Default: 100", 30, 100000, DEFAULT_MIN_BITRATE, rw_playing));
  g_object_class_install_property (gobject_class, PROP_MAX_BITRATE,
      g_param_spec_uint ("max-bitrate", "Max bitrate",
          "Congestion control never asks for more video than this, in kbit/s (0 = "
          "video-bitrate). Applies to new sessions. Default: 0", 0, 100000, 0, rw_playing));
  g_object_class_install_property (gobject_class, PROP_START_BITRATE,
      g_param_spec_uint ("start-bitrate", "Start bitrate",
          "What congestion control assumes of a new viewer's link until its feedback says "
          "more, in kbit/s (within min-bitrate and max-bitrate). Default: 600", 30, 100000,
          DEFAULT_START_BITRATE, rw_playing));
  g_object_class_install_property (gobject_class, PROP_VIDEO_TIERS,
      g_param_spec_uint ("video-tiers", "Video tiers",
          "With congestion control, at most this many encoders per video input and codec: "
          "viewers whose links differ widely get different encoders (tiers), each at the "
          "lowest estimate of its viewers (at least 0.7 of a viewer's own); slower viewers than "
          "the last tier takes do not lower it. Default: 3", 1, 4, DEFAULT_VIDEO_TIERS,
          rw_playing));
  g_object_class_install_property (gobject_class, PROP_VIDEO_TIER_LADDER,
      g_param_spec_string ("video-tier-ladder", "Video tier ladder",
          "Fixed bitrates for the tiers, in kbit/s separated by commas (up to 4), e.g. "
          "2000,800,300: each viewer gets the highest one its estimate reaches (the lowest when "
          "it reaches none), and each bitrate in use is one encoder (at most video-tiers); "
          "instead of tiers at their viewers' estimates. Applies to new sessions. Default: none",
          nullptr, rw_playing));
  g_object_class_install_property (gobject_class, PROP_MAX_CONSUMERS,
      g_param_spec_uint ("max-consumers", "Max consumers",
          "Most consumers served at once; more are refused (0 = no limit). Default: 50", 0,
          G_MAXUINT, DEFAULT_MAX_CONSUMERS, rw_playing));
  g_object_class_install_property (gobject_class, PROP_META,
      g_param_spec_boxed ("meta", "Meta",
          "Meta data announced with this producer, e.g. meta=\"meta,name=camera\" (sent as the "
          "JSON object {\"name\":\"camera\"}). Default: none", GST_TYPE_STRUCTURE, rw_ready));
  g_object_class_install_property (gobject_class, PROP_CONSUMERS,
      g_param_spec_uint ("consumers", "Consumers", "Number of consumers being served (read-only)",
          0, G_MAXUINT, 0, ro));

  for (auto kind : { MediaKind::Video, MediaKind::Audio }) {
    GstCaps *caps = gst_caps_from_string (gstsig::input_caps (kind));
    gst_element_class_add_pad_template (element_class,
        gst_pad_template_new (kind == MediaKind::Video ? "video_%u" : "audio_%u", GST_PAD_SINK,
            GST_PAD_REQUEST, caps));
    gst_caps_unref (caps);
  }
  static const gchar *protocols[] = { "ws", "wss", "whip+http", "whip+https", nullptr };
  base_class->role = GST_SIG_SIGNALLER_ROLE_PRODUCER;
  base_class->uri_type = GST_URI_SINK;
  base_class->uri_protocols = protocols;
  base_class->prepare = gst_sig_send_prepare;
  base_class->configure = gst_sig_send_configure;
  base_class->callbacks = gst_sig_send_callbacks;
  GST_BIN_CLASS (klass)->handle_message = gst_sig_send_handle_message;
  element_class->request_new_pad = gstsig::send_request_new_pad;
  element_class->release_pad = gstsig::send_release_pad;
  element_class->change_state = gst_sig_send_change_state;
  gst_element_class_set_static_metadata (element_class, "WebRTC sender", "Sink/Network/WebRTC",
      "Sends audio and video to WebRTC consumers through a pluggable signaller, one encoder "
      "per codec shared by all consumers", "gst-webrtcsignal developers");
  GST_DEBUG_CATEGORY_INIT (gst_sig_send_debug, "webrtcsend", 0, "webrtcsend element");
}

static void
gst_sig_send_init (GstSigSend *self)
{
  auto priv = self->priv = new GstSigSendPrivate ();
  auto sessions = std::make_unique<gstsig::Sessions<SendSession>> (GST_ELEMENT (self),
      "webrtcsend");
  priv->sessions = sessions.get ();
  gstsig::gst_sig_base_bin_init_sessions (GST_SIG_BASE_BIN (self), std::move (sessions),
      send_defaults);
  GST_OBJECT_FLAG_SET (self, GST_ELEMENT_FLAG_SINK);
}
