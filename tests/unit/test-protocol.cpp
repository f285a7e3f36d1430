/* Unit tests of the signalling protocol messages (gst/protocol.h): every
 * message type written byte for byte as shared/PROTOCOL.md shows it, parsed
 * back, and refused when malformed.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "protocol.h"

#include <gtest/gtest.h>

#include <string>

using namespace gstsig::protocol;

namespace {

const std::string ID_A = "3c6e6e2a-4b0e-4f7a-9a57-0d3c2f1e8a11";
const std::string ID_B = "9f0d8c3b-1a2b-4c5d-8e9f-a0b1c2d3e4f5";
const std::string SESSION = "c0ffee00-1234-4567-89ab-cdef01234567";
const std::string SDP = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\n";
const std::string SDP_JSON = "v=0\\r\\no=- 1 2 IN IP4 127.0.0.1\\r\\ns=-\\r\\n";

Roles
roles (bool producer, bool listener, bool consumer)
{
  Roles r;
  r.producer = producer;
  r.listener = listener;
  r.consumer = consumer;
  return r;
}

/* Parses @text as a client message, expecting success, and writes it again. */
std::string
client_round_trip (const std::string &text)
{
  std::string error;
  auto msg = parse_client_message (text, &error);
  EXPECT_TRUE (msg.has_value ()) << text << ": " << error;
  return msg ? to_json (*msg) : std::string ();
}

std::string
server_round_trip (const std::string &text)
{
  std::string error;
  auto msg = parse_server_message (text, &error);
  EXPECT_TRUE (msg.has_value ()) << text << ": " << error;
  return msg ? to_json (*msg) : std::string ();
}

/* Expects @text to be refused as a client message; returns the error. */
std::string
client_error (const std::string &text)
{
  std::string error;
  auto msg = parse_client_message (text, &error);
  EXPECT_FALSE (msg.has_value ()) << "accepted: " << text;
  EXPECT_FALSE (error.empty ()) << text;
  return error;
}

std::string
server_error (const std::string &text)
{
  std::string error;
  auto msg = parse_server_message (text, &error);
  EXPECT_FALSE (msg.has_value ()) << "accepted: " << text;
  EXPECT_FALSE (error.empty ()) << text;
  return error;
}

} // namespace

/* ---- server -> client, written ---- */

TEST (ProtocolWrite, Welcome)
{
  EXPECT_EQ (to_json (ServerMessage { Welcome { ID_A } }),
      "{\"type\":\"welcome\",\"peerId\":\"" + ID_A + "\"}");
}

TEST (ProtocolWrite, PeerStatusChanged)
{
  EXPECT_EQ (to_json (ServerMessage { PeerStatusChanged { roles (true, false, false),
                 "{\"name\":\"cam\"}", ID_A } }),
      "{\"type\":\"peerStatusChanged\",\"roles\":[\"producer\"],\"meta\":{\"name\":\"cam\"},"
      "\"peerId\":\"" + ID_A + "\"}");
  EXPECT_EQ (to_json (ServerMessage { PeerStatusChanged { Roles {}, "null", ID_B } }),
      "{\"type\":\"peerStatusChanged\",\"roles\":[],\"meta\":null,\"peerId\":\"" + ID_B + "\"}");
  EXPECT_EQ (to_json (ServerMessage { PeerStatusChanged { roles (true, true, false), "null",
                 ID_B } }),
      "{\"type\":\"peerStatusChanged\",\"roles\":[\"producer\",\"listener\"],\"meta\":null,"
      "\"peerId\":\"" + ID_B + "\"}");
  EXPECT_EQ (to_json (ServerMessage { PeerStatusChanged { roles (false, true, true), "null",
                 ID_B } }),
      "{\"type\":\"peerStatusChanged\",\"roles\":[\"listener\",\"consumer\"],\"meta\":null,"
      "\"peerId\":\"" + ID_B + "\"}");
}

TEST (ProtocolWrite, StartSessionNotice)
{
  EXPECT_EQ (to_json (ServerMessage { StartSessionNotice { ID_B, SESSION, std::nullopt } }),
      "{\"type\":\"startSession\",\"peerId\":\"" + ID_B + "\",\"sessionId\":\"" + SESSION
          + "\",\"offer\":null}");
  EXPECT_EQ (to_json (ServerMessage { StartSessionNotice { ID_B, SESSION, SDP } }),
      "{\"type\":\"startSession\",\"peerId\":\"" + ID_B + "\",\"sessionId\":\"" + SESSION
          + "\",\"offer\":\"" + SDP_JSON + "\"}");
}

