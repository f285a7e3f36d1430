/* The janus+ws:// signaller against a real Janus 1.1 (janus-server.h) in
 * the test's own namespace (run-with-janus-net.sh): webrtcsend publishes
 * into a VideoRoom, webrtcrecv subscribes and decodes; the publisher
 * leaving ends the subscriber's stream; a subscriber picks its publisher by
 * display name; Janus' refusals become element errors with the right code
 * and a sentence on what to fix; a publisher outlives a Janus restart.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "janus-server.h"
#include "sink-watch.h"
#include "test-pipeline.h"

#include <gst/gst.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>

using gstsig::test::expect_error;
using gstsig::test::JanusServer;
using gstsig::test::Pipeline;
using gstsig::test::SinkWatch;

namespace {

const char *ROOMS =
    "room-1234: { description = \"open\" publishers = 6 videocodec = \"vp8\" "
    "audiocodec = \"opus\" }\n"
    "room-2000: { description = \"with a pin\" pin = \"4242\" publishers = 6 }\n"
    "room-3000: { description = \"one publisher\" publishers = 1 }\n";

std::unique_ptr<Pipeline>
publisher (const std::string &uri, int width = 320, int height = 240)
{
  auto p = std::make_unique<Pipeline> ("videotestsrc is-live=true ! video/x-raw,width=" +
      std::to_string (width) + ",height=" + std::to_string (height) + ",framerate=30/1 ! "
      "webrtcsend name=s video-codecs=vp8 uri=\"" + uri + "\" audiotestsrc is-live=true ! s.");
  return p;
}

/* webrtcrecv decoding the publisher's video into a watched fakesink. */
std::unique_ptr<Pipeline>
subscriber (const std::string &uri, SinkWatch *watch)
{
  auto p = std::make_unique<Pipeline> ("webrtcrecv name=r uri=\"" + uri + "\" "
      "r.video_0 ! queue ! vp8dec ! fakesink name=v async=false");
  GstElement *sink = p->get ("v");
  watch->attach (sink);
  gst_object_unref (sink);
  return p;
}

bool
play (Pipeline &p)
{
  return gst_element_set_state (p.pipeline, GST_STATE_PLAYING) != GST_STATE_CHANGE_FAILURE;
}

/* The first error within timeout, from a pipeline whose start may fail. */
GstMessage *
start_and_wait_error (Pipeline &p, GstClockTime timeout = 30 * GST_SECOND)
{
  gst_element_set_state (p.pipeline, GST_STATE_PLAYING);
  return p.wait (GST_MESSAGE_ERROR, timeout);
}

/* The errors and warnings on p's bus now, as text ("" when none). */
std::string
bus_report (const Pipeline &p)
{
  std::string report;
  auto types = (GstMessageType) (GST_MESSAGE_ERROR | GST_MESSAGE_WARNING);
  while (GstMessage *msg = p.wait (types, 0)) {
    GError *e = nullptr;
    gchar *debug = nullptr;
    bool error = GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR;
    if (error)
      gst_message_parse_error (msg, &e, &debug);
    else
      gst_message_parse_warning (msg, &e, &debug);
    g_autofree gchar *from = gst_object_get_path_string (GST_MESSAGE_SRC (msg));
    report += std::string (error ? "[error: " : "[warning: ") + (from ? from : "?") + ": " +
        (e ? e->message : "") + " (" + (debug ? debug : "") + ")] ";
    g_clear_error (&e);
    g_free (debug);
    gst_message_unref (msg);
  }
  return report;
}

bool
error_mentions (GstMessage *msg, const char *text)
{
  if (!msg)
    return false;
  GError *error = nullptr;
  gst_message_parse_error (msg, &error, nullptr);
  bool found = strstr (error->message, text) != nullptr;
  if (!found)
    ADD_FAILURE () << "'" << text << "' is not in: " << error->message;
  g_error_free (error);
  return found;
}

} // namespace

/* webrtcsend -> Janus -> webrtcrecv, decoded; the publisher leaves and the
 * subscriber's stream ends. */
