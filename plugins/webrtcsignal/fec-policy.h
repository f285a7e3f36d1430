/* gst-webrtcsignal: how much forward error correction (ULPFEC in RED) one
 * viewer's video gets, from the loss it reports.
 *
 * RTX repairs a loss one round trip after it; FEC repairs it on arrival,
 * for a share of extra packets (the percentage: FEC packets per 100 media
 * packets, rtpulpfecenc's "percentage"). It pays where a retransmission
 * comes late: on links that lose packets and have a long round trip. On a
 * short one RTX repairs within milliseconds, and FEC would only take
 * bitrate from the picture (bench/RESULTS.md: 5 % loss, 1 ms round trip,
 * the picture stayed at 960x540 with FEC where it reached 1280x720 without,
 * no fewer freezes). libwebrtc's hybrid NACK/FEC likewise leaves FEC out
 * under a 20 ms round trip.
 *
 * - off: no FEC, and RED and ULPFEC are not negotiated.
 * - auto: negotiated; no FEC packets until the viewer reports AUTO_ON_LOSS
 *   of its packets lost (a smoothed receiver-report fraction) on a round
 *   trip of min_rtt (DEFAULT_MIN_RTT_S) or more; none again below
 *   AUTO_OFF_LOSS or 3/4 of min_rtt.
 * - on: at least MIN_PERCENTAGE whatever the loss and round trip.
 * While on, the percentage is LOSS_FACTOR x the loss in percent, between
 * MIN_PERCENTAGE and MAX_PERCENTAGE (5 % loss: 20 %).
 *
 * auto leaves FEC off, too, while a queue stands on the path: a round trip
 * over QUEUE_FACTOR x the least seen plus QUEUE_SLACK_S. Loss there is the
 * queue's tail, a link carrying more than it can, and FEC packets would
 * only add to it (behind a 250 kbit/s cap auto went to 33-50 % at round
 * trips of 175-490 ms against the path's 2 ms).
 *
 * Plain C++, not thread-safe (its owner calls it from one thread).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

namespace gstsig {

enum class FecMode { Off, On, Auto };

class FecPolicy {
public:
  static constexpr double AUTO_ON_LOSS = 0.02;
  static constexpr double AUTO_OFF_LOSS = 0.01;
  static constexpr double DEFAULT_MIN_RTT_S = 0.020;
  static constexpr double LOSS_FACTOR = 4;
  static constexpr unsigned MIN_PERCENTAGE = 10;
  static constexpr unsigned MAX_PERCENTAGE = 50;
  static constexpr double QUEUE_FACTOR = 2;
  static constexpr double QUEUE_SLACK_S = 0.030;
  /* Weight of a new report in the smoothed loss. */
  static constexpr double SMOOTHING = 0.3;

  explicit FecPolicy (FecMode mode, double min_rtt_s = DEFAULT_MIN_RTT_S);

  /* A receiver report's fraction lost (0..1; < 0 or above 1: ignored)
   * and the round trip (s; < 0: unknown, which keeps auto off). Returns the
   * percentage to use from now on. */
  unsigned on_report (double fraction_lost, double rtt_s);

  unsigned percentage () const { return percentage_; }
  double smoothed_loss () const { return loss_; }

private:
  unsigned percentage_for (double loss) const;

  FecMode mode_;
  double min_rtt_s_;
  double loss_ = -1; /* < 0: no report yet */
  double least_rtt_s_ = -1; /* < 0: none yet */
  bool on_;
  unsigned percentage_;
};

} // namespace gstsig
