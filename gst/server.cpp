/* gst-webrtcsignal: the signalling server core on libsoup 3 (see server.h
 * and shared/PROTOCOL.md).
 *
 * Threading: every libsoup object and all the state below live on the
 * thread-default GMainContext of the thread that called Server::start();
 * every callback runs there, so the signalling state needs no mutex. Only
 * port() and peer_count() may be read from elsewhere; they are atomics.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "server.h"

#include "config.h"
#include "protocol.h"
#include "raii.h"
#include "server-stats.h"
#include "server-web.h"

#include <libsoup/soup.h>

#include <atomic>
#include <exception>
#include <map>
#include <vector>

namespace gstsig {

namespace p = protocol;

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

std::string
host_port (const std::string &host, unsigned port)
{
  if (host.find (':') != std::string::npos)
    return "[" + host + "]:" + std::to_string (port);
  return host + ":" + std::to_string (port);
}

std::string
new_uuid ()
{
  g_autofree gchar *uuid = g_uuid_string_random ();
  return uuid;
}

bool
is_open (SoupWebsocketConnection *conn)
{
  return soup_websocket_connection_get_state (conn) == SOUP_WEBSOCKET_STATE_OPEN;
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

struct Server::Impl {
  struct Peer {
    Impl *impl = nullptr;
    std::string id;
    Ref<SoupWebsocketConnection> conn;
    std::vector<gulong> handlers;
    p::Roles roles;
    p::MetaJson meta = "null";
    std::string protocol_version = "v1_0";
    bool received_first_message = false;
  };

  struct Session {
    std::string producer;
    std::string consumer;
  };

  explicit Impl (ServerConfig c) : config (std::move (c)) {}

  ServerConfig config;
  SoupServer *server = nullptr;           /* owned; set between start and stop */
  GMainContext *context = nullptr;        /* owned ref; the context of start () */
  std::map<std::string, std::unique_ptr<Peer>> peers; /* by peer id */
  std::map<std::string, Session> sessions;            /* by session id */
  StatsHub stats;                                     /* our stats addition */
  std::atomic<unsigned> bound_port { 0 };
  std::atomic<unsigned> n_peers { 0 };

  /* ---- connections ---- */
  bool is_websocket_upgrade (SoupServerMessage *msg);
  void handle_http (SoupServerMessage *msg, const char *path);
  void add_peer (SoupWebsocketConnection *conn);
  void remove_peer (const std::string &id);
  void disconnect_handlers (Peer *peer);
  void close_peer (Peer *peer, gushort code, const char *reason);
  void refuse_oversize (Peer *peer);
  void handle_text (Peer *peer, const std::string &text);
  void send (Peer *peer, const p::ServerMessage &msg);
  void send_error (Peer *peer, const std::string &details);

  /* ---- signalling; each returns an error text, empty on success ---- */
  std::string dispatch (Peer *peer, const p::ClientMessage &msg);
  std::string set_peer_status (Peer *peer, const p::SetPeerStatus &msg);
  std::string start_session (Peer *peer, const p::StartSessionRequest &msg);
  std::string forward_peer_message (Peer *peer, const p::PeerMessage &msg);
  std::string end_session (Peer *peer, const p::EndSession &msg);
  std::string set_protocol_version (Peer *peer, const p::SetProtocolVersion &msg);
  std::string report_stats (Peer *peer, const p::StatsReport &msg);
  void subscribe_stats (Peer *peer);
  void send_to_stats_subscribers (const p::ServerMessage &msg);
  void session_gone (const std::string &session_id);
  std::vector<p::PeerEntry> list_peers (bool producers);
  void end_sessions_where (const std::string &peer_id, bool as_producer, bool as_consumer);
  void notify_listeners (const p::PeerStatusChanged &change);
  Peer *find_peer (const std::string &id);

  /* ---- lifecycle ---- */
  bool listen (GError **error);
  void close_all ();

  /* ---- GLib callbacks (no exception may cross them) ---- */
  static void on_http_request (SoupServer *server, SoupServerMessage *msg, const char *path,
      GHashTable *query, gpointer user_data);
  static void on_websocket (SoupServer *server, SoupServerMessage *msg, const char *path,
      SoupWebsocketConnection *conn, gpointer user_data);
  static void on_message (SoupWebsocketConnection *conn, gint type, GBytes *message,
      gpointer user_data);
  static void on_error (SoupWebsocketConnection *conn, GError *error, gpointer user_data);
  static void on_closed (SoupWebsocketConnection *conn, gpointer user_data);
};

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

