/* gst-webrtcsignal: the signalling server core (libsoup 3).
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

namespace gstsig {

struct ServerConfig {
  std::string host = "127.0.0.1";
  unsigned port = 8443;      /* 0 picks a free port; see Server::port() */
  std::string web_root;      /* empty: serve the web app built into the library */
  size_t max_frame_bytes = 1024 * 1024; /* larger text frames are refused */
  unsigned max_peers = 1000;
  unsigned ping_interval_s = 30;
  /* Room for later issues: TLS certificate/key, tokens. */
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
  unsigned peer_count () const;

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

} // namespace gstsig
