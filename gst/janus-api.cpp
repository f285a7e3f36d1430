/* gst-webrtcsignal: the Janus API's messages, written and read with
 * json-glib (see janus-api.h).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "janus-api.h"

#include "json-limits.h"

#include <json-glib/json-glib.h>

#include <cstring>
#include <functional>

namespace gstsig::janus {

namespace {

/* Thrown by the readers below, caught in parse_message. */
struct ReadError {
  std::string text;
};

/* ---- writing ---- */

using Fields = std::function<void (JsonBuilder *)>;

std::string
object_text (const Fields &fields)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  json_builder_begin_object (builder);
  fields (builder);
  json_builder_end_object (builder);
  g_autoptr (JsonNode) root = json_builder_get_root (builder);
  g_autofree gchar *text = json_to_string (root, FALSE);
  return text;
}

void
add_string (JsonBuilder *b, const char *name, const std::string &value)
{
  json_builder_set_member_name (b, name);
  json_builder_add_string_value (b, value.c_str ());
}

void
add_uint (JsonBuilder *b, const char *name, guint64 value)
{
  json_builder_set_member_name (b, name);
  json_builder_add_int_value (b, (gint64) value);
}

void
add_id (JsonBuilder *b, const char *name, const Id &id)
{
  json_builder_set_member_name (b, name);
  if (id.is_string)
    json_builder_add_string_value (b, id.text.c_str ());
  else
    json_builder_add_int_value (b, g_ascii_strtoll (id.text.c_str (), nullptr, 10));
}

/* An optional string: left out when empty. */
void
add_nonempty (JsonBuilder *b, const char *name, const std::string &value)
{
  if (!value.empty ())
    add_string (b, name, value);
}

std::string
request (const char *janus, const RequestBase &base, const Fields &more)
{
  return object_text ([&] (JsonBuilder *b) {
    add_string (b, "janus", janus);
    add_string (b, "transaction", base.transaction);
    add_nonempty (b, "token", base.token);
    add_nonempty (b, "apisecret", base.api_secret);
    if (more)
      more (b);
  });
}

/* ---- reading ---- */

JsonNode *
member_or_null (JsonObject *obj, const char *name)
{
  JsonNode *node = json_object_get_member (obj, name);
  if (!node || JSON_NODE_HOLDS_NULL (node))
    return nullptr;
  return node;
}

bool
holds (JsonNode *node, GType type)
{
  return node && JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == type;
}

std::string
read_string (JsonObject *obj, const char *name, size_t max_bytes = 4096)
{
  JsonNode *node = member_or_null (obj, name);
  if (!node)
    return "";
  if (!holds (node, G_TYPE_STRING))
    throw ReadError { std::string ("field '") + name + "' must be a string" };
  std::string value = json_node_get_string (node);
  if (value.size () > max_bytes)
    throw ReadError { std::string ("field '") + name + "' is longer than " +
        std::to_string (max_bytes) + " bytes" };
  return value;
}

guint64
read_uint (JsonObject *obj, const char *name)
{
  JsonNode *node = member_or_null (obj, name);
  if (!node)
    return 0;
  if (!holds (node, G_TYPE_INT64) || json_node_get_int (node) < 0)
    throw ReadError { std::string ("field '") + name + "' must be a positive integer" };
  return (guint64) json_node_get_int (node);
}

int
read_int (JsonObject *obj, const char *name)
{
  JsonNode *node = member_or_null (obj, name);
  if (!node)
    return 0;
  if (!holds (node, G_TYPE_INT64) || json_node_get_int (node) < G_MININT
      || json_node_get_int (node) > G_MAXINT)
    throw ReadError { std::string ("field '") + name + "' must be an integer" };
  return (int) json_node_get_int (node);
}

Id
read_id (JsonObject *obj, const char *name)
{
  JsonNode *node = member_or_null (obj, name);
  if (!node)
    return Id ();
  if (holds (node, G_TYPE_INT64)) {
    if (json_node_get_int (node) < 0)
      throw ReadError { std::string ("field '") + name + "' must not be negative" };
    return Id { std::to_string (json_node_get_int (node)), false };
  }
  if (holds (node, G_TYPE_STRING))
    return Id { read_string (obj, name, 256), true };
  throw ReadError { std::string ("field '") + name + "' must be a number or a string" };
}

