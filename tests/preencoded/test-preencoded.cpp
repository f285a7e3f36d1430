/* Pre-encoded input on webrtcsend: files made by the test (H264 in MP4,
 * VP8 + Opus in WebM) go to real webrtcrecv receivers through a signalling
 * server, without an encoder in webrtcsend, paced to the clock, with EOS at
 * the end; a viewer joining mid-stream gets pictures from the next
 * keyframe; a long keyframe interval is warned about; a consumer without
 * the codec is refused with a message naming it. Runs inside a
 * loopback-only network namespace (run-in-netns.sh).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "test-data.h"
#include "test-pipeline.h"
#include "threaded-server.h"
#include "ws-test-client.h"

#include <glib/gstdio.h>
#include <gst/gst.h>
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

using gstsig::test::Pipeline;
using gstsig::test::ThreadedServer;

namespace {

/* A temporary directory, removed with its files. */
struct TempDir {
  std::string path;
  TempDir ()
  {
    gchar *dir = g_dir_make_tmp ("preencoded-XXXXXX", nullptr);
    path = dir;
    g_free (dir);
  }
  ~TempDir ()
  {
    GDir *dir = g_dir_open (path.c_str (), 0, nullptr);
    while (const char *name = dir ? g_dir_read_name (dir) : nullptr)
      g_unlink ((path + "/" + name).c_str ());
    if (dir)
      g_dir_close (dir);
    g_rmdir (path.c_str ());
  }
};

/* Runs a launch line to EOS (a file writer); false on error or timeout. */
bool
run_to_eos (const std::string &launch)
{
  Pipeline p (launch);
  if (!p.pipeline)
    return false;
  gst_element_set_state (p.pipeline, GST_STATE_PLAYING);
  GstMessage *msg = p.wait ((GstMessageType) (GST_MESSAGE_EOS | GST_MESSAGE_ERROR),
      60 * GST_SECOND);
  bool ok = msg && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS;
  if (msg)
    gst_message_unref (msg);
  return ok;
}

/* An H264 MP4 of seconds at 30 fps, 320x240, with a keyframe every
 * key_int frames, in High profile (with B-frames), as files usually are. */
std::string
make_h264_mp4 (const TempDir &dir, int seconds, int key_int, const char *profile = "high")
{
  std::string file = dir.path + "/h264-" + profile + ".mp4";
  bool ok = run_to_eos ("videotestsrc num-buffers=" + std::to_string (seconds * 30) +
      " ! video/x-raw,format=I420,width=320,height=240,framerate=30/1 ! x264enc speed-preset=ultrafast "
      "key-int-max=" + std::to_string (key_int) + " ! video/x-h264,profile=" + profile +
      " ! mp4mux ! filesink location=" + file);
  EXPECT_TRUE (ok) << "could not make " << file;
  return file;
}

/* VP8 + Opus WebM of seconds, keyframe every second. */
std::string
make_vp8_opus_webm (const TempDir &dir, int seconds)
{
  std::string file = dir.path + "/vp8-opus.webm";
  bool ok = run_to_eos ("webmmux name=m ! filesink location=" + file +
      " videotestsrc num-buffers=" + std::to_string (seconds * 30) +
      " ! video/x-raw,format=I420,width=320,height=240,framerate=30/1 ! vp8enc deadline=1 "
      "keyframe-max-dist=30 ! queue ! m.  audiotestsrc num-buffers=" +
      std::to_string (seconds * 48000 / 1024) + " samplesperbuffer=1024 ! audio/x-raw,rate=48000"
      " ! opusenc ! queue ! m.");
  EXPECT_TRUE (ok) << "could not make " << file;
  return file;
}

/* Counts the buffers reaching a fakesink; notes the first one's time. */
struct SinkWatch {
  std::atomic<int> buffers { 0 };
  std::atomic<gint64> first_us { 0 };

