/* gst-webrtcsignal: limits checked on JSON text before json-glib parses it.
 *
 * json-glib's parser recurses once per nesting level: 100,000 '[' overflow
 * the stack. Every parse of text from the network, a file or a paste goes
 * through json_within_limits first. One pass, no allocation, plain C++.
 *
 * The scanner is stricter than json-glib 1.6 where json-glib goes beyond
 * standard JSON, to its users' cost:
 * - ' and / outside strings (json-glib reads single-quoted strings and
 *   comments, in which a '"' would hide brackets from the count);
 * - more than one value ("{...}{...}": json-glib leaks all but the last);
 * - escapes other than JSON's, and halves of surrogate pairs (json-glib
 *   reads "\363" and "\ud83dx" into strings that are not UTF-8, which its
 *   own writer then turns into JSON nobody can read back).
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

/* Whether text stays within limits (and the rules above). When not, *error
 * (if given) says which and where, e.g. "JSON nested deeper than 32 levels
 * (at byte 32)". Brackets inside strings do not count. Otherwise the text
 * need not be valid JSON: that is json-glib's to check. */
bool json_within_limits (std::string_view text, const JsonLimits &limits = JsonLimits (),
    std::string *error = nullptr);

} // namespace gstsig
