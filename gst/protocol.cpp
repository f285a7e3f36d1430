/* gst-webrtcsignal: the messages of the WebSocket signalling protocol,
 * parsed and written with json-glib (see protocol.h and shared/PROTOCOL.md).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "protocol.h"

#include <json-glib/json-glib.h>

#include <cmath>
#include <cstdio>

namespace gstsig::protocol {

namespace {

/* ------------------------------------------------------------------ */
/* Reading                                                            */
/* ------------------------------------------------------------------ */

/* Thrown by the field readers below and caught in the parse_* entry points,
 * never across a GLib callback. */
struct ParseError {
  std::string text;
};

[[noreturn]] void
fail (const std::string &type, const std::string &text)
{
  throw ParseError { type + ": " + text };
}

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

/* Compact JSON text of a node (an object or null). */
std::string
node_to_text (JsonNode *node)
{
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  json_generator_set_root (gen, node);
  g_autofree gchar *text = json_generator_to_data (gen, nullptr);
  return text;
}

MetaJson
read_meta (JsonObject *obj, const std::string &type)
{
  JsonNode *node = member_or_null (obj, "meta");
  if (!node)
    return "null";
  if (!JSON_NODE_HOLDS_OBJECT (node))
    fail (type, "field 'meta' must be an object or null");
  return node_to_text (node);
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

/* Compact JSON text of one string value, quoted and escaped. */
std::string
string_text (const std::string &value)
{
  g_autoptr (JsonNode) node = json_node_new (JSON_NODE_VALUE);
  json_node_set_string (node, value.c_str ());
  return node_to_text (node);
}

/* The shortest text that reads back as exactly @value (json-glib would
 * write 0.1 as 0.10000000000000001). */
std::string
double_text (double value)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  for (int digits = 15; digits <= 17; digits++) {
    char format[8];
    std::snprintf (format, sizeof format, "%%.%dg", digits);
    g_ascii_formatd (buf, sizeof buf, format, value);
    if (g_ascii_strtod (buf, nullptr) == value)
      break;
  }
  return buf;
}

/* StatsJson text of a flat object; @context names the message in errors. */
StatsJson
stats_text (JsonObject *obj, const std::string &context)
{
  std::string text = "{";
  GList *members = json_object_get_members (obj);
  try {
    for (GList *l = members; l; l = l->next) {
      auto name = static_cast<const char *> (l->data);
      JsonNode *node = json_object_get_member (obj, name);
      GType value_type = JSON_NODE_HOLDS_VALUE (node) ? json_node_get_value_type (node)
                                                      : G_TYPE_INVALID;
      std::string value;
      if (value_type == G_TYPE_STRING)
        value = string_text (json_node_get_string (node));
      else if (value_type == G_TYPE_INT64)
        value = std::to_string ((long long) json_node_get_int (node));
      else if (value_type == G_TYPE_DOUBLE)
        value = double_text (json_node_get_double (node));
      else if (value_type == G_TYPE_BOOLEAN)
        value = json_node_get_boolean (node) ? "true" : "false";
      else
        fail (context, std::string ("member '") + name
                + "' of 'stats' must be a string, number or boolean");
      if (l != members)
        text += ",";
      text += string_text (name) + ":" + value;
    }
  } catch (...) {
    g_list_free (members);
    throw;
  }
  g_list_free (members);
  return text + "}";
}

StatsJson
read_stats (JsonObject *obj, const std::string &type)
{
  return stats_text (required_object (obj, "stats", type), type);
}

/* Parses @text into an object and returns its root node (owned by @parser)
 * plus the value of "type". */