TEST (ProtocolWrite, SessionStarted)
{
  EXPECT_EQ (to_json (ServerMessage { SessionStarted { ID_A, SESSION } }),
      "{\"type\":\"sessionStarted\",\"peerId\":\"" + ID_A + "\",\"sessionId\":\"" + SESSION
          + "\"}");
}

TEST (ProtocolWrite, PeerSdp)
{
  PeerMessage msg;
  msg.session_id = SESSION;
  msg.sdp = SessionDescription { "offer", SDP };
  const std::string expected = "{\"type\":\"peer\",\"sessionId\":\"" + SESSION
      + "\",\"sdp\":{\"type\":\"offer\",\"sdp\":\"" + SDP_JSON + "\"}}";
  EXPECT_EQ (to_json (ServerMessage { msg }), expected);
  EXPECT_EQ (to_json (ClientMessage { msg }), expected);
}

TEST (ProtocolWrite, PeerIceDropsSdpMid)
{
  PeerMessage msg;
  msg.session_id = SESSION;
  msg.ice = IceCandidate { "candidate:1 1 UDP 2122252543 192.0.2.1 40000 typ host", 1, "video0" };
  const std::string expected = "{\"type\":\"peer\",\"sessionId\":\"" + SESSION
      + "\",\"ice\":{\"candidate\":\"candidate:1 1 UDP 2122252543 192.0.2.1 40000 typ host\","
        "\"sdpMLineIndex\":1}}";
  EXPECT_EQ (to_json (ServerMessage { msg }), expected);
  EXPECT_EQ (to_json (ClientMessage { msg }), expected);
}

TEST (ProtocolWrite, EndSession)
{
  const std::string expected = "{\"type\":\"endSession\",\"sessionId\":\"" + SESSION + "\"}";
  EXPECT_EQ (to_json (ServerMessage { EndSession { SESSION } }), expected);
  EXPECT_EQ (to_json (ClientMessage { EndSession { SESSION } }), expected);
}

TEST (ProtocolWrite, Lists)
{
  ListReply list;
  list.producers = { PeerEntry { ID_A, "{\"name\":\"cam\",\"n\":2}" }, PeerEntry { ID_B, "null" } };
  EXPECT_EQ (to_json (ServerMessage { list }),
      "{\"type\":\"list\",\"producers\":[{\"id\":\"" + ID_A
          + "\",\"meta\":{\"name\":\"cam\",\"n\":2}},{\"id\":\"" + ID_B + "\",\"meta\":null}]}");
  EXPECT_EQ (to_json (ServerMessage { ListReply {} }), "{\"type\":\"list\",\"producers\":[]}");

  ListConsumersReply consumers;
  consumers.consumers = { PeerEntry { ID_B, "{}" } };
  EXPECT_EQ (to_json (ServerMessage { consumers }),
      "{\"type\":\"listConsumers\",\"consumers\":[{\"id\":\"" + ID_B + "\",\"meta\":{}}]}");
  EXPECT_EQ (to_json (ServerMessage { ListConsumersReply {} }),
      "{\"type\":\"listConsumers\",\"consumers\":[]}");
}

TEST (ProtocolWrite, Error)
{
  EXPECT_EQ (to_json (ServerMessage { ErrorMessage { "bad \"thing\"" } }),
      "{\"type\":\"error\",\"details\":\"bad \\\"thing\\\"\"}");
}

/* ---- client -> server, written ---- */

TEST (ProtocolWrite, SetPeerStatus)
{
  EXPECT_EQ (to_json (ClientMessage { SetPeerStatus { roles (true, false, false),
                 "{\"name\":\"cam\"}" } }),
      "{\"type\":\"setPeerStatus\",\"roles\":[\"producer\"],\"meta\":{\"name\":\"cam\"}}");
  EXPECT_EQ (to_json (ClientMessage { SetPeerStatus {} }),
      "{\"type\":\"setPeerStatus\",\"roles\":[],\"meta\":null}");
}

TEST (ProtocolWrite, StartSessionRequest)
{
  EXPECT_EQ (to_json (ClientMessage { StartSessionRequest { ID_A, std::nullopt } }),
      "{\"type\":\"startSession\",\"peerId\":\"" + ID_A + "\",\"offer\":null}");
  EXPECT_EQ (to_json (ClientMessage { StartSessionRequest { ID_A, SDP } }),
      "{\"type\":\"startSession\",\"peerId\":\"" + ID_A + "\",\"offer\":\"" + SDP_JSON + "\"}");
}

