/* plain-signalling: see plain-signalling.h.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "plain-signalling.h"

#include <glib-unix.h>
#include <gst/sdp/sdp.h>
#include <libsoup/soup.h>
#include <stdio.h>

static const char *program = "plain";
static gint64 t0;
static GMainLoop *loop;
static SoupWebsocketConnection *ws;
static void (*welcome_cb) (void);
static PlainMessageFunc message_cb;
static void (*stop_cb) (void);
static int status;

void
plain_init (const char *name)
{
  program = name;
  t0 = g_get_monotonic_time ();
  loop = g_main_loop_new (NULL, FALSE);
}

void
plain_note (const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  char *s = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  fprintf (stderr, "%s: [%.3f s] %s\n", program, (g_get_monotonic_time () - t0) / 1e6, s);
  g_free (s);
}

void
plain_quit (void)
{
  g_main_loop_quit (loop);
}

/* ------------------------------------------------------------ signalling */

static gboolean
send_on_main (gpointer text)
{
  if (ws && soup_websocket_connection_get_state (ws) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_send_text (ws, text);
  return G_SOURCE_REMOVE;
}

void
plain_send_json (JsonBuilder *b)
{
  JsonNode *root = json_builder_get_root (b);
  char *text = json_to_string (root, FALSE);
  json_node_unref (root);
  g_object_unref (b);
  /* libsoup lives on the main context. */
  g_main_context_invoke_full (NULL, G_PRIORITY_DEFAULT, send_on_main, text, g_free);
}

void
plain_send_peer_status (const char *role, const char *name)
{
  JsonBuilder *b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, "setPeerStatus");
  json_builder_set_member_name (b, "roles");
  json_builder_begin_array (b);
  if (role)
    json_builder_add_string_value (b, role);
  json_builder_end_array (b);
  if (name) {
    json_builder_set_member_name (b, "meta");
    json_builder_begin_object (b);
    json_builder_set_member_name (b, "name");
    json_builder_add_string_value (b, name);
    json_builder_end_object (b);
  }
  json_builder_end_object (b);
  plain_send_json (b);
}

JsonBuilder *
plain_peer_message (const char *session_id)
{
  JsonBuilder *b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, "peer");
  json_builder_set_member_name (b, "sessionId");
  json_builder_add_string_value (b, session_id);
  return b;
}

/* -------------------------------------------------------------- sessions */

static void
on_ice_candidate (GstElement *webrtc, guint mline, const char *candidate, PlainSession *s)
{
  JsonBuilder *b = plain_peer_message (s->id);
  json_builder_set_member_name (b, "ice");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "candidate");
  json_builder_add_string_value (b, candidate);
  json_builder_set_member_name (b, "sdpMLineIndex");
  json_builder_add_int_value (b, mline);
  json_builder_end_object (b);
  json_builder_end_object (b);
  plain_send_json (b);
}

void
plain_session_init (PlainSession *s)
{
  GstWebRTCICE *agent = NULL;
  gboolean ok = FALSE;
  g_object_get (s->webrtc, "ice-agent", &agent, NULL);
  if (agent) {
    g_signal_emit_by_name (agent, "add-local-ip-address", "127.0.0.1", &ok);
    gst_object_unref (agent);
  }
  if (!ok)
    plain_note ("session %s: could not add 127.0.0.1 to the ICE agent", s->id);
  g_signal_connect (s->webrtc, "on-ice-candidate", G_CALLBACK (on_ice_candidate), s);
}

void
plain_session_clear (PlainSession *s)
{
  g_signal_handlers_disconnect_by_data (s->webrtc, s);
}

static void
on_description_created (GstPromise *promise, gpointer data)
{
  PlainSession *s = data;
  const char *kind = g_object_get_data (G_OBJECT (s->webrtc), "plain-describing");
  GstWebRTCSessionDescription *desc = NULL;
  const GstStructure *reply = gst_promise_get_reply (promise);
  if (reply)
    gst_structure_get (reply, kind, GST_TYPE_WEBRTC_SESSION_DESCRIPTION, &desc, NULL);
  gst_promise_unref (promise);
  if (!desc) {
    plain_note ("session %s: create-%s failed", s->id, kind);
    return;
  }
  g_signal_emit_by_name (s->webrtc, "set-local-description", desc, NULL);
  char *sdp = gst_sdp_message_as_text (desc->sdp);
  JsonBuilder *b = plain_peer_message (s->id);
  json_builder_set_member_name (b, "sdp");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, kind);
  json_builder_set_member_name (b, "sdp");
  json_builder_add_string_value (b, sdp);
  json_builder_end_object (b);
  json_builder_end_object (b);
  plain_send_json (b);
  plain_note ("session %s: %s sent", s->id, kind);
  g_free (sdp);
  gst_webrtc_session_description_free (desc);
}

void
plain_session_describe (PlainSession *s, gboolean offer)
{
  const char *kind = offer ? "offer" : "answer";
  g_object_set_data (G_OBJECT (s->webrtc), "plain-describing", (gpointer) kind);
  GstPromise *promise = gst_promise_new_with_change_func (on_description_created, s, NULL);
  g_signal_emit_by_name (s->webrtc, offer ? "create-offer" : "create-answer", NULL, promise);
}

static JsonObject *
object_member (JsonObject *o, const char *name)
{
  JsonNode *n = json_object_get_member (o, name);
  return n && JSON_NODE_HOLDS_OBJECT (n) ? json_node_get_object (n) : NULL;
}

