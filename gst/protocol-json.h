/* gst-webrtcsignal: JSON text helpers shared by the reading
 * (protocol-parse.cpp), the writing (protocol-write.cpp) and the
 * normalising (protocol-json.cpp) of the signalling protocol's messages.
 * Internal to the library; see protocol.h.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "json-limits.h"
#include "protocol.h"

#include <json-glib/json-glib.h>

#include <string>

namespace gstsig::protocol::detail {

/* Thrown by the field readers (protocol-parse.cpp) and by stats_text, and
 * caught in the parse_* and normalize_* entry points, never across a GLib
 * callback. */
struct ParseError {
  std::string text;
};

/* meta nests at most this deep, so that every message carrying it (a list
 * reply holds it four levels down) stays within the default JsonLimits a
 * receiver checks: one peer's meta cannot make the server's replies to
 * everyone else unreadable. */
inline constexpr size_t MAX_META_DEPTH = 16;

inline JsonLimits
meta_limits ()
{
  JsonLimits limits;
  limits.max_depth = MAX_META_DEPTH;
  return limits;
}

/* Throws ParseError "TYPE: TEXT". */
[[noreturn]] void fail (const std::string &type, const std::string &text);

/* Compact JSON text of a node (an object or null). */
std::string node_to_text (JsonNode *node);

/* Compact JSON text of one string value, quoted and escaped. */
std::string string_text (const std::string &value);

/* StatsJson text of a flat object; @context names the message in errors
 * (throws ParseError). */
StatsJson stats_text (JsonObject *obj, const std::string &context);

} // namespace gstsig::protocol::detail
