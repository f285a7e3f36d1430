/* gst-webrtcsignal: the signalling protocol's messages read from JSON text
 * with json-glib (see protocol.h and shared/PROTOCOL.md).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "protocol-json.h"

#include "json-limits.h"

#include <cmath>

namespace gstsig::protocol {

using detail::fail;
using detail::node_to_text;
using detail::ParseError;
using detail::stats_text;

namespace {

/* The member @name of @obj, or nullptr when it is absent or JSON null. */
JsonNode *
member_or_null (JsonObject *obj, const char *name)
{
  JsonNode *node = json_object_get_member (obj, name);
  if (!node || JSON_NODE_HOLDS_NULL (node))
    return nullptr;
  return node;
}

bool
holds_string (JsonNode *node)
{
  return JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING;
}

std::optional<std::string>
optional_string (JsonObject *obj, const char *name, const std::string &type)
{
  JsonNode *node = member_or_null (obj, name);
  if (!node)
    return std::nullopt;
  if (!holds_string (node))
    fail (type, std::string ("field '") + name + "' must be a string");
  return std::string (json_node_get_string (node));
}

std::string
required_string (JsonObject *obj, const char *name, const std::string &type)
{
  auto value = optional_string (obj, name, type);
  if (!value)
    fail (type, std::string ("missing field '") + name + "'");
  return *value;
}

JsonObject *
required_object (JsonObject *obj, const char *name, const std::string &type)
{
  JsonNode *node = member_or_null (obj, name);
  if (!node)
    fail (type, std::string ("missing field '") + name + "'");
  if (!JSON_NODE_HOLDS_OBJECT (node))
    fail (type, std::string ("field '") + name + "' must be an object");
  return json_node_get_object (node);
}

MetaJson
read_meta (JsonObject *obj, const std::string &type)
{
  JsonNode *node = member_or_null (obj, "meta");
  if (!node)
    return "null";
  if (!JSON_NODE_HOLDS_OBJECT (node))
    fail (type, "field 'meta' must be an object or null");
  std::string text = node_to_text (node);
  std::string limit_error;
  if (!json_within_limits (text, detail::meta_limits (), &limit_error))
    fail (type, "field 'meta': " + limit_error);
  return text;
}

Roles
read_roles (JsonObject *obj, const std::string &type, bool required)
{
  Roles roles;
  JsonNode *node = member_or_null (obj, "roles");
  if (!node) {
    if (required)
      fail (type, "missing field 'roles'");
    return roles;
  }
  if (!JSON_NODE_HOLDS_ARRAY (node))
    fail (type, "field 'roles' must be an array of strings");

  JsonArray *array = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (array); i++) {
    JsonNode *item = json_array_get_element (array, i);
    if (!holds_string (item))
      fail (type, "field 'roles' must be an array of strings");
    std::string role = json_node_get_string (item);
    if (role == "producer")
      roles.producer = true;
    else if (role == "listener")
      roles.listener = true;
    else if (role == "consumer")
      roles.consumer = true;
    else
      fail (type, "unknown role '" + role + "' in field 'roles'");
  }
  if (roles.producer && roles.consumer)
    fail (type, "roles 'producer' and 'consumer' cannot be combined");
  return roles;
}

SessionDescription
read_sdp (JsonObject *obj, const std::string &type)
{
  JsonObject *sdp_obj = required_object (obj, "sdp", type);
  SessionDescription sdp;
  sdp.type = required_string (sdp_obj, "type", type + " sdp");
  if (sdp.type != "offer" && sdp.type != "answer")
    fail (type + " sdp", "field 'type' must be \"offer\" or \"answer\"");
  sdp.sdp = required_string (sdp_obj, "sdp", type + " sdp");
  return sdp;
}

