/* The WHIP endpoint inside webrtcrecv (uri=whip-listen://): a real
 * webrtcbin publisher POSTs its offer with libsoup, trickles its candidates
 * with PATCH, its media reaches webrtcrecv's pads, DELETE ends the session
 * with EOS; every HTTP error a client can meet, with status and body. Runs
 * inside a loopback-only network namespace (run-in-netns.sh).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "endpoint-client.h"
#include "test-pipeline.h"

#include <gst/gst.h>
#include <gtest/gtest.h>

#include <atomic>
#include <string>

using endpoint_test::Http;
using endpoint_test::Peer;
using endpoint_test::Response;
using gstsig::test::Pipeline;

namespace {

const char *SDP = "application/sdp";
const char *FRAG = "application/trickle-ice-sdpfrag";

struct Counter {
  std::atomic<int> buffers { 0 };
  void attach (GstElement *sink)
  {
    g_object_set (sink, "signal-handoffs", TRUE, nullptr);
    g_signal_connect (sink, "handoff", G_CALLBACK (+[] (GstElement *, GstBuffer *, GstPad *,
                                                       Counter *self) { self->buffers++; }), this);
    gst_object_unref (sink);
  }
  bool wait (int n, int timeout_s = 20)
  {
    for (int i = 0; i < timeout_s * 20 && buffers < n; i++)
      g_usleep (50 * 1000);
    return buffers >= n;
  }
};

/* A webrtcrecv with a WHIP endpoint on a free port, its URL. */
struct Receiver {
  Pipeline pipeline;
  Counter video, audio;
  std::string url;

  explicit Receiver (const std::string &auth_token = "")
      : pipeline ("webrtcrecv name=r uri=whip-listen://127.0.0.1:0/whip "
            " r.video_0 ! fakesink name=video async=false "
            "r.audio_0 ! fakesink name=audio async=false")
  {
    video.attach (pipeline.get ("video"));
    audio.attach (pipeline.get ("audio"));
    GstElement *r = pipeline.get ("r");
    if (!auth_token.empty ())
      endpoint_test::set_signaller_property (r, "auth-token", auth_token.c_str ());
    EXPECT_NE (gst_element_set_state (pipeline.pipeline, GST_STATE_PLAYING),
        GST_STATE_CHANGE_FAILURE);
    url = endpoint_test::endpoint_url (r);
    gst_object_unref (r);
    EXPECT_EQ (url.rfind ("http://127.0.0.1:", 0), 0u) << url;
    EXPECT_EQ (url.find (":0/"), std::string::npos) << "the bound port, not 0: " << url;
  }
};

std::string
publisher_offer (Peer &peer)
{
  peer.play ();
  peer.make_senders_sendonly ();
  return peer.offer ();
}

bool
contains (const std::string &text, const std::string &what)
{
  return text.find (what) != std::string::npos;
}

} // namespace

/* The whole happy path, then what a publisher can get wrong on its session,
 * a second publisher, DELETE with EOS, and the resource gone. */
