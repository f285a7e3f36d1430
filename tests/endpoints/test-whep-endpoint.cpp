/* The WHEP endpoint inside webrtcsend (uri=whep-listen://): real webrtcbin
 * viewers POST recvonly offers with libsoup; two receive media from one
 * encoder, the one beyond max-consumers gets 503, DELETE ends a viewer, and
 * a viewer that vanishes without DELETE is ended by peer-timeout and its
 * resource removed. Runs inside a loopback-only network namespace.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "endpoint-client.h"
#include "test-pipeline.h"

#include <gst/gst.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>

using endpoint_test::Http;
using endpoint_test::Peer;
using endpoint_test::Response;
using gstsig::test::Pipeline;

namespace {

const char *SDP = "application/sdp";
const char *FRAG = "application/trickle-ice-sdpfrag";

/* Elements made by a factory, anywhere inside bin. */
int
count_factory (GstBin *bin, const char *factory)
{
  int n = 0;
  GstIterator *it = gst_bin_iterate_recurse (bin);
  GValue item = G_VALUE_INIT;
  while (gst_iterator_next (it, &item) == GST_ITERATOR_OK) {
    GstElementFactory *f = gst_element_get_factory (GST_ELEMENT (g_value_get_object (&item)));
    if (f && g_strcmp0 (GST_OBJECT_NAME (f), factory) == 0)
      n++;
    g_value_reset (&item);
  }
  g_value_unset (&item);
  gst_iterator_free (it);
  return n;
}

unsigned
consumers (GstElement *send)
{
  guint n = 0;
  g_object_get (send, "consumers", &n, nullptr);
  return n;
}

struct Viewer {
  Peer peer { "webrtcbin name=w" };
  std::string offer, resource, etag;

  Viewer ()
  {
    peer.add_recvonly ("application/x-rtp,media=video,encoding-name=VP8,payload=96,"
                       "clock-rate=90000");
    peer.add_recvonly ("application/x-rtp,media=audio,encoding-name=OPUS,payload=111,"
                       "clock-rate=48000,encoding-params=(string)2");
    peer.play ();
    offer = peer.offer ();
  }

  /* POSTs the offer; on 201 takes the answer and PATCHes our candidates. */
  Response view (Http &http, const std::string &url)
  {
    Response created = http.request ("POST", url, SDP, offer);
    if (created.status != 201)
      return created;
    resource = Http::resolve (url, created.header ("Location"));
    etag = created.header ("ETag");
    EXPECT_TRUE (peer.answer (created.body, false));
    EXPECT_TRUE (peer.wait_gathered ());
    Response patched = http.request ("PATCH", resource, FRAG, peer.sdpfrag (offer),
        { { "If-Match", etag } });
    EXPECT_EQ (patched.status, 204u) << patched.body;
    return created;
  }
};

} // namespace

