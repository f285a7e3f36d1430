/* gst-webrtcsignal: the JSON text of the signalling protocol: meta and
 * stats normalised to compact text, and the helpers that the reading and
 * the writing of messages share (see protocol-json.h).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "protocol-json.h"

#include "json-limits.h"

#include <cstdio>

namespace gstsig::protocol {

namespace detail {

[[noreturn]] void
fail (const std::string &type, const std::string &text)
{
  throw ParseError { type + ": " + text };
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

/* Compact JSON text of one string value, quoted and escaped. */
std::string
string_text (const std::string &value)
{
  g_autoptr (JsonNode) node = json_node_new (JSON_NODE_VALUE);
  json_node_set_string (node, value.c_str ());
  return node_to_text (node);
}

namespace {

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

} // namespace

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
