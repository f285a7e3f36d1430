/* Unit tests of rtpdiag's statistics, on vectors computed by hand: loss with
 * sequence number wrap-around (RFC 3550 A.1/A.3), duplicates, reordering,
 * re-sync, RFC 3550 A.8 jitter on known arrival times, frames, keyframes,
 * payload types, RTCP report blocks.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "rtp-stats.h"

#include <gtest/gtest.h>

#include <vector>

using namespace gstsig::rtpdiag;
using Result = SequenceTracker::Result;

namespace {

constexpr int64_t kMs = kNsPerMs;

/* An RTP packet: 12-byte header then payload. */
std::vector<uint8_t>
rtp (uint16_t seq, uint32_t ts, uint32_t ssrc = 0x1234, uint8_t pt = 96, bool marker = false,
    std::vector<uint8_t> payload = { 0, 0, 0, 0 })
{
  const uint8_t header[12] = { 0x80, uint8_t ((marker ? 0x80 : 0) | pt), uint8_t (seq >> 8),
    uint8_t (seq), uint8_t (ts >> 24), uint8_t (ts >> 16), uint8_t (ts >> 8), uint8_t (ts),
    uint8_t (ssrc >> 24), uint8_t (ssrc >> 16), uint8_t (ssrc >> 8), uint8_t (ssrc) };
  std::vector<uint8_t> p (header, header + sizeof (header));
  for (uint8_t b : payload)
    p.push_back (b);
  return p;
}

std::vector<Result>
feed (SequenceTracker &t, std::initializer_list<unsigned> seqs)
{
  std::vector<Result> results;
  for (unsigned s : seqs)
    results.push_back (t.update (uint16_t (s)));
  return results;
}

} // namespace

TEST (SequenceTracker, InOrderNoLoss)
{
  SequenceTracker t;
  feed (t, { 10, 11, 12, 13 });
  EXPECT_EQ (t.expected (), 4);
  EXPECT_EQ (t.received (), 4);
  EXPECT_EQ (t.lost (), 0);
}

TEST (SequenceTracker, LossAcrossWrapAround)
{
  /* 65533 65534 65535 [0 lost] 1 2: extended 65533..65538, six expected. */
  SequenceTracker t;
  feed (t, { 65533, 65534, 65535, 1, 2 });
  EXPECT_EQ (t.extended_highest (), 65538);
  EXPECT_EQ (t.expected (), 6);
  EXPECT_EQ (t.received (), 5);
  EXPECT_EQ (t.lost (), 1);
  EXPECT_EQ (t.reordered (), 0u);
}

TEST (SequenceTracker, LossOverThreeCycles)
{
  /* Three full cycles from 0 with every 1000th sequence number dropped:
   * 66 per cycle (0, 1000, ..., 65000), but the very first packet (0) is the
   * base, so it is not dropped: 65 + 66 + 66 = 197 lost of 3 * 65536 - 0. */
  SequenceTracker t;
  int dropped = 0;
  for (int cycle = 0; cycle < 3; cycle++) {
    for (unsigned s = 0; s < 65536; s++) {
      if (s % 1000 == 0 && !(cycle == 0 && s == 0)) {
        dropped++;
        continue;
      }
      t.update (uint16_t (s));
    }
  }
  EXPECT_EQ (dropped, 197);
  EXPECT_EQ (t.expected (), 3 * 65536);
  EXPECT_EQ (t.lost (), 197);
  EXPECT_EQ (t.extended_highest (), 3 * 65536 - 1);
}

TEST (SequenceTracker, Reordering)
{
  SequenceTracker t;
  auto r = feed (t, { 10, 11, 13, 12, 14 });
  EXPECT_EQ (r[3], Result::kReordered);
  EXPECT_EQ (t.reordered (), 1u);
  EXPECT_EQ (t.duplicates (), 0u);
  EXPECT_EQ (t.lost (), 0);
  EXPECT_EQ (t.expected (), 5);
}