TEST (ProtocolWrite, SimpleRequests)
{
  EXPECT_EQ (to_json (ClientMessage { ListRequest {} }), "{\"type\":\"list\"}");
  EXPECT_EQ (to_json (ClientMessage { ListConsumersRequest {} }), "{\"type\":\"listConsumers\"}");
  EXPECT_EQ (to_json (ClientMessage { SetProtocolVersion { "v1_1" } }),
      "{\"type\":\"setProtocolVersion\",\"version\":\"v1_1\"}");
}

TEST (ProtocolWrite, InvalidMetaTextIsWrittenAsNull)
{
  EXPECT_EQ (to_json (ServerMessage { PeerStatusChanged { Roles {}, "not json", ID_A } }),
      "{\"type\":\"peerStatusChanged\",\"roles\":[],\"meta\":null,\"peerId\":\"" + ID_A + "\"}");
}

/* ---- parsed and written again, byte for byte ---- */

TEST (ProtocolParse, ClientMessagesRoundTrip)
{
  const std::string messages[] = {
    "{\"type\":\"setPeerStatus\",\"roles\":[\"producer\"],\"meta\":{\"name\":\"cam\"}}",
    "{\"type\":\"setPeerStatus\",\"roles\":[\"listener\"],\"meta\":null}",
    "{\"type\":\"setPeerStatus\",\"roles\":[\"listener\",\"consumer\"],\"meta\":null}",
    "{\"type\":\"setPeerStatus\",\"roles\":[],\"meta\":{\"a\":[1,true,null,\"x\"],\"b\":{}}}",
    "{\"type\":\"startSession\",\"peerId\":\"" + ID_A + "\",\"offer\":null}",
    "{\"type\":\"startSession\",\"peerId\":\"" + ID_A + "\",\"offer\":\"" + SDP_JSON + "\"}",
    "{\"type\":\"peer\",\"sessionId\":\"" + SESSION + "\",\"sdp\":{\"type\":\"answer\",\"sdp\":\""
        + SDP_JSON + "\"}}",
    "{\"type\":\"peer\",\"sessionId\":\"" + SESSION
        + "\",\"ice\":{\"candidate\":\"candidate:0 1 UDP 1 10.0.0.1 9 typ host\","
          "\"sdpMLineIndex\":0}}",
    "{\"type\":\"peer\",\"sessionId\":\"" + SESSION
        + "\",\"ice\":{\"candidate\":\"\",\"sdpMLineIndex\":3}}",
    "{\"type\":\"endSession\",\"sessionId\":\"" + SESSION + "\"}",
    "{\"type\":\"list\"}",
    "{\"type\":\"listConsumers\"}",
    "{\"type\":\"setProtocolVersion\",\"version\":\"v1_0\"}",
  };
  for (const auto &text : messages)
    EXPECT_EQ (client_round_trip (text), text);
}

TEST (ProtocolParse, ServerMessagesRoundTrip)
{
  const std::string messages[] = {
    "{\"type\":\"welcome\",\"peerId\":\"" + ID_A + "\"}",
    "{\"type\":\"peerStatusChanged\",\"roles\":[\"producer\"],\"meta\":{\"name\":\"cam\"},"
    "\"peerId\":\"" + ID_A + "\"}",
    "{\"type\":\"peerStatusChanged\",\"roles\":[],\"meta\":null,\"peerId\":\"" + ID_A + "\"}",
    "{\"type\":\"startSession\",\"peerId\":\"" + ID_B + "\",\"sessionId\":\"" + SESSION
        + "\",\"offer\":null}",
    "{\"type\":\"startSession\",\"peerId\":\"" + ID_B + "\",\"sessionId\":\"" + SESSION
        + "\",\"offer\":\"" + SDP_JSON + "\"}",
    "{\"type\":\"sessionStarted\",\"peerId\":\"" + ID_A + "\",\"sessionId\":\"" + SESSION + "\"}",
    "{\"type\":\"peer\",\"sessionId\":\"" + SESSION + "\",\"sdp\":{\"type\":\"offer\",\"sdp\":\""
        + SDP_JSON + "\"}}",
    "{\"type\":\"peer\",\"sessionId\":\"" + SESSION
        + "\",\"ice\":{\"candidate\":\"candidate:0 1 UDP 1 10.0.0.1 9 typ host\","
          "\"sdpMLineIndex\":2}}",
    "{\"type\":\"endSession\",\"sessionId\":\"" + SESSION + "\"}",
    "{\"type\":\"list\",\"producers\":[{\"id\":\"" + ID_A + "\",\"meta\":{\"k\":\"v\"}},{\"id\":\""
        + ID_B + "\",\"meta\":null}]}",
    "{\"type\":\"list\",\"producers\":[]}",
    "{\"type\":\"listConsumers\",\"consumers\":[{\"id\":\"" + ID_B + "\",\"meta\":null}]}",
    "{\"type\":\"error\",\"details\":\"something failed\"}",
  };
  for (const auto &text : messages)
    EXPECT_EQ (server_round_trip (text), text);
}

