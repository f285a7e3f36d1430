/* gst-webrtcsignal: the signalling server core on libsoup 3 (see server.h
 * and shared/PROTOCOL.md): the public API, listening and stopping. The
 * state and the rest of its methods: server-impl.h.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "server-impl.h"

#include "config.h"

namespace gstsig {

namespace {

std::string
host_port (const std::string &host, unsigned port)
{
  if (host.find (':') != std::string::npos)
    return "[" + host + "]:" + std::to_string (port);
  return host + ":" + std::to_string (port);
}

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

} // namespace

/* ------------------------------------------------------------------ */
/* Lifecycle                                                          */
/* ------------------------------------------------------------------ */

bool
Server::Impl::listen (GError **error)
{
  const std::string where = host_port (config.host, config.port);
  if (config.port > 65535) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
        "Could not listen on %s: invalid port", where.c_str ());
    return false;
  }

  GError *cause = nullptr;
  GSocketAddress *address = resolve_address (config.host, config.port, &cause);
  if (!address) {
    set_listen_error (error, cause, where);
    g_error_free (cause);
    return false;
  }

  /* A later issue adds TLS here (SoupServer "tls-certificate" and
   * SOUP_SERVER_LISTEN_HTTPS). */
  gboolean ok = soup_server_listen (server, address, (SoupServerListenOptions) 0, &cause);
  g_object_unref (address);
  if (!ok) {
    set_listen_error (error, cause, where);
    g_error_free (cause);
    return false;
  }

  /* Read the port from the socket: soup_server_get_uris () leaks an
   * address in libsoup 3.2. */
  GSList *sockets = soup_server_get_listeners (server);
  if (sockets) {
    GSocketAddress *local = g_socket_get_local_address (G_SOCKET (sockets->data), nullptr);
    if (local && G_IS_INET_SOCKET_ADDRESS (local))
      bound_port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local));
    g_clear_object (&local);
  }
  g_slist_free (sockets);
  return true;
}

void
Server::Impl::close_all ()
{
  /* Sessions end with their connections; nobody is left to tell. */
  sessions.clear ();
  stats.clear ();
  std::map<std::string, std::unique_ptr<Peer>> closing;
  closing.swap (peers);
  n_peers = 0;
  for (auto &entry : closing) {
    Peer *peer = entry.second.get ();
    disconnect_handlers (peer);
    close_peer (peer, SOUP_WEBSOCKET_CLOSE_GOING_AWAY, "server shutting down");
  }
  /* libsoup keeps each connection alive until its close completes on the
   * main context. */
}

Server::Server (ServerConfig config) : impl_ (std::make_unique<Impl> (std::move (config))) {}

Server::~Server ()
{
  stop ();
}

bool
Server::start (GError **error)
{
  if (impl_->server) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS, "The server is already started");
    return false;
  }

  impl_->context = g_main_context_ref_thread_default ();
  impl_->server = soup_server_new ("server-header", "gst-webrtcsignal/" VERSION " ", nullptr);
  soup_server_add_handler (impl_->server, nullptr, Impl::on_http_request, impl_.get (), nullptr);
  soup_server_add_websocket_handler (impl_->server, nullptr, nullptr, nullptr, Impl::on_websocket,
      impl_.get (), nullptr);

  if (!impl_->listen (error)) {
    stop ();
    return false;
  }
  g_message ("listening on %s", host_port (impl_->config.host, port ()).c_str ());
  return true;
}

void
Server::stop ()
{
  if (!impl_->server)
    return;
  impl_->close_all ();
  soup_server_disconnect (impl_->server);
  g_clear_object (&impl_->server);
  g_main_context_unref (impl_->context);
  impl_->context = nullptr;
  impl_->bound_port = 0;
}

unsigned
Server::port () const
{
  return impl_->bound_port;
}

unsigned
Server::peer_count () const
{
  return impl_->n_peers;
}

} // namespace gstsig
