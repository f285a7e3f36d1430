/* The fixture of the server core's unit tests (test-server*.cpp): a Server
 * on 127.0.0.1 (or host_), port 0, in the test's own GMainContext, driven by real
 * libsoup WebSocket and HTTP clients on the same context. Every wait has a
 * timeout.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "protocol.h"
#include "sanitizer-slowdown.h"
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
  /* The address the server listens on and clients connect to (a test of
   * peers on another machine sets another one before start_server). */
  std::string host_ = "127.0.0.1";
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

  /* Iterates the context until @done or the timeout (WAIT_MS, longer in a
   * sanitizer build); returns done (). */
  bool run_until (const std::function<bool ()> &done,
      guint timeout_ms = WAIT_MS * gstsig::test::sanitizer_slowdown ())
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
    config.host = host_;
    config.port = 0;
    server_ = std::make_unique<Server> (config);
    g_autoptr (GError) error = nullptr;
    ASSERT_TRUE (server_->start (&error)) << (error ? error->message : "");
    ASSERT_NE (server_->port (), 0u);
  }

  std::string url (const std::string &path = "/")
  {
    return std::string (server_->uses_tls () ? "https" : "http") + "://" + host_ + ":"
        + std::to_string (server_->port ()) + path;
  }

  /* Opens a WebSocket; returns nullptr with *status set when refused.
   * prepare may add headers (Origin, Authorization) to the upgrade. */
  Client *try_connect (guint *status = nullptr, const std::string &path = "/",
      const std::function<void (SoupMessage *)> &prepare = nullptr)
  {
    struct Pending {
      bool done = false;
      SoupWebsocketConnection *conn = nullptr;
    } pending;
    SoupMessage *msg = soup_message_new ("GET", url (path).c_str ());
    if (prepare)
      prepare (msg);
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
  Client *connect (const std::string &path = "/",
      const std::function<void (SoupMessage *)> &prepare = nullptr)
  {
    Client *c = try_connect (nullptr, path, prepare);
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
