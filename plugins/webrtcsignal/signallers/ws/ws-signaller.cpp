/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "ws-signaller-private.h"

#include "context-thread.h"
#include "meta.h"
#include "protocol.h"
#include "sdp-utils.h"
#include "signaller.h"
#include "signaller-worker.h"

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include <chrono>
#include <cstring>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <utility>

GST_DEBUG_CATEGORY (ws_signaller_debug);
#define GST_CAT_DEFAULT ws_signaller_debug

enum { PROP_0, PROP_URI, PROP_CONNECT_TIMEOUT, PROP_AUTH_TOKEN, PROP_CA_FILE, PROP_INSECURE_TLS };

static void gst_sig_ws_signaller_iface_init (GstSigSignallerInterface *iface);

G_DEFINE_TYPE_WITH_CODE (GstSigWsSignaller, gst_sig_ws_signaller, GST_TYPE_OBJECT,
    G_IMPLEMENT_INTERFACE (GST_SIG_TYPE_SIGNALLER, gst_sig_ws_signaller_iface_init));

static void connect_to_server (GstSigWsSignaller *self);

/* ---- on the signaller thread ---- */

void
finish_start (GstSigWsSignaller *self, GError *error)
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

static bool
start_finished (GstSigWsSignaller *self)
{
  std::lock_guard<std::mutex> guard (self->priv->start_lock);
  return self->priv->start_done;
}

static void
send_text (GstSigWsSignaller *self, const std::string &text)
{
  auto priv = self->priv;
  if (!priv->conn ||
      soup_websocket_connection_get_state (priv->conn) != SOUP_WEBSOCKET_STATE_OPEN) {
    GST_WARNING_OBJECT (self, "Not connected; dropping message %.80s", text.c_str ());
    return;
  }
  GST_LOG_OBJECT (self, "-> %s", text.c_str ());
  soup_websocket_connection_send_text (priv->conn, text.c_str ());
}

void
send_message (GstSigWsSignaller *self, const proto::ClientMessage &msg)
{
  send_text (self, proto::to_json (msg));
}

static void
drop_connection (GstSigWsSignaller *self)
{
  auto priv = self->priv;
  if (priv->conn) {
    g_signal_handlers_disconnect_by_data (priv->conn, self);
    if (soup_websocket_connection_get_state (priv->conn) == SOUP_WEBSOCKET_STATE_OPEN)
      soup_websocket_connection_close (priv->conn, SOUP_WEBSOCKET_CLOSE_NORMAL, nullptr);
    g_clear_object (&priv->conn);
  }
  priv->registered = false;
}

static void
schedule_reconnect (GstSigWsSignaller *self)
{
  auto priv = self->priv;
  guint delay = priv->backoff_ms;
  priv->backoff_ms = MIN (priv->backoff_ms * 2, RECONNECT_MAX_MS);
  GST_WARNING_OBJECT (self, "Lost the signalling server; reconnecting in %u ms "
      "(sessions already flowing keep flowing)", delay);
  priv->reconnect_source = priv->worker.timeout (delay, [self] () {
    self->priv->reconnect_source = 0;
    connect_to_server (self);
    return false;
  });
}

static void
on_ws_closed (SoupWebsocketConnection *conn, gpointer user_data)
{
  auto self = GST_SIG_WS_SIGNALLER (user_data);
  auto priv = self->priv;
  GST_INFO_OBJECT (self, "Connection closed (code %u)",
      soup_websocket_connection_get_close_code (conn));
  drop_connection (self);
  if (priv->stopping)
    return;
  if (!start_finished (self)) {
    finish_start (self, g_error_new (GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_READ_WRITE,
        "The signalling server closed the connection before welcoming us"));
    return;
  }
  schedule_reconnect (self);
}

/* The URI for messages: a token in its query (?token=, which servers may
 * take instead of the header) is masked. */
std::string
uri_for_display (const std::string &uri)
{
  std::string out = uri;
  for (size_t pos = out.find ("token="); pos != std::string::npos;
       pos = out.find ("token=", pos + 1)) {
    if (pos > 0 && out[pos - 1] != '?' && out[pos - 1] != '&')
      continue;
    size_t start = pos + strlen ("token="), end = out.find_first_of ("&#", start);
    out.replace (start, end == std::string::npos ? std::string::npos : end - start, "***");
  }
  return out;
}

