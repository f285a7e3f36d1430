/* gst-webrtcsignal: the signalling protocol's messages written as compact
 * JSON text with json-glib, keys in the order shared/PROTOCOL.md gives (see
 * protocol.h).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "protocol-json.h"

namespace gstsig::protocol {

using detail::node_to_text;
using detail::string_text;

namespace {

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
    if (json_within_limits (meta, detail::meta_limits ()) &&
        json_parser_load_from_data (parser, meta.data (), (gssize) meta.size (), nullptr))
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
  std::string operator() (const SubscribeStats &m)
  {
    Writer w ("subscribeStats");
    if (m.addresses) {
      json_builder_set_member_name (w.builder (), "addresses");
      json_builder_add_boolean_value (w.builder (), TRUE);
    }
    return w.finish ();
  }
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

} // namespace

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

} // namespace gstsig::protocol
