/* gst-webrtcsignal: the messages of the WebSocket signalling protocol
 * (gst-plugins-rs' gst-webrtc-signalling-server; see shared/PROTOCOL.md),
 * parsed and written with json-glib. Shared by the client (signaller) and
 * the server.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace gstsig::protocol {

struct Roles {
  bool producer = false;
  bool listener = false;
  bool consumer = false;
  bool operator== (const Roles &o) const
  {
    return producer == o.producer && listener == o.listener && consumer == o.consumer;
  }
};

/* meta travels as compact JSON text: "null" or an object such as {"name":"cam"}. */
using MetaJson = std::string;

/* Stats figures (our addition, docs/protocol-stats.md) travel as compact JSON
 * text of a flat object: string, number and boolean members only, in the
 * order they came, numbers in their shortest exact form (0.1, not
 * 0.10000000000000001), e.g. {"role":"producer","bitrate-out":1250000}. */
using StatsJson = std::string;

struct SessionDescription {
  std::string type; /* "offer" or "answer" */
  std::string sdp;
};

struct IceCandidate {
  std::string candidate; /* "candidate:..." or "" for end-of-candidates */
  unsigned sdp_m_line_index = 0;
  std::optional<std::string> sdp_mid; /* accepted on input, never written */
};

/* ---- client -> server ---- */
struct SetPeerStatus {
  Roles roles;
  MetaJson meta = "null";
};
struct StartSessionRequest {
  std::string peer_id;              /* the target */
  std::optional<std::string> offer; /* consumer-made offer, if any */
};
struct PeerMessage { /* both directions */
  std::string session_id;
  std::optional<SessionDescription> sdp; /* exactly one of sdp, ice */
  std::optional<IceCandidate> ice;
};
struct EndSession { /* both directions */
  std::string session_id;
};
struct ListRequest {};
struct ListConsumersRequest {};
struct SetProtocolVersion {
  std::string version;
};
/* Our addition: the latest figures of one session of the sender, or of the
 * sender itself (no session id; e.g. a producer's encoder). */
struct StatsReport {
  std::optional<std::string> session_id;
  StatsJson stats = "{}";
};
struct SubscribeStats {     /* our addition */
  bool addresses = false;  /* also candidate addresses, if the server allows */
};
struct UnsubscribeStats {}; /* our addition */

using ClientMessage = std::variant<SetPeerStatus, StartSessionRequest, PeerMessage, EndSession,
    ListRequest, ListConsumersRequest, SetProtocolVersion, StatsReport, SubscribeStats,
    UnsubscribeStats>;

/* ---- server -> client ---- */
struct Welcome {
  std::string peer_id; /* parsed from "peerId" or the older "peer_id" */
};
struct PeerStatusChanged {
  Roles roles;
  MetaJson meta = "null";
  std::string peer_id;
};
struct StartSessionNotice { /* to the producer */
  std::string peer_id;              /* the consumer */
  std::string session_id;
  std::optional<std::string> offer; /* the consumer's offer, if it made one */
};
struct SessionStarted { /* to the consumer */
  std::string peer_id; /* the producer */
  std::string session_id;
};
struct PeerEntry {
  std::string id;
  MetaJson meta = "null";
};
struct ListReply {
  std::vector<PeerEntry> producers;
};
struct ListConsumersReply {
  std::vector<PeerEntry> consumers;
};
struct ErrorMessage {
  std::string details;
};
/* Our addition, to stats subscribers only: a StatsReport of @peer_id. */
struct StatsUpdate {
  std::string peer_id;                   /* the reporting peer */
  std::optional<std::string> session_id; /* none: figures of the peer itself */
  StatsJson stats = "{}";
};
/* Our addition, to stats subscribers only: the session is gone. */
struct SessionEnded {
  std::string session_id;
};

using ServerMessage = std::variant<Welcome, PeerStatusChanged, StartSessionNotice, SessionStarted,
    PeerMessage, EndSession, ListReply, ListConsumersReply, ErrorMessage, StatsUpdate,
    SessionEnded>;

/* The longest message, in bytes, a server may send us: what our clients
 * (the ws signaller, the recorder's listener) take as one WebSocket message.
 * A list reply of many producers with their meta is the long one. */
constexpr size_t MAX_SERVER_MESSAGE_BYTES = 4 * 1024 * 1024;
/* The longest client message our server takes unless configured otherwise
 * (ServerConfig::max_message_bytes). */
constexpr size_t DEFAULT_CLIENT_MESSAGE_BYTES = 1024 * 1024;

/* Parse one text frame of at most max_bytes. On failure returns
 * std::nullopt and fills *error with a message suitable for an
 * {"type":"error"} reply (e.g. "startSession: missing field 'peerId'").
 * Unknown fields are ignored; unknown types are an error. JSON nested deeper
 * than 32 levels (meta: 16) is refused before json-glib sees it. */
std::optional<ClientMessage> parse_client_message (const std::string &text, std::string *error,
    size_t max_bytes = DEFAULT_CLIENT_MESSAGE_BYTES);
std::optional<ServerMessage> parse_server_message (const std::string &text, std::string *error,
    size_t max_bytes = MAX_SERVER_MESSAGE_BYTES);

/* Compact JSON, keys in the order PROTOCOL.md gives. */
std::string to_json (const ClientMessage &msg);
std::string to_json (const ServerMessage &msg);

/* Validates and normalises meta JSON text: returns compact JSON of an object
 * or "null"; std::nullopt if text is not a JSON object or null. */
std::optional<MetaJson> normalize_meta (const std::string &text);

/* Validates and normalises stats JSON text (see StatsJson); std::nullopt
 * with *error set if text is not a flat JSON object. */
std::optional<StatsJson> normalize_stats (const std::string &text, std::string *error);

} // namespace gstsig::protocol
