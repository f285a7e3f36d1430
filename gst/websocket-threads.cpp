/* gst-webrtcsignal: WebSocket connections on I/O threads (see
 * websocket-threads.h).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "websocket-threads.h"

#include "context-thread.h"
#include "raii.h"

#include <condition_variable>
#include <map>
#include <mutex>

namespace gstsig {

namespace {

constexpr gushort CLOSE_TRY_AGAIN_LATER = 1013;

/* How long an I/O thread waits for the owner to handle a peer's messages
 * before closing that peer as one the server cannot keep up with. */
constexpr int OWNER_WAIT_S = 10;

bool
is_open (SoupWebsocketConnection *conn)
{
  return conn && soup_websocket_connection_get_state (conn) == SOUP_WEBSOCKET_STATE_OPEN;
}

} // namespace

struct WebSocketThreads::Connection {
  std::string peer;
  Thread *thread = nullptr;
  std::shared_ptr<GuardedConnection> guard;
  std::atomic<guint64> unhandled { 0 }; /* bytes posted to the owner, not handled yet */
  /* On the I/O thread only: */
  SoupWebsocketConnection *conn = nullptr; /* owned */
  std::vector<gulong> handlers;

  ~Connection ()
  {
    /* The last reference goes on the I/O thread, or after it was joined. */
    if (conn)
      g_object_unref (conn);
  }
};

struct WebSocketThreads::Thread {
  WebSocketThreads *owner = nullptr;
  ContextThread thread;
  Mailbox mailbox;
  std::atomic<unsigned> live { 0 }; /* adopted and not closed yet */
  /* Back-pressure: the thread waits while one peer's messages wait for the
   * owner; the owner wakes it as it handles them. */
  std::mutex wait_lock;
  std::condition_variable drained;
  std::atomic<bool> waiting { false };
  std::atomic<bool> halting { false }; /* stop () began: no more waiting */
  /* On the I/O thread only: */
  std::map<Connection *, Handle> connections;
  bool stopping = false;

  Thread (WebSocketThreads *o, const std::string &name)
      : owner (o), thread (name), mailbox (thread.context ())
  {
  }

  void start (const Handle &c, Ref<GIOStream> stream, GUri *uri, const std::string &origin,
      const std::string &protocol);
  void closed (Connection *c);
  bool wait_for_owner (Connection *c, gsize size);
  void wake ();
  void release (Connection *c);
  /* Runs fn on the thread after everything posted before, and waits. */
  void run_sync (const std::function<void ()> &fn);

  static void on_message (SoupWebsocketConnection *, gint type, GBytes *message, gpointer data);
  static void on_error (SoupWebsocketConnection *, GError *error, gpointer data);
  static void on_closed (SoupWebsocketConnection *, gpointer data);
};

void
WebSocketThreads::Thread::start (const Handle &c, Ref<GIOStream> stream, GUri *uri,
    const std::string &origin, const std::string &protocol)
{
  if (stopping)
    return;
  const WebSocketSettings &s = owner->settings_;
  /* The connection attaches its sources to this thread's context (libsoup
   * uses the thread-default context, which ContextThread pushes). */
  c->conn = soup_websocket_connection_new (stream.get (), uri, SOUP_WEBSOCKET_CONNECTION_SERVER,
      origin.empty () ? nullptr : origin.c_str (), protocol.empty () ? nullptr : protocol.c_str (),
      nullptr);
  soup_websocket_connection_set_max_incoming_payload_size (c->conn, s.max_incoming_payload);
  soup_websocket_connection_set_keepalive_interval (c->conn, s.ping_interval_s);
  c->handlers = {
    g_signal_connect (c->conn, "message", G_CALLBACK (on_message), c.get ()),
    g_signal_connect (c->conn, "error", G_CALLBACK (on_error), c.get ()),
    g_signal_connect (c->conn, "closed", G_CALLBACK (on_closed), c.get ()),
  };
  connections.emplace (c.get (), c);
}

void
WebSocketThreads::Thread::release (Connection *c)
{
  for (gulong id : c->handlers)
    g_signal_handler_disconnect (c->conn, id);
  c->handlers.clear ();
  g_clear_object (&c->conn);
}

