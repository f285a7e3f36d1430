/* Unit tests of the signalling server core (gst/server.h): roles, sessions,
 * forwarding, bad input, limits, disconnects (server-fixture.h).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "server-fixture.h"

TEST_F (ServerTest, WelcomeGivesEachPeerAUuid)
{
  start_server ();
  Client *a = connect ();
  Client *b = connect ();
  ASSERT_TRUE (a && b);
  EXPECT_NE (a->id, b->id);
  EXPECT_EQ (server_->peer_count (), 2u);
}

/* libsoup clients offer permessage-deflate, as browsers do; the server
 * declines it (its per-peer zlib state was most of the server's memory). */
TEST_F (ServerTest, NoWebSocketCompression)
{
  start_server ();
  if (!soup_session_has_feature (session_, SOUP_TYPE_WEBSOCKET_EXTENSION_MANAGER))
    soup_session_add_feature_by_type (session_, SOUP_TYPE_WEBSOCKET_EXTENSION_MANAGER);
  Client *c = connect ();
  ASSERT_TRUE (c);
  EXPECT_EQ (soup_websocket_connection_get_extensions (c->conn), nullptr);
}

TEST_F (ServerTest, AnyPathIsAccepted)
{
  start_server ();
  Client *c = try_connect (nullptr, "/some/where?x=1");
  ASSERT_TRUE (c);
  EXPECT_EQ (expect<p::Welcome> (c).peer_id.size (), 36u);
}

TEST_F (ServerTest, ListenerSeesItsOwnStatusAndNoOpRepeats)
{
  start_server ();
  Client *l = connect_listener ();
  ASSERT_TRUE (l);
  /* The same status again changes nothing and sends nothing. */
  set_status (l, "[\"listener\"]");
  expect_nothing_pending (l);
  /* New meta is a change. */
  set_status (l, "[\"listener\"]", "{\"name\":\"me\"}");
  EXPECT_EQ (next (l), status_changed ("[\"listener\"]", "{\"name\":\"me\"}", l->id));
}

TEST_F (ServerTest, SeveralProducersConsumersAndListeners)
{
  start_server ();
  Client *l1 = connect_listener ();
  Client *l2 = connect_listener ();
  ASSERT_TRUE (l1 && l2);
  EXPECT_EQ (next (l1), status_changed ("[\"listener\"]", "null", l2->id));

  Client *p1 = connect ();
  Client *p2 = connect ();
  Client *k = connect ();
  Client *plain = connect ();
  ASSERT_TRUE (p1 && p2 && k && plain);

  set_status (p1, "[\"producer\"]", "{\"name\":\"one\"}");
  for (Client *l : { l1, l2 })
    EXPECT_EQ (next (l), status_changed ("[\"producer\"]", "{\"name\":\"one\"}", p1->id));
  set_status (p2, "[\"producer\"]", "{ \"name\" : \"two\" }");
  for (Client *l : { l1, l2 })
    EXPECT_EQ (next (l), status_changed ("[\"producer\"]", "{\"name\":\"two\"}", p2->id));
  set_status (k, "[\"consumer\"]");
  for (Client *l : { l1, l2 })
    EXPECT_EQ (next (l), status_changed ("[\"consumer\"]", "null", k->id));
  /* An unchanged (empty) status is a no-op: the listeners see nothing. */
  set_status (plain, "[]");

  plain->send ("{\"type\":\"list\"}");
  auto list = expect<p::ListReply> (plain);
  ASSERT_EQ (list.producers.size (), 2u);
  for (const auto &entry : list.producers) {
    if (entry.id == p1->id)
      EXPECT_EQ (entry.meta, "{\"name\":\"one\"}");
    else
      EXPECT_EQ (entry.id, p2->id);
  }

  plain->send ("{\"type\":\"listConsumers\"}");
  std::string consumers = next (plain);
  EXPECT_EQ (consumers, "{\"type\":\"listConsumers\",\"consumers\":[{\"id\":" + jstr (k->id)
                            + ",\"meta\":null}]}");

  /* Producers and consumers that do not listen get no status messages. */
  for (Client *c : { p1, p2, k, l1, l2 })
    expect_nothing_pending (c);
}

