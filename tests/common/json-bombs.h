/* Test helper: JSON nested 100,000 deep, as an attacker sends it (json-glib
 * alone recurses once per level and overflows the stack).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace gstsig::test {

inline constexpr size_t BOMB_DEPTH = 100000;

inline std::string
repeat (const std::string &unit, size_t n)
{
  std::string out;
  out.reserve (unit.size () * n);
  for (size_t i = 0; i < n; i++)
    out += unit;
  return out;
}

/* Unclosed arrays, unclosed objects, closed arrays, and arrays inside a
 * message that is otherwise fine. */
inline std::vector<std::string>
json_bombs ()
{
  return { repeat ("[", BOMB_DEPTH), repeat ("{\"a\":", BOMB_DEPTH),
    repeat ("[", BOMB_DEPTH) + repeat ("]", BOMB_DEPTH),
    "{\"type\":\"startSession\",\"peerId\":" + repeat ("[", BOMB_DEPTH) + "}" };
}

} // namespace gstsig::test
