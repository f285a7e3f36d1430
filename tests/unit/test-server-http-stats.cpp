/* Unit tests of the signalling server core (gst/server.h): the HTTP side
 * (the built-in app, a folder, a port in use) and the stats reports
 * (server-fixture.h).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "server-fixture.h"

TEST_F (ServerTest, HttpServesTheBuiltInApp)
{
  start_server ();
  GBytes *index = g_resources_lookup_data ("/org/gstwebrtcsignal/web/index.html",
      G_RESOURCE_LOOKUP_FLAGS_NONE, nullptr);
  ASSERT_TRUE (index) << "index.html is not in the library's resources";
  gsize size = 0;
  auto data = static_cast<const char *> (g_bytes_get_data (index, &size));
  std::string expected (data, size);
  g_bytes_unref (index);

  HttpResult root = http_get ("/");
  EXPECT_EQ (root.status, SOUP_STATUS_OK);
  EXPECT_EQ (root.content_type.rfind ("text/html", 0), 0u) << root.content_type;
  EXPECT_EQ (root.body, expected);
  EXPECT_EQ (http_get ("/index.html").body, expected);

  HttpResult js = http_get ("/app.js");
  EXPECT_EQ (js.status, SOUP_STATUS_OK);
  EXPECT_EQ (js.content_type.rfind ("text/javascript", 0), 0u) << js.content_type;
  EXPECT_EQ (http_get ("/style.css").content_type.rfind ("text/css", 0), 0u);
  HttpResult dashboard = http_get ("/dashboard.html");
  EXPECT_EQ (dashboard.status, SOUP_STATUS_OK);
  EXPECT_NE (dashboard.body.find ("dashboard.js"), std::string::npos);
  EXPECT_EQ (http_get ("/dashboard.js").content_type.rfind ("text/javascript", 0), 0u);

  EXPECT_EQ (http_get ("/missing.txt").status, SOUP_STATUS_NOT_FOUND);
  EXPECT_EQ (http_get ("/nope/").status, SOUP_STATUS_NOT_FOUND);
}

TEST_F (ServerTest, HttpServesAFolder)
{
  g_autofree gchar *dir = g_dir_make_tmp ("test-server-XXXXXX", nullptr);
  ASSERT_TRUE (dir);
  g_autofree gchar *root = g_build_filename (dir, "www", nullptr);
  g_autofree gchar *sub = g_build_filename (root, "sub", nullptr);
  g_autofree gchar *index = g_build_filename (root, "index.html", nullptr);
  g_autofree gchar *css = g_build_filename (sub, "a.css", nullptr);
  g_autofree gchar *json = g_build_filename (root, "x.json", nullptr);
  g_autofree gchar *secret = g_build_filename (dir, "secret.txt", nullptr);
  g_autofree gchar *link = g_build_filename (root, "link.txt", nullptr);
  g_autofree gchar *dotenv = g_build_filename (root, ".env", nullptr);
  g_autofree gchar *git = g_build_filename (root, ".git", nullptr);
  g_autofree gchar *git_config = g_build_filename (git, "config", nullptr);
  ASSERT_EQ (g_mkdir_with_parents (sub, 0700), 0);
  ASSERT_EQ (g_mkdir_with_parents (git, 0700), 0);
  ASSERT_TRUE (g_file_set_contents (dotenv, "TOKEN=x", -1, nullptr));
  ASSERT_TRUE (g_file_set_contents (git_config, "[core]", -1, nullptr));
  ASSERT_TRUE (g_file_set_contents (index, "<p>hi</p>", -1, nullptr));
  ASSERT_TRUE (g_file_set_contents (css, "p{}", -1, nullptr));
  ASSERT_TRUE (g_file_set_contents (json, "{}", -1, nullptr));
  ASSERT_TRUE (g_file_set_contents (secret, "secret", -1, nullptr));
  ASSERT_EQ (symlink (secret, link), 0);

  ServerConfig config;
  config.web_root = root;
  start_server (config);

  HttpResult r = http_get ("/");
  EXPECT_EQ (r.status, SOUP_STATUS_OK);
  EXPECT_EQ (r.body, "<p>hi</p>");
  EXPECT_EQ (r.content_type.rfind ("text/html", 0), 0u);
  r = http_get ("/sub/a.css");
  EXPECT_EQ (r.body, "p{}");
  EXPECT_EQ (r.content_type.rfind ("text/css", 0), 0u);
  EXPECT_EQ (http_get ("/x.json").content_type, "application/json");
  EXPECT_EQ (http_get ("/absent.html").status, SOUP_STATUS_NOT_FOUND);
  EXPECT_EQ (http_get ("/sub").status, SOUP_STATUS_NOT_FOUND);
  /* No way out of the folder. */
  EXPECT_EQ (http_get ("/link.txt").status, SOUP_STATUS_NOT_FOUND);
  EXPECT_NE (http_get ("/%2e%2e/secret.txt").status, SOUP_STATUS_OK);
  EXPECT_NE (http_get ("/sub/..%2f..%2fsecret.txt").status, SOUP_STATUS_OK);
  /* Dotfiles and dot-folders are never served (they were). */
  EXPECT_EQ (http_get ("/.env").status, SOUP_STATUS_NOT_FOUND);
  EXPECT_EQ (http_get ("/.git/config").status, SOUP_STATUS_NOT_FOUND);

  for (const char *f : { link, secret, json, css, index, dotenv, git_config })
    g_unlink (f);
  g_rmdir (git);
  g_rmdir (sub);
  g_rmdir (root);
  g_rmdir (dir);
}

