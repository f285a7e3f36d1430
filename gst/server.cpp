/* gst-webrtcsignal: the signalling server core on libsoup 3 (see server.h
 * and shared/PROTOCOL.md): the public API, listening and stopping. The
 * state and the rest of its methods: server-impl.h.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "server-impl.h"

#include "config.h"
#include "tls-certificate.h"

namespace gstsig {

bool
Server::Impl::load_certificate (GError **error)
{
  if (config.self_signed) {
    auto names = tls::machine_names ();
    auto addresses = tls::machine_addresses ();
    certificate = adopt (tls::make_self_signed (names, addresses, error));
  } else if (!config.cert_file.empty () || !config.key_file.empty ()) {
    if (config.cert_file.empty () || config.key_file.empty ()) {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
          "TLS needs both a certificate and its key (PEM files)");
      return false;
    }
    certificate = adopt (tls::load_certificate (config.cert_file, config.key_file, error));
  } else {
    return true;
  }
  return static_cast<bool> (certificate);
}

bool
Server::Impl::listen (GError **error)
{
  ListenerLimits limits;
  limits.max_connections = config.max_peers + config.max_peers / 10 + 16; /* HTTP too */
  limits.max_per_address = config.max_peers_per_address;
  limits.request_timeout_s = config.request_timeout_s;
  limits.max_request_bytes = 64 * 1024; /* GETs and upgrades only */
  listener = std::make_unique<GuardedListener> (server, limits, certificate.get ());
  if (!listener->listen (config.host, config.port, error)) {
    listener.reset ();
    return false;
  }
  bound_port = listener->port ();
  return true;
}

void
Server::Impl::close_all ()
{
  /* Sessions end with their connections; nobody is left to tell. */
  sessions.clear ();
  stats.clear ();
  listeners.clear ();
  std::map<std::string, std::unique_ptr<Peer>> closing;
  closing.swap (peers);
  n_peers = 0;
  /* Closes every WebSocket (1001), waits a moment for the closing
   * handshakes and joins the I/O threads; their events are dropped. */
  if (io)
    io->stop ();
  io.reset ();
  mailbox.reset ();
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

  impl_->access_config = AccessConfig { impl_->config.tokens, impl_->config.producer_tokens,
    impl_->config.viewer_tokens, impl_->config.allowed_origins };
  if (!impl_->load_certificate (error))
    return false;
  impl_->context = g_main_context_ref_thread_default ();
  impl_->server = soup_server_new ("server-header", "gst-webrtcsignal/" VERSION " ", nullptr);
  soup_server_add_handler (impl_->server, nullptr, Impl::on_http_request, impl_.get (), nullptr);
  /* WebSocket upgrades arrive there too (accept_upgrade ()). */
  impl_->start_io ();

  if (!impl_->listen (error)) {
    stop ();
    return false;
  }
  g_message ("listening on %s%s", host_port_text (impl_->config.host, port ()).c_str (),
      impl_->certificate ? " (TLS)" : "");
  const AccessConfig &access = impl_->access_config;
  if (access.tokens.empty () && access.producer_tokens.empty () && access.viewer_tokens.empty ()
      && !is_loopback_host (impl_->config.host))
    g_message ("no token: anyone who can reach %s may publish and watch (give tokens with "
               "--token or --token-file; docs/security.md)",
        host_port_text (impl_->config.host, port ()).c_str ());
  return true;
}

void
Server::stop ()
{
  if (!impl_->server)
    return;
  impl_->close_all ();
  if (impl_->listener)
    impl_->listener->stop ();
  impl_->listener.reset ();
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

bool
Server::uses_tls () const
{
  return static_cast<bool> (impl_->certificate);
}

std::string
Server::certificate_fingerprint () const
{
  return impl_->certificate ? tls::sha256_fingerprint (impl_->certificate.get ()) : "";
}

std::string
Server::certificate_pem () const
{
  return impl_->certificate ? tls::certificate_pem (impl_->certificate.get ()) : "";
}

unsigned
Server::peer_count () const
{
  return impl_->n_peers;
}

} // namespace gstsig
