/* gst-webrtcsignal: limits checked on JSON text before json-glib parses it.
 *
 * json-glib's parser recurses once per nesting level: 100,000 '[' overflow
 * the stack. Every parse of text from the network, a file or a paste goes
 * through json_within_limits first. One pass, no allocation, plain C++.
 *
 * The scanner is stricter than json-glib in one way: outside strings it
 * refuses ' and / (json-glib 1.6 takes single-quoted strings and
 * comments, in which a '"' would hide brackets from the count; standard
 * JSON has neither).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace gstsig {

struct JsonLimits {
  /* Arrays and objects inside each other; the outermost one is level 1. */
  size_t max_depth = 32;
  /* The whole text, in bytes (the server's default frame limit). */
  size_t max_bytes = 1024 * 1024;
};

/* Whether text stays within limits. When not, *error (if given) says which
 * limit and by how much, e.g. "JSON nested deeper than 32 levels". Brackets
 * inside strings do not count. The text need not be valid JSON: anything
 * else is json-glib's to refuse. */
bool json_within_limits (std::string_view text, const JsonLimits &limits = JsonLimits (),
    std::string *error = nullptr);

} // namespace gstsig
