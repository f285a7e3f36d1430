/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "base-bin.h"
#include "dtls-warmup.h"
#include "session-errors.h"

#include "signaller-slot.h"

#include <mutex>
#include <optional>
#include <utility>

GST_DEBUG_CATEGORY_STATIC (gst_sig_base_bin_debug);
#define GST_CAT_DEFAULT gst_sig_base_bin_debug

using gstsig::BaseBinDefaults;
using gstsig::BaseBinSettings;
using gstsig::MediaKind;

namespace {

struct BaseBinState {
  std::mutex lock; /* guards the property values below; nests with nothing */
  std::string stun_server;
  std::vector<std::string> turn_servers;
  std::string turn_ca_file;
  std::string video_codecs;
  std::string audio_codecs;
  unsigned peer_timeout_s = 10;
  unsigned stats_interval_ms = 1000;
  bool diagnostics = false;
  bool relay_only = false;

  std::unique_ptr<gstsig::SignallerSlot> slot;
  /* Created by the subclass' init, lives as long as the element. */
  std::unique_ptr<gstsig::SessionHost> host;
  /* Written on the state-change thread at NULL->READY, read by sessions
   * on the control thread after the host started (which orders them). */
  BaseBinSettings prepared;
};

} // namespace

struct GstSigBaseBinPrivate {
  BaseBinState *state;
};

static void gst_sig_base_bin_child_proxy_init (GstChildProxyInterface *iface);
static void gst_sig_base_bin_uri_handler_init (GstURIHandlerInterface *iface);

#define gst_sig_base_bin_parent_class parent_class
G_DEFINE_ABSTRACT_TYPE_WITH_CODE (GstSigBaseBin, gst_sig_base_bin, GST_TYPE_BIN,
    G_ADD_PRIVATE (GstSigBaseBin);
    G_IMPLEMENT_INTERFACE (GST_TYPE_CHILD_PROXY, gst_sig_base_bin_child_proxy_init);
    G_IMPLEMENT_INTERFACE (GST_TYPE_URI_HANDLER, gst_sig_base_bin_uri_handler_init));

static BaseBinState &
state_of (gpointer self)
{
  auto priv = static_cast<GstSigBaseBinPrivate *> (
      gst_sig_base_bin_get_instance_private (GST_SIG_BASE_BIN (self)));
  return *priv->state;
}

/* ---- start and stop (state-change thread) ---- */

static bool
check_settings (GstSigBaseBin *self)
{
  BaseBinState &st = state_of (self);
  std::string uri_error = st.slot->uri_error ();
  if (!uri_error.empty ()) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS, ("%s", uri_error.c_str ()), (nullptr));
    return false;
  }
  BaseBinSettings settings;
  std::string video_codecs, audio_codecs;
  {
    std::lock_guard<std::mutex> guard (st.lock);
    settings.ice.stun_server = st.stun_server;
    settings.ice.turn_servers = st.turn_servers;
    settings.ice.turn_ca_file = st.turn_ca_file;
    settings.ice.relay_only = st.relay_only;
    settings.ice.peer_timeout_s = st.peer_timeout_s;
    settings.stats_interval_ms = st.stats_interval_ms;
    settings.diagnostics = st.diagnostics;
    video_codecs = st.video_codecs;
    audio_codecs = st.audio_codecs;
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
  if (settings.ice.relay_only && settings.ice.turn_servers.empty ())
    GST_ELEMENT_WARNING (self, RESOURCE, SETTINGS,
        ("ice-transport-policy=relay without turn-servers: sessions connect only if the "
         "signaller learns TURN servers (WHIP/WHEP Link headers). Set turn-servers."),
        (nullptr));
  st.prepared = std::move (settings);
  return true;
}

static GStrv
codec_names (const std::vector<const gstsig::Codec *> &codecs)
{
  GStrvBuilder *builder = g_strv_builder_new ();
  for (const gstsig::Codec *codec : codecs)
    g_strv_builder_add (builder, codec->name);
  GStrv names = g_strv_builder_end (builder);
  g_strv_builder_unref (builder);
  return names;
}

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

