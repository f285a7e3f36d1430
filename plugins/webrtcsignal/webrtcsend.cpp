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

#include "codecs.h"
#include "context-thread.h"
#include "input-stream.h"
#include "meta.h"
#include "raii.h"
#include "send-session.h"
#include "session-host.h"
#include "signaller-slot.h"
#include "server.h"
#include "signaller.h"

#include <gst/pbutils/missing-plugins.h>

#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

GST_DEBUG_CATEGORY (gst_sig_send_debug);
#define GST_CAT_DEFAULT gst_sig_send_debug

using gstsig::Codec;
using gstsig::MediaKind;

#define DEFAULT_VIDEO_CODECS "vp8,h264"
#define DEFAULT_AUDIO_CODECS "opus"
#define DEFAULT_VIDEO_BITRATE 2000
#define DEFAULT_MAX_CONSUMERS 0
#define DEFAULT_PEER_TIMEOUT 10
#define DEFAULT_STATS_INTERVAL 1000
#define KEYFRAME_MERGE_WINDOW (300 * GST_MSECOND)

enum {
  PROP_0,
  PROP_URI,
  PROP_SERVE,
  PROP_SERVE_URL,
  PROP_STUN_SERVER,
  PROP_TURN_SERVERS,
  PROP_VIDEO_CODECS,
  PROP_AUDIO_CODECS,
  PROP_VIDEO_BITRATE,
  PROP_MAX_CONSUMERS,
  PROP_META,
  PROP_PEER_TIMEOUT,
  PROP_CONSUMERS,
  PROP_SIGNALLER,
  PROP_STATS,
  PROP_STATS_INTERVAL,
  PROP_DIAGNOSTICS,
};

struct GstSigSendPrivate {
  std::mutex lock; /* guards the settings, serve_url and inputs */
  std::string serve;
  std::string serve_url;
  std::string stun_server;
  std::vector<std::string> turn_servers;
  std::string video_codecs = DEFAULT_VIDEO_CODECS;
  std::string audio_codecs = DEFAULT_AUDIO_CODECS;
  unsigned video_bitrate = DEFAULT_VIDEO_BITRATE;
  unsigned max_consumers = DEFAULT_MAX_CONSUMERS;
  unsigned peer_timeout = DEFAULT_PEER_TIMEOUT;
  unsigned stats_interval = DEFAULT_STATS_INTERVAL;
  bool diagnostics = false;
  gstsig::UniqueStructure meta;
  std::vector<std::unique_ptr<gstsig::InputStream>> inputs;
  std::unique_ptr<gstsig::SignallerSlot> slot;

  /* Lives as long as the element: sessions and negotiation run on its
   * control thread. */
  std::unique_ptr<gstsig::SessionHost> host;

  /* State-change thread only. */
  std::unique_ptr<gstsig::ContextThread> server_thread;
  std::unique_ptr<gstsig::Server> server;

  /* Control thread only. */
  gstsig::SendSettings settings;
  bool ended = false;    /* every input has ended: no new sessions */
  guint end_timer = 0;   /* ends the sessions once the last media is out */
};

struct _GstSigSend {
  GstBin parent;
  GstSigSendPrivate *priv;
};

static void gst_sig_send_uri_handler_init (GstURIHandlerInterface *iface);

#define gst_sig_send_parent_class parent_class
G_DEFINE_TYPE_WITH_CODE (GstSigSend, gst_sig_send, GST_TYPE_BIN,
    G_IMPLEMENT_INTERFACE (GST_TYPE_CHILD_PROXY, gstsig::signaller_slot_child_proxy_init);
    G_IMPLEMENT_INTERFACE (GST_TYPE_URI_HANDLER, gst_sig_send_uri_handler_init));
GST_ELEMENT_REGISTER_DEFINE (webrtcsend, "webrtcsend", GST_RANK_MARGINAL, GST_SIG_TYPE_SEND);