TEST (SequenceTracker, ReorderingAcrossWrapAround)
{
  /* 65535 arrives after 0 and 1: late, not a new cycle. */
  SequenceTracker t;
  feed (t, { 65533, 65534, 0, 1, 65535, 2 });
  EXPECT_EQ (t.reordered (), 1u);
  EXPECT_EQ (t.lost (), 0);
  EXPECT_EQ (t.expected (), 6);
}

TEST (SequenceTracker, Duplicates)
{
  SequenceTracker t;
  auto r = feed (t, { 10, 11, 11, 12, 11, 13 });
  EXPECT_EQ (r[2], Result::kDuplicate);
  EXPECT_EQ (r[4], Result::kDuplicate);
  EXPECT_EQ (t.duplicates (), 2u);
  EXPECT_EQ (t.reordered (), 0u);
  EXPECT_EQ (t.received (), 4);
  EXPECT_EQ (t.lost (), 0);
}

TEST (SequenceTracker, LateThenDuplicateOfLate)
{
  /* 12 is late (reordered); its copy is a duplicate, 11 stays lost. */
  SequenceTracker t;
  feed (t, { 10, 13, 12, 12 });
  EXPECT_EQ (t.reordered (), 1u);
  EXPECT_EQ (t.duplicates (), 1u);
  EXPECT_EQ (t.lost (), 1);
}

TEST (SequenceTracker, PacketOlderThanTheFirst)
{
  /* 19 arrives after 20: it extends the base, nothing is lost. */
  SequenceTracker t;
  feed (t, { 20, 19, 21 });
  EXPECT_EQ (t.expected (), 3);
  EXPECT_EQ (t.lost (), 0);
  EXPECT_EQ (t.reordered (), 1u);
}

TEST (SequenceTracker, GapWithinDropout)
{
  SequenceTracker t;
  feed (t, { 100, 2000 });
  EXPECT_EQ (t.expected (), 1901);
  EXPECT_EQ (t.lost (), 1899);
}

TEST (SequenceTracker, RestartAfterTwoSequentialPackets)
{
  /* 30000 is too far (>= MAX_DROPOUT ahead): ignored; 30001 right after it
   * proves a restart. The first run expected 2, the new one 30001..30002. */
  SequenceTracker t;
  auto r = feed (t, { 100, 101, 30000, 30001, 30002 });
  EXPECT_EQ (r[2], Result::kIgnored);
  EXPECT_EQ (r[3], Result::kRestart);
  EXPECT_EQ (t.restarts (), 1u);
  EXPECT_EQ (t.expected (), 4);
  EXPECT_EQ (t.received (), 4);
  EXPECT_EQ (t.lost (), 0);
}

TEST (SequenceTracker, StrayPacketDoesNotRestart)
{
  SequenceTracker t;
  auto r = feed (t, { 100, 101, 30000, 102 });
  EXPECT_EQ (r[2], Result::kIgnored);
  EXPECT_EQ (r[3], Result::kInOrder);
  EXPECT_EQ (t.restarts (), 0u);
  EXPECT_EQ (t.expected (), 3);
  EXPECT_EQ (t.lost (), 0);
}

TEST (Jitter, KnownArrivalTimes)
{
  /* 8 kHz, 160 ticks (20 ms) per packet; arrivals 0, 20, 45, 60, 80 ms.
   * D = (R_i - R_{i-1}) - (S_i - S_{i-1}) in ticks; J += (|D| - J) / 16:
   *   p2: 160 - 160 = 0   -> J = 0
   *   p3: 200 - 160 = 40  -> J = 40/16 = 2.5
   *   p4: 120 - 160 = -40 -> J = 2.5 + 37.5/16 = 4.84375
   *   p5: 160 - 160 = 0   -> J = 4.84375 - 4.84375/16 = 4.541015625 */
  JitterEstimator j;
  const int64_t arrivals[] = { 0, 20, 45, 60, 80 };
  for (int i = 0; i < 5; i++)
    j.update (arrivals[i] * kMs, 1000 + 160 * i, 8000);
  EXPECT_DOUBLE_EQ (j.jitter (), 4.541015625);
  EXPECT_DOUBLE_EQ (j.jitter_ms (), 4.541015625 / 8);
  EXPECT_DOUBLE_EQ (j.max_ms (), 4.84375 / 8);
  EXPECT_DOUBLE_EQ (j.mean_ms (), (0 + 2.5 + 4.84375 + 4.541015625) / 4 / 8);
  EXPECT_EQ (j.samples (), 4u);
}

