/* gst-webrtcsignal: is the path to a viewer filling up? The delay-based half
 * of congestion control, from transport-wide feedback (TWCC).
 *
 * Packets sent within BURST_US of each other form a group (a video frame
 * is one). Between two groups, the change in one-way delay is
 *   (arrival gap) - (send gap);
 * summed, it is the queueing delay built up along the path, up to a
 * constant. Its trend (a least-squares slope over the last TREND_WINDOW
 * groups, of the smoothed sum against arrival time) says whether a queue
 * grows (overuse), drains (underuse) or holds (normal). The trend is
 * compared with a threshold that follows it slowly, so that a path with a
 * noisy delay does not read as congested, while a queue that grows fast
 * does at once. This is the shape of the delay-based part of Google
 * Congestion Control (draft-ietf-rmcat-gcc-02); the constants below are
 * ours, checked against a simulated bottleneck (test-congestion.cpp) and a
 * capped veth link with Chromium (tests/browser/capped-link.mjs).
 *
 * Plain C++, no GStreamer; not thread-safe (its owner locks).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <cstdint>
#include <deque>

namespace gstsig {

enum class DelaySignal { Normal, Overuse, Underuse };

const char *delay_signal_name (DelaySignal signal);

class DelayTrend {
public:
  /* Packets closer than this in send time are one group (µs). */
  static constexpr int64_t BURST_US = 5000;
  /* Groups the trend is fitted over. */
  static constexpr unsigned TREND_WINDOW = 20;

  /* A packet the viewer received: its send and arrival times (µs, each on
   * its own clock), in the order of the feedback. Returns the signal after
   * it. */
  DelaySignal add (int64_t send_us, int64_t arrival_us);

  DelaySignal signal () const { return signal_; }
  /* The latest trend and threshold (for statistics and tests). */
  double trend () const { return trend_; }
  double threshold () const { return threshold_; }

private:
  struct Group {
    int64_t first_send_us = -1;
    int64_t last_send_us = -1;
    int64_t last_arrival_us = -1;
    bool empty () const { return first_send_us < 0; }
  };
  struct Point {
    double arrival_ms;
    double delay_ms;
  };

  void close_group ();
  void on_delay_change (double change_ms, double send_gap_ms, int64_t arrival_us);
  void detect (double send_gap_ms, int64_t arrival_us);

  Group current_;
  Group previous_;
  int64_t first_arrival_us_ = -1;
  double accumulated_ms_ = 0;
  double smoothed_ms_ = 0;
  unsigned deltas_ = 0;
  std::deque<Point> window_;
  double trend_ = 0;
  double previous_trend_ = 0;
  double threshold_ = 12.5;
  int64_t last_threshold_update_us_ = -1;
  double overuse_ms_ = -1; /* how long the trend has been above the threshold */
  unsigned overuse_count_ = 0;
  DelaySignal signal_ = DelaySignal::Normal;
};

} // namespace gstsig
