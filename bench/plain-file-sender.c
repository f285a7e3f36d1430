/* plain-file-sender: the baseline of bench/file-send.mjs. A deliberately
 * plain webrtcbin producer of a 720p H264 MP4 file, written the way the
 * GStreamer examples do it and independent of libgstwebrtcsignal:
 *
 *   as is:       filesrc ! qtdemux ! h264parse ! identity sync ! tee
 *   --reencode:  filesrc ! qtdemux ! h264parse ! avdec_h264 ! identity sync
 *                  ! videoconvert ! x264enc (webrtcsend's settings) ! h264parse ! tee
 *     per viewer: tee. ! queue ! rtph264pay ! capsfilter ! webrtcbin (max-bundle, sendonly)
 *
 * identity sync=true paces the file in real time. The signalling is
 * bench/plain-signalling.c, shared with plain-sender and plain-receiver.
 *
 *   plain-file-sender ws://127.0.0.1:PORT/ --file F.mp4 [--name NAME]
 *                     [--reencode] [--bitrate KBPS]
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "plain-signalling.h"

#include <gst/gst.h>
#include <stdio.h>

typedef struct {
  PlainSession base; /* first */
  GstElement *queue, *pay, *capsfilter;
  GstPad *tee_pad;
} Session;

static GstElement *pipeline, *tee;
static GHashTable *sessions; /* session id -> Session* */
static char *opt_name = "bench-plain-file";
static char *opt_file = NULL;
static gboolean opt_reencode = FALSE;
static int opt_kbps = 2000;

/* -------------------------------------------------------------- sessions */

static Session *
session_new (const char *id)
{
  Session *s = g_new0 (Session, 1);
  s->base.id = g_strdup (id);
  s->queue = gst_element_factory_make ("queue", NULL);
  s->pay = gst_element_factory_make ("rtph264pay", NULL);
  s->capsfilter = gst_element_factory_make ("capsfilter", NULL);
  s->base.webrtc = gst_element_factory_make ("webrtcbin", NULL);
  g_object_set (s->pay, "pt", 102, "config-interval", -1, NULL);
  gst_util_set_object_arg (G_OBJECT (s->pay), "aggregate-mode", "zero-latency");
  GstCaps *caps = gst_caps_from_string (
      "application/x-rtp,media=video,encoding-name=H264,payload=102,clock-rate=90000,"
      "packetization-mode=(string)1");
  g_object_set (s->capsfilter, "caps", caps, NULL);
  gst_caps_unref (caps);
  gst_util_set_object_arg (G_OBJECT (s->base.webrtc), "bundle-policy", "max-bundle");
  plain_session_init (&s->base);

  gst_bin_add_many (GST_BIN (pipeline), s->queue, s->pay, s->capsfilter, s->base.webrtc, NULL);
  gst_element_link_many (s->queue, s->pay, s->capsfilter, NULL);
  GstPad *sink = gst_element_request_pad_simple (s->base.webrtc, "sink_%u");
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

  gst_element_sync_state_with_parent (s->base.webrtc);
  gst_element_sync_state_with_parent (s->capsfilter);
  gst_element_sync_state_with_parent (s->pay);
  gst_element_sync_state_with_parent (s->queue);
  s->tee_pad = gst_element_request_pad_simple (tee, "src_%u");
  GstPad *qsink = gst_element_get_static_pad (s->queue, "sink");
  gst_pad_link (s->tee_pad, qsink);
  gst_object_unref (qsink);

  plain_session_describe (&s->base, TRUE);
  return s;
}

static void
session_free (gpointer data)
{
  Session *s = data;
  plain_session_clear (&s->base);
  GstPad *qsink = gst_element_get_static_pad (s->queue, "sink");
  gst_pad_unlink (s->tee_pad, qsink);
  gst_object_unref (qsink);
  gst_element_release_request_pad (tee, s->tee_pad);
  gst_object_unref (s->tee_pad);
  GstElement *elems[] = { s->queue, s->pay, s->capsfilter, s->base.webrtc };
  for (guint i = 0; i < G_N_ELEMENTS (elems); i++) {
    gst_element_set_state (elems[i], GST_STATE_NULL);
    gst_bin_remove (GST_BIN (pipeline), elems[i]);
  }
  plain_note ("session %s: ended", s->base.id);
  g_free (s->base.id);
  g_free (s);
}

