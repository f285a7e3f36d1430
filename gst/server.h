/* gst-webrtcsignal: the signalling server core (libsoup 3).
 *
 * Meant to face networks we do not control: TLS, tokens and limits that
 * are safe by default (docs/security.md).
 *
 * WebSocket signalling compatible with gst-plugins-rs'
 * gst-webrtc-signalling-server (shared/PROTOCOL.md) plus HTTP serving of
 * the web app, either from the copy compiled into the library or from a
 * folder.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

#include <memory>
#include <string>
#include <vector>

namespace gstsig {

struct ServerConfig {
  std::string host = "127.0.0.1";
  unsigned port = 8443;      /* 0 picks a free port; see Server::port() */
  std::string web_root;      /* empty: serve the web app built into the library */

  /* TLS: a PEM certificate (chain) and key, or a self-signed certificate
   * made at start for this machine's names and addresses. Neither: plain
   * HTTP and ws://. */
  std::string cert_file, key_file;
  bool self_signed = false;

  /* Tokens (Authorization: Bearer, or ?token= for browsers) and origins;
   * see server-access.h. Stats carry candidate addresses only to
   * subscribers that ask for them (subscribeStats "addresses": true), and
   * from another machine only when stats_addresses is set. */
  std::vector<std::string> tokens, producer_tokens, viewer_tokens;
  std::vector<std::string> allowed_origins;
  bool stats_addresses = false;

  /* Limits (docs/security.md lists each with what hitting it looks like). */
  size_t max_message_bytes = 1024 * 1024; /* one message, all its fragments */
  unsigned max_peers = 1000;
  unsigned max_peers_per_address = 50;    /* connections, HTTP ones included */
  unsigned ping_interval_s = 30;
  unsigned idle_timeout_s = 75;           /* nothing read from a peer, pongs included */
  unsigned request_timeout_s = 10;        /* TLS handshake, HTTP request, upgrade */
  size_t max_queued_bytes = 4 * 1024 * 1024; /* unsent to one peer: it is dropped */
  unsigned max_messages_per_s = 200;      /* per peer, averaged over... */
  unsigned message_burst = 1000;          /* ...bursts of this many */
  unsigned max_sessions_per_peer = 16;    /* sessions a peer asked for at once */
  unsigned max_session_starts_per_s = 2;  /* per peer, bursts of 10 */
  unsigned max_sessions = 10000;          /* on the whole server */
  size_t max_stats_bytes = 16 * 1024;     /* one stats report */

  /* Threads that run the WebSocket connections (websocket-threads.h): one
   * to start with, another whenever each runs peers_per_io_thread, up to
   * io_threads. GLib's main loop costs each thread about 1 µs per
   * connection per wake-up (bench/RESULTS.md). */
  unsigned io_threads = 256;
  unsigned peers_per_io_thread = 64;
};

class Server {
public:
  explicit Server (ServerConfig config);
  ~Server ();
  Server (const Server &) = delete;
  Server &operator= (const Server &) = delete;

  /* Listens on host:port. Must be called on the thread whose thread-default
   * GMainContext will run the server; every later call happens there too.
   * Fails with G_IO_ERROR (e.g. G_IO_ERROR_ADDRESS_IN_USE) and a message
   * naming the address. */
  bool start (GError **error);
  /* Closes every connection (ending sessions) and stops listening. */
  void stop ();
  /* The bound port (useful with port 0). */
  unsigned port () const;
  /* After start: whether it serves TLS (https://, wss://), and the SHA-256
   * fingerprint of its certificate ("AB:CD:..."), empty without TLS. */
  bool uses_tls () const;
  std::string certificate_fingerprint () const;
  /* The certificate in PEM, empty without TLS (e.g. a CA file for a
   * client that should trust exactly this server). */
  std::string certificate_pem () const;
  unsigned peer_count () const;

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

} // namespace gstsig
