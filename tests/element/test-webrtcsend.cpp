/* Element tests of webrtcsend: loading, documentation, state changes,
 * errors a user can act on, and the SDP it negotiates with a consumer that
 * speaks the signalling protocol (a WebSocket client on the embedded server).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "test-data.h"
#include "test-pipeline.h"
#include "threaded-server.h"
#include "ws-test-client.h"

#include <gio/gio.h>
#include <gst/gst.h>
#include <gst/sdp/sdp.h>
#include <gtest/gtest.h>

#include <fstream>
#include <memory>
#include <sstream>

using namespace gstsig;
using namespace gstsig::test;

namespace {


std::string
json_string (const std::string &s)
{
  g_autoptr (JsonNode) node = json_node_new (JSON_NODE_VALUE);
  json_node_set_string (node, s.c_str ());
  g_autofree gchar *text = json_to_string (node, FALSE);
  return text;
}


const char *AV_SOURCES = "videotestsrc is-live=true ! video/x-raw,width=320,height=240,"
                         "framerate=30/1 ! webrtcsend name=s ";
const char *AUDIO_BRANCH = " audiotestsrc is-live=true ! s.";

/* The state change fails and the error has this domain and code. */
void
expect_start_error (const std::string &launch, GQuark domain, gint code,
    GstStructure **details_out = nullptr)
{
  Pipeline p (launch);
  ASSERT_NE (p.pipeline, nullptr);
  EXPECT_EQ (gst_element_set_state (p.pipeline, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE)
      << launch;
  GstMessage *msg = p.pop_error ();
  ASSERT_NE (msg, nullptr) << "no error message for: " << launch;
  GError *error = nullptr;
  gst_message_parse_error (msg, &error, nullptr);
  EXPECT_EQ (error->domain, domain) << error->message;
  EXPECT_EQ (error->code, code) << error->message;
  EXPECT_GT (strlen (error->message), 20u) << "a message a user can act on";
  if (details_out) {
    const GstStructure *details = nullptr;
    gst_message_parse_error_details (msg, &details);
    *details_out = details ? gst_structure_copy (details) : nullptr;
  }
  g_error_free (error);
  gst_message_unref (msg);
}

/* Starts a consumer session against a running webrtcsend and returns the
 * session id ("" on failure). */
std::string
start_consumer_session (WsTestClient &consumer, const std::string &offer_sdp = "")
{
  consumer.send ("{\"type\":\"setPeerStatus\",\"roles\":[],\"meta\":null}");
  consumer.send ("{\"type\":\"list\"}");
  std::string producer_id;
  consumer.wait_for ("list", [&] (JsonObject *obj) {
    JsonArray *producers = json_object_get_array_member (obj, "producers");
    if (!producers || json_array_get_length (producers) == 0)
      return false;
    producer_id = string_member (json_array_get_object_element (producers, 0), "id");
    return true;
  });
  if (producer_id.empty ())
    return "";
  std::string offer = offer_sdp.empty () ? "null" : json_string (offer_sdp);
  consumer.send ("{\"type\":\"startSession\",\"peerId\":\"" + producer_id + "\",\"offer\":" +
      offer + "}");
  std::string started = consumer.wait_for ("sessionStarted");
  g_autoptr (JsonObject) obj = parse_object (started);
  return string_member (obj, "sessionId");
}

/* Waits for the producer's SDP of the given type in session_id. */
std::string
wait_sdp (WsTestClient &consumer, const std::string &session_id, const char *type)
{
  std::string sdp;
  consumer.wait_for ("peer", [&] (JsonObject *obj) {
    if (string_member (obj, "sessionId") != session_id || !json_object_has_member (obj, "sdp"))
      return false;
    JsonObject *desc = json_object_get_object_member (obj, "sdp");
    if (string_member (desc, "type") != type)
      return false;
    sdp = string_member (desc, "sdp");
    return true;
  });
  return sdp;
}

bool
has_line (const std::string &sdp, const std::string &line)
{
  return sdp.find (line + "\r\n") != std::string::npos;
}

} // namespace

