/* gst-webrtcsignal: the connections of the signalling server: libsoup's
 * callbacks, HTTP requests and WebSocket upgrades, peers coming and going,
 * and sending to them (see server-impl.h).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "server-impl.h"

#include "server-web.h"

#include <exception>

namespace gstsig {

namespace {

/* Close code for "try again later" (RFC 6455 registry). */
constexpr gushort CLOSE_TRY_AGAIN_LATER = 1013;

/* libsoup drops a connection without a close frame when a single frame is
 * over its max-incoming-payload-size. To answer moderately oversized frames
 * with an error and a 1009 close, that hard limit sits above our own. */
guint64
hard_frame_limit (size_t max_frame_bytes)
{
  guint64 limit = max_frame_bytes;
  return MAX (limit * 2, limit + 64 * 1024);
}

bool
is_open (SoupWebsocketConnection *conn)
{
  return soup_websocket_connection_get_state (conn) == SOUP_WEBSOCKET_STATE_OPEN;
}

/* Runs @fn inside a GLib callback: no exception may leave it. */
template <typename F>
void
guarded (const char *what, F &&fn)
{
  try {
    fn ();
  } catch (const std::exception &e) {
    g_warning ("%s: internal error: %s", what, e.what ());
  } catch (...) {
    g_warning ("%s: internal error", what);
  }
}

} // namespace

/* ------------------------------------------------------------------ */
/* GLib callbacks (no exception may cross them)                       */
/* ------------------------------------------------------------------ */

void
Server::Impl::on_http_request (SoupServer *, SoupServerMessage *msg, const char *path,
    GHashTable *, gpointer user_data)
{
  guarded ("HTTP request", [&] () { static_cast<Impl *> (user_data)->handle_http (msg, path); });
}

void
Server::Impl::on_websocket (SoupServer *, SoupServerMessage *, const char *path,
    SoupWebsocketConnection *conn, gpointer user_data)
{
  g_debug ("WebSocket connection on %s", path);
  guarded ("new connection", [&] () { static_cast<Impl *> (user_data)->add_peer (conn); });
}

void
Server::Impl::on_message (SoupWebsocketConnection *, gint type, GBytes *message, gpointer user_data)
{
  auto peer = static_cast<Peer *> (user_data);
  if (type != SOUP_WEBSOCKET_DATA_TEXT) {
    g_debug ("peer %s: ignoring a binary frame", peer->id.c_str ());
    return;
  }
  gsize size = 0;
  auto data = static_cast<const char *> (g_bytes_get_data (message, &size));
  guarded ("message", [&] () {
    peer->impl->handle_text (peer, std::string (data ? data : "", size));
  });
}

void
Server::Impl::on_error (SoupWebsocketConnection *, GError *error, gpointer user_data)
{
  auto peer = static_cast<Peer *> (user_data);
  g_debug ("peer %s: WebSocket error: %s", peer->id.c_str (), error->message);
  /* A frame over libsoup's hard limit: libsoup drops the connection right
   * after this signal, without a close frame; answer first while we can. */
  if (g_error_matches (error, SOUP_WEBSOCKET_ERROR, SOUP_WEBSOCKET_CLOSE_TOO_BIG))
    guarded ("oversize frame", [&] () { peer->impl->refuse_oversize (peer); });
}

void
Server::Impl::on_closed (SoupWebsocketConnection *conn, gpointer user_data)
{
  auto peer = static_cast<Peer *> (user_data);
  g_info ("peer %s disconnected (close code %u)", peer->id.c_str (),
      soup_websocket_connection_get_close_code (conn));
  /* Frees peer; libsoup holds its own reference on conn during emission. */
  guarded ("disconnect", [&] () { peer->impl->remove_peer (std::string (peer->id)); });
}

/* ------------------------------------------------------------------ */
/* Connections                                                        */
/* ------------------------------------------------------------------ */

bool
Server::Impl::is_websocket_upgrade (SoupServerMessage *msg)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  return soup_message_headers_header_contains (headers, "Upgrade", "websocket");
}