static bool
start_sessions (GstSigBaseBin *self)
{
  BaseBinState &st = state_of (self);
  auto klass = GST_SIG_BASE_BIN_GET_CLASS (self);
  const BaseBinSettings &prepared = st.prepared;
  g_autoptr (GstSigSignallerSettings) settings = gst_sig_signaller_settings_new ();
  settings->role = klass->role;
  settings->stun_server =
      prepared.ice.stun_server.empty () ? nullptr : g_strdup (prepared.ice.stun_server.c_str ());
  settings->turn_servers = strv_from_vector (prepared.ice.turn_servers);
  settings->video_codecs = codec_names (prepared.video_codecs);
  settings->audio_codecs = codec_names (prepared.audio_codecs);
  if (klass->configure)
    klass->configure (self, settings);
  GstSigSignaller *signaller = st.slot->dup ();
  bool ok = st.host->start (signaller, *settings, prepared.ice, klass->callbacks (self),
      prepared.stats_interval_ms);
  g_object_unref (signaller);
  return ok;
}

static GstStateChangeReturn
gst_sig_base_bin_change_state (GstElement *element, GstStateChange transition)
{
  auto self = GST_SIG_BASE_BIN (element);
  auto klass = GST_SIG_BASE_BIN_GET_CLASS (self);
  BaseBinState &st = state_of (self);
  switch (transition) {
    case GST_STATE_CHANGE_NULL_TO_READY:
      if (!check_settings (self) || (klass->prepare && !klass->prepare (self)))
        return GST_STATE_CHANGE_FAILURE;
      /* The first session would wait for it otherwise (dtls-warmup.h). */
      gstsig::start_dtls_certificate_warmup ();
      break;
    case GST_STATE_CHANGE_READY_TO_PAUSED:
      if (!start_sessions (self))
        return GST_STATE_CHANGE_FAILURE;
      break;
    case GST_STATE_CHANGE_PAUSED_TO_READY:
      st.host->stop ();
      if (klass->sessions_stopped)
        klass->sessions_stopped (self);
      break;
    default:
      break;
  }
  GstStateChangeReturn ret = GST_ELEMENT_CLASS (parent_class)->change_state (element, transition);
  if (ret == GST_STATE_CHANGE_FAILURE && transition == GST_STATE_CHANGE_READY_TO_PAUSED)
    st.host->stop ();
  if (transition == GST_STATE_CHANGE_READY_TO_NULL)
    gstsig::finish_dtls_certificate_warmup ();
  return ret;
}

/* ---- properties ---- */

