/* gst-webrtcsignal: SDP helpers (GstSDP) shared by elements and signallers.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/sdp/sdp.h>
#include <gst/webrtc/webrtc.h>

#include <optional>
#include <string>

namespace gstsig {

/* (transfer full) A session description parsed from SDP text, or nullptr
 * with *error set to what is wrong. type is GST_WEBRTC_SDP_TYPE_OFFER etc. */
GstWebRTCSessionDescription *session_description_from_text (GstWebRTCSDPType type,
    const std::string &sdp, std::string *error);

/* The SDP text of a description. */
std::string session_description_to_text (const GstWebRTCSessionDescription *desc);

/* The id a media section's "a=extmap:<id>[/dir] <uri>" gives uri, if any. */
std::optional<unsigned> find_extmap_id (const GstSDPMedia *media, const char *uri);

/* The first media section of kind "video"/"audio", and its index. */
const GstSDPMedia *find_media (const GstSDPMessage *sdp, const char *kind, guint *index);

} // namespace gstsig
