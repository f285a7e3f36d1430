/* gst-webrtcsignal: accepting connections for a SoupServer with limits and
 * timeouts (see guarded-listener.h).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "guarded-listener.h"

#include "counted-stream.h"
#include "limit-notice.h"
#include "raii.h"

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <map>
#include <unordered_map>
#include <vector>

namespace gstsig {

namespace {

constexpr int LISTEN_BACKLOG = 1024;
constexpr guint SWEEP_INTERVAL_MS = 500;

/* The socket address for host:port: a literal address, or the first
 * address the resolver gives for a name such as "localhost". */
GSocketAddress *
resolve_address (const std::string &host, unsigned port, GError **error)
{
  GSocketAddress *address = g_inet_socket_address_new_from_string (host.c_str (), port);
  if (address)
    return address;

  GResolver *resolver = g_resolver_get_default ();
  GList *addresses = g_resolver_lookup_by_name (resolver, host.c_str (), nullptr, error);
  g_object_unref (resolver);
  if (!addresses)
    return nullptr;
  address = g_inet_socket_address_new (G_INET_ADDRESS (addresses->data), port);
  g_resolver_free_addresses (addresses);
  return address;
}

/* "Could not listen on HOST:PORT: <reason>", keeping the domain and code.
 * GIO's bind error reads "Error binding to address A: <strerror>"; only its
 * last part is kept. */
void
set_listen_error (GError **error, GError *cause, const std::string &where)
{
  const char *reason = cause->message;
  const char *last = g_strrstr (reason, ": ");
  if (last && last[2] != '\0')
    reason = last + 2;
  g_set_error (error, cause->domain, cause->code, "Could not listen on %s: %s", where.c_str (),
      reason);
}

std::string
address_text (GSocketAddress *address, bool *loopback)
{
  *loopback = false;
  if (!address || !G_IS_INET_SOCKET_ADDRESS (address))
    return "";
  GInetAddress *inet = g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (address));
  *loopback = g_inet_address_get_is_loopback (inet);
  g_autofree gchar *text = g_inet_address_to_string (inet);
  return text;
}

} // namespace

bool
is_loopback_host (const std::string &host)
{
  if (g_ascii_strcasecmp (host.c_str (), "localhost") == 0)
    return true;
  GInetAddress *address = g_inet_address_new_from_string (host.c_str ());
  bool loopback = address && g_inet_address_get_is_loopback (address);
  g_clear_object (&address);
  return loopback;
}

std::string
host_port_text (const std::string &host, unsigned port)
{
  if (host.find (':') != std::string::npos)
    return "[" + host + "]:" + std::to_string (port);
  return host + ":" + std::to_string (port);
}

/* ------------------------------------------------------------------ */
/* One connection                                                     */
/* ------------------------------------------------------------------ */

namespace {

enum class Phase {
  Handshake, /* TLS handshake, or waiting for the first request */
  Request,   /* reading a request */
  Handling,  /* the request is read; our handler answers */
  Idle,      /* between requests on a kept-alive connection */
  WebSocket,
};

class Connection final : public GuardedConnection {
public:
  Connection (GSocketConnection *socket_connection, GSocketAddress *remote)
      : socket_connection_ (ref (socket_connection)), remote_ (ref (remote))
  {
    address_ = address_text (remote, &loopback_);
    counters_ = std::make_shared<StreamCounters> ();
    counters_->last_read_us = since_us_ = g_get_monotonic_time ();
  }

  const std::string &address () const override { return address_; }
  bool is_loopback () const override { return loopback_; }

  void became_websocket (guint64 read_allowance, unsigned idle_timeout_s) override
  {
    phase_ = Phase::WebSocket;
    read_allowance_ = read_allowance;
    idle_timeout_s_ = idle_timeout_s;
    written_at_upgrade_ = counters_->written;
    counters_->read_limit_reason = "more than " + std::to_string (read_allowance_)
        + " bytes without a complete WebSocket message";
    message_received ();
  }

  /* On the thread that runs the WebSocket. */
  void message_received () override
  {
    counters_->read_limit = counters_->read + read_allowance_;
  }

