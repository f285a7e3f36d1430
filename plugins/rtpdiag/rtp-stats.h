/* gst-webrtcsignal: per-SSRC RTP statistics for rtpdiag. Plain C++, no
 * GStreamer: the element feeds packets and arrival times in, reads figures
 * out.
 *
 * Loss follows RFC 3550 A.1/A.3 (extended sequence numbers, cycles,
 * MAX_DROPOUT/MAX_MISORDER, re-sync after two sequential out-of-range
 * packets); jitter follows RFC 3550 A.8 in floating point.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "keyframes.h"

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <vector>

namespace gstsig::rtpdiag {

constexpr int64_t kNsPerSecond = 1000000000;
constexpr int64_t kNsPerMs = 1000000;

/* ---- packets ---- */

struct RtpPacket {
  uint8_t payload_type = 0;
  bool marker = false;
  uint16_t seq = 0;
  uint32_t timestamp = 0;
  uint32_t ssrc = 0;
  const uint8_t *payload = nullptr; /* after CSRCs and header extension */
  size_t payload_size = 0;          /* without padding */
  size_t size = 0;                  /* whole RTP packet */
};

/* Parses an RTP header (version 2). False if the packet is not RTP. */
bool parse_rtp (const uint8_t *data, size_t size, RtpPacket &packet);

/* Whether a packet on an RTP flow is RTCP multiplexed on it (RFC 5761:
 * the second octet, RTCP's packet type, is in 192..223). */
bool is_muxed_rtcp (const uint8_t *data, size_t size);

struct SenderInfo {
  uint32_t ssrc = 0;
  uint32_t packets = 0; /* sender's packet count */
  uint32_t octets = 0;  /* sender's payload octet count */
};

struct ReportBlock {
  uint32_t reporter = 0; /* SSRC of the receiver sending the report */
  uint32_t ssrc = 0;     /* SSRC the block is about */
  uint8_t fraction_lost = 0; /* fixed point, /256 */
  int32_t packets_lost = 0;  /* cumulative, 24-bit signed */
  uint32_t highest_seq = 0;  /* extended */
  uint32_t jitter = 0;       /* timestamp units */
};

/* Walks a compound RTCP packet and collects sender info (SR) and report
 * blocks (SR, RR). False if it is not RTCP at all. */
bool parse_rtcp (const uint8_t *data, size_t size, std::vector<SenderInfo> &senders,
    std::vector<ReportBlock> &blocks);

/* ---- payload types ---- */

struct PayloadInfo {
  std::string encoding_name; /* "" if unknown */
  uint32_t clock_rate = 0;   /* Hz, 0 if unknown: no jitter */
  Codec codec = Codec::kUnknown;
};

/* What a payload type means, from (in this order): the user's map, the
 * caps, the static payload types of RFC 3551, a fallback clock rate. */
class PayloadTable {
public:
  /* From caps: payload < 0 when the caps have no `payload` field; they then
   * describe every dynamic payload type (96..127). */
  void set_caps (int payload, const std::string &encoding_name, uint32_t clock_rate);
  void clear_caps ();
  void set_fallback_clock_rate (uint32_t clock_rate) { fallback_clock_rate_ = clock_rate; }
  uint32_t fallback_clock_rate () const { return fallback_clock_rate_; }
  /* "96:VP8/90000,111:OPUS/48000"; false (and nothing changed) on a syntax
   * error. An empty string clears the map. */
  bool set_map (const std::string &text);

  PayloadInfo lookup (uint8_t payload_type) const;
  static PayloadInfo static_payload (uint8_t payload_type);

private:
  std::map<uint8_t, PayloadInfo> map_;
  bool have_caps_ = false;
  int caps_payload_ = -1;
  PayloadInfo caps_;
  uint32_t fallback_clock_rate_ = 0;
};

/* ---- sequence numbers (RFC 3550 A.1, A.3) ---- */

class SequenceTracker {
public:
  enum class Result { kFirst, kInOrder, kReordered, kDuplicate, kIgnored, kRestart };
  static constexpr unsigned kMaxDropout = 3000;
  static constexpr unsigned kMaxMisorder = 100;
  static constexpr unsigned kWindow = 1024; /* how far back duplicates are recognised */

  Result update (uint16_t seq);

  int64_t expected () const;
  int64_t received () const { return received_prior_ + received_; }
  int64_t lost () const { return expected () - received (); }
  int64_t extended_highest () const { return highest_; }
  uint64_t duplicates () const { return duplicates_; }
  uint64_t reordered () const { return reordered_; }
  uint64_t restarts () const { return restarts_; }

private:
  void init (uint16_t seq);
  bool seen (int64_t ext) const;
  void mark (int64_t ext);
  void advance (int64_t new_highest);

  bool started_ = false;
  int64_t base_ = 0;    /* extended seq of the lowest packet of this run */
  int64_t highest_ = 0; /* extended highest seq */
  int64_t received_ = 0; /* distinct packets of this run */
  int64_t expected_prior_ = 0, received_prior_ = 0; /* runs ended by a re-sync */
  int bad_seq_ = -1;    /* RFC 3550 A.1 bad_seq, -1 = none */
  std::vector<uint64_t> window_ = std::vector<uint64_t> (kWindow / 64);
  uint64_t duplicates_ = 0, reordered_ = 0, restarts_ = 0;
};

/* ---- jitter (RFC 3550 A.8) ---- */

class JitterEstimator {
public:
  /* arrival in ns. A clock rate of 0 stops the estimate until a rate is known;
   * a change of rate restarts the transit time and rescales the jitter. */
  void update (int64_t arrival, uint32_t rtp_timestamp, uint32_t clock_rate);