JsonObject *
read_object (JsonObject *obj, const char *name)
{
  JsonNode *node = member_or_null (obj, name);
  if (!node)
    return nullptr;
  if (!JSON_NODE_HOLDS_OBJECT (node))
    throw ReadError { std::string ("field '") + name + "' must be an object" };
  return json_node_get_object (node);
}

/* [{"id":..,"display":..}, ...]; entries with "publisher": false are left
 * out (listparticipants lists everyone). */
std::vector<Publisher>
read_publishers (JsonObject *obj, const char *name)
{
  std::vector<Publisher> out;
  JsonNode *node = member_or_null (obj, name);
  if (!node)
    return out;
  if (!JSON_NODE_HOLDS_ARRAY (node))
    throw ReadError { std::string ("field '") + name + "' must be an array" };
  JsonArray *array = json_node_get_array (node);
  guint n = json_array_get_length (array);
  if (n > MAX_PUBLISHERS)
    throw ReadError { std::string ("field '") + name + "' lists more than " +
        std::to_string (MAX_PUBLISHERS) + " participants" };
  for (guint i = 0; i < n; i++) {
    JsonNode *item = json_array_get_element (array, i);
    if (!JSON_NODE_HOLDS_OBJECT (item))
      throw ReadError { std::string ("field '") + name + "' must hold objects" };
    JsonObject *entry = json_node_get_object (item);
    JsonNode *publisher = member_or_null (entry, "publisher");
    if (publisher && (!holds (publisher, G_TYPE_BOOLEAN) || !json_node_get_boolean (publisher)))
      continue;
    Publisher p { read_id (entry, "id"), read_string (entry, "display") };
    if (p.id.empty ())
      throw ReadError { std::string ("an entry of '") + name + "' has no 'id'" };
    out.push_back (std::move (p));
  }
  return out;
}

RoomData
read_room_data (JsonObject *data)
{
  RoomData room;
  room.videoroom = read_string (data, "videoroom");
  room.room = read_id (data, "room");
  room.id = read_id (data, "id");
  room.private_id = read_id (data, "private_id");
  room.publishers = read_publishers (data, "publishers");
  room.participants = read_publishers (data, "participants");
  room.unpublished = read_id (data, "unpublished");
  room.leaving = read_id (data, "leaving");
  JsonNode *exists = member_or_null (data, "exists");
  if (exists) {
    if (!holds (exists, G_TYPE_BOOLEAN))
      throw ReadError { "field 'exists' must be a boolean" };
    room.exists = json_node_get_boolean (exists);
  }
  room.configured = read_string (data, "configured");
  room.started = read_string (data, "started");
  room.error_code = read_int (data, "error_code");
  room.error = read_string (data, "error");
  return room;
}

std::optional<Jsep>
read_jsep (JsonObject *obj)
{
  JsonObject *jsep = read_object (obj, "jsep");
  if (!jsep)
    return std::nullopt;
  Jsep out { read_string (jsep, "type"), read_string (jsep, "sdp", MAX_SDP_BYTES) };
  if (out.type != "offer" && out.type != "answer")
    throw ReadError { "jsep: 'type' must be \"offer\" or \"answer\"" };
  if (out.sdp.empty ())
    throw ReadError { "jsep: no 'sdp'" };
  return out;
}

} // namespace

Id
id_from_text (const std::string &text)
{
  bool digits = !text.empty () && text.size () <= 19;
  for (char c : text)
    digits = digits && g_ascii_isdigit (c);
  return Id { text, !digits };
}

namespace {

/* Janus names a missing pin or secret only in its text: "Missing
 * mandatory element (pin)". */
bool
missing_pin_or_secret (int code, const std::string &text)
{
  return code == ROOM_MISSING_ELEMENT
      && (text.find ("(pin)") != std::string::npos || text.find ("(secret)") != std::string::npos);
}

} // namespace