TEST (Janus, PublishSubscribeAndEndOfStream)
{
  JanusServer janus (ROOMS);
  auto pub = publisher (janus.uri ("room=1234&display=cam"));
  ASSERT_TRUE (play (*pub));
  SinkWatch watch;
  auto sub = subscriber (janus.uri ("room=1234"), &watch);
  ASSERT_TRUE (play (*sub));
  EXPECT_TRUE (watch.wait_buffers (90, 20)) << "decoded " << watch.buffers << " frames";
  EXPECT_EQ (watch.media_type (), "video/x-raw");
  EXPECT_EQ (pub->pop_error (), nullptr);
  EXPECT_EQ (sub->pop_error (), nullptr);

  gst_element_set_state (pub->pipeline, GST_STATE_NULL);
  GstMessage *end = sub->wait ((GstMessageType) (GST_MESSAGE_EOS | GST_MESSAGE_ERROR),
      20 * GST_SECOND);
  ASSERT_NE (end, nullptr) << "the publisher left and the subscriber did not end";
  EXPECT_EQ (GST_MESSAGE_TYPE (end), GST_MESSAGE_EOS);
  gst_message_unref (end);
}

/* Two publishers; ?display= picks the second (told apart by its size). */
TEST (Janus, SubscriberPicksThePublisherByDisplay)
{
  JanusServer janus (ROOMS);
  auto a = publisher (janus.uri ("room=1234&display=alpha"), 320, 240);
  ASSERT_TRUE (play (*a));
  auto b = publisher (janus.uri ("room=1234&display=beta"), 480, 272);
  ASSERT_TRUE (play (*b));
  SinkWatch watch;
  auto sub = subscriber (janus.uri ("room=1234&display=beta"), &watch);
  ASSERT_TRUE (play (*sub));
  ASSERT_TRUE (watch.wait_buffers (30, 20)) << "decoded " << watch.buffers << " frames";
  std::lock_guard<std::mutex> guard (watch.lock);
  EXPECT_NE (watch.caps.find ("width=(int)480"), std::string::npos) << watch.caps;
}

/* A subscriber started before any publisher waits for the first one. */
TEST (Janus, SubscriberWaitsForAPublisher)
{
  JanusServer janus (ROOMS);
  SinkWatch watch;
  auto sub = subscriber (janus.uri ("room=1234"), &watch);
  ASSERT_TRUE (play (*sub));
  g_usleep (2 * G_USEC_PER_SEC);
  EXPECT_EQ (watch.buffers, 0);
  auto pub = publisher (janus.uri ("room=1234&display=late"));
  ASSERT_TRUE (play (*pub));
  EXPECT_TRUE (watch.wait_buffers (30, 20)) << "decoded " << watch.buffers << " frames";
}

/* ?create=1 makes a room with a secret and a pin; the pin then lets a
 * subscriber in, and its absence does not. */
TEST (Janus, CreatesTheRoomAndKeepsItsPin)
{
  JanusServer janus (ROOMS);
  auto pub = publisher (janus.uri ("room=777&create=1&secret=s3&pin=p1n&display=made"));
  ASSERT_TRUE (play (*pub));
  SinkWatch watch;
  auto sub = subscriber (janus.uri ("room=777&pin=p1n"), &watch);
  ASSERT_TRUE (play (*sub));
  EXPECT_TRUE (watch.wait_buffers (30, 20)) << "decoded " << watch.buffers << " frames";

  SinkWatch refused_watch;
  auto refused = subscriber (janus.uri ("room=777"), &refused_watch);
  GstMessage *msg = start_and_wait_error (*refused);
  expect_error (msg, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NOT_AUTHORIZED);
  EXPECT_TRUE (error_mentions (msg, "pin"));
  if (msg)
    gst_message_unref (msg);
}