TEST (ProtocolParse, WelcomeAcceptsBothIdKeys)
{
  for (const char *key : { "peerId", "peer_id" }) {
    std::string error;
    auto msg = parse_server_message (
        std::string ("{\"type\":\"welcome\",\"") + key + "\":\"" + ID_A + "\"}", &error);
    ASSERT_TRUE (msg) << error;
    auto welcome = std::get_if<Welcome> (&*msg);
    ASSERT_TRUE (welcome);
    EXPECT_EQ (welcome->peer_id, ID_A);
    /* Always written with the newer key. */
    EXPECT_EQ (to_json (*msg), "{\"type\":\"welcome\",\"peerId\":\"" + ID_A + "\"}");
  }
}

TEST (ProtocolParse, IceExtrasAcceptedAndDropped)
{
  const std::string text = "{\"type\":\"peer\",\"sessionId\":\"" + SESSION
      + "\",\"ice\":{\"candidate\":\"candidate:0 1 UDP 1 10.0.0.1 9 typ host\","
        "\"sdpMid\":\"0\",\"sdpMLineIndex\":0,\"usernameFragment\":\"abcd\"}}";
  std::string error;
  auto msg = parse_client_message (text, &error);
  ASSERT_TRUE (msg) << error;
  auto peer = std::get_if<PeerMessage> (&*msg);
  ASSERT_TRUE (peer);
  EXPECT_EQ (peer->session_id, SESSION);
  ASSERT_TRUE (peer->ice);
  EXPECT_FALSE (peer->sdp);
  EXPECT_EQ (peer->ice->candidate, "candidate:0 1 UDP 1 10.0.0.1 9 typ host");
  EXPECT_EQ (peer->ice->sdp_m_line_index, 0u);
  EXPECT_EQ (peer->ice->sdp_mid, std::optional<std::string> ("0"));
  EXPECT_EQ (to_json (*msg), "{\"type\":\"peer\",\"sessionId\":\"" + SESSION
                                 + "\",\"ice\":{\"candidate\":\"candidate:0 1 UDP 1 10.0.0.1 9 "
                                   "typ host\",\"sdpMLineIndex\":0}}");
}

TEST (ProtocolParse, FieldsAndUnknownFields)
{
  std::string error;
  auto msg = parse_client_message ("{\"extra\":1,\"type\":\"setPeerStatus\",\"peerId\":\"x\","
                                   "\"roles\":[\"consumer\",\"listener\"],\"more\":{\"a\":[]},"
                                   "\"meta\":{ \"name\" : \"cam\" }}",
      &error);
  ASSERT_TRUE (msg) << error;
  auto status = std::get_if<SetPeerStatus> (&*msg);
  ASSERT_TRUE (status);
  EXPECT_EQ (status->roles, roles (false, true, true));
  EXPECT_EQ (status->meta, "{\"name\":\"cam\"}");

  /* meta absent means null; offer absent means none. */
  msg = parse_client_message ("{\"type\":\"setPeerStatus\",\"roles\":[]}", &error);
  ASSERT_TRUE (msg) << error;
  EXPECT_EQ (std::get<SetPeerStatus> (*msg).meta, "null");
  msg = parse_client_message ("{\"type\":\"startSession\",\"peerId\":\"" + ID_B + "\"}", &error);
  ASSERT_TRUE (msg) << error;
  EXPECT_EQ (std::get<StartSessionRequest> (*msg).peer_id, ID_B);
  EXPECT_FALSE (std::get<StartSessionRequest> (*msg).offer);

  auto server = parse_server_message ("{\"type\":\"startSession\",\"peerId\":\"" + ID_B
                                          + "\",\"sessionId\":\"" + SESSION + "\",\"offer\":\""
                                          + SDP_JSON + "\"}",
      &error);
  ASSERT_TRUE (server) << error;
  auto notice = std::get<StartSessionNotice> (*server);
  EXPECT_EQ (notice.peer_id, ID_B);
  EXPECT_EQ (notice.session_id, SESSION);
  EXPECT_EQ (notice.offer, std::optional<std::string> (SDP));
}