ErrorKind
error_kind (int code, const std::string &janus_text)
{
  if (missing_pin_or_secret (code, janus_text))
    return ErrorKind::NotAuthorized;
  switch (code) {
    case ROOM_NO_SUCH_ROOM:
    case ROOM_NO_SUCH_FEED:
    case ERR_PLUGIN_NOT_FOUND:
      return ErrorKind::NotFound;
    case ERR_UNAUTHORIZED:
    case ERR_UNAUTHORIZED_PLUGIN:
    case ROOM_UNAUTHORIZED:
      return ErrorKind::NotAuthorized;
    case ROOM_PUBLISHERS_FULL:
      return ErrorKind::Busy;
    default:
      return ErrorKind::Failed;
  }
}

std::string
error_advice (int code, const std::string &janus_text)
{
  if (missing_pin_or_secret (code, janus_text))
    code = ROOM_UNAUTHORIZED;
  switch (code) {
    case ROOM_NO_SUCH_ROOM:
      return "Check ?room= in the URI, create the room in Janus' janus.plugin.videoroom.jcfg, "
             "or add &create=1 to let us create it.";
    case ROOM_NO_SUCH_FEED:
      return "No publisher with that ID is in the room: check ?feed= (or use ?display=NAME).";
    case ERR_PLUGIN_NOT_FOUND:
      return "Janus has no VideoRoom plugin loaded (janus.plugin.videoroom): enable it in "
             "janus.jcfg.";
    case ERR_UNAUTHORIZED:
    case ERR_UNAUTHORIZED_PLUGIN:
      return "Janus wants a token or API secret: set signaller::auth-token (or ?token= in the "
             "URI) or signaller::api-secret.";
    case ROOM_UNAUTHORIZED:
      return "The room wants a pin (to join) or a secret (to create or change it): set "
             "signaller::pin / signaller::secret, or ?pin= / ?secret= in the URI.";
    case ROOM_PUBLISHERS_FULL:
      return "The room has as many publishers as it allows: raise 'publishers' in the room's "
             "settings or publish to another room.";
    case ROOM_ALREADY_PUBLISHED:
      return "This participant publishes already.";
    case ROOM_INVALID_SDP:
      return "Janus could not use our offer: check the room's videocodec/audiocodec against the "
             "codecs the element sends.";
    default:
      return "";
  }
}

bool
parse_room_uri (const std::string &uri, RoomAddress *out, std::string *error)
{
  std::string rest;
  if (g_str_has_prefix (uri.c_str (), "janus+ws://") || g_str_has_prefix (uri.c_str (),
          "janus+wss://")) {
    rest = uri.substr (strlen ("janus+"));
  } else {
    *error = "'" + uri + "' is not a Janus URI; expected janus+ws://HOST:PORT/?room=ID or "
        "janus+wss://...";
    return false;
  }
  g_autoptr (GUri) parsed = g_uri_parse (rest.c_str (), G_URI_FLAGS_ENCODED_QUERY, nullptr);
  if (!parsed || !g_uri_get_host (parsed) || !*g_uri_get_host (parsed)) {
    *error = "'" + uri + "' is not a valid URI; expected janus+ws://HOST:PORT/?room=ID";
    return false;
  }
  RoomAddress a;
  g_autoptr (GUri) bare = g_uri_build (G_URI_FLAGS_NONE, g_uri_get_scheme (parsed), nullptr,
      g_uri_get_host (parsed), g_uri_get_port (parsed), g_uri_get_path (parsed), nullptr,
      nullptr);
  g_autofree gchar *bare_text = g_uri_to_string (bare);
  a.ws_uri = bare_text;
  const char *query = g_uri_get_query (parsed);
  g_autoptr (GHashTable) params = query ? g_uri_parse_params (query, -1, "&",
      G_URI_PARAMS_NONE, nullptr) : nullptr;
  if (query && !params) {
    *error = "the query of '" + uri + "' is not valid (NAME=VALUE&...)";
    return false;
  }
  auto param = [&] (const char *name) -> std::string {
    const char *value = params ? (const char *) g_hash_table_lookup (params, name) : nullptr;
    return value ? value : "";
  };
  a.room = id_from_text (param ("room"));
  if (a.room.empty ()) {
    *error = "'" + uri + "' names no room; add ?room=ID (the VideoRoom's number)";
    return false;
  }
  a.display = param ("display");
  a.feed = id_from_text (param ("feed"));
  std::string create = param ("create");
  a.create = create == "1" || create == "true" || create == "yes";
  a.pin = param ("pin");
  a.secret = param ("secret");
  a.token = param ("token");
  std::string shown = a.ws_uri + "?room=" + a.room.text;
  if (!a.display.empty ())
    shown += "&display=" + a.display;
  if (!a.feed.empty ())
    shown += "&feed=" + a.feed.text;
  a.shown_uri = "janus+" + shown;
  *out = std::move (a);
  return true;
}