  void attach (const Pipeline &p, const char *name)
  {
    GstElement *sink = p.get (name);
    ASSERT_NE (sink, nullptr) << name;
    g_object_set (sink, "signal-handoffs", TRUE, nullptr);
    g_signal_connect (sink, "handoff", G_CALLBACK (+[] (GstElement *, GstBuffer *, GstPad *,
                                                       SinkWatch *self) {
      if (self->buffers++ == 0)
        self->first_us = g_get_monotonic_time ();
    }), this);
    gst_object_unref (sink);
  }
  bool wait_buffers (int n, int timeout_s = 15)
  {
    for (int i = 0; i < timeout_s * 20 && buffers < n; i++)
      g_usleep (50 * 1000);
    return buffers >= n;
  }
};

/* A webrtcrecv that decodes video (and audio) into counting fakesinks. */
std::unique_ptr<Pipeline>
start_receiver (const ThreadedServer &server, SinkWatch &video, SinkWatch *audio = nullptr)
{
  std::string launch = "webrtcrecv name=r uri=" + server.ws_url () +
      " r.video_0 ! videoconvert ! video/x-raw,format=I420 ! fakesink name=video async=false";
  if (audio)
    launch += " r.audio_0 ! audioconvert ! audio/x-raw,format=S16LE ! fakesink name=audio "
              "async=false";
  auto p = std::make_unique<Pipeline> (launch);
  video.attach (*p, "video");
  if (audio)
    audio->attach (*p, "audio");
  EXPECT_NE (gst_element_set_state (p->pipeline, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  return p;
}

/* The factory names of every element inside the webrtcsend named "s". */
std::vector<std::string>
factories_in_sender (const Pipeline &p)
{
  std::vector<std::string> names;
  GstElement *send = p.get ("s");
  GstIterator *it = gst_bin_iterate_recurse (GST_BIN (send));
  GValue item = G_VALUE_INIT;
  while (gst_iterator_next (it, &item) == GST_ITERATOR_OK) {
    GstElementFactory *f = gst_element_get_factory (GST_ELEMENT (g_value_get_object (&item)));
    if (f)
      names.push_back (GST_OBJECT_NAME (f));
    g_value_reset (&item);
  }
  g_value_unset (&item);
  gst_iterator_free (it);
  gst_object_unref (send);
  return names;
}

bool
contains (const std::vector<std::string> &names, const std::string &name)
{
  for (const auto &n : names)
    if (n == name)
      return true;
  return false;
}

/* Every warning and error message on a bus so far, as text. */
std::string
drain_problems (const Pipeline &p)
{
  std::string text;
  while (GstMessage *msg = p.wait ((GstMessageType) (GST_MESSAGE_WARNING | GST_MESSAGE_ERROR),
             0)) {
    GError *error = nullptr;
    if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_WARNING)
      gst_message_parse_warning (msg, &error, nullptr);
    else
      gst_message_parse_error (msg, &error, nullptr);
    text += std::string (GST_MESSAGE_TYPE_NAME (msg)) + ": " + error->message + "\n";
    g_error_free (error);
    gst_message_unref (msg);
  }
  return text;
}

double
seconds_since (gint64 start_us)
{
  return (g_get_monotonic_time () - start_us) / 1e6;
}

} // namespace

/* H264 from an MP4 reaches a receiver that decodes it, and webrtcsend has
 * no encoder. */