TEST (Jitter, TimestampWrapAround)
{
  /* 90 kHz, 25 fps (3600 ticks, 40 ms) across 2^32; the second frame 10 ms
   * late: D = 900 ticks then -900: J = 900/16 = 56.25, then
   * 56.25 + (900 - 56.25)/16 = 108.984375. */
  JitterEstimator j;
  const uint32_t ts0 = 0xFFFFF000u;
  j.update (0, ts0, 90000);
  j.update (50 * kMs, ts0 + 3600, 90000);
  EXPECT_DOUBLE_EQ (j.jitter (), 56.25);
  j.update (80 * kMs, ts0 + 7200, 90000);
  EXPECT_DOUBLE_EQ (j.jitter (), 108.984375);
}

/* Found by fuzz-rtpdiag in its hour-long run: arrivals days apart make the
 * estimate larger than 32 bits, and converting it was undefined behaviour
 * (UBSan: "5.83334e+10 is outside the range of representable values of
 * type 'unsigned int'"). The 32-bit figure saturates. */
TEST (Jitter, EstimateBeyond32BitsSaturates)
{
  JitterEstimator j;
  const int64_t day = 86400 * 1000 * kMs;
  for (int i = 0; i < 40; i++)
    j.update (i * 10 * day, 1000 + 3000 * i, 90000);
  EXPECT_GT (j.jitter (), double (UINT32_MAX));
  EXPECT_EQ (j.jitter_rtcp (), UINT32_MAX);
  JitterEstimator small;
  small.update (0, 0, 8000);
  small.update (25 * kMs, 160, 8000);
  EXPECT_EQ (small.jitter_rtcp (), 2u); /* 40/16 = 2.5 */
}

TEST (Jitter, NoClockRateNoJitter)
{
  JitterEstimator j;
  j.update (0, 0, 0);
  j.update (25 * kMs, 160, 0);
  EXPECT_EQ (j.samples (), 0u);
  EXPECT_EQ (j.jitter_ms (), 0.0);
}

TEST (RtpParse, HeaderFields)
{
  auto p = rtp (513, 0x01020304, 0xdeadbeef, 111, true, { 1, 2, 3 });
  RtpPacket packet;
  ASSERT_TRUE (parse_rtp (p.data (), p.size (), packet));
  EXPECT_EQ (packet.seq, 513);
  EXPECT_EQ (packet.timestamp, 0x01020304u);
  EXPECT_EQ (packet.ssrc, 0xdeadbeefu);
  EXPECT_EQ (packet.payload_type, 111);
  EXPECT_TRUE (packet.marker);
  EXPECT_EQ (packet.payload_size, 3u);
  EXPECT_EQ (packet.payload[0], 1);

  /* CSRC, header extension (one word) and 2 bytes of padding */
  std::vector<uint8_t> q = { 0xb1, 96, 0, 1, 0, 0, 0, 1, 0, 0, 0, 2, /* CSRC */ 0, 0, 0, 3,
    /* ext */ 0xbe, 0xde, 0, 1, 1, 2, 3, 4, /* payload */ 9, 9, /* padding */ 0, 2 };
  ASSERT_TRUE (parse_rtp (q.data (), q.size (), packet));
  EXPECT_EQ (packet.payload_size, 2u);
  EXPECT_EQ (packet.payload[0], 9);

  std::vector<uint8_t> bad = { 0x40, 96, 0, 1 };
  EXPECT_FALSE (parse_rtp (bad.data (), bad.size (), packet));
}

