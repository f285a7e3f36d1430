/* plain-receiver: the baseline of bench/recorders.mjs. A deliberately plain
 * webrtcbin consumer, written the way the GStreamer examples do it and
 * independent of libgstwebrtcsignal:
 *
 *   webrtcbin (max-bundle, no transceivers of its own: it answers with the
 *   offered codec), on pad-added: rtpvp8depay ! matroskamux ! filesink
 *
 * It records one producer's video (VP8) into a Matroska file. It speaks the
 * gst-plugins-rs WebSocket signalling protocol (PROTOCOL.md) as a consumer
 * with libsoup 3 and json-glib directly (plain-signalling.c, shared with
 * plain-sender): setPeerStatus with no role, startSession {peerId, offer:
 * null}, answers the producer's offer and trickles ICE both ways. Other
 * streams (audio) go to a fakesink.
 *
 * On SIGINT/SIGTERM it sends EOS into the recording branch and exits once
 * the EOS has reached the filesink (webrtcbin's own sinks never post EOS),
 * or after 5 s.
 *
 * It prints, on stderr, the wall-clock time (ms since the epoch, the clock
 * of Date.now()) at which the first buffer reached the filesink:
 *   "plain-receiver: [S s] first buffer into the file at wall-clock 1234567890123.456 ms"
 *
 *   plain-receiver ws://127.0.0.1:PORT/ --producer ID --output FILE [--unbuffered]
 *   (--producer-name NAME instead of --producer: the producer of that meta
 *   name, once the server lists it)
 *
 * With --count instead of --output (a light viewer for bench/light-viewers.mjs),
 * the VP8 RTP goes to a fakesink and it prints, once a second, the frames
 * (RTP packets with the marker bit) and RTP bytes received so far:
 *   "plain-receiver: [S s] received F frames B bytes"
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "plain-signalling.h"

#include <gst/gst.h>
#include <gst/rtp/rtp.h>
#include <stdio.h>

static GstElement *pipeline;
static PlainSession session;
static GstElement *depay; /* the recording branch, once linked */
static gboolean stopping;
static char *opt_producer, *opt_producer_name, *opt_output;
static gboolean opt_unbuffered, opt_count;
static guint64 frames_received, bytes_received; /* --count */

/* ---------------------------------------------------------------- media */

static GstPadProbeReturn
on_first_buffer (GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  plain_note ("first buffer into the file at wall-clock %.3f ms", g_get_real_time () / 1000.0);
  return GST_PAD_PROBE_REMOVE;
}

static gboolean
quit_idle (gpointer data)
{
  plain_quit ();
  return G_SOURCE_REMOVE;
}

static GstPadProbeReturn
on_file_eos (GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  if (GST_EVENT_TYPE (GST_PAD_PROBE_INFO_EVENT (info)) != GST_EVENT_EOS)
    return GST_PAD_PROBE_OK;
  plain_note ("EOS reached the file");
  g_idle_add (quit_idle, NULL);
  return GST_PAD_PROBE_REMOVE;
}

static void
link_branch (GstPad *pad, const char *desc)
{
  GError *error = NULL;
  GstElement *bin = gst_parse_bin_from_description (desc, TRUE, &error);
  if (!bin) {
    plain_note ("%s: %s", desc, error->message);
    g_error_free (error);
    return;
  }
  gst_bin_add (GST_BIN (pipeline), bin);
  GstPad *sink = gst_element_get_static_pad (bin, "sink");
  if (gst_pad_link (pad, sink) != GST_PAD_LINK_OK)
    plain_note ("cannot link %s to %s", GST_PAD_NAME (pad), desc);
  gst_object_unref (sink);
  gst_element_sync_state_with_parent (bin);
}

/* --count: a frame ends with the RTP marker bit (VP8, RFC 7741). */
static GstPadProbeReturn
count_frame (GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  bytes_received += gst_buffer_get_size (buffer);
  if (gst_rtp_buffer_map (buffer, GST_MAP_READ, &rtp)) {
    if (gst_rtp_buffer_get_marker (&rtp))
      frames_received++;
    gst_rtp_buffer_unmap (&rtp);
  }
  return GST_PAD_PROBE_OK;
}

static gboolean
print_counts (gpointer data)
{
  plain_note ("received %" G_GUINT64_FORMAT " frames %" G_GUINT64_FORMAT " bytes", frames_received,
      bytes_received);
  return G_SOURCE_CONTINUE;
}

