/* The SDP helpers (gst/sdp-utils.cpp) on any text: parse as a session
 * description, look up extmaps and media, drop placeholder SSRC groups,
 * give a BUNDLE group one transport (both idempotent), write back. No crash, no GLib critical.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "fuzz-common.h"
#include "sdp-utils.h"

extern "C" int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  std::string text = gstsig::fuzz::text (data, size);
  std::string error;
  GstWebRTCSessionDescription
      *desc = gstsig::session_description_from_text (GST_WEBRTC_SDP_TYPE_OFFER, text, &error);
  if (!desc) {
    FUZZ_CHECK (!error.empty ());
    return 0;
  }
  for (const char *kind : { "video", "audio", "application" }) {
    guint index = 0;
    if (const GstSDPMedia *media = gstsig::find_media (desc->sdp, kind, &index)) {
      FUZZ_CHECK (gst_sdp_message_get_media (desc->sdp, index) == media);
      gstsig::find_extmap_id (media, "urn:ietf:params:rtp-hdrext:sdes:mid");
      gstsig::find_extmap_id (media,
          "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01");
    }
  }
  gstsig::drop_placeholder_ssrc_groups (desc->sdp);
  FUZZ_CHECK (gstsig::drop_placeholder_ssrc_groups (desc->sdp) == 0);
  gstsig::unify_bundle_transport (desc->sdp);
  FUZZ_CHECK (gstsig::unify_bundle_transport (desc->sdp) == 0);
  gstsig::session_description_to_text (desc);
  gst_webrtc_session_description_free (desc);
  return 0;
}