void
gstsig::gst_sig_base_bin_class_install_properties (GObjectClass *klass,
    const BaseBinDefaults &d)
{
  auto rw = (GParamFlags) (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  auto rw_ready = (GParamFlags) (rw | GST_PARAM_MUTABLE_READY);
  auto ro = (GParamFlags) (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  /* Blurbs are kept for the life of the class. */
  auto keep = [] (const std::string &text) { return g_intern_string (text.c_str ()); };
  std::string element = d.element;

  g_object_class_install_property (klass, GST_SIG_BASE_BIN_PROP_URI,
      g_param_spec_string ("uri", "URI", d.uri_blurb, nullptr, rw_ready));
  g_object_class_install_property (klass, GST_SIG_BASE_BIN_PROP_SIGNALLER,
      g_param_spec_object ("signaller", "Signaller",
          "The signaller picked by uri (read-only; its properties are reachable as "
          "signaller::NAME). ws://, wss:// and WHIP/WHEP clients: auth-token (Bearer token), "
          "ca-file (PEM of the server certificates to trust), insecure-tls (accept any "
          "certificate, for test servers)", GST_SIG_TYPE_SIGNALLER, ro));
  g_object_class_install_property (klass, GST_SIG_BASE_BIN_PROP_STUN_SERVER,
      g_param_spec_string ("stun-server", "STUN server",
          "STUN server as stun://HOST:PORT, needed behind NAT. Default: none", nullptr, rw_ready));
  g_object_class_install_property (klass, GST_SIG_BASE_BIN_PROP_TURN_SERVERS,
      gst_param_spec_array ("turn-servers", "TURN servers",
          "TURN servers as turn(s)://USER:PASSWORD@HOST:PORT, an array of strings; on a "
          "launch line: turn-servers='<\"turn://u:p@host:3478\">' (each server in double "
          "quotes, the whole in single quotes for the shell). Default: none",
          g_param_spec_string ("turn-server", "TURN server", "turn(s)://USER:PASSWORD@HOST:PORT",
              nullptr, (GParamFlags) (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS)),
          rw_ready));
  g_object_class_install_property (klass, GST_SIG_BASE_BIN_PROP_TURN_CA_FILE,
      g_param_spec_string ("turn-ca-file", "TURN CA file",
          "turns:// servers only: PEM file of the certificates to trust instead of the system's "
          "CAs (the TURN server's own certificate, or the CA that signed it). Default: none",
          nullptr, rw_ready));
  g_object_class_install_property (klass, GST_SIG_BASE_BIN_PROP_ICE_TRANSPORT_POLICY,
      g_param_spec_enum ("ice-transport-policy", "ICE transport policy",
          "all: any candidate; relay: only through the TURN servers of turn-servers (or those "
          "the signaller learns), hiding this machine's addresses from peers. Default: all",
          GST_TYPE_WEBRTC_ICE_TRANSPORT_POLICY, GST_WEBRTC_ICE_TRANSPORT_POLICY_ALL, rw_ready));
  g_object_class_install_property (klass, GST_SIG_BASE_BIN_PROP_VIDEO_CODECS,
      g_param_spec_string ("video-codecs", "Video codecs",
          keep ("Video codecs " + std::string (d.codecs_verb) + ", in order of preference, "
                "from: vp8, h264, vp9. Default: \"" + d.video_codecs + "\""),
          d.video_codecs, rw_ready));
  g_object_class_install_property (klass, GST_SIG_BASE_BIN_PROP_AUDIO_CODECS,
      g_param_spec_string ("audio-codecs", "Audio codecs",
          keep ("Audio codecs " + std::string (d.codecs_verb) + ", in order of preference, "
                "from: opus. Default: \"" + d.audio_codecs + "\""),
          d.audio_codecs, rw_ready));
  g_object_class_install_property (klass, GST_SIG_BASE_BIN_PROP_PEER_TIMEOUT,
      g_param_spec_uint ("peer-timeout", "Peer timeout", d.peer_timeout_blurb,
          d.peer_timeout_min_s, 3600, d.peer_timeout_s, rw_ready));
  g_object_class_install_property (klass, GST_SIG_BASE_BIN_PROP_STATS,
      g_param_spec_boxed ("stats", "Statistics", d.stats_blurb, GST_TYPE_STRUCTURE, ro));
  g_object_class_install_property (klass, GST_SIG_BASE_BIN_PROP_STATS_INTERVAL,
      g_param_spec_uint ("stats-interval", "Stats interval",
          keep ("Milliseconds between two collections of the statistics of each session "
                "(stats property, \"" + element + "-stats\" element messages, reports to the "
                "signalling server); 0 = never. Default: 1000"),
          0, 3600000, 1000, rw_ready));
  g_object_class_install_property (klass, GST_SIG_BASE_BIN_PROP_DIAGNOSTICS,
      g_param_spec_boolean ("diagnostics", "Diagnostics",
          "Put an rtpdiag element on every stream, and its figures into the statistics "
          "(field \"rtpdiag-<pad>\"). Default: false", FALSE, rw_ready));
}

void
gstsig::gst_sig_base_bin_set_property (GObject *object, guint prop_id, const GValue *value,
    GParamSpec *pspec)
{
  BaseBinState &st = state_of (object);
  if (prop_id == GST_SIG_BASE_BIN_PROP_URI) {
    st.slot->set_uri (g_value_get_string (value));
    return;
  }
  auto str = [value] () {
    return std::string (g_value_get_string (value) ? g_value_get_string (value) : "");
  };
  std::lock_guard<std::mutex> guard (st.lock);
  switch (prop_id) {
    case GST_SIG_BASE_BIN_PROP_STUN_SERVER: st.stun_server = str (); break;
    case GST_SIG_BASE_BIN_PROP_TURN_CA_FILE: st.turn_ca_file = str (); break;
    case GST_SIG_BASE_BIN_PROP_TURN_SERVERS: {
      st.turn_servers.clear ();
      for (guint i = 0; i < gst_value_array_get_size (value); i++) {
        const GValue *server = gst_value_array_get_value (value, i);
        if (G_VALUE_HOLDS_STRING (server) && g_value_get_string (server))
          st.turn_servers.emplace_back (g_value_get_string (server));
      }
      break;
    }
    case GST_SIG_BASE_BIN_PROP_VIDEO_CODECS: st.video_codecs = str (); break;
    case GST_SIG_BASE_BIN_PROP_AUDIO_CODECS: st.audio_codecs = str (); break;
    case GST_SIG_BASE_BIN_PROP_PEER_TIMEOUT: st.peer_timeout_s = g_value_get_uint (value); break;
    case GST_SIG_BASE_BIN_PROP_STATS_INTERVAL:
      st.stats_interval_ms = g_value_get_uint (value);
      break;
    case GST_SIG_BASE_BIN_PROP_DIAGNOSTICS: st.diagnostics = g_value_get_boolean (value); break;
    case GST_SIG_BASE_BIN_PROP_ICE_TRANSPORT_POLICY:
      st.relay_only = g_value_get_enum (value) == GST_WEBRTC_ICE_TRANSPORT_POLICY_RELAY;
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

void
gstsig::gst_sig_base_bin_get_property (GObject *object, guint prop_id, GValue *value,
    GParamSpec *pspec)
{
  BaseBinState &st = state_of (object);
  switch (prop_id) {
    case GST_SIG_BASE_BIN_PROP_URI: {
      std::string uri = st.slot->uri ();
      g_value_set_string (value, uri.empty () ? nullptr : uri.c_str ());
      return;
    }
    case GST_SIG_BASE_BIN_PROP_SIGNALLER: g_value_take_object (value, st.slot->dup ()); return;
    case GST_SIG_BASE_BIN_PROP_STATS: g_value_take_boxed (value, st.host->dup_stats ()); return;
    default: break;
  }
  std::lock_guard<std::mutex> guard (st.lock);
  switch (prop_id) {
    case GST_SIG_BASE_BIN_PROP_STUN_SERVER:
      g_value_set_string (value, st.stun_server.empty () ? nullptr : st.stun_server.c_str ());
      break;
    case GST_SIG_BASE_BIN_PROP_TURN_SERVERS:
      for (const auto &server : st.turn_servers) {
        GValue item = G_VALUE_INIT;
        g_value_init (&item, G_TYPE_STRING);
        g_value_set_string (&item, server.c_str ());
        gst_value_array_append_and_take_value (value, &item);
      }
      break;
    case GST_SIG_BASE_BIN_PROP_TURN_CA_FILE:
      g_value_set_string (value, st.turn_ca_file.empty () ? nullptr : st.turn_ca_file.c_str ());
      break;
    case GST_SIG_BASE_BIN_PROP_VIDEO_CODECS: g_value_set_string (value, st.video_codecs.c_str ()); break;
    case GST_SIG_BASE_BIN_PROP_AUDIO_CODECS: g_value_set_string (value, st.audio_codecs.c_str ()); break;
    case GST_SIG_BASE_BIN_PROP_PEER_TIMEOUT: g_value_set_uint (value, st.peer_timeout_s); break;
    case GST_SIG_BASE_BIN_PROP_STATS_INTERVAL: g_value_set_uint (value, st.stats_interval_ms); break;
    case GST_SIG_BASE_BIN_PROP_DIAGNOSTICS: g_value_set_boolean (value, st.diagnostics); break;
    case GST_SIG_BASE_BIN_PROP_ICE_TRANSPORT_POLICY:
      g_value_set_enum (value, st.relay_only ? GST_WEBRTC_ICE_TRANSPORT_POLICY_RELAY
                                             : GST_WEBRTC_ICE_TRANSPORT_POLICY_ALL);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

/* ---- what subclasses reach ---- */

void
gstsig::gst_sig_base_bin_init_sessions (GstSigBaseBin *self, std::unique_ptr<SessionHost> host,
    const BaseBinDefaults &defaults)
{
  BaseBinState &st = state_of (self);
  st.host = std::move (host);
  st.video_codecs = defaults.video_codecs;
  st.audio_codecs = defaults.audio_codecs;
  st.peer_timeout_s = defaults.peer_timeout_s;
}

gstsig::SessionHost &
gstsig::gst_sig_base_bin_sessions (GstSigBaseBin *self)
{
  return *state_of (self).host;
}

const BaseBinSettings &
gstsig::gst_sig_base_bin_settings (GstSigBaseBin *self)
{
  return state_of (self).prepared;
}

std::string
gstsig::gst_sig_base_bin_uri (GstSigBaseBin *self)
{
  return state_of (self).slot->uri ();
}

GstSigSignaller *
gstsig::gst_sig_base_bin_dup_signaller (GstSigBaseBin *self)
{
  return state_of (self).slot->dup ();
}

/* ---- GstChildProxy: the child "signaller", then the bin's children ---- */

static GObject *
child_by_index (GstChildProxy *proxy, guint index)
{
  return index == 0 ? G_OBJECT (state_of (proxy).slot->dup ()) : nullptr;
}

static GObject *
child_by_name (GstChildProxy *proxy, const gchar *name)
{
  if (g_strcmp0 (name, "signaller") == 0)
    return child_by_index (proxy, 0);
  GstElement *child = gst_bin_get_by_name (GST_BIN (proxy), name);
  return child ? G_OBJECT (child) : nullptr;
}

static guint
children_count (GstChildProxy *)
{
  return 1;
}

static void
gst_sig_base_bin_child_proxy_init (GstChildProxyInterface *iface)
{
  iface->get_child_by_index = child_by_index;
  iface->get_child_by_name = child_by_name;
  iface->get_children_count = children_count;
}

/* ---- GstURIHandler: the subclass' class says its type and protocols ---- */

static GstURIType
uri_get_type (GType type)
{
  auto klass = static_cast<GstSigBaseBinClass *> (g_type_class_peek (type));
  return klass ? klass->uri_type : GST_URI_UNKNOWN;
}

static const gchar *const *
uri_get_protocols (GType type)
{
  auto klass = static_cast<GstSigBaseBinClass *> (g_type_class_peek (type));
  return klass ? klass->uri_protocols : nullptr;
}

static gchar *
uri_get_uri (GstURIHandler *handler)
{
  std::string uri = state_of (handler).slot->uri ();
  return uri.empty () ? nullptr : g_strdup (uri.c_str ());
}

static gboolean
uri_set_uri (GstURIHandler *handler, const gchar *uri, GError **error)
{
  gstsig::SignallerSlot &slot = *state_of (handler).slot;
  slot.set_uri (uri);
  std::string uri_error = slot.uri_error ();
  if (!uri_error.empty ()) {
    g_set_error (error, GST_URI_ERROR, GST_URI_ERROR_BAD_URI, "%s", uri_error.c_str ());
    return FALSE;
  }
  return TRUE;
}

static void
gst_sig_base_bin_uri_handler_init (GstURIHandlerInterface *iface)
{
  iface->get_type = uri_get_type;
  iface->get_protocols = uri_get_protocols;
  iface->get_uri = uri_get_uri;
  iface->set_uri = uri_set_uri;
}

/* ---- messages ---- */

/* An error from inside one session's webrtcbin ends that session and
 * reaches the application as a warning (session-errors.h). Any thread. */
static void
gst_sig_base_bin_handle_message (GstBin *bin, GstMessage *message)
{
  std::string session;
  GstElement *webrtcbin = GST_MESSAGE_TYPE (message) == GST_MESSAGE_ERROR
      ? gstsig::session_webrtcbin_holding (bin, GST_MESSAGE_SRC (message), &session)
      : nullptr;
  if (webrtcbin) {
    std::string summary;
    GstMessage *warning =
        gstsig::session_error_as_warning (GST_ELEMENT (bin), message, session, &summary);
    GST_WARNING_OBJECT (bin, "Ending session %s: %s", session.c_str (), summary.c_str ());
    gst_message_unref (message);
    state_of (bin).host->end_later (session, webrtcbin, GST_SIG_SESSION_END_FAILED, summary);
    gst_object_unref (webrtcbin);
    gst_element_post_message (GST_ELEMENT (bin), warning);
    return;
  }
  GST_BIN_CLASS (parent_class)->handle_message (bin, message);
}

/* ---- GObject ---- */

static void
gst_sig_base_bin_finalize (GObject *object)
{
  BaseBinState *st = &state_of (object);
  st->host.reset ();
  st->slot.reset ();
  delete st;
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_sig_base_bin_class_init (GstSigBaseBinClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = gst_sig_base_bin_finalize;
  GST_ELEMENT_CLASS (klass)->change_state = gst_sig_base_bin_change_state;
  GST_BIN_CLASS (klass)->handle_message = gst_sig_base_bin_handle_message;
  klass->uri_type = GST_URI_UNKNOWN;
  GST_DEBUG_CATEGORY_INIT (gst_sig_base_bin_debug, "webrtcsignal-bin", 0,
      "gst-webrtcsignal: what webrtcsend and webrtcrecv share");
}

static void
gst_sig_base_bin_init (GstSigBaseBin *self)
{
  auto priv = static_cast<GstSigBaseBinPrivate *> (gst_sig_base_bin_get_instance_private (self));
  priv->state = new BaseBinState ();
  priv->state->slot = std::make_unique<gstsig::SignallerSlot> (GST_OBJECT (self));
}