TEST (WhipEndpoint, PublisherMediaReachesPadsAndDeleteEndsWithEos)
{
  Receiver recv;
  Http http;
  Peer publisher (endpoint_test::PUBLISHER);
  std::string offer = publisher_offer (publisher);
  ASSERT_FALSE (offer.empty ());

  Response created = http.request ("POST", recv.url, SDP, offer);
  ASSERT_EQ (created.status, 201u) << created.body;
  EXPECT_EQ (created.header ("Content-Type"), SDP);
  std::string location = created.header ("Location");
  EXPECT_EQ (location.rfind ("/whip/", 0), 0u) << location;
  std::string etag = created.header ("ETag");
  EXPECT_FALSE (etag.empty ());
  EXPECT_EQ (created.header ("Access-Control-Allow-Origin"), "*");
  EXPECT_TRUE (contains (created.header ("Access-Control-Expose-Headers"), "Location"));
  EXPECT_TRUE (contains (created.body, "a=candidate:")) << "our answer carries our candidates";
  EXPECT_TRUE (contains (created.body, "a=end-of-candidates"));
  std::string resource = Http::resolve (recv.url, location);

  /* Without the answer's candidates, only the ones we PATCH connect us. */
  ASSERT_TRUE (publisher.answer (created.body, true));
  ASSERT_TRUE (publisher.wait_gathered ());
  ASSERT_GT (publisher.candidate_count (), 0u);
  Response patched = http.request ("PATCH", resource, FRAG, publisher.sdpfrag (offer),
      { { "If-Match", etag } });
  EXPECT_EQ (patched.status, 204u) << patched.body;

  EXPECT_TRUE (recv.video.wait (30)) << "video buffers: " << recv.video.buffers;
  EXPECT_TRUE (recv.audio.wait (20)) << "audio buffers: " << recv.audio.buffers;

  /* A second publisher while this one is live. */
  Peer second (endpoint_test::PUBLISHER);
  std::string second_offer = publisher_offer (second);
  Response busy = http.request ("POST", recv.url, SDP, second_offer);
  EXPECT_EQ (busy.status, 409u) << busy.body;
  EXPECT_TRUE (contains (busy.body, "one publisher at a time")) << busy.body;

  /* What a client can get wrong on its session. */
  Response mismatch = http.request ("PATCH", resource, FRAG, publisher.sdpfrag (offer),
      { { "If-Match", "\"not-the-etag\"" } });
  EXPECT_EQ (mismatch.status, 412u) << mismatch.body;
  EXPECT_TRUE (contains (mismatch.body, "ETag")) << mismatch.body;
  Response wrong_type = http.request ("PATCH", resource, "text/plain", "a=end-of-candidates\r\n");
  EXPECT_EQ (wrong_type.status, 415u);
  EXPECT_TRUE (contains (wrong_type.body, FRAG)) << wrong_type.body;
  Response garbage = http.request ("PATCH", resource, FRAG, "this is not a fragment\r\n");
  EXPECT_EQ (garbage.status, 400u);
  EXPECT_TRUE (contains (garbage.body, "line 1")) << garbage.body;
  Response restart = http.request ("PATCH", resource, FRAG,
      "a=ice-ufrag:newufrag\r\na=ice-pwd:newpasswordnewpasswordnew\r\n", { { "If-Match", "*" } });
  EXPECT_EQ (restart.status, 422u);
  EXPECT_TRUE (contains (restart.body, "ICE restart")) << restart.body;

  /* DELETE ends the session: every pad gets EOS, the pipeline ends. */
  gint64 t0 = g_get_monotonic_time ();
  Response deleted = http.request ("DELETE", resource);
  EXPECT_EQ (deleted.status, 200u) << deleted.body;
  GstMessage *msg = recv.pipeline.wait ((GstMessageType) (GST_MESSAGE_EOS | GST_MESSAGE_ERROR),
      10 * GST_SECOND);
  ASSERT_NE (msg, nullptr) << "no EOS after DELETE";
  EXPECT_EQ (GST_MESSAGE_TYPE (msg), GST_MESSAGE_EOS);
  gst_message_unref (msg);
  EXPECT_LT ((g_get_monotonic_time () - t0) / 1e6, 5.0) << "EOS came late";

  Response again = http.request ("DELETE", resource);
  EXPECT_EQ (again.status, 404u);
  Response late_patch = http.request ("PATCH", resource, FRAG, publisher.sdpfrag (offer),
      { { "If-Match", etag } });
  EXPECT_EQ (late_patch.status, 404u);
  Response reused = http.request ("POST", recv.url, SDP, second_offer);
  EXPECT_EQ (reused.status, 409u);
  EXPECT_TRUE (contains (reused.body, "restart the pipeline")) << reused.body;
}

