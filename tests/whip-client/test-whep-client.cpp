/* The WHEP client (webrtcrecv uri=whep+http://...) against a scriptable
 * WHEP server (libsoup, in this process) whose media side is a real
 * webrtcsend (test pattern + tone) negotiating through the manual
 * signaller's application API: media received when we offer and when the
 * server offers, playbin/gst-play on a whep+http:// URI decoding video,
 * DELETE on stop, and refusals as element errors with their codes. Runs
 * inside a loopback-only network namespace (run-in-netns.sh).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "whip-test-server.h"

#include <gst/gst.h>
#include <gtest/gtest.h>

#include <atomic>
#include <string>

using gstsig::test::HttpExchange;
using gstsig::test::ManualSender;
using gstsig::test::Pipeline;
using gstsig::test::WebrtcbinSender;
using gstsig::test::WhipTestServer;

namespace {

struct Counter {
  std::atomic<int> buffers { 0 };
  void attach (GstElement *sink)
  {
    g_object_set (sink, "signal-handoffs", TRUE, nullptr);
    g_signal_connect (sink, "handoff", G_CALLBACK (+[] (GstElement *, GstBuffer *, GstPad *,
                                                       Counter *self) { self->buffers++; }),
        this);
  }
};

std::string
receiver (const std::string &uri, const std::string &props = "")
{
  return "webrtcrecv name=r uri=" + uri + " " + props +
         " r.video_0 ! fakesink name=video async=false r.audio_0 ! fakesink name=audio async=false";
}

bool
wait_count (Counter &c, int n, int timeout_s = 20)
{
  for (int i = 0; i < timeout_s * 20 && c.buffers < n; i++)
    g_usleep (50 * 1000);
  return c.buffers >= n;
}

void
no_error (Pipeline &p)
{
  GstMessage *error = p.pop_error ();
  if (error) {
    GError *e = nullptr;
    gst_message_parse_error (error, &e, nullptr);
    ADD_FAILURE () << e->message;
    g_error_free (e);
    gst_message_unref (error);
  }
}

} // namespace

/* We offer receive-only; a webrtcbin (behind the server) answers. */
TEST (WhepClient, ReceivesMediaWithItsOwnOffer)
{
  WebrtcbinSender sender;
  WhipTestServer server;
  server.script.endpoint = "/whep";
  server.on_post = [&] (const std::string &offer) { return sender.answer (offer); };
  ASSERT_TRUE (server.start ());
  Counter video, audio;
  {
    Pipeline p (receiver (server.uri ("whep")));
    GstElement *v = p.get ("video"), *a = p.get ("audio");
    video.attach (v);
    audio.attach (a);
    gst_object_unref (v);
    gst_object_unref (a);
    ASSERT_NE (gst_element_set_state (p.pipeline, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
    EXPECT_TRUE (wait_count (video, 30)) << video.buffers << " video buffers";
    EXPECT_TRUE (wait_count (audio, 30)) << audio.buffers << " audio buffers";
    no_error (p);

    auto posts = server.with_method ("POST");
    ASSERT_EQ (posts.size (), 1u);
    const std::string &offer = posts[0].body;
    EXPECT_EQ (posts[0].content_type, "application/sdp");
    EXPECT_NE (offer.find ("m=video"), std::string::npos) << offer;
    EXPECT_NE (offer.find ("m=audio"), std::string::npos) << offer;
    EXPECT_EQ (offer.find ("a=sendrecv"), std::string::npos) << offer;
    EXPECT_NE (offer.find ("a=recvonly"), std::string::npos) << offer;
    for (const char *codec : { "VP8/90000", "H264/90000", "VP9/90000", "OPUS/48000" })
      EXPECT_NE (offer.find (codec), std::string::npos) << codec << " offered\n" << offer;
    ASSERT_TRUE (server.wait_requests ("PATCH", 1));
    for (const HttpExchange &patch : server.with_method ("PATCH")) {
      EXPECT_EQ (patch.content_type, "application/trickle-ice-sdpfrag");
      EXPECT_EQ (patch.if_match, "\"ice-1\"");
    }
  }
  auto deletes = server.with_method ("DELETE");
  ASSERT_EQ (deletes.size (), 1u);
  EXPECT_EQ (deletes[0].path, "/session/1");
}

/* server-offer=true: an empty POST, the server's offer in the 201, our
 * answer sent with PATCH application/sdp. */
TEST (WhepClient, ReceivesMediaWhenTheServerOffers)
{
  ManualSender sender (false);
  WhipTestServer server;
  server.script.endpoint = "/whep";
  server.on_post = [&] (const std::string &body) {
    EXPECT_TRUE (body.empty ()) << body;
    return sender.local_sdp ();
  };
  server.on_patch = [&] (const std::string &type, const std::string &body) {
    if (type == "application/sdp")
      sender.paste (body);
  };
  ASSERT_TRUE (server.start ());
  Counter video;
  {
    Pipeline p (receiver (server.uri ("whep")));
    /* (Not signaller::server-offer=true in the launch line: that path
     * leaves a reference on the signaller; see test-whip-client.cpp.) */
    GstElement *r = p.get ("r");
    GObject *signaller = nullptr;
    g_object_get (r, "signaller", &signaller, nullptr);
    g_object_set (signaller, "server-offer", TRUE, nullptr);
    g_object_unref (signaller);
    gst_object_unref (r);
    GstElement *v = p.get ("video");
    video.attach (v);
    gst_object_unref (v);
    ASSERT_NE (gst_element_set_state (p.pipeline, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
    EXPECT_TRUE (wait_count (video, 30)) << video.buffers << " video buffers";
    no_error (p);
    auto posts = server.with_method ("POST");
    ASSERT_EQ (posts.size (), 1u);
    EXPECT_TRUE (posts[0].body.empty ());
    auto patches = server.with_method ("PATCH");
    ASSERT_GE (patches.size (), 1u);
    EXPECT_EQ (patches[0].content_type, "application/sdp");
    EXPECT_NE (patches[0].body.find ("a=recvonly"), std::string::npos) << patches[0].body;
    EXPECT_EQ (patches[0].if_match, "\"ice-1\"");
  }
  EXPECT_EQ (server.with_method ("DELETE").size (), 1u);
}

/* playbin (what gst-play-1.0 uses) takes whep+http:// through webrtcrecv's
 * URI handler and decodes the video. */
TEST (WhepClient, PlaybinPlaysAWhepUri)
{
  WebrtcbinSender sender;
  WhipTestServer server;
  server.script.endpoint = "/whep";
  server.on_post = [&] (const std::string &offer) { return sender.answer (offer); };
  ASSERT_TRUE (server.start ());
  Pipeline p ("playbin uri=" + server.uri ("whep") +
      " video-sink=\"fakesink name=video sync=false\" audio-sink=\"fakesink sync=false\"");
  GstElement *v = nullptr;
  g_object_get (p.pipeline, "video-sink", &v, nullptr);
  ASSERT_NE (v, nullptr);
  Counter frames;
  frames.attach (v);
  std::string caps;
  GstPad *pad = gst_element_get_static_pad (v, "sink");
  gst_object_unref (v);
  ASSERT_NE (gst_element_set_state (p.pipeline, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  EXPECT_TRUE (wait_count (frames, 30)) << frames.buffers << " decoded frames";
  GstCaps *current = gst_pad_get_current_caps (pad);
  ASSERT_NE (current, nullptr);
  EXPECT_TRUE (gst_structure_has_name (gst_caps_get_structure (current, 0), "video/x-raw"));
  gst_caps_unref (current);
  gst_object_unref (pad);
  GstState state = GST_STATE_NULL;
  gst_element_get_state (p.pipeline, &state, nullptr, 5 * GST_SECOND);
  EXPECT_EQ (state, GST_STATE_PLAYING);
  no_error (p);
}

/* webrtcrecv keeps the signaller's error domain and code. */
TEST (WhepClient, RefusalIsAnElementErrorWithItsCode)
{
  WhipTestServer server;
  server.script.endpoint = "/whep";
  server.script.post_status = 403;
  server.script.post_reason = "Forbidden";
  server.script.post_body = "viewer not allowed";
  ASSERT_TRUE (server.start ());
  Pipeline p (receiver (server.uri ("whep")));
  ASSERT_NE (gst_element_set_state (p.pipeline, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  GstMessage *msg = p.wait (GST_MESSAGE_ERROR);
  ASSERT_NE (msg, nullptr);
  GError *error = nullptr;
  gst_message_parse_error (msg, &error, nullptr);
  EXPECT_EQ (error->domain, GST_RESOURCE_ERROR);
  EXPECT_EQ (error->code, GST_RESOURCE_ERROR_NOT_AUTHORIZED);
  EXPECT_EQ (std::string (error->message).rfind ("WHEP server " + server.base () +
      "/whep refused the offer: 403 Forbidden: viewer not allowed", 0), 0u) << error->message;
  g_error_free (error);
  gst_message_unref (msg);
}

/* Our client to our endpoint: webrtcrecv uri=whep+http:// plays
 * webrtcsend uri=whep-listen://: webrtcbin's offer answered by webrtcsend. */
TEST (WhepClient, PlaysOurWhepEndpoint)
{
  Pipeline endpoint ("videotestsrc is-live=true ! video/x-raw,width=320,height=240,framerate=30/1 ! "
      "webrtcsend name=s uri=whep-listen://127.0.0.1:0/whep video-codecs=vp8 "
      "audiotestsrc is-live=true ! s.");
  ASSERT_NE (gst_element_set_state (endpoint.pipeline, GST_STATE_PLAYING),
      GST_STATE_CHANGE_FAILURE);
  GstElement *s = endpoint.get ("s");
  GObject *listener = nullptr;
  g_object_get (s, "signaller", &listener, nullptr);
  gchar *url = nullptr;
  g_object_get (listener, "url", &url, nullptr);
  g_object_unref (listener);
  gst_object_unref (s);
  ASSERT_NE (url, nullptr);
  std::string endpoint_url = url;
  g_free (url);
  Counter video;
  {
    Pipeline p (receiver ("whep+" + endpoint_url));
    GstElement *v = p.get ("video");
    video.attach (v);
    gst_object_unref (v);
    ASSERT_NE (gst_element_set_state (p.pipeline, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
    EXPECT_TRUE (wait_count (video, 30)) << video.buffers << " video buffers";
    no_error (p);
  }
}
