/* plain-producer: the per-viewer branches of the plain producers.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "plain-producer.h"

#include "plain-signalling.h"

#include <stdio.h>

typedef struct {
  PlainSession base; /* first */
  GstElement *queue, *pay, *capsfilter;
  GstPad *tee_pad;
} Session;

static const PlainProducer *producer;
static GstElement *pipeline, *tee;
static GHashTable *sessions; /* session id -> Session* */

/* -------------------------------------------------------------- sessions */

static Session *
session_new (const char *id)
{
  Session *s = g_new0 (Session, 1);
  s->base.id = g_strdup (id);
  s->queue = gst_element_factory_make ("queue", NULL);
  s->pay = gst_element_factory_make (producer->payloader, NULL);
  s->capsfilter = gst_element_factory_make ("capsfilter", NULL);
  s->base.webrtc = gst_element_factory_make ("webrtcbin", NULL);
  producer->setup_payloader (s->pay);
  GstCaps *caps = gst_caps_from_string (producer->rtp_caps);
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
  plain_send_peer_status ("producer", producer->name);
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

/* ------------------------------------------------------------------ run */

int
plain_producer_run (const PlainProducer *config, const char *url, const char *desc)
{
  GError *error = NULL;
  producer = config;
  pipeline = gst_parse_launch (desc, &error);
  if (!pipeline) {
    fprintf (stderr, "%s: %s\n", producer->program, error->message);
    return 1;
  }
  tee = gst_bin_get_by_name (GST_BIN (pipeline), "t");
  sessions = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, session_free);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);

  int ret = plain_run (url, pipeline, on_welcome, on_message, NULL);

  g_hash_table_destroy (sessions);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (tee);
  gst_object_unref (pipeline);
  return ret;
}