TEST (PreEncoded, H264FromMp4WithoutReencoding)
{
  TempDir dir;
  std::string file = make_h264_mp4 (dir, 4, 30);
  ThreadedServer server;
  ASSERT_TRUE (server.start ());
  SinkWatch video;
  auto receiver = start_receiver (server, video);
  Pipeline producer ("filesrc location=" + file + " ! qtdemux ! h264parse ! webrtcsend name=s "
                     "uri=" + server.ws_url ());
  ASSERT_NE (gst_element_set_state (producer.pipeline, GST_STATE_PLAYING),
      GST_STATE_CHANGE_FAILURE);
  EXPECT_TRUE (video.wait_buffers (30)) << "decoded frames: " << video.buffers;
  auto factories = factories_in_sender (producer);
  EXPECT_TRUE (contains (factories, "rtph264pay")) << "no H264 payloader: nothing was sent";
  for (const char *encoder : { "x264enc", "vp8enc", "vp9enc", "openh264enc" })
    EXPECT_FALSE (contains (factories, encoder)) << encoder << " in webrtcsend";
  GstMessage *eos = receiver->wait ((GstMessageType) (GST_MESSAGE_EOS | GST_MESSAGE_ERROR),
      15 * GST_SECOND);
  ASSERT_NE (eos, nullptr) << "the receiver did not see the stream end";
  EXPECT_EQ (GST_MESSAGE_TYPE (eos), GST_MESSAGE_EOS);
  gst_message_unref (eos);
  EXPECT_EQ (drain_problems (producer), "");
}

/* VP8 and Opus from a WebM: both decoded at the receiver, no encoder. */
TEST (PreEncoded, Vp8AndOpusFromWebmWithoutReencoding)
{
  TempDir dir;
  std::string file = make_vp8_opus_webm (dir, 4);
  ThreadedServer server;
  ASSERT_TRUE (server.start ());
  SinkWatch video, audio;
  auto receiver = start_receiver (server, video, &audio);
  Pipeline producer ("filesrc location=" + file + " ! matroskademux name=d d.video_0 ! queue ! "
                     "webrtcsend name=s uri=" + server.ws_url () + " d.audio_0 ! queue ! s.audio_0");
  ASSERT_NE (gst_element_set_state (producer.pipeline, GST_STATE_PLAYING),
      GST_STATE_CHANGE_FAILURE);
  EXPECT_TRUE (video.wait_buffers (30)) << "decoded frames: " << video.buffers;
  EXPECT_TRUE (audio.wait_buffers (20)) << "decoded audio buffers: " << audio.buffers;
  auto factories = factories_in_sender (producer);
  EXPECT_TRUE (contains (factories, "rtpvp8pay"));
  EXPECT_TRUE (contains (factories, "rtpopuspay"));
  for (const char *encoder : { "x264enc", "vp8enc", "vp9enc", "opusenc" })
    EXPECT_FALSE (contains (factories, encoder)) << encoder << " in webrtcsend";
  EXPECT_EQ (drain_problems (producer), "");
}

/* A 3 s file is sent in real time, not flushed at once: the receiver sees
 * the end after about 3 s, and the sender posts EOS too. */
TEST (PreEncoded, FileIsPacedInRealTimeAndEndsWithEos)
{
  TempDir dir;
  std::string file = make_h264_mp4 (dir, 3, 30);
  ThreadedServer server;
  ASSERT_TRUE (server.start ());
  SinkWatch video;
  auto receiver = start_receiver (server, video);
  gint64 start = g_get_monotonic_time ();
  Pipeline producer ("filesrc location=" + file + " ! qtdemux ! h264parse ! webrtcsend name=s "
                     "uri=" + server.ws_url ());
  ASSERT_NE (gst_element_set_state (producer.pipeline, GST_STATE_PLAYING),
      GST_STATE_CHANGE_FAILURE);
  GstMessage *msg = receiver->wait ((GstMessageType) (GST_MESSAGE_EOS | GST_MESSAGE_ERROR),
      15 * GST_SECOND);
  double receiver_eos = seconds_since (start);
  ASSERT_NE (msg, nullptr) << "the receiver did not see the stream end";
  EXPECT_EQ (GST_MESSAGE_TYPE (msg), GST_MESSAGE_EOS);
  gst_message_unref (msg);
  EXPECT_GE (receiver_eos, 2.5) << "the file was not paced to the clock";
  EXPECT_LT (receiver_eos, 8.0) << "the end of the file came late";
  EXPECT_GE (video.buffers, 20) << "frames decoded before the end";
  msg = producer.wait ((GstMessageType) (GST_MESSAGE_EOS | GST_MESSAGE_ERROR), 5 * GST_SECOND);
  ASSERT_NE (msg, nullptr) << "the sender posted no EOS";
  EXPECT_EQ (GST_MESSAGE_TYPE (msg), GST_MESSAGE_EOS);
  gst_message_unref (msg);
  GstElement *send = producer.get ("s");
  guint consumers = 99;
  g_object_get (send, "consumers", &consumers, nullptr);
  gst_object_unref (send);
  EXPECT_EQ (consumers, 0u) << "sessions outlive the stream";
}

