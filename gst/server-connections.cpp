/* gst-webrtcsignal: the connections of the signalling server: libsoup's
 * callbacks, HTTP requests and WebSocket upgrades, peers coming and going,
 * and sending to them (see server-impl.h).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "server-impl.h"

#include "server-web.h"

#include <cstring>
#include <exception>

namespace gstsig {

namespace {

/* Close code for "try again later" (RFC 6455 registry). */
constexpr gushort CLOSE_TRY_AGAIN_LATER = 1013;

/* libsoup drops a connection without a close frame when a single frame is
 * over its max-incoming-payload-size, and keeps fragments of a message
 * without a limit. To answer moderately oversized messages with an error
 * and a 1009 close, this hard limit sits above our own: it bounds one frame
 * (libsoup) and every byte read between two complete messages (the
 * guarded connection). */
guint64
hard_message_limit (size_t max_message_bytes)
{
  guint64 limit = max_message_bytes;
  return MAX (limit * 2, limit + 64 * 1024);
}

/* Bytes a server frame adds to its payload, at most (RFC 6455 5.2). */
constexpr guint64 FRAME_OVERHEAD = 10;

/* The token a request carries: "Authorization: Bearer T" (tools) or
 * ?token=T (browsers cannot set headers on a WebSocket). */
std::string
request_token (SoupServerMessage *msg, GHashTable *query)
{
  const char *auth = soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
      "Authorization");
  if (auth && g_ascii_strncasecmp (auth, "Bearer ", 7) == 0) {
    const char *token = auth + 7;
    while (*token == ' ')
      token++;
    return token;
  }
  const char *token = query ? static_cast<const char *> (g_hash_table_lookup (query, "token"))
                            : nullptr;
  return token ? token : "";
}

void
set_text_reply (SoupServerMessage *msg, guint status, const std::string &text)
{
  soup_server_message_set_status (msg, status, nullptr);
  soup_server_message_set_response (msg, "text/plain; charset=utf-8", SOUP_MEMORY_COPY,
      text.c_str (), text.size ());
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
    GHashTable *query, gpointer user_data)
{
  guarded ("HTTP request",
      [&] () { static_cast<Impl *> (user_data)->handle_http (msg, path, query); });
}

/* libsoup wrote the 101 of an upgrade accept_upgrade () let through. */
void
Server::Impl::on_upgraded (SoupServerMessage *msg, gpointer user_data)
{
  auto upgrade = static_cast<Upgrade *> (user_data);
  if (soup_server_message_get_status (msg) != SOUP_STATUS_SWITCHING_PROTOCOLS)
    return;
  /* The steal in add_peer may drop libsoup's references to msg, and with
   * msg this closure and *upgrade: hold msg, and pass a copy. */
  Upgrade copy = *upgrade;
  g_object_ref (msg);
  guarded ("new connection", [&] () { copy.impl->add_peer (msg, copy); });
  g_object_unref (msg);
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
Server::Impl::handle_http (SoupServerMessage *msg, const char *path, GHashTable *query)
{
  if (!is_websocket_upgrade (msg)) {
    if (g_strcmp0 (path, "/api/access") == 0) {
      /* The web app asks whether its token (if any) will do, since a page
       * cannot read why a WebSocket upgrade was refused. */
      bool ok = access_of (msg, query).connect;
      if (!ok)
        soup_message_headers_replace (soup_server_message_get_response_headers (msg),
            "WWW-Authenticate", "Bearer");
      set_text_reply (msg, ok ? SOUP_STATUS_OK : SOUP_STATUS_UNAUTHORIZED,
          ok ? "ok\n" : "This server needs a token.\n");
      return;
    }
    web::serve (msg, path, config.web_root);
    return;
  }
  if (!refuse_upgrade (msg, query))
    accept_upgrade (msg, query);
}

/* Answers the handshake (101, or 400 for a malformed one) without any
 * extension: no permessage-deflate, though browsers and libsoup clients
 * offer it, since zlib's state for it is about 256 KiB of heap per peer
 * (heaptrack: 536 MB at the peak for 2,000 peers) for short JSON messages.
 * Once the 101 is written, on_upgraded () takes the connection from
 * libsoup's HTTP server. */
void
Server::Impl::accept_upgrade (SoupServerMessage *msg, GHashTable *query)
{
  if (!soup_websocket_server_process_handshake (msg, nullptr, nullptr, nullptr, nullptr))
    return;
  auto upgrade = new Upgrade { this, access_of (msg, query), listener->connection_of (msg) };
  g_signal_connect_data (msg, "wrote-informational", G_CALLBACK (on_upgraded), upgrade,
      [] (gpointer data, GClosure *) { delete static_cast<Upgrade *> (data); },
      GConnectFlags (0));
}

Access
Server::Impl::access_of (SoupServerMessage *msg, GHashTable *query)
{
  auto link = listener ? listener->connection_of (msg) : nullptr;
  return access_for (access_config, request_token (msg, query), link && link->is_loopback ());
}

/* Checks that must refuse a WebSocket upgrade, before libsoup answers 101.
 * True when refused (the status is set). */
bool
Server::Impl::refuse_upgrade (SoupServerMessage *msg, GHashTable *query)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  const char *origin = soup_message_headers_get_one (headers, "Origin");
  const char *host = soup_message_headers_get_one (headers, "Host");
  if (!origin_allowed (access_config, origin ? origin : "", host ? host : "")) {
    origin_notice.hit (std::string ("refusing a WebSocket from a page of ") + origin
        + " (allow it with --allow-origin / serve-allow-origin)");
    set_text_reply (msg, SOUP_STATUS_FORBIDDEN,
        std::string ("Pages of ") + origin + " may not use this server.\n");
    return true;
  }
  if (!access_of (msg, query).connect) {
    auth_notice.hit ("refusing a WebSocket without a valid token");
    soup_message_headers_replace (soup_server_message_get_response_headers (msg),
        "WWW-Authenticate", "Bearer");
    set_text_reply (msg, SOUP_STATUS_UNAUTHORIZED,
        "This server needs a token: Authorization: Bearer TOKEN, or ?token=TOKEN.\n");
    return true;
  }
  if (peers.size () >= config.max_peers) {
    session_notice.hit ("refusing a WebSocket: " + std::to_string (config.max_peers)
        + " peers already (raise --max-peers)");
    set_text_reply (msg, SOUP_STATUS_SERVICE_UNAVAILABLE,
        "Too many peers connected (limit " + std::to_string (config.max_peers)
            + "); try again later.\n");
    return true;
  }
  return false;
}

