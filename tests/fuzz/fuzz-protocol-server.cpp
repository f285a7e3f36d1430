/* The signalling protocol as the WebSocket signaller and the recorder read
 * it (parse_server_message); fuzz-protocol.h says what is checked.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "fuzz-protocol.h"

extern "C" int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  gstsig::fuzz::check_round_trip (gstsig::fuzz::text (data, size),
      gstsig::protocol::parse_server_message, gstsig::protocol::MAX_SERVER_MESSAGE_BYTES);
  return 0;
}