/* ----------------------------------------------------------- signalling */

static void
on_welcome (void)
{
  plain_send_peer_status ("producer", opt_name);
}

static void
on_message (const char *mtype, JsonObject *o)
{
  const char *sid = json_object_get_string_member_with_default (o, "sessionId", "");
  if (g_str_equal (mtype, "startSession")) {
    plain_note ("session %s: start", sid);
    if (*sid && !g_hash_table_contains (sessions, sid))
      g_hash_table_insert (sessions, g_strdup (sid), session_new (sid));
  } else if (g_str_equal (mtype, "peer")) {
    Session *s = g_hash_table_lookup (sessions, sid);
    if (s)
      plain_session_handle_peer (&s->base, o, GST_WEBRTC_SDP_TYPE_ANSWER);
  } else if (g_str_equal (mtype, "endSession")) {
    g_hash_table_remove (sessions, sid);
  }
}

/* ----------------------------------------------------------------- main */

int
main (int argc, char **argv)
{
  plain_init ("plain-file-sender");
  GOptionEntry entries[] = {
    { "name", 0, 0, G_OPTION_ARG_STRING, &opt_name, "meta name announced", "NAME" },
    { "file", 0, 0, G_OPTION_ARG_FILENAME, &opt_file, "H264 MP4 file to send", "PATH" },
    { "reencode", 0, 0, G_OPTION_ARG_NONE, &opt_reencode, "decode and encode again", NULL },
    { "bitrate", 0, 0, G_OPTION_ARG_INT, &opt_kbps, "x264enc bitrate (--reencode) in kbit/s", "KBPS" },
    { NULL },
  };
  GError *error = NULL;
  GOptionContext *ctx = g_option_context_new ("ws://HOST:PORT/");
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_add_group (ctx, gst_init_get_option_group ());
  if (!g_option_context_parse (ctx, &argc, &argv, &error) || argc != 2 || !opt_file) {
    fprintf (stderr, "usage: plain-file-sender ws://HOST:PORT/ --file F.mp4 [options]%s%s\n",
        error ? ": " : "", error ? error->message : "");
    return 2;
  }
  g_option_context_free (ctx);

  gchar *location = g_strescape (opt_file, NULL);
  char *desc = opt_reencode
      ? g_strdup_printf ("filesrc location=\"%s\" ! qtdemux ! h264parse ! avdec_h264"
            " ! identity sync=true ! videoconvert ! x264enc tune=zerolatency speed-preset=ultrafast"
            " bframes=0 key-int-max=60 b-adapt=false rc-lookahead=0 sliced-threads=true bitrate=%d"
            " ! video/x-h264,profile=constrained-baseline,stream-format=byte-stream,alignment=au"
            " ! h264parse config-interval=-1 ! tee name=t allow-not-linked=true", location, opt_kbps)
      : g_strdup_printf ("filesrc location=\"%s\" ! qtdemux ! h264parse config-interval=-1"
            " ! video/x-h264,stream-format=byte-stream,alignment=au ! identity sync=true"
            " ! tee name=t allow-not-linked=true", location);
  g_free (location);
  pipeline = gst_parse_launch (desc, &error);
  g_free (desc);
  if (!pipeline) {
    fprintf (stderr, "plain-file-sender: %s\n", error->message);
    return 1;
  }
  tee = gst_bin_get_by_name (GST_BIN (pipeline), "t");
  sessions = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, session_free);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);

  int ret = plain_run (argv[1], pipeline, on_welcome, on_message, NULL);

  g_hash_table_destroy (sessions);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (tee);
  gst_object_unref (pipeline);
  return ret;
}
