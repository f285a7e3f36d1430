/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "json-limits.h"

#include <glib.h>

namespace gstsig {

namespace {

bool
refuse (std::string *error, std::string text)
{
  if (error)
    *error = std::move (text);
  return false;
}

std::string
at (size_t i)
{
  return " (at byte " + std::to_string (i) + ")";
}

/* The UTF-16 unit of the four hex digits at text[i], or -1. */
long
hex4 (std::string_view text, size_t i)
{
  if (i + 4 > text.size ())
    return -1;
  long unit = 0;
  for (size_t k = i; k < i + 4; k++) {
    int digit = g_ascii_xdigit_value (text[k]);
    if (digit < 0)
      return -1;
    unit = unit * 16 + digit;
  }
  return unit;
}

bool
is_high_surrogate (long unit)
{
  return unit >= 0xD800 && unit <= 0xDBFF;
}

bool
is_low_surrogate (long unit)
{
  return unit >= 0xDC00 && unit <= 0xDFFF;
}

/* The escape whose backslash is at text[*i]: one of standard JSON's, a
 * surrogate only as a pair. json-glib also reads octal escapes and lone
 * surrogates, into strings that are not UTF-8 (its own writer then makes
 * text nobody can read back). On success *i is the escape's last byte. */
bool
check_escape (std::string_view text, size_t *i, std::string *error)
{
  size_t start = *i;
  char c = start + 1 < text.size () ? text[start + 1] : '\0';
  if (c != 'u') {
    if (c == '\0' || std::string_view ("\"\\/bfnrt").find (c) == std::string_view::npos)
      return refuse (error, "JSON string has an escape JSON does not know" + at (start));
    *i = start + 1;
    return true;
  }
  long unit = hex4 (text, start + 2);
  if (unit < 0)
    return refuse (error, "JSON string has a \\u escape without four hex digits" + at (start));
  *i = start + 5;
  if (is_high_surrogate (unit) && *i + 2 < text.size () && text[*i + 1] == '\\' &&
      text[*i + 2] == 'u' && is_low_surrogate (hex4 (text, *i + 3))) {
    *i += 6;
    return true;
  }
  if (is_high_surrogate (unit) || is_low_surrogate (unit))
    return refuse (error, "JSON string has half a UTF-16 surrogate pair" + at (start));
  return true;
}

} // namespace

bool
json_within_limits (std::string_view text, const JsonLimits &limits, std::string *error)
{
  if (text.size () > limits.max_bytes)
    return refuse (error,
        "JSON text of " + std::to_string (text.size ()) + " bytes is larger than the " +
            std::to_string (limits.max_bytes) + " allowed");

  size_t i = 0;
  if (text.substr (0, 3) == "\xef\xbb\xbf")
    i = 3; /* a UTF-8 byte order mark, which json-glib skips */
  size_t depth = 0, values = 0;
  bool in_string = false, in_scalar = false;
  for (; i < text.size (); i++) {
    char c = text[i];
    if (in_string) {
      /* json-glib ends a string where we do: at a '"' not escaped. */
      if (c == '\\' && !check_escape (text, &i, error))
        return false;
      in_string = c != '"';
      continue;
    }
    /* A second value at the top ("{...}{...}"): json-glib 1.6 keeps the
     * last and leaks the others, memory a peer could grow frame by frame. */
    bool container_or_string = c == '[' || c == '{' || c == '"';
    bool starts_value = container_or_string ||
        (!in_scalar && c != ']' && c != '}' && !g_ascii_isspace (c));
    if (depth == 0 && starts_value && ++values > 1)
      return refuse (error, "JSON text holds more than one value" + at (i));
    in_scalar = depth == 0 && starts_value ? !container_or_string
                                           : in_scalar && !g_ascii_isspace (c);
    switch (c) {
      case '"':
        in_string = true;
        break;
      case '[':
      case '{':
        if (++depth > limits.max_depth)
          return refuse (error,
              "JSON nested deeper than " + std::to_string (limits.max_depth) + " levels" + at (i));
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
            std::string ("JSON has '") + c + "' outside a string" + at (i) +
                ": single quotes and comments are not JSON");
      default:
        break;
    }
  }
  return true;
}

} // namespace gstsig
