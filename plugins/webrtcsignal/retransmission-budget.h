/* gst-webrtcsignal: how much of a viewer's link retransmissions may take.
 *
 * webrtcbin answers every NACK from its RTX history, whatever the link.
 * On a link far below what is sent (200 kbit/s under a 600 kbit/s start)
 * the bottleneck drops packets, the viewer asks for each again, the
 * retransmissions fill the queue and are dropped in turn, and are asked
 * for again: measured, the sender offered 1160 kbit/s to a 200 kbit/s
 * link, most of it retransmissions, and the viewer decoded nothing for
 * 20 s (tests/browser/capped-link.mjs, CAP_KBIT=200).
 *
 * So retransmissions get a token bucket: SHARE of the viewer's estimate
 * (its congestion control's target, kbit/s), with room for a burst of
 * DEPTH_S of that rate and never less than MIN_DEPTH_BYTES (the lost
 * packets of a keyframe). A retransmission over the budget is dropped;
 * the viewer asks again or, for its picture, for a keyframe. libwebrtc
 * bounds its retransmissions too (by its whole target, over a second).
 * Until the first estimate there is no bound.
 *
 * Plain C++, no GStreamer; not thread-safe (its owner locks). Times in µs.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <cstddef>
#include <cstdint>

namespace gstsig {

class RetransmissionBudget {
public:
  static constexpr double SHARE = 0.25;
  static constexpr double DEPTH_S = 0.5;
  static constexpr double MIN_DEPTH_BYTES = 10000;

  /* The viewer's estimate, kbit/s (0: no bound). */
  void set_estimate_kbps (unsigned kbps);
  /* May a retransmission of bytes leave at now_us? Takes its tokens if so. */
  bool take (int64_t now_us, size_t bytes);

  double rate_bytes_per_s () const { return rate_; }
  uint64_t dropped () const { return dropped_; }

private:
  double depth () const;
  void refill (int64_t now_us);

  double rate_ = 0; /* bytes a second; 0: no bound */
  double tokens_ = 0;
  int64_t last_us_ = -1;
  uint64_t dropped_ = 0;
};

} // namespace gstsig
