/* What every libFuzzer target shares: GLib criticals abort (so a critical
 * counts as a crash, as G_DEBUG=fatal-criticals does in the tests), and
 * the input as a std::string.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

namespace gstsig::fuzz {

/* abort(), not GLib's fatal-log breakpoint: libFuzzer turns SIGABRT into a
 * crash report with the input saved, SIGTRAP into nothing. */
inline void
abort_on_critical (const gchar *domain, GLogLevelFlags level, const gchar *message, gpointer)
{
  g_log_default_handler (domain, level, message, nullptr);
  if (level & (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_ERROR))
    abort ();
}

inline void
init ()
{
  g_log_set_default_handler (abort_on_critical, nullptr);
}

inline std::string
text (const uint8_t *data, size_t size)
{
  return std::string (reinterpret_cast<const char *> (data), size);
}

/* A property of the code under test that does not hold: a crash, so the
 * fuzzer keeps the input. */
#define FUZZ_CHECK(cond)                                                   \
  do {                                                                     \
    if (!(cond)) {                                                         \
      g_printerr ("%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
      abort ();                                                            \
    }                                                                      \
  } while (0)

} // namespace gstsig::fuzz

extern "C" int
LLVMFuzzerInitialize (int *, char ***)
{
  gstsig::fuzz::init ();
  return 0;
}
