/* gst-webrtcsignal: a viewer's target bitrate (see congestion-controller.h).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "congestion-controller.h"

#include <algorithm>
#include <cmath>

namespace gstsig {

namespace {
/* The arrival rate is measured over this much arrival time. */
constexpr int64_t ACKED_WINDOW_US = 500000;
/* ... and is not trusted over less than this. */
constexpr int64_t ACKED_MIN_SPAN_US = 200000;
/* Loss is the share of the packets sent in the last second. */
constexpr int64_t LOSS_WINDOW_US = 1000000;
constexpr size_t LOSS_MIN_PACKETS = 20;
/* At most one decrease per interval: the feedback that follows a decrease
 * still shows the queue it drains. */
constexpr int64_t DECREASE_INTERVAL_US = 300000;
/* Loss-based cuts are this far apart at least. */
constexpr int64_t LOSS_DECREASE_INTERVAL_US = 500000;
/* Below this share of the known capacity the ramp is multiplicative. */
constexpr double FAR_BELOW_CAPACITY = 0.5;
/* The additive ramp near a known capacity: about one packet of 1200 bytes
 * per response time (round trip plus 100 ms, taken as 200 ms). */
constexpr double ADDITIVE_KBPS_PER_S = 1200 * 8 / 0.2 / 1000;
/* Above what arrives: the delay-based rate may be at most this much more. */
constexpr double ACKED_HEADROOM = 1.5;
constexpr double ACKED_HEADROOM_KBPS = 10;
/* Bounds of the capacity's normalised variance (kbit/s), and the weight
 * of a new sample. */
constexpr double CAPACITY_VARIANCE_MIN = 0.4;
constexpr double CAPACITY_VARIANCE_MAX = 2.5;
constexpr double CAPACITY_WEIGHT = 0.05;
} // namespace

CongestionController::CongestionController (CongestionBounds bounds)
    : bounds_ (bounds), delay_kbps_ (bounds.start_kbps), loss_kbps_ (bounds.start_kbps)
{
  set_bounds (bounds);
}

void
CongestionController::set_bounds (CongestionBounds bounds)
{
  bounds.max_kbps = std::max (bounds.max_kbps, bounds.min_kbps);
  bounds.start_kbps = std::clamp (bounds.start_kbps, bounds.min_kbps, bounds.max_kbps);
  bounds_ = bounds;
  delay_kbps_ = std::clamp<double> (delay_kbps_, bounds.min_kbps, bounds.max_kbps);
  loss_kbps_ = std::clamp<double> (loss_kbps_, bounds.min_kbps, bounds.max_kbps);
}

unsigned
CongestionController::target_kbps () const
{
  double target = std::min (delay_kbps_, loss_kbps_);
  return (unsigned) std::lround (std::clamp<double> (target, bounds_.min_kbps, bounds_.max_kbps));
}

void
CongestionController::on_feedback (const std::vector<FeedbackPacket> &packets, int64_t now_us)
{
  if (packets.empty ())
    return;
  for (const FeedbackPacket &p : packets)
    count (p);
  update_acked ();
  update_loss ();
  double dt_s = last_update_us_ < 0 ? 0 : std::min ((now_us - last_update_us_) / 1e6, 1.0);
  last_update_us_ = now_us;
  follow_delay (now_us, std::max (dt_s, 0.0));
  follow_loss (now_us, std::max (dt_s, 0.0));
}

void
CongestionController::count (const FeedbackPacket &p)
{
  bool lost = p.arrival_us < 0;
  sent_.emplace_back (p.send_us, lost);
  if (lost)
    return;
  delay_.add (p.send_us, p.arrival_us);
  arrived_.emplace_back (p.arrival_us, p.size);
}

void
CongestionController::update_acked ()
{
  if (arrived_.empty ())
    return;
  int64_t newest = arrived_.back ().first;
  while (!arrived_.empty () && arrived_.front ().first < newest - ACKED_WINDOW_US)
    arrived_.pop_front ();
  int64_t span = newest - arrived_.front ().first;
  if (span < ACKED_MIN_SPAN_US)
    return;
  uint64_t bytes = 0;
  for (const auto &a : arrived_)
    bytes += a.second;
  acked_kbps_ = bytes * 8.0 / (span / 1e6) / 1000.0;
}