void
Server::Impl::handle_http (SoupServerMessage *msg, const char *path)
{
  if (!is_websocket_upgrade (msg)) {
    web::serve (msg, path, config.web_root);
    return;
  }

  /* Checks that must refuse the upgrade go here, before libsoup answers
   * 101. A later issue adds the token check (?token= / Authorization:
   * Bearer, answered with 401). */
  if (peers.size () >= config.max_peers) {
    g_message ("refusing a WebSocket connection: %u peers already (max-peers)", config.max_peers);
    std::string text = "Too many peers connected (limit " + std::to_string (config.max_peers)
        + "); try again later.\n";
    soup_server_message_set_status (msg, SOUP_STATUS_SERVICE_UNAVAILABLE, nullptr);
    soup_server_message_set_response (msg, "text/plain; charset=utf-8", SOUP_MEMORY_COPY,
        text.c_str (), text.size ());
  }
  /* Otherwise leave the status unset: libsoup completes the handshake and
   * calls on_websocket (). */
}

void
Server::Impl::add_peer (SoupWebsocketConnection *conn)
{
  if (peers.size () >= config.max_peers) {
    /* Several upgrades were in flight at once. */
    soup_websocket_connection_close (conn, CLOSE_TRY_AGAIN_LATER, "too many peers");
    return;
  }

  auto owned = std::make_unique<Peer> ();
  Peer *peer = owned.get ();
  peer->impl = this;
  peer->id = new_uuid ();
  peer->conn = ref (conn);
  peers.emplace (peer->id, std::move (owned));
  n_peers = peers.size ();

  soup_websocket_connection_set_max_incoming_payload_size (conn,
      hard_frame_limit (config.max_frame_bytes));
  soup_websocket_connection_set_keepalive_interval (conn, config.ping_interval_s);
  peer->handlers = {
    g_signal_connect (conn, "message", G_CALLBACK (Impl::on_message), peer),
    g_signal_connect (conn, "error", G_CALLBACK (Impl::on_error), peer),
    g_signal_connect (conn, "closed", G_CALLBACK (Impl::on_closed), peer),
  };

  g_info ("peer %s connected (%zu peers)", peer->id.c_str (), peers.size ());
  send (peer, p::Welcome { peer->id });
}

void
Server::Impl::disconnect_handlers (Peer *peer)
{
  for (gulong id : peer->handlers)
    g_signal_handler_disconnect (peer->conn.get (), id);
  peer->handlers.clear ();
}

void
Server::Impl::remove_peer (const std::string &id)
{
  auto it = peers.find (id);
  if (it == peers.end ())
    return;
  std::unique_ptr<Peer> peer = std::move (it->second);
  peers.erase (it);
  n_peers = peers.size ();
  disconnect_handlers (peer.get ());

  stats.peer_left (id);
  end_sessions_where (id, true, true);
  notify_listeners (p::PeerStatusChanged { p::Roles {}, peer->meta, id });
}

void
Server::Impl::close_peer (Peer *peer, gushort code, const char *reason)
{
  if (is_open (peer->conn.get ()))
    soup_websocket_connection_close (peer->conn.get (), code, reason);
}

void
Server::Impl::refuse_oversize (Peer *peer)
{
  g_message ("peer %s sent a frame over %zu bytes; closing", peer->id.c_str (),
      config.max_frame_bytes);
  send_error (peer, "message larger than " + std::to_string (config.max_frame_bytes) + " bytes");
  close_peer (peer, SOUP_WEBSOCKET_CLOSE_TOO_BIG, "message too big");
}

void
Server::Impl::send (Peer *peer, const p::ServerMessage &msg)
{
  SoupWebsocketConnection *conn = peer->conn.get ();
  if (!is_open (conn)) {
    g_debug ("peer %s: not open, dropping an outgoing message", peer->id.c_str ());
    return;
  }
  std::string text = p::to_json (msg);
  g_debug ("-> %s: %s", peer->id.c_str (), text.c_str ());
  soup_websocket_connection_send_text (conn, text.c_str ());
}

void
Server::Impl::send_error (Peer *peer, const std::string &details)
{
  g_debug ("peer %s: error reply: %s", peer->id.c_str (), details.c_str ());
  send (peer, p::ErrorMessage { details });
}

void
Server::Impl::handle_text (Peer *peer, const std::string &text)
{
  if (text.size () > config.max_frame_bytes) {
    refuse_oversize (peer);
    return;
  }
  g_debug ("<- %s: %s", peer->id.c_str (), text.c_str ());

  std::string error;
  auto msg = p::parse_client_message (text, &error);
  if (!msg) {
    send_error (peer, error);
    return;
  }
  error = dispatch (peer, *msg);
  peer->received_first_message = true;
  if (!error.empty ())
    send_error (peer, error);
}

} // namespace gstsig