JsonObject *
parse_envelope (JsonParser *parser, const std::string &text, std::string *type)
{
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
  if (type == "subscribeStats")
    return SubscribeStats {};
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

/* ------------------------------------------------------------------ */
/* Writing                                                            */
/* ------------------------------------------------------------------ */

/* Builds one object; members are written in the order they are added. */
class Writer {
public:
  explicit Writer (const char *type) : builder_ (json_builder_new ())
  {
    json_builder_begin_object (builder_);
    string ("type", type);
  }
  ~Writer () { g_object_unref (builder_); }
  Writer (const Writer &) = delete;
  Writer &operator= (const Writer &) = delete;

  JsonBuilder *builder () { return builder_; }

  void string (const char *name, const std::string &value)
  {
    json_builder_set_member_name (builder_, name);
    json_builder_add_string_value (builder_, value.c_str ());
  }

  void optional_string (const char *name, const std::optional<std::string> &value)
  {
    json_builder_set_member_name (builder_, name);
    if (value)
      json_builder_add_string_value (builder_, value->c_str ());
    else
      json_builder_add_null_value (builder_);
  }

  void meta (const char *name, const MetaJson &meta)
  {
    json_builder_set_member_name (builder_, name);
    add_meta_value (meta);
  }

  void add_meta_value (const MetaJson &meta)
  {
    g_autoptr (JsonParser) parser = json_parser_new ();
    JsonNode *root = nullptr;
    if (json_parser_load_from_data (parser, meta.data (), (gssize) meta.size (), nullptr))
      root = json_parser_get_root (parser);
    if (root && JSON_NODE_HOLDS_OBJECT (root))
      json_builder_add_value (builder_, json_node_copy (root));
    else
      json_builder_add_null_value (builder_);
  }

  void roles (const Roles &roles)
  {
    json_builder_set_member_name (builder_, "roles");
    json_builder_begin_array (builder_);
    if (roles.producer)
      json_builder_add_string_value (builder_, "producer");
    if (roles.listener)
      json_builder_add_string_value (builder_, "listener");
    if (roles.consumer)
      json_builder_add_string_value (builder_, "consumer");
    json_builder_end_array (builder_);
  }

  void peer_list (const char *name, const std::vector<PeerEntry> &entries)
  {
    json_builder_set_member_name (builder_, name);
    json_builder_begin_array (builder_);
    for (const auto &entry : entries) {
      json_builder_begin_object (builder_);
      string ("id", entry.id);
      meta ("meta", entry.meta);
      json_builder_end_object (builder_);
    }
    json_builder_end_array (builder_);
  }

  std::string finish ()
  {
    json_builder_end_object (builder_);
    JsonNode *root = json_builder_get_root (builder_);
    std::string text = node_to_text (root);
    json_node_unref (root);
    return text;
  }

private:
  JsonBuilder *builder_;
};

std::string
write_peer (const PeerMessage &msg)
{
  Writer w ("peer");
  w.string ("sessionId", msg.session_id);
  JsonBuilder *b = w.builder ();
  if (msg.sdp) {
    json_builder_set_member_name (b, "sdp");
    json_builder_begin_object (b);
    w.string ("type", msg.sdp->type);
    w.string ("sdp", msg.sdp->sdp);
    json_builder_end_object (b);
  } else if (msg.ice) {
    json_builder_set_member_name (b, "ice");
    json_builder_begin_object (b);
    w.string ("candidate", msg.ice->candidate);
    json_builder_set_member_name (b, "sdpMLineIndex");
    json_builder_add_int_value (b, msg.ice->sdp_m_line_index);
    json_builder_end_object (b); /* sdpMid is never written */
  }
  return w.finish ();
}

std::string
write_end_session (const EndSession &msg)
{
  Writer w ("endSession");
  w.string ("sessionId", msg.session_id);
  return w.finish ();
}

/* The stats messages are written by hand: json-glib would lengthen their
 * numbers. Text that is not a flat object is written as {}. */
std::string
optional_string_text (const std::optional<std::string> &value)
{
  return value ? string_text (*value) : std::string ("null");
}

std::string
write_stats (const std::optional<std::string> &peer_id,
    const std::optional<std::string> &session_id, const StatsJson &stats)
{
  std::string text = "{\"type\":\"stats\"";
  if (peer_id)
    text += ",\"peerId\":" + string_text (*peer_id);
  auto normalized = normalize_stats (stats, nullptr);
  text += ",\"sessionId\":" + optional_string_text (session_id);
  text += ",\"stats\":" + normalized.value_or ("{}") + "}";
  return text;
}

/* One overload per alternative, used with std::visit. */
struct ClientWriter {
  std::string operator() (const SetPeerStatus &m)
  {
    Writer w ("setPeerStatus");
    w.roles (m.roles);
    w.meta ("meta", m.meta);
    return w.finish ();
  }
  std::string operator() (const StartSessionRequest &m)
  {
    Writer w ("startSession");
    w.string ("peerId", m.peer_id);
    w.optional_string ("offer", m.offer);
    return w.finish ();
  }
  std::string operator() (const PeerMessage &m) { return write_peer (m); }
  std::string operator() (const EndSession &m) { return write_end_session (m); }
  std::string operator() (const ListRequest &) { return Writer ("list").finish (); }
  std::string operator() (const ListConsumersRequest &)
  {
    return Writer ("listConsumers").finish ();
  }
  std::string operator() (const SetProtocolVersion &m)
  {
    Writer w ("setProtocolVersion");
    w.string ("version", m.version);
    return w.finish ();
  }
  std::string operator() (const StatsReport &m)
  {
    return write_stats (std::nullopt, m.session_id, m.stats);
  }
  std::string operator() (const SubscribeStats &) { return Writer ("subscribeStats").finish (); }
  std::string operator() (const UnsubscribeStats &)
  {
    return Writer ("unsubscribeStats").finish ();
  }
};

struct ServerWriter {
  std::string operator() (const Welcome &m)
  {
    Writer w ("welcome");
    w.string ("peerId", m.peer_id);
    return w.finish ();
  }
  std::string operator() (const PeerStatusChanged &m)
  {
    Writer w ("peerStatusChanged");
    w.roles (m.roles);
    w.meta ("meta", m.meta);
    w.string ("peerId", m.peer_id);
    return w.finish ();
  }
  std::string operator() (const StartSessionNotice &m)
  {
    Writer w ("startSession");
    w.string ("peerId", m.peer_id);
    w.string ("sessionId", m.session_id);
    w.optional_string ("offer", m.offer);
    return w.finish ();
  }
  std::string operator() (const SessionStarted &m)
  {
    Writer w ("sessionStarted");
    w.string ("peerId", m.peer_id);
    w.string ("sessionId", m.session_id);
    return w.finish ();
  }
  std::string operator() (const PeerMessage &m) { return write_peer (m); }
  std::string operator() (const EndSession &m) { return write_end_session (m); }
  std::string operator() (const ListReply &m)
  {
    Writer w ("list");
    w.peer_list ("producers", m.producers);
    return w.finish ();
  }
  std::string operator() (const ListConsumersReply &m)
  {
    Writer w ("listConsumers");
    w.peer_list ("consumers", m.consumers);
    return w.finish ();
  }
  std::string operator() (const ErrorMessage &m)
  {
    Writer w ("error");
    w.string ("details", m.details);
    return w.finish ();
  }
  std::string operator() (const StatsUpdate &m)
  {
    return write_stats (m.peer_id, m.session_id, m.stats);
  }
  std::string operator() (const SessionEnded &m)
  {
    Writer w ("sessionEnded");
    w.string ("sessionId", m.session_id);
    return w.finish ();
  }
};

template <typename Message, typename Reader>
std::optional<Message>
parse_with (const std::string &text, std::string *error, Reader reader)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  try {
    std::string type;
    JsonObject *obj = parse_envelope (parser, text, &type);
    return reader (obj, type);
  } catch (const ParseError &e) {
    if (error)
      *error = e.text;
    return std::nullopt;
  }
}

} // namespace

