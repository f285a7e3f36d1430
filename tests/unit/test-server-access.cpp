/* Who may do what on the signalling server: tokens, Origin checks, roles,
 * session caps, the message rate limit, stats privacy and TLS (issue 11).
 * Each refused case failed (was let through) before.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "server-fixture.h"

#include "server-access.h"

namespace {

std::function<void (SoupMessage *)>
with_header (const char *name, const std::string &value)
{
  return [name, value] (SoupMessage *msg) {
    soup_message_headers_replace (soup_message_get_request_headers (msg), name, value.c_str ());
  };
}

ServerConfig
with_tokens ()
{
  ServerConfig config;
  config.tokens = { "admin-secret" };
  config.producer_tokens = { "producer-secret" };
  config.viewer_tokens = { "viewer-secret" };
  return config;
}

} // namespace

TEST_F (ServerTest, TokenIsRequiredWhenConfigured)
{
  start_server (with_tokens ());
  guint status = 0;
  EXPECT_EQ (try_connect (&status), nullptr);
  EXPECT_EQ (status, 401u);
  EXPECT_EQ (try_connect (&status, "/?token=wrong"), nullptr);
  EXPECT_EQ (status, 401u);
  EXPECT_NE (connect ("/?token=viewer-secret"), nullptr);
  EXPECT_NE (connect ("/", with_header ("Authorization", "Bearer admin-secret")), nullptr);

  /* The web app's question, answered without a WebSocket. */
  EXPECT_EQ (http_get ("/api/access").status, 401u);
  EXPECT_EQ (http_get ("/api/access?token=producer-secret").status, 200u);
  /* The app itself is public. */
  EXPECT_EQ (http_get ("/").status, 200u);
}

TEST_F (ServerTest, ViewerTokenCannotProduceOrWatchStats)
{
  start_server (with_tokens ());
  Client *viewer = connect ("/?token=viewer-secret");
  Client *producer = connect ("/?token=producer-secret");
  Client *admin = connect ("/?token=admin-secret");
  ASSERT_TRUE (viewer && producer && admin);

  set_status (viewer, "[\"producer\"]");
  expect_error (viewer);
  viewer->send ("{\"type\":\"subscribeStats\"}");
  expect_error (viewer);
  producer->send ("{\"type\":\"subscribeStats\"}");
  expect_error (producer);
  set_status (producer, "[\"producer\"]");
  expect_nothing_pending (producer);
  admin->send ("{\"type\":\"subscribeStats\"}");
  expect_nothing_pending (admin);

  /* The viewer still watches. */
  start_session (viewer, producer);
}

TEST_F (ServerTest, ForeignOriginIsRefused)
{
  start_server ();
  guint status = 0;
  EXPECT_EQ (try_connect (&status, "/", with_header ("Origin", "https://evil.example")), nullptr);
  EXPECT_EQ (status, 403u);
  EXPECT_EQ (try_connect (&status, "/", with_header ("Origin", "null")), nullptr);
  EXPECT_EQ (status, 403u);
  /* Loopback pages and the server's own origin are fine. */
  EXPECT_NE (connect ("/", with_header ("Origin", "http://localhost:5173")), nullptr);
  EXPECT_NE (connect ("/", with_header ("Origin",
                 "http://127.0.0.1:" + std::to_string (server_->port ()))),
      nullptr);
}

TEST_F (ServerTest, AllowedOriginListIsHonoured)
{
  ServerConfig config;
  config.allowed_origins = { "https://app.example" };
  start_server (config);
  EXPECT_NE (connect ("/", with_header ("Origin", "https://app.example")), nullptr);
  guint status = 0;
  EXPECT_EQ (try_connect (&status, "/", with_header ("Origin", "https://other.example")), nullptr);
  EXPECT_EQ (status, 403u);
}

TEST_F (ServerTest, PeerWithoutRoleCannotOfferToAConsumer)
{
  start_server ();
  Client *consumer = connect ();
  Client *nobody = connect ();
  ASSERT_TRUE (consumer && nobody);
  set_status (consumer, "[\"consumer\"]");
  expect_nothing_pending (consumer);

  nobody->send ("{\"type\":\"startSession\",\"peerId\":" + jstr (consumer->id)
      + ",\"offer\":null}");
  expect_error (nobody);
  expect_nothing_pending (consumer); /* no sessionStarted reached it */
}

TEST_F (ServerTest, SessionsPerPeerAreCapped)
{
  ServerConfig config;
  config.max_sessions_per_peer = 4;
  start_server (config);
  Client *pr = connect ();
  Client *c = connect ();
  ASSERT_TRUE (pr && c);
  set_status (pr, "[\"producer\"]");
  expect_nothing_pending (pr);

  std::vector<std::string> sessions;
  for (int i = 0; i < 4; i++)
    sessions.push_back (start_session (c, pr));
  c->send ("{\"type\":\"startSession\",\"peerId\":" + jstr (pr->id) + ",\"offer\":null}");
  expect_error (c);
  expect_nothing_pending (pr);

  /* Ending one makes room again. */
  c->send ("{\"type\":\"endSession\",\"sessionId\":" + jstr (sessions[0]) + "}");
  EXPECT_EQ (next (pr), "{\"type\":\"endSession\",\"sessionId\":" + jstr (sessions[0]) + "}");
  start_session (c, pr);
}

