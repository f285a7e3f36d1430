/* gst-webrtcsignal: the delay trend of a path (see delay-trend.h).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "delay-trend.h"

#include <algorithm>
#include <cmath>

namespace gstsig {

namespace {
/* Weight of the previous value in the smoothed delay. */
constexpr double SMOOTHING = 0.9;
/* Scales the slope (ms of delay per ms) into the threshold's units. */
constexpr double TREND_GAIN = 4.0;
/* The slope counts more as evidence accumulates, up to this many deltas. */
constexpr unsigned MAX_DELTAS_WEIGHT = 60;
/* The threshold moves towards |trend|: down fast when the trend is below it
 * (a quiet path is watched closely), up slowly when above (a growing queue
 * stays above it long enough to be seen; lasting noise raises it). */
constexpr double THRESHOLD_UP = 0.0087;
constexpr double THRESHOLD_DOWN = 0.039;
constexpr double THRESHOLD_MIN = 6.0;
constexpr double THRESHOLD_MAX = 600.0;
/* A trend this far above the threshold is a spike: it does not move it. */
constexpr double THRESHOLD_SPIKE = 15.0;
/* Overuse needs the trend above the threshold this long (ms). */
constexpr double OVERUSE_MIN_MS = 10.0;
} // namespace

const char *
delay_signal_name (DelaySignal signal)
{
  switch (signal) {
    case DelaySignal::Overuse: return "overuse";
    case DelaySignal::Underuse: return "underuse";
    default: return "normal";
  }
}

DelaySignal
DelayTrend::add (int64_t send_us, int64_t arrival_us)
{
  if (current_.empty ()) {
    current_ = { send_us, send_us, arrival_us };
    return signal_;
  }
  if (send_us < current_.first_send_us)
    return signal_; /* sent before the group being built: reordered, ignored */
  if (send_us - current_.first_send_us <= BURST_US) {
    current_.last_send_us = std::max (current_.last_send_us, send_us);
    current_.last_arrival_us = std::max (current_.last_arrival_us, arrival_us);
    return signal_;
  }
  close_group ();
  current_ = { send_us, send_us, arrival_us };
  return signal_;
}

void
DelayTrend::close_group ()
{
  if (!previous_.empty ()) {
    double send_gap_ms = (current_.last_send_us - previous_.last_send_us) / 1000.0;
    double arrival_gap_ms = (current_.last_arrival_us - previous_.last_arrival_us) / 1000.0;
    /* A group that arrived before the previous one says nothing about
     * queueing (reordering): skip it, keep the previous as reference. */
    if (arrival_gap_ms < 0)
      return;
    on_delay_change (arrival_gap_ms - send_gap_ms, send_gap_ms, current_.last_arrival_us);
  }
  previous_ = current_;
}

void
DelayTrend::on_delay_change (double change_ms, double send_gap_ms, int64_t arrival_us)
{
  if (first_arrival_us_ < 0)
    first_arrival_us_ = arrival_us;
  deltas_ = std::min (deltas_ + 1, MAX_DELTAS_WEIGHT);
  accumulated_ms_ += change_ms;
  smoothed_ms_ = SMOOTHING * smoothed_ms_ + (1 - SMOOTHING) * accumulated_ms_;
  window_.push_back ({ (arrival_us - first_arrival_us_) / 1000.0, smoothed_ms_ });
  if (window_.size () > TREND_WINDOW)
    window_.pop_front ();
  if (window_.size () == TREND_WINDOW) {
    double mean_x = 0, mean_y = 0;
    for (const Point &p : window_) {
      mean_x += p.arrival_ms;
      mean_y += p.delay_ms;
    }
    mean_x /= window_.size ();
    mean_y /= window_.size ();
    double num = 0, den = 0;
    for (const Point &p : window_) {
      num += (p.arrival_ms - mean_x) * (p.delay_ms - mean_y);
      den += (p.arrival_ms - mean_x) * (p.arrival_ms - mean_x);
    }
    if (den > 0)
      trend_ = num / den;
  }
  detect (send_gap_ms, arrival_us);
}

void
DelayTrend::detect (double send_gap_ms, int64_t arrival_us)
{
  double modified = std::min<unsigned> (deltas_, MAX_DELTAS_WEIGHT) * trend_ * TREND_GAIN;
  if (modified > threshold_) {
    overuse_ms_ = overuse_ms_ < 0 ? send_gap_ms / 2 : overuse_ms_ + send_gap_ms;
    overuse_count_++;
    if (overuse_ms_ > OVERUSE_MIN_MS && overuse_count_ > 1 && trend_ >= previous_trend_) {
      overuse_ms_ = 0;
      overuse_count_ = 0;
      signal_ = DelaySignal::Overuse;
    }
  } else if (modified < -threshold_) {
    overuse_ms_ = -1;
    overuse_count_ = 0;
    signal_ = DelaySignal::Underuse;
  } else {
    overuse_ms_ = -1;
    overuse_count_ = 0;
    signal_ = DelaySignal::Normal;
  }
  previous_trend_ = trend_;

  if (last_threshold_update_us_ < 0)
    last_threshold_update_us_ = arrival_us;
  double excess = std::fabs (modified) - threshold_;
  if (excess <= THRESHOLD_SPIKE) {
    double dt_ms = std::min<double> ((arrival_us - last_threshold_update_us_) / 1000.0, 100.0);
    double k = std::fabs (modified) < threshold_ ? THRESHOLD_DOWN : THRESHOLD_UP;
    threshold_ = std::clamp (threshold_ + k * excess * dt_ms, THRESHOLD_MIN, THRESHOLD_MAX);
  }
  last_threshold_update_us_ = arrival_us;
}

} // namespace gstsig