TEST_F (ServerTest, PortInUse)
{
  start_server ();
  ServerConfig config;
  config.host = "127.0.0.1";
  config.port = server_->port ();
  Server second (config);
  g_autoptr (GError) error = nullptr;
  EXPECT_FALSE (second.start (&error));
  ASSERT_TRUE (error);
  EXPECT_TRUE (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE))
      << error->message;
  /* The message names the address. */
  EXPECT_NE (std::string (error->message).find ("127.0.0.1:" + std::to_string (config.port)),
      std::string::npos)
      << error->message;
  EXPECT_EQ (second.port (), 0u);
}

/* ---- stats (our addition, docs/protocol-stats.md) ---- */

namespace {

std::string
stats_report (const std::string &session, const std::string &figures)
{
  return "{\"type\":\"stats\",\"sessionId\":" + (session.empty () ? "null" : jstr (session))
      + ",\"stats\":" + figures + "}";
}

std::string
stats_update (const std::string &peer, const std::string &session, const std::string &figures)
{
  return "{\"type\":\"stats\",\"peerId\":" + jstr (peer) + ",\"sessionId\":"
      + (session.empty () ? "null" : jstr (session)) + ",\"stats\":" + figures + "}";
}

std::string
session_ended (const std::string &session)
{
  return "{\"type\":\"sessionEnded\",\"sessionId\":" + jstr (session) + "}";
}

} // namespace

TEST_F (ServerTest, StatsGoOnlyToSubscribers)
{
  start_server ();
  Client *pr = connect ();
  Client *c = connect ();
  Client *outsider = connect ();
  ASSERT_TRUE (pr && c && outsider);
  set_status (pr, "[\"producer\"]");
  expect_nothing_pending (pr);
  const std::string s = start_session (c, pr);

  /* A gstwebrtc-api-style listener, and a dashboard: listener + subscriber. */
  Client *l = connect_listener ();
  Client *d = connect_listener ();
  ASSERT_TRUE (l && d);
  EXPECT_EQ (next (l), status_changed ("[\"listener\"]", "null", d->id));
  d->send ("{\"type\":\"subscribeStats\"}");
  expect_nothing_pending (d); /* nothing reported yet: an empty snapshot */

  const std::string out = "{\"role\":\"producer\",\"peer-id\":" + jstr (c->id)
      + ",\"bitrate-out\":1250000,\"rtt\":0.012,\"codec\":\"VP8\"}";
  pr->send (stats_report (s, out));
  EXPECT_EQ (next (d), stats_update (pr->id, s, out));

  const std::string in = "{\"role\":\"consumer\",\"peer-id\":" + jstr (pr->id)
      + ",\"bitrate-in\":1200000.5,\"fraction-lost\":0.01,\"fps\":30}";
  c->send (stats_report (s, in));
  EXPECT_EQ (next (d), stats_update (c->id, s, in));

  /* Figures of the peer itself: no session id, or a null one. */
  pr->send ("{\"type\":\"stats\",\"stats\":{\"encoder\":\"vp8enc\"}}");
  EXPECT_EQ (next (d), stats_update (pr->id, "", "{\"encoder\":\"vp8enc\"}"));

  /* Not a member, an unknown session, a bad object: errors, nothing forwarded. */
  outsider->send (stats_report (s, "{\"fps\":1}"));
  expect_error (outsider);
  c->send (stats_report ("no-such-session", "{\"fps\":1}"));
  expect_error (c);
  c->send (stats_report (s, "{\"nested\":{\"fps\":1}}"));
  expect_error (c);

  for (Client *x : { pr, c, outsider, l, d })
    expect_nothing_pending (x);
}