TEST (ProtocolParse, NonAsciiTextKept)
{
  const std::string text = "{\"type\":\"setPeerStatus\",\"roles\":[\"producer\"],"
                           "\"meta\":{\"name\":\"cam\xC3\xA9ra \xE2\x9C\x93\"}}";
  EXPECT_EQ (client_round_trip (text), text);
}

TEST (ProtocolParse, IntegralDoubleIndexAccepted)
{
  std::string error;
  auto msg = parse_client_message ("{\"type\":\"peer\",\"sessionId\":\"s\",\"ice\":{"
                                   "\"candidate\":\"\",\"sdpMLineIndex\":1.0}}",
      &error);
  ASSERT_TRUE (msg) << error;
  EXPECT_EQ (std::get<PeerMessage> (*msg).ice->sdp_m_line_index, 1u);
}

/* ---- refused ---- */

TEST (ProtocolErrors, NotJsonOrNotAnObject)
{
  client_error ("");
  client_error ("not json");
  client_error ("{\"type\":\"list\"");
  client_error ("[]");
  client_error ("\"list\"");
  client_error ("null");
  server_error ("{");
}

TEST (ProtocolErrors, TypeMissingWrongOrUnknown)
{
  EXPECT_NE (client_error ("{}").find ("type"), std::string::npos);
  EXPECT_NE (client_error ("{\"type\":3}").find ("type"), std::string::npos);
  EXPECT_NE (client_error ("{\"type\":\"bogus\"}").find ("bogus"), std::string::npos);
  /* Server-only types are unknown to the client parser and back. */
  client_error ("{\"type\":\"welcome\",\"peerId\":\"x\"}");
  client_error ("{\"type\":\"sessionStarted\",\"peerId\":\"x\",\"sessionId\":\"y\"}");
  server_error ("{\"type\":\"setPeerStatus\",\"roles\":[]}");
  server_error ("{\"type\":\"endSessionV1_1\",\"sessionId\":\"s\"}");
}

TEST (ProtocolErrors, SetPeerStatus)
{
  EXPECT_NE (client_error ("{\"type\":\"setPeerStatus\"}").find ("roles"), std::string::npos);
  EXPECT_NE (client_error ("{\"type\":\"setPeerStatus\",\"roles\":\"producer\"}").find ("roles"),
      std::string::npos);
  client_error ("{\"type\":\"setPeerStatus\",\"roles\":[1]}");
  EXPECT_NE (client_error ("{\"type\":\"setPeerStatus\",\"roles\":[\"admin\"]}").find ("admin"),
      std::string::npos);
  client_error ("{\"type\":\"setPeerStatus\",\"roles\":[\"producer\",\"consumer\"]}");
  EXPECT_NE (client_error ("{\"type\":\"setPeerStatus\",\"roles\":[],\"meta\":\"x\"}").find ("meta"),
      std::string::npos);
  client_error ("{\"type\":\"setPeerStatus\",\"roles\":[],\"meta\":[1]}");
  client_error ("{\"type\":\"setPeerStatus\",\"roles\":[],\"peerId\":5}");
}

TEST (ProtocolErrors, StartSession)
{
  EXPECT_NE (client_error ("{\"type\":\"startSession\"}").find ("peerId"), std::string::npos);
  client_error ("{\"type\":\"startSession\",\"peerId\":null}");
  client_error ("{\"type\":\"startSession\",\"peerId\":5}");
  EXPECT_NE (client_error ("{\"type\":\"startSession\",\"peerId\":\"a\",\"offer\":{}}").find (
                 "offer"),
      std::string::npos);
}

