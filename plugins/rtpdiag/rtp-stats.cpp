/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "rtp-stats.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <sstream>

namespace gstsig::rtpdiag {

namespace {

uint32_t
read32 (const uint8_t *p)
{
  return (uint32_t (p[0]) << 24) | (uint32_t (p[1]) << 16) | (uint32_t (p[2]) << 8) | p[3];
}

uint16_t
read16 (const uint8_t *p)
{
  return uint16_t ((p[0] << 8) | p[1]);
}

std::string
trim (const std::string &s)
{
  const auto begin = s.find_first_not_of (" \t");
  if (begin == std::string::npos)
    return "";
  const auto end = s.find_last_not_of (" \t");
  return s.substr (begin, end - begin + 1);
}

bool
parse_uint (const std::string &text, unsigned long max, unsigned long &value)
{
  if (text.empty () || text.find_first_not_of ("0123456789") != std::string::npos)
    return false;
  char *end = nullptr;
  value = std::strtoul (text.c_str (), &end, 10);
  return *end == '\0' && value <= max;
}

} // namespace

/* ---- packets ---- */

bool
parse_rtp (const uint8_t *data, size_t size, RtpPacket &packet)
{
  if (!data || size < 12 || (data[0] >> 6) != 2)
    return false;
  const bool padding = data[0] & 0x20;
  const bool extension = data[0] & 0x10;
  const unsigned csrc_count = data[0] & 0x0f;
  size_t offset = 12 + 4 * csrc_count;
  if (offset > size)
    return false;
  if (extension) {
    if (offset + 4 > size)
      return false;
    offset += 4 + 4 * size_t (read16 (data + offset + 2));
    if (offset > size)
      return false;
  }
  size_t end = size;
  if (padding) {
    const uint8_t pad = data[size - 1];
    if (pad == 0 || offset + pad > size)
      return false;
    end -= pad;
  }
  packet.marker = data[1] & 0x80;
  packet.payload_type = data[1] & 0x7f;
  packet.seq = read16 (data + 2);
  packet.timestamp = read32 (data + 4);
  packet.ssrc = read32 (data + 8);
  packet.payload = data + offset;
  packet.payload_size = end - offset;
  packet.size = size;
  return true;
}

bool
is_muxed_rtcp (const uint8_t *data, size_t size)
{
  return data && size >= 4 && (data[0] >> 6) == 2 && data[1] >= 192 && data[1] <= 223;
}

bool
parse_rtcp (const uint8_t *data, size_t size, std::vector<SenderInfo> &senders,
    std::vector<ReportBlock> &blocks)
{
  if (!data)
    return false;
  size_t offset = 0;
  bool any = false;
  while (offset + 4 <= size) {
    const uint8_t *header = data + offset;
    if ((header[0] >> 6) != 2)
      return false;
    const unsigned count = header[0] & 0x1f;
    const uint8_t type = header[1];
    const size_t length = (size_t (read16 (header + 2)) + 1) * 4;
    if (offset + length > size)
      return false;
    const uint8_t *body = header + 4;
    const size_t body_size = length - 4;
    size_t block_offset = body_size; /* no report blocks unless SR/RR */
    uint32_t reporter = 0;
    if (type == 200 && body_size >= 24) { /* SR */
      SenderInfo info;
      info.ssrc = reporter = read32 (body);
      info.packets = read32 (body + 16);
      info.octets = read32 (body + 20);
      senders.push_back (info);
      block_offset = 24;
    } else if (type == 201 && body_size >= 4) { /* RR */
      reporter = read32 (body);
      block_offset = 4;
    }
    for (unsigned i = 0; i < count && block_offset + 24 <= body_size; i++) {
      const uint8_t *b = body + block_offset;
      ReportBlock block;
      block.reporter = reporter;
      block.ssrc = read32 (b);
      block.fraction_lost = b[4];
      int32_t lost = int32_t ((uint32_t (b[5]) << 16) | (uint32_t (b[6]) << 8) | b[7]);
      if (lost & 0x800000)
        lost -= 0x1000000;
      block.packets_lost = lost;
      block.highest_seq = read32 (b + 8);
      block.jitter = read32 (b + 12);
      blocks.push_back (block);
      block_offset += 24;
    }
    offset += length;
    any = true;
  }
  return any;
}

/* ---- payload types ---- */

PayloadInfo
PayloadTable::static_payload (uint8_t pt)
{
  /* RFC 3551 tables 4 and 5 */
  struct Entry {
    uint8_t pt;
    const char *name;
    uint32_t rate;
  };
  static const Entry entries[] = {
    { 0, "PCMU", 8000 }, { 3, "GSM", 8000 }, { 4, "G723", 8000 }, { 5, "DVI4", 8000 },
    { 6, "DVI4", 16000 }, { 7, "LPC", 8000 }, { 8, "PCMA", 8000 }, { 9, "G722", 8000 },
    { 10, "L16", 44100 }, { 11, "L16", 44100 }, { 12, "QCELP", 8000 }, { 13, "CN", 8000 },
    { 14, "MPA", 90000 }, { 15, "G728", 8000 }, { 16, "DVI4", 11025 }, { 17, "DVI4", 22050 },
    { 18, "G729", 8000 }, { 25, "CelB", 90000 }, { 26, "JPEG", 90000 }, { 28, "nv", 90000 },
    { 31, "H261", 90000 }, { 32, "MPV", 90000 }, { 33, "MP2T", 90000 }, { 34, "H263", 90000 },
  };
  PayloadInfo info;
  for (const auto &e : entries) {
    if (e.pt == pt) {
      info.encoding_name = e.name;
      info.clock_rate = e.rate;
    }
  }
  return info;
}

void
PayloadTable::set_caps (int payload, const std::string &encoding_name, uint32_t clock_rate)
{
  have_caps_ = true;
  caps_payload_ = payload;
  caps_.encoding_name = encoding_name;
  caps_.clock_rate = clock_rate;
  caps_.codec = codec_from_encoding_name (encoding_name);
}

void
PayloadTable::clear_caps ()
{
  have_caps_ = false;
  caps_ = PayloadInfo ();
}

bool
PayloadTable::set_map (const std::string &text)
{
  std::map<uint8_t, PayloadInfo> map;
  std::stringstream entries (text);
  std::string entry;
  while (std::getline (entries, entry, ',')) {
    entry = trim (entry);
    if (entry.empty ())
      continue;
    const auto colon = entry.find (':');
    if (colon == std::string::npos)
      return false;
    unsigned long pt = 0, rate = 0;
    if (!parse_uint (trim (entry.substr (0, colon)), 127, pt))
      return false;
    std::string name = trim (entry.substr (colon + 1));
    const auto slash = name.find ('/');
    if (slash != std::string::npos) {
      if (!parse_uint (trim (name.substr (slash + 1)), 10000000, rate))
        return false;
      name = trim (name.substr (0, slash));
    }
    if (name.empty ())
      return false;
    PayloadInfo info;
    info.encoding_name = name;
    info.clock_rate = uint32_t (rate);
    info.codec = codec_from_encoding_name (name);
    map[uint8_t (pt)] = info;
  }
  map_ = std::move (map);
  return true;
}

PayloadInfo
PayloadTable::lookup (uint8_t pt) const
{
  PayloadInfo info;
  auto it = map_.find (pt);
  if (it != map_.end ())
    info = it->second;
  else if (have_caps_ && (caps_payload_ == pt || (caps_payload_ < 0 && pt >= 96)))
    info = caps_;
  if (info.clock_rate == 0) {
    PayloadInfo fixed = static_payload (pt);
    if (info.encoding_name.empty ())
      info.encoding_name = fixed.encoding_name;
    info.clock_rate = fixed.clock_rate;
  }
  if (info.clock_rate == 0)
    info.clock_rate = fallback_clock_rate_;
  info.codec = codec_from_encoding_name (info.encoding_name);
  return info;
}

/* ---- sequence numbers ---- */

void
SequenceTracker::init (uint16_t seq)
{
  started_ = true;
  base_ = highest_ = seq;
  received_ = 1;
  bad_seq_ = -1;
  std::fill (window_.begin (), window_.end (), 0);
  mark (seq);
}

bool
SequenceTracker::seen (int64_t ext) const
{
  const uint64_t slot = uint64_t (ext) % kWindow;
  return window_[slot / 64] & (uint64_t (1) << (slot % 64));
}

void
SequenceTracker::mark (int64_t ext)
{
  const uint64_t slot = uint64_t (ext) % kWindow;
  window_[slot / 64] |= uint64_t (1) << (slot % 64);
}

void
SequenceTracker::advance (int64_t new_highest)
{
  if (new_highest - highest_ >= int64_t (kWindow)) {
    std::fill (window_.begin (), window_.end (), 0);
  } else {
    for (int64_t ext = highest_ + 1; ext <= new_highest; ext++) {
      const uint64_t slot = uint64_t (ext) % kWindow;
      window_[slot / 64] &= ~(uint64_t (1) << (slot % 64));
    }
  }
  highest_ = new_highest;
}

int64_t
SequenceTracker::expected () const
{
  return expected_prior_ + (started_ ? highest_ - base_ + 1 : 0);
}

SequenceTracker::Result
SequenceTracker::update (uint16_t seq)
{
  if (!started_) {
    init (seq);
    return Result::kFirst;
  }
  const uint16_t udelta = uint16_t (seq - uint16_t (highest_ & 0xffff));
  if (udelta == 0) {
    duplicates_++;
    return Result::kDuplicate;
  }
  if (udelta < kMaxDropout) {
    /* in order, with a permissible gap; wrapping adds a cycle */
    advance (highest_ + udelta);
    mark (highest_);
    received_++;
    bad_seq_ = -1;
    return Result::kInOrder;
  }
  if (udelta <= 65536 - kMaxMisorder) {
    /* a very large jump: re-sync only after two sequential packets */
    if (int (seq) == bad_seq_) {
      expected_prior_ += highest_ - base_ + 1;
      received_prior_ += received_;
      restarts_++;
      init (seq);
      return Result::kRestart;
    }
    bad_seq_ = (seq + 1) & 0xffff;
    return Result::kIgnored;
  }
  /* behind the highest by at most kMaxMisorder: late or duplicate */
  const int64_t ext = highest_ - (65536 - int64_t (udelta));
  if (ext >= base_ && seen (ext)) {
    duplicates_++;
    return Result::kDuplicate;
  }
  if (ext < base_)
    base_ = ext; /* older than the first packet: it was expected too */
  mark (ext);
  received_++;
  reordered_++;
  return Result::kReordered;
}

/* ---- jitter ---- */

void
JitterEstimator::update (int64_t arrival, uint32_t rtp_timestamp, uint32_t clock_rate)
{
  if (clock_rate == 0) {
    have_previous_ = false;
    return;
  }
  if (have_previous_ && clock_rate == clock_rate_) {
    /* D(i-1,i) = (R_i - R_{i-1}) - (S_i - S_{i-1}), in timestamp units */
    const double arrival_delta =
        double (arrival - previous_arrival_) * double (clock_rate) / double (kNsPerSecond);
    const double timestamp_delta = double (int32_t (rtp_timestamp - previous_timestamp_));
    const double d = std::fabs (arrival_delta - timestamp_delta);
    jitter_ += (d - jitter_) / 16.0;
    const double ms = jitter_ * 1000.0 / clock_rate;
    max_ms_ = std::max (max_ms_, ms);
    sum_ms_ += ms;
    samples_++;
  } else if (have_previous_ && clock_rate_ != 0) {
    /* a new clock: keep the estimate, in the new units */
    jitter_ = jitter_ * clock_rate / clock_rate_;
  }
  have_previous_ = true;
  previous_arrival_ = arrival;
  previous_timestamp_ = rtp_timestamp;
  clock_rate_ = clock_rate;
}

/* ---- per stream ---- */

void
StreamStats::finish_frame (int64_t arrival)
{
  frame_open_ = false;
  frames_++;
  frame_window_.push_back ({ arrival, frame_bytes_ });
  while (!frame_window_.empty () && frame_window_.front ().arrival <= arrival - settings_.window)
    frame_window_.pop_front ();
}

void
StreamStats::add_packet (const RtpPacket &packet, int64_t arrival, const PayloadInfo &info)
{
  if (packets_ == 0) {
    first_arrival_ = last_arrival_ = arrival;
  } else {
    const int64_t gap = arrival - last_arrival_;
    if (gap > settings_.gap_threshold)
      gaps_++;
    max_gap_ = std::max (max_gap_, gap);
    last_arrival_ = std::max (last_arrival_, arrival);
  }
  packets_++;
  bytes_ += packet.size;
  packet_window_.push_back ({ arrival, packet.size });
  while (!packet_window_.empty () && packet_window_.front ().arrival <= arrival - settings_.window)
    packet_window_.pop_front ();

  if (payload_type_ >= 0 && packet.payload_type != payload_type_)
    pt_changes_++;
  payload_type_ = packet.payload_type;
  info_ = info;

  const auto result = sequence_.update (packet.seq);
  if (result == SequenceTracker::Result::kIgnored)
    return; /* out of range until the sender proves a restart: no jitter, no frame */
  if (result == SequenceTracker::Result::kRestart)
    jitter_ = JitterEstimator ();
  jitter_.update (arrival, packet.timestamp, info.clock_rate);
  if (result == SequenceTracker::Result::kDuplicate)
    return;

  /* Frames: packets sharing an RTP timestamp, ended by the marker bit or by
   * a newer timestamp. Late packets of an older frame are left out. */
  if (!frame_started_ || int32_t (packet.timestamp - frame_timestamp_) > 0) {
    if (frame_open_)
      finish_frame (arrival);
    frame_started_ = frame_open_ = true;
    frame_timestamp_ = packet.timestamp;
    frame_bytes_ = 0;
    frame_keyframe_ = false;
  } else if (packet.timestamp != frame_timestamp_ || !frame_open_) {
    return;
  }
  frame_bytes_ += packet.payload_size;
  if (!frame_keyframe_ && info.codec != Codec::kUnknown
      && is_keyframe (info.codec, packet.payload, packet.payload_size)) {
    frame_keyframe_ = true;
    if (keyframes_ > 0) {
      keyframe_interval_ = info.clock_rate
          ? double (uint32_t (packet.timestamp - keyframe_timestamp_)) / info.clock_rate
          : double (arrival - keyframe_arrival_) / kNsPerSecond;
    }
    keyframes_++;
    keyframe_timestamp_ = packet.timestamp;
    keyframe_arrival_ = arrival;
  }
  if (packet.marker)
    finish_frame (arrival);
}

void
StreamStats::add_sender_report (const SenderInfo &info)
{
  have_sender_report_ = true;
  sender_report_ = info;
}

void
StreamStats::add_receiver_report (const ReportBlock &block)
{
  have_receiver_report_ = true;
  receiver_report_ = block;
}

double
StreamStats::window_span (int64_t now) const
{
  if (packets_ == 0)
    return 0;
  return double (std::min (settings_.window, now - first_arrival_));
}

StreamFigures
StreamStats::figures (int64_t now) const
{
  StreamFigures f;
  f.ssrc = ssrc_;
  f.payload_type = payload_type_;
  f.encoding_name = info_.encoding_name;
  f.clock_rate = info_.clock_rate;
  f.packets = packets_;
  f.bytes = bytes_;
  f.expected = sequence_.expected ();
  f.lost = sequence_.lost ();
  f.loss_percent = f.expected > 0 ? 100.0 * double (f.lost) / double (f.expected) : 0.0;
  f.duplicates = sequence_.duplicates ();
  f.reordered = sequence_.reordered ();
  f.seq_restarts = sequence_.restarts ();
  f.jitter = jitter_.jitter_rtcp ();
  f.jitter_ms = jitter_.jitter_ms ();
  f.jitter_max_ms = jitter_.max_ms ();
  f.jitter_mean_ms = jitter_.mean_ms ();
  f.frames = frames_;
  f.keyframes = keyframes_;
  f.keyframe_interval = keyframe_interval_;
  f.pt_changes = pt_changes_;
  f.gaps = gaps_;
  f.max_gap_ms = double (max_gap_) / kNsPerMs;
  f.duration = packets_ ? double (last_arrival_ - first_arrival_) / kNsPerSecond : 0.0;

  /* Rates over the last window (or since the first packet, if sooner). */
  const double span = window_span (now);
  if (span > 0) {
    const int64_t cutoff = now - int64_t (span);
    uint64_t bytes = 0;
    for (auto it = packet_window_.rbegin (); it != packet_window_.rend () && it->arrival > cutoff; ++it)
      bytes += it->bytes;
    f.bitrate = double (bytes) * 8.0 * kNsPerSecond / span;
  }
  /* Frame rate from the frames completed in the last window: (n - 1)
   * intervals between the first and the last of them. */
  uint64_t frames = 0;
  int64_t newest = 0, oldest = 0;
  for (auto it = frame_window_.rbegin ();
       it != frame_window_.rend () && it->arrival > now - settings_.window; ++it) {
    if (frames++ == 0)
      newest = it->arrival;
    oldest = it->arrival;
  }
  if (frames >= 2 && newest > oldest)
    f.framerate = double (frames - 1) * kNsPerSecond / double (newest - oldest);
  uint64_t sized = 0, total = 0;
  for (auto it = frame_window_.rbegin ();
       it != frame_window_.rend () && it->arrival > now - settings_.window; ++it) {
    sized++;
    total += it->bytes;
    f.frame_size_max = std::max (f.frame_size_max, it->bytes);
  }
  f.frame_size_avg = sized ? total / sized : 0;

  f.have_sender_report = have_sender_report_;
  f.sender_report = sender_report_;
  f.have_receiver_report = have_receiver_report_;
  f.receiver_report = receiver_report_;
  return f;
}

/* ---- all streams ---- */

StreamStats &
SessionStats::stream (uint32_t ssrc)
{
  auto it = index_.find (ssrc);
  if (it != index_.end ())
    return streams_[it->second];
  index_[ssrc] = streams_.size ();
  streams_.emplace_back (ssrc, settings_);
  return streams_.back ();
}

const StreamStats *
SessionStats::find (uint32_t ssrc) const
{
  auto it = index_.find (ssrc);
  return it == index_.end () ? nullptr : &streams_[it->second];
}

SessionStats::Kind
SessionStats::add_packet (const uint8_t *data, size_t size, int64_t arrival, bool rtcp_flow,
    const PayloadTable &payloads)
{
  if (rtcp_flow || is_muxed_rtcp (data, size)) {
    std::vector<SenderInfo> senders;
    std::vector<ReportBlock> blocks;
    if (!parse_rtcp (data, size, senders, blocks)) {
      invalid_packets_++;
      return Kind::kInvalid;
    }
    rtcp_packets_++;
    for (const auto &s : senders)
      stream (s.ssrc).add_sender_report (s);
    for (const auto &b : blocks)
      stream (b.ssrc).add_receiver_report (b);
    return Kind::kRtcp;
  }
  RtpPacket packet;
  if (!parse_rtp (data, size, packet)) {
    invalid_packets_++;
    return Kind::kInvalid;
  }
  stream (packet.ssrc).add_packet (packet, arrival, payloads.lookup (packet.payload_type));
  return Kind::kRtp;
}

std::vector<StreamFigures>
SessionStats::figures (int64_t now) const
{
  std::vector<StreamFigures> all;
  all.reserve (streams_.size ());
  for (const auto &s : streams_)
    all.push_back (s.figures (now));
  return all;
}

} // namespace gstsig::rtpdiag