/* Janus' refusals, each with its code and what to fix. */
TEST (Janus, RefusalsSayWhatToFix)
{
  JanusServer janus (ROOMS);
  {
    auto pub = publisher (janus.uri ("room=999&display=nowhere"));
    GstMessage *msg = start_and_wait_error (*pub);
    expect_error (msg, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NOT_FOUND);
    EXPECT_TRUE (error_mentions (msg, "create=1"));
    if (msg)
      gst_message_unref (msg);
  }
  {
    auto pub = publisher (janus.uri ("room=2000&pin=wrong"));
    GstMessage *msg = start_and_wait_error (*pub);
    expect_error (msg, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NOT_AUTHORIZED);
    if (msg)
      gst_message_unref (msg);
  }
  {
    auto first = publisher (janus.uri ("room=3000&display=first"));
    ASSERT_TRUE (play (*first));
    SinkWatch watch;
    auto sub = subscriber (janus.uri ("room=3000"), &watch);
    ASSERT_TRUE (play (*sub));
    EXPECT_TRUE (watch.wait_buffers (30, 20))
        << "a subscriber must not take a publisher's place; decoded " << watch.buffers;
    auto second = publisher (janus.uri ("room=3000&display=second"));
    GstMessage *msg = start_and_wait_error (*second);
    expect_error (msg, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_BUSY);
    if (msg)
      gst_message_unref (msg);
  }
}

/* Janus with an API secret: refused without it, in with it. */
TEST (Janus, ApiSecret)
{
  JanusServer janus (ROOMS, JanusServer::Options { "hush", false });
  {
    auto pub = publisher (janus.uri ("room=1234"));
    GstMessage *msg = start_and_wait_error (*pub);
    expect_error (msg, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NOT_AUTHORIZED);
    EXPECT_TRUE (error_mentions (msg, "api-secret"));
    if (msg)
      gst_message_unref (msg);
  }
  auto pub = publisher (janus.uri ("room=1234"));
  pub->set_signaller ("s", "api-secret", "hush");
  ASSERT_TRUE (play (*pub));
  SinkWatch watch;
  auto sub = subscriber (janus.uri ("room=1234"), &watch);
  sub->set_signaller ("r", "api-secret", "hush");
  ASSERT_TRUE (play (*sub));
  EXPECT_TRUE (watch.wait_buffers (30, 20)) << "decoded " << watch.buffers << " frames";
}

/* Janus restarts: the publisher warns, connects again, joins and
 * publishes again; a new subscriber decodes it. */
TEST (Janus, PublisherOutlivesAJanusRestart)
{
  JanusServer janus (ROOMS);
  auto pub = publisher (janus.uri ("room=1234&display=survivor"));
  ASSERT_TRUE (play (*pub));
  {
    SinkWatch watch;
    auto sub = subscriber (janus.uri ("room=1234"), &watch);
    ASSERT_TRUE (play (*sub));
    ASSERT_TRUE (watch.wait_buffers (30, 20)) << "decoded " << watch.buffers << " frames";
  }
  janus.stop ();
  GstMessage *warning = pub->wait (GST_MESSAGE_WARNING, 10 * GST_SECOND);
  ASSERT_NE (warning, nullptr) << "no warning that Janus went away";
  GError *error = nullptr;
  gst_message_parse_warning (warning, &error, nullptr);
  EXPECT_NE (strstr (error->message, "went away"), nullptr) << error->message;
  g_error_free (error);
  gst_message_unref (warning);
  janus.start ();
  SinkWatch watch;
  auto sub = subscriber (janus.uri ("room=1234"), &watch);
  ASSERT_TRUE (play (*sub));
  bool decoded = watch.wait_buffers (30, 30);
  std::string from_pub = bus_report (*pub), from_sub = bus_report (*sub);
  EXPECT_TRUE (decoded) << "decoded " << watch.buffers << " frames; publisher's bus: "
                        << from_pub << "; subscriber's bus: " << from_sub;
  EXPECT_EQ (from_pub.find ("error:"), std::string::npos) << from_pub;
}

/* gst-webrtc-send --test --to janus+ws://...: the tool publishes into the
 * room like the element does. */