  guint64 written_since_upgrade () const override
  {
    return counters_->written - written_at_upgrade_;
  }

  void discard_request_body (SoupServerMessage *msg) override
  {
    soup_message_body_set_accumulate (soup_server_message_get_request_body (msg), FALSE);
    counters_->read_limit = G_MAXUINT64;
  }

  GSocket *socket () const override
  {
    return g_socket_connection_get_socket (socket_connection_.get ());
  }

  void drop (const char *why) override
  {
    if (dropped_)
      return;
    dropped_ = true;
    g_debug ("dropping the connection from %s: %s", address_.c_str (), why);
    g_socket_shutdown (socket (), TRUE, TRUE, nullptr);
  }

  /* ---- for the listener ---- */
  bool gone () const { return counters_->closed.load (); }
  GSocketAddress *remote () const { return remote_.get (); }
  GSocketConnection *socket_connection () const { return socket_connection_.get (); }
  std::shared_ptr<StreamCounters> counters () const { return counters_; }
  void enter (Phase phase)
  {
    if (phase_ == Phase::WebSocket)
      return;
    phase_ = phase;
    since_us_ = g_get_monotonic_time ();
  }
  void request_started (guint64 max_request_bytes)
  {
    enter (Phase::Request);
    counters_->read_limit = counters_->read + max_request_bytes;
    counters_->read_limit_reason =
        "an HTTP request larger than " + std::to_string (max_request_bytes) + " bytes";
  }

  /* Why the connection is past its time at now_us, or nullptr. */
  const char *expired (const ListenerLimits &limits, gint64 now_us) const
  {
    gint64 age_s = (now_us - since_us_) / G_USEC_PER_SEC;
    switch (phase_) {
      case Phase::Handshake:
        return age_s >= limits.request_timeout_s ? "no request in time (request timeout)" : nullptr;
      case Phase::Request:
        return age_s >= limits.request_timeout_s ? "request not complete in time (request timeout)"
                                                 : nullptr;
      case Phase::Idle:
        return age_s >= limits.keepalive_timeout_s ? "idle (keep-alive timeout)" : nullptr;
      case Phase::Handling:
        return nullptr;
      case Phase::WebSocket:
        if (idle_timeout_s_ == 0)
          return nullptr;
        return (now_us - counters_->last_read_us) / G_USEC_PER_SEC >= idle_timeout_s_
            ? "WebSocket silent (no message or pong: idle timeout)"
            : nullptr;
    }
    return nullptr;
  }

private:
  Ref<GSocketConnection> socket_connection_;
  Ref<GSocketAddress> remote_;
  std::string address_;
  bool loopback_ = false;
  std::shared_ptr<StreamCounters> counters_;
  Phase phase_ = Phase::Handshake;
  gint64 since_us_ = 0;
  guint64 read_allowance_ = 0;
  unsigned idle_timeout_s_ = 0;
  guint64 written_at_upgrade_ = 0;
  bool dropped_ = false;
};

} // namespace

/* ------------------------------------------------------------------ */
/* The listener                                                       */
/* ------------------------------------------------------------------ */

struct GuardedListener::Impl : std::enable_shared_from_this<GuardedListener::Impl> {
  Ref<SoupServer> server;
  ListenerLimits limits;
  Ref<GTlsCertificate> certificate;
  Ref<GSocketListener> listener;
  Ref<GCancellable> cancellable;
  GMainContext *context = nullptr; /* owned ref */
  GSource *sweep_source = nullptr;
  std::vector<gulong> server_handlers;
  unsigned bound_port = 0;
  bool stopped = false;

  /* By the remote address object we gave libsoup: it hands the same
   * object back on every message of that connection. */
  std::map<GSocketAddress *, std::shared_ptr<Connection>> connections;
  std::unordered_map<std::string, unsigned> per_address;
  LimitNotice total_notice, address_notice;
  gint64 last_sweep_us = 0;

  ~Impl () { stop (); }

