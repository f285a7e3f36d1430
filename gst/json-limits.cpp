/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "json-limits.h"

namespace gstsig {

namespace {

bool
refuse (std::string *error, std::string text)
{
  if (error)
    *error = std::move (text);
  return false;
}

} // namespace

bool
json_within_limits (std::string_view text, const JsonLimits &limits, std::string *error)
{
  if (text.size () > limits.max_bytes)
    return refuse (error,
        "JSON text of " + std::to_string (text.size ()) + " bytes is larger than the " +
            std::to_string (limits.max_bytes) + " allowed");

  size_t depth = 0;
  bool in_string = false, escaped = false;
  for (size_t i = 0; i < text.size (); i++) {
    char c = text[i];
    if (in_string) {
      /* json-glib ends a string where we do: at a '"' not escaped. */
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        in_string = false;
      continue;
    }
    switch (c) {
      case '"':
        in_string = true;
        break;
      case '[':
      case '{':
        if (++depth > limits.max_depth)
          return refuse (error,
              "JSON nested deeper than " + std::to_string (limits.max_depth) + " levels (at byte " +
                  std::to_string (i) + ")");
        break;
      case ']':
      case '}':
        /* Unbalanced closers are json-glib's to refuse. */
        if (depth > 0)
          depth--;
        break;
      case '\'':
      case '/':
        return refuse (error,
            std::string ("JSON has '") + c + "' outside a string (at byte " + std::to_string (i) +
                "): single quotes and comments are not JSON");
      default:
        break;
    }
  }
  return true;
}

} // namespace gstsig
