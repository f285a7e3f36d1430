/* The signalling protocol as the server reads it (parse_client_message),
 * and the meta and stats normalisers (fuzz-protocol.h says what is
 * checked; normalising twice changes nothing).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "fuzz-protocol.h"

namespace p = gstsig::protocol;

extern "C" int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  std::string text = gstsig::fuzz::text (data, size);
  gstsig::fuzz::check_round_trip (text, p::parse_client_message, p::DEFAULT_CLIENT_MESSAGE_BYTES);
  if (auto meta = p::normalize_meta (text))
    FUZZ_CHECK (p::normalize_meta (*meta) == meta);
  std::string error;
  if (auto stats = p::normalize_stats (text, &error))
    FUZZ_CHECK (p::normalize_stats (*stats, &error) == stats);
  return 0;
}
