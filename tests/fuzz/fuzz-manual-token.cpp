/* The manual signaller's tokens (manual-token.cpp) in all four forms:
 * decode, check as a description, merge candidates into what decoded. No
 * crash, no GLib critical; an accepted token re-encodes to one that decodes
 * to the same SDP.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "fuzz-common.h"
#include "signallers/manual/manual-token.h"

namespace m = gstsig::manual;

extern "C" int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  std::string text = gstsig::fuzz::text (data, size);
  std::string error;
  auto token = m::decode_token (text, &error);
  FUZZ_CHECK (token || !error.empty ());
  if (token && token->type) {
    for (bool compress : { false, true }) {
      auto again = m::decode_token (m::encode_token (*token->type, token->sdp, compress), &error);
      FUZZ_CHECK (again);
      FUZZ_CHECK (again->sdp == token->sdp);
    }
  }
  GstWebRTCSessionDescription *desc = nullptr;
  if (m::parse_description (text, GST_WEBRTC_SDP_TYPE_OFFER, &desc, &error)) {
    FUZZ_CHECK (desc);
    gst_webrtc_session_description_free (desc);
  }
  if (token)
    m::merge_candidates (token->sdp,
        { { 0, "candidate:1 1 UDP 1 127.0.0.1 9 typ host" },
            { 3, "a=candidate:2 1 TCP 1 ::1 9 typ host" }, { 1, "" } },
        &error);
  return 0;
}