gboolean
plain_session_handle_peer (PlainSession *s, JsonObject *msg, GstWebRTCSDPType expected)
{
  JsonObject *ice = object_member (msg, "ice");
  if (ice) {
    const char *cand = json_object_get_string_member_with_default (ice, "candidate", "");
    gint64 mline = json_object_get_int_member_with_default (ice, "sdpMLineIndex", 0);
    if (*cand)
      g_signal_emit_by_name (s->webrtc, "add-ice-candidate", (guint) mline, cand);
    return FALSE;
  }
  JsonObject *sdp = object_member (msg, "sdp");
  if (!sdp)
    return FALSE;
  const char *type = json_object_get_string_member_with_default (sdp, "type", "");
  const char *text = json_object_get_string_member_with_default (sdp, "sdp", "");
  GstSDPMessage *sdpmsg = NULL;
  if (g_strcmp0 (type, gst_webrtc_sdp_type_to_string (expected)) != 0 ||
      gst_sdp_message_new_from_text (text, &sdpmsg) != GST_SDP_OK) {
    plain_note ("session %s: ignoring a remote %s", s->id, type);
    if (sdpmsg)
      gst_sdp_message_free (sdpmsg);
    return FALSE;
  }
  GstWebRTCSessionDescription *desc = gst_webrtc_session_description_new (expected, sdpmsg);
  g_signal_emit_by_name (s->webrtc, "set-remote-description", desc, NULL);
  gst_webrtc_session_description_free (desc);
  plain_note ("session %s: %s set", s->id, type);
  return TRUE;
}

/* ----------------------------------------------------------- the socket */

static void
on_ws_message (SoupWebsocketConnection *conn, gint type, GBytes *message, gpointer data)
{
  if (type != SOUP_WEBSOCKET_DATA_TEXT)
    return;
  gsize len;
  const char *text = g_bytes_get_data (message, &len);
  JsonParser *parser = json_parser_new ();
  if (!json_parser_load_from_data (parser, text, len, NULL) ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser))) {
    g_object_unref (parser);
    return;
  }
  JsonObject *o = json_node_get_object (json_parser_get_root (parser));
  const char *mtype = json_object_get_string_member_with_default (o, "type", "");
  if (g_str_equal (mtype, "welcome")) {
    plain_note ("welcome");
    welcome_cb ();
  } else {
    if (g_str_equal (mtype, "error"))
      plain_note ("server error: %s", json_object_get_string_member_with_default (o, "details", ""));
    message_cb (mtype, o);
  }
  g_object_unref (parser);
}

static void
on_ws_closed (SoupWebsocketConnection *conn, gpointer data)
{
  plain_note ("signalling connection closed");
  plain_quit ();
}

static void
on_ws_connected (GObject *session, GAsyncResult *res, gpointer data)
{
  GError *error = NULL;
  ws = soup_session_websocket_connect_finish (SOUP_SESSION (session), res, &error);
  if (!ws) {
    plain_note ("cannot connect: %s", error->message);
    g_error_free (error);
    status = 1;
    plain_quit ();
    return;
  }
  plain_note ("connected");
  g_signal_connect (ws, "message", G_CALLBACK (on_ws_message), NULL);
  g_signal_connect (ws, "closed", G_CALLBACK (on_ws_closed), NULL);
}

/* ----------------------------------------------------------------- loop */

static gboolean
on_bus (GstBus *bus, GstMessage *msg, gpointer data)
{
  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
    GError *err = NULL;
    gst_message_parse_error (msg, &err, NULL);
    plain_note ("error from %s: %s", GST_OBJECT_NAME (msg->src), err->message);
    g_error_free (err);
    status = 1;
    plain_quit ();
  } else if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS) {
    plain_note ("EOS");
    plain_quit ();
  }
  return G_SOURCE_CONTINUE;
}

static gboolean
on_signal (gpointer data)
{
  if (stop_cb)
    stop_cb ();
  else
    plain_quit ();
  return G_SOURCE_CONTINUE;
}

int
plain_run (const char *url, GstElement *pipeline, void (*on_welcome) (void),
    PlainMessageFunc on_message, void (*on_stop) (void))
{
  welcome_cb = on_welcome;
  message_cb = on_message;
  stop_cb = on_stop;
  SoupMessage *msg = soup_message_new ("GET", url);
  if (!msg) {
    plain_note ("bad URL %s", url);
    return 2;
  }
  GstBus *bus = gst_element_get_bus (pipeline);
  guint bus_watch = gst_bus_add_watch (bus, on_bus, NULL);
  gst_object_unref (bus);
  guint sigint = g_unix_signal_add (SIGINT, on_signal, NULL);
  guint sigterm = g_unix_signal_add (SIGTERM, on_signal, NULL);

  SoupSession *soup = soup_session_new ();
  soup_session_websocket_connect_async (soup, msg, NULL, NULL, G_PRIORITY_DEFAULT, NULL,
      on_ws_connected, NULL);
  g_main_loop_run (loop);

  plain_note ("stopping");
  g_source_remove (sigint);
  g_source_remove (sigterm);
  g_source_remove (bus_watch);
  if (ws) {
    g_signal_handlers_disconnect_by_data (ws, NULL);
    g_object_unref (ws);
    ws = NULL;
  }
  g_object_unref (msg);
  g_object_unref (soup);
  return status;
}
