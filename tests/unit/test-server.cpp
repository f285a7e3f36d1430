/* Unit tests of the signalling server core (gst/server.h): a Server on
 * 127.0.0.1, port 0, in the test's own GMainContext, driven by real libsoup
 * WebSocket and HTTP clients on the same context. Every wait has a timeout.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "protocol.h"
#include "server.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <gtest/gtest.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <unistd.h>

#include <deque>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

using namespace gstsig;
namespace p = gstsig::protocol;

namespace {

constexpr guint WAIT_MS = 5000;

/* One WebSocket client and everything it received. */
struct Client {
  SoupWebsocketConnection *conn = nullptr;
  std::deque<std::string> inbox;
  std::string id; /* from welcome */
  bool closed = false;
  gushort close_code = 0;

  ~Client ()
  {
    if (!conn)
      return;
    g_signal_handlers_disconnect_by_data (conn, this);
    if (soup_websocket_connection_get_state (conn) == SOUP_WEBSOCKET_STATE_OPEN)
      soup_websocket_connection_close (conn, SOUP_WEBSOCKET_CLOSE_NORMAL, nullptr);
    g_object_unref (conn);
  }

  void send (const std::string &text)
  {
    ASSERT_EQ (soup_websocket_connection_get_state (conn), SOUP_WEBSOCKET_STATE_OPEN);
    soup_websocket_connection_send_text (conn, text.c_str ());
  }

  static void on_message (SoupWebsocketConnection *, gint type, GBytes *message, gpointer data)
  {
    if (type != SOUP_WEBSOCKET_DATA_TEXT)
      return;
    gsize size = 0;
    auto bytes = static_cast<const char *> (g_bytes_get_data (message, &size));
    static_cast<Client *> (data)->inbox.emplace_back (bytes, size);
  }

  static void on_closed (SoupWebsocketConnection *conn, gpointer data)
  {
    auto self = static_cast<Client *> (data);
    self->closed = true;
    self->close_code = soup_websocket_connection_get_close_code (conn);
  }
};

struct HttpResult {
  bool done = false;
  guint status = 0;
  std::string body;
  std::string content_type;
};

std::string
jstr (const std::string &s)
{
  return "\"" + s + "\"";
}

/* The member names of a JSON object text, in order. */
std::vector<std::string>
member_names (const std::string &text)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  std::vector<std::string> names;
  if (!json_parser_load_from_data (parser, text.c_str (), -1, nullptr))
    return names;
  JsonNode *root = json_parser_get_root (parser);
  if (!root || !JSON_NODE_HOLDS_OBJECT (root))
    return names;
  GList *members = json_object_get_members (json_node_get_object (root));
  for (GList *l = members; l; l = l->next)
    names.emplace_back (static_cast<const char *> (l->data));
  g_list_free (members);
  return names;
}

class ServerTest : public ::testing::Test {
protected:
  GMainContext *ctx_ = nullptr;
  SoupSession *session_ = nullptr;
  std::unique_ptr<Server> server_;
  std::vector<std::unique_ptr<Client>> clients_;

  void SetUp () override
  {
    ctx_ = g_main_context_new ();
    g_main_context_push_thread_default (ctx_);
    session_ = soup_session_new ();
  }

  void TearDown () override
  {
    for (auto &c : clients_) {
      if (c->conn && soup_websocket_connection_get_state (c->conn) == SOUP_WEBSOCKET_STATE_OPEN)
        soup_websocket_connection_close (c->conn, SOUP_WEBSOCKET_CLOSE_NORMAL, nullptr);
    }
    run_until ([this] () {
      for (auto &c : clients_) {
        if (c->conn && !c->closed)
          return false;
      }
      return true;
    });
    clients_.clear ();
    server_.reset ();
    g_clear_object (&session_);
    drain ();
    g_main_context_pop_thread_default (ctx_);
    g_main_context_unref (ctx_);
  }

  /* Iterates the context until @done or the timeout; returns done (). */
  bool run_until (const std::function<bool ()> &done, guint timeout_ms = WAIT_MS)
  {
    bool timed_out = false;
    GSource *timeout = g_timeout_source_new (timeout_ms);
    g_source_set_callback (timeout, [] (gpointer flag) -> gboolean {
      *static_cast<bool *> (flag) = true;
      return G_SOURCE_REMOVE;
    }, &timed_out, nullptr);
    g_source_attach (timeout, ctx_);
    while (!done () && !timed_out)
      g_main_context_iteration (ctx_, TRUE);
    g_source_destroy (timeout);
    g_source_unref (timeout);
    return done ();
  }