/* Why the WebSocket upgrade failed, for a user. *retry: whether trying
 * again later may help (not for a refused token or certificate). */
static GError *
connect_error (GstSigWsSignaller *self, const gstsig::WsClientFailure &failure, bool *retry)
{
  auto priv = self->priv;
  std::string uri;
  {
    std::lock_guard<std::mutex> guard (priv->lock);
    uri = uri_for_display (priv->uri);
  }
  *retry = false;
  guint status = failure.status;
  const char *reason = failure.reason.c_str ();
  if (status == SOUP_STATUS_UNAUTHORIZED || status == SOUP_STATUS_FORBIDDEN) {
    GST_DEBUG_OBJECT (self, "Upgrade refused: %u %s", status, reason);
    if (priv->token.empty ())
      return g_error_new (GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NOT_AUTHORIZED,
          "The signalling server at %s needs a token (HTTP %u %s). Set signaller::auth-token="
          "TOKEN (sent as \"Authorization: Bearer TOKEN\").", uri.c_str (), status, reason);
    return g_error_new (GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NOT_AUTHORIZED,
        "The signalling server at %s refused our token (HTTP %u %s). Check "
        "signaller::auth-token.", uri.c_str (), status, reason);
  }
  const GError *error = failure.error;
  if (!failure.tls_problem.empty ())
    return g_error_new (G_TLS_ERROR,
        error && error->domain == G_TLS_ERROR ? error->code : G_TLS_ERROR_BAD_CERTIFICATE, "%s",
        failure.tls_problem.c_str ());
  *retry = true;
  if (status >= 300)
    return g_error_new (GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_READ_WRITE,
        "The signalling server at %s refused the WebSocket connection (HTTP %u %s). Is this the "
        "address of a signalling server (e.g. gst-webrtc-serve)?", uri.c_str (), status, reason);
  return g_error_new (GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_READ_WRITE,
      "Could not connect to the signalling server at %s: %s. Is the server (e.g. "
      "gst-webrtc-serve) running there?", uri.c_str (), error ? error->message : "unknown error");
}

/* The connection failed on its own (a read error: e.g. a message that never
 * ends); "closed" follows and reconnects. */
static void
on_ws_error (SoupWebsocketConnection *, GError *error, gpointer user_data)
{
  warn_about_server (GST_SIG_WS_SIGNALLER (user_data),
      std::string ("was cut off: ") + error->message + "; connecting again");
}

static void
on_connected (GstSigWsSignaller *self, SoupWebsocketConnection *conn,
    const gstsig::WsClientFailure &failure)
{
  auto priv = self->priv;
  g_clear_object (&priv->connecting);
  if (!conn) {
    const GError *error = failure.error;
    if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || priv->stopping)
      return;
    bool retry = false;
    GError *reported = connect_error (self, failure, &retry);
    GST_DEBUG_OBJECT (self, "Connecting failed: %s", error ? error->message : "?");
    if (!start_finished (self)) {
      finish_start (self, reported);
    } else if (retry) {
      GST_DEBUG_OBJECT (self, "Reconnect failed: %s", reported->message);
      g_error_free (reported);
      schedule_reconnect (self);
    } else {
      /* Trying again would meet the same refusal. */
      gst_sig_signaller_emit_error (GST_SIG_SIGNALLER (self), reported);
      g_error_free (reported);
    }
    return;
  }
  priv->conn = conn;
  g_object_set (conn, "keepalive-interval", 20u, nullptr);
  g_signal_connect (conn, "message", G_CALLBACK (on_ws_message), self);
  g_signal_connect (conn, "error", G_CALLBACK (on_ws_error), self);
  g_signal_connect (conn, "closed", G_CALLBACK (on_ws_closed), self);
  GST_INFO_OBJECT (self, "Connected to the signalling server");
}