std::string
create_session (const RequestBase &base)
{
  return request ("create", base, nullptr);
}

std::string
attach (const RequestBase &base, guint64 session_id, const std::string &plugin)
{
  return request ("attach", base, [&] (JsonBuilder *b) {
    add_uint (b, "session_id", session_id);
    add_string (b, "plugin", plugin);
  });
}

std::string
keepalive (const RequestBase &base, guint64 session_id)
{
  return request ("keepalive", base, [&] (JsonBuilder *b) {
    add_uint (b, "session_id", session_id);
  });
}

std::string
detach (const RequestBase &base, guint64 session_id, guint64 handle_id)
{
  return request ("detach", base, [&] (JsonBuilder *b) {
    add_uint (b, "session_id", session_id);
    add_uint (b, "handle_id", handle_id);
  });
}

std::string
destroy_session (const RequestBase &base, guint64 session_id)
{
  return request ("destroy", base, [&] (JsonBuilder *b) {
    add_uint (b, "session_id", session_id);
  });
}

std::string
trickle (const RequestBase &base, guint64 session_id, guint64 handle_id,
    const std::string &candidate, guint mline_index, const std::string &mid)
{
  return request ("trickle", base, [&] (JsonBuilder *b) {
    add_uint (b, "session_id", session_id);
    add_uint (b, "handle_id", handle_id);
    json_builder_set_member_name (b, "candidate");
    json_builder_begin_object (b);
    if (candidate.empty ()) {
      json_builder_set_member_name (b, "completed");
      json_builder_add_boolean_value (b, TRUE);
    } else {
      add_string (b, "candidate", candidate);
      add_uint (b, "sdpMLineIndex", mline_index);
      add_nonempty (b, "sdpMid", mid);
    }
    json_builder_end_object (b);
  });
}

std::string
plugin_message (const RequestBase &base, guint64 session_id, guint64 handle_id,
    const std::string &body, const std::optional<Jsep> &jsep)
{
  g_autoptr (JsonNode) body_node = json_from_string (body.c_str (), nullptr);
  return request ("message", base, [&] (JsonBuilder *b) {
    add_uint (b, "session_id", session_id);
    add_uint (b, "handle_id", handle_id);
    json_builder_set_member_name (b, "body");
    json_builder_add_value (b, body_node ? json_node_copy (body_node)
                                         : json_node_init_object (json_node_alloc (),
                                               json_object_new ()));
    if (jsep) {
      json_builder_set_member_name (b, "jsep");
      json_builder_begin_object (b);
      add_string (b, "type", jsep->type);
      add_string (b, "sdp", jsep->sdp);
      json_builder_end_object (b);
    }
  });
}

std::string
room_exists (const Id &room)
{
  return object_text ([&] (JsonBuilder *b) {
    add_string (b, "request", "exists");
    add_id (b, "room", room);
  });
}

