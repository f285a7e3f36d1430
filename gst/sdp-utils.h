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

/* webrtcbin 1.22 answers, before any media flowed, with
 * "a=ssrc-group:FID 0 <rtx-ssrc>" and "a=ssrc:<rtx-ssrc> msid:...": a
 * media SSRC of 0 that never comes. A browser then expects media only on
 * the SSRCs declared and drops what really arrives. This removes such groups
 * and the lines of their RTX SSRC, so the peer takes the streams as
 * unsignalled (as it does after our offers, which carry no SSRC). Returns how
 * many groups were removed. */
unsigned drop_placeholder_ssrc_groups (GstSDPMessage *sdp);

/* An offer whose BUNDLE group gives its m-lines different ICE credentials
 * (JSEP's "balanced" bundle policy: aiortc's default) is refused by
 * webrtcbin 1.22 ("different ice-ufrag values in bundle"). Accepting the
 * bundle means carrying every m-line of the group on the transport of the
 * first one (its tag, RFC 8843), so the others get its ice-ufrag,
 * ice-pwd and fingerprint and lose their own candidates. Returns how many
 * m-lines were changed (0: nothing to do). */
unsigned unify_bundle_transport (GstSDPMessage *sdp);

} // namespace gstsig
