/* What the two protocol targets check: no crash, no GLib critical, an
 * error for what does not parse, and what parses writes back to text that
 * parses to the same text again.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "fuzz-common.h"
#include "protocol.h"

namespace gstsig::fuzz {

template <typename Message>
void
check_round_trip (const std::string &text,
    std::optional<Message> (*parse) (const std::string &, std::string *, size_t),
    size_t max_bytes)
{
  std::string error;
  auto msg = parse (text, &error, max_bytes);
  FUZZ_CHECK (msg || !error.empty ());
  if (!msg)
    return;
  std::string written = protocol::to_json (*msg);
  auto again = parse (written, &error, max_bytes);
  FUZZ_CHECK (again);
  FUZZ_CHECK (protocol::to_json (*again) == written);
}

} // namespace gstsig::fuzz