TEST (WebrtcSend, LoadsAndDocumentsEveryProperty)
{
  GstElementFactory *factory = gst_element_factory_find ("webrtcsend");
  ASSERT_NE (factory, nullptr) << "plugin not found in GST_PLUGIN_PATH";
  GstElement *send = gst_element_factory_create (factory, nullptr);
  guint n = 0;
  GParamSpec **specs = g_object_class_list_properties (G_OBJECT_GET_CLASS (send), &n);
  for (guint i = 0; i < n; i++) {
    if (specs[i]->owner_type != G_OBJECT_TYPE (send))
      continue;
    const char *blurb = g_param_spec_get_blurb (specs[i]);
    bool readonly = !(specs[i]->flags & G_PARAM_WRITABLE);
    EXPECT_TRUE (strstr (blurb, "Default") || readonly)
        << specs[i]->name << ": the blurb gives no default";
  }
  g_free (specs);
  /* The signaller is a child: signaller::PROPERTY works on launch lines. */
  GObject *signaller = gst_child_proxy_get_child_by_name (GST_CHILD_PROXY (send), "signaller");
  ASSERT_NE (signaller, nullptr);
  EXPECT_NE (g_object_class_find_property (G_OBJECT_GET_CLASS (signaller), "uri"), nullptr);
  g_object_unref (signaller);
  gst_object_unref (send);
  gst_object_unref (factory);
}