  void stop ();
  void accept_next ();
  void on_accepted (GSocketConnection *socket_connection);
  void hand_to_soup (const std::shared_ptr<Connection> &conn, GIOStream *base);
  void forget (std::map<GSocketAddress *, std::shared_ptr<Connection>>::iterator it);
  void sweep ();
  /* A sweep now, unless one ran in the last 100 ms: refused connections
   * must not make each accept walk every connection. */
  void sweep_soon ();
  unsigned from_address (const std::string &address) const;
  Connection *find (SoupServerMessage *msg);

  static void accepted_cb (GObject *source, GAsyncResult *result, gpointer data);
  static void handshake_cb (GObject *source, GAsyncResult *result, gpointer data);
  static gboolean sweep_cb (gpointer data);
  static void request_started_cb (SoupServer *, SoupServerMessage *msg, gpointer data);
  static void request_read_cb (SoupServer *, SoupServerMessage *msg, gpointer data);
  static void request_done_cb (SoupServer *, SoupServerMessage *msg, gpointer data);
};

namespace {

/* A callback's hold on the listener: it may have stopped meanwhile. */
using WeakImpl = std::weak_ptr<GuardedListener::Impl>;

struct HandshakeData {
  WeakImpl impl;
  std::shared_ptr<Connection> conn;
};

} // namespace

void
GuardedListener::Impl::stop ()
{
  if (stopped)
    return;
  stopped = true;
  if (cancellable)
    g_cancellable_cancel (cancellable.get ());
  if (listener)
    g_socket_listener_close (listener.get ());
  if (sweep_source) {
    g_source_destroy (sweep_source);
    g_source_unref (sweep_source);
    sweep_source = nullptr;
  }
  for (gulong id : server_handlers)
    g_signal_handler_disconnect (server.get (), id);
  server_handlers.clear ();
  /* Connections are left to their owners: the SoupServer's disconnect ends
   * the HTTP ones, WebSocket ones finish their closing handshake. */
  connections.clear ();
  per_address.clear ();
  if (context) {
    g_main_context_unref (context);
    context = nullptr;
  }
}

void
GuardedListener::Impl::accept_next ()
{
  if (stopped)
    return;
  g_socket_listener_accept_async (listener.get (), cancellable.get (), accepted_cb,
      new WeakImpl (weak_from_this ()));
}

void
GuardedListener::Impl::accepted_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  std::unique_ptr<WeakImpl> weak (static_cast<WeakImpl *> (data));
  GError *error = nullptr;
  GSocketConnection *socket_connection =
      g_socket_listener_accept_finish (G_SOCKET_LISTENER (source), result, nullptr, &error);
  auto self = weak->lock ();
  if (!self || self->stopped) {
    g_clear_error (&error);
    if (socket_connection)
      g_object_unref (socket_connection);
    return;
  }
  if (socket_connection) {
    self->on_accepted (socket_connection);
    g_object_unref (socket_connection);
  } else {
    g_debug ("accept failed: %s", error->message);
    g_clear_error (&error);
  }
  self->accept_next ();
}

