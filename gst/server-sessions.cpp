/* gst-webrtcsignal: the signalling of the server: what each message from a
 * peer does to roles and sessions, and the stats reports and subscriptions
 * (see server-impl.h and docs/protocol-stats.md).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "server-impl.h"

#include "secure-random.h"

namespace gstsig {

std::string
Server::Impl::new_uuid ()
{
  return secure_random_uuid ();
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
  if (auto m = std::get_if<p::SubscribeStats> (&msg))
    return subscribe_stats (peer, *m);
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
  for (auto &entry : listeners)
    send (entry.second, change);
}

std::string
Server::Impl::set_peer_status (Peer *peer, const p::SetPeerStatus &msg)
{
  if (msg.roles.producer && msg.roles.consumer)
    return "setPeerStatus: roles 'producer' and 'consumer' cannot be combined";
  if (msg.roles.producer && !peer->access.produce)
    return "setPeerStatus: this token may not produce (it is a viewer token)";
  if (msg.roles == peer->roles && msg.meta == peer->meta) {
    g_debug ("peer %s: status unchanged", peer->id.c_str ());
    return "";
  }

  bool dropped_producer = peer->roles.producer && !msg.roles.producer;
  bool dropped_consumer = peer->roles.consumer && !msg.roles.consumer;
  peer->roles = msg.roles;
  peer->meta = msg.meta;
  if (peer->roles.listener)
    listeners[peer->id] = peer;
  else
    listeners.erase (peer->id);
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

  /* Anybody may watch a producer; only a producer may offer to a peer
   * that declared the consumer role (it waits to be offered to). */
  Peer *producer, *consumer;
  if (target->roles.producer) {
    producer = target;
    consumer = peer;
  } else if (target->roles.consumer) {
    if (!peer->roles.producer)
      return "startSession: peer '" + msg.peer_id
          + "' is a consumer; only a peer with the producer role may start a session with it";
    producer = peer;
    consumer = target;
  } else {
    return "startSession: peer '" + msg.peer_id + "' is neither a producer nor a consumer";
  }

  if (peer->sessions_asked >= config.max_sessions_per_peer) {
    session_notice.hit ("peer " + peer->id + " asked for more than "
        + std::to_string (config.max_sessions_per_peer)
        + " sessions at once (raise --max-sessions-per-peer)");
    return "startSession: at most " + std::to_string (config.max_sessions_per_peer)
        + " sessions per peer at once; end one first";
  }
  if (sessions.size () >= config.max_sessions) {
    session_notice.hit ("the server has " + std::to_string (config.max_sessions)
        + " sessions (raise --max-sessions)");
    return "startSession: the server is full (" + std::to_string (config.max_sessions)
        + " sessions); try again later";
  }
  if (!peer->session_starts.take (config.max_session_starts_per_s,
          10.0 * MAX (1u, config.max_session_starts_per_s))) {
    session_notice.hit ("peer " + peer->id + " starts sessions faster than "
        + std::to_string (config.max_session_starts_per_s) + " per second");
    return "startSession: too many sessions started; at most "
        + std::to_string (config.max_session_starts_per_s) + " per second";
  }

  std::string session_id = new_uuid ();
  sessions[session_id] = Session { producer->id, consumer->id, peer->id };
  peer->sessions_asked++;
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
Server::Impl::forget_initiator (const Session &session)
{
  if (Peer *initiator = find_peer (session.initiator)) {
    if (initiator->sessions_asked > 0)
      initiator->sessions_asked--;
  }
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
    forget_initiator (it->second);
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

  forget_initiator (it->second);
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
  if (msg.stats.size () > config.max_stats_bytes)
    return "stats: a report may have at most " + std::to_string (config.max_stats_bytes)
        + " bytes";
  if (msg.session_id) {
    auto it = sessions.find (*msg.session_id);
    if (it == sessions.end ())
      return "stats: no session with id '" + *msg.session_id + "'";
    if (it->second.producer != peer->id && it->second.consumer != peer->id)
      return "stats: not a member of session '" + *msg.session_id + "'";
  }
  send_stats_update (stats.report (peer->id, msg));
  return "";
}

/* Candidate addresses say where viewers are: only a subscriber that asks
 * for them, on this machine or on a server run with --stats-addresses,
 * gets them. */
void
Server::Impl::send_stats (Peer *subscriber, const p::StatsUpdate &update)
{
  if (subscriber->stats_addresses) {
    send (subscriber, update);
    return;
  }
  p::StatsUpdate redacted = update;
  redacted.stats = without_addresses (update.stats);
  send (subscriber, redacted);
}

void
Server::Impl::send_stats_update (const p::StatsUpdate &update)
{
  for (const auto &id : stats.subscribers ()) {
    if (Peer *subscriber = find_peer (id))
      send_stats (subscriber, update);
  }
}

std::string
Server::Impl::subscribe_stats (Peer *peer, const p::SubscribeStats &msg)
{
  if (!peer->access.watch_stats)
    return access_config.tokens.empty () && access_config.producer_tokens.empty ()
            && access_config.viewer_tokens.empty ()
        ? "subscribeStats: only pages on this machine may watch stats; give the server a token "
          "(--token) to allow others"
        : "subscribeStats: this token may not watch stats (use the server's --token)";
  g_debug ("peer %s: subscribed to stats", peer->id.c_str ());
  peer->stats_addresses = msg.addresses
      && (config.stats_addresses || (peer->link && peer->link->is_loopback ()));
  for (const auto &update : stats.subscribe (peer->id))
    send_stats (peer, update);
  return "";
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

} // namespace gstsig
