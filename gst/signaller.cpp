/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "signaller.h"

#include <map>
#include <mutex>
#include <string>

G_DEFINE_INTERFACE (GstSigSignaller, gst_sig_signaller, G_TYPE_OBJECT)

enum {
  SIGNAL_SESSION_REQUESTED,
  SIGNAL_SESSION_STARTED,
  SIGNAL_SESSION_DESCRIPTION,
  SIGNAL_HANDLE_ICE,
  SIGNAL_SESSION_ENDED,
  SIGNAL_ICE_SERVERS,
  SIGNAL_ERROR,
  SIGNAL_WARNING,
  N_SIGNALS
};
static guint signals[N_SIGNALS];

static void
gst_sig_signaller_default_init (GstSigSignallerInterface *iface)
{
  g_object_interface_install_property (iface,
      g_param_spec_string ("uri", "URI", "Where the signaller connects or listens",
          nullptr, (GParamFlags) (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS)));

  GType type = G_TYPE_FROM_INTERFACE (iface);
  signals[SIGNAL_SESSION_REQUESTED] = g_signal_new ("session-requested", type,
      G_SIGNAL_RUN_LAST, 0, nullptr, nullptr, nullptr, G_TYPE_NONE, 3, G_TYPE_STRING,
      G_TYPE_STRING, GST_TYPE_WEBRTC_SESSION_DESCRIPTION);
  signals[SIGNAL_SESSION_STARTED] = g_signal_new ("session-started", type, G_SIGNAL_RUN_LAST, 0,
      nullptr, nullptr, nullptr, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);
  signals[SIGNAL_SESSION_DESCRIPTION] = g_signal_new ("session-description", type,
      G_SIGNAL_RUN_LAST, 0, nullptr, nullptr, nullptr, G_TYPE_NONE, 2, G_TYPE_STRING,
      GST_TYPE_WEBRTC_SESSION_DESCRIPTION);
  signals[SIGNAL_HANDLE_ICE] = g_signal_new ("handle-ice", type, G_SIGNAL_RUN_LAST, 0, nullptr,
      nullptr, nullptr, G_TYPE_NONE, 4, G_TYPE_STRING, G_TYPE_UINT, G_TYPE_STRING, G_TYPE_STRING);
  signals[SIGNAL_SESSION_ENDED] = g_signal_new ("session-ended", type, G_SIGNAL_RUN_LAST, 0,
      nullptr, nullptr, nullptr, G_TYPE_NONE, 1, G_TYPE_STRING);
  signals[SIGNAL_ICE_SERVERS] = g_signal_new ("ice-servers", type, G_SIGNAL_RUN_LAST, 0,
      nullptr, nullptr, nullptr, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRV);
  signals[SIGNAL_ERROR] = g_signal_new ("error", type, G_SIGNAL_RUN_LAST, 0, nullptr, nullptr,
      nullptr, G_TYPE_NONE, 1, G_TYPE_ERROR);
  signals[SIGNAL_WARNING] = g_signal_new ("warning", type, G_SIGNAL_RUN_LAST, 0, nullptr,
      nullptr, nullptr, G_TYPE_NONE, 1, G_TYPE_ERROR);
}

const gchar *
gst_sig_session_end_to_string (GstSigSessionEnd reason)
{
  switch (reason) {
    case GST_SIG_SESSION_END_STOPPING: return "the element is stopping";
    case GST_SIG_SESSION_END_END_OF_STREAM: return "end of stream";
    case GST_SIG_SESSION_END_BUSY: return "refused: the session limit is reached";
    case GST_SIG_SESSION_END_REFUSED: return "refused";
    case GST_SIG_SESSION_END_PEER_GONE: return "the peer is gone";
    case GST_SIG_SESSION_END_FAILED: return "negotiation failed";
    case GST_SIG_SESSION_END_INPUT_RELEASED: return "its input was released";
  }
  return "unknown";
}

/* ---- settings ---- */

GstSigSignallerSettings *
gst_sig_signaller_settings_new (void)
{
  return g_new0 (GstSigSignallerSettings, 1);
}