TEST_F (ServerTest, SessionStartRateIsLimited)
{
  ServerConfig config;
  config.max_session_starts_per_s = 1; /* bursts of 10 */
  start_server (config);
  Client *pr = connect ();
  Client *c = connect ();
  ASSERT_TRUE (pr && c);
  set_status (pr, "[\"producer\"]");
  expect_nothing_pending (pr);
  int refused = 0;
  for (int i = 0; i < 12; i++) {
    c->send ("{\"type\":\"startSession\",\"peerId\":" + jstr (pr->id) + ",\"offer\":null}");
    std::string reply = next (c);
    if (reply.rfind ("{\"type\":\"error\"", 0) == 0) {
      refused++;
    } else {
      auto started = p::parse_server_message (reply, nullptr);
      ASSERT_TRUE (started && std::holds_alternative<p::SessionStarted> (*started)) << reply;
      c->send ("{\"type\":\"endSession\",\"sessionId\":"
          + jstr (std::get<p::SessionStarted> (*started).session_id) + "}");
    }
  }
  EXPECT_GE (refused, 1);
  EXPECT_LE (refused, 2);
}

TEST_F (ServerTest, MessageFloodClosesThePeer)
{
  ServerConfig config;
  config.max_messages_per_s = 50;
  config.message_burst = 100;
  start_server (config);
  Client *flood = connect ();
  Client *calm = connect ();
  ASSERT_TRUE (flood && calm);
  for (int i = 0; i < 500 && !flood->closed; i++)
    soup_websocket_connection_send_text (flood->conn, "{\"type\":\"list\"}");
  EXPECT_TRUE (run_until ([flood] () { return flood->closed; }));
  EXPECT_EQ (flood->close_code, SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION);
  expect_nothing_pending (calm);
}

TEST_F (ServerTest, StatsCarryNoAddressesUnlessAsked)
{
  start_server ();
  Client *pr = connect ();
  Client *c = connect ();
  Client *plain = connect ();
  Client *asking = connect ();
  ASSERT_TRUE (pr && c && plain && asking);
  set_status (pr, "[\"producer\"]");
  expect_nothing_pending (pr);
  const std::string s = start_session (c, pr);
  plain->send ("{\"type\":\"subscribeStats\"}");
  expect_nothing_pending (plain);
  asking->send ("{\"type\":\"subscribeStats\",\"addresses\":true}");
  expect_nothing_pending (asking);

  pr->send ("{\"type\":\"stats\",\"sessionId\":" + jstr (s)
      + ",\"stats\":{\"fps\":30,\"candidate-pair\":\"192.0.2.7:5000 <-> 198.51.100.9:6000\","
        "\"remote-address\":\"198.51.100.9\"}}");
  std::string without = next (plain);
  EXPECT_NE (without.find ("\"fps\":30"), std::string::npos) << without;
  EXPECT_EQ (without.find ("198.51.100.9"), std::string::npos) << without;
  /* On this machine (loopback), a subscriber that asks gets them. */
  std::string with = next (asking);
  EXPECT_NE (with.find ("\"candidate-pair\":\"192.0.2.7:5000 <-> 198.51.100.9:6000\""),
      std::string::npos) << with;

  /* A late subscriber's snapshot is redacted the same way. */
  Client *late = connect ();
  ASSERT_TRUE (late);
  late->send ("{\"type\":\"subscribeStats\"}");
  std::string snapshot = next (late);
  EXPECT_NE (snapshot.find ("\"fps\":30"), std::string::npos) << snapshot;
  EXPECT_EQ (snapshot.find ("198.51.100.9"), std::string::npos) << snapshot;
}

TEST_F (ServerTest, LargeStatsReportIsRefused)
{
  start_server ();
  Client *pr = connect ();
  Client *d = connect ();
  ASSERT_TRUE (pr && d);
  d->send ("{\"type\":\"subscribeStats\"}");
  expect_nothing_pending (d);
  /* Before: 1 MiB kept per (session, peer). */
  pr->send ("{\"type\":\"stats\",\"stats\":{\"pad\":\"" + std::string (20000, 'x') + "\"}}");
  expect_error (pr);
  expect_nothing_pending (d);
}

TEST_F (ServerTest, ServesTlsWithASelfSignedCertificate)
{
  ServerConfig config;
  config.self_signed = true;
  start_server (config);
  ASSERT_TRUE (server_->uses_tls ());
  EXPECT_EQ (server_->certificate_fingerprint ().size (), 32u * 3 - 1);

  /* Without trusting it, the client refuses the certificate. */
  guint status = 0;
  EXPECT_EQ (try_connect (&status), nullptr);
  /* Trusting it (as --insecure does), wss works. */
  Client *c = connect ("/", [] (SoupMessage *msg) {
    g_signal_connect (msg, "accept-certificate",
        G_CALLBACK (+[] (SoupMessage *, GTlsCertificate *, GTlsCertificateFlags) -> gboolean {
          return TRUE;
        }),
        nullptr);
  });
  ASSERT_NE (c, nullptr);
  expect_nothing_pending (c);
}

TEST (ServerAccess, TokenFile)
{
  g_autofree gchar *path = nullptr;
  int fd = g_file_open_tmp ("tokens-XXXXXX", &path, nullptr);
  ASSERT_GE (fd, 0);
  const char *text = "# tokens\nadmin1\n\nproducer p1\nviewer v1\n  viewer   v2  \n";
  ASSERT_EQ (write (fd, text, strlen (text)), (ssize_t) strlen (text));
  close (fd);
  AccessConfig config;
  std::string error;
  ASSERT_TRUE (read_token_file (path, &config, &error)) << error;
  EXPECT_EQ (config.tokens, (std::vector<std::string> { "admin1" }));
  EXPECT_EQ (config.producer_tokens, (std::vector<std::string> { "p1" }));
  EXPECT_EQ (config.viewer_tokens, (std::vector<std::string> { "v1", "v2" }));

  g_file_set_contents (path, "owner x\n", -1, nullptr);
  AccessConfig bad;
  EXPECT_FALSE (read_token_file (path, &bad, &error));
  EXPECT_NE (error.find (":1:"), std::string::npos) << error;
  g_unlink (path);
}