/* After the last input ended, how long the last media has to reach the
 * consumers before their sessions are ended. */
#define END_GRACE_MS 500

/* ---- sessions (control thread) ---- */

static std::vector<gstsig::InputStream *>
current_inputs (GstSigSend *self)
{
  std::lock_guard<std::mutex> guard (self->priv->lock);
  std::vector<gstsig::InputStream *> inputs;
  for (auto &input : self->priv->inputs)
    inputs.push_back (input.get ());
  return inputs;
}

/* Every input has reached EOS (and none flowed again since). */
static bool
all_inputs_ended (GstSigSend *self)
{
  auto inputs = current_inputs (self);
  for (auto input : inputs)
    if (!input->ended ())
      return false;
  return !inputs.empty ();
}

static std::unique_ptr<gstsig::WebrtcSession>
create_session (GstSigSend *self, const std::string &session_id, const std::string &peer_id,
    const GstWebRTCSessionDescription *offer, std::shared_ptr<gstsig::SessionLink> link,
    std::string *error)
{
  auto priv = self->priv;
  unsigned max_consumers;
  {
    std::lock_guard<std::mutex> guard (priv->lock);
    max_consumers = priv->max_consumers;
  }
  /* A flushing seek (an application looping a file) brings an ended
   * stream back: its inputs are no longer at EOS. */
  if (priv->ended && !current_inputs (self).empty () && !all_inputs_ended (self)) {
    GST_INFO_OBJECT (self, "The inputs flow again after their end: taking consumers again");
    priv->ended = false;
  }
  if (priv->ended) {
    *error = "the stream has ended";
    return nullptr;
  }
  if (max_consumers && priv->host->count () >= max_consumers) {
    GST_ELEMENT_WARNING (self, RESOURCE, BUSY,
        ("Refused a consumer: max-consumers=%u reached.", max_consumers),
        ("session %s from %s", session_id.c_str (), peer_id.c_str ()));
    *error = "max-consumers reached";
    return nullptr;
  }
  auto session = std::make_unique<gstsig::SendSession> (GST_BIN (self), session_id, peer_id,
      priv->settings, std::move (link));
  if (!session->start (current_inputs (self), offer, error)) {
    GST_ELEMENT_WARNING (self, STREAM, FAILED, ("Could not start a session with a consumer: %s.",
        error->c_str ()), ("session %s, peer %s", session_id.c_str (), peer_id.c_str ()));
    session->stop ();
    return nullptr;
  }
  GST_INFO_OBJECT (self, "Session %s with %s started (%s)", session_id.c_str (),
      peer_id.c_str (), offer ? "answering" : "offering");
  return session;
}

/* Control thread: an input ended. Once all have, the consumers see the
 * stream end (their sessions end) and the element posts EOS. */