unsigned
read_m_line_index (JsonObject *ice_obj, const std::string &type)
{
  JsonNode *node = member_or_null (ice_obj, "sdpMLineIndex");
  if (!node)
    fail (type + " ice", "missing field 'sdpMLineIndex'");

  GType value_type = JSON_NODE_HOLDS_VALUE (node) ? json_node_get_value_type (node) : G_TYPE_INVALID;
  double index = -1;
  if (value_type == G_TYPE_INT64)
    index = (double) json_node_get_int (node);
  else if (value_type == G_TYPE_DOUBLE)
    index = json_node_get_double (node);
  else
    fail (type + " ice", "field 'sdpMLineIndex' must be a number");

  if (index < 0 || index > G_MAXUINT16 || std::floor (index) != index)
    fail (type + " ice", "field 'sdpMLineIndex' must be a small non-negative integer");
  return (unsigned) index;
}

IceCandidate
read_ice (JsonObject *obj, const std::string &type)
{
  JsonObject *ice_obj = required_object (obj, "ice", type);
  IceCandidate ice;
  ice.candidate = required_string (ice_obj, "candidate", type + " ice");
  ice.sdp_m_line_index = read_m_line_index (ice_obj, type);
  ice.sdp_mid = optional_string (ice_obj, "sdpMid", type + " ice");
  /* usernameFragment is accepted and dropped. */
  return ice;
}

PeerMessage
read_peer (JsonObject *obj)
{
  const std::string type = "peer";
  PeerMessage msg;
  msg.session_id = required_string (obj, "sessionId", type);
  bool has_sdp = member_or_null (obj, "sdp") != nullptr;
  bool has_ice = member_or_null (obj, "ice") != nullptr;
  if (has_sdp == has_ice)
    fail (type, "exactly one of 'sdp' or 'ice' is required");
  if (has_sdp)
    msg.sdp = read_sdp (obj, type);
  else
    msg.ice = read_ice (obj, type);
  return msg;
}

std::vector<PeerEntry>
read_peer_list (JsonObject *obj, const char *name, const std::string &type)
{
  JsonNode *node = member_or_null (obj, name);
  if (!node)
    fail (type, std::string ("missing field '") + name + "'");
  if (!JSON_NODE_HOLDS_ARRAY (node))
    fail (type, std::string ("field '") + name + "' must be an array");

  std::vector<PeerEntry> entries;
  JsonArray *array = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (array); i++) {
    JsonNode *item = json_array_get_element (array, i);
    if (!JSON_NODE_HOLDS_OBJECT (item))
      fail (type, std::string ("entries of '") + name + "' must be objects");
    JsonObject *entry_obj = json_node_get_object (item);
    PeerEntry entry;
    entry.id = required_string (entry_obj, "id", type);
    entry.meta = read_meta (entry_obj, type);
    entries.push_back (std::move (entry));
  }
  return entries;
}

StatsJson
read_stats (JsonObject *obj, const std::string &type)
{
  return stats_text (required_object (obj, "stats", type), type);
}

/* Parses @text into an object and returns its root node (owned by @parser)
 * plus the value of "type". */
JsonObject *
parse_envelope (JsonParser *parser, const std::string &text, size_t max_bytes,
    std::string *type)
{
  JsonLimits limits;
  limits.max_bytes = max_bytes;
  std::string limit_error;
  if (!json_within_limits (text, limits, &limit_error))
    throw ParseError { limit_error };
  GError *error = nullptr;
  if (!json_parser_load_from_data (parser, text.data (), (gssize) text.size (), &error)) {
    std::string message = std::string ("invalid JSON: ") + error->message;
    g_error_free (error);
    throw ParseError { message };
  }
  JsonNode *root = json_parser_get_root (parser);
  if (!root || !JSON_NODE_HOLDS_OBJECT (root))
    throw ParseError { "message must be a JSON object" };

  JsonObject *obj = json_node_get_object (root);
  JsonNode *type_node = member_or_null (obj, "type");
  if (!type_node)
    throw ParseError { "message has no 'type' field" };
  if (!holds_string (type_node))
    throw ParseError { "field 'type' must be a string" };
  *type = json_node_get_string (type_node);
  return obj;
}

