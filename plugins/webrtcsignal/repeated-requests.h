/* gst-webrtcsignal: a viewer that asks for the same packet again and again
 * is not getting it.
 *
 * A lost packet is asked for (NACK) about once per round trip, Chromium
 * every 100 ms or so while it does not know the round trip, up to ten
 * times. A packet asked for a third time was lost twice more after its
 * first retransmission, or is no longer in the sender's history (seen at a
 * session's start: a retransmission lost, the packet gone when asked for
 * again). Chromium then shows no new frame until it asks for a keyframe
 * itself, 3 s later (tests/browser/lossy-link.mjs). So the sender makes one
 * at once: see retransmission-limit.h. The request goes through the same
 * merging as a PLI (one forced keyframe per encoder per 300 ms, whatever the
 * viewers ask), so a viewer that asks again on purpose gains nothing a PLI
 * would not give it.
 *
 * Plain C++, no GStreamer; not thread-safe (its owner locks). Times in µs.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>

namespace gstsig {

class RepeatedRequests {
public:
  /* The request that says the viewer is not getting the packet. */
  static constexpr unsigned GIVE_UP_AT = 3;
  /* Requests this far apart are for different losses (a sequence number
   * comes round again after 65536 packets). */
  static constexpr int64_t WINDOW_US = 2000000;
  /* Packets followed at once. */
  static constexpr size_t MAX_TRACKED = 256;

  /* A request for the packet ssrc/seqnum at now_us. True when it is the
   * GIVE_UP_AT-th for that packet (once per packet). */
  bool on_request (uint32_t ssrc, uint16_t seqnum, int64_t now_us);

private:
  struct Entry {
    uint32_t ssrc;
    uint16_t seqnum;
    unsigned count;
    int64_t first_us;
  };
  std::deque<Entry> entries_;
};

} // namespace gstsig
