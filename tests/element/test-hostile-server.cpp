/* webrtcsend uri=ws:// against a hostile signalling server (a tiny libsoup
 * WebSocket server in the test) that sends frames of 100,000 '[': json-glib
 * alone overflowed the stack on them and took the whole pipeline down. The
 * element now drops them, and either fails its start with an error it can
 * name or goes on negotiating. And against one that sends a message that
 * never ends (raw sockets).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "context-thread.h"
#include "json-bombs.h"
#include "test-pipeline.h"
#include "ws-client.h"

#include <gst/gst.h>
#include <gtest/gtest.h>
#include <libsoup/soup.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

using namespace gstsig;
using namespace gstsig::test;

namespace {

/* A signalling server on 127.0.0.1 that sends the bombs, on a thread of its
 * own (the element's start waits for a welcome). */
class HostileServer {
public:
  enum class Mode {
    BOMBS_THEN_CLOSE,   /* bombs instead of a welcome, then a normal close */
    WELCOME_THEN_BOMBS, /* a welcome; bombs after setPeerStatus, then a startSession */
  };

  explicit HostileServer (Mode mode) : mode_ (mode)
  {
    thread_.invoke_sync ([this] {
      server_ = soup_server_new (nullptr, nullptr);
      soup_server_add_websocket_handler (server_, "/", nullptr, nullptr, on_websocket, this,
          nullptr);
      GError *error = nullptr;
      if (!soup_server_listen_local (server_, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error)) {
        ADD_FAILURE () << error->message;
        g_clear_error (&error);
        return;
      }
      GSList *uris = soup_server_get_uris (server_);
      if (uris)
        port_ = g_uri_get_port ((GUri *) uris->data);
      g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
    });
  }
  ~HostileServer ()
  {
    thread_.invoke_sync ([this] {
      for (auto conn : conns_) {
        g_signal_handlers_disconnect_by_data (conn, this);
        if (soup_websocket_connection_get_state (conn) == SOUP_WEBSOCKET_STATE_OPEN)
          soup_websocket_connection_close (conn, SOUP_WEBSOCKET_CLOSE_NORMAL, nullptr);
        g_object_unref (conn);
      }
      conns_.clear ();
      if (server_)
        soup_server_disconnect (server_);
      g_clear_object (&server_);
    });
  }

  std::string uri () const { return "ws://127.0.0.1:" + std::to_string (port_) + "/"; }

  std::atomic<int> connections { 0 };
  std::atomic<bool> bombs_sent { false };
  std::atomic<bool> offer_received { false };

private:
  static void on_websocket (SoupServer *, SoupServerMessage *, const char *,
      SoupWebsocketConnection *conn, gpointer data)
  {
    auto self = static_cast<HostileServer *> (data);
    self->conns_.push_back (SOUP_WEBSOCKET_CONNECTION (g_object_ref (conn)));
    g_object_set (conn, "max-incoming-payload-size", (guint64) 4 * 1024 * 1024, nullptr);
    self->connections++;
    if (self->mode_ == Mode::BOMBS_THEN_CLOSE) {
      self->send_bombs (conn);
      soup_websocket_connection_close (conn, SOUP_WEBSOCKET_CLOSE_NORMAL, nullptr);
      return;
    }
    g_signal_connect (conn, "message", G_CALLBACK (on_message), self);
    soup_websocket_connection_send_text (conn, "{\"type\":\"welcome\",\"peerId\":\"producer\"}");
  }

  static void on_message (SoupWebsocketConnection *conn, gint type, GBytes *message, gpointer data)
  {
    auto self = static_cast<HostileServer *> (data);
    if (type != SOUP_WEBSOCKET_DATA_TEXT)
      return;
    gsize size = 0;
    auto bytes = static_cast<const char *> (g_bytes_get_data (message, &size));
    std::string text (bytes, size);
    if (text.find ("\"setPeerStatus\"") != std::string::npos && !self->bombs_sent) {
      self->send_bombs (conn);
      soup_websocket_connection_send_text (conn,
          "{\"type\":\"startSession\","
          "\"peerId\":\"consumer\",\"sessionId\":\"s1\",\"offer\":null}");
    } else if (text.find ("\"type\":\"offer\"") != std::string::npos) {
      self->offer_received = true;
    }
  }

  void send_bombs (SoupWebsocketConnection *conn)
  {
    for (const auto &bomb : json_bombs ())
      soup_websocket_connection_send_text (conn, bomb.c_str ());
    bombs_sent = true;
  }

  Mode mode_;
  ContextThread thread_ { "hostile-server" };
  SoupServer *server_ = nullptr;                 /* thread_ only */
  std::vector<SoupWebsocketConnection *> conns_; /* thread_ only */
  unsigned port_ = 0;
};

const char *VIDEO = "videotestsrc is-live=true ! video/x-raw,width=320,height=240,"
                    "framerate=30/1 ! webrtcsend name=s ";

} // namespace

/* Bombs where the welcome should be: the start fails with the element's
 * "closed before welcoming us" error, not a crash. */