void
Server::Impl::add_peer (SoupServerMessage *msg, const Upgrade &upgrade)
{
  /* Everything needed from msg is read before the steal, which may free it. */
  bool full = peers.size () >= config.max_peers; /* several upgrades were in flight */
  std::string id = full ? std::string () : new_uuid ();
  GUri *uri = g_uri_ref (soup_server_message_get_uri (msg));
  std::string origin = soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
      "Origin") ?: "";
  if (upgrade.link && !full)
    upgrade.link->became_websocket (hard_message_limit (config.max_message_bytes),
        config.idle_timeout_s);
  GIOStream *stream = soup_server_message_steal_connection (msg);
  if (!stream) {
    g_uri_unref (uri);
    return;
  }
  auto ws = io->adopt (id, stream, uri, origin.empty () ? nullptr : origin.c_str (), nullptr,
      full ? nullptr : upgrade.link);
  g_object_unref (stream);
  g_uri_unref (uri);
  if (full) {
    io->close (ws, CLOSE_TRY_AGAIN_LATER, "too many peers");
    return;
  }

  auto owned = std::make_unique<Peer> ();
  Peer *peer = owned.get ();
  peer->impl = this;
  peer->id = id;
  peer->ws = std::move (ws);
  peer->link = upgrade.link;
  peer->access = upgrade.access;
  peers.emplace (peer->id, std::move (owned));
  n_peers = peers.size ();

  g_info ("peer %s connected from %s (%zu peers)", peer->id.c_str (),
      peer->link ? peer->link->address ().c_str () : "?", peers.size ());
  send (peer, p::Welcome { peer->id });
}