static void
connect_to_server (GstSigWsSignaller *self)
{
  auto priv = self->priv;
  std::string uri;
  {
    std::lock_guard<std::mutex> guard (priv->lock);
    uri = priv->uri;
  }
  if (g_str_has_prefix (uri.c_str (), "webrtc+"))
    uri = uri.substr (strlen ("webrtc+"));
  gstsig::WsClientOptions options;
  options.uri = uri;
  options.shown_uri = uri_for_display (uri);
  options.bearer_token = priv->token;
  options.tls = priv->tls;
  options.max_message_bytes = proto::MAX_SERVER_MESSAGE_BYTES;
  priv->connecting = g_cancellable_new ();
  g_object_ref (self);
  gstsig::ws_client_connect (options, priv->connecting,
      [self] (SoupWebsocketConnection *conn, const gstsig::WsClientFailure &failure) {
        on_connected (self, conn, failure);
        g_object_unref (self);
      });
}

/* ---- the interface, called from element threads ---- */

static gboolean
ws_start (GstSigSignaller *signaller, const GstSigSignallerSettings *settings, GError **error)
{
  auto self = GST_SIG_WS_SIGNALLER (signaller);
  auto priv = self->priv;
  std::string uri, token, ca_file;
  guint timeout_s;
  bool insecure;
  {
    std::lock_guard<std::mutex> guard (priv->lock);
    uri = priv->uri;
    timeout_s = priv->connect_timeout_s;
    token = priv->auth_token;
    ca_file = priv->ca_file;
    insecure = priv->insecure_tls;
  }
  gstsig::tls::ClientTls tls;
  tls.set_insecure_warning ([self] (const std::string &warning) {
    gstsig::tls::warn_through_parent (GST_OBJECT (self), warning);
  });
  GError *tls_error = nullptr;
  if (!tls.configure (ca_file, insecure,
          { "signaller::ca-file=PATH", "signaller::insecure-tls=true" }, &tls_error)) {
    g_set_error_literal (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
        tls_error->message);
    g_error_free (tls_error);
    return FALSE;
  }
  /* soup_message_new() accepts http(s) only for WebSocket too; map ws(s). */
  g_autoptr (GUri) parsed = g_uri_parse (uri.c_str (), G_URI_FLAGS_NONE, nullptr);
  if (!parsed || !g_uri_get_host (parsed) || !*g_uri_get_host (parsed)) {
    g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
        "'%s' is not a valid WebSocket URI; expected ws://HOST:PORT/ or wss://HOST:PORT/",
        uri.c_str ());
    return FALSE;
  }
  {
    std::lock_guard<std::mutex> guard (priv->start_lock);
    priv->start_done = false;
    g_clear_error (&priv->start_error);
  }
  std::string wanted_producer;
  {
    const char *query = g_uri_get_query (parsed);
    g_autoptr (GHashTable) params = query ? g_uri_parse_params (query, -1, "&", G_URI_PARAMS_NONE,
        nullptr) : nullptr;
    const char *producer = params ? (const char *) g_hash_table_lookup (params, "producer") : nullptr;
    wanted_producer = producer ? producer : "";
  }
  bool consumer = settings->role == GST_SIG_SIGNALLER_ROLE_CONSUMER;
  std::string meta_json = gstsig::structure_to_json (settings->meta);
  priv->worker.start ();
  priv->worker.post ([self, wanted_producer, consumer, meta_json, tls, token] () {
    auto priv = self->priv;
    priv->tls = tls;
    priv->token = token;
    priv->consumer = consumer;
    priv->meta_json = meta_json;
    priv->wanted_producer = wanted_producer;
    priv->session_requested = false;
    priv->stopping = false;
    priv->backoff_ms = RECONNECT_MIN_MS;
    connect_to_server (self);
  });

  GError *start_error = nullptr;
  bool done;
  {
    std::unique_lock<std::mutex> guard (priv->start_lock);
    done = priv->start_cond.wait_for (guard, std::chrono::seconds (timeout_s),
        [priv] { return priv->start_done; });
    start_error = std::exchange (priv->start_error, nullptr);
    priv->start_done = true; /* late results are dropped */
  }
  if (done && !start_error)
    return TRUE;
  if (!start_error)
    start_error = g_error_new (GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_READ_WRITE,
        "The signalling server at %s did not answer within %u s", uri.c_str (), timeout_s);
  g_propagate_error (error, start_error);
  gst_sig_signaller_stop (signaller);
  return FALSE;
}

