/* How many times longer a test waits in a sanitizer build, where
 * tests/meson.build sets GST_WEBRTCSIGNAL_SANITIZER_RUNTIME: under ASan a
 * TLS handshake through GIO took 2-4 s on the AMD machine the project
 * started on and over 5 s on an Intel one, against 35-100 ms in the plain
 * build, and a tier's encoder starts seconds later. Plain builds wait as
 * they always did.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

namespace gstsig::test {

inline unsigned
sanitizer_slowdown ()
{
  return g_getenv ("GST_WEBRTCSIGNAL_SANITIZER_RUNTIME") ? 3 : 1;
}

} // namespace gstsig::test