ClientMessage
read_client_message (JsonObject *obj, const std::string &type)
{
  if (type == "setPeerStatus") {
    SetPeerStatus msg;
    msg.roles = read_roles (obj, type, true);
    msg.meta = read_meta (obj, type);
    optional_string (obj, "peerId", type); /* ignored, but must be a string if given */
    return msg;
  }
  if (type == "startSession") {
    StartSessionRequest msg;
    msg.peer_id = required_string (obj, "peerId", type);
    msg.offer = optional_string (obj, "offer", type);
    return msg;
  }
  if (type == "peer")
    return read_peer (obj);
  if (type == "endSession")
    return EndSession { required_string (obj, "sessionId", type) };
  if (type == "list")
    return ListRequest {};
  if (type == "listConsumers")
    return ListConsumersRequest {};
  if (type == "setProtocolVersion")
    return SetProtocolVersion { required_string (obj, "version", type) };
  if (type == "stats") {
    StatsReport msg;
    msg.session_id = optional_string (obj, "sessionId", type);
    msg.stats = read_stats (obj, type);
    return msg;
  }
  if (type == "subscribeStats") {
    SubscribeStats msg;
    if (JsonNode *node = json_object_get_member (obj, "addresses")) {
      if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_BOOLEAN)
        fail (type, "'addresses' must be true or false");
      msg.addresses = json_node_get_boolean (node);
    }
    return msg;
  }
  if (type == "unsubscribeStats")
    return UnsubscribeStats {};
  throw ParseError { "unknown message type '" + type + "'" };
}

ServerMessage
read_server_message (JsonObject *obj, const std::string &type)
{
  if (type == "welcome") {
    auto id = optional_string (obj, "peerId", type);
    if (!id)
      id = optional_string (obj, "peer_id", type);
    if (!id)
      fail (type, "missing field 'peerId'");
    return Welcome { *id };
  }
  if (type == "peerStatusChanged") {
    PeerStatusChanged msg;
    msg.roles = read_roles (obj, type, true);
    msg.meta = read_meta (obj, type);
    msg.peer_id = required_string (obj, "peerId", type);
    return msg;
  }
  if (type == "startSession") {
    StartSessionNotice msg;
    msg.peer_id = required_string (obj, "peerId", type);
    msg.session_id = required_string (obj, "sessionId", type);
    msg.offer = optional_string (obj, "offer", type);
    return msg;
  }
  if (type == "sessionStarted") {
    SessionStarted msg;
    msg.peer_id = required_string (obj, "peerId", type);
    msg.session_id = required_string (obj, "sessionId", type);
    return msg;
  }
  if (type == "peer")
    return read_peer (obj);
  if (type == "endSession")
    return EndSession { required_string (obj, "sessionId", type) };
  if (type == "list")
    return ListReply { read_peer_list (obj, "producers", type) };
  if (type == "listConsumers")
    return ListConsumersReply { read_peer_list (obj, "consumers", type) };
  if (type == "error") {
    auto details = optional_string (obj, "details", type);
    return ErrorMessage { details.value_or ("") };
  }
  if (type == "stats") {
    StatsUpdate msg;
    msg.peer_id = required_string (obj, "peerId", type);
    msg.session_id = optional_string (obj, "sessionId", type);
    msg.stats = read_stats (obj, type);
    return msg;
  }
  if (type == "sessionEnded")
    return SessionEnded { required_string (obj, "sessionId", type) };
  throw ParseError { "unknown message type '" + type + "'" };
}

template <typename Message, typename Reader>
std::optional<Message>
parse_with (const std::string &text, std::string *error, size_t max_bytes, Reader reader)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  try {
    std::string type;
    JsonObject *obj = parse_envelope (parser, text, max_bytes, &type);
    return reader (obj, type);
  } catch (const ParseError &e) {
    if (error)
      *error = e.text;
    return std::nullopt;
  }
}

} // namespace

std::optional<ClientMessage>
parse_client_message (const std::string &text, std::string *error, size_t max_bytes)
{
  return parse_with<ClientMessage> (text, error, max_bytes, read_client_message);
}

std::optional<ServerMessage>
parse_server_message (const std::string &text, std::string *error, size_t max_bytes)
{
  return parse_with<ServerMessage> (text, error, max_bytes, read_server_message);
}

} // namespace gstsig::protocol
