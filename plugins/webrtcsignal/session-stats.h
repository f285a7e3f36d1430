/* gst-webrtcsignal: the figures of one session, summarized from webrtcbin's
 * get-stats (RTP counters, remote reports, the selected candidate pair) into
 * one flat structure that the elements expose and report.
 *
 * Fields (all optional; present when webrtcbin knows them):
 *   role (string: "producer"/"consumer"), peer-id (string),
 *   codec (string, e.g. "VP8"), bitrate-out, bitrate-in (bit/s, over the
 *   last interval), packets-sent, packets-received, bytes-sent,
 *   bytes-received (counts), packets-lost (count, as reported by the
 *   receiving side), fraction-lost (0..1), jitter (s), rtt (s),
 *   nack-count, pli-count, fir-count (requests received or sent),
 *   candidate-pair (string "local-address:port <-> remote-address:port"),
 *   and with diagnostics the rtpdiag figures (see rtpdiag) as "rtpdiag".
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/gst.h>

#include <string>

namespace gstsig {

class SessionStatsTracker {
public:
  SessionStatsTracker (std::string role, std::string peer_id)
      : role_ (std::move (role)), peer_id_ (std::move (peer_id)) {}

  /* (transfer full) The summary of a get-stats reply taken at now_us
   * (monotonic); rates are computed against the previous reply. */
  GstStructure *update (const GstStructure *reply, gint64 now_us);

private:
  std::string role_;
  std::string peer_id_;
  gint64 last_us_ = 0;
  double last_bytes_sent_ = 0;
  double last_bytes_received_ = 0;
};

} // namespace gstsig