std::optional<ClientMessage>
parse_client_message (const std::string &text, std::string *error)
{
  return parse_with<ClientMessage> (text, error, read_client_message);
}

std::optional<ServerMessage>
parse_server_message (const std::string &text, std::string *error)
{
  return parse_with<ServerMessage> (text, error, read_server_message);
}

std::string
to_json (const ClientMessage &msg)
{
  return std::visit (ClientWriter {}, msg);
}

std::string
to_json (const ServerMessage &msg)
{
  return std::visit (ServerWriter {}, msg);
}

std::optional<MetaJson>
normalize_meta (const std::string &text)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  if (!json_parser_load_from_data (parser, text.data (), (gssize) text.size (), nullptr))
    return std::nullopt;
  JsonNode *root = json_parser_get_root (parser);
  if (!root)
    return std::nullopt;
  if (JSON_NODE_HOLDS_NULL (root))
    return MetaJson ("null");
  if (!JSON_NODE_HOLDS_OBJECT (root))
    return std::nullopt;
  return node_to_text (root);
}

std::optional<StatsJson>
normalize_stats (const std::string &text, std::string *error)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  GError *parse_error = nullptr;
  if (!json_parser_load_from_data (parser, text.data (), (gssize) text.size (), &parse_error)) {
    if (error)
      *error = std::string ("stats: invalid JSON: ") + parse_error->message;
    g_error_free (parse_error);
    return std::nullopt;
  }
  JsonNode *root = json_parser_get_root (parser);
  if (!root || !JSON_NODE_HOLDS_OBJECT (root)) {
    if (error)
      *error = "stats: must be a JSON object";
    return std::nullopt;
  }
  try {
    return stats_text (json_node_get_object (root), "stats");
  } catch (const ParseError &e) {
    if (error)
      *error = e.text;
    return std::nullopt;
  }
}

} // namespace gstsig::protocol