TEST (WhepEndpoint, ViewersShareOneEncoderUpToMaxConsumers)
{
  Pipeline p ("videotestsrc is-live=true ! video/x-raw,width=320,height=240,framerate=30/1 ! "
              "webrtcsend name=s uri=whep-listen://127.0.0.1:0/whep video-codecs=vp8 "
              "max-consumers=2 peer-timeout=8 audiotestsrc is-live=true ! s.");
  ASSERT_NE (gst_element_set_state (p.pipeline, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  GstElement *send = p.get ("s");
  std::string url = endpoint_test::endpoint_url (send);
  ASSERT_EQ (url.rfind ("http://127.0.0.1:", 0), 0u) << url;
  EXPECT_TRUE (url.find ("/whep") != std::string::npos) << url;
  Http http;

  auto first = std::make_unique<Viewer> ();
  auto second = std::make_unique<Viewer> ();
  Response one = first->view (http, url);
  ASSERT_EQ (one.status, 201u) << one.body;
  EXPECT_EQ (one.header ("Content-Type"), SDP);
  EXPECT_TRUE (one.body.find ("a=candidate:") != std::string::npos);
  /* The answer takes the viewer's payload types. */
  EXPECT_TRUE (one.body.find ("m=video 9 UDP/TLS/RTP/SAVPF 96") != std::string::npos) << one.body;
  Response two = second->view (http, url);
  ASSERT_EQ (two.status, 201u) << two.body;
  EXPECT_NE (first->resource, second->resource);

  EXPECT_TRUE (first->peer.wait_received (30, 20))
      << "first viewer: video " << first->peer.received ("video") << ", audio "
      << first->peer.received ("audio");
  EXPECT_TRUE (second->peer.wait_received (30, 20))
      << "second viewer: video " << second->peer.received ("video") << ", audio "
      << second->peer.received ("audio");
  EXPECT_EQ (consumers (send), 2u);
  EXPECT_EQ (count_factory (GST_BIN (send), "vp8enc"), 1) << "one encoder for every viewer";
  EXPECT_EQ (count_factory (GST_BIN (send), "opusenc"), 1);

  /* Beyond max-consumers: 503 with Retry-After, and nothing started. */
  Viewer third;
  Response full = http.request ("POST", url, SDP, third.offer);
  EXPECT_EQ (full.status, 503u) << full.body;
  EXPECT_FALSE (full.header ("Retry-After").empty ());
  EXPECT_TRUE (full.body.find ("max-consumers") != std::string::npos) << full.body;
  EXPECT_EQ (consumers (send), 2u);

  /* DELETE ends that viewer only. */
  Response deleted = http.request ("DELETE", first->resource);
  EXPECT_EQ (deleted.status, 200u);
  for (int i = 0; i < 100 && consumers (send) != 1; i++)
    g_usleep (50 * 1000);
  EXPECT_EQ (consumers (send), 1u);
  EXPECT_EQ (http.request ("DELETE", first->resource).status, 404u);
  int before = second->peer.received ("video");
  g_usleep (500 * 1000);
  EXPECT_GT (second->peer.received ("video"), before) << "the other viewer keeps receiving";

  /* The freed place is taken by the next viewer. */
  Response third_view = third.view (http, url);
  EXPECT_EQ (third_view.status, 201u) << third_view.body;
  EXPECT_TRUE (third.peer.wait_received (30, 10));

  /* A viewer that vanishes without DELETE: peer-timeout ends it, and its
   * resource goes with it. */
  std::string vanished = second->resource;
  second.reset ();
  /* A GStreamer viewer sends RTCP every 2.5-7.5 s: peer-timeout 8 s. */
  for (int i = 0; i < 400 && consumers (send) != 1; i++)
    g_usleep (50 * 1000);
  EXPECT_EQ (consumers (send), 1u) << "the vanished viewer was not ended";
  EXPECT_EQ (http.request ("DELETE", vanished).status, 404u);
  EXPECT_EQ (http.request ("DELETE", third.resource).status, 200u);

  GstMessage *error = p.pop_error ();
  EXPECT_EQ (error, nullptr);
  if (error)
    gst_message_unref (error);
  gst_object_unref (send);
}

TEST (WhepEndpoint, BearerTokenAndErrors)
{
  Pipeline p ("videotestsrc is-live=true ! webrtcsend name=s video-codecs=vp8 "
              "uri=whep-listen://127.0.0.1:0/live/whep");
  GstElement *send = p.get ("s");
  endpoint_test::set_signaller_property (send, "auth-token", "letmein");
  ASSERT_NE (gst_element_set_state (p.pipeline, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  std::string url = endpoint_test::endpoint_url (send);
  gst_object_unref (send);
  EXPECT_TRUE (url.find ("/live/whep") != std::string::npos) << url;
  Http http;
  Viewer viewer;
  Response anonymous = http.request ("POST", url, SDP, viewer.offer);
  EXPECT_EQ (anonymous.status, 401u);
  EXPECT_FALSE (anonymous.header ("WWW-Authenticate").empty ());
  Response no_media = http.request ("POST", url, SDP, "v=0\r\ns=-\r\nt=0 0\r\n",
      { { "Authorization", "Bearer letmein" } });
  EXPECT_EQ (no_media.status, 400u);
  Response created = http.request ("POST", url, SDP, viewer.offer,
      { { "Authorization", "Bearer letmein" } });
  EXPECT_EQ (created.status, 201u) << created.body;
  std::string resource = Http::resolve (url, created.header ("Location"));
  EXPECT_EQ (created.header ("Location").rfind ("/live/whep/", 0), 0u);
  EXPECT_EQ (http.request ("DELETE", resource).status, 401u) << "DELETE needs the token too";
  EXPECT_EQ (http.request ("DELETE", resource, "", "", { { "Authorization", "Bearer letmein" } })
                 .status, 200u);
}

/* Our WHEP client (webrtcrecv uri=whep+http://) plays a pre-encoded H264
 * High stream from our endpoint: webrtcrecv's receive-only offer lists
 * High among its H264 profiles, so webrtcsend finds a payload type that
 * decodes the stream (with constrained baseline only, it refuses). */
TEST (WhepEndpoint, OurClientPlaysAPreEncodedHighProfileStream)
{
  Pipeline p ("videotestsrc is-live=true ! video/x-raw,width=320,height=240,framerate=30/1 ! "
              "x264enc tune=zerolatency key-int-max=30 ! video/x-h264,profile=high ! "
              "webrtcsend name=s uri=whep-listen://127.0.0.1:0/whep");
  ASSERT_NE (gst_element_set_state (p.pipeline, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  GstElement *send = p.get ("s");
  std::string url = endpoint_test::endpoint_url (send);
  gst_object_unref (send);
  ASSERT_EQ (url.rfind ("http://127.0.0.1:", 0), 0u) << url;

  Pipeline viewer ("webrtcrecv name=r uri=whep+" + url + " r.video_0 ! "
                   "video/x-raw ! fakesink name=frames sync=false");
  GstElement *sink = viewer.get ("frames");
  GstPad *pad = gst_element_get_static_pad (sink, "sink");
  std::atomic<int> frames { 0 };
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER,
      [] (GstPad *, GstPadProbeInfo *, gpointer data) {
        (*static_cast<std::atomic<int> *> (data))++;
        return GST_PAD_PROBE_OK;
      }, &frames, nullptr);
  gst_object_unref (pad);
  gst_object_unref (sink);
  ASSERT_NE (gst_element_set_state (viewer.pipeline, GST_STATE_PLAYING),
      GST_STATE_CHANGE_FAILURE);
  for (int i = 0; i < 200 && frames < 30; i++)
    g_usleep (50 * 1000);
  EXPECT_GE (frames.load (), 30) << "decoded H264 High frames at the WHEP client";
  GstMessage *error = viewer.pop_error ();
  EXPECT_EQ (error, nullptr);
  if (error)
    gst_message_unref (error);
  error = p.pop_error ();
  EXPECT_EQ (error, nullptr);
  if (error)
    gst_message_unref (error);
  gst_element_set_state (viewer.pipeline, GST_STATE_NULL);
}
