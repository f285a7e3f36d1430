/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "meta.h"

#include "json-limits.h"

#include <json-glib/json-glib.h>

namespace gstsig {

namespace {

gboolean
add_member (GQuark field, const GValue *value, gpointer user_data)
{
  auto builder = static_cast<JsonBuilder *> (user_data);
  json_builder_set_member_name (builder, g_quark_to_string (field));
  switch (G_VALUE_TYPE (value)) {
    case G_TYPE_STRING:
      json_builder_add_string_value (builder, g_value_get_string (value));
      break;
    case G_TYPE_BOOLEAN:
      json_builder_add_boolean_value (builder, g_value_get_boolean (value));
      break;
    case G_TYPE_INT:
      json_builder_add_int_value (builder, g_value_get_int (value));
      break;
    case G_TYPE_UINT:
      json_builder_add_int_value (builder, g_value_get_uint (value));
      break;
    case G_TYPE_INT64:
      json_builder_add_int_value (builder, g_value_get_int64 (value));
      break;
    case G_TYPE_UINT64:
      json_builder_add_int_value (builder, (gint64) g_value_get_uint64 (value));
      break;
    case G_TYPE_DOUBLE:
      json_builder_add_double_value (builder, g_value_get_double (value));
      break;
    case G_TYPE_FLOAT:
      json_builder_add_double_value (builder, g_value_get_float (value));
      break;
    default: {
      g_autofree gchar *text = gst_value_serialize (value);
      json_builder_add_string_value (builder, text ? text : "");
      break;
    }
  }
  return TRUE;
}

} // namespace

std::string
structure_to_json (const GstStructure *structure)
{
  if (!structure)
    return "null";
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  json_builder_begin_object (builder);
  gst_structure_foreach (structure, add_member, builder);
  json_builder_end_object (builder);
  g_autoptr (JsonNode) root = json_builder_get_root (builder);
  g_autofree gchar *text = json_to_string (root, FALSE);
  return text;
}

GstStructure *
structure_from_json (const std::string &json, const char *name)
{
  if (!json_within_limits (json))
    return nullptr;
  g_autoptr (JsonNode) root = json_from_string (json.c_str (), nullptr);
  if (!root || !JSON_NODE_HOLDS_OBJECT (root))
    return nullptr;
  GstStructure *s = gst_structure_new_empty (name);
  JsonObject *object = json_node_get_object (root);
  g_autoptr (GList) members = json_object_get_members (object);
  for (GList *l = members; l; l = l->next) {
    auto key = static_cast<const char *> (l->data);
    JsonNode *node = json_object_get_member (object, key);
    if (!JSON_NODE_HOLDS_VALUE (node))
      continue;
    GType type = json_node_get_value_type (node);
    if (type == G_TYPE_STRING)
      gst_structure_set (s, key, G_TYPE_STRING, json_node_get_string (node), nullptr);
    else if (type == G_TYPE_BOOLEAN)
      gst_structure_set (s, key, G_TYPE_BOOLEAN, json_node_get_boolean (node), nullptr);
    else if (type == G_TYPE_INT64)
      gst_structure_set (s, key, G_TYPE_INT64, json_node_get_int (node), nullptr);
    else if (type == G_TYPE_DOUBLE)
      gst_structure_set (s, key, G_TYPE_DOUBLE, json_node_get_double (node), nullptr);
  }
  return s;
}

} // namespace gstsig
