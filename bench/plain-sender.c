/* plain-sender: the baseline of bench/viewers.mjs. A deliberately plain
 * webrtcbin producer, written the way the GStreamer examples do it and
 * independent of libgstwebrtcsignal:
 *
 *   videotestsrc is-live ! WxH@F ! videoconvert ! vp8enc ! tee
 *     per viewer: tee. ! queue ! rtpvp8pay ! capsfilter ! webrtcbin (max-bundle, sendonly)
 *
 * One encoder, one webrtcbin per viewer. It speaks the gst-plugins-rs
 * WebSocket signalling protocol (PROTOCOL.md) as a producer with libsoup 3 and
 * json-glib directly: offers on startSession and trickles ICE both ways.
 *
 *   plain-sender ws://127.0.0.1:PORT/ [--name NAME] [--width W] [--height H]
 *                [--fps F] [--bitrate KBPS]
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <glib-unix.h>
#include <gst/gst.h>
#include <gst/sdp/sdp.h>
#include <gst/webrtc/webrtc.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <stdio.h>

typedef struct {
  char *id;
  GstElement *queue, *pay, *capsfilter, *webrtc;
  GstPad *tee_pad;
} Session;

static GMainLoop *loop;
static GstElement *pipeline, *tee;
static SoupWebsocketConnection *ws;
static GHashTable *sessions; /* session id -> Session* */
static gint64 t0;
static char *opt_name = "bench-plain";
static int opt_width = 1280, opt_height = 720, opt_fps = 30, opt_kbps = 2000;

static void
note (const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  char *s = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  fprintf (stderr, "plain-sender: [%.3f s] %s\n", (g_get_monotonic_time () - t0) / 1e6, s);
  g_free (s);
}

/* ------------------------------------------------------------ signalling */

static gboolean
send_on_main (gpointer text)
{
  if (ws && soup_websocket_connection_get_state (ws) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_send_text (ws, text);
  return G_SOURCE_REMOVE;
}

/* Sends a JSON object; callable from any thread (libsoup lives on the main
 * context). Takes the builder. */
static void
send_json (JsonBuilder *b)
{
  JsonNode *root = json_builder_get_root (b);
  char *text = json_to_string (root, FALSE);
  json_node_unref (root);
  g_object_unref (b);
  g_main_context_invoke_full (NULL, G_PRIORITY_DEFAULT, send_on_main, text, g_free);
}

static JsonBuilder *
peer_message (const Session *s)
{
  JsonBuilder *b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, "peer");
  json_builder_set_member_name (b, "sessionId");
  json_builder_add_string_value (b, s->id);
  return b;
}

static void
on_ice_candidate (GstElement *webrtc, guint mline, const char *candidate, Session *s)
{
  JsonBuilder *b = peer_message (s);
  json_builder_set_member_name (b, "ice");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "candidate");
  json_builder_add_string_value (b, candidate);
  json_builder_set_member_name (b, "sdpMLineIndex");
  json_builder_add_int_value (b, mline);
  json_builder_end_object (b);
  json_builder_end_object (b);
  send_json (b);
}

static void
on_offer_created (GstPromise *promise, gpointer data)
{
  Session *s = data;
  GstWebRTCSessionDescription *offer = NULL;
  const GstStructure *reply = gst_promise_get_reply (promise);
  if (reply)
    gst_structure_get (reply, "offer", GST_TYPE_WEBRTC_SESSION_DESCRIPTION, &offer, NULL);
  gst_promise_unref (promise);
  if (!offer) {
    note ("session %s: create-offer failed", s->id);
    return;
  }
  g_signal_emit_by_name (s->webrtc, "set-local-description", offer, NULL);
  char *sdp = gst_sdp_message_as_text (offer->sdp);
  JsonBuilder *b = peer_message (s);
  json_builder_set_member_name (b, "sdp");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, "offer");
  json_builder_set_member_name (b, "sdp");
  json_builder_add_string_value (b, sdp);
  json_builder_end_object (b);
  json_builder_end_object (b);
  send_json (b);
  note ("session %s: offer sent", s->id);
  g_free (sdp);
  gst_webrtc_session_description_free (offer);
}