static void
ws_stop (GstSigSignaller *signaller)
{
  auto self = GST_SIG_WS_SIGNALLER (signaller);
  auto priv = self->priv;
  priv->worker.stop ([self] () {
    auto priv = self->priv;
    priv->stopping = true;
    priv->worker.cancel (priv->reconnect_source);
    priv->reconnect_source = 0;
    if (priv->connecting)
      g_cancellable_cancel (priv->connecting);
    for (const auto &session_id : priv->sessions)
      send_message (self, proto::EndSession { session_id });
    priv->sessions.clear ();
    drop_connection (self);
  });
}

static void
ws_send_sdp (GstSigSignaller *signaller, const gchar *session_id,
    const GstWebRTCSessionDescription *desc)
{
  auto self = GST_SIG_WS_SIGNALLER (signaller);
  if (!self->priv->worker.running ())
    return;
  proto::PeerMessage msg;
  msg.session_id = session_id;
  msg.sdp = proto::SessionDescription {
    desc->type == GST_WEBRTC_SDP_TYPE_OFFER ? "offer" : "answer",
    gstsig::session_description_to_text (desc) };
  std::string text = proto::to_json (proto::ClientMessage (msg));
  self->priv->worker.post ([self, text] () { send_text (self, text); });
}

static void
ws_add_ice (GstSigSignaller *signaller, const gchar *session_id, const gchar *candidate,
    guint sdp_m_line_index, const gchar *sdp_mid)
{
  auto self = GST_SIG_WS_SIGNALLER (signaller);
  if (!self->priv->worker.running ())
    return;
  proto::PeerMessage msg;
  msg.session_id = session_id;
  msg.ice = proto::IceCandidate { candidate ? candidate : "", sdp_m_line_index, std::nullopt };
  std::string text = proto::to_json (proto::ClientMessage (msg));
  self->priv->worker.post ([self, text] () { send_text (self, text); });
}

static void
ws_end_session (GstSigSignaller *signaller, const gchar *session_id, GstSigSessionEnd reason)
{
  auto self = GST_SIG_WS_SIGNALLER (signaller);
  std::string id = session_id;
  GST_DEBUG_OBJECT (self, "Ending session %s: %s", id.c_str (),
      gst_sig_session_end_to_string (reason));
  self->priv->worker.post ([self, id] () {
    if (self->priv->sessions.erase (id))
      send_message (self, proto::EndSession { id });
  });
}

/* Our protocol addition (gst-plugins-rs servers drop it):
 * {"type":"stats","sessionId":"...","stats":{...}}. */
static void
ws_send_stats (GstSigSignaller *signaller, const gchar *session_id, const GstStructure *stats)
{
  auto self = GST_SIG_WS_SIGNALLER (signaller);
  if (!self->priv->worker.running ())
    return;
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "type");
  json_builder_add_string_value (builder, "stats");
  json_builder_set_member_name (builder, "sessionId");
  if (session_id)
    json_builder_add_string_value (builder, session_id);
  else
    json_builder_add_null_value (builder);
  json_builder_set_member_name (builder, "stats");
  g_autoptr (JsonNode) figures = json_from_string (gstsig::structure_to_json (stats).c_str (),
      nullptr);
  json_builder_add_value (builder, figures ? json_node_copy (figures) : json_node_new (JSON_NODE_NULL));
  json_builder_end_object (builder);
  g_autoptr (JsonNode) root = json_builder_get_root (builder);
  g_autofree gchar *text = json_to_string (root, FALSE);
  std::string message = text;
  self->priv->worker.post ([self, message] () {
    if (self->priv->registered)
      send_text (self, message);
  });
}

static void
gst_sig_ws_signaller_iface_init (GstSigSignallerInterface *iface)
{
  iface->start = ws_start;
  iface->stop = ws_stop;
  iface->send_sdp = ws_send_sdp;
  iface->add_ice = ws_add_ice;
  iface->end_session = ws_end_session;
  iface->send_stats = ws_send_stats;
}

/* ---- GObject ---- */