TEST_F (ServerTest, ConsumerStartsSessionWithProducer)
{
  start_server ();
  Client *pr = connect ();
  Client *c = connect ();
  ASSERT_TRUE (pr && c);
  set_status (pr, "[\"producer\"]");
  set_status (c, "[]");
  expect_nothing_pending (pr); /* the status was registered */

  std::string session = start_session (c, pr);
  EXPECT_EQ (server_->peer_count (), 2u);

  /* A consumer-made offer travels in startSession. */
  c->send ("{\"type\":\"startSession\",\"peerId\":" + jstr (pr->id) + ",\"offer\":\"v=0\\r\\n\"}");
  auto started = expect<p::SessionStarted> (c);
  EXPECT_NE (started.session_id, session);
  EXPECT_EQ (next (pr), "{\"type\":\"startSession\",\"peerId\":" + jstr (c->id)
                            + ",\"sessionId\":" + jstr (started.session_id)
                            + ",\"offer\":\"v=0\\r\\n\"}");
}

TEST_F (ServerTest, ProducerStartsSessionWithConsumer)
{
  start_server ();
  Client *k = connect ();
  Client *pr = connect ();
  ASSERT_TRUE (k && pr);
  set_status (k, "[\"consumer\"]");
  set_status (pr, "[\"producer\"]");
  expect_nothing_pending (k);

  pr->send ("{\"type\":\"startSession\",\"peerId\":" + jstr (k->id) + ",\"offer\":null}");
  std::string sent_to_consumer = next (k);
  auto started = p::parse_server_message (sent_to_consumer, nullptr);
  ASSERT_TRUE (started && std::holds_alternative<p::SessionStarted> (*started))
      << sent_to_consumer;
  const std::string session = std::get<p::SessionStarted> (*started).session_id;
  EXPECT_EQ (sent_to_consumer, "{\"type\":\"sessionStarted\",\"peerId\":" + jstr (pr->id)
                                   + ",\"sessionId\":" + jstr (session) + "}");
  EXPECT_EQ (next (pr), "{\"type\":\"startSession\",\"peerId\":" + jstr (k->id)
                            + ",\"sessionId\":" + jstr (session) + ",\"offer\":null}");
}

TEST_F (ServerTest, StartSessionErrorsKeepTheConnection)
{
  start_server ();
  Client *a = connect ();
  Client *b = connect ();
  ASSERT_TRUE (a && b);
  set_status (a, "[\"producer\"]");
  expect_nothing_pending (a);

  /* Unknown target, a target with no roles, oneself. */
  b->send ("{\"type\":\"startSession\",\"peerId\":\"00000000-0000-4000-8000-000000000000\"}");
  expect_error (b);
  a->send ("{\"type\":\"startSession\",\"peerId\":" + jstr (b->id) + "}");
  expect_error (a);
  a->send ("{\"type\":\"startSession\",\"peerId\":" + jstr (a->id) + "}");
  expect_error (a);
  expect_nothing_pending (a);
  expect_nothing_pending (b);
}