void
WebSocketThreads::Thread::closed (Connection *c)
{
  gushort code = soup_websocket_connection_get_close_code (c->conn);
  std::string peer = c->peer;
  release (c);
  live--;
  if (!stopping) {
    WebSocketThreads *o = owner;
    o->owner_->post ([o, peer, code] () { o->events_.closed (peer, code); });
  }
  connections.erase (c); /* may free c */
}

void
WebSocketThreads::Thread::on_message (SoupWebsocketConnection *conn, gint type, GBytes *message,
    gpointer data)
{
  auto c = static_cast<Connection *> (data);
  if (type != SOUP_WEBSOCKET_DATA_TEXT) {
    g_debug ("peer %s: ignoring a binary frame", c->peer.c_str ());
    return;
  }
  if (c->guard)
    c->guard->message_received ();
  WebSocketThreads *o = c->thread->owner;
  gsize size = 0;
  auto bytes = static_cast<const char *> (g_bytes_get_data (message, &size));
  if (!c->thread->wait_for_owner (c, size)) {
    if (c->thread->halting)
      return;
    soup_websocket_connection_close (conn, CLOSE_TRY_AGAIN_LATER, "server busy");
    std::string peer = c->peer;
    o->owner_->post ([o, peer] () { o->events_.overloaded (peer); });
    return;
  }
  c->unhandled += size;
  Handle handle = c->thread->connections.at (c);
  std::string text (bytes ? bytes : "", size);
  o->owner_->post ([o, handle, size, text = std::move (text)] () mutable {
    handle->unhandled -= size;
    handle->thread->wake ();
    o->events_.message (handle->peer, std::move (text));
  });
}

/* While the owner has not handled this peer's earlier messages (more than
 * the limit), reading this thread's sockets waits: the kernel's buffers
 * fill and TCP slows the senders, as when one thread did everything. False
 * when the owner does not catch up in time, or on stop. */
bool
WebSocketThreads::Thread::wait_for_owner (Connection *c, gsize size)
{
  guint64 limit = owner->settings_.max_unhandled_bytes;
  auto fits = [&] () { return halting || c->unhandled == 0 || c->unhandled + size <= limit; };
  if (fits ())
    return !halting;
  std::unique_lock<std::mutex> guard (wait_lock);
  waiting = true;
  bool in_time = drained.wait_for (guard, std::chrono::seconds (OWNER_WAIT_S), fits);
  waiting = false;
  return in_time && !halting;
}

/* On the owner's thread, after handling a message. */
void
WebSocketThreads::Thread::wake ()
{
  if (!waiting)
    return;
  {
    std::lock_guard<std::mutex> guard (wait_lock);
  }
  drained.notify_all ();
}

void
WebSocketThreads::Thread::on_error (SoupWebsocketConnection *conn, GError *error, gpointer data)
{
  auto c = static_cast<Connection *> (data);
  g_debug ("peer %s: WebSocket error: %s", c->peer.c_str (), error->message);
  /* A frame over libsoup's hard limit, or fragments adding up to more (the
   * guarded connection fails the read): libsoup drops the connection right
   * after this signal, without a close frame; answer while we can. */
  if (!g_error_matches (error, SOUP_WEBSOCKET_ERROR, SOUP_WEBSOCKET_CLOSE_TOO_BIG)
      && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_MESSAGE_TOO_LARGE))
    return;
  WebSocketThreads *o = c->thread->owner;
  if (is_open (conn)) {
    soup_websocket_connection_send_text (conn, o->settings_.oversize_reply.c_str ());
    soup_websocket_connection_close (conn, SOUP_WEBSOCKET_CLOSE_TOO_BIG, "message too big");
  }
  std::string peer = c->peer;
  o->owner_->post ([o, peer] () { o->events_.oversize (peer); });
}

void
WebSocketThreads::Thread::on_closed (SoupWebsocketConnection *, gpointer data)
{
  auto c = static_cast<Connection *> (data);
  c->thread->closed (c);
}