static void
on_input_ended (GstSigSend *self, guint32 seqnum)
{
  auto priv = self->priv;
  if (!all_inputs_ended (self))
    return;
  if (priv->ended || priv->end_timer)
    return;
  GST_INFO_OBJECT (self, "Every input has ended; ending the sessions in %d ms", END_GRACE_MS);
  priv->end_timer = priv->host->control ().timeout (END_GRACE_MS, [self, seqnum] () {
    auto priv = self->priv;
    priv->end_timer = 0;
    if (!all_inputs_ended (self))
      return false; /* a seek brought them back within the grace time */
    priv->ended = true;
    std::vector<std::string> ids;
    priv->host->for_each ([&ids] (gstsig::WebrtcSession &s) { ids.push_back (s.id ()); });
    for (const auto &id : ids)
      priv->host->end (id, "end of stream", true);
    GstMessage *eos = gst_message_new_eos (GST_OBJECT (self));
    if (seqnum != GST_SEQNUM_INVALID)
      gst_message_set_seqnum (eos, seqnum);
    gst_element_post_message (GST_ELEMENT (self), eos);
    return false;
  });
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

static gboolean
parse_serve_address (const std::string &serve, std::string *host, unsigned *port)
{
  auto colon = serve.rfind (':');
  if (colon == std::string::npos || colon == 0)
    return FALSE;
  *host = serve.substr (0, colon);
  if (host->size () > 2 && host->front () == '[' && host->back () == ']')
    *host = host->substr (1, host->size () - 2);
  char *end = nullptr;
  std::string port_str = serve.substr (colon + 1);
  unsigned long value = strtoul (port_str.c_str (), &end, 10);
  if (port_str.empty () || *end || value > 65535)
    return FALSE;
  *port = (unsigned) value;
  return TRUE;
}

static bool
start_server (GstSigSend *self, const std::string &serve)
{
  auto priv = self->priv;
  std::string host;
  unsigned port = 0;
  if (!parse_serve_address (serve, &host, &port)) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
        ("serve='%s' is not an address; use ADDR:PORT, e.g. serve=127.0.0.1:8443.",
            serve.c_str ()), (nullptr));
    return false;
  }
  gstsig::ServerConfig config;
  config.host = host;
  config.port = port;
  priv->server_thread = std::make_unique<gstsig::ContextThread> ("webrtcsend-serve");
  GError *error = nullptr;
  bool ok = false;
  priv->server_thread->invoke_sync ([&] () {
    priv->server = std::make_unique<gstsig::Server> (config);
    ok = priv->server->start (&error);
    if (ok)
      port = priv->server->port ();
    else
      priv->server.reset ();
  });
  if (!ok) {
    GST_ELEMENT_ERROR_WITH_DETAILS (self, RESOURCE, OPEN_READ_WRITE,
        ("Could not serve on %s: %s. Pick another address or port with serve=ADDR:PORT.",
            serve.c_str (), error ? error->message : "unknown error"),
        ("server start failed"),
        ("error-domain", G_TYPE_STRING, error ? g_quark_to_string (error->domain) : "",
            "error-code", G_TYPE_INT, error ? error->code : 0, nullptr));
    g_clear_error (&error);
    priv->server_thread.reset ();
    return false;
  }
  bool any = host == "0.0.0.0" || host == "::" || host.empty ();
  std::string url_host = any ? "127.0.0.1" : host.find (':') != std::string::npos ? "[" + host + "]" : host;
  std::string url = "http://" + url_host + ":" + std::to_string (port) + "/";
  std::string ws_uri = "ws://" + url_host + ":" + std::to_string (port) + "/";
  {
    std::lock_guard<std::mutex> guard (priv->lock);
    priv->serve_url = url;
  }
  if (priv->slot->uri ().empty ()) {
    GstSigSignaller *signaller = priv->slot->dup ();
    g_object_set (signaller, "uri", ws_uri.c_str (), nullptr);
    gst_object_unref (signaller);
  }
  GST_ELEMENT_INFO (self, RESOURCE, OPEN_READ_WRITE,
      ("Serving the web app and signalling on %s", url.c_str ()),
      ("webrtcsend: serving %s", url.c_str ()));
  g_object_notify (G_OBJECT (self), "serve-url");
  return true;
}

static void
stop_server (GstSigSend *self)
{
  auto priv = self->priv;
  if (!priv->server_thread)
    return;
  priv->server_thread->invoke_sync ([priv] () {
    if (priv->server)
      priv->server->stop ();
    priv->server.reset ();
  });
  priv->server_thread.reset ();
}