TEST_F (ServerTest, PeerMessagesAreForwarded)
{
  start_server ();
  Client *pr = connect ();
  Client *c = connect ();
  ASSERT_TRUE (pr && c);
  set_status (pr, "[\"producer\"]");
  expect_nothing_pending (pr);
  const std::string s = start_session (c, pr);
  const std::string prefix = "{\"type\":\"peer\",\"sessionId\":" + jstr (s);

  const std::string offer = prefix + ",\"sdp\":{\"type\":\"offer\",\"sdp\":\"v=0\\r\\no=- 1\"}}";
  pr->send (offer);
  EXPECT_EQ (next (c), offer);

  const std::string answer = prefix + ",\"sdp\":{\"type\":\"answer\",\"sdp\":\"v=0\\r\\n\"}}";
  c->send (answer);
  EXPECT_EQ (next (pr), answer);

  /* sdpMid and usernameFragment are dropped on the way. */
  c->send (prefix + ",\"ice\":{\"candidate\":\"candidate:1 1 UDP 1 127.0.0.1 5000 typ host\","
                    "\"sdpMid\":\"0\",\"sdpMLineIndex\":0,\"usernameFragment\":\"uf\"}}");
  EXPECT_EQ (next (pr), prefix + ",\"ice\":{\"candidate\":\"candidate:1 1 UDP 1 127.0.0.1 5000 "
                                 "typ host\",\"sdpMLineIndex\":0}}");
  pr->send (prefix + ",\"ice\":{\"candidate\":\"\",\"sdpMLineIndex\":1}}");
  EXPECT_EQ (next (c), prefix + ",\"ice\":{\"candidate\":\"\",\"sdpMLineIndex\":1}}");
}

/* Each peer on its own I/O thread: what one peer sends reaches the other
 * complete and in order, both ways at once. */
TEST_F (ServerTest, PeerMessagesKeepTheirOrderAcrossIoThreads)
{
  ServerConfig config;
  config.peers_per_io_thread = 1;
  start_server (config);
  Client *pr = connect ();
  Client *c = connect ();
  ASSERT_TRUE (pr && c);
  set_status (pr, "[\"producer\"]");
  /* Peers on different threads reach the server in no set order: the list
   * answer to the producer says its status was handled. */
  pr->send ("{\"type\":\"list\"}");
  ASSERT_NE (next (pr).find (pr->id), std::string::npos);
  const std::string s = start_session (c, pr);
  auto ice = [&] (int n) {
    return "{\"type\":\"peer\",\"sessionId\":" + jstr (s) + ",\"ice\":{\"candidate\":\""
        + std::to_string (n) + "\",\"sdpMLineIndex\":0}}";
  };
  const int count = 300;
  for (int i = 0; i < count; i++) {
    pr->send (ice (i));
    c->send (ice (count + i));
  }
  for (int i = 0; i < count; i++) {
    ASSERT_EQ (next (c), ice (i));
    ASSERT_EQ (next (pr), ice (count + i));
  }
  expect_nothing_pending (c);
}

TEST_F (ServerTest, ConsumerOfferInPeerIsRefused)
{
  start_server ();
  Client *pr = connect ();
  Client *c = connect ();
  ASSERT_TRUE (pr && c);
  set_status (pr, "[\"producer\"]");
  expect_nothing_pending (pr);
  const std::string s = start_session (c, pr);

  c->send ("{\"type\":\"peer\",\"sessionId\":" + jstr (s)
           + ",\"sdp\":{\"type\":\"offer\",\"sdp\":\"v=0\\r\\n\"}}");
  expect_error (c);
  expect_nothing_pending (pr); /* nothing was forwarded */
  expect_nothing_pending (c);
}

TEST_F (ServerTest, UnknownSessionOrOutsiderIsAnError)
{
  start_server ();
  Client *pr = connect ();
  Client *c = connect ();
  Client *outsider = connect ();
  ASSERT_TRUE (pr && c && outsider);
  set_status (pr, "[\"producer\"]");
  expect_nothing_pending (pr);
  const std::string s = start_session (c, pr);

  c->send ("{\"type\":\"peer\",\"sessionId\":\"no-such-session\","
           "\"ice\":{\"candidate\":\"\",\"sdpMLineIndex\":0}}");
  expect_error (c);
  outsider->send ("{\"type\":\"peer\",\"sessionId\":" + jstr (s)
                  + ",\"ice\":{\"candidate\":\"\",\"sdpMLineIndex\":0}}");
  expect_error (outsider);
  outsider->send ("{\"type\":\"endSession\",\"sessionId\":" + jstr (s) + "}");
  expect_error (outsider);
  c->send ("{\"type\":\"endSession\",\"sessionId\":\"no-such-session\"}");
  expect_error (c);
  for (Client *x : { pr, c, outsider })
    expect_nothing_pending (x);
}