/* ------------------------------------------------------------------ */
/* Signalling                                                         */
/* ------------------------------------------------------------------ */

std::string
Server::Impl::dispatch (Peer *peer, const p::ClientMessage &msg)
{
  if (auto m = std::get_if<p::SetPeerStatus> (&msg))
    return set_peer_status (peer, *m);
  if (auto m = std::get_if<p::StartSessionRequest> (&msg))
    return start_session (peer, *m);
  if (auto m = std::get_if<p::PeerMessage> (&msg))
    return forward_peer_message (peer, *m);
  if (auto m = std::get_if<p::EndSession> (&msg))
    return end_session (peer, *m);
  if (std::holds_alternative<p::ListRequest> (msg)) {
    send (peer, p::ListReply { list_peers (true) });
    return "";
  }
  if (std::holds_alternative<p::ListConsumersRequest> (msg)) {
    send (peer, p::ListConsumersReply { list_peers (false) });
    return "";
  }
  if (auto m = std::get_if<p::SetProtocolVersion> (&msg))
    return set_protocol_version (peer, *m);
  if (auto m = std::get_if<p::StatsReport> (&msg))
    return report_stats (peer, *m);
  if (std::holds_alternative<p::SubscribeStats> (msg)) {
    subscribe_stats (peer);
    return "";
  }
  if (std::holds_alternative<p::UnsubscribeStats> (msg)) {
    stats.unsubscribe (peer->id);
    return "";
  }
  return "unsupported message";
}

Server::Impl::Peer *
Server::Impl::find_peer (const std::string &id)
{
  auto it = peers.find (id);
  return it == peers.end () ? nullptr : it->second.get ();
}

void
Server::Impl::notify_listeners (const p::PeerStatusChanged &change)
{
  for (auto &entry : peers) {
    if (entry.second->roles.listener)
      send (entry.second.get (), change);
  }
}

std::string
Server::Impl::set_peer_status (Peer *peer, const p::SetPeerStatus &msg)
{
  if (msg.roles.producer && msg.roles.consumer)
    return "setPeerStatus: roles 'producer' and 'consumer' cannot be combined";
  if (msg.roles == peer->roles && msg.meta == peer->meta) {
    g_debug ("peer %s: status unchanged", peer->id.c_str ());
    return "";
  }

  bool dropped_producer = peer->roles.producer && !msg.roles.producer;
  bool dropped_consumer = peer->roles.consumer && !msg.roles.consumer;
  peer->roles = msg.roles;
  peer->meta = msg.meta;
  end_sessions_where (peer->id, dropped_producer, dropped_consumer);

  g_info ("peer %s: roles%s%s%s, meta %s", peer->id.c_str (),
      msg.roles.producer ? " producer" : "", msg.roles.listener ? " listener" : "",
      msg.roles.consumer ? " consumer" : "", msg.meta.c_str ());
  notify_listeners (p::PeerStatusChanged { peer->roles, peer->meta, peer->id });
  return "";
}

std::string
Server::Impl::start_session (Peer *peer, const p::StartSessionRequest &msg)
{
  Peer *target = find_peer (msg.peer_id);
  if (!target)
    return "startSession: no peer with id '" + msg.peer_id + "'";
  if (target == peer)
    return "startSession: a peer cannot start a session with itself";

  Peer *producer, *consumer;
  if (target->roles.producer) {
    producer = target;
    consumer = peer;
  } else if (target->roles.consumer) {
    producer = peer;
    consumer = target;
  } else {
    return "startSession: peer '" + msg.peer_id + "' is neither a producer nor a consumer";
  }

  std::string session_id = new_uuid ();
  sessions[session_id] = Session { producer->id, consumer->id };
  g_info ("session %s started: producer %s, consumer %s", session_id.c_str (),
      producer->id.c_str (), consumer->id.c_str ());

  send (consumer, p::SessionStarted { producer->id, session_id });
  send (producer, p::StartSessionNotice { consumer->id, session_id, msg.offer });
  return "";
}

std::string
Server::Impl::forward_peer_message (Peer *peer, const p::PeerMessage &msg)
{
  auto it = sessions.find (msg.session_id);
  if (it == sessions.end ())
    return "peer: no session with id '" + msg.session_id + "'";
  const Session &session = it->second;
  bool is_producer = session.producer == peer->id;
  if (!is_producer && session.consumer != peer->id)
    return "peer: not a member of session '" + msg.session_id + "'";
  if (!is_producer && msg.sdp && msg.sdp->type == "offer")
    return "peer: the consumer of session '" + msg.session_id
        + "' may not send an offer; pass it in startSession instead";

  Peer *other = find_peer (is_producer ? session.consumer : session.producer);
  if (other)
    send (other, msg); /* re-written: sdpMid and other extras are dropped */
  return "";
}

