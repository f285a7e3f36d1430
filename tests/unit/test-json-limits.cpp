/* JSON limits (gst/json-limits.h) before json-glib parses: the scanner
 * itself, the protocol parsers that use it, meta, and a real Server that
 * gets 100,000 '[' in one frame (json-glib alone overflows the stack on it)
 * and keeps serving.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "json-bombs.h"
#include "json-limits.h"
#include "meta.h"
#include "server-fixture.h"

using gstsig::test::BOMB_DEPTH;
using gstsig::test::json_bombs;
using gstsig::test::repeat;

namespace {

/* depth levels of {"a":...}, innermost {} */
std::string
nested_objects (size_t depth)
{
  return repeat ("{\"a\":", depth - 1) + "{}" + repeat ("}", depth - 1);
}

} // namespace

TEST (JsonLimits, DepthIsCountedAndLimited)
{
  JsonLimits limits;
  EXPECT_EQ (limits.max_depth, 32u);
  std::string error;
  EXPECT_TRUE (json_within_limits (repeat ("[", 32) + repeat ("]", 32), limits, &error)) << error;
  EXPECT_TRUE (json_within_limits (nested_objects (32), limits, &error)) << error;
  EXPECT_FALSE (json_within_limits (repeat ("[", 33) + repeat ("]", 33), limits, &error));
  EXPECT_NE (error.find ("deeper than 32 levels"), std::string::npos) << error;
  error.clear ();
  EXPECT_FALSE (json_within_limits (nested_objects (33), limits, &error));
  EXPECT_FALSE (error.empty ());
  /* Siblings do not add up. */
  EXPECT_TRUE (json_within_limits ("[" + repeat ("[[]],", 1000) + "[]]", limits));
  for (const auto &bomb : json_bombs ())
    EXPECT_FALSE (json_within_limits (bomb, limits)) << bomb.substr (0, 40);
  limits.max_depth = 2;
  EXPECT_TRUE (json_within_limits ("{\"a\":[1,2]}", limits));
  EXPECT_FALSE (json_within_limits ("{\"a\":[{}]}", limits));
}

TEST (JsonLimits, BracketsInsideStringsDoNotCount)
{
  std::string deep = repeat ("[{", BOMB_DEPTH);
  EXPECT_TRUE (json_within_limits ("{\"a\":\"" + deep + "\"}"));
  /* Escaped quotes do not end the string; an escaped backslash does not
   * escape the quote after it. */
  EXPECT_TRUE (json_within_limits ("[\"\\\"" + deep + "\"]"));
  EXPECT_FALSE (json_within_limits ("[\"\\\\\"" + deep + "\"]"));
  /* Keys are strings too. */
  EXPECT_TRUE (json_within_limits ("{\"" + deep + "\":1}"));
}

TEST (JsonLimits, SizeIsLimited)
{
  JsonLimits limits;
  EXPECT_EQ (limits.max_bytes, 1024u * 1024u);
  limits.max_bytes = 10;
  std::string error;
  EXPECT_TRUE (json_within_limits ("[1,2,3,44]", limits, &error)) << error;
  EXPECT_FALSE (json_within_limits ("[1,2,3,444]", limits, &error));
  EXPECT_NE (error.find ("11 bytes"), std::string::npos) << error;
}

/* json-glib 1.6 reads single-quoted strings and comments, where a '"' would
 * hide brackets from a scanner that knows only JSON: both are refused. */
TEST (JsonLimits, QuotesAndCommentsThatHideBracketsAreRefused)
{
  std::string deep = repeat ("[", BOMB_DEPTH);
  for (const std::string &hidden : { "['\"'," + deep, "[/* \" */" + deep, "/\"/" + deep,
           std::string ("['a']"), std::string ("[1]/* c */") }) {
    std::string error;
    EXPECT_FALSE (json_within_limits (hidden, JsonLimits (), &error)) << hidden.substr (0, 20);
    EXPECT_FALSE (error.empty ());
  }
  /* Inside strings they are plain characters. */
  EXPECT_TRUE (json_within_limits ("[\"it's a/b\"]"));
}

/* json-glib 1.6 leaks all but the last of several top-level values: a
 * peer could grow the server by a few bytes per frame. One value only. */
TEST (JsonLimits, OneValueOnly)
{
  for (const char *two : { "{}{}", "[1] [2]", "{\"a\":1}\n{\"b\":2}", "[]1", "1 2", "\"a\"\"b\"",
           "null{}", "true []" }) {
    std::string error;
    EXPECT_FALSE (json_within_limits (two, JsonLimits (), &error)) << two;
    EXPECT_NE (error.find ("more than one value"), std::string::npos) << error;
  }
  for (const char *one : { "{}", " [1, 2] \r\n", "null", "-1.5e3", "\"a b\"", "\xef\xbb\xbf{}" })
    EXPECT_TRUE (json_within_limits (one)) << one;
  std::string error;
  EXPECT_FALSE (p::parse_client_message ("{\"type\":\"list\"}{\"type\":\"list\"}", &error));
  EXPECT_NE (error.find ("more than one value"), std::string::npos) << error;
}

