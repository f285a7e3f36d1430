/* Test helpers: a GMainContext to iterate with timeouts, and a WebSocket
 * client (libsoup) that records what it receives. Header-only; used by the
 * element tests.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include <deque>
#include <functional>
#include <string>

namespace gstsig::test {

/* Pushes a fresh thread-default context for the lifetime of the object. */
class TestContext {
public:
  TestContext ()
  {
    ctx_ = g_main_context_new ();
    g_main_context_push_thread_default (ctx_);
  }
  ~TestContext ()
  {
    drain (100);
    g_main_context_pop_thread_default (ctx_);
    g_main_context_unref (ctx_);
  }
  GMainContext *get () const { return ctx_; }

  /* Iterates until done() or timeout; returns done(). */
  bool run_until (const std::function<bool ()> &done, guint timeout_ms = 10000)
  {
    gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;
    while (!done () && g_get_monotonic_time () < deadline) {
      if (!g_main_context_iteration (ctx_, FALSE))
        g_usleep (2000);
    }
    return done ();
  }
  void drain (guint ms) { run_until ([] { return false; }, ms); }

private:
  GMainContext *ctx_;
};

/* The JSON object of a text frame, or nullptr (transfer full). */
inline JsonObject *
parse_object (const std::string &text)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  if (!json_parser_load_from_data (parser, text.c_str (), -1, nullptr))
    return nullptr;
  JsonNode *root = json_parser_get_root (parser);
  if (!root || !JSON_NODE_HOLDS_OBJECT (root))
    return nullptr;
  return json_object_ref (json_node_get_object (root));
}

inline std::string
string_member (JsonObject *object, const char *name)
{
  if (!object || !json_object_has_member (object, name))
    return "";
  JsonNode *node = json_object_get_member (object, name);
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return "";
  return json_node_get_string (node);
}

class WsTestClient {
public:
  explicit WsTestClient (TestContext &ctx) : ctx_ (ctx) { session_ = soup_session_new (); }
  ~WsTestClient ()
  {
    close ();
    g_clear_object (&session_);
  }

  /* Accept any TLS certificate (a self-signed test server). */
  bool accept_any_certificate = false;

  bool connect (const std::string &http_url)
  {
    bool done = false;
    SoupMessage *msg = soup_message_new ("GET", http_url.c_str ());
    if (!msg)
      return false;
    if (accept_any_certificate)
      g_signal_connect (msg, "accept-certificate", G_CALLBACK (+[] (SoupMessage *,
                                                       GTlsCertificate *, GTlsCertificateFlags)
                                                       -> gboolean { return TRUE; }),
          nullptr);
    struct Pending {
      bool *done;
      SoupWebsocketConnection **conn;
    } pending { &done, &conn_ };
    soup_session_websocket_connect_async (session_, msg, nullptr, nullptr, G_PRIORITY_DEFAULT,
        nullptr,
        [] (GObject *source, GAsyncResult *result, gpointer data) {
          auto p = static_cast<Pending *> (data);
          *p->conn = soup_session_websocket_connect_finish (SOUP_SESSION (source), result,
              nullptr);
          *p->done = true;
        },
        &pending);
    ctx_.run_until ([&] { return done; });
    g_object_unref (msg);
    if (!conn_)
      return false;
    g_signal_connect (conn_, "message", G_CALLBACK (on_message), this);
    g_signal_connect (conn_, "closed", G_CALLBACK (on_closed), this);
    std::string welcome = wait_for ("welcome");
    g_autoptr (JsonObject) obj = parse_object (welcome);
    peer_id = string_member (obj, "peerId");
    return !peer_id.empty ();
  }

  void send (const std::string &text)
  {
    if (conn_ && soup_websocket_connection_get_state (conn_) == SOUP_WEBSOCKET_STATE_OPEN)
      soup_websocket_connection_send_text (conn_, text.c_str ());
  }

  /* Waits for (and removes from the inbox) the first message of a type that
   * also satisfies the predicate. "" on timeout. */
  std::string wait_for (const std::string &type,
      const std::function<bool (JsonObject *)> &pred = nullptr, guint timeout_ms = 10000)
  {
    std::string found;
    ctx_.run_until (
        [&] {
          for (auto it = inbox.begin (); it != inbox.end (); ++it) {
            g_autoptr (JsonObject) obj = parse_object (*it);
            if (string_member (obj, "type") == type && (!pred || pred (obj))) {
              found = *it;
              inbox.erase (it);
              return true;
            }
          }
          return false;
        },
        timeout_ms);
    return found;
  }

  void close ()
  {
    if (!conn_)
      return;
    g_signal_handlers_disconnect_by_data (conn_, this);
    if (soup_websocket_connection_get_state (conn_) == SOUP_WEBSOCKET_STATE_OPEN)
      soup_websocket_connection_close (conn_, SOUP_WEBSOCKET_CLOSE_NORMAL, nullptr);
    g_clear_object (&conn_);
  }

  std::string peer_id;
  std::deque<std::string> inbox;
  bool closed = false;

private:
  static void on_message (SoupWebsocketConnection *, gint type, GBytes *message, gpointer data)
  {
    if (type != SOUP_WEBSOCKET_DATA_TEXT)
      return;
    gsize size = 0;
    auto bytes = static_cast<const char *> (g_bytes_get_data (message, &size));
    static_cast<WsTestClient *> (data)->inbox.emplace_back (bytes, size);
  }
  static void on_closed (SoupWebsocketConnection *, gpointer data)
  {
    static_cast<WsTestClient *> (data)->closed = true;
  }

  TestContext &ctx_;
  SoupSession *session_ = nullptr;
  SoupWebsocketConnection *conn_ = nullptr;
};

} // namespace gstsig::test
