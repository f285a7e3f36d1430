/* Messages from Janus (gst/janus-api.h parse_message) and janus+ws:// URIs
 * (parse_room_uri): no crash, no GLib critical; what is read stays within
 * the bounds the header promises, and a refusal always says why.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "fuzz-common.h"
#include "janus-api.h"

namespace janus = gstsig::janus;

extern "C" int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  std::string text = gstsig::fuzz::text (data, size);
  janus::Message msg;
  std::string error;
  if (janus::parse_message (text, &msg, &error)) {
    FUZZ_CHECK (!msg.janus.empty ());
    if (msg.room) {
      FUZZ_CHECK (msg.room->publishers.size () <= janus::MAX_PUBLISHERS);
      FUZZ_CHECK (msg.room->participants.size () <= janus::MAX_PUBLISHERS);
      for (const auto &p : msg.room->publishers)
        FUZZ_CHECK (!p.id.empty ());
      janus::error_advice (msg.room->error_code, msg.room->error);
    }
    if (msg.jsep) {
      FUZZ_CHECK (msg.jsep->type == "offer" || msg.jsep->type == "answer");
      FUZZ_CHECK (!msg.jsep->sdp.empty () && msg.jsep->sdp.size () <= janus::MAX_SDP_BYTES);
    }
  } else {
    FUZZ_CHECK (!error.empty ());
  }
  janus::RoomAddress address;
  error.clear ();
  if (janus::parse_room_uri ("janus+ws://h:1/?" + text, &address, &error))
    FUZZ_CHECK (!address.room.empty () && !address.ws_uri.empty ());
  else
    FUZZ_CHECK (!error.empty ());
  return 0;
}