  /* Lets pending closes and finalisers run. */
  void drain ()
  {
    gint64 deadline = g_get_monotonic_time () + 200 * 1000;
    while (g_get_monotonic_time () < deadline) {
      if (!g_main_context_iteration (ctx_, FALSE))
        g_usleep (1000);
    }
  }

  void start_server (ServerConfig config = ServerConfig ())
  {
    config.host = "127.0.0.1";
    config.port = 0;
    server_ = std::make_unique<Server> (config);
    g_autoptr (GError) error = nullptr;
    ASSERT_TRUE (server_->start (&error)) << (error ? error->message : "");
    ASSERT_NE (server_->port (), 0u);
  }

  std::string url (const std::string &path = "/")
  {
    return "http://127.0.0.1:" + std::to_string (server_->port ()) + path;
  }

  /* Opens a WebSocket; returns nullptr with *status set when refused. */
  Client *try_connect (guint *status = nullptr, const std::string &path = "/")
  {
    struct Pending {
      bool done = false;
      SoupWebsocketConnection *conn = nullptr;
    } pending;
    SoupMessage *msg = soup_message_new ("GET", url (path).c_str ());
    soup_session_websocket_connect_async (session_, msg, nullptr, nullptr, G_PRIORITY_DEFAULT,
        nullptr, [] (GObject *source, GAsyncResult *result, gpointer data) {
          auto pending = static_cast<Pending *> (data);
          pending->conn = soup_session_websocket_connect_finish (SOUP_SESSION (source), result,
              nullptr);
          pending->done = true;
        }, &pending);
    bool finished = run_until ([&] () { return pending.done; });
    if (status)
      *status = soup_message_get_status (msg);
    g_object_unref (msg);
    EXPECT_TRUE (finished) << "WebSocket connect timed out";
    if (!pending.conn)
      return nullptr;

    auto client = std::make_unique<Client> ();
    client->conn = pending.conn;
    g_signal_connect (client->conn, "message", G_CALLBACK (Client::on_message), client.get ());
    g_signal_connect (client->conn, "closed", G_CALLBACK (Client::on_closed), client.get ());
    clients_.push_back (std::move (client));
    return clients_.back ().get ();
  }

  /* Connects and reads the welcome. */
  Client *connect ()
  {
    Client *c = try_connect ();
    EXPECT_TRUE (c) << "WebSocket connect failed";
    if (!c)
      return nullptr;
    std::string welcome = next (c);
    auto names = member_names (welcome);
    EXPECT_EQ (names, (std::vector<std::string> { "type", "peerId" })) << welcome;
    auto msg = p::parse_server_message (welcome, nullptr);
    if (msg && std::holds_alternative<p::Welcome> (*msg))
      c->id = std::get<p::Welcome> (*msg).peer_id;
    EXPECT_TRUE (g_uuid_string_is_valid (c->id.c_str ())) << welcome;
    EXPECT_EQ (welcome, "{\"type\":\"welcome\",\"peerId\":" + jstr (c->id) + "}");
    return c;
  }

  /* The next text frame @c receives, or "" after the timeout. */
  std::string next (Client *c)
  {
    if (!run_until ([c] () { return !c->inbox.empty () || c->closed; }) || c->inbox.empty ()) {
      ADD_FAILURE () << "no message arrived";
      return "";
    }
    std::string text = c->inbox.front ();
    c->inbox.pop_front ();
    return text;
  }

  /* The next message, which must be of type T. */
  template <typename T> T expect (Client *c)
  {
    std::string text = next (c);
    std::string error;
    auto msg = p::parse_server_message (text, &error);
    if (!msg || !std::holds_alternative<T> (*msg)) {
      ADD_FAILURE () << "unexpected message: " << text << " " << error;
      return T {};
    }
    return std::get<T> (*msg);
  }

  /* The next message must be an error: exactly {"type","details"}, with
   * non-empty details. */
  void expect_error (Client *c)
  {
    std::string text = next (c);
    EXPECT_EQ (member_names (text), (std::vector<std::string> { "type", "details" })) << text;
    auto msg = p::parse_server_message (text, nullptr);
    ASSERT_TRUE (msg && std::holds_alternative<p::ErrorMessage> (*msg)) << text;
    EXPECT_FALSE (std::get<p::ErrorMessage> (*msg).details.empty ());
  }