TEST (WebrtcSend, StartsAndStopsRepeatedly)
{
  Pipeline p (std::string (AV_SOURCES) + "serve=127.0.0.1:0" + AUDIO_BRANCH);
  for (int i = 0; i < 3; i++) {
    ASSERT_NE (gst_element_set_state (p.pipeline, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
    ASSERT_EQ (gst_element_get_state (p.pipeline, nullptr, nullptr, 5 * GST_SECOND),
        GST_STATE_CHANGE_SUCCESS);
    EXPECT_TRUE (g_str_has_prefix (p.serve_url ().c_str (), "http://127.0.0.1:"));
    g_usleep (200 * 1000);
    ASSERT_EQ (gst_element_set_state (p.pipeline, GST_STATE_NULL), GST_STATE_CHANGE_SUCCESS);
  }
  EXPECT_EQ (p.pop_error (), nullptr);
}

TEST (WebrtcSend, ErrorsNameWhatToFix)
{
  expect_start_error (std::string (AV_SOURCES) + "uri=foo://127.0.0.1:1/", GST_RESOURCE_ERROR,
      GST_RESOURCE_ERROR_SETTINGS);
  expect_start_error (std::string (AV_SOURCES), GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS);
  expect_start_error (std::string (AV_SOURCES) + "serve=127.0.0.1:0 video-codecs=vp8,av2",
      GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS);
  expect_start_error (std::string (AV_SOURCES) + "serve=nonsense", GST_RESOURCE_ERROR,
      GST_RESOURCE_ERROR_SETTINGS);
  /* Nobody listens on port 1. */
  expect_start_error (std::string (AV_SOURCES) + "uri=ws://127.0.0.1:1/", GST_RESOURCE_ERROR,
      GST_RESOURCE_ERROR_OPEN_READ_WRITE);

  /* Port in use: the details carry the GIO error. */
  GSocketService *blocker = g_socket_service_new ();
  guint16 port = g_socket_listener_add_any_inet_port (G_SOCKET_LISTENER (blocker), nullptr,
      nullptr);
  ASSERT_NE (port, 0);
  GstStructure *details = nullptr;
  expect_start_error (std::string (AV_SOURCES) + "serve=0.0.0.0:" + std::to_string (port),
      GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_READ_WRITE, &details);
  ASSERT_NE (details, nullptr);
  gint code = -1;
  EXPECT_TRUE (gst_structure_get_int (details, "error-code", &code));
  EXPECT_EQ (code, G_IO_ERROR_ADDRESS_IN_USE);
  gst_structure_free (details);
  g_socket_service_stop (blocker);
  g_socket_listener_close (G_SOCKET_LISTENER (blocker));
  g_object_unref (blocker);
}

/* serve= over https with a self-signed certificate and a token: a client
 * needs the token, and the element's own signaller gets in (it trusts
 * exactly that certificate and has a token of its own): its offer comes. */
TEST (WebrtcSend, ServesTlsWithAToken)
{
  TestContext ctx;
  Pipeline p (std::string (AV_SOURCES)
      + "serve=127.0.0.1:0 serve-self-signed=true serve-token=s3cret" + AUDIO_BRANCH);
  ASSERT_NE (gst_element_set_state (p.pipeline, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  const std::string url = p.serve_url ();
  EXPECT_TRUE (g_str_has_prefix (url.c_str (), "https://127.0.0.1:")) << url;
  gchar *fingerprint = nullptr;
  GstElement *s = p.get ("s");
  g_object_get (s, "serve-fingerprint", &fingerprint, nullptr);
  gst_object_unref (s);
  EXPECT_EQ (fingerprint ? strlen (fingerprint) : 0u, 32u * 3 - 1);
  g_free (fingerprint);
  /* A hostile server cannot make it create webrtcbins without end. */
  guint max_consumers = 0;
  s = p.get ("s");
  g_object_get (s, "max-consumers", &max_consumers, nullptr);
  gst_object_unref (s);
  EXPECT_EQ (max_consumers, 50u);

  WsTestClient untrusting (ctx);
  EXPECT_FALSE (untrusting.connect (url + "?token=s3cret"));
  WsTestClient tokenless (ctx);
  tokenless.accept_any_certificate = true;
  EXPECT_FALSE (tokenless.connect (url));
  WsTestClient consumer (ctx);
  consumer.accept_any_certificate = true;
  ASSERT_TRUE (consumer.connect (url + "?token=s3cret"));
  std::string session = start_consumer_session (consumer);
  ASSERT_FALSE (session.empty ()) << "the element's own signaller did not register";
  EXPECT_FALSE (wait_sdp (consumer, session, "offer").empty ());
  consumer.send ("{\"type\":\"endSession\",\"sessionId\":\"" + session + "\"}");
  ctx.drain (300);
}

/* A consumer of p's embedded server that started a session and received
 * our offer (offer empty if anything failed). */
struct OfferedSession {
  WsTestClient consumer;
  std::string session;
  std::string offer;
  OfferedSession (TestContext &ctx, const Pipeline &p) : consumer (ctx)
  {
    if (!consumer.connect (p.serve_url ()))
      return;
    session = start_consumer_session (consumer);
    if (!session.empty ())
      offer = wait_sdp (consumer, session, "offer");
  }
  void end () { consumer.send ("{\"type\":\"endSession\",\"sessionId\":\"" + session + "\"}"); }
};

/* A property of the libnice agent in the first webrtcbin of the pipeline,
 * read as an unsigned integer (booleans as 0 or 1): -1 when there is no
 * webrtcbin, agent or such property. */
static long
first_webrtcbin_agent_property (const Pipeline &p, const char *name)
{
  long value = -1;
  GstElement *webrtcbin = p.find_by_factory ("webrtcbin");
  GObject *ice = nullptr, *agent = nullptr;
  if (webrtcbin)
    g_object_get (webrtcbin, "ice-agent", &ice, nullptr);
  if (ice)
    g_object_get (ice, "agent", &agent, nullptr);
  GParamSpec *spec = agent ? g_object_class_find_property (G_OBJECT_GET_CLASS (agent), name) : nullptr;
  if (spec && spec->value_type == G_TYPE_BOOLEAN) {
    gboolean on = FALSE;
    g_object_get (agent, name, &on, nullptr);
    value = on ? 1 : 0;
  } else if (spec && spec->value_type == G_TYPE_UINT) {
    guint number = 0;
    g_object_get (agent, name, &number, nullptr);
    value = number;
  }
  g_clear_object (&agent);
  g_clear_object (&ice);
  if (webrtcbin)
    gst_object_unref (webrtcbin);
  return value;
}

/* What a browser needs from the offer (DESIGN.md, "What GStreamer 1.22's
 * webrtcbin needs from us"): checked on the SDP a consumer receives. */
TEST (WebrtcSend, OfferCarriesWhatBrowsersNeed)
{
  TestContext ctx;
  Pipeline p (std::string (AV_SOURCES) + "serve=127.0.0.1:0 video-codecs=vp8,h264" +
      AUDIO_BRANCH);
  ASSERT_NE (gst_element_set_state (p.pipeline, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  OfferedSession consumer (ctx, p);
  const std::string &offer = consumer.offer;
  ASSERT_FALSE (offer.empty ());

  EXPECT_TRUE (has_line (offer, "a=group:BUNDLE video0 audio1")) << offer;       /* B7 */
  EXPECT_NE (offer.find ("m=video 9 UDP/TLS/RTP/SAVPF 96 102"), std::string::npos)
      << "VP8 then H264, as video-codecs says\n" << offer;
  EXPECT_TRUE (has_line (offer, "a=sendonly")) << offer;                          /* B8 */
  EXPECT_FALSE (has_line (offer, "a=sendrecv")) << offer;
  EXPECT_TRUE (has_line (offer, "a=rtcp-fb:96 nack")) << offer;                   /* B4 */
  EXPECT_TRUE (has_line (offer, "a=fmtp:102 packetization-mode=1;profile-level-id=42e01f;"
                                "level-asymmetry-allowed=1") ||
      offer.find ("profile-level-id=42e01f") != std::string::npos) << offer;      /* B2 */
  EXPECT_NE (offer.find (" rtx/90000"), std::string::npos) << offer;              /* B4 */
  EXPECT_NE (offer.find ("transport-wide-cc-extensions-01"), std::string::npos) << offer; /* B3 */
  EXPECT_NE (offer.find ("OPUS/48000/2"), std::string::npos) << offer;
  EXPECT_EQ (first_webrtcbin_agent_property (p, "upnp"), 0)
      << "libnice's UPnP port forwarding is on (docs/security.md: off in every session)";
  EXPECT_EQ (first_webrtcbin_agent_property (p, "stun-pacing-timer"), 5)
      << "libnice's connectivity-check tick (Ta) is not 5 ms (docs/latency.md)";

  /* Trickled candidates, then end-of-candidates (B6). */
  std::string eoc = consumer.consumer.wait_for ("peer", [&] (JsonObject *obj) {
    if (!json_object_has_member (obj, "ice"))
      return false;
    return string_member (json_object_get_object_member (obj, "ice"), "candidate").empty ();
  });
  EXPECT_FALSE (eoc.empty ()) << "no end-of-candidates message";
  EXPECT_NE (eoc.find ("\"sdpMLineIndex\":0"), std::string::npos) << eoc;
  consumer.end ();
  ctx.drain (300);
}

/* congestion-control=none negotiates no transport-cc: each browser would
 * send feedback nobody reads, most of a viewer's cost above a plain
 * sender's (bench/RESULTS.md). */
TEST (WebrtcSend, NoTransportCcWithoutCongestionControl)
{
  TestContext ctx;
  Pipeline p (std::string (AV_SOURCES) + "serve=127.0.0.1:0 congestion-control=none" +
      AUDIO_BRANCH);
  ASSERT_NE (gst_element_set_state (p.pipeline, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  OfferedSession consumer (ctx, p);
  const std::string &offer = consumer.offer;
  ASSERT_FALSE (offer.empty ());
  /* (webrtcbin 1.22 writes "a=rtcp-fb:PT transport-cc" on every codec
   * whatever the caps say; without the header extension's sequence numbers
   * a browser has nothing to report on.) */
  EXPECT_EQ (offer.find ("transport-wide-cc"), std::string::npos) << offer;
  EXPECT_NE (offer.find ("a=rtcp-fb:96 nack"), std::string::npos) << "NACK stays\n" << offer;
  consumer.end ();
  ctx.drain (300);
}

/* The encoders start while the offer travels, not when the answer comes
 * (the consumer's first keyframe is then ready when it connects), for the
 * first codec offered only. */
TEST (WebrtcSend, EncodersStartWithTheOffer)
{
  TestContext ctx;
  Pipeline p (std::string (AV_SOURCES) + "serve=127.0.0.1:0 video-codecs=vp8,h264" +
      AUDIO_BRANCH);
  ASSERT_NE (gst_element_set_state (p.pipeline, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  auto running = [&p] (const char *name) {
    GstElement *e = gst_bin_get_by_name (GST_BIN (p.pipeline), name);
    if (e)
      gst_object_unref (e);
    return e != nullptr;
  };
  EXPECT_FALSE (running ("video_0-vp8-encoder")) << "an encoder before any consumer";
  OfferedSession consumer (ctx, p);
  ASSERT_FALSE (consumer.offer.empty ());
  EXPECT_TRUE (running ("video_0-vp8-encoder")) << "the first offered codec's";
  EXPECT_FALSE (running ("video_0-h264-encoder"));
  EXPECT_TRUE (running ("audio_0-opus-encoder"));
  consumer.end ();
  ctx.drain (300);
  EXPECT_EQ (p.pop_error (), nullptr);
}

/* A consumer that makes the offer (browsers' numbering): the answer uses the
 * offer's payload types and extension ids (B1, B3), and says sendonly. */
TEST (WebrtcSend, AnswersWithTheOffersPayloadTypes)
{
  for (const char *codec : { "vp8", "h264" }) {
    TestContext ctx;
    Pipeline p (std::string (AV_SOURCES) + "serve=127.0.0.1:0 video-codecs=" + codec +
        AUDIO_BRANCH);
    ASSERT_NE (gst_element_set_state (p.pipeline, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
    WsTestClient consumer (ctx);
    ASSERT_TRUE (consumer.connect (p.serve_url ()));
    std::string session =
        start_consumer_session (consumer, read_data ("chromium-recvonly-offer.sdp"));
    ASSERT_FALSE (session.empty ());
    std::string answer = wait_sdp (consumer, session, "answer");
    ASSERT_FALSE (answer.empty ()) << codec;
    std::string pt = g_str_equal (codec, "vp8") ? "96" : "102";
    EXPECT_NE (answer.find ("m=video 9 UDP/TLS/RTP/SAVPF " + pt + " "), std::string::npos)
        << codec << "\n" << answer;
    EXPECT_TRUE (has_line (answer, "a=sendonly")) << answer;
    EXPECT_NE (answer.find ("a=group:BUNDLE"), std::string::npos) << answer;
    EXPECT_NE (answer.find ("OPUS/48000/2"), std::string::npos) << answer;
    consumer.send ("{\"type\":\"endSession\",\"sessionId\":\"" + session + "\"}");
    ctx.drain (300);
  }
}

TEST (WebrtcSend, RefusesConsumersOverTheLimit)
{
  TestContext ctx;
  Pipeline p (std::string (AV_SOURCES) + "serve=127.0.0.1:0 max-consumers=1" + AUDIO_BRANCH);
  ASSERT_NE (gst_element_set_state (p.pipeline, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  WsTestClient first (ctx), second (ctx);
  ASSERT_TRUE (first.connect (p.serve_url ()));
  ASSERT_TRUE (second.connect (p.serve_url ()));
  std::string s1 = start_consumer_session (first);
  ASSERT_FALSE (wait_sdp (first, s1, "offer").empty ());
  std::string s2 = start_consumer_session (second);
  ASSERT_FALSE (s2.empty ());
  std::string ended = second.wait_for ("endSession");
  EXPECT_NE (ended.find (s2), std::string::npos) << "the second consumer is refused";
  GstElement *send = p.get ("s");
  guint consumers = 0;
  g_object_get (send, "consumers", &consumers, nullptr);
  EXPECT_EQ (consumers, 1u);
  gst_object_unref (send);
}

/* An error inside one viewer's webrtcbin (GStreamer 1.22's nicesrc once
 * stopped with not-negotiated while viewers came and went) ends that
 * viewer's session only: the pipeline gets a warning naming the session, no
 * error, and the other viewer and new ones are served. */
TEST (WebrtcSend, AnErrorInOneSessionEndsOnlyThatSession)
{
  TestContext ctx;
  Pipeline p (std::string (AV_SOURCES) + "serve=127.0.0.1:0" + AUDIO_BRANCH);
  ASSERT_NE (gst_element_set_state (p.pipeline, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  WsTestClient first (ctx), second (ctx);
  ASSERT_TRUE (first.connect (p.serve_url ()));
  ASSERT_TRUE (second.connect (p.serve_url ()));
  std::string s1 = start_consumer_session (first);
  ASSERT_FALSE (wait_sdp (first, s1, "offer").empty ());
  std::string s2 = start_consumer_session (second);
  ASSERT_FALSE (wait_sdp (second, s2, "offer").empty ());

  /* The error a nicesrc posts when its stream stops, from s1's. */
  GstElement *send = p.get ("s");
  GstElement *webrtcbin = gst_bin_get_by_name (GST_BIN (send), ("webrtcbin-" + s1).c_str ());
  ASSERT_NE (webrtcbin, nullptr);
  GstElement *nicesrc = find_in_bin (GST_BIN (webrtcbin), "nicesrc");
  ASSERT_NE (nicesrc, nullptr);
  gst_element_message_full (nicesrc, GST_MESSAGE_ERROR, GST_STREAM_ERROR,
      GST_STREAM_ERROR_FAILED, g_strdup ("Internal data stream error."),
      g_strdup ("streaming stopped, reason not-negotiated (-4)"), __FILE__, GST_FUNCTION,
      __LINE__);
  gst_object_unref (nicesrc);
  gst_object_unref (webrtcbin);

  std::string ended = first.wait_for ("endSession", [&] (JsonObject *obj) {
    return string_member (obj, "sessionId") == s1;
  });
  EXPECT_FALSE (ended.empty ()) << "the failed session's viewer was not told it ended";
  guint consumers = 99;
  for (int i = 0; i < 50 && consumers != 1; i++) {
    g_object_get (send, "consumers", &consumers, nullptr);
    g_usleep (50 * 1000);
  }
  EXPECT_EQ (consumers, 1u) << "the other session goes on";

  /* (popping drops the messages of other types) */
  GstMessage *warning = nullptr;
  while (GstMessage *msg = p.wait ((GstMessageType) (GST_MESSAGE_ERROR | GST_MESSAGE_WARNING), 0)) {
    EXPECT_NE (GST_MESSAGE_TYPE (msg), GST_MESSAGE_ERROR) << "the error reached the application";
    const GstStructure *details = nullptr;
    if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_WARNING)
      gst_message_parse_warning_details (msg, &details);
    if (!warning && details && gst_structure_has_name (details, "webrtcsignal-session-error"))
      warning = gst_message_ref (msg);
    gst_message_unref (msg);
  }
  ASSERT_NE (warning, nullptr) << "no warning for the failed session";
  EXPECT_EQ (GST_MESSAGE_SRC (warning), GST_OBJECT (send));
  GError *gerror = nullptr;
  gst_message_parse_warning (warning, &gerror, nullptr);
  EXPECT_TRUE (g_error_matches (gerror, GST_STREAM_ERROR, GST_STREAM_ERROR_FAILED))
      << gerror->message;
  EXPECT_NE (std::string (gerror->message).find (s1), std::string::npos) << gerror->message;
  const GstStructure *details = nullptr;
  gst_message_parse_warning_details (warning, &details);
  ASSERT_NE (details, nullptr);
  EXPECT_STREQ (gst_structure_get_string (details, "session-id"), s1.c_str ());
  EXPECT_NE (std::string (gst_structure_get_string (details, "from")).find ("nicesrc"),
      std::string::npos);
  g_error_free (gerror);
  gst_message_unref (warning);

  GstState state = GST_STATE_VOID_PENDING;
  gst_element_get_state (p.pipeline, &state, nullptr, 0);
  EXPECT_EQ (state, GST_STATE_PLAYING);
  EXPECT_TRUE (second.wait_for ("endSession", [&] (JsonObject *obj) {
    return string_member (obj, "sessionId") == s2;
  }, 300).empty ()) << "the other viewer's session was ended too";
  std::string s3 = start_consumer_session (first);
  ASSERT_FALSE (s3.empty ());
  EXPECT_FALSE (wait_sdp (first, s3, "offer").empty ()) << "a new viewer is not served";
  gst_object_unref (send);
}

/* The signalling server goes away and comes back on the same port while
 * PLAYING: the producer registers again. */
TEST (WebrtcSend, ReconnectsWhenTheServerComesBack)
{
  TestContext ctx;
  ThreadedServer server;
  ASSERT_TRUE (server.start ());
  unsigned port = server.port ();
  Pipeline p (std::string (AV_SOURCES) + "uri=" + server.ws_url () + " meta=meta,name=comeback" +
      AUDIO_BRANCH);
  ASSERT_NE (gst_element_set_state (p.pipeline, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  server.stop ();
  g_usleep (300 * 1000);
  bool restarted = false;
  for (int i = 0; i < 50 && !restarted; i++) {
    restarted = server.start (port);
    if (!restarted)
      g_usleep (100 * 1000);
  }
  ASSERT_TRUE (restarted) << "port " << port << " stayed busy";
  WsTestClient listener (ctx);
  ASSERT_TRUE (listener.connect (server.http_url ()));
  listener.send ("{\"type\":\"setPeerStatus\",\"roles\":[\"listener\"],\"meta\":null}");
  bool seen = false;
  for (int i = 0; i < 30 && !seen; i++) {
    listener.send ("{\"type\":\"list\"}");
    std::string list = listener.wait_for ("list", nullptr, 1000);
    seen = list.find ("comeback") != std::string::npos;
    if (!seen)
      ctx.drain (200);
  }
  EXPECT_TRUE (seen) << "the producer did not register again";
  EXPECT_EQ (p.pop_error (), nullptr);
  gst_element_set_state (p.pipeline, GST_STATE_NULL);
  listener.close ();
}

/* Releasing an input pad while a consumer's session uses it: that session
 * ends (the consumer is told), the element keeps running and takes new
 * consumers for the inputs that remain. */
TEST (WebrtcSend, ReleasingAnInputEndsTheSessionsUsingIt)
{
  TestContext ctx;
  Pipeline p ("videotestsrc is-live=true ! video/x-raw,width=320,height=240,framerate=30/1 ! "
              "webrtcsend name=s serve=127.0.0.1:0 video-codecs=vp8 "
              "audiotestsrc is-live=true ! valve name=v ! s.");
  ASSERT_NE (gst_element_set_state (p.pipeline, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  WsTestClient consumer (ctx);
  ASSERT_TRUE (consumer.connect (p.serve_url ()));
  std::string session = start_consumer_session (consumer);
  ASSERT_FALSE (session.empty ());
  ASSERT_FALSE (wait_sdp (consumer, session, "offer").empty ());

  /* Unlink the audio branch first (the application's job), then release. */
  GstElement *send = p.get ("s");
  GstElement *valve = p.get ("v");
  GstPad *audio = gst_element_get_static_pad (send, "audio_0");
  ASSERT_NE (audio, nullptr);
  g_object_set (valve, "drop", TRUE, nullptr);
  GstPad *src = gst_element_get_static_pad (valve, "src");
  gst_pad_unlink (src, audio);
  gst_element_release_request_pad (send, audio);
  gst_object_unref (audio);
  gst_object_unref (src);

  std::string ended = consumer.wait_for ("endSession", [&] (JsonObject *obj) {
    return string_member (obj, "sessionId") == session;
  });
  EXPECT_FALSE (ended.empty ()) << "the consumer was not told its session ended";
  guint consumers = 99;
  for (int i = 0; i < 50 && consumers != 0; i++) {
    g_object_get (send, "consumers", &consumers, nullptr);
    g_usleep (50 * 1000);
  }
  EXPECT_EQ (consumers, 0u);

  /* A new consumer gets an offer with video only. */
  std::string again = start_consumer_session (consumer);
  ASSERT_FALSE (again.empty ());
  std::string offer = wait_sdp (consumer, again, "offer");
  EXPECT_NE (offer.find ("m=video"), std::string::npos) << offer;
  EXPECT_EQ (offer.find ("m=audio"), std::string::npos) << offer;
  GstMessage *error = p.pop_error ();
  EXPECT_EQ (error, nullptr);
  if (error)
    gst_message_unref (error);
  gst_object_unref (valve);
  gst_object_unref (send);
  consumer.send ("{\"type\":\"endSession\",\"sessionId\":\"" + again + "\"}");
  ctx.drain (300);
}

/* webrtcbin 1.22 holds every stream in a clocksync until running time plus
 * the pipeline's latency, so whatever webrtcsend adds to that latency is
 * added to what every viewer sees. A live source alone needs none beyond its
 * own; webrtcsend's pacing sink once made it 33 + 20 ms for a 30 fps source,
 * and frames waited 10-25 ms before leaving (bench/glass-to-glass.mjs). */
TEST (WebrtcSend, ALiveInputAddsNoLatency)
{
  Pipeline p (std::string (AV_SOURCES) + "serve=127.0.0.1:0" + AUDIO_BRANCH);
  ASSERT_NE (gst_element_set_state (p.pipeline, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  ASSERT_EQ (gst_element_get_state (p.pipeline, nullptr, nullptr, 5 * GST_SECOND),
      GST_STATE_CHANGE_SUCCESS);
  gboolean live = TRUE;
  GstClockTime min_latency = GST_CLOCK_TIME_NONE;
  for (int i = 0; i < 50; i++) {
    g_usleep (100 * 1000);
    GstQuery *query = gst_query_new_latency ();
    if (gst_element_query (p.pipeline, query))
      gst_query_parse_latency (query, &live, &min_latency, nullptr);
    gst_query_unref (query);
    if (!live || min_latency == 0)
      break;
  }
  EXPECT_TRUE (!live || min_latency == 0)
      << "the pipeline's latency with webrtcsend as its only sink: " << GST_TIME_AS_MSECONDS (min_latency)
      << " ms (live)";
  EXPECT_EQ (p.pop_error (), nullptr);
  ASSERT_EQ (gst_element_set_state (p.pipeline, GST_STATE_NULL), GST_STATE_CHANGE_SUCCESS);
}

/* video-tier-ladder reads back as set, fastest first; a value it cannot
 * use is refused (with a warning) and the previous one stays. */
TEST (WebrtcSend, ATierLadderIsCheckedWhenSet)
{
  GstElement *send = gst_element_factory_make ("webrtcsend", nullptr);
  ASSERT_NE (send, nullptr);
  g_object_set (send, "video-tier-ladder", "300, 2000,800", nullptr);
  gchar *ladder = nullptr;
  g_object_get (send, "video-tier-ladder", &ladder, nullptr);
  EXPECT_STREQ (ladder, "2000,800,300");
  g_free (ladder);
  for (const char *bad : { "fast", "2000,10", "2000,800,300,200,100" }) {
    g_object_set (send, "video-tier-ladder", bad, nullptr);
    g_object_get (send, "video-tier-ladder", &ladder, nullptr);
    EXPECT_STREQ (ladder, "2000,800,300") << bad;
    g_free (ladder);
  }
  g_object_set (send, "video-tier-ladder", "", nullptr);
  g_object_get (send, "video-tier-ladder", &ladder, nullptr);
  EXPECT_EQ (ladder, nullptr) << "none, as by default";
  g_free (ladder);
  gst_object_unref (send);
}