/* The I/O threads' events, on this context. */
void
Server::Impl::start_io ()
{
  WebSocketSettings settings;
  settings.max_incoming_payload = hard_message_limit (config.max_message_bytes);
  settings.ping_interval_s = config.ping_interval_s;
  settings.oversize_reply = p::to_json (p::ServerMessage { p::ErrorMessage {
      "message larger than " + std::to_string (config.max_message_bytes) + " bytes" } });
  settings.max_unhandled_bytes = MAX ((guint64) config.max_queued_bytes,
      hard_message_limit (config.max_message_bytes));
  WebSocketEvents events;
  events.message = [this] (const std::string &id, std::string text) {
    guarded ("message", [&] () { on_peer_text (id, std::move (text)); });
  };
  events.oversize = [this] (const std::string &id) {
    size_notice.hit ("peer " + id + " sent a message over "
        + std::to_string (config.max_message_bytes)
        + " bytes; closing it (raise --max-message-bytes if that was legitimate)");
    if (Peer *peer = find_peer (id))
      peer->closing = true;
  };
  events.overloaded = [this] (const std::string &id) {
    queue_notice.hit ("peer " + id + " sent faster than the server could handle; closing it");
    if (Peer *peer = find_peer (id))
      peer->closing = true;
  };
  events.closed = [this] (const std::string &id, gushort code) {
    g_info ("peer %s disconnected (close code %u)", id.c_str (), code);
    guarded ("disconnect", [&] () { remove_peer (id); });
  };
  mailbox = std::make_unique<Mailbox> (context);
  io = std::make_unique<WebSocketThreads> (config.io_threads, config.peers_per_io_thread,
      std::move (settings), std::move (events), mailbox.get ());
}

void
Server::Impl::on_peer_text (const std::string &id, std::string text)
{
  Peer *peer = find_peer (id);
  if (!peer || peer->closing)
    return;
  handle_text (peer, text);
}

void
Server::Impl::remove_peer (const std::string &id)
{
  auto it = peers.find (id);
  if (it == peers.end ())
    return;
  std::unique_ptr<Peer> peer = std::move (it->second);
  peers.erase (it);
  listeners.erase (id);
  n_peers = peers.size ();

  stats.peer_left (id);
  end_sessions_where (id, true, true);
  notify_listeners (p::PeerStatusChanged { p::Roles {}, peer->meta, id });
}

void
Server::Impl::close_peer (Peer *peer, gushort code, const char *reason)
{
  if (peer->closing)
    return;
  peer->closing = true;
  io->close (peer->ws, code, reason);
}

void
Server::Impl::refuse_oversize (Peer *peer)
{
  size_notice.hit ("peer " + peer->id + " sent a message over "
      + std::to_string (config.max_message_bytes)
      + " bytes; closing it (raise --max-message-bytes if that was legitimate)");
  send_error (peer, "message larger than " + std::to_string (config.max_message_bytes) + " bytes");
  close_peer (peer, SOUP_WEBSOCKET_CLOSE_TOO_BIG, "message too big");
}

void
Server::Impl::drop_slow_reader (Peer *peer, guint64 unsent)
{
  queue_notice.hit ("peer " + peer->id + " does not read what it is sent (" + std::to_string (unsent)
      + " bytes waiting, limit " + std::to_string (config.max_queued_bytes)
      + "); dropping it (raise --max-queued-bytes for very slow links)");
  peer->closing = true;
  if (peer->link)
    peer->link->drop ("slow reader");
}

bool
Server::Impl::within_rate (Peer *peer)
{
  if (peer->messages.take (config.max_messages_per_s, config.message_burst))
    return true;
  rate_notice.hit ("peer " + peer->id + " sent more than " + std::to_string (config.max_messages_per_s)
      + " messages per second (bursts of " + std::to_string (config.message_burst)
      + "); closing it (raise --max-messages-per-second)");
  send_error (peer, "too many messages: at most " + std::to_string (config.max_messages_per_s)
      + " per second");
  close_peer (peer, SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION, "message rate limit");
  return false;
}

void
Server::Impl::send (Peer *peer, const p::ServerMessage &msg)
{
  if (peer->closing) {
    g_debug ("peer %s: not open, dropping an outgoing message", peer->id.c_str ());
    return;
  }
  std::string text = p::to_json (msg);
  g_debug ("-> %s: %s", peer->id.c_str (), text.c_str ());
  peer->sent_bytes += text.size () + FRAME_OVERHEAD;
  if (peer->link) {
    guint64 written = peer->link->written_since_upgrade ();
    guint64 unsent = peer->sent_bytes > written ? peer->sent_bytes - written : 0;
    if (unsent > config.max_queued_bytes) {
      drop_slow_reader (peer, unsent);
      return;
    }
  }
  io->send (peer->ws, std::move (text));
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
  if (text.size () > config.max_message_bytes) {
    refuse_oversize (peer);
    return;
  }
  if (!within_rate (peer))
    return;
  g_debug ("<- %s: %s", peer->id.c_str (), text.c_str ());

  std::string error;
  auto msg = p::parse_client_message (text, &error, config.max_message_bytes);
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
