/* gst-webrtcsignal: how fast may we send to one viewer? A target bitrate
 * from the viewer's transport-wide feedback (TWCC): what arrived, when,
 * and what was lost.
 *
 * Two bounds, the lower one wins:
 * - delay-based (DelayTrend): on overuse (a queue grows along the path)
 *   the rate drops to DECREASE_FACTOR x the rate that arrived; when the
 *   path is quiet it grows, multiplicatively (INCREASE_PER_S) while the
 *   link's capacity is unknown, additively (about a packet per response
 *   time) once a decrease has shown where the capacity is, unless far
 *   below it (under half: after loss-based cuts); it is never more than
 *   1.5 x what arrives, so it cannot run away from a source that sends
 *   less than it may. The capacity seen at decreases is kept with its
 *   spread; an arrival rate well above it means the link got better and
 *   the ramp goes multiplicative again.
 * - loss-based: more than LOSS_HIGH of the packets of the last second
 *   lost cuts the rate by half the loss; below it the bound grows like a
 *   quiet path. Random loss under 10 % (a lossy radio link, which RTX
 *   repairs) does not hold the rate down; a policer that drops instead of
 *   queueing does.
 * No padding probes: the ramp is the probe (the encoder's own output).
 *
 * Plain C++, no GStreamer; not thread-safe (its owner locks). Times in µs:
 * send times on the sender's clock, arrival times on the viewer's, now on
 * the sender's.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "delay-trend.h"

#include <cstdint>
#include <deque>
#include <vector>

namespace gstsig {

struct CongestionBounds {
  unsigned min_kbps = 100;
  unsigned max_kbps = 2000;
  unsigned start_kbps = 600;
};

/* One packet of a feedback report. */
struct FeedbackPacket {
  int64_t send_us = 0;
  int64_t arrival_us = -1; /* < 0: reported lost */
  unsigned size = 0;       /* bytes */
};

class CongestionController {
public:
  static constexpr double DECREASE_FACTOR = 0.85;
  static constexpr double INCREASE_PER_S = 1.2;
  static constexpr double LOSS_HIGH = 0.10;

  explicit CongestionController (CongestionBounds bounds);

  /* A feedback report, in the order of its packets. */
  void on_feedback (const std::vector<FeedbackPacket> &packets, int64_t now_us);
  /* New bounds (properties changed); the target is clamped to them. */
  void set_bounds (CongestionBounds bounds);

  /* What the viewer may be sent now, kbit/s, within the bounds. */
  unsigned target_kbps () const;
  /* What arrived over the last ACKED_WINDOW_US (kbit/s; < 0: not known yet). */
  double acked_kbps () const { return acked_kbps_; }
  /* Share of the packets of the last second reported lost (0..1). */
  double loss () const { return loss_; }
  DelaySignal delay_signal () const { return delay_.signal (); }

private:
  enum class RateState { Hold, Increase };

  void count (const FeedbackPacket &p);
  void update_acked ();
  void update_loss ();
  void follow_delay (int64_t now_us, double dt_s);
  void follow_loss (int64_t now_us, double dt_s);
  void on_decrease (double acked);
  double capacity_spread () const;

  CongestionBounds bounds_;
  DelayTrend delay_;
  std::deque<std::pair<int64_t, unsigned>> arrived_; /* arrival µs, bytes */
  std::deque<std::pair<int64_t, bool>> sent_;        /* send µs, lost */
  double acked_kbps_ = -1;
  double loss_ = 0;
  double delay_kbps_;
  double loss_kbps_;
  RateState state_ = RateState::Increase;
  int64_t last_update_us_ = -1;
  int64_t last_decrease_us_ = -1;
  int64_t last_loss_decrease_us_ = -1;
  /* The capacity seen at decreases (kbit/s) and its normalised variance. */
  double capacity_kbps_ = -1;
  double capacity_variance_ = 0.4;
};

} // namespace gstsig