TEST (ProtocolErrors, Peer)
{
  EXPECT_NE (client_error ("{\"type\":\"peer\",\"sdp\":{\"type\":\"offer\",\"sdp\":\"v=0\"}}")
                 .find ("sessionId"),
      std::string::npos);
  /* Neither or both of sdp and ice. */
  EXPECT_EQ (client_error ("{\"type\":\"peer\",\"sessionId\":\"s\"}"),
      "peer: exactly one of 'sdp' or 'ice' is required");
  client_error ("{\"type\":\"peer\",\"sessionId\":\"s\",\"sdp\":{\"type\":\"offer\",\"sdp\":\"\"},"
                "\"ice\":{\"candidate\":\"\",\"sdpMLineIndex\":0}}");
  /* Malformed sdp. */
  client_error ("{\"type\":\"peer\",\"sessionId\":\"s\",\"sdp\":\"v=0\"}");
  client_error ("{\"type\":\"peer\",\"sessionId\":\"s\",\"sdp\":{\"sdp\":\"v=0\"}}");
  client_error ("{\"type\":\"peer\",\"sessionId\":\"s\",\"sdp\":{\"type\":\"pranswer\",\"sdp\":\"\"}}");
  client_error ("{\"type\":\"peer\",\"sessionId\":\"s\",\"sdp\":{\"type\":\"offer\"}}");
  client_error ("{\"type\":\"peer\",\"sessionId\":\"s\",\"sdp\":{\"type\":\"offer\",\"sdp\":1}}");
  /* Malformed ice: the index is required and must be a non-negative integer. */
  EXPECT_NE (client_error ("{\"type\":\"peer\",\"sessionId\":\"s\",\"ice\":{\"candidate\":\"\"}}")
                 .find ("sdpMLineIndex"),
      std::string::npos);
  client_error ("{\"type\":\"peer\",\"sessionId\":\"s\",\"ice\":{\"candidate\":\"\","
                "\"sdpMLineIndex\":-1}}");
  client_error ("{\"type\":\"peer\",\"sessionId\":\"s\",\"ice\":{\"candidate\":\"\","
                "\"sdpMLineIndex\":\"0\"}}");
  client_error ("{\"type\":\"peer\",\"sessionId\":\"s\",\"ice\":{\"candidate\":\"\","
                "\"sdpMLineIndex\":0.5}}");
  client_error ("{\"type\":\"peer\",\"sessionId\":\"s\",\"ice\":{\"sdpMLineIndex\":0}}");
  client_error ("{\"type\":\"peer\",\"sessionId\":\"s\",\"ice\":{\"candidate\":\"\","
                "\"sdpMLineIndex\":0,\"sdpMid\":4}}");
}

TEST (ProtocolErrors, OtherClientMessages)
{
  EXPECT_NE (client_error ("{\"type\":\"endSession\"}").find ("sessionId"), std::string::npos);
  client_error ("{\"type\":\"endSession\",\"sessionId\":[]}");
  EXPECT_NE (client_error ("{\"type\":\"setProtocolVersion\"}").find ("version"), std::string::npos);
}

TEST (ProtocolErrors, ServerMessages)
{
  EXPECT_NE (server_error ("{\"type\":\"welcome\"}").find ("peerId"), std::string::npos);
  server_error ("{\"type\":\"welcome\",\"peerId\":7}");
  server_error ("{\"type\":\"peerStatusChanged\",\"roles\":[],\"meta\":null}");
  server_error ("{\"type\":\"peerStatusChanged\",\"roles\":[\"x\"],\"peerId\":\"a\"}");
  server_error ("{\"type\":\"startSession\",\"peerId\":\"a\"}");
  server_error ("{\"type\":\"sessionStarted\",\"sessionId\":\"a\"}");
  server_error ("{\"type\":\"list\"}");
  server_error ("{\"type\":\"list\",\"producers\":[{\"meta\":null}]}");
  server_error ("{\"type\":\"list\",\"producers\":[\"a\"]}");
  server_error ("{\"type\":\"listConsumers\",\"consumers\":{}}");
  server_error ("{\"type\":\"error\",\"details\":5}");
}

/* The size limit is the caller's: 1 MiB for a client message unless the
 * server is configured otherwise, 4 MiB (the ws signaller's frame limit) for
 * what a server sends. */
TEST (ProtocolErrors, SizeLimitIsTheCallers)
{
  std::string pad (1536 * 1024, 'x');
  std::string list = "{\"type\":\"list\",\"pad\":\"" + pad + "\"}";
  std::string error;
  EXPECT_FALSE (parse_client_message (list, &error));
  EXPECT_NE (error.find ("larger than the 1048576 allowed"), std::string::npos) << error;
  error.clear ();
  EXPECT_TRUE (parse_client_message (list, &error, 2 * 1024 * 1024)) << error;

  std::string reply = "{\"type\":\"list\",\"producers\":[],\"pad\":\"" + pad + "\"}";
  EXPECT_TRUE (parse_server_message (reply, &error)) << error;
  std::string too_long = "{\"type\":\"list\",\"producers\":[],\"pad\":\""
      + std::string (MAX_SERVER_MESSAGE_BYTES, 'x') + "\"}";
  EXPECT_FALSE (parse_server_message (too_long, &error));
}