GstSigSignallerSettings *
gst_sig_signaller_settings_copy (const GstSigSignallerSettings *s)
{
  g_return_val_if_fail (s != nullptr, nullptr);
  GstSigSignallerSettings *copy = gst_sig_signaller_settings_new ();
  copy->role = s->role;
  copy->stun_server = g_strdup (s->stun_server);
  copy->turn_servers = g_strdupv (s->turn_servers);
  copy->video_codecs = g_strdupv (s->video_codecs);
  copy->audio_codecs = g_strdupv (s->audio_codecs);
  copy->max_sessions = s->max_sessions;
  copy->meta = s->meta ? gst_structure_copy (s->meta) : nullptr;
  return copy;
}

void
gst_sig_signaller_settings_free (GstSigSignallerSettings *s)
{
  if (!s)
    return;
  g_free (s->stun_server);
  g_strfreev (s->turn_servers);
  g_strfreev (s->video_codecs);
  g_strfreev (s->audio_codecs);
  if (s->meta)
    gst_structure_free (s->meta);
  g_free (s);
}

G_DEFINE_BOXED_TYPE (GstSigSignallerSettings, gst_sig_signaller_settings,
    gst_sig_signaller_settings_copy, gst_sig_signaller_settings_free)

/* ---- calls into the signaller ---- */

gboolean
gst_sig_signaller_start (GstSigSignaller *self, const GstSigSignallerSettings *settings,
    GError **error)
{
  g_return_val_if_fail (GST_SIG_IS_SIGNALLER (self), FALSE);
  g_return_val_if_fail (settings != nullptr, FALSE);
  auto iface = GST_SIG_SIGNALLER_GET_IFACE (self);
  return iface->start ? iface->start (self, settings, error) : TRUE;
}

void
gst_sig_signaller_get_capabilities (GstSigSignaller *self, GstSigSignallerCapabilities *caps)
{
  g_return_if_fail (GST_SIG_IS_SIGNALLER (self));
  g_return_if_fail (caps != nullptr);
  *caps = GstSigSignallerCapabilities ();
  auto iface = GST_SIG_SIGNALLER_GET_IFACE (self);
  if (iface->get_capabilities)
    iface->get_capabilities (self, caps);
}

void
gst_sig_signaller_stop (GstSigSignaller *self)
{
  g_return_if_fail (GST_SIG_IS_SIGNALLER (self));
  auto iface = GST_SIG_SIGNALLER_GET_IFACE (self);
  if (iface->stop)
    iface->stop (self);
}

void
gst_sig_signaller_send_sdp (GstSigSignaller *self, const gchar *session_id,
    const GstWebRTCSessionDescription *desc)
{
  g_return_if_fail (GST_SIG_IS_SIGNALLER (self));
  GST_SIG_SIGNALLER_GET_IFACE (self)->send_sdp (self, session_id, desc);
}

void
gst_sig_signaller_add_ice (GstSigSignaller *self, const gchar *session_id,
    const gchar *candidate, guint sdp_m_line_index, const gchar *sdp_mid)
{
  g_return_if_fail (GST_SIG_IS_SIGNALLER (self));
  GST_SIG_SIGNALLER_GET_IFACE (self)->add_ice (self, session_id, candidate, sdp_m_line_index,
      sdp_mid);
}

void
gst_sig_signaller_end_session (GstSigSignaller *self, const gchar *session_id,
    GstSigSessionEnd reason)
{
  g_return_if_fail (GST_SIG_IS_SIGNALLER (self));
  auto iface = GST_SIG_SIGNALLER_GET_IFACE (self);
  if (iface->end_session)
    iface->end_session (self, session_id, reason);
}

void
gst_sig_signaller_send_stats (GstSigSignaller *self, const gchar *session_id,
    const GstStructure *stats)
{
  g_return_if_fail (GST_SIG_IS_SIGNALLER (self));
  auto iface = GST_SIG_SIGNALLER_GET_IFACE (self);
  if (iface->send_stats)
    iface->send_stats (self, session_id, stats);
}

void
gst_sig_signaller_emit_session_requested (GstSigSignaller *self, const gchar *session_id,
    const gchar *peer_id, const GstWebRTCSessionDescription *offer)
{
  g_signal_emit (self, signals[SIGNAL_SESSION_REQUESTED], 0, session_id, peer_id, offer);
}