/* json-glib reads octal escapes and half surrogate pairs into strings that
 * are not UTF-8, and then writes JSON it cannot read back (a server
 * forwarding such an SDP would send its peer an unreadable message). */
TEST (JsonLimits, OnlyJsonEscapes)
{
  for (const char *bad : { "[\"\\363\"]", "[\"\\ud83dx\"]", "[\"\\udc00\"]", "[\"\\ud800\\ud800\"]",
           "[\"\\ud800\"]", "[\"\\q\"]", "[\"\\u12\"]", "[\"\\uzzzz\"]", "[\"\\" }) {
    std::string error;
    EXPECT_FALSE (json_within_limits (bad, JsonLimits (), &error)) << bad;
    EXPECT_FALSE (error.empty ());
  }
  EXPECT_TRUE (
      json_within_limits ("[\"\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u00e9 \\ud83d\\ude00\"]"));
  std::string error;
  auto msg = p::parse_server_message ("{\"type\":\"error\",\"details\":\"\\ud83d\\ude00\"}",
      &error);
  ASSERT_TRUE (msg) << error;
  EXPECT_EQ (std::get<p::ErrorMessage> (*msg).details, "\xf0\x9f\x98\x80");
  EXPECT_FALSE (p::parse_server_message ("{\"type\":\"error\",\"details\":\"\\363\"}", &error));
}

/* Each would overflow json-glib's stack: refused with a reason instead. */
TEST (JsonLimits, ProtocolParsersRefuseDeepNesting)
{
  for (const auto &bomb : json_bombs ()) {
    std::string error;
    EXPECT_FALSE (p::parse_client_message (bomb, &error));
    EXPECT_NE (error.find ("deeper than"), std::string::npos) << error;
    error.clear ();
    EXPECT_FALSE (p::parse_server_message (bomb, &error));
    EXPECT_NE (error.find ("deeper than"), std::string::npos) << error;
    error.clear ();
    EXPECT_FALSE (p::normalize_stats (bomb, &error));
    EXPECT_FALSE (error.empty ());
    EXPECT_FALSE (p::normalize_meta (bomb));
    EXPECT_EQ (structure_from_json (bomb, "meta"), nullptr);
  }
}

TEST (JsonLimits, DeepTextInsideAStringIsAccepted)
{
  std::string deep = repeat ("[", BOMB_DEPTH);
  std::string error;
  auto msg = p::parse_client_message (
      "{\"type\":\"setPeerStatus\",\"roles\":[\"listener\"],\"meta\":{\"x\":\"" + deep + "\"}}",
      &error);
  ASSERT_TRUE (msg) << error;
  EXPECT_EQ (std::get<p::SetPeerStatus> (*msg).meta, "{\"x\":\"" + deep + "\"}");
  auto err = p::parse_server_message ("{\"type\":\"error\",\"details\":\"" + deep + "\"}", &error);
  ASSERT_TRUE (err) << error;
  EXPECT_EQ (std::get<p::ErrorMessage> (*err).details, deep);
}

/* meta is capped lower than messages, so that a list reply (meta four
 * levels down) carrying one peer's meta stays readable to everyone. */
TEST (JsonLimits, MetaNestsAtMostSixteenLevels)
{
  std::string error;
  auto status = [] (size_t depth) {
    return "{\"type\":\"setPeerStatus\",\"roles\":[\"producer\"],\"meta\":" +
        nested_objects (depth) + "}";
  };
  auto ok = p::parse_client_message (status (16), &error);
  ASSERT_TRUE (ok) << error;
  EXPECT_FALSE (p::parse_client_message (status (17), &error));
  EXPECT_NE (error.find ("meta"), std::string::npos) << error;
  EXPECT_TRUE (p::normalize_meta (nested_objects (16)));
  EXPECT_FALSE (p::normalize_meta (nested_objects (17)));

  /* The deepest meta accepted still makes a list reply others can read. */
  p::ListReply list { { p::PeerEntry { "id", std::get<p::SetPeerStatus> (*ok).meta } } };
  std::string text = p::to_json (p::ServerMessage (list));
  auto back = p::parse_server_message (text, &error);
  ASSERT_TRUE (back) << error;
  EXPECT_EQ (std::get<p::ListReply> (*back).producers.at (0).meta, nested_objects (16));
  /* A meta text deeper than that is written as null. */
  p::PeerStatusChanged changed { p::Roles { true, false, false }, nested_objects (17), "id" };
  EXPECT_NE (p::to_json (p::ServerMessage (changed)).find ("\"meta\":null"), std::string::npos);
}

/* Where a string is expected, anything else is a parse error, not a
 * json-glib critical (fatal here: G_DEBUG=fatal-criticals). */