/* A second viewer joins mid-stream: it starts at a keyframe (the first
 * buffer its payloader gets is one) and decodes pictures from there. */
TEST (PreEncoded, SecondViewerJoiningMidStreamDecodes)
{
  TempDir dir;
  std::string file = make_h264_mp4 (dir, 9, 30);
  ThreadedServer server;
  ASSERT_TRUE (server.start ());
  SinkWatch first, second;
  auto receiver1 = start_receiver (server, first);
  Pipeline producer ("filesrc location=" + file + " ! qtdemux ! h264parse ! webrtcsend name=s "
                     "uri=" + server.ws_url ());
  ASSERT_NE (gst_element_set_state (producer.pipeline, GST_STATE_PLAYING),
      GST_STATE_CHANGE_FAILURE);
  ASSERT_TRUE (first.wait_buffers (30)) << "the first viewer decodes nothing";
  /* Mid-GOP by design: 30-frame GOPs, joining at a time of our choosing. */
  g_usleep (1100 * 1000);

  /* Watch what the second consumer's payloader gets first. */
  std::atomic<int> first_flags { -1 };
  GstElement *send = producer.get ("s");
  gulong handler = g_signal_connect (send, "deep-element-added",
      G_CALLBACK (+[] (GstBin *, GstBin *, GstElement *element, std::atomic<int> *flags) {
        GstElementFactory *f = gst_element_get_factory (element);
        if (!f || g_strcmp0 (GST_OBJECT_NAME (f), "rtph264pay") != 0)
          return;
        GstPad *sink = gst_element_get_static_pad (element, "sink");
        gst_pad_add_probe (sink, GST_PAD_PROBE_TYPE_BUFFER,
            +[] (GstPad *, GstPadProbeInfo *info, gpointer data) {
              auto flags = static_cast<std::atomic<int> *> (data);
              int expected = -1;
              flags->compare_exchange_strong (expected,
                  GST_BUFFER_FLAG_IS_SET (GST_PAD_PROBE_INFO_BUFFER (info),
                      GST_BUFFER_FLAG_DELTA_UNIT) ? 1 : 0);
              return GST_PAD_PROBE_REMOVE;
            },
            flags, nullptr);
        gst_object_unref (sink);
      }),
      &first_flags);
  gint64 joined = g_get_monotonic_time ();
  auto receiver2 = start_receiver (server, second);
  EXPECT_TRUE (second.wait_buffers (30)) << "the second viewer decodes nothing";
  g_signal_handler_disconnect (send, handler);
  gst_object_unref (send);
  EXPECT_EQ (first_flags, 0) << "the second consumer's first buffer was "
                             << (first_flags == 1 ? "a delta frame" : "never seen");
  ASSERT_NE (second.first_us.load (), 0);
  EXPECT_LT ((second.first_us - joined) / 1e6, 5.0)
      << "the first picture came long after the next keyframe";
  EXPECT_EQ (drain_problems (producer), "");
  EXPECT_EQ (drain_problems (*receiver2), "");
}

/* Keyframes 10 s apart: a consumer waits for the next one, and the user is
 * told, naming the pad, instead of seeing nothing. */