static void
gst_sig_ws_signaller_set_property (GObject *object, guint prop_id, const GValue *value,
    GParamSpec *pspec)
{
  auto self = GST_SIG_WS_SIGNALLER (object);
  std::lock_guard<std::mutex> guard (self->priv->lock);
  switch (prop_id) {
    case PROP_URI:
      self->priv->uri = g_value_get_string (value) ? g_value_get_string (value) : "";
      break;
    case PROP_CONNECT_TIMEOUT:
      self->priv->connect_timeout_s = g_value_get_uint (value);
      break;
    case PROP_AUTH_TOKEN:
      self->priv->auth_token = g_value_get_string (value) ? g_value_get_string (value) : "";
      break;
    case PROP_CA_FILE:
      self->priv->ca_file = g_value_get_string (value) ? g_value_get_string (value) : "";
      break;
    case PROP_INSECURE_TLS:
      self->priv->insecure_tls = g_value_get_boolean (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
gst_sig_ws_signaller_get_property (GObject *object, guint prop_id, GValue *value,
    GParamSpec *pspec)
{
  auto self = GST_SIG_WS_SIGNALLER (object);
  std::lock_guard<std::mutex> guard (self->priv->lock);
  switch (prop_id) {
    case PROP_URI:
      g_value_set_string (value, self->priv->uri.c_str ());
      break;
    case PROP_CONNECT_TIMEOUT:
      g_value_set_uint (value, self->priv->connect_timeout_s);
      break;
    case PROP_AUTH_TOKEN:
      g_value_set_string (value,
          self->priv->auth_token.empty () ? nullptr : self->priv->auth_token.c_str ());
      break;
    case PROP_CA_FILE:
      g_value_set_string (value, self->priv->ca_file.empty () ? nullptr : self->priv->ca_file.c_str ());
      break;
    case PROP_INSECURE_TLS:
      g_value_set_boolean (value, self->priv->insecure_tls);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
gst_sig_ws_signaller_finalize (GObject *object)
{
  auto self = GST_SIG_WS_SIGNALLER (object);
  ws_stop (GST_SIG_SIGNALLER (self));
  g_clear_error (&self->priv->start_error);
  delete self->priv;
  G_OBJECT_CLASS (gst_sig_ws_signaller_parent_class)->finalize (object);
}

static void
gst_sig_ws_signaller_class_init (GstSigWsSignallerClass *klass)
{
  auto gobject_class = G_OBJECT_CLASS (klass);
  gobject_class->set_property = gst_sig_ws_signaller_set_property;
  gobject_class->get_property = gst_sig_ws_signaller_get_property;
  gobject_class->finalize = gst_sig_ws_signaller_finalize;

  g_object_class_override_property (gobject_class, PROP_URI, "uri");
  g_object_class_install_property (gobject_class, PROP_CONNECT_TIMEOUT,
      g_param_spec_uint ("connect-timeout", "Connect timeout",
          "Seconds to wait for the signalling server's welcome when starting (default: 10)", 1,
          300, DEFAULT_CONNECT_TIMEOUT_S,
          (GParamFlags) (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS)));
  g_object_class_install_property (gobject_class, PROP_AUTH_TOKEN,
      g_param_spec_string ("auth-token", "Auth token",
          "Token sent as \"Authorization: Bearer TOKEN\" with the WebSocket upgrade, for a "
          "server that requires one (gst-webrtc-serve --token); never logged. A server's 401/403 "
          "is a NOT_AUTHORIZED error. Default: none",
          nullptr, (GParamFlags) (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS)));
  g_object_class_install_property (gobject_class, PROP_CA_FILE,
      g_param_spec_string ("ca-file", "CA file",
          "wss:// only: PEM file of the certificates to trust instead of the system's CAs: the "
          "server's own certificate (e.g. one gst-webrtc-serve made) or the CA that signed it. "
          "Default: none (the system's CAs)",
          nullptr, (GParamFlags) (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS)));
  g_object_class_install_property (gobject_class, PROP_INSECURE_TLS,
      g_param_spec_boolean ("insecure-tls", "Insecure TLS",
          "wss:// only: accept any server certificate, unchecked (a self-signed test server); "
          "posts a warning. Anyone on the path can then read and change the signalling. "
          "Default: false",
          FALSE, (GParamFlags) (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS)));

  GST_DEBUG_CATEGORY_INIT (ws_signaller_debug, "webrtcsignal-ws", 0,
      "WebSocket signaller of gst-webrtcsignal");
}

static void
gst_sig_ws_signaller_init (GstSigWsSignaller *self)
{
  self->priv = new GstSigWsSignallerPrivate ();
}