TEST (JsonLimits, WrongTypesAreParseErrors)
{
  for (const char *value : { "{}", "[]", "1", "true", "1.5" }) {
    std::string v = value;
    for (const std::string &text : {
             "{\"type\":" + v + "}",
             "{\"type\":\"peer\",\"sessionId\":" + v +
                 ",\"sdp\":{\"type\":\"offer\",\"sdp\":\"v\"}}",
             "{\"type\":\"peer\",\"sessionId\":\"s\",\"sdp\":{\"type\":" + v + ",\"sdp\":\"v\"}}",
             "{\"type\":\"peer\",\"sessionId\":\"s\",\"sdp\":{\"type\":\"offer\",\"sdp\":" + v +
                 "}}",
             "{\"type\":\"peer\",\"sessionId\":\"s\",\"sdp\":" + v + "}",
             "{\"type\":\"peer\",\"sessionId\":\"s\",\"ice\":{\"candidate\":" + v +
                 ",\"sdpMLineIndex\":0}}",
             "{\"type\":\"peer\",\"sessionId\":\"s\",\"ice\":{\"candidate\":\"\",\"sdpMid\":" + v +
                 ",\"sdpMLineIndex\":0}}",
             "{\"type\":\"setPeerStatus\",\"roles\":[" + v + "]}",
             "{\"type\":\"setPeerStatus\",\"roles\":" + v + "}",
             "{\"type\":\"startSession\",\"peerId\":" + v + "}",
             "{\"type\":\"stats\",\"stats\":{\"a\":" + v + "}}",
             "{\"type\":\"list\",\"producers\":[{\"id\":" + v + "}]}",
             "{\"type\":\"list\",\"producers\":[" + v + "]}",
             "{\"type\":\"welcome\",\"peerId\":" + v + "}",
             "{\"type\":\"error\",\"details\":" + v + "}",
         }) {
      std::string error;
      auto client = p::parse_client_message (text, &error);
      auto server = p::parse_server_message (text, &error);
      /* Values that happen to fit (stats members, a list without
       * "producers" for the client) may parse; none may be critical. */
      (void) client;
      (void) server;
    }
  }
}

/* A real server: one frame of 100,000 '[' (a tenth of the frame limit, no
 * authentication needed) is answered with an error; the server still
 * answers the sender and a second client. Before the limits, json-glib
 * overflowed the stack and the whole process died. */
TEST_F (ServerTest, DeeplyNestedFrameIsAnsweredWithAnError)
{
  start_server ();
  Client *attacker = connect ();
  ASSERT_TRUE (attacker);
  for (const auto &bomb : json_bombs ()) {
    attacker->send (bomb);
    expect_error (attacker);
  }
  expect_nothing_pending (attacker);

  Client *other = connect ();
  ASSERT_TRUE (other);
  expect_nothing_pending (other);
  /* Deep text inside a string is an ordinary meta. */
  set_status (other, "[\"listener\"]", "{\"x\":\"" + repeat ("[", BOMB_DEPTH) + "\"}");
  std::string changed = next (other);
  EXPECT_EQ (changed.rfind ("{\"type\":\"peerStatusChanged\"", 0), 0u) << changed.substr (0, 80);
}

/* json-glib 1.6 writes 1e26 as "1e+26.0" and 1e999 as "inf.0": one peer's
 * meta made every peerStatusChanged and list reply carrying it unreadable
 * (found by fuzz-protocol-client). Our writer gives the shortest exact
 * form, and null for what JSON cannot say. */
TEST (JsonText, NumbersAreWrittenAsJson)
{
  auto meta = p::normalize_meta ("{\"big\":1e26,\"tenth\":0.1,\"inf\":1e999,\"n\":[-0.5,7]}");
  ASSERT_TRUE (meta);
  EXPECT_EQ (*meta, "{\"big\":1e+26,\"tenth\":0.1,\"inf\":null,\"n\":[-0.5,7]}");
  EXPECT_EQ (p::normalize_meta (*meta), meta);

  std::string error;
  auto status = p::parse_client_message (
      "{\"type\":\"setPeerStatus\",\"roles\":[\"producer\"],\"meta\":{\"e\":1e26}}", &error);
  ASSERT_TRUE (status) << error;
  p::ListReply list { { p::PeerEntry { "id", std::get<p::SetPeerStatus> (*status).meta } } };
  auto back = p::parse_server_message (p::to_json (p::ServerMessage (list)), &error);
  ASSERT_TRUE (back) << error;
  EXPECT_EQ (std::get<p::ListReply> (*back).producers.at (0).meta, "{\"e\":1e+26}");

  /* -0 reads back as the integer 0: written as 0 at once. */
  EXPECT_EQ (p::normalize_meta ("{\"z\":-0.0}"), "{\"z\":0}");
  EXPECT_FALSE (p::normalize_stats ("{\"bitrate\":1e999}", &error));
  EXPECT_NE (error.find ("bitrate"), std::string::npos) << error;
  EXPECT_EQ (p::normalize_stats ("{\"bitrate\":1e26}", &error), "{\"bitrate\":1e+26}");
}