static void
on_pad_added (GstElement *webrtc, GstPad *pad, gpointer data)
{
  if (GST_PAD_DIRECTION (pad) != GST_PAD_SRC)
    return;
  GstCaps *caps = gst_pad_get_current_caps (pad);
  if (!caps)
    caps = gst_pad_query_caps (pad, NULL);
  const GstStructure *st = gst_caps_is_empty (caps) ? NULL : gst_caps_get_structure (caps, 0);
  const char *enc = st ? gst_structure_get_string (st, "encoding-name") : NULL;
  char *desc = gst_caps_to_string (caps);
  plain_note ("pad %s: %s", GST_PAD_NAME (pad), desc);
  g_free (desc);
  if (depay || g_strcmp0 (enc, "VP8") != 0) {
    link_branch (pad, "fakesink");
    gst_caps_unref (caps);
    return;
  }
  gst_caps_unref (caps);

  if (opt_count) {
    depay = gst_element_factory_make ("fakesink", NULL); /* marks the branch as linked */
    g_object_set (depay, "sync", FALSE, "async", FALSE, NULL);
    gst_bin_add (GST_BIN (pipeline), depay);
    GstPad *sink_pad = gst_element_get_static_pad (depay, "sink");
    gst_pad_add_probe (sink_pad, GST_PAD_PROBE_TYPE_BUFFER, count_frame, NULL, NULL);
    gst_element_sync_state_with_parent (depay);
    if (gst_pad_link (pad, sink_pad) != GST_PAD_LINK_OK)
      plain_note ("cannot link %s to a fakesink", GST_PAD_NAME (pad));
    gst_object_unref (sink_pad);
    return;
  }

  depay = gst_element_factory_make ("rtpvp8depay", NULL);
  GstElement *mux = gst_element_factory_make ("matroskamux", NULL);
  GstElement *sink = gst_element_factory_make ("filesink", NULL);
  g_object_set (sink, "location", opt_output, NULL);
  if (opt_unbuffered)
    gst_util_set_object_arg (G_OBJECT (sink), "buffer-mode", "unbuffered");
  gst_bin_add_many (GST_BIN (pipeline), depay, mux, sink, NULL);
  gst_element_link_many (depay, mux, sink, NULL);
  GstPad *file_pad = gst_element_get_static_pad (sink, "sink");
  gst_pad_add_probe (file_pad, GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST, on_first_buffer, NULL, NULL);
  gst_pad_add_probe (file_pad, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, on_file_eos, NULL, NULL);
  gst_object_unref (file_pad);
  gst_element_sync_state_with_parent (sink);
  gst_element_sync_state_with_parent (mux);
  gst_element_sync_state_with_parent (depay);
  GstPad *depay_sink = gst_element_get_static_pad (depay, "sink");
  if (gst_pad_link (pad, depay_sink) != GST_PAD_LINK_OK)
    plain_note ("cannot link %s to rtpvp8depay", GST_PAD_NAME (pad));
  gst_object_unref (depay_sink);
}

static gboolean
stop_timeout (gpointer data)
{
  plain_note ("no EOS in the file after 5 s; quitting");
  plain_quit ();
  return G_SOURCE_REMOVE;
}

static void
on_stop (void)
{
  if (!depay || stopping || opt_count) {
    plain_quit ();
    return;
  }
  stopping = TRUE;
  plain_note ("EOS into the recording branch");
  GstPad *pad = gst_element_get_static_pad (depay, "sink");
  gst_pad_send_event (pad, gst_event_new_eos ());
  gst_object_unref (pad);
  g_timeout_add_seconds (5, stop_timeout, NULL);
}

/* ----------------------------------------------------------- signalling */

static void start_session (void);

static gboolean
send_list (gpointer data)
{
  JsonBuilder *b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, "list");
  json_builder_end_object (b);
  plain_send_json (b);
  return G_SOURCE_REMOVE;
}

/* --producer-name: the id of the producer of that meta name in a list
 * reply, or ask again in 200 ms. */