void
gst_sig_signaller_emit_session_started (GstSigSignaller *self, const gchar *session_id,
    const gchar *peer_id)
{
  g_signal_emit (self, signals[SIGNAL_SESSION_STARTED], 0, session_id, peer_id);
}

void
gst_sig_signaller_emit_session_description (GstSigSignaller *self, const gchar *session_id,
    const GstWebRTCSessionDescription *desc)
{
  g_signal_emit (self, signals[SIGNAL_SESSION_DESCRIPTION], 0, session_id, desc);
}

void
gst_sig_signaller_emit_handle_ice (GstSigSignaller *self, const gchar *session_id,
    guint sdp_m_line_index, const gchar *sdp_mid, const gchar *candidate)
{
  g_signal_emit (self, signals[SIGNAL_HANDLE_ICE], 0, session_id, sdp_m_line_index, sdp_mid,
      candidate);
}

void
gst_sig_signaller_emit_session_ended (GstSigSignaller *self, const gchar *session_id)
{
  g_signal_emit (self, signals[SIGNAL_SESSION_ENDED], 0, session_id);
}

void
gst_sig_signaller_emit_ice_servers (GstSigSignaller *self, const gchar *session_id,
    const gchar *const *uris)
{
  g_signal_emit (self, signals[SIGNAL_ICE_SERVERS], 0, session_id, uris);
}

void
gst_sig_signaller_emit_error (GstSigSignaller *self, const GError *error)
{
  g_signal_emit (self, signals[SIGNAL_ERROR], 0, error);
}

void
gst_sig_signaller_emit_warning (GstSigSignaller *self, const GError *warning)
{
  g_signal_emit (self, signals[SIGNAL_WARNING], 0, warning);
}

/* ---- registry ---- */

namespace {

std::mutex registry_lock; /* guards registry() */

std::map<std::string, GType> &
registry ()
{
  static std::map<std::string, GType> schemes;
  return schemes;
}

} // namespace

void
gst_sig_signaller_register_scheme (const gchar *scheme, GType type)
{
  g_return_if_fail (scheme != nullptr);
  g_return_if_fail (g_type_is_a (type, GST_SIG_TYPE_SIGNALLER));
  g_autofree gchar *lower = g_ascii_strdown (scheme, -1);
  std::lock_guard<std::mutex> guard (registry_lock);
  registry ()[lower] = type;
}

GstSigSignaller *
gst_sig_signaller_new_for_uri (const gchar *uri, GError **error)
{
  g_autofree gchar *scheme = uri ? g_uri_parse_scheme (uri) : nullptr;
  if (!scheme) {
    g_set_error (error, GST_URI_ERROR, GST_URI_ERROR_BAD_URI,
        "'%s' is not a URI; use e.g. ws://HOST:PORT", uri ? uri : "(none)");
    return nullptr;
  }
  g_autofree gchar *lower = g_ascii_strdown (scheme, -1);
  GType type = G_TYPE_INVALID;
  {
    std::lock_guard<std::mutex> guard (registry_lock);
    auto it = registry ().find (lower);
    if (it != registry ().end ())
      type = it->second;
  }
  if (type == G_TYPE_INVALID) {
    g_auto (GStrv) known = gst_sig_signaller_dup_schemes ();
    g_autofree gchar *list = g_strjoinv ("://, ", known);
    g_set_error (error, GST_URI_ERROR, GST_URI_ERROR_UNSUPPORTED_PROTOCOL,
        "No signaller for URI scheme '%s' (in '%s'); known schemes: %s%s", scheme, uri, list,
        known[0] ? "://" : "");
    return nullptr;
  }
  /* A plain (not floating) reference, whatever the implementation derives
   * from (GstObject is initially floating, GObject is not). */
  GObject *signaller = G_OBJECT (g_object_new (type, "uri", uri, nullptr));
  if (g_object_is_floating (signaller))
    g_object_ref_sink (signaller);
  return GST_SIG_SIGNALLER (signaller);
}

gchar **
gst_sig_signaller_dup_schemes (void)
{
  std::lock_guard<std::mutex> guard (registry_lock);
  GStrvBuilder *builder = g_strv_builder_new ();
  for (const auto &entry : registry ())
    g_strv_builder_add (builder, entry.first.c_str ());
  gchar **result = g_strv_builder_end (builder);
  g_strv_builder_unref (builder);
  return result;
}
