/* The Janus API's messages (gst/janus-api.h): what we write is what Janus
 * expects, what Janus writes is read, and what is out of bounds or of the
 * wrong shape is refused with a reason.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "janus-api.h"

#include <json-glib/json-glib.h>
#include <gtest/gtest.h>

#include <string>

namespace janus = gstsig::janus;

namespace {

/* A member of the JSON object text as compact JSON. */
std::string
member (const std::string &text, const char *path)
{
  g_autoptr (JsonNode) root = json_from_string (text.c_str (), nullptr);
  EXPECT_NE (root, nullptr) << text;
  if (!root)
    return "";
  g_autoptr (GError) error = nullptr;
  g_autoptr (JsonNode) found = json_path_query (path, root, &error);
  JsonArray *matches = json_node_get_array (found);
  if (json_array_get_length (matches) != 1)
    return "<absent>";
  g_autofree gchar *out = json_to_string (json_array_get_element (matches, 0), FALSE);
  return out;
}

janus::Message
parsed (const std::string &text)
{
  janus::Message msg;
  std::string error;
  EXPECT_TRUE (janus::parse_message (text, &msg, &error)) << error << "\n" << text;
  return msg;
}

std::string
refusal (const std::string &text)
{
  janus::Message msg;
  std::string error;
  EXPECT_FALSE (janus::parse_message (text, &msg, &error)) << text;
  return error;
}

} // namespace

TEST (JanusApi, RequestsCarryTransactionTokenAndSecret)
{
  janus::RequestBase base { "tx1", "tok", "sec" };
  std::string create = janus::create_session (base);
  EXPECT_EQ (member (create, "$.janus"), "\"create\"");
  EXPECT_EQ (member (create, "$.transaction"), "\"tx1\"");
  EXPECT_EQ (member (create, "$.token"), "\"tok\"");
  EXPECT_EQ (member (create, "$.apisecret"), "\"sec\"");
  std::string bare = janus::keepalive (janus::RequestBase { "tx2", "", "" }, 42);
  EXPECT_EQ (member (bare, "$.token"), "<absent>");
  EXPECT_EQ (member (bare, "$.apisecret"), "<absent>");
  EXPECT_EQ (member (bare, "$.session_id"), "42");
}

TEST (JanusApi, PluginMessagesAndTrickles)
{
  janus::RequestBase base { "t", "", "" };
  std::string msg = janus::plugin_message (base, 1, 2,
      janus::join_publisher (janus::id_from_text ("1234"), "cam", "p1n"),
      janus::Jsep { "offer", "v=0\r\n" });
  EXPECT_EQ (member (msg, "$.handle_id"), "2");
  EXPECT_EQ (member (msg, "$.body.request"), "\"join\"");
  EXPECT_EQ (member (msg, "$.body.ptype"), "\"publisher\"");
  EXPECT_EQ (member (msg, "$.body.room"), "1234");
  EXPECT_EQ (member (msg, "$.body.pin"), "\"p1n\"");
  EXPECT_EQ (member (msg, "$.jsep.type"), "\"offer\"");
  std::string sub = janus::join_subscriber (janus::id_from_text ("room-a"),
      janus::Id { "77", false }, "", janus::Id ());
  EXPECT_EQ (member (sub, "$.room"), "\"room-a\"") << "a room that is not a number is a string";
  EXPECT_EQ (member (sub, "$.streams[0].feed"), "77");
  EXPECT_EQ (member (sub, "$.private_id"), "<absent>");
  std::string end = janus::trickle (base, 1, 2, "", 0, "");
  EXPECT_EQ (member (end, "$.candidate.completed"), "true");
  std::string cand = janus::trickle (base, 1, 2, "candidate:1 1 UDP 1 10.0.0.1 5000 typ host", 1, "1");
  EXPECT_EQ (member (cand, "$.candidate.sdpMLineIndex"), "1");
  EXPECT_EQ (member (cand, "$.candidate.sdpMid"), "\"1\"");
}

