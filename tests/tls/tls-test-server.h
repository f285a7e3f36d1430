/* Test helpers for TLS clients: a self-signed certificate for 127.0.0.1 and
 * localhost written as a CA file, and a WebSocket signalling server over
 * wss:// (a real libsoup SoupServer with that certificate on 127.0.0.1,
 * port 0, on a thread of its own) that welcomes every peer as the
 * gst-plugins-rs protocol does, records the Authorization header of each
 * upgrade and the messages it receives, and can require a bearer token.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "context-thread.h"
#include "tls-certificate.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <gtest/gtest.h>
#include <libsoup/soup.h>

#include <mutex>
#include <string>
#include <vector>

namespace gstsig::test {

/* A certificate for 127.0.0.1/localhost, its PEM in a file (a CA file a
 * client can trust), removed at the end. */
struct TestCertificate {
  GTlsCertificate *cert = nullptr;
  std::string ca_file;

  TestCertificate ()
  {
    GError *error = nullptr;
    cert = tls::make_self_signed ({ "localhost" }, { "127.0.0.1" }, &error);
    EXPECT_NE (cert, nullptr) << (error ? error->message : "");
    g_clear_error (&error);
    gchar *path = nullptr;
    int fd = g_file_open_tmp ("tls-test-ca-XXXXXX.pem", &path, nullptr);
    EXPECT_GE (fd, 0);
    if (fd >= 0)
      close (fd);
    ca_file = path ? path : "";
    g_free (path);
    std::string pem = tls::certificate_pem (cert);
    EXPECT_TRUE (g_file_set_contents (ca_file.c_str (), pem.data (), pem.size (), nullptr));
  }
  ~TestCertificate ()
  {
    if (!ca_file.empty ())
      g_unlink (ca_file.c_str ());
    g_clear_object (&cert);
  }
  TestCertificate (const TestCertificate &) = delete;
  TestCertificate &operator= (const TestCertificate &) = delete;
};

class TlsWsServer {
public:
  explicit TlsWsServer (GTlsCertificate *cert) : thread_ ("tls-ws-server")
  {
    cert_ = (GTlsCertificate *) g_object_ref (cert);
  }
  ~TlsWsServer ()
  {
    stop ();
    g_object_unref (cert_);
  }

  /* Non-empty: an upgrade without "Authorization: Bearer <token>" gets 401. */
  std::string required_token;
  /* Non-zero: every upgrade gets this status instead (e.g. 503). */
  unsigned refuse_status = 0;

  bool start ()
  {
    bool ok = false;
    thread_.invoke_sync ([&] {
      server_ = soup_server_new ("tls-certificate", cert_, nullptr);
      soup_server_add_early_handler (server_, nullptr, on_early, this, nullptr);
      soup_server_add_websocket_handler (server_, nullptr, nullptr, nullptr, on_websocket, this,
          nullptr);
      GError *error = nullptr;
      ok = soup_server_listen_local (server_, 0,
          (SoupServerListenOptions) (SOUP_SERVER_LISTEN_IPV4_ONLY | SOUP_SERVER_LISTEN_HTTPS),
          &error);
      if (error) {
        ADD_FAILURE () << error->message;
        g_error_free (error);
      }
      GSList *uris = soup_server_get_uris (server_);
      if (uris)
        port_ = g_uri_get_port ((GUri *) uris->data);
      g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
    });
    return ok && port_;
  }
  void stop ()
  {
    thread_.invoke_sync ([&] {
      for (auto *conn : conns_) {
        g_signal_handlers_disconnect_by_data (conn, this);
        if (soup_websocket_connection_get_state (conn) == SOUP_WEBSOCKET_STATE_OPEN)
          soup_websocket_connection_close (conn, SOUP_WEBSOCKET_CLOSE_GOING_AWAY, nullptr);
        g_object_unref (conn);
      }
      conns_.clear ();
      if (server_) {
        soup_server_disconnect (server_);
        g_clear_object (&server_);
      }
    });
  }
  std::string wss_url () const { return "wss://127.0.0.1:" + std::to_string (port_) + "/"; }

  /* The Authorization header of every upgrade request ("" when absent). */
  std::vector<std::string> authorizations () const
  {
    std::lock_guard<std::mutex> guard (lock_);
    return authorizations_;
  }
  std::vector<std::string> received () const
  {
    std::lock_guard<std::mutex> guard (lock_);
    return received_;
  }
  bool wait_received (const std::string &needle, int timeout_s = 10) const
  {
    for (int i = 0; i < timeout_s * 20; i++) {
      for (const auto &m : received ())
        if (m.find (needle) != std::string::npos)
          return true;
      g_usleep (50 * 1000);
    }
    return false;
  }

private:
  static void on_early (SoupServer *, SoupServerMessage *msg, const char *, GHashTable *,
      gpointer data)
  {
    auto self = static_cast<TlsWsServer *> (data);
    const char *auth = soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
        "Authorization");
    {
      std::lock_guard<std::mutex> guard (self->lock_);
      self->authorizations_.emplace_back (auth ? auth : "");
    }
    if (self->refuse_status) {
      soup_server_message_set_status (msg, self->refuse_status, nullptr);
      return;
    }
    if (!self->required_token.empty () &&
        g_strcmp0 (auth, ("Bearer " + self->required_token).c_str ()) != 0) {
      soup_server_message_set_status (msg, SOUP_STATUS_UNAUTHORIZED, nullptr);
      soup_message_headers_replace (soup_server_message_get_response_headers (msg),
          "WWW-Authenticate", "Bearer");
    }
  }

  static void on_websocket (SoupServer *, SoupServerMessage *, const char *,
      SoupWebsocketConnection *conn, gpointer data)
  {
    auto self = static_cast<TlsWsServer *> (data);
    self->conns_.push_back ((SoupWebsocketConnection *) g_object_ref (conn));
    g_signal_connect (conn, "message", G_CALLBACK (on_message), self);
    std::string id = "peer-" + std::to_string (self->conns_.size ());
    soup_websocket_connection_send_text (conn,
        ("{\"type\":\"welcome\",\"peerId\":\"" + id + "\"}").c_str ());
  }

  static void on_message (SoupWebsocketConnection *, gint type, GBytes *message, gpointer data)
  {
    if (type != SOUP_WEBSOCKET_DATA_TEXT)
      return;
    auto self = static_cast<TlsWsServer *> (data);
    gsize size = 0;
    auto text = static_cast<const char *> (g_bytes_get_data (message, &size));
    std::lock_guard<std::mutex> guard (self->lock_);
    self->received_.emplace_back (text, size);
  }

  ContextThread thread_;
  GTlsCertificate *cert_;
  SoupServer *server_ = nullptr;                 /* thread_ only */
  std::vector<SoupWebsocketConnection *> conns_; /* thread_ only */
  unsigned port_ = 0;
  mutable std::mutex lock_; /* guards the two below */
  std::vector<std::string> authorizations_;
  std::vector<std::string> received_;
};

} // namespace gstsig::test