/* -------------------------------------------------------------- sessions */

static Session *
session_new (const char *id)
{
  Session *s = g_new0 (Session, 1);
  s->id = g_strdup (id);
  s->queue = gst_element_factory_make ("queue", NULL);
  s->pay = gst_element_factory_make ("rtpvp8pay", NULL);
  s->capsfilter = gst_element_factory_make ("capsfilter", NULL);
  s->webrtc = gst_element_factory_make ("webrtcbin", NULL);
  g_object_set (s->pay, "pt", 96, NULL);
  GstCaps *caps = gst_caps_from_string (
      "application/x-rtp,media=video,encoding-name=VP8,payload=96,clock-rate=90000");
  g_object_set (s->capsfilter, "caps", caps, NULL);
  gst_caps_unref (caps);
  gst_util_set_object_arg (G_OBJECT (s->webrtc), "bundle-policy", "max-bundle");

  /* libnice leaves out loopback addresses when gathering; in a
   * loopback-only namespace that leaves nothing. Give it 127.0.0.1. */
  GstWebRTCICE *agent = NULL;
  gboolean ok = FALSE;
  g_object_get (s->webrtc, "ice-agent", &agent, NULL);
  if (agent) {
    g_signal_emit_by_name (agent, "add-local-ip-address", "127.0.0.1", &ok);
    gst_object_unref (agent);
  }
  if (!ok)
    note ("session %s: could not add 127.0.0.1 to the ICE agent", id);

  gst_bin_add_many (GST_BIN (pipeline), s->queue, s->pay, s->capsfilter, s->webrtc, NULL);
  gst_element_link_many (s->queue, s->pay, s->capsfilter, NULL);
  GstPad *sink = gst_element_request_pad_simple (s->webrtc, "sink_%u");
  GstPad *src = gst_element_get_static_pad (s->capsfilter, "src");
  gst_pad_link (src, sink);
  gst_object_unref (src);
  GstWebRTCRTPTransceiver *trans = NULL;
  g_object_get (sink, "transceiver", &trans, NULL);
  if (trans) {
    g_object_set (trans, "direction", GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_SENDONLY, NULL);
    gst_object_unref (trans);
  }
  gst_object_unref (sink);
  g_signal_connect (s->webrtc, "on-ice-candidate", G_CALLBACK (on_ice_candidate), s);

  gst_element_sync_state_with_parent (s->webrtc);
  gst_element_sync_state_with_parent (s->capsfilter);
  gst_element_sync_state_with_parent (s->pay);
  gst_element_sync_state_with_parent (s->queue);
  s->tee_pad = gst_element_request_pad_simple (tee, "src_%u");
  GstPad *qsink = gst_element_get_static_pad (s->queue, "sink");
  gst_pad_link (s->tee_pad, qsink);
  gst_object_unref (qsink);

  GstPromise *promise = gst_promise_new_with_change_func (on_offer_created, s, NULL);
  g_signal_emit_by_name (s->webrtc, "create-offer", NULL, promise);
  return s;
}

static void
session_free (gpointer data)
{
  Session *s = data;
  g_signal_handlers_disconnect_by_data (s->webrtc, s);
  GstPad *qsink = gst_element_get_static_pad (s->queue, "sink");
  gst_pad_unlink (s->tee_pad, qsink);
  gst_object_unref (qsink);
  gst_element_release_request_pad (tee, s->tee_pad);
  gst_object_unref (s->tee_pad);
  GstElement *elems[] = { s->queue, s->pay, s->capsfilter, s->webrtc };
  for (guint i = 0; i < G_N_ELEMENTS (elems); i++) {
    gst_element_set_state (elems[i], GST_STATE_NULL);
    gst_bin_remove (GST_BIN (pipeline), elems[i]);
  }
  note ("session %s: ended", s->id);
  g_free (s->id);
  g_free (s);
}