void
WebSocketThreads::Thread::run_sync (const std::function<void ()> &fn)
{
  std::mutex lock;
  std::condition_variable done_cond;
  bool done = false;
  bool posted = mailbox.post ([&] () {
    fn ();
    std::lock_guard<std::mutex> guard (lock);
    done = true;
    done_cond.notify_one ();
  });
  if (!posted)
    return;
  std::unique_lock<std::mutex> guard (lock);
  done_cond.wait (guard, [&] { return done; });
}

/* ------------------------------------------------------------------ */

WebSocketThreads::WebSocketThreads (unsigned max_threads, unsigned peers_per_thread,
    WebSocketSettings settings, WebSocketEvents events, Mailbox *owner)
    : max_threads_ (MAX (1u, max_threads)), peers_per_thread_ (MAX (1u, peers_per_thread)),
      settings_ (std::move (settings)), events_ (std::move (events)), owner_ (owner)
{
  threads_.push_back (std::make_unique<Thread> (this, "gstsig-ws-0"));
}

WebSocketThreads::Thread *
WebSocketThreads::least_loaded ()
{
  Thread *least = threads_.front ().get ();
  for (auto &t : threads_) {
    if (t->live < least->live)
      least = t.get ();
  }
  if (least->live >= peers_per_thread_ && threads_.size () < max_threads_) {
    threads_.push_back (
        std::make_unique<Thread> (this, "gstsig-ws-" + std::to_string (threads_.size ())));
    least = threads_.back ().get ();
  }
  return least;
}

WebSocketThreads::~WebSocketThreads ()
{
  stop ();
}

WebSocketThreads::Handle
WebSocketThreads::adopt (const std::string &peer, GIOStream *stream, GUri *uri, const char *origin,
    const char *protocol, std::shared_ptr<GuardedConnection> guard)
{
  if (threads_.empty ())
    return nullptr;
  Thread *least = least_loaded ();
  auto c = std::make_shared<Connection> ();
  c->peer = peer;
  c->thread = least;
  c->guard = std::move (guard);
  least->live++;
  Ref<GIOStream> held = ref (stream);
  GUri *uri_ref = g_uri_ref (uri);
  std::string origin_text = origin ? origin : "", protocol_text = protocol ? protocol : "";
  bool posted = least->mailbox.post ([least, c, held, uri_ref, origin_text, protocol_text] () {
    least->start (c, held, uri_ref, origin_text, protocol_text);
    g_uri_unref (uri_ref);
  });
  if (!posted) {
    least->live--;
    g_uri_unref (uri_ref);
  }
  return c;
}

void
WebSocketThreads::send (const Handle &c, std::string text)
{
  c->thread->mailbox.post ([c, text = std::move (text)] () {
    if (is_open (c->conn))
      soup_websocket_connection_send_text (c->conn, text.c_str ());
  });
}

void
WebSocketThreads::close (const Handle &c, gushort code, std::string reason)
{
  c->thread->mailbox.post ([c, code, reason = std::move (reason)] () {
    if (is_open (c->conn))
      soup_websocket_connection_close (c->conn, code, reason.c_str ());
  });
}

void
WebSocketThreads::stop (unsigned wait_ms)
{
  if (threads_.empty ())
    return;
  for (auto &t : threads_) {
    t->halting = true;
    t->wake ();
  }
  for (auto &t : threads_) {
    Thread *thread = t.get ();
    thread->run_sync ([thread] () {
      thread->stopping = true;
      for (auto &entry : thread->connections) {
        if (is_open (entry.first->conn))
          soup_websocket_connection_close (entry.first->conn, SOUP_WEBSOCKET_CLOSE_GOING_AWAY,
              "server shutting down");
      }
    });
  }
  /* The closing handshakes run on the threads meanwhile. */
  gint64 deadline = g_get_monotonic_time () + (gint64) wait_ms * 1000;
  auto all_closed = [this] () {
    for (auto &t : threads_) {
      if (t->live > 0)
        return false;
    }
    return true;
  };
  while (!all_closed () && g_get_monotonic_time () < deadline)
    g_usleep (5000);
  for (auto &t : threads_) {
    Thread *thread = t.get ();
    thread->run_sync ([thread] () {
      for (auto &entry : thread->connections)
        thread->release (entry.first);
      thread->connections.clear ();
    });
    thread->mailbox.close ();
  }
  threads_.clear (); /* joins */
}

} // namespace gstsig
