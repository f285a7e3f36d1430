/* gst-webrtcsignal: the state of the signalling server (internal to the
 * library; see server.h and shared/PROTOCOL.md). Its methods live in
 *   server.cpp             listening, stopping, the public Server API;
 *   server-connections.cpp the libsoup callbacks, WebSocket peers, HTTP
 *                          requests (handed to server-web.cpp);
 *   server-sessions.cpp    the signalling messages: roles, sessions, stats
 *                          (kept by server-stats.cpp).
 *
 * Threading: the SoupServer, the listener and all the state below live on
 * the thread-default GMainContext of the thread that called
 * Server::start(); every callback and event runs there, so the signalling
 * state needs no mutex. The WebSocket connections themselves run on I/O
 * threads (websocket-threads.h), which post what peers send to this
 * context's mailbox. Only port() and peer_count() may be read from
 * elsewhere; they are atomics.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "server.h"

#include "guarded-listener.h"
#include "limit-notice.h"
#include "protocol.h"
#include "raii.h"
#include "server-access.h"
#include "server-stats.h"
#include "websocket-threads.h"

#include <libsoup/soup.h>

#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace gstsig {

namespace p = protocol;

/* A token bucket: rate per second on average, bursts of burst. */
struct RateBucket {
  double tokens = -1; /* < 0: full (not used yet) */
  gint64 last_us = 0;
  bool take (double rate, double burst)
  {
    gint64 now = g_get_monotonic_time ();
    tokens = tokens < 0 ? burst : MIN (burst, tokens + rate * (now - last_us) / G_USEC_PER_SEC);
    last_us = now;
    if (tokens < 1)
      return false;
    tokens -= 1;
    return true;
  }
};

struct Server::Impl {
  struct Peer {
    Impl *impl = nullptr;
    std::string id;
    WebSocketThreads::Handle ws;              /* its connection, on an I/O thread */
    bool closing = false;                     /* we closed or dropped it */
    p::Roles roles;
    p::MetaJson meta = "null";
    std::string protocol_version = "v1_0";
    bool received_first_message = false;
    std::shared_ptr<GuardedConnection> link; /* the connection, for limits */
    Access access;
    guint64 sent_bytes = 0;                   /* handed to libsoup, framing included */
    RateBucket messages, session_starts;
    unsigned sessions_asked = 0;              /* live sessions this peer started */
    bool stats_addresses = false;             /* a subscriber that may see addresses */
  };

  struct Session {
    std::string producer;
    std::string consumer;
    std::string initiator; /* who sent startSession */
  };

  explicit Impl (ServerConfig c) : config (std::move (c)) {}

  ServerConfig config;
  AccessConfig access_config;             /* from config */
  SoupServer *server = nullptr;           /* owned; set between start and stop */
  std::unique_ptr<GuardedListener> listener; /* set between start and stop */
  Ref<GTlsCertificate> certificate;       /* when serving TLS */
  LimitNotice rate_notice, queue_notice, session_notice, auth_notice, origin_notice,
      size_notice;
  GMainContext *context = nullptr;        /* owned ref; the context of start () */
  std::unique_ptr<Mailbox> mailbox;       /* on context: events from the I/O threads */
  std::unique_ptr<WebSocketThreads> io;   /* between start and stop */
  std::map<std::string, std::unique_ptr<Peer>> peers; /* by peer id */
  /* The peers with the listener role, by id: a status change is sent to
   * them without walking every peer (10,000 peers leaving at once was
   * quadratic). Kept by set_peer_status and remove_peer. */
  std::map<std::string, Peer *> listeners;
  std::map<std::string, Session> sessions;            /* by session id */
  StatsHub stats;                                     /* our stats addition */
  std::atomic<unsigned> bound_port { 0 };
  std::atomic<unsigned> n_peers { 0 };

  /* ---- connections ---- */
  bool is_websocket_upgrade (SoupServerMessage *msg);
  void handle_http (SoupServerMessage *msg, const char *path, GHashTable *query);
  bool refuse_upgrade (SoupServerMessage *msg, GHashTable *query);
  Access access_of (SoupServerMessage *msg, GHashTable *query);
  /* An accepted upgrade, until libsoup has written its 101. */
  struct Upgrade {
    Impl *impl;
    Access access;
    std::shared_ptr<GuardedConnection> link;
  };
  void accept_upgrade (SoupServerMessage *msg, GHashTable *query);
  void add_peer (SoupServerMessage *msg, const Upgrade &upgrade);
  void start_io ();
  void on_peer_text (const std::string &id, std::string text);
  bool within_rate (Peer *peer);
  void remove_peer (const std::string &id);
  void close_peer (Peer *peer, gushort code, const char *reason);
  void refuse_oversize (Peer *peer);
  void drop_slow_reader (Peer *peer, guint64 unsent);
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
  std::string subscribe_stats (Peer *peer, const p::SubscribeStats &msg);
  void send_to_stats_subscribers (const p::ServerMessage &msg);
  void send_stats_update (const p::StatsUpdate &update);
  void send_stats (Peer *subscriber, const p::StatsUpdate &update);
  void session_gone (const std::string &session_id);
  void forget_initiator (const Session &session);
  std::vector<p::PeerEntry> list_peers (bool producers);
  void end_sessions_where (const std::string &peer_id, bool as_producer, bool as_consumer);
  void notify_listeners (const p::PeerStatusChanged &change);
  Peer *find_peer (const std::string &id);
  static std::string new_uuid ();

  /* ---- lifecycle ---- */
  bool load_certificate (GError **error);
  bool listen (GError **error);
  void close_all ();

  /* ---- GLib callbacks (no exception may cross them) ---- */
  static void on_http_request (SoupServer *server, SoupServerMessage *msg, const char *path,
      GHashTable *query, gpointer user_data);
  static void on_upgraded (SoupServerMessage *msg, gpointer user_data);
};

} // namespace gstsig