TEST_F (ServerTest, BadInputIsAnsweredAndTheConnectionKept)
{
  start_server ();
  Client *c = connect ();
  ASSERT_TRUE (c);
  const char *bad[] = {
    "not json",
    "[1,2]",
    "{\"no\":\"type\"}",
    "{\"type\":\"bogus\"}",
    "{\"type\":\"startSession\"}",
    "{\"type\":\"startSession\",\"peerId\":5}",
    "{\"type\":\"setPeerStatus\",\"roles\":\"producer\"}",
    "{\"type\":\"setPeerStatus\",\"roles\":[\"producer\",\"consumer\"]}",
    "{\"type\":\"setPeerStatus\",\"roles\":[\"boss\"]}",
    "{\"type\":\"peer\",\"sessionId\":\"s\"}",
    "{\"type\":\"peer\",\"sessionId\":\"s\",\"ice\":{\"candidate\":\"\"}}",
  };
  for (const char *text : bad) {
    c->send (text);
    expect_error (c);
  }
  /* Binary frames are ignored. */
  soup_websocket_connection_send_binary (c->conn, "\x01\x02", 2);
  expect_nothing_pending (c);
  EXPECT_FALSE (c->closed);
}

TEST_F (ServerTest, EndSessionTellsTheOtherSide)
{
  start_server ();
  Client *pr = connect ();
  Client *c = connect ();
  ASSERT_TRUE (pr && c);
  set_status (pr, "[\"producer\"]");
  expect_nothing_pending (pr);
  const std::string s = start_session (c, pr);

  c->send ("{\"type\":\"endSession\",\"sessionId\":" + jstr (s) + "}");
  EXPECT_EQ (next (pr), "{\"type\":\"endSession\",\"sessionId\":" + jstr (s) + "}");
  /* The session is gone. */
  pr->send ("{\"type\":\"peer\",\"sessionId\":" + jstr (s)
            + ",\"ice\":{\"candidate\":\"\",\"sdpMLineIndex\":0}}");
  expect_error (pr);
  expect_nothing_pending (c);
}

TEST_F (ServerTest, DroppingTheProducerRoleEndsItsSessions)
{
  start_server ();
  Client *pr = connect ();
  Client *c = connect ();
  ASSERT_TRUE (pr && c);
  set_status (pr, "[\"producer\"]");
  expect_nothing_pending (pr);
  const std::string s = start_session (c, pr);

  set_status (pr, "[\"listener\"]");
  EXPECT_EQ (next (c), "{\"type\":\"endSession\",\"sessionId\":" + jstr (s) + "}");
  EXPECT_EQ (next (pr), status_changed ("[\"listener\"]", "null", pr->id));
}

TEST_F (ServerTest, DisconnectCleansUp)
{
  start_server ();
  Client *l = connect_listener ();
  Client *pr = connect ();
  Client *c = connect ();
  ASSERT_TRUE (l && pr && c);
  set_status (pr, "[\"producer\"]", "{\"name\":\"cam\"}");
  EXPECT_EQ (next (l), status_changed ("[\"producer\"]", "{\"name\":\"cam\"}", pr->id));
  const std::string s = start_session (c, pr);
  EXPECT_EQ (server_->peer_count (), 3u);

  /* The consumer leaves: the producer's session ends; listeners hear. */
  soup_websocket_connection_close (c->conn, SOUP_WEBSOCKET_CLOSE_NORMAL, nullptr);
  EXPECT_EQ (next (pr), "{\"type\":\"endSession\",\"sessionId\":" + jstr (s) + "}");
  EXPECT_EQ (next (l), status_changed ("[]", "null", c->id));

  /* The producer leaves: listeners see roles [] with its last meta. */
  soup_websocket_connection_close (pr->conn, SOUP_WEBSOCKET_CLOSE_NORMAL, nullptr);
  EXPECT_EQ (next (l), status_changed ("[]", "{\"name\":\"cam\"}", pr->id));
  EXPECT_TRUE (run_until ([this] () { return server_->peer_count () == 1; }));

  l->send ("{\"type\":\"list\"}");
  EXPECT_EQ (next (l), "{\"type\":\"list\",\"producers\":[]}");
}

