/* gst-webrtcsignal: keyframe detection in RTP payloads (VP8, VP9, H264,
 * H265). Plain C++, no GStreamer.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace gstsig::rtpdiag {

enum class Codec { kUnknown, kVP8, kVP9, kH264, kH265 };

/* The codec of an RTP encoding name ("VP8", "h264", ...; case does not
 * matter). Anything else is kUnknown: no keyframe statistics. */
Codec codec_from_encoding_name (const std::string &name);
const char *codec_name (Codec codec);

/* Whether this RTP payload (after the RTP header, without padding) starts or
 * carries a keyframe:
 * - VP8 (RFC 7741): start of partition 0 (S=1, PID=0) whose frame header has
 *   P=0 (key frame).
 * - VP9 (RFC 9628): start of a frame (B=1) that is not inter-picture
 *   predicted (P=0).
 * - H264 (RFC 6184): an IDR slice (NAL type 5) or an SPS (7), alone, inside
 *   STAP-A/STAP-B, or in the first fragment (S=1) of FU-A/FU-B.
 * - H265 (RFC 7798): an IRAP picture (NAL types 16 to 21), alone, inside an
 *   aggregation packet, or in the first fragment of an FU.
 * Truncated or malformed payloads are not keyframes. */
bool is_keyframe (Codec codec, const uint8_t *payload, size_t size);

} // namespace gstsig::rtpdiag
