/* Element tests of webrtcrecv: receiving from webrtcsend through the
 * embedded signalling server, in one process, for every codec; the output
 * form following downstream caps; EOS when the producer leaves; recording to
 * a file; the URI handler; errors. Runs inside a loopback-only network
 * namespace (run-in-netns.sh).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "retransmission-budget.h"
#include "sanitizer-slowdown.h"
#include "sink-watch.h"
#include "threaded-server.h"
#include "test-pipeline.h"
#include "ws-test-client.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <gst/gst.h>
#include <gst/pbutils/pbutils.h>
#include <gst/rtp/rtp.h>
#include <gst/video/video.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

using gstsig::test::expect_error;
using gstsig::test::Pipeline;
using gstsig::test::SinkWatch;

namespace {


std::string
ws_url (const std::string &http_url)
{
  return "ws" + http_url.substr (4);
}

/* A producer of test video and audio on its own embedded server. */
std::unique_ptr<Pipeline>
start_producer (const std::string &video_codec)
{
  auto producer = std::make_unique<Pipeline> (
      "videotestsrc is-live=true ! video/x-raw,width=320,height=240,framerate=30/1 ! "
      "webrtcsend name=s serve=127.0.0.1:0 video-codecs=" + video_codec +
      " meta=meta,name=producer audiotestsrc is-live=true ! s.");
  EXPECT_NE (gst_element_set_state (producer->pipeline, GST_STATE_PLAYING),
      GST_STATE_CHANGE_FAILURE);
  return producer;
}

} // namespace

TEST (WebrtcRecv, LoadsAndDocumentsEveryProperty)
{
  GstElement *recv = gst_element_factory_make ("webrtcrecv", nullptr);
  ASSERT_NE (recv, nullptr) << "plugin not found in GST_PLUGIN_PATH";
  guint n = 0;
  GParamSpec **specs = g_object_class_list_properties (G_OBJECT_GET_CLASS (recv), &n);
  for (guint i = 0; i < n; i++) {
    if (specs[i]->owner_type != G_OBJECT_TYPE (recv))
      continue;
    bool readonly = !(specs[i]->flags & G_PARAM_WRITABLE);
    EXPECT_TRUE (strstr (g_param_spec_get_blurb (specs[i]), "Default") || readonly)
        << specs[i]->name;
  }
  g_free (specs);
  gst_object_unref (recv);
}

/* webrtc+ws:// picks webrtcrecv as a source; plain ws:// is left alone. */
TEST (WebrtcRecv, HandlesItsOwnUriSchemes)
{
  GError *error = nullptr;
  GstElement *src = gst_element_make_from_uri (GST_URI_SRC,
      "webrtc+ws://127.0.0.1:1/?producer=abc", nullptr, &error);
  ASSERT_NE (src, nullptr) << (error ? error->message : "");
  GstElementFactory *factory = gst_element_get_factory (src);
  EXPECT_STREQ (GST_OBJECT_NAME (factory), "webrtcrecv");
  gst_object_unref (src);
  g_clear_error (&error);
  GstElement *plain = gst_element_make_from_uri (GST_URI_SRC, "ws://127.0.0.1:1/", nullptr,
      &error);
  if (plain) {
    EXPECT_STRNE (GST_OBJECT_NAME (gst_element_get_factory (plain)), "webrtcrecv");
    gst_object_unref (plain);
  }
  g_clear_error (&error);
}