TEST (ProtocolMeta, Normalize)
{
  EXPECT_EQ (normalize_meta ("null"), std::optional<MetaJson> ("null"));
  EXPECT_EQ (normalize_meta (" { \"a\" : 1 , \"b\" : [ true ] } "),
      std::optional<MetaJson> ("{\"a\":1,\"b\":[true]}"));
  EXPECT_EQ (normalize_meta ("{}"), std::optional<MetaJson> ("{}"));
  EXPECT_FALSE (normalize_meta (""));
  EXPECT_FALSE (normalize_meta ("[1]"));
  EXPECT_FALSE (normalize_meta ("3"));
  EXPECT_FALSE (normalize_meta ("\"x\""));
  EXPECT_FALSE (normalize_meta ("{bad"));
}

/* ---- stats (our addition, docs/protocol-stats.md) ---- */

TEST (ProtocolStats, Written)
{
  const std::string figures = "{\"role\":\"producer\",\"peer-id\":\"" + ID_B
      + "\",\"bitrate-out\":1250000,\"rtt\":0.012,\"fraction-lost\":0,\"codec\":\"VP8\","
        "\"keyframe\":true}";
  EXPECT_EQ (to_json (ClientMessage { StatsReport { SESSION, figures } }),
      "{\"type\":\"stats\",\"sessionId\":\"" + SESSION + "\",\"stats\":" + figures + "}");
  EXPECT_EQ (to_json (ClientMessage { StatsReport { std::nullopt, "{\"fps\":30}" } }),
      "{\"type\":\"stats\",\"sessionId\":null,\"stats\":{\"fps\":30}}");
  EXPECT_EQ (to_json (ClientMessage { SubscribeStats {} }), "{\"type\":\"subscribeStats\"}");
  EXPECT_EQ (to_json (ClientMessage { UnsubscribeStats {} }), "{\"type\":\"unsubscribeStats\"}");

  EXPECT_EQ (to_json (ServerMessage { StatsUpdate { ID_A, SESSION, figures } }),
      "{\"type\":\"stats\",\"peerId\":\"" + ID_A + "\",\"sessionId\":\"" + SESSION
          + "\",\"stats\":" + figures + "}");
  EXPECT_EQ (to_json (ServerMessage { StatsUpdate { ID_A, std::nullopt, "{}" } }),
      "{\"type\":\"stats\",\"peerId\":\"" + ID_A + "\",\"sessionId\":null,\"stats\":{}}");
  EXPECT_EQ (to_json (ServerMessage { SessionEnded { SESSION } }),
      "{\"type\":\"sessionEnded\",\"sessionId\":\"" + SESSION + "\"}");
}

TEST (ProtocolStats, InvalidStatsTextIsWrittenAsEmpty)
{
  for (const char *bad : { "", "null", "[1]", "{\"a\":{\"b\":1}}", "{bad" })
    EXPECT_EQ (to_json (ServerMessage { StatsUpdate { ID_A, SESSION, bad } }),
        "{\"type\":\"stats\",\"peerId\":\"" + ID_A + "\",\"sessionId\":\"" + SESSION
            + "\",\"stats\":{}}")
        << bad;
}

TEST (ProtocolStats, RoundTrip)
{
  const std::string figures = "{\"bitrate-in\":2000000.5,\"packets-lost\":-3,\"jitter\":1.5e-05,"
                              "\"big\":1e+300,\"name\":\"cam\\u00e9 \\\"x\\\"\",\"on\":false}";
  std::string error;
  auto parsed = parse_client_message (
      "{\"type\":\"stats\",\"sessionId\":\"" + SESSION + "\",\"stats\":" + figures + "}", &error);
  ASSERT_TRUE (parsed) << error;
  auto report = std::get_if<StatsReport> (&*parsed);
  ASSERT_TRUE (report);
  EXPECT_EQ (report->session_id, std::optional<std::string> (SESSION));
  /* Numbers keep their shortest form; strings are re-escaped as json-glib does. */
  const std::string normalized = "{\"bitrate-in\":2000000.5,\"packets-lost\":-3,\"jitter\":"
                                 "1.5e-05,\"big\":1e+300,\"name\":\"cam\xC3\xA9 \\\"x\\\"\","
                                 "\"on\":false}";
  EXPECT_EQ (report->stats, normalized);

  const std::string client[] = {
    "{\"type\":\"stats\",\"sessionId\":\"" + SESSION + "\",\"stats\":" + normalized + "}",
    "{\"type\":\"stats\",\"sessionId\":null,\"stats\":{\"fps\":29.97,\"rtt\":0.1}}",
    "{\"type\":\"subscribeStats\"}",
    "{\"type\":\"unsubscribeStats\"}",
  };
  for (const auto &text : client)
    EXPECT_EQ (client_round_trip (text), text);

  const std::string server[] = {
    "{\"type\":\"stats\",\"peerId\":\"" + ID_A + "\",\"sessionId\":\"" + SESSION
        + "\",\"stats\":{\"role\":\"consumer\",\"fraction-lost\":0.25}}",
    "{\"type\":\"stats\",\"peerId\":\"" + ID_A + "\",\"sessionId\":null,\"stats\":{}}",
    "{\"type\":\"sessionEnded\",\"sessionId\":\"" + SESSION + "\"}",
  };
  for (const auto &text : server)
    EXPECT_EQ (server_round_trip (text), text);
}