/* Requests the endpoint refuses before any session exists. */
TEST (WhipEndpoint, RefusesBadRequestsWithAReason)
{
  Receiver recv ("s3cret");
  Http http;
  auto auth = std::vector<std::pair<std::string, std::string>> {
    { "Authorization", "Bearer s3cret" } };

  Response options = http.request ("OPTIONS", recv.url);
  EXPECT_EQ (options.status, 204u);
  EXPECT_EQ (options.header ("Access-Control-Allow-Origin"), "*");
  EXPECT_TRUE (contains (options.header ("Access-Control-Allow-Methods"), "POST"));
  EXPECT_TRUE (contains (options.header ("Access-Control-Allow-Headers"), "Authorization"));
  EXPECT_TRUE (contains (options.header ("Access-Control-Expose-Headers"), "ETag"));
  EXPECT_EQ (options.header ("Accept-Post"), SDP);

  Peer publisher (endpoint_test::PUBLISHER);
  std::string offer = publisher_offer (publisher);

  Response anonymous = http.request ("POST", recv.url, SDP, offer);
  EXPECT_EQ (anonymous.status, 401u);
  EXPECT_EQ (anonymous.header ("WWW-Authenticate").rfind ("Bearer", 0), 0u);
  EXPECT_TRUE (contains (anonymous.body, "Authorization: Bearer")) << anonymous.body;
  Response wrong = http.request ("POST", recv.url, SDP, offer,
      { { "Authorization", "Bearer guess" } });
  EXPECT_EQ (wrong.status, 401u);

  Response type = http.request ("POST", recv.url, "text/plain", offer, auth);
  EXPECT_EQ (type.status, 415u);
  EXPECT_TRUE (contains (type.body, "application/sdp")) << type.body;
  Response empty = http.request ("POST", recv.url, SDP, "", auth);
  EXPECT_EQ (empty.status, 400u);
  EXPECT_TRUE (contains (empty.body, "empty")) << empty.body;
  Response garbage = http.request ("POST", recv.url, SDP, "hello, endpoint", auth);
  EXPECT_EQ (garbage.status, 400u);
  EXPECT_TRUE (contains (garbage.body, "not SDP")) << garbage.body;
  Response no_media = http.request ("POST", recv.url, SDP,
      "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n", auth);
  EXPECT_EQ (no_media.status, 400u);
  EXPECT_TRUE (contains (no_media.body, "media")) << no_media.body;
  Response get = http.request ("GET", recv.url, "", "", auth);
  EXPECT_EQ (get.status, 405u);
  Response elsewhere = http.request ("POST", Http::resolve (recv.url, "/other"), SDP, offer, auth);
  EXPECT_EQ (elsewhere.status, 404u);
  std::string unknown = recv.url + "/no-such-session";
  EXPECT_EQ (http.request ("DELETE", unknown, "", "", auth).status, 404u);
  Response unknown_patch = http.request ("PATCH", unknown, FRAG, "a=end-of-candidates\r\n", auth);
  EXPECT_EQ (unknown_patch.status, 404u);
  EXPECT_TRUE (contains (unknown_patch.body, "no-such-session")) << unknown_patch.body;

  /* None of that used up the element: the right request still works. */
  Response created = http.request ("POST", recv.url, SDP, offer, auth);
  EXPECT_EQ (created.status, 201u) << created.body;
  GstMessage *error = recv.pipeline.pop_error ();
  EXPECT_EQ (error, nullptr);
  if (error)
    gst_message_unref (error);
}