void
CongestionController::update_loss ()
{
  int64_t newest = sent_.back ().first;
  while (!sent_.empty () && sent_.front ().first < newest - LOSS_WINDOW_US)
    sent_.pop_front ();
  if (sent_.size () < LOSS_MIN_PACKETS)
    return;
  size_t lost = std::count_if (sent_.begin (), sent_.end (), [] (const auto &s) { return s.second; });
  loss_ = (double) lost / sent_.size ();
}

double
CongestionController::capacity_spread () const
{
  return 3 * std::sqrt (capacity_variance_ * std::max (capacity_kbps_, 1.0));
}

void
CongestionController::on_decrease (double acked)
{
  if (capacity_kbps_ < 0 || acked < capacity_kbps_ - capacity_spread ()) {
    capacity_kbps_ = acked; /* first sample, or the link got worse */
    capacity_variance_ = CAPACITY_VARIANCE_MIN;
    return;
  }
  double error = capacity_kbps_ - acked;
  capacity_kbps_ = (1 - CAPACITY_WEIGHT) * capacity_kbps_ + CAPACITY_WEIGHT * acked;
  capacity_variance_ = std::clamp ((1 - CAPACITY_WEIGHT) * capacity_variance_ +
      CAPACITY_WEIGHT * error * error / std::max (capacity_kbps_, 1.0),
      CAPACITY_VARIANCE_MIN, CAPACITY_VARIANCE_MAX);
}

void
CongestionController::follow_delay (int64_t now_us, double dt_s)
{
  switch (delay_.signal ()) {
    case DelaySignal::Overuse:
      if (acked_kbps_ > 0 &&
          (last_decrease_us_ < 0 || now_us - last_decrease_us_ >= DECREASE_INTERVAL_US)) {
        delay_kbps_ = std::min (delay_kbps_, DECREASE_FACTOR * acked_kbps_);
        on_decrease (acked_kbps_);
        last_decrease_us_ = now_us;
      }
      state_ = RateState::Hold;
      break;
    case DelaySignal::Underuse:
      state_ = RateState::Hold; /* let the queue drain */
      break;
    case DelaySignal::Normal:
      if (state_ == RateState::Hold) {
        state_ = RateState::Increase;
        break;
      }
      if (capacity_kbps_ >= 0 && acked_kbps_ > capacity_kbps_ + capacity_spread ())
        capacity_kbps_ = -1; /* the link got better: find its capacity again */
      /* Additive near the capacity; far below it (after loss-based cuts)
       * the way up is multiplicative. */
      if (capacity_kbps_ >= 0 && delay_kbps_ >= FAR_BELOW_CAPACITY * capacity_kbps_)
        delay_kbps_ += ADDITIVE_KBPS_PER_S * dt_s;
      else
        delay_kbps_ = std::max (delay_kbps_ * std::pow (INCREASE_PER_S, dt_s), delay_kbps_ + 1 * dt_s);
      if (acked_kbps_ > 0)
        delay_kbps_ = std::min (delay_kbps_, ACKED_HEADROOM * acked_kbps_ + ACKED_HEADROOM_KBPS);
      break;
  }
  delay_kbps_ = std::clamp<double> (delay_kbps_, bounds_.min_kbps, bounds_.max_kbps);
}

void
CongestionController::follow_loss (int64_t now_us, double dt_s)
{
  if (loss_ > LOSS_HIGH) {
    if (last_loss_decrease_us_ < 0 || now_us - last_loss_decrease_us_ >= LOSS_DECREASE_INTERVAL_US) {
      loss_kbps_ = target_kbps () * (1 - 0.5 * loss_);
      last_loss_decrease_us_ = now_us;
      /* The next decision counts only packets reported after this one, and
       * comes no sooner than LOSS_DECREASE_INTERVAL_US: a queue that
       * overflowed takes a while to drain, and an encoder to follow. */
      sent_.clear ();
      loss_ = 0;
    }
  } else {
    loss_kbps_ *= std::pow (INCREASE_PER_S, dt_s);
  }
  loss_kbps_ = std::clamp<double> (loss_kbps_, bounds_.min_kbps, bounds_.max_kbps);
}

} // namespace gstsig