void
GuardedListener::Impl::on_accepted (GSocketConnection *socket_connection)
{
  GSocketAddress *remote = g_socket_connection_get_remote_address (socket_connection, nullptr);
  if (!remote) {
    g_io_stream_close (G_IO_STREAM (socket_connection), nullptr, nullptr);
    return;
  }
  auto conn = std::make_shared<Connection> (socket_connection, remote);
  g_object_unref (remote);

  if (connections.size () >= limits.max_connections
      || from_address (conn->address ()) >= limits.max_per_address)
    sweep_soon (); /* some may have ended since the last sweep */
  if (connections.size () >= limits.max_connections) {
    total_notice.hit ("refusing connections: " + std::to_string (limits.max_connections)
        + " open already (raise the connection limit, e.g. --max-peers)");
    g_io_stream_close (G_IO_STREAM (socket_connection), nullptr, nullptr);
    return;
  }
  if (from_address (conn->address ()) >= limits.max_per_address) {
    address_notice.hit ("refusing connections from " + conn->address () + ": "
        + std::to_string (limits.max_per_address)
        + " open from that address already (raise the per-address limit, e.g. "
          "--max-peers-per-address)");
    g_io_stream_close (G_IO_STREAM (socket_connection), nullptr, nullptr);
    return;
  }
  per_address[conn->address ()]++;
  connections.emplace (conn->remote (), conn);

  GSocket *socket = g_socket_connection_get_socket (socket_connection);
  g_socket_set_option (socket, IPPROTO_TCP, TCP_NODELAY, 1, nullptr);

  if (!certificate) {
    hand_to_soup (conn, G_IO_STREAM (socket_connection));
    return;
  }
  GError *error = nullptr;
  GIOStream *tls = g_tls_server_connection_new (G_IO_STREAM (socket_connection),
      certificate.get (), &error);
  if (!tls) {
    g_warning ("cannot start TLS: %s", error->message);
    g_clear_error (&error);
    conn->drop ("no TLS");
    return;
  }
  g_tls_connection_handshake_async (G_TLS_CONNECTION (tls), G_PRIORITY_DEFAULT,
      cancellable.get (), handshake_cb, new HandshakeData { weak_from_this (), conn });
  g_object_unref (tls); /* the handshake holds it until handshake_cb */
}

void
GuardedListener::Impl::handshake_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  std::unique_ptr<HandshakeData> hd (static_cast<HandshakeData *> (data));
  GError *error = nullptr;
  gboolean ok = g_tls_connection_handshake_finish (G_TLS_CONNECTION (source), result, &error);
  auto self = hd->impl.lock ();
  if (!ok) {
    /* Browsers meeting a self-signed certificate give up here, and so do
     * port scanners; worth a debug line, not a warning. */
    g_debug ("TLS handshake with %s failed: %s", hd->conn->address ().c_str (), error->message);
    g_clear_error (&error);
    hd->conn->drop ("TLS handshake failed");
    return;
  }
  if (!self || self->stopped) {
    hd->conn->drop ("the server is stopping");
    return;
  }
  self->hand_to_soup (hd->conn, G_IO_STREAM (source));
}

void
GuardedListener::Impl::hand_to_soup (const std::shared_ptr<Connection> &conn, GIOStream *base)
{
  GSocketAddress *local =
      g_socket_connection_get_local_address (conn->socket_connection (), nullptr);
  GIOStream *counted = counted_stream_new (base, conn->counters ());
  GError *error = nullptr;
  gboolean ok = local
      && soup_server_accept_iostream (server.get (), counted, local, conn->remote (), &error);
  if (!ok) {
    g_warning ("could not hand a connection to the HTTP server: %s",
        error ? error->message : "no local address");
    g_clear_error (&error);
    conn->drop ("not accepted");
  }
  g_clear_object (&local);
  g_object_unref (counted);
}

void
GuardedListener::Impl::forget (std::map<GSocketAddress *, std::shared_ptr<Connection>>::iterator it)
{
  auto count = per_address.find (it->second->address ());
  if (count != per_address.end () && --count->second == 0)
    per_address.erase (count);
  connections.erase (it);
}

void
GuardedListener::Impl::sweep_soon ()
{
  if (g_get_monotonic_time () - last_sweep_us >= 100 * 1000)
    sweep ();
}

unsigned
GuardedListener::Impl::from_address (const std::string &address) const
{
  auto it = per_address.find (address);
  return it == per_address.end () ? 0 : it->second;
}

void
GuardedListener::Impl::sweep ()
{
  gint64 now = g_get_monotonic_time ();
  last_sweep_us = now;
  for (auto it = connections.begin (); it != connections.end ();) {
    auto current = it++;
    Connection &conn = *current->second;
    if (conn.gone ()) {
      forget (current);
      continue;
    }
    if (const char *why = conn.expired (limits, now))
      conn.drop (why);
  }
}

gboolean
GuardedListener::Impl::sweep_cb (gpointer data)
{
  static_cast<Impl *> (data)->sweep ();
  return G_SOURCE_CONTINUE;
}

