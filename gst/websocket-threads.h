/* gst-webrtcsignal: the server's WebSocket connections, run on a few I/O
 * threads instead of the server's own GMainContext.
 *
 * GLib's main loop walks every source of its context, and polls every file
 * descriptor, on each iteration (about 1 µs per connection here), and a
 * relayed message costs about three iterations. With 10,000 peers on one
 * context a server spent most of its CPU there, and connecting them took
 * 85 s. So each thread runs a few dozen connections, and the server's own
 * context keeps only the listener and HTTP (figures: bench/RESULTS.md).
 *
 * Contract: the owner (the server's thread) hands over an upgraded stream
 * with adopt (); from then on only the connection's I/O thread touches its
 * SoupWebsocketConnection. send () and close () post to that thread, in
 * order. What the peer does comes back as Events, posted to the owner's
 * mailbox, so they run on the owner's thread, in order, never inside a
 * call of this class. Internal to the library.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "guarded-listener.h"
#include "mailbox.h"

#include <libsoup/soup.h>

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace gstsig {

struct WebSocketSettings {
  guint64 max_incoming_payload = 0; /* libsoup's hard limit on one frame */
  unsigned ping_interval_s = 0;     /* 0: no pings */
  /* Sent, and the connection closed with 1009, when a peer's frame or
   * message is over libsoup's limit (libsoup drops the connection right
   * after; the owner could not answer in time). */
  std::string oversize_reply;
  /* Bytes of received messages the owner has not handled yet, per peer;
   * over it, the peer's I/O thread stops reading until the owner catches
   * up (10 s at most; then the peer is closed with 1013, try again later). */
  guint64 max_unhandled_bytes = 4 * 1024 * 1024;
};

struct WebSocketEvents {
  std::function<void (const std::string &peer, std::string text)> message;
  /* The peer was closed for a frame over the limit (already answered). */
  std::function<void (const std::string &peer)> oversize;
  /* The owner did not keep up with what the peer sent. */
  std::function<void (const std::string &peer)> overloaded;
  /* The connection is closed; nothing more comes from this peer. */
  std::function<void (const std::string &peer, gushort code)> closed;
};

class WebSocketThreads {
public:
  /* One handle per connection, held by the owner. */
  struct Connection;
  using Handle = std::shared_ptr<Connection>;

  /* Starts one I/O thread, and more as connections come: a new one when
   * every thread runs peers_per_thread connections, up to max_threads.
   * Events are posted to owner (which must outlive stop ()). */
  WebSocketThreads (unsigned max_threads, unsigned peers_per_thread, WebSocketSettings settings,
      WebSocketEvents events, Mailbox *owner);
  /* stop (), if not done. */
  ~WebSocketThreads ();
  WebSocketThreads (const WebSocketThreads &) = delete;
  WebSocketThreads &operator= (const WebSocketThreads &) = delete;

  /* Runs the upgraded stream (transfer none) as a server-side WebSocket on
   * the least loaded thread (or a new one). guard: the listener's view of it (may be
   * null); message_received () is called on each message. */
  Handle adopt (const std::string &peer, GIOStream *stream, GUri *uri, const char *origin,
      const char *protocol, std::shared_ptr<GuardedConnection> guard);
  void send (const Handle &conn, std::string text);
  /* Closes with a close frame, if still open. */
  void close (const Handle &conn, gushort code, std::string reason);
  /* Closes every connection (1001, going away) without events, waits up to
   * wait_ms for their closing handshakes, and joins the threads. */
  void stop (unsigned wait_ms = 500);

  unsigned n_threads () const { return static_cast<unsigned> (threads_.size ()); }

  struct Thread;

private:
  Thread *least_loaded ();

  unsigned max_threads_, peers_per_thread_;
  WebSocketSettings settings_;
  WebSocketEvents events_;
  Mailbox *owner_;
  std::vector<std::unique_ptr<Thread>> threads_;
};

} // namespace gstsig
