/* gst-webrtcsignal: the tokens of the manual (copy-paste) signaller.
 *
 * A token carries one offer or answer on one line. We read four forms:
 *   raw SDP ("v=0..."), JSON {"type":..,"sdp":..} (aiortc, libdatachannel,
 *   JSON.stringify), base64 of that JSON (pion's convention, our default
 *   output) and "z:" + base64url (no padding) of the raw-deflated JSON (our
 *   compressed output, for terminals that cut lines at 4095 bytes).
 * Pure code: no pipeline, no threads.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/webrtc/webrtc.h>

#include <optional>
#include <string>
#include <vector>

namespace gstsig::manual {

inline constexpr const char *COMPRESSED_PREFIX = "z:";

enum class TokenFormat { RAW_SDP, JSON, BASE64_JSON, COMPRESSED };

struct Token {
  /* Unset for raw SDP, which does not say what it is. */
  std::optional<GstWebRTCSDPType> type;
  std::string sdp;
  TokenFormat format = TokenFormat::BASE64_JSON;
};

/* One line: base64(JSON) or, with compress, "z:" + base64url(deflate(JSON)). */
std::string encode_token (GstWebRTCSDPType type, const std::string &sdp, bool compress);

/* Any of the four forms (surrounding white space ignored), or nullopt with
 * *error set to a sentence for the user. */
std::optional<Token> decode_token (const std::string &text, std::string *error);

/* decode_token, then checks that it is an expected_type with at least one
 * media section; a raw SDP is taken as expected_type. On success, *desc
 * holds the description (transfer full). */
bool parse_description (const std::string &text, GstWebRTCSDPType expected_type,
    GstWebRTCSessionDescription **desc, std::string *error);

struct Candidate {
  guint mline = 0;
  std::string candidate;  /* "candidate:..." as webrtcbin gives it */
};

/* sdp with the candidates added as a=candidate lines to their media section
 * (those already there are skipped) and a=end-of-candidates to every media
 * section that has candidates, or to the first if none has (vanilla ICE).
 * Returns sdp unchanged, with *error set, when sdp does not parse. */
std::string merge_candidates (const std::string &sdp, const std::vector<Candidate> &candidates,
    std::string *error);

} // namespace gstsig::manual