TEST_F (ServerTest, OversizeFrameClosesWith1009)
{
  ServerConfig config;
  config.max_message_bytes = 1024;
  start_server (config);
  Client *c = connect ();
  ASSERT_TRUE (c);

  c->send ("{\"type\":\"list\",\"pad\":\"" + std::string (2000, 'x') + "\"}");
  expect_error (c);
  EXPECT_TRUE (run_until ([c] () { return c->closed; }));
  EXPECT_EQ (c->close_code, SOUP_WEBSOCKET_CLOSE_TOO_BIG);
  EXPECT_TRUE (run_until ([this] () { return server_->peer_count () == 0; }));
}

TEST_F (ServerTest, HugeFrameClosesWith1009)
{
  ServerConfig config;
  config.max_message_bytes = 1024;
  start_server (config);
  Client *c = connect ();
  ASSERT_TRUE (c);

  /* Over libsoup's own per-frame limit too: the connection still closes. */
  c->send ("{\"type\":\"list\",\"pad\":\"" + std::string (256 * 1024, 'x') + "\"}");
  EXPECT_TRUE (run_until ([c] () { return c->closed; }));
  EXPECT_EQ (c->close_code, SOUP_WEBSOCKET_CLOSE_TOO_BIG);
  EXPECT_TRUE (run_until ([this] () { return server_->peer_count () == 0; }));
}

/* A server configured for longer messages than the default reads them
 * (the parser follows the configuration, not a fixed 1 MiB). */
TEST_F (ServerTest, RaisedMessageLimitIsHonoured)
{
  ServerConfig config;
  config.max_message_bytes = 2 * 1024 * 1024;
  start_server (config);
  Client *c = connect ();
  ASSERT_TRUE (c);

  c->send ("{\"type\":\"list\",\"pad\":\"" + std::string (1536 * 1024, 'x') + "\"}");
  EXPECT_EQ (next (c), "{\"type\":\"list\",\"producers\":[]}");
}

TEST_F (ServerTest, ProtocolVersion)
{
  start_server ();
  Client *a = connect ();
  Client *b = connect ();
  ASSERT_TRUE (a && b);
  a->send ("{\"type\":\"setProtocolVersion\",\"version\":\"v1_1\"}");
  expect_nothing_pending (a); /* accepted silently */
  a->send ("{\"type\":\"setProtocolVersion\",\"version\":\"v1_1\"}");
  expect_error (a); /* no longer the first message */
  b->send ("{\"type\":\"setProtocolVersion\",\"version\":\"v9\"}");
  expect_error (b);
}

TEST_F (ServerTest, MaxPeersRefusesTheUpgrade)
{
  ServerConfig config;
  config.max_peers = 1;
  start_server (config);
  Client *a = connect ();
  ASSERT_TRUE (a);
  guint status = 0;
  EXPECT_EQ (try_connect (&status), nullptr);
  EXPECT_EQ (status, SOUP_STATUS_SERVICE_UNAVAILABLE);
  EXPECT_EQ (server_->peer_count (), 1u);
  /* HTTP still works. */
  EXPECT_EQ (http_get ("/").status, SOUP_STATUS_OK);
}

TEST_F (ServerTest, StopClosesEveryConnection)
{
  start_server ();
  Client *a = connect ();
  Client *b = connect ();
  ASSERT_TRUE (a && b);
  server_->stop ();
  EXPECT_EQ (server_->peer_count (), 0u);
  EXPECT_TRUE (run_until ([&] () { return a->closed && b->closed; }));
  EXPECT_EQ (a->close_code, SOUP_WEBSOCKET_CLOSE_GOING_AWAY);
}