TEST (Rtcp, ReceiverReportBlock)
{
  /* RR from 0x0a0b0c0d with one block about 0x1234: fraction 64/256,
   * cumulative lost -2 (0xfffffe), highest 70000, jitter 90. */
  std::vector<uint8_t> rr = { 0x81, 201, 0, 7, 0x0a, 0x0b, 0x0c, 0x0d, 0, 0, 0x12, 0x34, 64, 0xff,
    0xff, 0xfe, 0, 1, 0x11, 0x70, 0, 0, 0, 90, 0, 0, 0, 0, 0, 0, 0, 0 };
  std::vector<SenderInfo> senders;
  std::vector<ReportBlock> blocks;
  ASSERT_TRUE (parse_rtcp (rr.data (), rr.size (), senders, blocks));
  EXPECT_TRUE (senders.empty ());
  ASSERT_EQ (blocks.size (), 1u);
  EXPECT_EQ (blocks[0].reporter, 0x0a0b0c0du);
  EXPECT_EQ (blocks[0].ssrc, 0x1234u);
  EXPECT_EQ (blocks[0].fraction_lost, 64);
  EXPECT_EQ (blocks[0].packets_lost, -2);
  EXPECT_EQ (blocks[0].highest_seq, 70000u);
  EXPECT_EQ (blocks[0].jitter, 90u);
  EXPECT_TRUE (is_muxed_rtcp (rr.data (), rr.size ()));
  auto p = rtp (1, 1);
  EXPECT_FALSE (is_muxed_rtcp (p.data (), p.size ()));
}

TEST (PayloadTable, Precedence)
{
  PayloadTable table;
  table.set_caps (96, "H264", 90000);
  EXPECT_EQ (table.lookup (96).codec, Codec::kH264);
  EXPECT_EQ (table.lookup (96).clock_rate, 90000u);
  EXPECT_EQ (table.lookup (0).encoding_name, "PCMU");
  EXPECT_EQ (table.lookup (0).clock_rate, 8000u);
  EXPECT_EQ (table.lookup (97).clock_rate, 0u); /* the caps are about 96 only */
  table.set_fallback_clock_rate (48000);
  EXPECT_EQ (table.lookup (97).clock_rate, 48000u);
  EXPECT_TRUE (table.set_map ("97:VP8/90000, 96 : vp9/90000"));
  EXPECT_EQ (table.lookup (97).codec, Codec::kVP8);
  EXPECT_EQ (table.lookup (96).codec, Codec::kVP9);
  EXPECT_FALSE (table.set_map ("97=VP8"));
  EXPECT_FALSE (table.set_map ("200:VP8/90000"));
  EXPECT_EQ (table.lookup (97).codec, Codec::kVP8); /* unchanged */
  table.set_caps (-1, "H265", 90000);               /* no payload: every dynamic type */
  EXPECT_EQ (table.lookup (100).codec, Codec::kH265);
  EXPECT_EQ (table.lookup (8).encoding_name, "PCMA");
}