TEST_F (ServerTest, StatsSubscribeGivesTheLatestAndUnsubscribeStops)
{
  start_server ();
  Client *pr = connect ();
  Client *c = connect ();
  ASSERT_TRUE (pr && c);
  set_status (pr, "[\"producer\"]");
  expect_nothing_pending (pr);
  const std::string s = start_session (c, pr);

  pr->send (stats_report (s, "{\"bitrate-out\":1}"));
  pr->send (stats_report (s, "{\"bitrate-out\":2}"));
  c->send (stats_report (s, "{\"bitrate-in\":3}"));
  pr->send (stats_report ("", "{\"fps\":25}"));
  expect_nothing_pending (pr);
  expect_nothing_pending (c);

  /* A late subscriber (not a listener) gets the latest of each, once. */
  Client *d = connect ();
  ASSERT_TRUE (d);
  d->send ("{\"type\":\"subscribeStats\"}");
  std::set<std::string> snapshot;
  for (int i = 0; i < 3; i++)
    snapshot.insert (next (d));
  EXPECT_EQ (snapshot, (std::set<std::string> { stats_update (pr->id, s, "{\"bitrate-out\":2}"),
                           stats_update (c->id, s, "{\"bitrate-in\":3}"),
                           stats_update (pr->id, "", "{\"fps\":25}") }));
  expect_nothing_pending (d);

  c->send (stats_report (s, "{\"bitrate-in\":4}"));
  EXPECT_EQ (next (d), stats_update (c->id, s, "{\"bitrate-in\":4}"));

  d->send ("{\"type\":\"unsubscribeStats\"}");
  c->send (stats_report (s, "{\"bitrate-in\":5}"));
  expect_nothing_pending (c); /* the report was handled */
  expect_nothing_pending (d);
  c->send ("{\"type\":\"endSession\",\"sessionId\":" + jstr (s) + "}");
  EXPECT_EQ (next (pr), "{\"type\":\"endSession\",\"sessionId\":" + jstr (s) + "}");
  expect_nothing_pending (d); /* no sessionEnded either */
}

TEST_F (ServerTest, StatsOfAnEndedSessionAreDropped)
{
  start_server ();
  Client *l = connect_listener ();
  Client *pr = connect ();
  Client *c1 = connect ();
  Client *c2 = connect ();
  ASSERT_TRUE (l && pr && c1 && c2);
  set_status (pr, "[\"producer\"]");
  EXPECT_EQ (next (l), status_changed ("[\"producer\"]", "null", pr->id));
  const std::string s1 = start_session (c1, pr);
  const std::string s2 = start_session (c2, pr);

  Client *d = connect ();
  ASSERT_TRUE (d);
  d->send ("{\"type\":\"subscribeStats\"}");
  expect_nothing_pending (d);
  for (const auto &s : { s1, s2 }) {
    pr->send (stats_report (s, "{\"rtt\":0.02}"));
    EXPECT_EQ (next (d), stats_update (pr->id, s, "{\"rtt\":0.02}"));
  }
  c1->send (stats_report ("", "{\"cpu\":0.5}"));
  EXPECT_EQ (next (d), stats_update (c1->id, "", "{\"cpu\":0.5}"));

  /* Ended by a member: the subscriber is told, the other side gets endSession. */
  pr->send ("{\"type\":\"endSession\",\"sessionId\":" + jstr (s2) + "}");
  EXPECT_EQ (next (c2), "{\"type\":\"endSession\",\"sessionId\":" + jstr (s2) + "}");
  EXPECT_EQ (next (d), session_ended (s2));

  /* Ended by a disconnect: the listener sees the usual status only. */
  soup_websocket_connection_close (c1->conn, SOUP_WEBSOCKET_CLOSE_NORMAL, nullptr);
  EXPECT_EQ (next (pr), "{\"type\":\"endSession\",\"sessionId\":" + jstr (s1) + "}");
  EXPECT_EQ (next (d), session_ended (s1));
  EXPECT_EQ (next (l), status_changed ("[]", "null", c1->id));

  /* A new subscriber gets nothing of them, nor of the peer that left. */
  Client *d2 = connect ();
  ASSERT_TRUE (d2);
  d2->send ("{\"type\":\"subscribeStats\"}");
  expect_nothing_pending (d2);
  pr->send (stats_report (s1, "{\"rtt\":0.03}"));
  expect_error (pr);

  for (Client *x : { l, pr, c2, d, d2 })
    expect_nothing_pending (x);
}

TEST_F (ServerTest, DroppingTheProducerRoleTellsStatsSubscribers)
{
  start_server ();
  Client *pr = connect ();
  Client *c = connect ();
  Client *d = connect ();
  ASSERT_TRUE (pr && c && d);
  set_status (pr, "[\"producer\"]");
  expect_nothing_pending (pr);
  const std::string s = start_session (c, pr);
  d->send ("{\"type\":\"subscribeStats\"}");
  c->send (stats_report (s, "{\"fps\":30}"));
  EXPECT_EQ (next (d), stats_update (c->id, s, "{\"fps\":30}"));

  set_status (pr, "[]");
  EXPECT_EQ (next (c), "{\"type\":\"endSession\",\"sessionId\":" + jstr (s) + "}");
  EXPECT_EQ (next (d), session_ended (s));
  d->send ("{\"type\":\"subscribeStats\"}"); /* again: a fresh, now empty, snapshot */
  expect_nothing_pending (d);
}