TEST (PreEncoded, LongKeyframeIntervalIsWarnedAbout)
{
  TempDir dir;
  std::string file = make_h264_mp4 (dir, 13, 300);
  ThreadedServer server;
  ASSERT_TRUE (server.start ());
  SinkWatch video;
  auto receiver = start_receiver (server, video);
  Pipeline producer ("filesrc location=" + file + " ! qtdemux ! h264parse ! webrtcsend name=s "
                     "uri=" + server.ws_url ());
  ASSERT_NE (gst_element_set_state (producer.pipeline, GST_STATE_PLAYING),
      GST_STATE_CHANGE_FAILURE);
  GstMessage *msg = producer.wait (GST_MESSAGE_WARNING, 12 * GST_SECOND);
  ASSERT_NE (msg, nullptr) << "no warning about the keyframe interval";
  GError *error = nullptr;
  gst_message_parse_warning (msg, &error, nullptr);
  std::string text = error->message;
  EXPECT_NE (text.find ("video_0"), std::string::npos) << text;
  EXPECT_NE (text.find ("keyframe"), std::string::npos) << text;
  EXPECT_NE (text.find ("key-int-max"), std::string::npos) << "says what to change: " << text;
  g_error_free (error);
  gst_message_unref (msg);
  EXPECT_EQ (video.buffers, 0) << "a picture before the keyframe";
}

/* A consumer whose offer lacks the pre-encoded codec: its session fails
 * with a warning naming the codec; no other codec is sent instead. */
TEST (PreEncoded, ConsumerWithoutTheCodecIsRefused)
{
  TempDir dir;
  std::string file = make_h264_mp4 (dir, 6, 30);
  gstsig::test::TestContext ctx;
  ThreadedServer server;
  ASSERT_TRUE (server.start ());
  Pipeline producer ("filesrc location=" + file + " ! qtdemux ! h264parse ! webrtcsend name=s "
                     "uri=" + server.ws_url ());
  ASSERT_NE (gst_element_set_state (producer.pipeline, GST_STATE_PLAYING),
      GST_STATE_CHANGE_FAILURE);

  /* Chromium's offer without its H264 payload types. */
  std::istringstream lines (gstsig::test::read_data ("chromium-recvonly-offer.sdp"));
  std::string sdp, line;
  while (std::getline (lines, line)) {
    if (line.find (" H264/90000") != std::string::npos)
      continue;
    if (!line.empty () && line.back () == '\r')
      line.pop_back ();
    sdp += line + "\r\n";
  }
  g_autoptr (JsonNode) node = json_node_new (JSON_NODE_VALUE);
  json_node_set_string (node, sdp.c_str ());
  g_autofree gchar *sdp_json = json_to_string (node, FALSE);

  gstsig::test::WsTestClient consumer (ctx);
  ASSERT_TRUE (consumer.connect (server.http_url ()));
  consumer.send ("{\"type\":\"setPeerStatus\",\"roles\":[],\"meta\":null}");
  std::string producer_id;
  for (int i = 0; i < 50 && producer_id.empty (); i++) {
    consumer.send ("{\"type\":\"list\"}");
    consumer.wait_for ("list", [&] (JsonObject *obj) {
      JsonArray *producers = json_object_get_array_member (obj, "producers");
      if (producers && json_array_get_length (producers) > 0)
        producer_id = gstsig::test::string_member (
            json_array_get_object_element (producers, 0), "id");
      return true;
    });
    if (producer_id.empty ())
      ctx.drain (100);
  }
  ASSERT_FALSE (producer_id.empty ());
  consumer.send ("{\"type\":\"startSession\",\"peerId\":\"" + producer_id + "\",\"offer\":" +
      sdp_json + "}");
  EXPECT_FALSE (consumer.wait_for ("endSession").empty ()) << "the session was not ended";

  GstMessage *msg = producer.wait (GST_MESSAGE_WARNING, 10 * GST_SECOND);
  ASSERT_NE (msg, nullptr) << "no warning for the refused consumer";
  GError *error = nullptr;
  gst_message_parse_warning (msg, &error, nullptr);
  std::string text = error->message;
  EXPECT_NE (text.find ("H264"), std::string::npos) << text;
  EXPECT_NE (text.find ("video_0"), std::string::npos) << text;
  EXPECT_NE (text.find ("VP8"), std::string::npos) << "what the consumer takes: " << text;
  g_error_free (error);
  gst_message_unref (msg);
  auto factories = factories_in_sender (producer);
  for (const char *encoder : { "x264enc", "vp8enc", "rtpvp8pay" })
    EXPECT_FALSE (contains (factories, encoder)) << encoder << " in webrtcsend";
  consumer.close ();
}