TEST (Janus, SendToolPublishes)
{
  JanusServer janus (ROOMS);
  const char *build = g_getenv ("GST_WEBRTCSIGNAL_BUILD_ROOT");
  ASSERT_NE (build, nullptr);
  std::string tool = std::string (build) + "/tools/gst-webrtc-send";
  std::string to = janus.uri ("room=1234&display=tool");
  const char *argv[] = { tool.c_str (), "--test", "--to", to.c_str (), "--quiet", nullptr };
  GPid pid = 0;
  GError *error = nullptr;
  bool spawned = g_spawn_async (nullptr, (gchar **) argv, nullptr,
      (GSpawnFlags) (G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL), nullptr, nullptr,
      &pid, &error);
  std::string why = error ? error->message : "";
  g_clear_error (&error);
  ASSERT_TRUE (spawned) << why;
  SinkWatch watch;
  auto sub = subscriber (janus.uri ("room=1234&display=tool"), &watch);
  /* Until the tool has joined, the subscriber waits for it. */
  ASSERT_TRUE (play (*sub));
  EXPECT_TRUE (watch.wait_buffers (30, 25)) << "decoded " << watch.buffers
                                            << " frames of gst-webrtc-send";
  gstsig::test::stop_process (pid, SIGINT);
}

/* pipelines/janus-publish.sh, as a user runs it. */
TEST (Janus, PipelineScriptPublishes)
{
  JanusServer janus (ROOMS);
  const char *src = g_getenv ("GST_WEBRTCSIGNAL_SOURCE_ROOT");
  ASSERT_NE (src, nullptr);
  std::string script = std::string (src) + "/pipelines/janus-publish.sh";
  std::string uri = janus.uri ("room=1234&display=script");
  const char *argv[] = { "sh", script.c_str (), uri.c_str (), nullptr };
  GPid pid = 0;
  GError *error = nullptr;
  gchar **env = gstsig::test::uninstrumented_environment ();
  bool spawned = g_spawn_async (nullptr, (gchar **) argv, env,
      (GSpawnFlags) (G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL),
      nullptr, nullptr, &pid, &error);
  g_strfreev (env);
  std::string why = error ? error->message : "";
  g_clear_error (&error);
  ASSERT_TRUE (spawned) << why;
  SinkWatch watch;
  auto sub = subscriber (janus.uri ("room=1234&display=script"), &watch);
  ASSERT_TRUE (play (*sub));
  EXPECT_TRUE (watch.wait_buffers (30, 25)) << "decoded " << watch.buffers << " frames";
  std::lock_guard<std::mutex> guard (watch.lock);
  EXPECT_NE (watch.caps.find ("width=(int)640"), std::string::npos) << watch.caps;
  gstsig::test::stop_process (pid, SIGINT);
}

/* janus+wss://: Janus' secure WebSockets with a self-signed certificate,
 * trusted through signaller::ca-file; without it, the certificate is
 * refused with a message naming the problem and the property. */
TEST (Janus, SecureWebSocketsWithTheServersCertificate)
{
  JanusServer janus (ROOMS, JanusServer::Options { "", true });
  {
    auto pub = publisher (janus.uri ("room=1234&display=untrusted"));
    GstMessage *msg = start_and_wait_error (*pub);
    expect_error (msg, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NOT_AUTHORIZED);
    EXPECT_TRUE (error_mentions (msg, "ca-file"));
    if (msg)
      gst_message_unref (msg);
  }
  auto pub = publisher (janus.uri ("room=1234&display=tls"));
  pub->set_signaller ("s", "ca-file", janus.cert_file ().c_str ());
  ASSERT_TRUE (play (*pub));
  SinkWatch watch;
  auto sub = subscriber (janus.uri ("room=1234"), &watch);
  sub->set_signaller ("r", "ca-file", janus.cert_file ().c_str ());
  ASSERT_TRUE (play (*sub));
  EXPECT_TRUE (watch.wait_buffers (30, 20)) << "decoded " << watch.buffers << " frames";
  EXPECT_EQ (pub->pop_error (), nullptr);
}
