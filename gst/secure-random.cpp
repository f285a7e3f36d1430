/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "secure-random.h"

#include <glib.h>

#include <sys/random.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>

namespace gstsig {

void
secure_random_bytes (void *buf, size_t len)
{
  auto out = static_cast<uint8_t *> (buf);
  while (len > 0) {
    ssize_t n = getrandom (out, len, 0);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      g_error ("getrandom failed: %s", g_strerror (errno));
    out += n;
    len -= (size_t) n;
  }
}

std::string
secure_random_uuid ()
{
  uint8_t b[16];
  secure_random_bytes (b, sizeof b);
  b[6] = (uint8_t) ((b[6] & 0x0f) | 0x40); /* version 4 */
  b[8] = (uint8_t) ((b[8] & 0x3f) | 0x80); /* RFC 4122 variant */
  char text[37];
  std::snprintf (text, sizeof text,
      "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2],
      b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
  return text;
}

bool
constant_time_equal (std::string_view a, std::string_view b)
{
  if (a.size () != b.size ())
    return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size (); i++)
    diff |= (unsigned char) (a[i] ^ b[i]);
  return diff == 0;
}

} // namespace gstsig