TEST (ProtocolStats, AbsentSessionIdIsTheSenderItself)
{
  std::string error;
  auto parsed = parse_client_message ("{\"stats\":{\"fps\":30},\"type\":\"stats\"}", &error);
  ASSERT_TRUE (parsed) << error;
  EXPECT_FALSE (std::get<StatsReport> (*parsed).session_id);
  EXPECT_EQ (to_json (*parsed), "{\"type\":\"stats\",\"sessionId\":null,\"stats\":{\"fps\":30}}");
}

TEST (ProtocolStats, Refused)
{
  EXPECT_NE (client_error ("{\"type\":\"stats\",\"sessionId\":\"s\"}").find ("stats"),
      std::string::npos);
  client_error ("{\"type\":\"stats\",\"sessionId\":\"s\",\"stats\":null}");
  client_error ("{\"type\":\"stats\",\"sessionId\":\"s\",\"stats\":[1]}");
  client_error ("{\"type\":\"stats\",\"sessionId\":\"s\",\"stats\":\"fps=30\"}");
  client_error ("{\"type\":\"stats\",\"sessionId\":5,\"stats\":{}}");
  /* Flat only: no objects, arrays or nulls inside. */
  EXPECT_NE (client_error ("{\"type\":\"stats\",\"stats\":{\"fps\":30,\"codec\":{\"name\":\"VP8\"}}}")
                 .find ("codec"),
      std::string::npos);
  client_error ("{\"type\":\"stats\",\"stats\":{\"list\":[1,2]}}");
  client_error ("{\"type\":\"stats\",\"stats\":{\"rtt\":null}}");

  EXPECT_NE (server_error ("{\"type\":\"stats\",\"sessionId\":null,\"stats\":{}}").find ("peerId"),
      std::string::npos);
  server_error ("{\"type\":\"stats\",\"peerId\":\"a\",\"sessionId\":null}");
  server_error ("{\"type\":\"stats\",\"peerId\":\"a\",\"stats\":{\"x\":{}}}");
  server_error ("{\"type\":\"sessionEnded\"}");
  /* Server-only types are unknown to the client parser and back. */
  client_error ("{\"type\":\"sessionEnded\",\"sessionId\":\"s\"}");
  server_error ("{\"type\":\"subscribeStats\"}");
}

TEST (ProtocolStats, Normalize)
{
  EXPECT_EQ (normalize_stats (" { \"a\" : 1 , \"b\" : 0.30000000000000004, \"c\" : \"x\" } ",
                 nullptr),
      std::optional<StatsJson> ("{\"a\":1,\"b\":0.30000000000000004,\"c\":\"x\"}"));
  /* -0 is written 0: json-glib reads "-0" back as the integer 0, and the
   * text must settle (normalising twice changes nothing). */
  EXPECT_EQ (normalize_stats ("{\"x\":2.0,\"y\":-0.0,\"z\":1E3}", nullptr),
      std::optional<StatsJson> ("{\"x\":2,\"y\":0,\"z\":1000}"));
  EXPECT_EQ (normalize_stats ("{}", nullptr), std::optional<StatsJson> ("{}"));
  std::string error;
  EXPECT_FALSE (normalize_stats ("null", &error));
  EXPECT_FALSE (error.empty ());
  EXPECT_FALSE (normalize_stats ("{\"a\":[1]}", nullptr));
  EXPECT_FALSE (normalize_stats ("{bad", nullptr));
}