static void
on_remote_sdp (Session *s, JsonObject *sdp)
{
  const char *type = json_object_get_string_member_with_default (sdp, "type", "");
  const char *text = json_object_get_string_member_with_default (sdp, "sdp", "");
  GstSDPMessage *msg = NULL;
  if (g_strcmp0 (type, "answer") != 0 || gst_sdp_message_new_from_text (text, &msg) != GST_SDP_OK) {
    note ("session %s: ignoring a remote %s", s->id, type);
    if (msg)
      gst_sdp_message_free (msg);
    return;
  }
  GstWebRTCSessionDescription *answer = gst_webrtc_session_description_new (GST_WEBRTC_SDP_TYPE_ANSWER, msg);
  g_signal_emit_by_name (s->webrtc, "set-remote-description", answer, NULL);
  gst_webrtc_session_description_free (answer);
  note ("session %s: answer set", s->id);
}

/* ----------------------------------------------------------- the socket */

static void
send_peer_status (void)
{
  JsonBuilder *b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, "setPeerStatus");
  json_builder_set_member_name (b, "roles");
  json_builder_begin_array (b);
  json_builder_add_string_value (b, "producer");
  json_builder_end_array (b);
  json_builder_set_member_name (b, "meta");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "name");
  json_builder_add_string_value (b, opt_name);
  json_builder_end_object (b);
  json_builder_end_object (b);
  send_json (b);
}

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
  const char *sid = json_object_get_string_member_with_default (o, "sessionId", "");

  if (g_str_equal (mtype, "welcome")) {
    note ("welcome");
    send_peer_status ();
  } else if (g_str_equal (mtype, "startSession")) {
    note ("session %s: start", sid);
    if (*sid && !g_hash_table_contains (sessions, sid))
      g_hash_table_insert (sessions, g_strdup (sid), session_new (sid));
  } else if (g_str_equal (mtype, "peer")) {
    Session *s = g_hash_table_lookup (sessions, sid);
    if (s && json_object_has_member (o, "sdp") && JSON_NODE_HOLDS_OBJECT (json_object_get_member (o, "sdp"))) {
      on_remote_sdp (s, json_object_get_object_member (o, "sdp"));
    } else if (s && json_object_has_member (o, "ice") &&
               JSON_NODE_HOLDS_OBJECT (json_object_get_member (o, "ice"))) {
      JsonObject *ice = json_object_get_object_member (o, "ice");
      const char *cand = json_object_get_string_member_with_default (ice, "candidate", "");
      gint64 mline = json_object_get_int_member_with_default (ice, "sdpMLineIndex", 0);
      if (*cand)
        g_signal_emit_by_name (s->webrtc, "add-ice-candidate", (guint) mline, cand);
    }
  } else if (g_str_equal (mtype, "endSession")) {
    g_hash_table_remove (sessions, sid);
  } else if (g_str_equal (mtype, "error")) {
    note ("server error: %s", json_object_get_string_member_with_default (o, "details", ""));
  }
  g_object_unref (parser);
}

static void
on_ws_closed (SoupWebsocketConnection *conn, gpointer data)
{
  note ("signalling connection closed");
  g_main_loop_quit (loop);
}

static void
on_ws_connected (GObject *session, GAsyncResult *res, gpointer data)
{
  GError *error = NULL;
  ws = soup_session_websocket_connect_finish (SOUP_SESSION (session), res, &error);
  if (!ws) {
    note ("cannot connect: %s", error->message);
    g_error_free (error);
    g_main_loop_quit (loop);
    return;
  }
  note ("connected");
  g_signal_connect (ws, "message", G_CALLBACK (on_ws_message), NULL);
  g_signal_connect (ws, "closed", G_CALLBACK (on_ws_closed), NULL);
}

