/* The JSON limit scanner (gst/json-limits.h), against json-glib: whatever
 * the scanner lets through must not nest deeper in json-glib's tree than
 * the limit (a small limit, so short inputs can break it), and json-glib
 * must parse it without trouble.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "fuzz-common.h"
#include "json-limits.h"

#include <json-glib/json-glib.h>

namespace {

size_t
depth_of (JsonNode *node)
{
  size_t deepest = 0;
  if (JSON_NODE_HOLDS_ARRAY (node)) {
    JsonArray *array = json_node_get_array (node);
    for (guint i = 0; i < json_array_get_length (array); i++)
      deepest = MAX (deepest, depth_of (json_array_get_element (array, i)));
    return deepest + 1;
  }
  if (JSON_NODE_HOLDS_OBJECT (node)) {
    JsonObject *object = json_node_get_object (node);
    GList *members = json_object_get_members (object);
    for (GList *l = members; l; l = l->next)
      deepest = MAX (deepest,
          depth_of (json_object_get_member (object, static_cast<const char *> (l->data))));
    g_list_free (members);
    return deepest + 1;
  }
  return 0;
}

} // namespace

extern "C" int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  std::string text = gstsig::fuzz::text (data, size);
  gstsig::JsonLimits limits;
  limits.max_depth = 4;
  limits.max_bytes = 4096;
  std::string error;
  bool ok = gstsig::json_within_limits (text, limits, &error);
  FUZZ_CHECK (ok == error.empty ());
  FUZZ_CHECK (!gstsig::json_within_limits (text, limits, nullptr) == !ok);
  if (!ok)
    return 0;
  g_autoptr (JsonParser) parser = json_parser_new ();
  if (!json_parser_load_from_data (parser, text.data (), (gssize) text.size (), nullptr))
    return 0;
  JsonNode *root = json_parser_get_root (parser);
  if (root)
    FUZZ_CHECK (depth_of (root) <= limits.max_depth);
  return 0;
}