Connection *
GuardedListener::Impl::find (SoupServerMessage *msg)
{
  auto it = connections.find (soup_server_message_get_remote_address (msg));
  return it == connections.end () ? nullptr : it->second.get ();
}

void
GuardedListener::Impl::request_started_cb (SoupServer *, SoupServerMessage *msg, gpointer data)
{
  auto self = static_cast<Impl *> (data);
  if (Connection *conn = self->find (msg))
    conn->request_started (self->limits.max_request_bytes);
}

void
GuardedListener::Impl::request_read_cb (SoupServer *, SoupServerMessage *msg, gpointer data)
{
  if (Connection *conn = static_cast<Impl *> (data)->find (msg))
    conn->enter (Phase::Handling);
}

void
GuardedListener::Impl::request_done_cb (SoupServer *, SoupServerMessage *msg, gpointer data)
{
  if (Connection *conn = static_cast<Impl *> (data)->find (msg))
    conn->enter (Phase::Idle);
}

/* ------------------------------------------------------------------ */
/* Public API                                                         */
/* ------------------------------------------------------------------ */

GuardedListener::GuardedListener (SoupServer *server, const ListenerLimits &limits,
    GTlsCertificate *certificate)
    : impl_ (std::make_shared<Impl> ())
{
  impl_->server = ref (server);
  impl_->limits = limits;
  if (certificate)
    impl_->certificate = ref (certificate);
}

GuardedListener::~GuardedListener ()
{
  stop ();
}

bool
GuardedListener::listen (const std::string &host, unsigned port, GError **error)
{
  const std::string where = host_port_text (host, port);
  if (port > 65535) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
        "Could not listen on %s: invalid port", where.c_str ());
    return false;
  }
  GError *cause = nullptr;
  GSocketAddress *address = resolve_address (host, port, &cause);
  if (!address) {
    set_listen_error (error, cause, where);
    g_error_free (cause);
    return false;
  }

  Impl &impl = *impl_;
  impl.listener = adopt (g_socket_listener_new ());
  g_socket_listener_set_backlog (impl.listener.get (), LISTEN_BACKLOG);
  GSocketAddress *effective = nullptr;
  gboolean ok = g_socket_listener_add_address (impl.listener.get (), address, G_SOCKET_TYPE_STREAM,
      G_SOCKET_PROTOCOL_TCP, nullptr, &effective, &cause);
  g_object_unref (address);
  if (!ok) {
    set_listen_error (error, cause, where);
    g_error_free (cause);
    impl.listener.reset ();
    return false;
  }
  impl.bound_port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective));
  g_object_unref (effective);

  impl.context = g_main_context_ref_thread_default ();
  impl.cancellable = adopt (g_cancellable_new ());
  impl.server_handlers = {
    g_signal_connect (impl.server.get (), "request-started", G_CALLBACK (Impl::request_started_cb),
        impl_.get ()),
    g_signal_connect (impl.server.get (), "request-read", G_CALLBACK (Impl::request_read_cb),
        impl_.get ()),
    g_signal_connect (impl.server.get (), "request-finished", G_CALLBACK (Impl::request_done_cb),
        impl_.get ()),
    g_signal_connect (impl.server.get (), "request-aborted", G_CALLBACK (Impl::request_done_cb),
        impl_.get ()),
  };
  impl.sweep_source = g_timeout_source_new (SWEEP_INTERVAL_MS);
  g_source_set_callback (impl.sweep_source, Impl::sweep_cb, impl_.get (), nullptr);
  g_source_attach (impl.sweep_source, impl.context);
  impl.accept_next ();
  return true;
}

void
GuardedListener::stop ()
{
  impl_->stop ();
}

unsigned
GuardedListener::port () const
{
  return impl_->bound_port;
}

bool
GuardedListener::uses_tls () const
{
  return static_cast<bool> (impl_->certificate);
}

std::shared_ptr<GuardedConnection>
GuardedListener::connection_of (SoupServerMessage *msg)
{
  auto it = impl_->connections.find (soup_server_message_get_remote_address (msg));
  if (it == impl_->connections.end ())
    return nullptr;
  return it->second;
}

} // namespace gstsig