static void
on_list (JsonObject *o)
{
  JsonArray *producers = json_object_has_member (o, "producers")
      ? json_object_get_array_member (o, "producers") : NULL;
  for (guint i = 0; producers && i < json_array_get_length (producers); i++) {
    JsonObject *p = json_array_get_object_element (producers, i);
    JsonObject *meta = p && json_object_has_member (p, "meta")
            && JSON_NODE_HOLDS_OBJECT (json_object_get_member (p, "meta"))
        ? json_object_get_object_member (p, "meta") : NULL;
    if (meta && g_strcmp0 (json_object_get_string_member_with_default (meta, "name", NULL),
                    opt_producer_name) == 0) {
      opt_producer = g_strdup (json_object_get_string_member (p, "id"));
      start_session ();
      return;
    }
  }
  g_timeout_add (200, send_list, NULL);
}

static void
on_welcome (void)
{
  plain_send_peer_status (NULL, NULL);
  if (opt_producer)
    start_session ();
  else
    send_list (NULL);
}

static void
start_session (void)
{
  JsonBuilder *b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, "startSession");
  json_builder_set_member_name (b, "peerId");
  json_builder_add_string_value (b, opt_producer);
  json_builder_set_member_name (b, "offer");
  json_builder_add_null_value (b);
  json_builder_end_object (b);
  plain_send_json (b);
}

/* The session: the first session id the server gives us (sessionStarted,
 * or a peer message should it come first). */
static gboolean
our_session (const char *sid)
{
  if (!*sid)
    return FALSE;
  if (!session.id) {
    session.id = g_strdup (sid);
    plain_note ("session %s: started", sid);
  }
  return g_str_equal (session.id, sid);
}

static void
on_message (const char *mtype, JsonObject *o)
{
  const char *sid = json_object_get_string_member_with_default (o, "sessionId", "");
  if (g_str_equal (mtype, "list") && !opt_producer) {
    on_list (o);
  } else if (g_str_equal (mtype, "sessionStarted")) {
    our_session (sid);
  } else if (g_str_equal (mtype, "peer")) {
    if (our_session (sid) && plain_session_handle_peer (&session, o, GST_WEBRTC_SDP_TYPE_OFFER))
      plain_session_describe (&session, FALSE);
  } else if (g_str_equal (mtype, "endSession") && our_session (sid)) {
    plain_note ("session %s: ended by the producer", sid);
    on_stop ();
  } else if (g_str_equal (mtype, "error")) {
    plain_quit ();
  }
}

/* ----------------------------------------------------------------- main */

int
main (int argc, char **argv)
{
  plain_init ("plain-receiver");
  GOptionEntry entries[] = {
    { "producer", 0, 0, G_OPTION_ARG_STRING, &opt_producer, "peer id of the producer to record", "ID" },
    { "producer-name", 0, 0, G_OPTION_ARG_STRING, &opt_producer_name, "or the producer whose meta name is NAME", "NAME" },
    { "output", 0, 0, G_OPTION_ARG_FILENAME, &opt_output, "Matroska file to write", "FILE" },
    { "unbuffered", 0, 0, G_OPTION_ARG_NONE, &opt_unbuffered, "filesink buffer-mode=unbuffered", NULL },
    { "count", 0, 0, G_OPTION_ARG_NONE, &opt_count, "no file: count the frames received", NULL },
    { NULL },
  };
  GError *error = NULL;
  GOptionContext *ctx = g_option_context_new ("ws://HOST:PORT/");
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_add_group (ctx, gst_init_get_option_group ());
  if (!g_option_context_parse (ctx, &argc, &argv, &error) || argc != 2 || !opt_producer == !opt_producer_name
      || !opt_output == !opt_count) {
    fprintf (stderr, "usage: plain-receiver ws://HOST:PORT/ --producer ID|--producer-name NAME --output FILE|--count%s%s\n",
        error ? ": " : "", error ? error->message : "");
    return 2;
  }
  g_option_context_free (ctx);

  pipeline = gst_pipeline_new (NULL);
  session.webrtc = gst_element_factory_make ("webrtcbin", NULL);
  gst_util_set_object_arg (G_OBJECT (session.webrtc), "bundle-policy", "max-bundle");
  gst_bin_add (GST_BIN (pipeline), session.webrtc);
  plain_session_init (&session);
  g_signal_connect (session.webrtc, "pad-added", G_CALLBACK (on_pad_added), NULL);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  if (opt_count)
    g_timeout_add_seconds (1, print_counts, NULL);

  int ret = plain_run (argv[1], pipeline, on_welcome, on_message, on_stop);

  plain_session_clear (&session);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (pipeline);
  g_free (session.id);
  return ret;
}
