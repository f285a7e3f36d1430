/* gst-webrtcsignal: the JSON text of the signalling protocol: meta and
 * stats normalised to compact text, and the helpers that the reading and
 * the writing of messages share (see protocol-json.h).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "protocol-json.h"

#include "json-limits.h"

#include <cmath>
#include <cstdio>

namespace gstsig::protocol {

namespace detail {

[[noreturn]] void
fail (const std::string &type, const std::string &text)
{
  throw ParseError { type + ": " + text };
}

/* Compact JSON text of one string value, quoted and escaped. */
std::string
string_text (const std::string &value)
{
  g_autoptr (JsonNode) node = json_node_new (JSON_NODE_VALUE);
  json_node_set_string (node, value.c_str ());
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  json_generator_set_root (gen, node);
  g_autofree gchar *text = json_generator_to_data (gen, nullptr);
  return text;
}

namespace {

/* The shortest text that reads back as exactly @value (json-glib would
 * write 0.1 as 0.10000000000000001). */
std::string
double_text (double value)
{
  if (value == 0)
    return "0"; /* -0 too, which json-glib would read back as the integer 0 */
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

/* The text of a string, number or boolean; "" for anything else. A number
 * json-glib read as infinite (1e999) has no JSON text: "" too. */
std::string
value_text (JsonNode *node)
{
  GType type = JSON_NODE_HOLDS_VALUE (node) ? json_node_get_value_type (node) : G_TYPE_INVALID;
  if (type == G_TYPE_STRING)
    return string_text (json_node_get_string (node));
  if (type == G_TYPE_INT64)
    return std::to_string ((long long) json_node_get_int (node));
  if (type == G_TYPE_DOUBLE && std::isfinite (json_node_get_double (node)))
    return double_text (json_node_get_double (node));
  if (type == G_TYPE_BOOLEAN)
    return json_node_get_boolean (node) ? "true" : "false";
  return "";
}

void
append_node (std::string &out, JsonNode *node)
{
  if (JSON_NODE_HOLDS_OBJECT (node)) {
    JsonObject *obj = json_node_get_object (node);
    GList *members = json_object_get_members (obj);
    out += '{';
    for (GList *l = members; l; l = l->next) {
      auto name = static_cast<const char *> (l->data);
      if (l != members)
        out += ',';
      out += string_text (name) + ':';
      append_node (out, json_object_get_member (obj, name));
    }
    out += '}';
    g_list_free (members);
  } else if (JSON_NODE_HOLDS_ARRAY (node)) {
    JsonArray *array = json_node_get_array (node);
    out += '[';
    for (guint i = 0; i < json_array_get_length (array); i++) {
      if (i > 0)
        out += ',';
      append_node (out, json_array_get_element (array, i));
    }
    out += ']';
  } else {
    std::string value = value_text (node);
    out += value.empty () ? "null" : value;
  }
}

} // namespace

/* Compact JSON text of a node. Our own writer: json-glib 1.6 writes 1e26
 * as "1e+26.0" and 1e999 as "inf.0", which nobody reads back (one peer's
 * meta made every list reply unreadable). Numbers are written in their
 * shortest exact form, infinite ones as null. Recursion is bounded by the
 * JsonLimits every parse checks first. */
std::string
node_to_text (JsonNode *node)
{
  std::string out;
  append_node (out, node);
  return out;
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
      std::string value = value_text (json_object_get_member (obj, name));
      if (value.empty ())
        fail (context,
            std::string ("member '") + name +
                "' of 'stats' must be a string, a finite number or a boolean");
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

} // namespace detail

using detail::node_to_text;
using detail::ParseError;
using detail::stats_text;

std::optional<MetaJson>
normalize_meta (const std::string &text)
{
  if (!json_within_limits (text, detail::meta_limits ()))
    return std::nullopt;
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
  std::string limit_error;
  if (!json_within_limits (text, JsonLimits (), &limit_error)) {
    if (error)
      *error = "stats: " + limit_error;
    return std::nullopt;
  }
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