/* H264 browsers cannot decode (x264's High 4:4:4 10-bit from a Y444_10LE
 * source): an error naming the profile and what to do, not a black page. */
TEST (PreEncoded, H264ProfileBrowsersCannotDecodeIsAnError)
{
  TempDir dir;
  std::string file = dir.path + "/444.mp4";
  ASSERT_TRUE (run_to_eos ("videotestsrc num-buffers=30 ! video/x-raw,format=Y444_10LE,"
                           "width=320,height=240,framerate=30/1 ! x264enc speed-preset=ultrafast "
                           "! mp4mux ! filesink location=" + file));
  Pipeline producer ("filesrc location=" + file + " ! qtdemux ! h264parse ! webrtcsend name=s "
                     "serve=127.0.0.1:0");
  gst_element_set_state (producer.pipeline, GST_STATE_PLAYING);
  GstMessage *msg = producer.wait (GST_MESSAGE_ERROR, 10 * GST_SECOND);
  ASSERT_NE (msg, nullptr) << "no error";
  GError *error = nullptr;
  gst_message_parse_error (msg, &error, nullptr);
  EXPECT_EQ (error->domain, GST_STREAM_ERROR);
  EXPECT_EQ (error->code, GST_STREAM_ERROR_CODEC_NOT_FOUND);
  std::string text = error->message;
  EXPECT_NE (text.find ("video_0"), std::string::npos) << text;
  EXPECT_NE (text.find ("high-4:4:4"), std::string::npos) << text;
  EXPECT_NE (text.find ("raw video"), std::string::npos) << "says what to do: " << text;
  g_error_free (error);
  gst_message_unref (msg);
}

/* H264 caps that name no profile (no parser upstream): announced as
 * constrained baseline, with a warning that says to put h264parse first. */
TEST (PreEncoded, H264WithoutProfileInCapsIsWarnedAbout)
{
  Pipeline producer ("videotestsrc is-live=true ! video/x-raw,width=320,height=240,"
                     "framerate=30/1 ! x264enc tune=zerolatency ! capssetter replace=true "
                     "caps=\"video/x-h264,stream-format=byte-stream,alignment=au,width=320,"
                     "height=240,framerate=30/1\" ! webrtcsend name=s serve=127.0.0.1:0");
  ASSERT_NE (gst_element_set_state (producer.pipeline, GST_STATE_PLAYING),
      GST_STATE_CHANGE_FAILURE);
  GstMessage *msg = producer.wait (GST_MESSAGE_WARNING, 10 * GST_SECOND);
  ASSERT_NE (msg, nullptr) << "no warning";
  GError *error = nullptr;
  gst_message_parse_warning (msg, &error, nullptr);
  std::string text = error->message;
  EXPECT_NE (text.find ("video_0"), std::string::npos) << text;
  EXPECT_NE (text.find ("no profile"), std::string::npos) << text;
  EXPECT_NE (text.find ("h264parse"), std::string::npos) << "says what to do: " << text;
  g_error_free (error);
  gst_message_unref (msg);
}