/* ----------------------------------------------------------------- main */

static gboolean
on_bus (GstBus *bus, GstMessage *msg, gpointer data)
{
  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
    GError *err = NULL;
    gst_message_parse_error (msg, &err, NULL);
    note ("error from %s: %s", GST_OBJECT_NAME (msg->src), err->message);
    g_error_free (err);
    g_main_loop_quit (loop);
  }
  return G_SOURCE_CONTINUE;
}

static gboolean
on_signal (gpointer data)
{
  g_main_loop_quit (loop);
  return G_SOURCE_REMOVE;
}

int
main (int argc, char **argv)
{
  t0 = g_get_monotonic_time ();
  GOptionEntry entries[] = {
    { "name", 0, 0, G_OPTION_ARG_STRING, &opt_name, "meta name announced", "NAME" },
    { "width", 0, 0, G_OPTION_ARG_INT, &opt_width, "video width", "W" },
    { "height", 0, 0, G_OPTION_ARG_INT, &opt_height, "video height", "H" },
    { "fps", 0, 0, G_OPTION_ARG_INT, &opt_fps, "frame rate", "F" },
    { "bitrate", 0, 0, G_OPTION_ARG_INT, &opt_kbps, "VP8 bitrate in kbit/s", "KBPS" },
    { NULL },
  };
  GError *error = NULL;
  GOptionContext *ctx = g_option_context_new ("ws://HOST:PORT/");
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_add_group (ctx, gst_init_get_option_group ());
  if (!g_option_context_parse (ctx, &argc, &argv, &error) || argc != 2) {
    fprintf (stderr, "usage: plain-sender ws://HOST:PORT/ [options]%s%s\n",
        error ? ": " : "", error ? error->message : "");
    return 2;
  }
  g_option_context_free (ctx);

  char *desc = g_strdup_printf (
      "videotestsrc is-live=true ! video/x-raw,width=%d,height=%d,framerate=%d/1 ! videoconvert"
      " ! vp8enc deadline=1 cpu-used=8 end-usage=cbr target-bitrate=%d keyframe-max-dist=60"
      " lag-in-frames=0 threads=2 error-resilient=partitions ! tee name=t allow-not-linked=true",
      opt_width, opt_height, opt_fps, opt_kbps * 1000);
  pipeline = gst_parse_launch (desc, &error);
  g_free (desc);
  if (!pipeline) {
    fprintf (stderr, "plain-sender: %s\n", error->message);
    return 1;
  }
  tee = gst_bin_get_by_name (GST_BIN (pipeline), "t");
  sessions = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, session_free);
  loop = g_main_loop_new (NULL, FALSE);
  GstBus *bus = gst_element_get_bus (pipeline);
  gst_bus_add_watch (bus, on_bus, NULL);
  gst_object_unref (bus);
  g_unix_signal_add (SIGINT, on_signal, NULL);
  g_unix_signal_add (SIGTERM, on_signal, NULL);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);

  SoupSession *soup = soup_session_new ();
  SoupMessage *msg = soup_message_new ("GET", argv[1]);
  if (!msg) {
    fprintf (stderr, "plain-sender: bad URL %s\n", argv[1]);
    return 2;
  }
  soup_session_websocket_connect_async (soup, msg, NULL, NULL, G_PRIORITY_DEFAULT, NULL,
      on_ws_connected, NULL);
  g_main_loop_run (loop);

  note ("stopping");
  g_hash_table_destroy (sessions);
  if (ws) {
    g_signal_handlers_disconnect_by_data (ws, NULL);
    g_object_unref (ws);
  }
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (tee);
  gst_object_unref (pipeline);
  g_object_unref (msg);
  g_object_unref (soup);
  g_main_loop_unref (loop);
  return 0;
}
