/* Trickle ICE fragments (signallers/whip/sdpfrag.cpp, the body of a WHIP
 * PATCH): parse; what parses builds a fragment that parses to the same
 * candidates. The input is also read as a whole SDP for the mid and
 * credential helpers.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "fuzz-common.h"
#include "signallers/whip/sdpfrag.h"

extern "C" int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  std::string text = gstsig::fuzz::text (data, size);
  gstsig::SdpFrag frag;
  std::string error;
  bool ok = gstsig::sdpfrag_parse (text, &frag, &error);
  FUZZ_CHECK (ok || !error.empty ());

  GstSDPMessage *sdp = nullptr;
  gst_sdp_message_new (&sdp);
  if (!text.empty ()) /* size 0 is a critical of GstSDP's, not a finding */
    gst_sdp_message_parse_buffer ((const guint8 *) text.data (), (guint) text.size (), sdp);
  if (ok) {
    std::string built = gstsig::sdpfrag_build (frag, sdp);
    gstsig::sdpfrag_build (frag, nullptr);
    gstsig::SdpFrag again;
    if (gstsig::sdpfrag_parse (built, &again, &error))
      FUZZ_CHECK (again.candidates.size () <= frag.candidates.size ());
  }
  std::string ufrag, pwd;
  gstsig::sdp_ice_credentials (sdp, &ufrag, &pwd);
  for (const auto &candidate : frag.candidates)
    gstsig::sdp_mline_for_mid (sdp, candidate.mid);
  gst_sdp_message_free (sdp);
  return 0;
}
