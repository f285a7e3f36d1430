/* gst-webrtcsignal: trickle ICE fragments (RFC 8840,
 * application/trickle-ice-sdpfrag), as WHIP/WHEP send them in PATCH
 * requests: ICE credentials, then per media section its mid and candidates.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/sdp/sdp.h>

#include <string>
#include <vector>

namespace gstsig {

struct SdpFragCandidate {
  std::string mid;       /* a=mid of the section it is in ("" when none) */
  unsigned mline = 0;    /* index of that m= section inside the fragment */
  std::string candidate; /* "candidate:..." (the attribute without "a=") */
};

struct SdpFrag {
  std::string ice_ufrag;
  std::string ice_pwd;
  std::vector<SdpFragCandidate> candidates;
  bool end_of_candidates = false;
};

/* The body for frag: a=ice-ufrag/a=ice-pwd (when known), then one
 * "m=<media> 9 <proto> 0" section with a=mid per distinct mid, in order of
 * first appearance, holding its candidates; a=end-of-candidates closes the
 * last section when set. Media and proto come from the section of
 * local_description with that mid (audio/UDP/TLS/RTP/SAVPF when unknown). */
std::string sdpfrag_build (const SdpFrag &frag, const GstSDPMessage *local_description);

/* Parses a fragment (CRLF or LF line ends). On malformed input returns false
 * and *error is a sentence naming the offending line. */
bool sdpfrag_parse (const std::string &body, SdpFrag *frag, std::string *error);

/* The index of the m-line of sdp whose a=mid is mid, or -1. */
int sdp_mline_for_mid (const GstSDPMessage *sdp, const std::string &mid);

/* The ICE credentials of sdp: those of its first media section, else of the
 * session level. False when either is missing. */
bool sdp_ice_credentials (const GstSDPMessage *sdp, std::string *ufrag, std::string *pwd);

} // namespace gstsig
