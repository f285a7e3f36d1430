/* rtpdiag's packet parsing (plugins/rtpdiag/rtp-stats.cpp, keyframes.cpp):
 * RTP headers, compound RTCP, the keyframe detectors of every codec, the
 * payload-type map, and the statistics fed a flow of such packets.
 *
 * Input: one flags byte (bit 0: an RTCP-only flow; bit 1: the first record
 * is a payload-type map such as "96:VP8/90000"), then records of a 16-bit
 * big-endian length, one byte of milliseconds since the previous packet,
 * and the packet (cut short at the end of the input).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "fuzz-common.h"
#include "rtp-stats.h"

namespace r = gstsig::rtpdiag;

extern "C" int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  if (size < 1)
    return 0;
  const bool rtcp_flow = data[0] & 1;
  bool map_first = data[0] & 2;
  size_t offset = 1;
  r::PayloadTable payloads;
  payloads.set_fallback_clock_rate (90000);
  r::SessionStats stats;
  int64_t arrival = 0;
  while (offset + 3 <= size) {
    size_t length = (size_t (data[offset]) << 8) | data[offset + 1];
    arrival += int64_t (data[offset + 2]) * r::kNsPerMs;
    offset += 3;
    length = std::min (length, size - offset);
    const uint8_t *packet = data + offset;
    offset += length;
    if (map_first) {
      map_first = false;
      payloads.set_map (std::string (reinterpret_cast<const char *> (packet), length));
      continue;
    }

    r::RtpPacket rtp;
    if (r::parse_rtp (packet, length, rtp)) {
      FUZZ_CHECK (rtp.payload >= packet && rtp.payload + rtp.payload_size <= packet + length);
      for (auto codec : { r::Codec::kVP8, r::Codec::kVP9, r::Codec::kH264, r::Codec::kH265 })
        r::is_keyframe (codec, rtp.payload, rtp.payload_size);
    }
    /* The detectors on their own, on any bytes (rtpdiag feeds them
     * payloads of any length). */
    for (auto codec : { r::Codec::kVP8, r::Codec::kVP9, r::Codec::kH264, r::Codec::kH265 })
      r::is_keyframe (codec, packet, length);
    std::vector<r::SenderInfo> senders;
    std::vector<r::ReportBlock> blocks;
    r::parse_rtcp (packet, length, senders, blocks);
    r::is_muxed_rtcp (packet, length);
    stats.add_packet (packet, length, arrival, rtcp_flow, payloads);
  }
  for (const auto &figures : stats.figures (arrival))
    FUZZ_CHECK (figures.packets + (figures.payload_type < 0) > 0);
  return 0;
}