TEST (StreamStats, FramesKeyframesAndRates)
{
  /* VP8 at 90 kHz, 10 frames of two packets 100 ms apart (10 fps); frames 0
   * and 5 are keyframes: interval 5 * 9000 ticks = 0.5 s. */
  PayloadTable table;
  table.set_caps (96, "VP8", 90000);
  SessionStats stats;
  uint16_t seq = 0;
  for (int f = 0; f < 10; f++) {
    const uint32_t ts = 9000 * f;
    const int64_t t = f * 100 * kMs;
    const uint8_t tag = (f % 5 == 0) ? 0x00 : 0x01; /* P bit: 0 = key frame */
    auto first = rtp (seq++, ts, 0x1234, 96, false, { 0x10, tag, 0, 0, 0, 0, 0, 0, 0, 0 });
    auto second = rtp (seq++, ts, 0x1234, 96, true, { 0x00, 0, 0, 0, 0, 0 });
    stats.add_packet (first.data (), first.size (), t, false, table);
    stats.add_packet (second.data (), second.size (), t + kMs, false, table);
  }
  auto figures = stats.figures (901 * kMs);
  ASSERT_EQ (figures.size (), 1u);
  const auto &f = figures[0];
  EXPECT_EQ (f.encoding_name, "VP8");
  EXPECT_EQ (f.packets, 20u);
  EXPECT_EQ (f.bytes, 10u * (22 + 18));
  EXPECT_EQ (f.frames, 10u);
  EXPECT_EQ (f.keyframes, 2u);
  EXPECT_DOUBLE_EQ (f.keyframe_interval, 0.5);
  EXPECT_EQ (f.frame_size_avg, 16u); /* 10 + 6 payload bytes */
  EXPECT_EQ (f.frame_size_max, 16u);
  /* frames end at 1, 101, ..., 901 ms: 9 intervals in 0.9 s */
  EXPECT_NEAR (f.framerate, 10.0, 1e-9);
  /* bitrate over the 0.901 s since the first packet, which is not in it */
  EXPECT_NEAR (f.bitrate, (10 * 40 - 22) * 8 / 0.901, 1e-6);
  EXPECT_EQ (f.lost, 0);
  EXPECT_EQ (f.gaps, 0u);
  EXPECT_DOUBLE_EQ (f.duration, 0.901);
}

TEST (StreamStats, PayloadTypeChangesAndGaps)
{
  PayloadTable table;
  SessionStats stats;
  auto a = rtp (1, 0, 7, 0);
  auto b = rtp (2, 160, 7, 8);
  auto c = rtp (3, 320, 7, 8);
  stats.add_packet (a.data (), a.size (), 0, false, table);
  stats.add_packet (b.data (), b.size (), 20 * kMs, false, table);
  stats.add_packet (c.data (), c.size (), 720 * kMs, false, table); /* 700 ms gap */
  const auto f = stats.figures (720 * kMs)[0];
  EXPECT_EQ (f.pt_changes, 1u);
  EXPECT_EQ (f.payload_type, 8);
  EXPECT_EQ (f.encoding_name, "PCMA");
  EXPECT_EQ (f.gaps, 1u);
  EXPECT_DOUBLE_EQ (f.max_gap_ms, 700.0);
}

TEST (SessionStats, SsrcsAndMuxedRtcp)
{
  PayloadTable table;
  SessionStats stats;
  auto a = rtp (1, 0, 0xaaaa, 0);
  auto b = rtp (5, 0, 0xbbbb, 0);
  std::vector<uint8_t> rr = { 0x81, 201, 0, 7, 0, 0, 0, 1, 0, 0, 0xaa, 0xaa, 0, 0, 0, 3, 0, 0,
    0, 1, 0, 0, 0, 16, 0, 0, 0, 0, 0, 0, 0, 0 };
  std::vector<uint8_t> junk = { 1, 2, 3 };
  EXPECT_EQ (stats.add_packet (a.data (), a.size (), 0, false, table), SessionStats::Kind::kRtp);
  EXPECT_EQ (stats.add_packet (b.data (), b.size (), 0, false, table), SessionStats::Kind::kRtp);
  EXPECT_EQ (stats.add_packet (rr.data (), rr.size (), 0, false, table), SessionStats::Kind::kRtcp);
  EXPECT_EQ (stats.add_packet (junk.data (), junk.size (), 0, false, table),
      SessionStats::Kind::kInvalid);
  auto figures = stats.figures (0);
  ASSERT_EQ (figures.size (), 2u);
  EXPECT_EQ (figures[0].ssrc, 0xaaaau);
  EXPECT_EQ (figures[1].ssrc, 0xbbbbu);
  EXPECT_TRUE (figures[0].have_receiver_report);
  EXPECT_EQ (figures[0].receiver_report.packets_lost, 3);
  EXPECT_EQ (figures[0].receiver_report.jitter, 16u);
  EXPECT_FALSE (figures[1].have_receiver_report);
  EXPECT_EQ (stats.rtcp_packets (), 1u);
  EXPECT_EQ (stats.invalid_packets (), 1u);
}