TEST (HostileServer, BombsBeforeTheWelcomeFailTheStart)
{
  HostileServer server (HostileServer::Mode::BOMBS_THEN_CLOSE);
  Pipeline p (std::string (VIDEO) + "uri=" + server.uri ());
  EXPECT_EQ (gst_element_set_state (p.pipeline, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  EXPECT_TRUE (server.bombs_sent);
  GstMessage *msg = p.pop_error ();
  ASSERT_NE (msg, nullptr);
  GError *error = nullptr;
  gst_message_parse_error (msg, &error, nullptr);
  EXPECT_TRUE (g_error_matches (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_READ_WRITE))
      << error->message;
  g_clear_error (&error);
  gst_message_unref (msg);
}

/* Bombs between the welcome and a real request: they are dropped, the user
 * hears of them in one warning (not one per message), and the element still
 * answers the startSession after them with an offer. */
TEST (HostileServer, BombsAfterTheWelcomeAreDropped)
{
  HostileServer server (HostileServer::Mode::WELCOME_THEN_BOMBS);
  Pipeline p (std::string (VIDEO) + "uri=" + server.uri ());
  ASSERT_NE (gst_element_set_state (p.pipeline, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  for (int i = 0; i < 200 && !server.offer_received; i++)
    g_usleep (50 * 1000);
  EXPECT_TRUE (server.bombs_sent);
  EXPECT_TRUE (server.offer_received) << "no offer after the bombs";
  auto warnings = p.take_warnings_failing_on_errors ();
  ASSERT_EQ (warnings.size (), 1u) << "one warning for " << json_bombs ().size () << " bombs";
  EXPECT_NE (warnings[0].find ("sent a message that was ignored"), std::string::npos)
      << warnings[0];
  EXPECT_NE (warnings[0].find ("nested deeper than 32 levels"), std::string::npos)
      << warnings[0];
  EXPECT_EQ (server.connections, 1) << "the element lost its connection";
  gst_element_set_state (p.pipeline, GST_STATE_NULL);
}

namespace {

/* A server that makes a real WebSocket upgrade, welcomes, and then sends
 * one text message that never ends: fragments of 60,000 bytes, as fast as
 * the client reads them, up to 64 MiB. Plain sockets on a thread, so it can
 * write frames libsoup's server API would not. */
class EndlessMessageServer {
public:
  EndlessMessageServer ()
  {
    listener_ = socket (AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr {};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
    EXPECT_EQ (bind (listener_, (sockaddr *) &addr, sizeof addr), 0);
    EXPECT_EQ (listen (listener_, 4), 0);
    socklen_t len = sizeof addr;
    getsockname (listener_, (sockaddr *) &addr, &len);
    port_ = ntohs (addr.sin_port);
    thread_ = std::thread ([this] () { serve (); });
  }

  ~EndlessMessageServer ()
  {
    shutdown (listener_, SHUT_RDWR);
    thread_.join ();
    close (listener_);
  }

  std::string uri () const { return "ws://127.0.0.1:" + std::to_string (port_) + "/"; }

  static constexpr size_t MAX_BYTES = 64 * 1024 * 1024;
  std::atomic<size_t> sent { 0 };
  std::atomic<bool> done { false };

private:
  void serve ()
  {
    int fd = accept (listener_, nullptr, nullptr);
    if (fd >= 0) {
      flood (fd);
      close (fd);
    }
    done = true;
  }

  void flood (int fd)
  {
    std::string request;
    char c;
    while (request.find ("\r\n\r\n") == std::string::npos && read (fd, &c, 1) == 1)
      request += c;
    size_t at = request.find ("Sec-WebSocket-Key: ");
    if (at == std::string::npos)
      return;
    at += strlen ("Sec-WebSocket-Key: ");
    std::string key = request.substr (at, request.find ("\r\n", at) - at);
    std::string answer = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                         "Connection: Upgrade\r\nSec-WebSocket-Accept: " +
        ws_accept_key (key) + "\r\n\r\n";
    std::string welcome = "{\"type\":\"welcome\",\"peerId\":\"hostile\"}";
    answer += std::string ("\x81") + (char) welcome.size () + welcome;
    if (!send_all (fd, answer))
      return;
    const size_t fragment = 60000;
    std::string frame = std::string ("\x01\x7e") + (char) (fragment >> 8) + (char) (fragment & 0xff)
        + std::string (fragment, 'a');
    for (bool first = true; sent < MAX_BYTES; first = false) {
      frame[0] = first ? '\x01' : '\x00'; /* text, then continuation; never FIN */
      if (!send_all (fd, frame))
        return;
      sent += frame.size ();
    }
  }

  static bool send_all (int fd, const std::string &data)
  {
    size_t off = 0;
    while (off < data.size ()) {
      ssize_t n = ::send (fd, data.data () + off, data.size () - off, MSG_NOSIGNAL);
      if (n <= 0)
        return false;
      off += (size_t) n;
    }
    return true;
  }

  int listener_ = -1;
  unsigned port_ = 0;
  std::thread thread_;
};

} // namespace

/* A message that never ends: the signaller cuts the connection once twice
 * its 4 MiB message limit has come without the message completing (before:
 * libsoup kept every fragment, 64 MiB and more), and warns. */
TEST (HostileServer, MessageThatNeverEndsIsCut)
{
  EndlessMessageServer server;
  Pipeline p (std::string (VIDEO) + "uri=" + server.uri ());
  ASSERT_NE (gst_element_set_state (p.pipeline, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  for (int i = 0; i < 400 && !server.done; i++)
    g_usleep (50 * 1000);
  EXPECT_TRUE (server.done) << "still sending after 20 s";
  /* What the client took before cutting (8 MiB), plus what the sockets
   * buffer (11.9 MiB in all, measured); before, all 64 MiB. */
  EXPECT_LT (server.sent.load (), (size_t) 32 * 1024 * 1024);
  bool warned = false;
  for (const auto &w : p.take_warnings_failing_on_errors ())
    warned = warned || w.find ("without completing a message") != std::string::npos;
  EXPECT_TRUE (warned) << "no warning about the message that never ends";
  gst_element_set_state (p.pipeline, GST_STATE_NULL);
}
