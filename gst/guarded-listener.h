/* gst-webrtcsignal: listening for a SoupServer the way a server on a hostile
 * network must: we accept each TCP connection ourselves (optionally TLS),
 * refuse addresses holding too many connections, and hand the connection to
 * libsoup through a counted stream (counted-stream.h) so that slow,
 * never-ending and idle connections are dropped. libsoup 3.2 has no
 * timeouts, no per-address limit and no bound on a fragmented WebSocket
 * message; this is where those live. Internal to the library.
 *
 * Threading: every method runs on the thread whose thread-default
 * GMainContext was current at listen (); so do the SoupServer's callbacks.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <libsoup/soup.h>

#include <memory>
#include <string>

namespace gstsig {

struct ListenerLimits {
  unsigned max_connections = 1000;  /* every address together */
  unsigned max_per_address = 50;    /* one remote address */
  /* From accepting to the end of the TLS handshake, and from the first byte
   * of an HTTP request to the end of its body. */
  unsigned request_timeout_s = 10;
  /* An HTTP connection waiting for its next request. */
  unsigned keepalive_timeout_s = 30;
  /* Every byte of one HTTP request, headers and body. */
  guint64 max_request_bytes = 1024 * 1024 + 64 * 1024;
};

/* One accepted connection, as the server sees it. */
class GuardedConnection {
public:
  virtual ~GuardedConnection () = default;
  /* The remote IP address as text ("192.0.2.7", "::1"). */
  virtual const std::string &address () const = 0;
  virtual bool is_loopback () const = 0;
  /* The connection is a WebSocket now: reads may run read_allowance bytes
   * past the last complete message (message_received ()), and it is
   * dropped after idle_timeout_s without a byte read (pongs count).
   * Called on the listener's thread, before the WebSocket is handed to the
   * thread that runs it; message_received () runs on that thread, and
   * written_since_upgrade () and drop () may be called from any. */
  virtual void became_websocket (guint64 read_allowance, unsigned idle_timeout_s) = 0;
  virtual void message_received () = 0;
  /* Bytes written to the connection since became_websocket (). */
  virtual guint64 written_since_upgrade () const = 0;
  /* A rejected request's body: read and discard it (not kept in memory,
   * not counted against max_request_bytes) so its answer can be sent. */
  virtual void discard_request_body (SoupServerMessage *msg) = 0;
  /* The TCP socket (under TLS, if any), e.g. to watch for a hang-up. */
  virtual GSocket *socket () const = 0;
  /* Shuts the socket down now (libsoup then sees the connection end). */
  virtual void drop (const char *why) = 0;
};

class GuardedListener {
public:
  /* server: the SoupServer that gets the connections (not listening
   * itself). certificate: serve TLS with it, or nullptr for plain TCP. */
  GuardedListener (SoupServer *server, const ListenerLimits &limits, GTlsCertificate *certificate);
  ~GuardedListener ();
  GuardedListener (const GuardedListener &) = delete;
  GuardedListener &operator= (const GuardedListener &) = delete;

  /* Listens on host (an IP address or a name the resolver knows):port.
   * Fails with G_IO_ERROR and "Could not listen on HOST:PORT: reason". */
  bool listen (const std::string &host, unsigned port, GError **error);
  /* Stops accepting and watching connections (the SoupServer's disconnect
   * ends them). Idempotent. */
  void stop ();
  unsigned port () const;
  bool uses_tls () const;

  /* The connection a request (or WebSocket upgrade) arrived on; nullptr
   * when unknown. Valid until the next return to the main loop; take the
   * shared_ptr to keep it. */
  std::shared_ptr<GuardedConnection> connection_of (SoupServerMessage *msg);

  struct Impl;

private:
  std::shared_ptr<Impl> impl_;
};

/* Whether host (an IP address or a name) names only this machine. */
bool is_loopback_host (const std::string &host);

/* "HOST:PORT", with brackets around an IPv6 host. */
std::string host_port_text (const std::string &host, unsigned port);

} // namespace gstsig