std::string
room_create (const RoomSettings &s)
{
  return object_text ([&] (JsonBuilder *b) {
    add_string (b, "request", "create");
    add_id (b, "room", s.room);
    add_nonempty (b, "description", s.description);
    add_nonempty (b, "secret", s.secret);
    add_nonempty (b, "pin", s.pin);
    add_uint (b, "publishers", s.publishers);
    add_nonempty (b, "videocodec", s.video_codecs);
    add_nonempty (b, "audiocodec", s.audio_codecs);
  });
}

std::string
join_publisher (const Id &room, const std::string &display, const std::string &pin)
{
  return object_text ([&] (JsonBuilder *b) {
    add_string (b, "request", "join");
    add_string (b, "ptype", "publisher");
    add_id (b, "room", room);
    add_nonempty (b, "display", display);
    add_nonempty (b, "pin", pin);
  });
}

std::string
publish (const std::string &display)
{
  return object_text ([&] (JsonBuilder *b) {
    add_string (b, "request", "publish");
    add_nonempty (b, "display", display);
  });
}

std::string
unpublish ()
{
  return object_text ([&] (JsonBuilder *b) { add_string (b, "request", "unpublish"); });
}

std::string
leave ()
{
  return object_text ([&] (JsonBuilder *b) { add_string (b, "request", "leave"); });
}

std::string
join_subscriber (const Id &room, const Id &feed, const std::string &pin, const Id &private_id)
{
  return object_text ([&] (JsonBuilder *b) {
    add_string (b, "request", "join");
    add_string (b, "ptype", "subscriber");
    add_id (b, "room", room);
    json_builder_set_member_name (b, "streams");
    json_builder_begin_array (b);
    json_builder_begin_object (b);
    add_id (b, "feed", feed);
    json_builder_end_object (b);
    json_builder_end_array (b);
    add_nonempty (b, "pin", pin);
    if (!private_id.empty ())
      add_id (b, "private_id", private_id);
  });
}

std::string
start_subscription ()
{
  return object_text ([&] (JsonBuilder *b) { add_string (b, "request", "start"); });
}

std::string
list_participants (const Id &room)
{
  return object_text ([&] (JsonBuilder *b) {
    add_string (b, "request", "listparticipants");
    add_id (b, "room", room);
  });
}

bool
parse_message (const std::string &text, Message *out, std::string *error)
{
  JsonLimits limits;
  limits.max_bytes = MAX_MESSAGE_BYTES;
  if (!json_within_limits (text, limits, error))
    return false;
  g_autoptr (JsonParser) parser = json_parser_new ();
  GError *parse_error = nullptr;
  if (!json_parser_load_from_data (parser, text.data (), (gssize) text.size (), &parse_error)) {
    *error = std::string ("invalid JSON: ") + parse_error->message;
    g_error_free (parse_error);
    return false;
  }
  JsonNode *root = json_parser_get_root (parser);
  if (!root || !JSON_NODE_HOLDS_OBJECT (root)) {
    *error = "a Janus message must be a JSON object";
    return false;
  }
  JsonObject *obj = json_node_get_object (root);
  try {
    Message msg;
    msg.janus = read_string (obj, "janus");
    if (msg.janus.empty ())
      throw ReadError { "no 'janus' field" };
    msg.transaction = read_string (obj, "transaction", 256);
    msg.session_id = read_uint (obj, "session_id");
    msg.sender = read_uint (obj, "sender");
    if (JsonObject *data = read_object (obj, "data"))
      msg.data_id = read_uint (data, "id");
    if (JsonObject *err = read_object (obj, "error")) {
      msg.error_code = read_int (err, "code");
      msg.error_reason = read_string (err, "reason");
    }
    msg.reason = read_string (obj, "reason");
    if (JsonObject *plugindata = read_object (obj, "plugindata")) {
      msg.plugin = read_string (plugindata, "plugin");
      JsonObject *data = read_object (plugindata, "data");
      if (data && msg.plugin == VIDEOROOM)
        msg.room = read_room_data (data);
    }
    msg.jsep = read_jsep (obj);
    *out = std::move (msg);
    return true;
  } catch (const ReadError &e) {
    *error = e.text;
    return false;
  }
}

} // namespace gstsig::janus