TEST (WebrtcRecv, ErrorsNameWhatToFix)
{
  {
    Pipeline p ("webrtcrecv name=r ! fakesink");
    EXPECT_EQ (gst_element_set_state (p.pipeline, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
    GstMessage *msg = p.wait (GST_MESSAGE_ERROR, GST_SECOND);
    expect_error (msg, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS);
    gst_message_unref (msg);
  }
  {
    Pipeline p ("webrtcrecv uri=ws://127.0.0.1:1/ ! fakesink");
    EXPECT_EQ (gst_element_set_state (p.pipeline, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
    GstMessage *msg = p.wait (GST_MESSAGE_ERROR, GST_SECOND);
    expect_error (msg, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_READ_WRITE);
    gst_message_unref (msg);
  }
}

TEST (WebrtcRecv, UnknownProducerIsAnError)
{
  auto producer = start_producer ("vp8");
  Pipeline p ("webrtcrecv uri=" + ws_url (producer->serve_url ()) +
      "?producer=no-such-producer ! fakesink");
  ASSERT_NE (gst_element_set_state (p.pipeline, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  GstMessage *msg = p.wait (GST_MESSAGE_ERROR, 10 * GST_SECOND);
  expect_error (msg, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NOT_FOUND);
  if (msg)
    gst_message_unref (msg);
}

/* Every codec arrives; a fakesink takes anything, so the pads carry encoded
 * media; a videoconvert takes raw video only, so that pad decodes. */
TEST (WebrtcRecv, ReceivesEveryCodecInTheFormDownstreamTakes)
{
  for (const char *codec : { "vp8", "h264", "vp9" }) {
    SCOPED_TRACE (codec);
    auto producer = start_producer (codec);
    Pipeline p ("webrtcrecv uri=" + ws_url (producer->serve_url ()) +
        " name=r r.video_0 ! fakesink name=video async=false r.audio_0 ! fakesink name=audio "
        "async=false");
    SinkWatch video, audio;
    GstElement *vsink = p.get ("video"), *asink = p.get ("audio");
    video.attach (vsink);
    audio.attach (asink);
    gst_object_unref (vsink);
    gst_object_unref (asink);
    ASSERT_NE (gst_element_set_state (p.pipeline, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
    EXPECT_TRUE (video.wait_buffers (30)) << "video frames: " << video.buffers;
    EXPECT_TRUE (audio.wait_buffers (20)) << "audio frames: " << audio.buffers;
    EXPECT_EQ (video.media_type (), std::string ("video/x-") + codec);
    EXPECT_EQ (audio.media_type (), "audio/x-opus");
    GstMessage *error = p.wait (GST_MESSAGE_ERROR, 0);
    EXPECT_EQ (error, nullptr);
    if (error)
      gst_message_unref (error);
  }

  auto producer = start_producer ("vp8");
  Pipeline raw ("webrtcrecv uri=" + ws_url (producer->serve_url ()) +
      " name=r r.video_0 ! videoconvert ! video/x-raw,format=I420 ! fakesink name=video "
      "async=false");
  SinkWatch video;
  GstElement *vsink = raw.get ("video");
  video.attach (vsink);
  gst_object_unref (vsink);
  ASSERT_NE (gst_element_set_state (raw.pipeline, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  EXPECT_TRUE (video.wait_buffers (30));
  EXPECT_EQ (video.media_type (), "video/x-raw");
}

/* The producer leaves: every pad gets EOS, the muxer finalizes the file,
 * and the file holds both tracks for about as long as it was recorded. */
TEST (WebrtcRecv, RecordingEndsWithTheProducerAndIsFinalized)
{
  gchar *dir = g_dir_make_tmp ("webrtcrecv-XXXXXX", nullptr);
  std::string file = std::string (dir) + "/rec.mkv";
  auto producer = start_producer ("h264");
  Pipeline rec ("webrtcrecv uri=" + ws_url (producer->serve_url ()) +
      " name=r r.video_0 ! queue ! matroskamux name=m ! filesink location=" + file +
      " r.audio_0 ! queue ! m.audio_0");
  ASSERT_NE (gst_element_set_state (rec.pipeline, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  /* Wait for media to flow into the file, then record about 3 s. */
  GStatBuf st;
  for (int i = 0; i < 100 && (g_stat (file.c_str (), &st) != 0 || st.st_size < 20000); i++)
    g_usleep (100 * 1000);
  g_usleep (3 * G_USEC_PER_SEC);
  gint64 left = g_get_monotonic_time ();
  gst_element_set_state (producer->pipeline, GST_STATE_NULL); /* the producer leaves */
  GstMessage *msg = rec.wait ((GstMessageType) (GST_MESSAGE_EOS | GST_MESSAGE_ERROR),
      10 * GST_SECOND);
  ASSERT_NE (msg, nullptr) << "the recording did not end";
  EXPECT_EQ (GST_MESSAGE_TYPE (msg), GST_MESSAGE_EOS);
  gst_message_unref (msg);
  double seconds = (g_get_monotonic_time () - left) / 1e6;
  EXPECT_LT (seconds, 6.0) << "EOS came late";
  gst_element_set_state (rec.pipeline, GST_STATE_NULL);

  GstDiscoverer *discoverer = gst_discoverer_new (10 * GST_SECOND, nullptr);
  gchar *uri = gst_filename_to_uri (file.c_str (), nullptr);
  GError *error = nullptr;
  GstDiscovererInfo *info = gst_discoverer_discover_uri (discoverer, uri, &error);
  ASSERT_NE (info, nullptr) << (error ? error->message : "");
  EXPECT_EQ (gst_discoverer_info_get_result (info), GST_DISCOVERER_OK);
  GList *videos = gst_discoverer_info_get_video_streams (info);
  GList *audios = gst_discoverer_info_get_audio_streams (info);
  EXPECT_EQ (g_list_length (videos), 1u);
  EXPECT_EQ (g_list_length (audios), 1u);
  GstClockTime duration = gst_discoverer_info_get_duration (info);
  EXPECT_GT (duration, 2500 * GST_MSECOND) << "duration " << duration / GST_MSECOND << " ms";
  gst_discoverer_stream_info_list_free (videos);
  gst_discoverer_stream_info_list_free (audios);
  gst_discoverer_info_unref (info);
  g_object_unref (discoverer);
  g_clear_error (&error);
  g_free (uri);
  g_unlink (file.c_str ());
  g_rmdir (dir);
  g_free (dir);
}

/* A producer (a protocol client of our own) that offers only AV1: a clear
 * codec error, no crash. */
TEST (WebrtcRecv, ProducerWithOnlyCodecsWeCannotReceive)
{
  gstsig::test::TestContext ctx;
  gstsig::test::ThreadedServer server;
  ASSERT_TRUE (server.start ());
  gstsig::test::WsTestClient producer (ctx);
  ASSERT_TRUE (producer.connect (server.http_url ()));
  producer.send ("{\"type\":\"setPeerStatus\",\"roles\":[\"producer\"],\"meta\":null}");
  ctx.drain (100);

  Pipeline p ("webrtcrecv uri=" + server.ws_url () + " ! fakesink");
  ASSERT_NE (gst_element_set_state (p.pipeline, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  std::string start = producer.wait_for ("startSession");
  ASSERT_FALSE (start.empty ());
  JsonObject *obj = gstsig::test::parse_object (start);
  std::string session = gstsig::test::string_member (obj, "sessionId");
  json_object_unref (obj);
  const char *av1_offer =
      "v=0\\r\\no=- 1 1 IN IP4 127.0.0.1\\r\\ns=-\\r\\nt=0 0\\r\\n"
      "a=group:BUNDLE 0\\r\\nm=video 9 UDP/TLS/RTP/SAVPF 45\\r\\nc=IN IP4 0.0.0.0\\r\\n"
      "a=mid:0\\r\\na=sendonly\\r\\na=rtcp-mux\\r\\na=ice-ufrag:abcd\\r\\n"
      "a=ice-pwd:0123456789abcdef012345\\r\\na=setup:actpass\\r\\n"
      "a=fingerprint:sha-256 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:"
      "66:77:88:99:AA:BB:CC:DD:EE:FF\\r\\na=rtpmap:45 AV1/90000\\r\\n";
  producer.send (std::string ("{\"type\":\"peer\",\"sessionId\":\"") + session +
      "\",\"sdp\":{\"type\":\"offer\",\"sdp\":\"" + av1_offer + "\"}}");
  GstMessage *msg = p.wait (GST_MESSAGE_ERROR, 10 * GST_SECOND);
  expect_error (msg, GST_STREAM_ERROR, GST_STREAM_ERROR_CODEC_NOT_FOUND);
  if (msg)
    gst_message_unref (msg);
  /* The producer is told the session is over. */
  EXPECT_FALSE (producer.wait_for ("endSession").empty ());
  gst_element_set_state (p.pipeline, GST_STATE_NULL);
  producer.close ();
}

/* The producer leaves between the session request and its offer: a clear
 * error (nothing arrived), not a hang. */
TEST (WebrtcRecv, ProducerLeavingBeforeTheSessionStarts)
{
  gstsig::test::TestContext ctx;
  gstsig::test::ThreadedServer server;
  ASSERT_TRUE (server.start ());
  gstsig::test::WsTestClient producer (ctx);
  ASSERT_TRUE (producer.connect (server.http_url ()));
  producer.send ("{\"type\":\"setPeerStatus\",\"roles\":[\"producer\"],\"meta\":null}");
  ctx.drain (100);

  Pipeline p ("webrtcrecv uri=" + server.ws_url () + "?producer=" + producer.peer_id +
      " ! fakesink");
  ASSERT_NE (gst_element_set_state (p.pipeline, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  ASSERT_FALSE (producer.wait_for ("startSession").empty ());
  producer.close (); /* gone before offering */
  GstMessage *msg = p.wait (GST_MESSAGE_ERROR, 10 * GST_SECOND);
  expect_error (msg, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NOT_FOUND);
  if (msg)
    gst_message_unref (msg);
  gst_element_set_state (p.pipeline, GST_STATE_NULL);
}

/* Both ends report the figures of their session: as a property, as element
 * messages, and with diagnostics the rtpdiag figures of each stream. */
TEST (WebrtcRecv, BothEndsReportSessionStats)
{
  Pipeline producer ("videotestsrc is-live=true ! video/x-raw,width=320,height=240,"
                     "framerate=30/1 ! webrtcsend name=s serve=127.0.0.1:0 video-codecs=vp8 "
                     "stats-interval=500 diagnostics=true audiotestsrc is-live=true ! s.");
  ASSERT_NE (gst_element_set_state (producer.pipeline, GST_STATE_PLAYING),
      GST_STATE_CHANGE_FAILURE);
  Pipeline p ("webrtcrecv name=r stats-interval=500 diagnostics=true uri=" +
      ws_url (producer.serve_url ()) + " r.video_0 ! fakesink async=false "
      "r.audio_0 ! fakesink async=false");
  ASSERT_NE (gst_element_set_state (p.pipeline, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);

  /* Element messages from the receiver, with media counted. */
  bool received = false;
  for (int i = 0; i < 40 && !received; i++) {
    GstMessage *msg = p.wait (GST_MESSAGE_ELEMENT, GST_SECOND);
    if (!msg)
      continue;
    const GstStructure *s = gst_message_get_structure (msg);
    guint64 packets = 0;
    double rate = 0;
    if (gst_structure_has_name (s, "webrtcrecv-stats") &&
        gst_structure_get_uint64 (s, "packets-received", &packets) && packets > 100 &&
        gst_structure_get_double (s, "bitrate-in", &rate) && rate > 0)
      received = true;
    gst_message_unref (msg);
  }
  ASSERT_TRUE (received) << "no webrtcrecv-stats message with media";

  GstElement *recv = p.get ("r");
  GstStructure *stats = nullptr;
  g_object_get (recv, "stats", &stats, nullptr);
  gst_object_unref (recv);
  ASSERT_NE (stats, nullptr);
  const GValue *sessions = gst_structure_get_value (stats, "sessions");
  ASSERT_EQ (gst_value_array_get_size (sessions), 1u);
  const GstStructure *session = gst_value_get_structure (gst_value_array_get_value (sessions, 0));
  double bitrate = 0;
  EXPECT_TRUE (gst_structure_get_double (session, "bitrate-in", &bitrate));
  EXPECT_GT (bitrate, 10000.0) << gst_structure_to_string (session);
  EXPECT_STREQ (gst_structure_get_string (session, "role"), "consumer");
  EXPECT_NE (gst_structure_get_string (session, "candidate-pair"), nullptr);
  const GstStructure *diag = nullptr;
  EXPECT_TRUE (gst_structure_get (session, "rtpdiag-video_0", GST_TYPE_STRUCTURE, &diag, nullptr))
      << "no rtpdiag figures with diagnostics=true";
  if (diag)
    gst_structure_free ((GstStructure *) diag);
  gst_structure_free (stats);

  /* The producer's side: what it sends and what the consumer reports back
   * (a rate needs two collections). */
  GstElement *send = producer.get ("s");
  for (int i = 0; i < 50; i++) {
    g_object_get (send, "stats", &stats, nullptr);
    sessions = gst_structure_get_value (stats, "sessions");
    if (gst_value_array_get_size (sessions) == 1 &&
        gst_structure_has_field (gst_value_get_structure (gst_value_array_get_value (sessions, 0)),
            "bitrate-out"))
      break;
    gst_structure_free (stats);
    stats = nullptr;
    g_usleep (100 * 1000);
  }
  gst_object_unref (send);
  ASSERT_NE (stats, nullptr) << "the producer never reported a bitrate";
  ASSERT_EQ (gst_value_array_get_size (sessions), 1u);
  session = gst_value_get_structure (gst_value_array_get_value (sessions, 0));
  EXPECT_TRUE (gst_structure_get_double (session, "bitrate-out", &bitrate));
  EXPECT_GT (bitrate, 10000.0) << gst_structure_to_string (session);
  EXPECT_STREQ (gst_structure_get_string (session, "role"), "producer");
  EXPECT_TRUE (gst_structure_has_field (session, "rtpdiag-video_0"));
  /* The video's retransmission history is bounded in time (webrtcbin's
   * own is 500 packets, whatever their age). */
  guint history = 0;
  EXPECT_TRUE (gst_structure_get_uint (session, "rtx-history-ms", &history))
      << gst_structure_to_string (session);
  EXPECT_GE (history, 300u);
  EXPECT_LE (history, 2000u);
  gst_structure_free (stats);

  /* webrtcrecv took transport-cc and sends transport feedback: the
   * producer's congestion control has an estimate from it, within its
   * bounds (min-bitrate 100, max-bitrate = video-bitrate 2000). */
  send = producer.get ("s");
  guint estimate = 0, arrived = 0;
  for (int i = 0; i < 50 && !arrived; i++) {
    g_object_get (send, "stats", &stats, nullptr);
    sessions = gst_structure_get_value (stats, "sessions");
    if (gst_value_array_get_size (sessions) == 1) {
      session = gst_value_get_structure (gst_value_array_get_value (sessions, 0));
      gst_structure_get_uint (session, "feedback-bitrate", &arrived);
      gst_structure_get_uint (session, "estimated-bitrate", &estimate);
    }
    if (!arrived)
      g_usleep (100 * 1000);
    gst_structure_free (stats);
  }
  gst_object_unref (send);
  EXPECT_GT (arrived, 10000u) << "no transport feedback from webrtcrecv reached webrtcsend";
  EXPECT_GE (estimate, 100000u);
  EXPECT_LE (estimate, 2000000u);
}

namespace {

/* Watches p's fakesink "video" and sets p playing. */
bool
play_watching_video (const Pipeline &p, SinkWatch &video)
{
  GstElement *vsink = p.get ("video");
  video.attach (vsink);
  gst_object_unref (vsink);
  return gst_element_set_state (p.pipeline, GST_STATE_PLAYING) != GST_STATE_CHANGE_FAILURE;
}

/* webrtcbin's video src pad, by its caps (ref). */
GstPad *
video_src_of (GstElement *webrtcbin)
{
  GstIterator *it = gst_element_iterate_src_pads (webrtcbin);
  GValue found = G_VALUE_INIT;
  GstPad *video = nullptr;
  if (gst_iterator_find_custom (it, (GCompareFunc) +[] (const GValue *item, gpointer) {
        GstCaps *caps = gst_pad_get_current_caps (GST_PAD (g_value_get_object (item)));
        const char *media =
            caps ? gst_structure_get_string (gst_caps_get_structure (caps, 0), "media") : nullptr;
        int differs = g_strcmp0 (media, "video") == 0 ? 0 : 1;
        if (caps)
          gst_caps_unref (caps);
        return differs;
      }, &found, nullptr)) {
    video = GST_PAD (g_value_dup_object (&found));
    g_value_unset (&found);
  }
  gst_iterator_free (it);
  return video;
}

/* "sync" of each clocksync webrtcbin put in front of a stream it sends,
 * in the first webrtcbin of p; empty until the streams are connected. */
std::vector<bool>
stream_clocksyncs (const Pipeline &p)
{
  std::vector<bool> syncs;
  GstElement *webrtcbin = p.find_by_factory ("webrtcbin");
  if (!webrtcbin)
    return syncs;
  GstIterator *it = gst_bin_iterate_elements (GST_BIN (webrtcbin));
  gst_iterator_foreach (it, +[] (const GValue *item, gpointer data) {
    GstElement *e = GST_ELEMENT (g_value_get_object (item));
    GstElementFactory *factory = gst_element_get_factory (e);
    if (factory && g_str_equal (GST_OBJECT_NAME (factory), "clocksync")) {
      gboolean sync = TRUE;
      g_object_get (e, "sync", &sync, nullptr);
      static_cast<std::vector<bool> *> (data)->push_back (sync);
    }
  }, &syncs);
  gst_iterator_free (it);
  gst_object_unref (webrtcbin);
  return syncs;
}

/* The producer's streams as webrtcbin connects them, with a consumer:
 * once `streams` are connected (webrtcbin connects each on its own), or
 * after 10 s. */
std::vector<bool>
clocksyncs_once_sending (const Pipeline &producer, size_t streams)
{
  Pipeline consumer ("webrtcrecv name=r uri=" + ws_url (producer.serve_url ()) +
      " r.video_0 ! fakesink async=false");
  EXPECT_NE (gst_element_set_state (consumer.pipeline, GST_STATE_PLAYING),
      GST_STATE_CHANGE_FAILURE);
  std::vector<bool> syncs;
  for (int i = 0; i < 100 && syncs.size () < streams; i++) {
    g_usleep (100 * 1000);
    syncs = stream_clocksyncs (producer);
  }
  gst_element_set_state (consumer.pipeline, GST_STATE_NULL);
  return syncs;
}

} // namespace

/* webrtcbin 1.22 holds each stream it sends in a clocksync until running
 * time plus the latency upstream declares (a live source's frame, 33 ms at
 * 30 fps). Live input leaves as soon as it is encoded, as from a browser;
 * a file stays paced by it. */
TEST (WebrtcRecv, LiveInputIsSentAsSoonAsEncoded)
{
  auto live = start_producer ("vp8");
  std::vector<bool> syncs = clocksyncs_once_sending (*live, 2);
  ASSERT_EQ (syncs.size (), 2u) << "a clocksync per stream (video and audio)";
  EXPECT_FALSE (syncs[0]);
  EXPECT_FALSE (syncs[1]);
  gst_element_set_state (live->pipeline, GST_STATE_NULL);

  Pipeline file ("videotestsrc ! video/x-raw,width=320,height=240,framerate=30/1 ! "
                 "webrtcsend name=s serve=127.0.0.1:0 video-codecs=vp8 meta=meta,name=producer");
  ASSERT_NE (gst_element_set_state (file.pipeline, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  syncs = clocksyncs_once_sending (file, 1);
  ASSERT_EQ (syncs.size (), 1u);
  EXPECT_TRUE (syncs[0]) << "non-live input is no longer paced to the clock";
  gst_element_set_state (file.pipeline, GST_STATE_NULL);
}

/* A video output that puts out nothing while its packets keep coming (a
 * depayloader or decoder waiting for a keyframe after a loss) asks the
 * producer for keyframes, every second, not only before its first one. The
 * stall is made by dropping what enters webrtcrecv's output chain; the
 * producer's encoder counts the requests that reach it. */
TEST (WebrtcRecv, AStuckVideoOutputAsksForKeyframes)
{
  auto producer = start_producer ("vp8");
  Pipeline p ("webrtcrecv name=r uri=" + ws_url (producer->serve_url ()) +
      " r.video_0 ! fakesink name=video async=false");
  SinkWatch video;
  ASSERT_TRUE (play_watching_video (p, video));
  ASSERT_TRUE (video.wait_buffers (30)) << "no video before the stall";

  GstElement *tee = gst_bin_get_by_name (GST_BIN (producer->pipeline), "video_0-vp8-tee");
  ASSERT_NE (tee, nullptr) << "the producer's vp8 encoder tee (webrtcsend's naming changed?)";
  GstPad *tee_sink = gst_element_get_static_pad (tee, "sink");
  static std::atomic<int> requests;
  requests = 0;
  gulong counting = gst_pad_add_probe (tee_sink, GST_PAD_PROBE_TYPE_EVENT_UPSTREAM,
      [] (GstPad *, GstPadProbeInfo *info, gpointer) {
        if (gst_video_event_is_force_key_unit (GST_PAD_PROBE_INFO_EVENT (info)))
          requests++;
        return GST_PAD_PROBE_OK;
      },
      nullptr, nullptr);

  GstElement *webrtcbin = p.find_by_factory ("webrtcbin");
  ASSERT_NE (webrtcbin, nullptr);
  GstPad *src = video_src_of (webrtcbin);
  ASSERT_NE (src, nullptr);
  GstPad *chain_sink = gst_pad_get_peer (src);
  ASSERT_NE (chain_sink, nullptr);
  gulong dropping = gst_pad_add_probe (chain_sink, GST_PAD_PROBE_TYPE_BUFFER,
      [] (GstPad *, GstPadProbeInfo *, gpointer) { return GST_PAD_PROBE_DROP; }, nullptr, nullptr);
  int before = video.buffers;
  g_usleep (3500 * 1000);
  int during = video.buffers - before;
  gst_pad_remove_probe (chain_sink, dropping);
  EXPECT_LE (during, 2) << "the stall did not stop the output";
  EXPECT_GE (requests.load (), 2) << "keyframe requests during 3.5 s without frames";
  EXPECT_TRUE (video.wait_buffers (video.buffers + 10)) << "no video after the stall";

  gst_pad_remove_probe (tee_sink, counting);
  gst_object_unref (chain_sink);
  gst_object_unref (src);
  gst_object_unref (webrtcbin);
  gst_object_unref (tee_sink);
  gst_object_unref (tee);
}

namespace {

/* The consumer session's "nack-count" in r's stats (NACKs it sent), -1 when
 * there is no session yet. */
int
nacks_sent (const Pipeline &p)
{
  GstElement *recv = p.get ("r");
  GstStructure *stats = nullptr;
  g_object_get (recv, "stats", &stats, nullptr);
  gst_object_unref (recv);
  int nacks = -1;
  const GValue *sessions = stats ? gst_structure_get_value (stats, "sessions") : nullptr;
  if (sessions && gst_value_array_get_size (sessions) > 0) {
    guint count = 0;
    if (gst_structure_get_uint (
            gst_value_get_structure (gst_value_array_get_value (sessions, 0)), "nack-count", &count))
      nacks = (int) count;
  }
  if (stats)
    gst_structure_free (stats);
  return nacks;
}

/* What the producer's probe does to its VP8 packets (payload type 96)
 * before they are encrypted. */
struct Mistreat {
  std::atomic<bool> delay { false }; /* every 15th: 40 ms late, and all behind it */
  std::atomic<bool> drop { false };  /* every 25th: gone (its retransmission passes) */
  std::atomic<unsigned> seen { 0 };
  std::atomic<unsigned> dropped { 0 };
};

GstPadProbeReturn
mistreat_vp8 (GstPad *, GstPadProbeInfo *info, gpointer data)
{
  auto &m = *static_cast<std::shared_ptr<Mistreat> *> (data);
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  if (!gst_rtp_buffer_map (GST_PAD_PROBE_INFO_BUFFER (info), GST_MAP_READ, &rtp))
    return GST_PAD_PROBE_OK;
  bool vp8 = gst_rtp_buffer_get_payload_type (&rtp) == 96;
  gst_rtp_buffer_unmap (&rtp);
  if (!vp8)
    return GST_PAD_PROBE_OK;
  unsigned n = ++m->seen;
  if (m->delay && n % 15 == 0)
    g_usleep (40 * 1000);
  if (m->drop && n % 25 == 0) {
    m->dropped++;
    return GST_PAD_PROBE_DROP;
  }
  return GST_PAD_PROBE_OK;
}

} // namespace

/* The consumer asks again (NACK) for packets a gap shows lost, in time for
 * them to be repaired, and not for packets that are only late: behind a
 * queue on a capped link every packet is late, and asking for them again
 * filled the queue further (receive-nack.h). */
TEST (WebrtcRecv, AsksAgainForLostPacketsNotForLateOnes)
{
  /* A picture of several packets a frame, as a browser's would be. */
  auto producer = std::make_unique<Pipeline> (
      "videotestsrc is-live=true ! video/x-raw,width=640,height=360,framerate=30/1 ! "
      "webrtcsend name=s serve=127.0.0.1:0 video-codecs=vp8 congestion-control=none "
      "audiotestsrc is-live=true ! s.");
  ASSERT_NE (gst_element_set_state (producer->pipeline, GST_STATE_PLAYING),
      GST_STATE_CHANGE_FAILURE);
  Pipeline p ("webrtcrecv name=r stats-interval=200 uri=" + ws_url (producer->serve_url ()) +
      " r.video_0 ! fakesink name=video async=false");
  SinkWatch video;
  ASSERT_TRUE (play_watching_video (p, video));
  ASSERT_TRUE (video.wait_buffers (30)) << "no video";

  GstElement *srtpenc = producer->find_by_factory ("srtpenc");
  ASSERT_NE (srtpenc, nullptr);
  GstPad *rtp_in = gst_element_get_static_pad (srtpenc, "rtp_sink_0");
  ASSERT_NE (rtp_in, nullptr);
  /* Shared with the probe: a call may still run while it is removed. */
  auto mistreat = std::make_shared<Mistreat> ();
  Mistreat &m = *mistreat;
  gulong probe = gst_pad_add_probe (rtp_in, GST_PAD_PROBE_TYPE_BUFFER, mistreat_vp8,
      new std::shared_ptr<Mistreat> (mistreat),
      [] (gpointer data) { delete static_cast<std::shared_ptr<Mistreat> *> (data); });

  /* 4 % of the video packets lost from the session's first seconds on:
   * each is asked for and comes back in time, so the picture goes on (90
   * frames in 3 s). Without the feedback bandwidth (receive_promptly) the
   * NACKs waited for RTCP and 0-48 frames of 105 came out in 3.5 s. */
  int before = nacks_sent (p);
  int frames_before = video.buffers;
  m.drop = true;
  g_usleep (3000 * 1000);
  m.drop = false;
  int frames_while_dropping = video.buffers - frames_before;
  g_usleep (1000 * 1000);
  EXPECT_GT (m.dropped.load (), 5u);
  int after_drops = nacks_sent (p);
  EXPECT_GT (after_drops, before) << "lost packets not asked for again";
  EXPECT_GE (frames_while_dropping, 80) << "the picture stalled: losses not repaired in time ("
                                        << m.dropped.load () << " packets dropped)";

  /* Packets held back 40 ms: late, not lost. */
  m.delay = true;
  g_usleep (3000 * 1000);
  m.delay = false;
  g_usleep (500 * 1000);
  EXPECT_EQ (nacks_sent (p), after_drops) << "NACKs for packets that were only late";

  gst_pad_remove_probe (rtp_in, probe);
  gst_object_unref (rtp_in);
  gst_object_unref (srtpenc);
}

namespace {

/* What the producer's probe sees of its retransmissions, and drops, before
 * they are encrypted. */
struct RtxWatch {
  std::atomic<uint64_t> rtx_pts { 0 }; /* a bit per payload type under 64 */
  std::atomic<bool> drop { false };     /* every other VP8 packet, and every retransmission */
  std::atomic<unsigned> keyframes { 0 }; /* VP8 keyframes seen (first packets of) */
  std::atomic<guint32> ssrc { 0 };       /* of the VP8 packets */
  std::atomic<guint16> last_seqnum { 0 };
  std::atomic<uint64_t> rtx_bytes { 0 };
  std::atomic<unsigned> rtx_packets { 0 };
  std::atomic<unsigned> seen { 0 };
};

/* The first packet of a VP8 keyframe (RFC 7741: S bit, partition 0, and
 * the frame tag's inverse key frame bit clear). */
bool
is_vp8_keyframe_start (GstBuffer *buffer)
{
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  if (!gst_rtp_buffer_map (buffer, GST_MAP_READ, &rtp))
    return false;
  const guint8 *p = (const guint8 *) gst_rtp_buffer_get_payload (&rtp);
  guint len = gst_rtp_buffer_get_payload_len (&rtp), off = 1;
  bool key = false;
  if (len >= 1 && (p[0] & 0x10) && (p[0] & 0x07) == 0) {
    if (p[0] & 0x80) { /* X: extension bits */
      guint8 x = len > 1 ? p[1] : 0;
      off = 2;
      if (x & 0x80) /* I: picture id, 1 or 2 bytes */
        off += (len > off && (p[off] & 0x80)) ? 2 : 1;
      if (x & 0x40)
        off++;
      if (x & 0x30)
        off++;
    }
    key = len > off && (p[off] & 0x01) == 0;
  }
  gst_rtp_buffer_unmap (&rtp);
  return key;
}

GstPadProbeReturn
watch_rtx (GstPad *, GstPadProbeInfo *info, gpointer data)
{
  auto &w = *static_cast<std::shared_ptr<RtxWatch> *> (data);
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  if (!gst_rtp_buffer_map (buffer, GST_MAP_READ, &rtp))
    return GST_PAD_PROBE_OK;
  guint pt = gst_rtp_buffer_get_payload_type (&rtp);
  if (pt == 96) {
    w->ssrc = gst_rtp_buffer_get_ssrc (&rtp);
    w->last_seqnum = gst_rtp_buffer_get_seq (&rtp);
  }
  gst_rtp_buffer_unmap (&rtp);
  if (pt < 64 || pt >= 128)
    return GST_PAD_PROBE_OK;
  if (w->rtx_pts & (uint64_t (1) << (pt - 64))) {
    w->rtx_bytes += gst_buffer_get_size (buffer);
    w->rtx_packets++;
    return w->drop ? GST_PAD_PROBE_DROP : GST_PAD_PROBE_OK;
  }
  if (pt == 96 && w->drop && ++w->seen % 2 == 0)
    return GST_PAD_PROBE_DROP;
  if (pt == 96 && is_vp8_keyframe_start (buffer))
    w->keyframes++;
  return GST_PAD_PROBE_OK;
}

gboolean
note_rtx_pt (GQuark, const GValue *value, gpointer data)
{
  if (G_VALUE_HOLDS_UINT (value) && g_value_get_uint (value) >= 64 && g_value_get_uint (value) < 128)
    *static_cast<uint64_t *> (data) |= uint64_t (1) << (g_value_get_uint (value) - 64);
  return TRUE;
}

/* The producer's first session: its estimate (kbit/s, 0 if none) and the
 * retransmissions it dropped. */
void
producer_session (const Pipeline &producer, guint *estimate_kbps, guint64 *rtx_dropped)
{
  GstElement *send = producer.get ("s");
  GstStructure *stats = nullptr;
  g_object_get (send, "stats", &stats, nullptr);
  gst_object_unref (send);
  guint estimate = 0;
  const GValue *sessions = stats ? gst_structure_get_value (stats, "sessions") : nullptr;
  if (sessions && gst_value_array_get_size (sessions) > 0) {
    const GstStructure *session = gst_value_get_structure (gst_value_array_get_value (sessions, 0));
    gst_structure_get_uint (session, "estimated-bitrate", &estimate);
    if (rtx_dropped)
      gst_structure_get_uint64 (session, "retransmissions-dropped", rtx_dropped);
  }
  *estimate_kbps = estimate / 1000;
  if (stats)
    gst_structure_free (stats);
}


/* webrtcsend (640x360 VP8, no FEC) sending to webrtcrecv, with an RtxWatch
 * on the producer's packets before they are encrypted. */
struct WatchedSession {
  std::unique_ptr<Pipeline> producer;
  std::unique_ptr<Pipeline> consumer;
  SinkWatch video;
  std::shared_ptr<RtxWatch> watch = std::make_shared<RtxWatch> ();
  GstPad *rtp_in = nullptr; /* srtpenc's, owned */
  gulong probe = 0;

  /* extra: more webrtcsend properties. */
  ::testing::AssertionResult
  start (const std::string &extra = "")
  {
    producer = std::make_unique<Pipeline> (
        "videotestsrc is-live=true ! video/x-raw,width=640,height=360,framerate=30/1 ! "
        "webrtcsend name=s serve=127.0.0.1:0 video-codecs=vp8 fec=off stats-interval=200 " + extra);
    if (gst_element_set_state (producer->pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE)
      return ::testing::AssertionFailure () << "the producer did not start";
    consumer = std::make_unique<Pipeline> ("webrtcrecv name=r uri=" +
        ws_url (producer->serve_url ()) + " r.video_0 ! fakesink name=video async=false");
    if (!play_watching_video (*consumer, video) || !video.wait_buffers (30))
      return ::testing::AssertionFailure () << "no video";
    GstElement *rtxsend = producer->find_by_factory ("rtprtxsend");
    GstStructure *map = nullptr;
    if (rtxsend) {
      g_object_get (rtxsend, "payload-type-map", &map, nullptr);
      gst_object_unref (rtxsend);
    }
    if (!map)
      return ::testing::AssertionFailure () << "webrtcbin has no rtprtxsend with a payload type map";
    uint64_t rtx_pts = 0;
    gst_structure_foreach (map, note_rtx_pt, &rtx_pts);
    gst_structure_free (map);
    watch->rtx_pts = rtx_pts;
    GstElement *srtpenc = producer->find_by_factory ("srtpenc");
    if (!srtpenc)
      return ::testing::AssertionFailure () << "no srtpenc";
    rtp_in = gst_element_get_static_pad (srtpenc, "rtp_sink_0");
    gst_object_unref (srtpenc);
    if (!rtp_in)
      return ::testing::AssertionFailure () << "srtpenc has no rtp_sink_0";
    probe = gst_pad_add_probe (rtp_in, GST_PAD_PROBE_TYPE_BUFFER, watch_rtx,
        new std::shared_ptr<RtxWatch> (watch),
        [] (gpointer data) { delete static_cast<std::shared_ptr<RtxWatch> *> (data); });
    return rtx_pts ? ::testing::AssertionSuccess ()
                   : ::testing::AssertionFailure () << "no retransmission payload type";
  }

  ~WatchedSession ()
  {
    if (rtp_in) {
      gst_pad_remove_probe (rtp_in, probe);
      gst_object_unref (rtp_in);
    }
    consumer.reset ();
    producer.reset ();
  }
};

} // namespace

/* A viewer whose link drops half the video and every retransmission asks
 * for each packet again and again. webrtcsend answers within a share of
 * that viewer's estimate (retransmission-budget.h), not at the rate it is
 * asked: on a capped link the retransmissions would otherwise fill the
 * queue the originals need (5.8 x a 200 kbit/s cap was offered). */
TEST (WebrtcSend, RetransmitsWithinAShareOfTheViewersEstimate)
{
  using gstsig::RetransmissionBudget;
  WatchedSession session;
  ASSERT_TRUE (session.start ());
  Pipeline &producer = *session.producer;
  SinkWatch &video = session.video;
  RtxWatch *watch = session.watch.get ();

  guint estimate = 0;
  for (int i = 0; i < 50 && !estimate; i++, g_usleep (100 * 1000))
    producer_session (producer, &estimate, nullptr);
  ASSERT_GT (estimate, 0u) << "no estimate: congestion control did not start";

  /* 2 s of it. The estimate only falls meanwhile (half the packets are
   * lost), so what the budget lets through is at most a share of the
   * estimate at the start for 2 s, and one full bucket. */
  const double seconds = 2.0;
  uint64_t rtx_before = watch->rtx_bytes;
  watch->drop = true;
  g_usleep ((gulong) (seconds * G_USEC_PER_SEC));
  watch->drop = false;
  uint64_t rtx_bytes = watch->rtx_bytes - rtx_before;
  double rate = estimate * 1000 / 8.0 * RetransmissionBudget::SHARE;
  double most = rate * seconds +
      std::max (rate * RetransmissionBudget::DEPTH_S, RetransmissionBudget::MIN_DEPTH_BYTES) + 1500;
  g_print ("retransmitted %" G_GUINT64_FORMAT " bytes in %.0f s at an estimate of %u kbit/s "
           "(budget at most %.0f)\n", rtx_bytes, seconds, estimate, most);
  EXPECT_GT (rtx_bytes, 0u) << "nothing was retransmitted";
  EXPECT_LE ((double) rtx_bytes, most)
      << "retransmissions beyond the budget: " << rtx_bytes << " bytes in " << seconds
      << " s at an estimate of " << estimate << " kbit/s";
  guint64 dropped = 0;
  guint estimate_after = 0;
  producer_session (producer, &estimate_after, &dropped);
  EXPECT_GT (dropped, 0u) << "the viewer's stats do not count the retransmissions held back";

  /* The link is whole again: the picture goes on. */
  int frames_before = video.buffers;
  g_usleep (2000 * 1000);
  EXPECT_GE (video.buffers - frames_before, 30) << "the picture did not recover";
}

/* A viewer that asks for one packet again and again is not getting it
 * (Chromium asks up to ten times, every 100 ms while it does not know the
 * round trip; webrtcrecv's jitterbuffer twice and then asks for a keyframe
 * itself). At the third request webrtcsend makes it a keyframe, instead of
 * leaving its picture stuck until it asks for one (Chromium after 3 s).
 * The requests are made here as rtpsession makes them for a NACK: an
 * upstream GstRTPRetransmissionRequest out of webrtcbin's SRTP encoder's
 * input. */
TEST (WebrtcSend, APacketAskedForAgainAndAgainBringsAKeyframe)
{
  /* Without congestion control the picture size does not change meanwhile:
   * a keyframe from elsewhere came within the test's 0.6 s once under ASan
   * in CI, beside another test (its cause was not found). The keyframe for
   * repeated requests is made either way. */
  WatchedSession session;
  ASSERT_TRUE (session.start ("congestion-control=none"));
  RtxWatch *watch = session.watch.get ();
  GstPad *rtp_in = session.rtp_in;
  auto ask_for = [&] (guint16 seqnum) {
    gst_pad_push_event (rtp_in, gst_event_new_custom (GST_EVENT_CUSTOM_UPSTREAM,
        gst_structure_new ("GstRTPRetransmissionRequest", "seqnum", G_TYPE_UINT, (guint) seqnum,
            "ssrc", G_TYPE_UINT, (guint) watch->ssrc, nullptr)));
  };

  /* No keyframe comes by itself (one in 3000 frames); a packet asked for
   * twice is only retransmitted. */
  g_usleep (1000 * 1000);
  ASSERT_NE (watch->ssrc.load (), 0u);
  guint16 lost = watch->last_seqnum - 5;
  unsigned keyframes_before = watch->keyframes;
  ask_for (lost);
  g_usleep (100 * 1000);
  ask_for (lost);
  g_usleep (500 * 1000);
  EXPECT_EQ (watch->keyframes, keyframes_before) << "a keyframe for a packet asked for twice";
  /* The third time: a keyframe. */
  ask_for (lost);
  g_usleep (500 * 1000);
  EXPECT_GE (watch->keyframes - keyframes_before, 1u) << "no keyframe was sent";
  guint64 asked = 0;
  GstElement *send = session.producer->get ("s");
  GstStructure *stats = nullptr;
  g_object_get (send, "stats", &stats, nullptr);
  gst_object_unref (send);
  const GValue *sessions = gst_structure_get_value (stats, "sessions");
  ASSERT_EQ (gst_value_array_get_size (sessions), 1u);
  gst_structure_get_uint64 (gst_value_get_structure (gst_value_array_get_value (sessions, 0)),
      "keyframes-for-repeated-nacks", &asked);
  gst_structure_free (stats);
  EXPECT_EQ (asked, 1u);
}

namespace {

/* What the producer's stats say of each session, oldest first. */
struct SentSession {
  guint64 packets = 0;
  guint estimate_kbps = 0;
  gint width = 0;
};

std::vector<SentSession>
sent_sessions (const Pipeline &producer)
{
  std::vector<SentSession> out;
  GstElement *send = producer.get ("s");
  GstStructure *stats = nullptr;
  g_object_get (send, "stats", &stats, nullptr);
  gst_object_unref (send);
  const GValue *sessions = stats ? gst_structure_get_value (stats, "sessions") : nullptr;
  for (guint i = 0; sessions && i < gst_value_array_get_size (sessions); i++) {
    const GstStructure *s = gst_value_get_structure (gst_value_array_get_value (sessions, i));
    SentSession one;
    guint estimate = 0;
    gst_structure_get_uint64 (s, "packets-sent", &one.packets);
    gst_structure_get_uint (s, "estimated-bitrate", &estimate);
    gst_structure_get_int (s, "frame-width", &one.width);
    one.estimate_kbps = estimate / 1000;
    out.push_back (one);
  }
  if (stats)
    gst_structure_free (stats);
  /* The session that has sent more is the older. */
  std::sort (out.begin (), out.end (),
      [] (const SentSession &a, const SentSession &b) { return a.packets > b.packets; });
  return out;
}

} // namespace

/* A viewer joining viewers that already get more than start-bitrate does
 * not get their stream beyond its first frame: its link is not known yet.
 * It starts at start-bitrate, on an encoder of its own at the picture size
 * that start fits, and the first viewer keeps its own. (Before, it started
 * at the first tier's target: a viewer behind a 1 Mbit/s link joining a
 * 2 Mbit/s stream overran its link for seconds.) */
TEST (WebrtcSend, AJoiningViewerStartsAtStartBitrateNotAtTheOthers)
{
  Pipeline producer ("videotestsrc is-live=true ! video/x-raw,width=640,height=360,framerate=30/1 ! "
      "webrtcsend name=s serve=127.0.0.1:0 video-codecs=vp8 fec=off start-bitrate=150 "
      "video-bitrate=1200 stats-interval=200");
  ASSERT_NE (gst_element_set_state (producer.pipeline, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  auto consumer = [&] () {
    return std::make_unique<Pipeline> ("webrtcrecv name=r uri=" + ws_url (producer.serve_url ()) +
        " r.video_0 ! fakesink name=video async=false");
  };
  auto first = consumer ();
  SinkWatch first_video;
  ASSERT_TRUE (play_watching_video (*first, first_video));
  ASSERT_TRUE (first_video.wait_buffers (30)) << "no video at the first viewer";
  /* Its estimate ramps up from 150 on the open loopback. */
  std::vector<SentSession> sessions;
  for (int i = 0; i < 150; i++) {
    sessions = sent_sessions (producer);
    if (sessions.size () == 1 && sessions[0].estimate_kbps >= 400)
      break;
    g_usleep (100 * 1000);
  }
  ASSERT_EQ (sessions.size (), 1u);
  ASSERT_GE (sessions[0].estimate_kbps, 400u) << "the first viewer's estimate did not grow";
  gint first_width = sessions[0].width;

  auto second = consumer ();
  SinkWatch second_video;
  ASSERT_TRUE (play_watching_video (*second, second_video));
  ASSERT_TRUE (second_video.wait_buffers (10)) << "no video at the joining viewer";
  /* Within 3 s of its first frames (9 s in a sanitizer build: once under
   * ASan it still had the first viewer's picture after 3 s) it is on an
   * encoder of its own, smaller than the first viewer's picture. */
  bool own_tier = false;
  const int checks = 30 * (int) gstsig::test::sanitizer_slowdown ();
  for (int i = 0; i < checks && !own_tier; i++) {
    g_usleep (100 * 1000);
    sessions = sent_sessions (producer);
    own_tier = sessions.size () == 2 && sessions[1].width > 0 && sessions[0].width > 0 &&
        sessions[1].width < sessions[0].width;
  }
  ASSERT_EQ (sessions.size (), 2u);
  EXPECT_TRUE (own_tier) << "the joining viewer gets the first viewer's picture: " << sessions[1].width
                         << " against " << sessions[0].width << " (estimates "
                         << sessions[1].estimate_kbps << " and " << sessions[0].estimate_kbps << ")";
  EXPECT_LT (sessions[1].estimate_kbps, sessions[0].estimate_kbps);
  EXPECT_GE (sessions[0].width, first_width) << "the first viewer's picture got smaller";
  GstElement *tier1 = producer.get ("video_0-vp8-encoder-tier1");
  EXPECT_NE (tier1, nullptr) << "no second encoder";
  if (tier1)
    gst_object_unref (tier1);
  /* Both keep receiving (over 2 s: under ASan on a loaded machine one
   * second right after the switch held 13-14 frames). */
  int before_first = first_video.buffers, before_second = second_video.buffers;
  g_usleep (2000 * 1000);
  EXPECT_GT (first_video.buffers.load (), before_first + 20);
  EXPECT_GT (second_video.buffers.load (), before_second + 20);
}

/* A scaler upstream of webrtcsend (... ! videoscale ! webrtcsend, as in
 * gst-webrtc-send) keeps the input's size while an encoder works at a
 * smaller picture: the picture size is made inside the encoder's branch.
 * (Before, the picture-size caps reached the scaler upstream, which
 * renegotiated to them: every tier then scaled from a smaller input, and a
 * 1024x768 screen stayed small for 15 s in send-cli-screen.) */
TEST (WebrtcSend, AScalerUpstreamKeepsTheInputSize)
{
  Pipeline producer ("videotestsrc is-live=true ! video/x-raw,width=1280,height=720,framerate=30/1 "
      "! videoscale ! webrtcsend name=s serve=127.0.0.1:0 video-codecs=vp8 fec=off "
      "start-bitrate=150 stats-interval=200");
  ASSERT_NE (gst_element_set_state (producer.pipeline, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  Pipeline viewer ("webrtcrecv name=r uri=" + ws_url (producer.serve_url ()) +
      " r.video_0 ! fakesink name=video async=false");
  SinkWatch video;
  ASSERT_TRUE (play_watching_video (viewer, video));
  ASSERT_TRUE (video.wait_buffers (30)) << "no video at the viewer";
  /* At 150 kbit/s the encoder works at a fraction of 1280x720. */
  gint encoded_width = 0;
  for (int i = 0; i < 30; i++) {
    auto sessions = sent_sessions (producer);
    encoded_width = sessions.empty () ? 0 : sessions[0].width;
    if (encoded_width > 0 && encoded_width < 1280)
      break;
    g_usleep (100 * 1000);
  }
  ASSERT_GT (encoded_width, 0);
  ASSERT_LT (encoded_width, 1280) << "the picture did not step down at 150 kbit/s";
  g_usleep (1000 * 1000); /* a renegotiation upstream would have happened by now */
  GstElement *send = producer.get ("s");
  GstPad *sink = nullptr;
  GstIterator *pads = gst_element_iterate_sink_pads (send);
  GValue item = G_VALUE_INIT;
  if (gst_iterator_next (pads, &item) == GST_ITERATOR_OK) {
    sink = GST_PAD (g_value_dup_object (&item));
    g_value_unset (&item);
  }
  gst_iterator_free (pads);
  gst_object_unref (send);
  ASSERT_NE (sink, nullptr);
  GstCaps *caps = gst_pad_get_current_caps (sink);
  gst_object_unref (sink);
  ASSERT_NE (caps, nullptr);
  gint input_width = 0;
  gst_structure_get_int (gst_caps_get_structure (caps, 0), "width", &input_width);
  gst_caps_unref (caps);
  EXPECT_EQ (input_width, 1280) << "the scaler upstream followed the encoder's picture ("
                                << encoded_width << " wide)";
  int before = video.buffers;
  g_usleep (1000 * 1000);
  EXPECT_GT (video.buffers.load (), before + 10);
}
