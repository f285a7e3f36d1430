/* plain-sender: the baseline of bench/viewers.mjs. A deliberately plain
 * webrtcbin producer, written the way the GStreamer examples do it and
 * independent of libgstwebrtcsignal:
 *
 *   videotestsrc is-live ! WxH@F ! videoconvert ! vp8enc ! tee
 *     per viewer: tee. ! queue ! rtpvp8pay ! capsfilter ! webrtcbin (max-bundle, sendonly)
 *
 * One encoder, one webrtcbin per viewer. It speaks the gst-plugins-rs
 * WebSocket signalling protocol (PROTOCOL.md) as a producer with libsoup 3 and
 * json-glib directly (plain-signalling.c, shared with plain-receiver): offers
 * on startSession and trickles ICE both ways.
 *
 *   plain-sender ws://127.0.0.1:PORT/ [--name NAME] [--width W] [--height H]
 *                [--fps F] [--bitrate KBPS]
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
static char *opt_name = "bench-plain";
static int opt_width = 1280, opt_height = 720, opt_fps = 30, opt_kbps = 2000;

/* -------------------------------------------------------------- sessions */

static Session *
session_new (const char *id)
{
  Session *s = g_new0 (Session, 1);
  s->base.id = g_strdup (id);
  s->queue = gst_element_factory_make ("queue", NULL);
  s->pay = gst_element_factory_make ("rtpvp8pay", NULL);
  s->capsfilter = gst_element_factory_make ("capsfilter", NULL);
  s->base.webrtc = gst_element_factory_make ("webrtcbin", NULL);
  g_object_set (s->pay, "pt", 96, NULL);
  GstCaps *caps = gst_caps_from_string (
      "application/x-rtp,media=video,encoding-name=VP8,payload=96,clock-rate=90000");
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
  plain_init ("plain-sender");
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
  gst_element_set_state (pipeline, GST_STATE_PLAYING);

  int ret = plain_run (argv[1], pipeline, on_welcome, on_message, NULL);

  g_hash_table_destroy (sessions);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (tee);
  gst_object_unref (pipeline);
  return ret;
}