  /* Proves nothing else is queued for @c: a list request is answered next,
   * and the connection is still open. */
  void expect_nothing_pending (Client *c)
  {
    c->send ("{\"type\":\"list\"}");
    std::string text = next (c);
    EXPECT_EQ (text.rfind ("{\"type\":\"list\",", 0), 0u) << text;
  }

  void set_status (Client *c, const std::string &roles, const std::string &meta = "null")
  {
    c->send ("{\"type\":\"setPeerStatus\",\"roles\":" + roles + ",\"meta\":" + meta + "}");
  }

  std::string status_changed (const std::string &roles, const std::string &meta,
      const std::string &id)
  {
    return "{\"type\":\"peerStatusChanged\",\"roles\":" + roles + ",\"meta\":" + meta
        + ",\"peerId\":" + jstr (id) + "}";
  }

  /* A listener that has seen its own status. */
  Client *connect_listener ()
  {
    Client *l = connect ();
    if (!l)
      return nullptr;
    set_status (l, "[\"listener\"]");
    EXPECT_EQ (next (l), status_changed ("[\"listener\"]", "null", l->id));
    return l;
  }

  /* Starts a session from consumer @c to producer @pr; returns its id. */
  std::string start_session (Client *c, Client *pr)
  {
    c->send ("{\"type\":\"startSession\",\"peerId\":" + jstr (pr->id) + ",\"offer\":null}");
    auto started = expect<p::SessionStarted> (c);
    EXPECT_TRUE (g_uuid_string_is_valid (started.session_id.c_str ()));
    EXPECT_EQ (started.peer_id, pr->id);
    EXPECT_EQ (next (pr), "{\"type\":\"startSession\",\"peerId\":" + jstr (c->id)
                              + ",\"sessionId\":" + jstr (started.session_id)
                              + ",\"offer\":null}");
    return started.session_id;
  }

  HttpResult http_get (const std::string &path)
  {
    HttpResult result;
    SoupMessage *msg = soup_message_new ("GET", url (path).c_str ());
    struct Ctx {
      HttpResult *result;
      SoupMessage *msg;
    } data { &result, msg };
    soup_session_send_and_read_async (session_, msg, G_PRIORITY_DEFAULT, nullptr,
        [] (GObject *source, GAsyncResult *res, gpointer user_data) {
          auto d = static_cast<Ctx *> (user_data);
          GBytes *body = soup_session_send_and_read_finish (SOUP_SESSION (source), res, nullptr);
          if (body) {
            gsize size = 0;
            auto data = static_cast<const char *> (g_bytes_get_data (body, &size));
            d->result->body.assign (data ? data : "", size);
            g_bytes_unref (body);
          }
          d->result->status = soup_message_get_status (d->msg);
          const char *type = soup_message_headers_get_one (
              soup_message_get_response_headers (d->msg), "Content-Type");
          d->result->content_type = type ? type : "";
          d->result->done = true;
        }, &data);
    EXPECT_TRUE (run_until ([&] () { return result.done; })) << "HTTP GET timed out";
    g_object_unref (msg);
    return result;
  }
};

} // namespace

TEST_F (ServerTest, WelcomeGivesEachPeerAUuid)
{
  start_server ();
  Client *a = connect ();
  Client *b = connect ();
  ASSERT_TRUE (a && b);
  EXPECT_NE (a->id, b->id);
  EXPECT_EQ (server_->peer_count (), 2u);
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
  config.max_frame_bytes = 1024;
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
  config.max_frame_bytes = 1024;
  start_server (config);
  Client *c = connect ();
  ASSERT_TRUE (c);

  /* Over libsoup's own per-frame limit too: the connection still closes. */
  c->send ("{\"type\":\"list\",\"pad\":\"" + std::string (256 * 1024, 'x') + "\"}");
  EXPECT_TRUE (run_until ([c] () { return c->closed; }));
  EXPECT_EQ (c->close_code, SOUP_WEBSOCKET_CLOSE_TOO_BIG);
  EXPECT_TRUE (run_until ([this] () { return server_->peer_count () == 0; }));
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
  ASSERT_EQ (g_mkdir_with_parents (sub, 0700), 0);
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

  for (const char *f : { link, secret, json, css, index })
    g_unlink (f);
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
