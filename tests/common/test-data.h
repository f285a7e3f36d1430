/* Test helper: reads a file of tests/data/ (GST_WEBRTCSIGNAL_SOURCE_ROOT).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

#include <fstream>
#include <sstream>
#include <string>

namespace gstsig::test {

inline std::string
read_data (const char *name)
{
  const char *root = g_getenv ("GST_WEBRTCSIGNAL_SOURCE_ROOT");
  std::ifstream in (std::string (root ? root : ".") + "/tests/data/" + name);
  std::stringstream text;
  text << in.rdbuf ();
  return text.str ();
}

} // namespace gstsig::test