TEST (JanusApi, ReadsRepliesAndEvents)
{
  auto success = parsed ("{\"janus\":\"success\",\"transaction\":\"t1\",\"data\":{\"id\":123}}");
  EXPECT_EQ (success.data_id, 123u);
  auto joined = parsed ("{\"janus\":\"event\",\"session_id\":1,\"sender\":2,\"transaction\":\"t\","
      "\"plugindata\":{\"plugin\":\"janus.plugin.videoroom\",\"data\":{\"videoroom\":\"joined\","
      "\"room\":1234,\"id\":55,\"private_id\":66,\"publishers\":[{\"id\":7,\"display\":\"a\"},"
      "{\"id\":\"s8\",\"display\":\"b\"}]}}}");
  ASSERT_TRUE (joined.room);
  EXPECT_EQ (joined.sender, 2u);
  EXPECT_EQ (joined.room->videoroom, "joined");
  EXPECT_EQ (joined.room->id.text, "55");
  ASSERT_EQ (joined.room->publishers.size (), 2u);
  EXPECT_FALSE (joined.room->publishers[0].id.is_string);
  EXPECT_TRUE (joined.room->publishers[1].id.is_string);
  auto participants = parsed ("{\"janus\":\"success\",\"plugindata\":{\"plugin\":"
      "\"janus.plugin.videoroom\",\"data\":{\"videoroom\":\"participants\",\"participants\":["
      "{\"id\":1,\"publisher\":true},{\"id\":2,\"publisher\":false}]}}}");
  ASSERT_TRUE (participants.room);
  EXPECT_EQ (participants.room->participants.size (), 1u) << "only those publishing";
  auto answer = parsed ("{\"janus\":\"event\",\"jsep\":{\"type\":\"answer\",\"sdp\":\"v=0\"}}");
  ASSERT_TRUE (answer.jsep);
  EXPECT_EQ (answer.jsep->type, "answer");
  auto error = parsed ("{\"janus\":\"error\",\"transaction\":\"t\",\"error\":{\"code\":403,"
      "\"reason\":\"Unauthorized request\"}}");
  EXPECT_EQ (error.error_code, 403);
  auto room_error = parsed ("{\"janus\":\"event\",\"plugindata\":{\"plugin\":"
      "\"janus.plugin.videoroom\",\"data\":{\"videoroom\":\"event\",\"error_code\":426,"
      "\"error\":\"No such room (9)\"}}}");
  EXPECT_EQ (room_error.room->error_code, 426);
  auto left = parsed ("{\"janus\":\"event\",\"plugindata\":{\"plugin\":\"janus.plugin.videoroom\","
      "\"data\":{\"videoroom\":\"event\",\"leaving\":\"ok\"}}}");
  EXPECT_EQ (left.room->leaving.text, "ok");
}

TEST (JanusApi, RefusesWhatIsOutOfShapeOrBounds)
{
  EXPECT_NE (refusal ("[]").find ("object"), std::string::npos);
  EXPECT_NE (refusal ("{\"transaction\":\"t\"}").find ("janus"), std::string::npos);
  EXPECT_NE (refusal ("{\"janus\":1}").find ("string"), std::string::npos);
  EXPECT_NE (refusal ("{\"janus\":\"success\",\"data\":{\"id\":-5}}").find ("positive"),
      std::string::npos);
  EXPECT_NE (refusal ("{\"janus\":\"event\",\"jsep\":{\"type\":\"pranswer\",\"sdp\":\"v=0\"}}")
      .find ("offer"), std::string::npos);
  std::string deep (100, '[');
  EXPECT_NE (refusal ("{\"janus\":\"x\",\"a\":" + deep + std::string (100, ']') + "}")
      .find ("deeper"), std::string::npos);
  std::string many = "{\"janus\":\"event\",\"plugindata\":{\"plugin\":\"janus.plugin.videoroom\","
      "\"data\":{\"publishers\":[";
  for (size_t i = 0; i <= janus::MAX_PUBLISHERS; i++)
    many += std::string (i ? "," : "") + "{\"id\":" + std::to_string (i + 1) + "}";
  many += "]}}}";
  EXPECT_NE (refusal (many).find ("more than"), std::string::npos);
  std::string sdp (janus::MAX_SDP_BYTES + 1, 'a');
  EXPECT_NE (refusal ("{\"janus\":\"event\",\"jsep\":{\"type\":\"offer\",\"sdp\":\"" + sdp + "\"}}")
      .find ("longer"), std::string::npos);
}

TEST (JanusApi, RoomUris)
{
  janus::RoomAddress a;
  std::string error;
  ASSERT_TRUE (janus::parse_room_uri ("janus+wss://h.example:8989/janus?room=12&display=Cam%201"
      "&pin=p&secret=s&token=t&create=1", &a, &error)) << error;
  EXPECT_EQ (a.ws_uri, "wss://h.example:8989/janus");
  EXPECT_EQ (a.room.text, "12");
  EXPECT_FALSE (a.room.is_string);
  EXPECT_EQ (a.display, "Cam 1");
  EXPECT_TRUE (a.create);
  EXPECT_EQ (a.pin, "p");
  EXPECT_EQ (a.token, "t");
  EXPECT_EQ (a.shown_uri.find ("pin"), std::string::npos) << "secrets are not shown";
  EXPECT_EQ (a.shown_uri.find ("token"), std::string::npos);
  EXPECT_FALSE (janus::parse_room_uri ("janus+ws://h:1/", &a, &error));
  EXPECT_NE (error.find ("room"), std::string::npos);
  EXPECT_FALSE (janus::parse_room_uri ("ws://h:1/?room=1", &a, &error));
  EXPECT_TRUE (janus::id_from_text ("12345678901234567890").is_string) << "beyond 64 bits";
}

TEST (JanusApi, ErrorsSayWhatToFix)
{
  EXPECT_EQ (janus::error_kind (426), janus::ErrorKind::NotFound);
  EXPECT_EQ (janus::error_kind (433), janus::ErrorKind::NotAuthorized);
  EXPECT_EQ (janus::error_kind (429, "Missing mandatory element (pin)"),
      janus::ErrorKind::NotAuthorized);
  EXPECT_EQ (janus::error_kind (429, "Missing mandatory element (ptype)"),
      janus::ErrorKind::Failed);
  EXPECT_EQ (janus::error_kind (432), janus::ErrorKind::Busy);
  EXPECT_NE (janus::error_advice (426).find ("create=1"), std::string::npos);
  EXPECT_NE (janus::error_advice (429, "Missing mandatory element (pin)").find ("pin"),
      std::string::npos);
}