/* An offer without a codec the element takes: 422 naming the codecs. */
TEST (WhipEndpoint, OfferWithoutUsableCodecIs422)
{
  Pipeline p ("webrtcrecv name=r uri=whip-listen://127.0.0.1:0/ingest video-codecs=h264 "
              "r.video_0 ! fakesink async=false");
  ASSERT_NE (gst_element_set_state (p.pipeline, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  GstElement *r = p.get ("r");
  std::string url = endpoint_test::endpoint_url (r);
  gst_object_unref (r);
  EXPECT_TRUE (contains (url, "/ingest")) << url;
  Peer publisher ("webrtcbin name=w videotestsrc is-live=true ! vp8enc deadline=1 ! rtpvp8pay ! "
                  "application/x-rtp,media=video,encoding-name=VP8,payload=96 ! w.");
  std::string offer = publisher_offer (publisher);
  Http http;
  Response refused = http.request ("POST", url, SDP, offer);
  EXPECT_EQ (refused.status, 422u) << refused.body;
  EXPECT_TRUE (contains (refused.body, "takes h264")) << refused.body;
}

TEST (WhipEndpoint, SettingErrorsNameWhatToFix)
{
  for (const char *line : {
           "webrtcrecv uri=whip-listen://example.org:0/whip ! fakesink",
           "webrtcrecv uri=whip-listen://127.0.0.1/whip ! fakesink",
           "videotestsrc ! webrtcsend uri=whip-listen://127.0.0.1:0/whip" }) {
    SCOPED_TRACE (line);
    Pipeline p (line);
    EXPECT_EQ (gst_element_set_state (p.pipeline, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
    GstMessage *msg = p.wait (GST_MESSAGE_ERROR, GST_SECOND);
    ASSERT_NE (msg, nullptr);
    GError *error = nullptr;
    gst_message_parse_error (msg, &error, nullptr);
    EXPECT_EQ (error->domain, GST_RESOURCE_ERROR) << error->message;
    EXPECT_GT (strlen (error->message), 30u) << error->message;
    /* The signaller's own error: a setting to fix. */
    const GstStructure *details = nullptr;
    gst_message_parse_error_details (msg, &details);
    gint code = -1;
    EXPECT_TRUE (details && gst_structure_get_int (details, "error-code", &code));
    EXPECT_EQ (code, GST_RESOURCE_ERROR_SETTINGS) << error->message;
    g_error_free (error);
    gst_message_unref (msg);
  }

  /* The port in use: OPEN_READ_WRITE naming the address. */
  Receiver first;
  std::string port = first.url.substr (strlen ("http://127.0.0.1:"));
  port = port.substr (0, port.find ('/'));
  Pipeline second ("webrtcrecv uri=whip-listen://127.0.0.1:" + port + "/whip ! fakesink");
  EXPECT_EQ (gst_element_set_state (second.pipeline, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  GstMessage *msg = second.wait (GST_MESSAGE_ERROR, GST_SECOND);
  ASSERT_NE (msg, nullptr);
  GError *error = nullptr;
  gst_message_parse_error (msg, &error, nullptr);
  EXPECT_TRUE (g_error_matches (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_READ_WRITE))
      << error->message;
  EXPECT_TRUE (strstr (error->message, port.c_str ())) << error->message;
  g_error_free (error);
  gst_message_unref (msg);
}

/* A client that POSTs its offer and hangs up before our answer (a page
 * reloaded during gathering) does not use up the element's one session:
 * the next publisher, POSTing right away, gets 201 and its media reaches
 * the pads; the element only warns. */
TEST (WhipEndpoint, PublisherGoneBeforeTheAnswerLeavesRoomForTheNext)
{
  Receiver recv;
  Peer gone (endpoint_test::PUBLISHER);
  std::string gone_offer = publisher_offer (gone);
  ASSERT_FALSE (gone_offer.empty ());

  /* HTTP by hand on a socket we close right after the request. */
  GUri *uri = g_uri_parse (recv.url.c_str (), G_URI_FLAGS_NONE, nullptr);
  ASSERT_NE (uri, nullptr);
  GSocketClient *client = g_socket_client_new ();
  GSocketConnection *conn = g_socket_client_connect_to_host (client, g_uri_get_host (uri),
      (guint16) g_uri_get_port (uri), nullptr, nullptr);
  ASSERT_NE (conn, nullptr);
  std::string request = "POST " + std::string (g_uri_get_path (uri)) + " HTTP/1.1\r\n"
      "Host: " + g_uri_get_host (uri) + "\r\nContent-Type: application/sdp\r\n"
      "Content-Length: " + std::to_string (gone_offer.size ()) + "\r\n\r\n" + gone_offer;
  GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (conn));
  ASSERT_TRUE (g_output_stream_write_all (out, request.data (), request.size (), nullptr, nullptr,
      nullptr));
  /* Closed at once: the endpoint reads the offer, then finds the client gone. */
  g_io_stream_close (G_IO_STREAM (conn), nullptr, nullptr);
  g_object_unref (conn);
  g_object_unref (client);
  g_uri_unref (uri);

  /* The next publisher POSTs at once: its offer may be admitted before the
   * element has handled the end of the abandoned session, which must not
   * make the element fail. */
  Http http;
  Peer publisher (endpoint_test::PUBLISHER);
  std::string offer = publisher_offer (publisher);
  Response created;
  for (int i = 0; i < 40; i++) {
    created = http.request ("POST", recv.url, SDP, offer);
    if (created.status != 409)
      break;
    g_usleep (50 * 1000); /* the endpoint has not seen the hang-up yet */
  }
  ASSERT_EQ (created.status, 201u) << created.body;
  ASSERT_TRUE (publisher.answer (created.body, false));
  EXPECT_TRUE (recv.video.wait (30)) << "video buffers: " << recv.video.buffers;

  /* The element warned about the one that left. */
  GstMessage *warning = recv.pipeline.wait (GST_MESSAGE_WARNING, 5 * GST_SECOND);
  ASSERT_NE (warning, nullptr) << "no warning about the publisher that left";
  GError *error = nullptr;
  gst_message_parse_warning (warning, &error, nullptr);
  EXPECT_TRUE (contains (error->message, "waiting for the next")) << error->message;
  g_error_free (error);
  gst_message_unref (warning);
  GstMessage *failure = recv.pipeline.pop_error ();
  EXPECT_EQ (failure, nullptr);
  if (failure)
    gst_message_unref (failure);
}