/* Validates the settings and snapshots them for the sessions. */
static bool
prepare (GstSigSend *self)
{
  auto priv = self->priv;
  std::string video_codecs, audio_codecs, uri_error, serve, uri;
  gstsig::SendSettings settings;
  {
    std::lock_guard<std::mutex> guard (priv->lock);
    video_codecs = priv->video_codecs;
    audio_codecs = priv->audio_codecs;
    serve = priv->serve;
    settings.ice.stun_server = priv->stun_server;
    settings.ice.turn_servers = priv->turn_servers;
    settings.ice.peer_timeout_s = priv->peer_timeout;
    settings.video_bitrate_kbps = priv->video_bitrate;
    settings.diagnostics = priv->diagnostics;
  }
  uri_error = priv->slot->uri_error ();
  uri = priv->slot->uri ();
  if (!uri_error.empty ()) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS, ("%s", uri_error.c_str ()), (nullptr));
    return false;
  }
  if (uri.empty () && serve.empty ()) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
        ("webrtcsend needs somewhere to signal: set uri=ws://HOST:PORT/ or serve=ADDR:PORT."),
        (nullptr));
    return false;
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
  for (auto list : { &*video, &*audio }) {
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
  for (const char *factory : { "webrtcbin", "tee", "queue", "fakesink", "videoconvert", "capssetter",
           "audioconvert", "audioresample" }) {
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
  settings.video_codecs = *video;
  settings.audio_codecs = *audio;
  priv->host->control ().invoke_sync ([priv, &settings] () { priv->settings = settings; });
  if (!serve.empty () && !start_server (self, serve))
    return false;
  return true;
}

static bool
start_signaller (GstSigSend *self)
{
  auto priv = self->priv;
  GstSigSignaller *signaller;
  std::string meta_json;
  {
    std::lock_guard<std::mutex> guard (priv->lock);
    signaller = priv->slot->dup ();
    meta_json = gstsig::structure_to_json (priv->meta.get ());
  }
  if (g_object_class_find_property (G_OBJECT_GET_CLASS (signaller), "meta"))
    g_object_set (signaller, "meta", meta_json.c_str (), nullptr);

  unsigned setup_timeout = gstsig::signaller_setup_timeout (signaller, 30);
  priv->host->control ().invoke_sync ([priv, setup_timeout] () {
    priv->settings.ice.setup_timeout_s = setup_timeout;
  });
  gstsig::SessionHost::Callbacks callbacks;
  callbacks.create = [self] (const std::string &sid, const std::string &peer,
                         const GstWebRTCSessionDescription *offer,
                         std::shared_ptr<gstsig::SessionLink> link, std::string *error) {
    return create_session (self, sid, peer, offer, std::move (link), error);
  };
  callbacks.count_changed = [self] () { g_object_notify (G_OBJECT (self), "consumers"); };
  callbacks.stats = [] (gstsig::WebrtcSession &session, GstStructure *stats) {
    static_cast<gstsig::SendSession &> (session).add_own_figures (stats);
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
gst_sig_send_change_state (GstElement *element, GstStateChange transition)
{
  auto self = GST_SIG_SEND (element);
  switch (transition) {
    case GST_STATE_CHANGE_NULL_TO_READY:
      if (!prepare (self)) {
        stop_server (self);
        return GST_STATE_CHANGE_FAILURE;
      }
      break;
    case GST_STATE_CHANGE_READY_TO_PAUSED:
      self->priv->host->control ().invoke_sync ([self] () { self->priv->ended = false; });
      if (!start_signaller (self))
        return GST_STATE_CHANGE_FAILURE;
      break;
    case GST_STATE_CHANGE_PAUSED_TO_READY:
      self->priv->host->control ().invoke_sync ([self] () {
        self->priv->host->control ().cancel (std::exchange (self->priv->end_timer, 0u));
      });
      self->priv->host->stop ();
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
  if (transition == GST_STATE_CHANGE_READY_TO_NULL)
    stop_server (self);
  return ret;
}

/* ---- pads ---- */

static GstPad *
gst_sig_send_request_new_pad (GstElement *element, GstPadTemplate *templ, const gchar *name,
    const GstCaps *caps)
{
  auto self = GST_SIG_SEND (element);
  auto priv = self->priv;
  bool video = g_str_has_prefix (GST_PAD_TEMPLATE_NAME_TEMPLATE (templ), "video");
  const char *prefix = video ? "video" : "audio";
  std::string pad_name;
  {
    std::lock_guard<std::mutex> guard (priv->lock);
    for (unsigned i = 0; pad_name.empty (); i++) {
      std::string candidate = std::string (prefix) + "_" + std::to_string (i);
      bool used = false;
      for (auto &input : priv->inputs)
        used = used || input->name () == candidate;
      if (!used && (!name || candidate == name))
        pad_name = candidate;
      if (i > 1000)
        return nullptr;
    }
  }
  gstsig::InputStream *input = nullptr;
  priv->host->control ().invoke_sync ([&] () {
    input = new gstsig::InputStream (GST_BIN (self), video ? MediaKind::Video : MediaKind::Audio,
        pad_name, &priv->host->control (), KEYFRAME_MERGE_WINDOW);
  });
  input->set_eos_handler ([self] () {
    self->priv->host->control ().invoke ([self] () { on_input_ended (self, GST_SEQNUM_INVALID); });
  });
  GstPad *ghost = gst_ghost_pad_new_from_template (pad_name.c_str (), input->sink_pad (), templ);
  {
    std::lock_guard<std::mutex> guard (priv->lock);
    priv->inputs.emplace_back (input);
  }
  if (GST_STATE (element) > GST_STATE_NULL)
    gst_pad_set_active (ghost, TRUE);
  gst_element_add_pad (element, ghost);
  GST_DEBUG_OBJECT (self, "New input %s", pad_name.c_str ());
  return ghost;
}

static void
gst_sig_send_release_pad (GstElement *element, GstPad *pad)
{
  auto self = GST_SIG_SEND (element);
  auto priv = self->priv;
  std::unique_ptr<gstsig::InputStream> input;
  {
    std::lock_guard<std::mutex> guard (priv->lock);
    for (auto it = priv->inputs.begin (); it != priv->inputs.end (); ++it) {
      if ((*it)->name () == GST_PAD_NAME (pad)) {
        input = std::move (*it);
        priv->inputs.erase (it);
        break;
      }
    }
  }
  gst_element_remove_pad (element, pad);
  if (input)
    priv->host->control ().invoke_sync ([priv, &input] () {
      /* Sessions send every input they were made with (no renegotiation):
       * the ones using this input end first, so none keeps a pointer to it. */
      std::vector<std::string> ids;
      priv->host->for_each ([&ids, &input] (gstsig::WebrtcSession &s) {
        if (static_cast<gstsig::SendSession &> (s).uses (input.get ()))
          ids.push_back (s.id ());
      });
      for (const auto &id : ids)
        priv->host->end (id, "its input " + input->name () + " was released", true);
      input->remove_from_bin ();
      input.reset ();
    });
}

/* ---- properties ---- */


static GStrv
strv_from_vector (const std::vector<std::string> &items)
{
  GStrvBuilder *builder = g_strv_builder_new ();
  for (const auto &item : items)
    g_strv_builder_add (builder, item.c_str ());
  GStrv result = g_strv_builder_end (builder);
  g_strv_builder_unref (builder);
  return result;
}

static void
gst_sig_send_set_property (GObject *object, guint prop_id, const GValue *value,
    GParamSpec *pspec)
{
  auto self = GST_SIG_SEND (object);
  auto priv = self->priv;
  if (prop_id == PROP_URI) {
    priv->slot->set_uri (g_value_get_string (value));
    return;
  }
  std::vector<gstsig::InputStream *> bitrate_inputs;
  {
    std::lock_guard<std::mutex> guard (priv->lock);
    auto str = [value] () { return std::string (g_value_get_string (value) ? g_value_get_string (value) : ""); };
    switch (prop_id) {
      case PROP_SERVE: priv->serve = str (); break;
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
      case PROP_VIDEO_BITRATE:
        priv->video_bitrate = g_value_get_uint (value);
        for (auto &input : priv->inputs)
          bitrate_inputs.push_back (input.get ());
        break;
      case PROP_MAX_CONSUMERS: priv->max_consumers = g_value_get_uint (value); break;
      case PROP_PEER_TIMEOUT: priv->peer_timeout = g_value_get_uint (value); break;
      case PROP_STATS_INTERVAL: priv->stats_interval = g_value_get_uint (value); break;
      case PROP_DIAGNOSTICS: priv->diagnostics = g_value_get_boolean (value); break;
      case PROP_META: {
        auto s = static_cast<const GstStructure *> (g_value_get_boxed (value));
        priv->meta.reset (s ? gst_structure_copy (s) : nullptr);
        break;
      }
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
  }
  if (!bitrate_inputs.empty ()) {
    unsigned kbps = g_value_get_uint (value);
    priv->host->control ().invoke ([self, kbps] () {
      self->priv->settings.video_bitrate_kbps = kbps;
      for (auto input : current_inputs (self))
        input->set_video_bitrate (kbps);
    });
  }
}

static void
gst_sig_send_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  auto self = GST_SIG_SEND (object);
  auto priv = self->priv;
  if (prop_id == PROP_CONSUMERS) {
    g_value_set_uint (value, priv->host->count ());
    return;
  }
  if (prop_id == PROP_STATS) {
    g_value_take_boxed (value, priv->host->dup_stats ());
    return;
  }
  if (prop_id == PROP_URI) {
    std::string uri = priv->slot->uri ();
    g_value_set_string (value, uri.empty () ? nullptr : uri.c_str ());
    return;
  }
  if (prop_id == PROP_SIGNALLER) {
    g_value_take_object (value, priv->slot->dup ());
    return;
  }
  std::lock_guard<std::mutex> guard (priv->lock);
  switch (prop_id) {
    case PROP_SERVE: g_value_set_string (value, priv->serve.empty () ? nullptr : priv->serve.c_str ()); break;
    case PROP_SERVE_URL:
      g_value_set_string (value, priv->serve_url.empty () ? nullptr : priv->serve_url.c_str ());
      break;
    case PROP_STUN_SERVER:
      g_value_set_string (value, priv->stun_server.empty () ? nullptr : priv->stun_server.c_str ());
      break;
    case PROP_TURN_SERVERS: g_value_take_boxed (value, strv_from_vector (priv->turn_servers)); break;
    case PROP_VIDEO_CODECS: g_value_set_string (value, priv->video_codecs.c_str ()); break;
    case PROP_AUDIO_CODECS: g_value_set_string (value, priv->audio_codecs.c_str ()); break;
    case PROP_VIDEO_BITRATE: g_value_set_uint (value, priv->video_bitrate); break;
    case PROP_MAX_CONSUMERS: g_value_set_uint (value, priv->max_consumers); break;
    case PROP_PEER_TIMEOUT: g_value_set_uint (value, priv->peer_timeout); break;
    case PROP_STATS_INTERVAL: g_value_set_uint (value, priv->stats_interval); break;
    case PROP_DIAGNOSTICS: g_value_set_boolean (value, priv->diagnostics); break;
    case PROP_META: g_value_set_boxed (value, priv->meta.get ()); break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

/* ---- GstURIHandler ---- */

static GstURIType
gst_sig_send_uri_get_type (GType)
{
  return GST_URI_SINK;
}

static const gchar *const *
gst_sig_send_uri_get_protocols (GType)
{
  static const gchar *protocols[] = { "ws", "wss", "whip+http", "whip+https", nullptr };
  return protocols;
}

static void
gst_sig_send_uri_handler_init (GstURIHandlerInterface *iface)
{
  iface->get_type = gst_sig_send_uri_get_type;
  iface->get_protocols = gst_sig_send_uri_get_protocols;
  gstsig::signaller_slot_uri_handler_init (iface);
}

/* ---- GObject ---- */

static void
gst_sig_send_finalize (GObject *object)
{
  auto self = GST_SIG_SEND (object);
  auto priv = self->priv;
  priv->host.reset ();
  priv->slot.reset ();
  delete priv;
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_sig_send_dispose (GObject *object)
{
  auto self = GST_SIG_SEND (object);
  auto priv = self->priv;
  if (priv->host) {
    priv->host->control ().invoke_sync ([priv] () {
      for (auto &input : priv->inputs)
        input->remove_from_bin ();
      priv->inputs.clear ();
    });
  }
  G_OBJECT_CLASS (parent_class)->dispose (object);
}

static void
gst_sig_send_class_init (GstSigSendClass *klass)
{
  auto gobject_class = G_OBJECT_CLASS (klass);
  auto element_class = GST_ELEMENT_CLASS (klass);
  auto rw = (GParamFlags) (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  auto rw_ready = (GParamFlags) (rw | GST_PARAM_MUTABLE_READY);
  auto rw_playing = (GParamFlags) (rw | GST_PARAM_MUTABLE_PLAYING);
  auto ro = (GParamFlags) (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  gobject_class->set_property = gst_sig_send_set_property;
  gobject_class->get_property = gst_sig_send_get_property;
  gobject_class->dispose = gst_sig_send_dispose;
  gobject_class->finalize = gst_sig_send_finalize;

  g_object_class_install_property (gobject_class, PROP_URI,
      g_param_spec_string ("uri", "URI",
          "Where to signal: ws://HOST:PORT/ or wss://HOST:PORT/ (gst-plugins-rs signalling "
          "protocol), or manual: (copy-paste tokens, no server). The scheme picks the "
          "signaller. Default: none (with serve=, the embedded server)", nullptr, rw_ready));
  g_object_class_install_property (gobject_class, PROP_SERVE,
      g_param_spec_string ("serve", "Serve",
          "Run the signalling server and the web app inside the element on ADDR:PORT, e.g. "
          "127.0.0.1:8443 (port 0 picks a free one; see serve-url). Default: none", nullptr,
          rw_ready));
  g_object_class_install_property (gobject_class, PROP_SERVE_URL,
      g_param_spec_string ("serve-url", "Serve URL",
          "The web app's URL while serve= is running (read-only)", nullptr, ro));
  g_object_class_install_property (gobject_class, PROP_STUN_SERVER,
      g_param_spec_string ("stun-server", "STUN server",
          "STUN server as stun://HOST:PORT, needed behind NAT. Default: none", nullptr, rw_ready));
  g_object_class_install_property (gobject_class, PROP_TURN_SERVERS,
      g_param_spec_boxed ("turn-servers", "TURN servers",
          "TURN servers as turn(s)://USER:PASSWORD@HOST:PORT, e.g. "
          "turn-servers=\"<turn://u:p@host:3478>\". Default: none", G_TYPE_STRV, rw_ready));
  g_object_class_install_property (gobject_class, PROP_VIDEO_CODECS,
      g_param_spec_string ("video-codecs", "Video codecs",
          "Video codecs offered to consumers, in order of preference, from: vp8, h264, vp9. "
          "Default: \"" DEFAULT_VIDEO_CODECS "\"", DEFAULT_VIDEO_CODECS, rw_ready));
  g_object_class_install_property (gobject_class, PROP_AUDIO_CODECS,
      g_param_spec_string ("audio-codecs", "Audio codecs",
          "Audio codecs offered to consumers, in order of preference, from: opus. Default: \""
          DEFAULT_AUDIO_CODECS "\"", DEFAULT_AUDIO_CODECS, rw_ready));
  g_object_class_install_property (gobject_class, PROP_VIDEO_BITRATE,
      g_param_spec_uint ("video-bitrate", "Video bitrate",
          "Target video bitrate of each encoder, in kbit/s. Default: 2000", 50, 100000,
          DEFAULT_VIDEO_BITRATE, rw_playing));
  g_object_class_install_property (gobject_class, PROP_MAX_CONSUMERS,
      g_param_spec_uint ("max-consumers", "Max consumers",
          "Most consumers served at once; more are refused (0 = no limit). Default: 0", 0,
          G_MAXUINT, DEFAULT_MAX_CONSUMERS, rw_playing));
  g_object_class_install_property (gobject_class, PROP_PEER_TIMEOUT,
      g_param_spec_uint ("peer-timeout", "Peer timeout",
          "Seconds without RTCP from a connected consumer before its session is ended "
          "(webrtcbin 1.22 does not notice a vanished browser). Default: 10", 2, 3600,
          DEFAULT_PEER_TIMEOUT, rw_playing));
  g_object_class_install_property (gobject_class, PROP_META,
      g_param_spec_boxed ("meta", "Meta",
          "Meta data announced with this producer, e.g. meta=\"meta,name=camera\" (sent as the "
          "JSON object {\"name\":\"camera\"}). Default: none", GST_TYPE_STRUCTURE, rw_ready));
  g_object_class_install_property (gobject_class, PROP_CONSUMERS,
      g_param_spec_uint ("consumers", "Consumers", "Number of consumers being served (read-only)",
          0, G_MAXUINT, 0, ro));
  g_object_class_install_property (gobject_class, PROP_STATS_INTERVAL,
      g_param_spec_uint ("stats-interval", "Stats interval",
          "Milliseconds between two collections of each session's statistics (stats property, "
          "\"webrtcsend-stats\" element messages, reports to the signalling server); 0 = "
          "never. Default: 1000", 0, 3600000, DEFAULT_STATS_INTERVAL, rw_ready));
  g_object_class_install_property (gobject_class, PROP_DIAGNOSTICS,
      g_param_spec_boolean ("diagnostics", "Diagnostics",
          "Put an rtpdiag element on every stream sent, and its figures into the statistics "
          "(field \"rtpdiag-<pad>\"). Default: false", FALSE, rw_ready));
  g_object_class_install_property (gobject_class, PROP_STATS,
      g_param_spec_boxed ("stats", "Statistics",
          "Latest figures of each session (read-only): a \"webrtcsend-stats\" structure whose "
          "\"sessions\" array holds one structure per consumer with session-id, role, peer-id, "
          "codec, bitrate-out (bit/s), packets-sent, bytes-sent, packets-lost and fraction-lost "
          "(0..1, as the consumer reports), jitter and rtt (s), nack-count, pli-count, fir-count, "
          "candidate-pair and, with diagnostics, rtpdiag-<pad>. The same structure per session is "
          "posted as a \"webrtcsend-stats\" element message every stats-interval",
          GST_TYPE_STRUCTURE, ro));
  g_object_class_install_property (gobject_class, PROP_SIGNALLER,
      g_param_spec_object ("signaller", "Signaller",
          "The signaller picked by uri (read-only; its properties are reachable as "
          "signaller::NAME)", GST_SIG_TYPE_SIGNALLER, ro));

  for (auto kind : { MediaKind::Video, MediaKind::Audio }) {
    GstCaps *caps = gst_caps_from_string (gstsig::input_caps (kind));
    gst_element_class_add_pad_template (element_class,
        gst_pad_template_new (kind == MediaKind::Video ? "video_%u" : "audio_%u", GST_PAD_SINK,
            GST_PAD_REQUEST, caps));
    gst_caps_unref (caps);
  }
  GST_BIN_CLASS (klass)->handle_message = gst_sig_send_handle_message;
  element_class->request_new_pad = gst_sig_send_request_new_pad;
  element_class->release_pad = gst_sig_send_release_pad;
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
  priv->host = std::make_unique<gstsig::SessionHost> (GST_ELEMENT (self), "webrtcsend");
  priv->slot = std::make_unique<gstsig::SignallerSlot> (GST_OBJECT (self));
  gstsig::signaller_slot_attach (G_OBJECT (self), priv->slot.get ());
  GST_OBJECT_FLAG_SET (self, GST_ELEMENT_FLAG_SINK);
}