void
Server::Impl::end_sessions_where (const std::string &peer_id, bool as_producer, bool as_consumer)
{
  std::vector<std::pair<std::string, std::string>> ended; /* session id, other peer */
  for (auto it = sessions.begin (); it != sessions.end ();) {
    const Session &s = it->second;
    if (as_producer && s.producer == peer_id) {
      ended.emplace_back (it->first, s.consumer);
    } else if (as_consumer && s.consumer == peer_id) {
      ended.emplace_back (it->first, s.producer);
    } else {
      ++it;
      continue;
    }
    it = sessions.erase (it);
  }

  for (const auto &e : ended) {
    g_info ("session %s ended (peer %s left it)", e.first.c_str (), peer_id.c_str ());
    if (Peer *other = find_peer (e.second))
      send (other, p::EndSession { e.first });
    session_gone (e.first);
  }
}

std::string
Server::Impl::end_session (Peer *peer, const p::EndSession &msg)
{
  auto it = sessions.find (msg.session_id);
  if (it == sessions.end ())
    return "endSession: no session with id '" + msg.session_id + "'";
  Session session = it->second;
  if (session.producer != peer->id && session.consumer != peer->id)
    return "endSession: not a member of session '" + msg.session_id + "'";

  sessions.erase (it);
  g_info ("session %s ended by %s", msg.session_id.c_str (), peer->id.c_str ());
  Peer *other = find_peer (session.producer == peer->id ? session.consumer : session.producer);
  if (other)
    send (other, p::EndSession { msg.session_id });
  session_gone (msg.session_id);
  return "";
}

std::vector<p::PeerEntry>
Server::Impl::list_peers (bool producers)
{
  std::vector<p::PeerEntry> entries;
  for (const auto &entry : peers) {
    const Peer &peer = *entry.second;
    if (producers ? peer.roles.producer : peer.roles.consumer)
      entries.push_back (p::PeerEntry { peer.id, peer.meta });
  }
  return entries;
}

/* v1_1 only changes how a session ending with an error is reported
 * (endSessionV1_1). This server never ends a session with an error, so it
 * records the version and sends plain endSession to every peer. */
std::string
Server::Impl::set_protocol_version (Peer *peer, const p::SetProtocolVersion &msg)
{
  if (peer->received_first_message)
    return "setProtocolVersion: must be the first message";
  if (msg.version != "v1_0" && msg.version != "v1_1")
    return "setProtocolVersion: unsupported version '" + msg.version + "' (v1_0 or v1_1)";
  peer->protocol_version = msg.version;
  g_debug ("peer %s: protocol version %s", peer->id.c_str (), msg.version.c_str ());
  return "";
}

/* ------------------------------------------------------------------ */
/* Stats (our addition; docs/protocol-stats.md)                       */
/* ------------------------------------------------------------------ */

/* Only peers that sent subscribeStats ever get "stats" or "sessionEnded":
 * gstwebrtc-api throws on message types it does not know. */

std::string
Server::Impl::report_stats (Peer *peer, const p::StatsReport &msg)
{
  if (msg.session_id) {
    auto it = sessions.find (*msg.session_id);
    if (it == sessions.end ())
      return "stats: no session with id '" + *msg.session_id + "'";
    if (it->second.producer != peer->id && it->second.consumer != peer->id)
      return "stats: not a member of session '" + *msg.session_id + "'";
  }
  send_to_stats_subscribers (stats.report (peer->id, msg));
  return "";
}

void
Server::Impl::subscribe_stats (Peer *peer)
{
  g_debug ("peer %s: subscribed to stats", peer->id.c_str ());
  for (const auto &update : stats.subscribe (peer->id))
    send (peer, update);
}

void
Server::Impl::send_to_stats_subscribers (const p::ServerMessage &msg)
{
  for (const auto &id : stats.subscribers ()) {
    if (Peer *subscriber = find_peer (id))
      send (subscriber, msg);
  }
}

/* Called once a session is erased, however it ended. */
void
Server::Impl::session_gone (const std::string &session_id)
{
  stats.session_ended (session_id);
  send_to_stats_subscribers (p::SessionEnded { session_id });
}

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