  double jitter () const { return jitter_; } /* timestamp units */
  /* The same in an RTCP report's 32 bits: saturates. Arrival gaps of hours
   * (or a peer's crafted timestamps) take the estimate past 2^32. */
  uint32_t jitter_rtcp () const
  {
    return jitter_ >= double (UINT32_MAX) ? UINT32_MAX : uint32_t (jitter_);
  }
  double jitter_ms () const { return clock_rate_ ? jitter_ * 1000.0 / clock_rate_ : 0.0; }
  double max_ms () const { return max_ms_; }
  double mean_ms () const { return samples_ ? sum_ms_ / samples_ : 0.0; }
  uint64_t samples () const { return samples_; }

private:
  bool have_previous_ = false;
  int64_t previous_arrival_ = 0;
  uint32_t previous_timestamp_ = 0;
  uint32_t clock_rate_ = 0;
  double jitter_ = 0.0;
  double max_ms_ = 0.0;
  double sum_ms_ = 0.0;
  uint64_t samples_ = 0;
};

/* ---- per stream ---- */

struct Settings {
  int64_t window = kNsPerSecond;              /* for bitrate, frame rate, frame sizes */
  int64_t gap_threshold = 500 * kNsPerMs;     /* an arrival gap longer than this is a gap */
};

struct StreamFigures {
  uint32_t ssrc = 0;
  int payload_type = -1; /* -1: no RTP seen (known from RTCP only) */
  std::string encoding_name;
  uint32_t clock_rate = 0;
  uint64_t packets = 0, bytes = 0;
  double bitrate = 0;          /* bit/s over the window */
  int64_t expected = 0, lost = 0;
  double loss_percent = 0;
  uint64_t duplicates = 0, reordered = 0, seq_restarts = 0;
  uint32_t jitter = 0;         /* timestamp units */
  double jitter_ms = 0, jitter_max_ms = 0, jitter_mean_ms = 0;
  uint64_t frames = 0;
  double framerate = 0;        /* frames/s over the window */
  uint64_t frame_size_avg = 0, frame_size_max = 0; /* payload bytes, over the window */
  uint64_t keyframes = 0;
  double keyframe_interval = 0; /* s between the last two keyframes */
  uint64_t pt_changes = 0;
  uint64_t gaps = 0;
  double max_gap_ms = 0;
  double duration = 0;         /* s from first to last packet */
  bool have_sender_report = false;
  SenderInfo sender_report;
  bool have_receiver_report = false;
  ReportBlock receiver_report;
};

class StreamStats {
public:
  StreamStats (uint32_t ssrc, const Settings &settings) : ssrc_ (ssrc), settings_ (settings) {}

  void add_packet (const RtpPacket &packet, int64_t arrival, const PayloadInfo &info);
  void add_sender_report (const SenderInfo &info);
  void add_receiver_report (const ReportBlock &block);
  /* The figures as seen at time `now` (ns, same clock as the arrivals). */
  StreamFigures figures (int64_t now) const;

  const SequenceTracker &sequence () const { return sequence_; }
  const JitterEstimator &jitter () const { return jitter_; }

private:
  struct Sample {
    int64_t arrival;
    uint64_t bytes;
  };
  void finish_frame (int64_t arrival);
  double window_span (int64_t now) const;

  uint32_t ssrc_;
  Settings settings_;
  PayloadInfo info_;
  int payload_type_ = -1;
  uint64_t pt_changes_ = 0;
  uint64_t packets_ = 0, bytes_ = 0;
  int64_t first_arrival_ = 0, last_arrival_ = 0;
  uint64_t gaps_ = 0;
  int64_t max_gap_ = 0;
  SequenceTracker sequence_;
  JitterEstimator jitter_;
  std::deque<Sample> packet_window_;
  std::deque<Sample> frame_window_;

  /* the frame being received: packets with one RTP timestamp */
  bool frame_open_ = false, frame_started_ = false;
  uint32_t frame_timestamp_ = 0;
  uint64_t frame_bytes_ = 0;
  bool frame_keyframe_ = false;
  uint64_t frames_ = 0, keyframes_ = 0;
  uint32_t keyframe_timestamp_ = 0;
  int64_t keyframe_arrival_ = 0;
  double keyframe_interval_ = 0;

  bool have_sender_report_ = false, have_receiver_report_ = false;
  SenderInfo sender_report_;
  ReportBlock receiver_report_;
};

/* ---- all streams of a flow ---- */

class SessionStats {
public:
  enum class Kind { kRtp, kRtcp, kInvalid };

  explicit SessionStats (const Settings &settings = {}) : settings_ (settings) {}

  /* One packet as it arrived (ns). With rtcp_flow, every packet is RTCP;
   * otherwise RTCP multiplexed per RFC 5761 is recognised. */
  Kind add_packet (const uint8_t *data, size_t size, int64_t arrival, bool rtcp_flow,
      const PayloadTable &payloads);

  /* One entry per SSRC, in order of first appearance. */
  std::vector<StreamFigures> figures (int64_t now) const;
  const StreamStats *find (uint32_t ssrc) const;

  uint64_t invalid_packets () const { return invalid_packets_; }
  uint64_t rtcp_packets () const { return rtcp_packets_; }
  bool empty () const { return streams_.empty () && !invalid_packets_ && !rtcp_packets_; }

private:
  StreamStats &stream (uint32_t ssrc);

  Settings settings_;
  std::map<uint32_t, size_t> index_;
  std::vector<StreamStats> streams_;
  uint64_t invalid_packets_ = 0, rtcp_packets_ = 0;
};

} // namespace gstsig::rtpdiag
