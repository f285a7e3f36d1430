/* The congestion controller against a simulated bottleneck: a sender of
 * 30 fps video at the controller's target, a link that drains its queue
 * at a capped rate and drops what would wait longer than 400 ms (as
 * `tc ... tbf latency 400ms`), optional random loss after it, and
 * transport-wide feedback every 50 ms. Checks what a viewer would see:
 * the queueing delay and drops once settled, the share of the cap used,
 * the climb back when the cap is lifted.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "congestion-controller.h"
#include "picture-size.h"
#include "repeated-requests.h"
#include "retransmission-budget.h"
#include "tier-plan.h"
#include "viewer-congestion.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <vector>

using gstsig::CongestionBounds;
using gstsig::CongestionController;
using gstsig::FeedbackPacket;

namespace {

constexpr int64_t MS = 1000;
constexpr int64_t SECOND = 1000 * MS;
constexpr unsigned MTU_PAYLOAD = 1200;
/* The viewer's clock is elsewhere: only differences may matter. */
constexpr int64_t VIEWER_CLOCK_OFFSET = 123456789;

struct Packet {
  int64_t send_us;
  int64_t arrival_us; /* < 0: dropped */
  unsigned size;
  int64_t queued_us;  /* time spent in the bottleneck's queue */
};

struct Link {
  double cap_kbps = 1e6;  /* the bottleneck */
  double loss = 0;        /* random loss after it */
  int64_t max_queue_us = 400 * MS;
  int64_t propagation_us = 5 * MS;
};

/* One run: second-by-second figures. */
struct Second {
  double target_kbps = 0;   /* mean over the second */
  double delivered_kbps = 0;
  int64_t max_queue_us = 0;
  unsigned dropped = 0;     /* by the queue (not the random loss) */
};

class Simulation {
public:
  explicit Simulation (CongestionBounds bounds, unsigned seed = 1)
      : cc_ (bounds), random_ (seed) {}

  /* Runs until `until_us`, the link as link_at (t) says. */
  template <typename LinkAt> std::vector<Second> run (int64_t until_us, LinkAt link_at)
  {
    std::vector<Second> seconds (until_us / SECOND);
    int64_t next_frame = 0, next_feedback = 50 * MS;
    unsigned target_samples = 0;
    for (int64_t now = 0; now < until_us; now += MS) {
      Link link = link_at (now);
      Second &second = seconds[now / SECOND];
      if (now >= next_frame) {
        send_frame (now, link, second);
        next_frame += SECOND / 30;
      }
      if (now >= next_feedback) {
        feedback (now);
        next_feedback += 50 * MS;
      }
      second.target_kbps += cc_.target_kbps ();
      if (++target_samples == 1000) {
        second.target_kbps /= 1000;
        target_samples = 0;
      }
    }
    for (const Packet &p : packets_) {
      if (p.arrival_us < 0)
        continue;
      size_t s = (p.arrival_us - VIEWER_CLOCK_OFFSET) / SECOND;
      if (s < seconds.size ())
        seconds[s].delivered_kbps += p.size * 8 / 1000.0;
    }
    return seconds;
  }

  const CongestionController &controller () const { return cc_; }

private:
  void send_frame (int64_t now, const Link &link, Second &second)
  {
    unsigned bytes = cc_.target_kbps () * 1000 / 8 / 30;
    while (bytes > 0) {
      unsigned size = std::min (bytes, MTU_PAYLOAD);
      bytes -= size;
      Packet p { now, -1, size, 0 };
      int64_t start = std::max (now, link_free_us_);
      int64_t queued = start - now;
      if (queued > link.max_queue_us) {
        second.dropped++;
      } else {
        link_free_us_ = start + (int64_t) (size * 8 / link.cap_kbps * 1000);
        p.queued_us = queued;
        second.max_queue_us = std::max (second.max_queue_us, queued);
        std::bernoulli_distribution lost (link.loss);
        if (!lost (random_))
          p.arrival_us = link_free_us_ + link.propagation_us + VIEWER_CLOCK_OFFSET;
      }
      packets_.push_back (p);
    }
  }

  /* Reports, in order, every packet whose fate the viewer knows by now: it
   * arrived, or a later one did. */
  void feedback (int64_t now)
  {
    int64_t viewer_now = now + VIEWER_CLOCK_OFFSET;
    size_t last_arrived = reported_;
    for (size_t i = reported_; i < packets_.size (); i++)
      if (packets_[i].arrival_us >= 0 && packets_[i].arrival_us <= viewer_now)
        last_arrived = i + 1;
    std::vector<FeedbackPacket> report;
    for (size_t i = reported_; i < last_arrived; i++) {
      const Packet &p = packets_[i];
      bool arrived = p.arrival_us >= 0 && p.arrival_us <= viewer_now;
      report.push_back ({ p.send_us, arrived ? p.arrival_us : -1, p.size });
    }
    reported_ = last_arrived;
    cc_.on_feedback (report, now + 5 * MS);
  }

  CongestionController cc_;
  std::mt19937 random_;
  std::vector<Packet> packets_;
  size_t reported_ = 0;
  int64_t link_free_us_ = 0;
};

double
mean (const std::vector<Second> &s, size_t from, size_t to, double Second::*field)
{
  double sum = 0;
  for (size_t i = from; i < to; i++)
    sum += s[i].*field;
  return sum / (to - from);
}

int64_t
max_queue (const std::vector<Second> &s, size_t from, size_t to)
{
  int64_t m = 0;
  for (size_t i = from; i < to; i++)
    m = std::max (m, s[i].max_queue_us);
  return m;
}

unsigned
drops (const std::vector<Second> &s, size_t from, size_t to)
{
  unsigned n = 0;
  for (size_t i = from; i < to; i++)
    n += s[i].dropped;
  return n;
}

Link
capped (double kbps, double loss = 0)
{
  Link l;
  l.cap_kbps = kbps;
  l.loss = loss;
  return l;
}

} // namespace

/* A 1 Mbit/s cap, starting at 1000 kbit/s with a 2000 maximum (the issue's
 * case): within 5 s the queue stays short and nothing is dropped, and the
 * link is used. */
TEST (Congestion, SettlesUnderACapWithoutFillingItsQueue)
{
  Simulation sim ({ 100, 2000, 1000 });
  auto s = sim.run (20 * SECOND, [] (int64_t) { return capped (1000); });
  EXPECT_EQ (drops (s, 5, 20), 0u);
  EXPECT_LT (max_queue (s, 5, 20), 150 * MS);
  double used = mean (s, 5, 20, &Second::delivered_kbps);
  EXPECT_GT (used, 700) << "of a 1000 kbit/s cap";
  EXPECT_LE (mean (s, 5, 20, &Second::target_kbps), 1000);
}

/* Starting far above the cap (2000 into 300 kbit/s): the queue fills first,
 * then the target comes down and the queue empties. */
TEST (Congestion, ComesDownFromFarAboveTheCap)
{
  Simulation sim ({ 100, 2000, 2000 });
  auto s = sim.run (20 * SECOND, [] (int64_t) { return capped (300); });
  EXPECT_GT (max_queue (s, 0, 2), 200 * MS) << "the start should have overrun the cap";
  EXPECT_EQ (drops (s, 8, 20), 0u);
  EXPECT_LT (max_queue (s, 8, 20), 200 * MS);
  EXPECT_GT (mean (s, 8, 20, &Second::delivered_kbps), 180);
  EXPECT_LE (mean (s, 8, 20, &Second::target_kbps), 300);
}

/* The cap is lifted after 20 s: the target climbs back to the maximum
 * within 10 s. */
TEST (Congestion, ClimbsBackWhenTheCapIsLifted)
{
  Simulation sim ({ 100, 2000, 1000 });
  auto s = sim.run (32 * SECOND, [] (int64_t now) {
    return now < 20 * SECOND ? capped (1000) : capped (100000);
  });
  EXPECT_LE (mean (s, 15, 20, &Second::target_kbps), 1000);
  EXPECT_GE (s[30].target_kbps, 1900) << "10 s after the cap was lifted";
  EXPECT_GE (s[31].target_kbps, 1900);
}

/* An open link: straight to the maximum, and it stays there. */
TEST (Congestion, OpenLinkReachesTheMaximum)
{
  Simulation sim ({ 100, 2000, 1000 });
  auto s = sim.run (15 * SECOND, [] (int64_t) { return capped (100000); });
  EXPECT_GE (s[7].target_kbps, 1990);
  for (size_t i = 7; i < 15; i++)
    EXPECT_GE (s[i].target_kbps, 1990) << "second " << i;
}

/* 5 % random loss (RTX repairs it) does not hold the rate down ... */
TEST (Congestion, ModerateRandomLossKeepsTheRate)
{
  Simulation sim ({ 100, 2000, 1000 }, 7);
  auto s = sim.run (15 * SECOND, [] (int64_t) { return capped (100000, 0.05); });
  EXPECT_GE (s[10].target_kbps, 1990);
  EXPECT_NEAR (sim.controller ().loss (), 0.05, 0.04);
}

/* ... heavy loss does. */
TEST (Congestion, HeavyLossLowersTheRate)
{
  Simulation sim ({ 100, 2000, 1000 }, 7);
  auto s = sim.run (10 * SECOND, [] (int64_t) { return capped (100000, 0.3); });
  EXPECT_LE (s[5].target_kbps, 400);
}

/* The bounds hold, whatever the link, and follow a change. */
TEST (Congestion, StaysWithinItsBounds)
{
  Simulation sim ({ 250, 1500, 3000 });
  EXPECT_EQ (sim.controller ().target_kbps (), 1500u) << "start clamped to the maximum";
  auto s = sim.run (10 * SECOND, [] (int64_t) { return capped (100); });
  for (const Second &second : s)
    EXPECT_GE (second.target_kbps, 250);

  CongestionController cc ({ 100, 2000, 1000 });
  cc.set_bounds ({ 100, 600, 1000 });
  EXPECT_EQ (cc.target_kbps (), 600u);
}

/* Only differences of times matter: the same feedback on clocks shifted by
 * any offset gives the same target. */
TEST (Congestion, IndependentOfTheViewersClock)
{
  auto run = [] (int64_t offset) {
    CongestionController cc ({ 100, 2000, 1000 });
    for (int64_t t = 0; t < 5 * SECOND; t += 50 * MS) {
      std::vector<FeedbackPacket> report;
      for (int64_t f = t; f < t + 50 * MS; f += 10 * MS)
        /* a growing queue: each packet 2 ms later than the one before */
        report.push_back ({ f, offset + f + (f / (10 * MS)) * 2 * MS, 1200 });
      cc.on_feedback (report, t + 50 * MS);
    }
    return cc.target_kbps ();
  };
  unsigned a = run (0), b = run (987654321012);
  EXPECT_EQ (a, b);
  EXPECT_LT (a, 1000u) << "a queue that grows 2 ms every 10 ms is overuse";
}

/* ---- webrtcbin's feedback event, as rtpsession 1.22 builds it ---- */

namespace {

GstStructure *
twcc_packets (const std::vector<GstStructure *> &packets)
{
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  GValueArray *array = g_value_array_new (packets.size ());
  for (GstStructure *p : packets) {
    GValue v = G_VALUE_INIT;
    g_value_init (&v, GST_TYPE_STRUCTURE);
    g_value_take_boxed (&v, p);
    g_value_array_append (array, &v);
    g_value_unset (&v);
  }
  GstStructure *s = gst_structure_new_empty ("RTPTWCCPackets");
  GValue av = G_VALUE_INIT;
  g_value_init (&av, g_value_array_get_type ());
  g_value_take_boxed (&av, array);
  G_GNUC_END_IGNORE_DEPRECATIONS
  gst_structure_take_value (s, "packets", &av);
  return s;
}

GstStructure *
twcc_packet (guint64 local_ts, guint64 remote_ts, guint size, gboolean lost)
{
  return gst_structure_new ("RTPTWCCPacket", "seqnum", G_TYPE_UINT, 1u, "local-ts", G_TYPE_UINT64,
      local_ts, "remote-ts", G_TYPE_UINT64, remote_ts, "payload-type", G_TYPE_UCHAR, 96,
      "size", G_TYPE_UINT, size, "lost", G_TYPE_BOOLEAN, lost, nullptr);
}

} // namespace

TEST (CongestionFeedback, ReadsRtpsessionsPackets)
{
  GstStructure *s = twcc_packets ({
      twcc_packet (1 * GST_MSECOND, 50 * GST_MSECOND, 1100, FALSE),
      twcc_packet (2 * GST_MSECOND, GST_CLOCK_TIME_NONE, 900, TRUE),
      twcc_packet (GST_CLOCK_TIME_NONE, 60 * GST_MSECOND, 800, FALSE), /* no send time */
      twcc_packet (3 * GST_MSECOND, 55 * GST_MSECOND, 700, FALSE),
  });
  auto packets = gstsig::feedback_packets (s, 100);
  ASSERT_EQ (packets.size (), 3u);
  EXPECT_EQ (packets[0].send_us, 1000);
  EXPECT_EQ (packets[0].arrival_us, 50000);
  EXPECT_EQ (packets[0].size, 1100u);
  EXPECT_LT (packets[1].arrival_us, 0) << "lost";
  EXPECT_EQ (packets[2].send_us, 3000);
  gst_structure_free (s);
}

/* Whatever the structure holds, nothing is read out of bounds and at most
 * max packets are taken. */
TEST (CongestionFeedback, MalformedOrHugeFeedbackIsBounded)
{
  GstStructure *empty = gst_structure_new_empty ("RTPTWCCPackets");
  EXPECT_TRUE (gstsig::feedback_packets (empty, 100).empty ());
  gst_structure_set (empty, "packets", G_TYPE_STRING, "not an array", nullptr);
  EXPECT_TRUE (gstsig::feedback_packets (empty, 100).empty ());
  gst_structure_free (empty);

  std::vector<GstStructure *> many;
  for (int i = 0; i < 50; i++)
    many.push_back (twcc_packet (i * GST_MSECOND, i * GST_MSECOND, 1000, FALSE));
  many.push_back (gst_structure_new ("RTPTWCCPacket", "local-ts", G_TYPE_STRING, "x", nullptr));
  GstStructure *s = twcc_packets (many);
  EXPECT_EQ (gstsig::feedback_packets (s, 20).size (), 20u);
  EXPECT_EQ (gstsig::feedback_packets (s, 1000).size (), 50u) << "the malformed one skipped";
  gst_structure_free (s);
}

/* ---- the encoder's picture size (picture-size.h) ---- */

using gstsig::PictureSizer;

/* An encoder that cannot go under 1600 kbit/s at full size (libvpx at
 * cpu-used=8 with 720p videotestsrc), 900 at 3/4, 500 at 1/2: a target
 * of 700 takes it down to 1/2, and only there does it stay. */
TEST (PictureSize, StepsDownUntilTheEncoderKeepsToItsTarget)
{
  const double floors[] = { 1600, 900, 500, 300, 200 };
  auto sends = [&] (unsigned step, unsigned target) { return std::max<double> (floors[step], target); };
  PictureSizer sizer;
  int64_t now = 0;
  for (; now < 10000; now += 500)
    sizer.update (700, sends (sizer.step (), 700), 2000, now);
  EXPECT_EQ (sizer.step (), 2u);
  for (; now < 30000; now += 500)
    sizer.update (700, sends (sizer.step (), 700), 2000, now);
  EXPECT_EQ (sizer.step (), 2u) << "700 kbit/s does not fit 3/4 (floor 900): no going back up";

  /* The link opens: the target reaches the ceiling, and the picture its
   * full size again. */
  for (; now < 50000; now += 500)
    sizer.update (2000, sends (sizer.step (), 2000), 2000, now);
  EXPECT_EQ (sizer.step (), 0u);
}

/* Content that compresses well keeps to any target: never scaled. */
TEST (PictureSize, AnEncoderThatKeepsToItsTargetIsNotScaled)
{
  PictureSizer sizer;
  for (int64_t now = 0; now < 20000; now += 500)
    sizer.update (300, 290, 2000, now);
  EXPECT_EQ (sizer.step (), 0u);
}

/* A keyframe's burst (one measurement over) is not a floor. */
TEST (PictureSize, OneBurstIsNotAFloor)
{
  PictureSizer sizer;
  for (int64_t now = 0; now < 20000; now += 500)
    sizer.update (1000, now % 2000 == 0 ? 1500 : 900, 2000, now);
  EXPECT_EQ (sizer.step (), 0u);
}

TEST (PictureSize, ScaledSizesAreEven)
{
  int w, h;
  PictureSizer::scaled (0, 1280, 720, &w, &h);
  EXPECT_EQ (w, 1280);
  EXPECT_EQ (h, 720);
  PictureSizer::scaled (1, 1280, 720, &w, &h);
  EXPECT_EQ (w, 960);
  EXPECT_EQ (h, 540);
  PictureSizer::scaled (3, 642, 362, &w, &h);
  EXPECT_EQ (w % 2, 0);
  EXPECT_EQ (h % 2, 0);
  PictureSizer::scaled (4, 2, 2, &w, &h);
  EXPECT_EQ (w, 2);
  EXPECT_EQ (h, 2);
}

/* ---- tiers (tier-plan.h) ---- */

using gstsig::plan_tiers;

namespace {
int A, B, C, D; /* their addresses are the viewers */
} // namespace

/* A capped viewer among fast ones gets a tier of its own: it does not
 * lower the others. */
TEST (Tiers, ASlowViewerDoesNotLowerTheOthers)
{
  auto plan = plan_tiers ({ { &A, 2000 }, { &B, 1900 }, { &C, 700 } }, {}, 3, 2000);
  ASSERT_EQ (plan.targets_kbps.size (), 2u);
  EXPECT_EQ (plan.targets_kbps[0], 1900u) << "A and B share: the lower of the two";
  EXPECT_EQ (plan.targets_kbps[1], 700u);
  EXPECT_EQ (plan.tier_of[&A], 0u);
  EXPECT_EQ (plan.tier_of[&B], 0u);
  EXPECT_EQ (plan.tier_of[&C], 1u);
}

/* Audio in two levels, with a margin between going down and coming back. */
TEST (AudioLevels, ASlowLinkGetsTheLowLevelUntilItRecovers)
{
  using gstsig::audio_kbps_for;
  EXPECT_EQ (audio_kbps_for (600, 0), gstsig::AUDIO_FULL_KBPS);
  EXPECT_EQ (audio_kbps_for (300, 0), gstsig::AUDIO_LOW_KBPS);
  EXPECT_EQ (audio_kbps_for (300, gstsig::AUDIO_FULL_KBPS), gstsig::AUDIO_LOW_KBPS);
  EXPECT_EQ (audio_kbps_for (420, gstsig::AUDIO_FULL_KBPS), gstsig::AUDIO_FULL_KBPS);
  EXPECT_EQ (audio_kbps_for (420, gstsig::AUDIO_LOW_KBPS), gstsig::AUDIO_LOW_KBPS) << "flaps";
  EXPECT_EQ (audio_kbps_for (520, gstsig::AUDIO_LOW_KBPS), gstsig::AUDIO_FULL_KBPS);
  /* The low level in longer frames: fewer packets, whose headers count. */
  EXPECT_EQ (gstsig::audio_frame_ms (gstsig::AUDIO_FULL_KBPS), 20u);
  EXPECT_EQ (gstsig::audio_frame_ms (gstsig::AUDIO_LOW_KBPS), 60u);
  EXPECT_EQ (gstsig::audio_share_kbps (gstsig::AUDIO_FULL_KBPS), 64u + 13u); /* 50 x 34 B */
  EXPECT_EQ (gstsig::audio_share_kbps (gstsig::AUDIO_LOW_KBPS), 24u + 4u);   /* 16 x 34 B */
}

TEST (AudioLevels, OneTierPerLevelInUseTheHighestFirst)
{
  auto plan = gstsig::plan_levels ({ { &A, 24 }, { &B, 64 }, { &C, 24 } });
  ASSERT_EQ (plan.targets_kbps, (std::vector<unsigned> { 64, 24 }));
  EXPECT_EQ (plan.tier_of[&A], 1u);
  EXPECT_EQ (plan.tier_of[&B], 0u);
  EXPECT_EQ (plan.tier_of[&C], 1u);
  /* Only slow viewers: the first tier is the low level. */
  plan = gstsig::plan_levels ({ { &A, 24 } });
  ASSERT_EQ (plan.targets_kbps, (std::vector<unsigned> { 24 }));
  EXPECT_EQ (plan.tier_of[&A], 0u);
}

/* With no tier left, the slowest join the last tier without lowering it. */
TEST (Tiers, BoundedCount)
{
  auto plan = plan_tiers ({ { &A, 2000 }, { &B, 900 }, { &C, 400 }, { &D, 150 } }, {}, 2, 2000);
  ASSERT_EQ (plan.targets_kbps.size (), 2u);
  EXPECT_EQ (plan.targets_kbps[0], 2000u);
  EXPECT_EQ (plan.targets_kbps[1], 900u) << "C and D do not pull the last tier down";
  EXPECT_EQ (plan.tier_of[&D], 1u);
  auto one = plan_tiers ({ { &A, 2000 }, { &B, 300 } }, {}, 1, 2000);
  ASSERT_EQ (one.targets_kbps.size (), 1u);
  EXPECT_EQ (one.targets_kbps[0], 2000u);
}

/* A viewer near the boundary stays where it is (0.7 to stay, 0.85 to join),
 * and estimates above the ceiling count as the ceiling. */
TEST (Tiers, HysteresisAndCeiling)
{
  std::map<const void *, unsigned> together = { { &A, 0 }, { &B, 0 } };
  std::map<const void *, unsigned> apart = { { &A, 0 }, { &B, 1 } };
  EXPECT_EQ (plan_tiers ({ { &A, 2000 }, { &B, 1500 } }, together, 3, 2000).tier_of[&B], 0u);
  EXPECT_EQ (plan_tiers ({ { &A, 2000 }, { &B, 1500 } }, apart, 3, 2000).tier_of[&B], 1u);
  EXPECT_EQ (plan_tiers ({ { &A, 2000 }, { &B, 1800 } }, apart, 3, 2000).tier_of[&B], 0u);
  EXPECT_EQ (plan_tiers ({ { &A, 2000 }, { &B, 1300 } }, together, 3, 2000).tier_of[&B], 1u)
      << "held down by B, A's estimate reaches 1.5 x B's: they part";
  auto plan = plan_tiers ({ { &A, 5000 }, { &B, 4000 } }, {}, 3, 2000);
  ASSERT_EQ (plan.targets_kbps.size (), 1u);
  EXPECT_EQ (plan.targets_kbps[0], 2000u);
  EXPECT_TRUE (plan_tiers ({}, {}, 3, 2000).targets_kbps.empty ());
}

/* ---- a fixed ladder (video-tier-ladder) ---- */

using gstsig::plan_ladder_tiers;
using gstsig::parse_tier_ladder;

/* Each viewer on the highest rung its estimate reaches; the tiers are the
 * rungs in use, at their own bitrates whatever the estimates. */
TEST (TierLadder, ViewersTakeTheHighestRungTheyReach)
{
  const std::vector<unsigned> ladder = { 300, 2000, 800 };
  auto plan = plan_ladder_tiers ({ { &A, 2400 }, { &B, 1900 }, { &C, 1000 }, { &D, 100 } }, {}, {},
      ladder, 4, 2000);
  ASSERT_EQ (plan.targets_kbps, (std::vector<unsigned> { 2000, 800, 300 }));
  EXPECT_EQ (plan.tier_of[&A], 0u);
  EXPECT_EQ (plan.tier_of[&B], 1u) << "1900 does not reach 2000";
  EXPECT_EQ (plan.tier_of[&C], 1u);
  EXPECT_EQ (plan.tier_of[&D], 2u) << "below every rung: the lowest";

  auto unused = plan_ladder_tiers ({ { &A, 2400 }, { &B, 500 } }, {}, {}, ladder, 4, 2000);
  EXPECT_EQ (unused.targets_kbps, (std::vector<unsigned> { 2000, 300 })) << "800 has no viewer";
  EXPECT_EQ (unused.tier_of[&B], 1u);

  auto capped = plan_ladder_tiers ({ { &A, 2400 }, { &B, 1000 }, { &C, 500 } }, {}, {}, ladder, 4, 700);
  EXPECT_EQ (capped.targets_kbps, (std::vector<unsigned> { 700, 300 }))
      << "rungs above the ceiling are the ceiling, once";
  EXPECT_EQ (capped.tier_of[&B], 0u);
}

/* More rungs in use than video-tiers: the slower viewers join the last
 * tier without lowering it. */
TEST (TierLadder, BoundedCount)
{
  auto plan = plan_ladder_tiers ({ { &A, 2400 }, { &B, 1000 }, { &C, 400 } }, {}, {},
      { 2000, 800, 300 }, 2, 2000);
  EXPECT_EQ (plan.targets_kbps, (std::vector<unsigned> { 2000, 800 }));
  EXPECT_EQ (plan.tier_of[&C], 1u);
}

/* Down as soon as the estimate is under the rung; up only with a margin
 * (1 / 0.85 of the rung above). */
TEST (TierLadder, Hysteresis)
{
  const std::vector<unsigned> ladder = { 2000, 800 };
  const std::vector<unsigned> previous = { 2000, 800 };
  const std::map<const void *, unsigned> on_800 = { { &A, 0 }, { &B, 1 } };
  auto plan = plan_ladder_tiers ({ { &A, 2500 }, { &B, 2100 } }, on_800, previous, ladder, 4, 5000);
  EXPECT_EQ (plan.tier_of[&B], 1u) << "2100 is not 2000 / 0.85";
  plan = plan_ladder_tiers ({ { &A, 2500 }, { &B, 2400 } }, on_800, previous, ladder, 4, 5000);
  EXPECT_EQ (plan.tier_of[&B], 0u);
  const std::map<const void *, unsigned> on_2000 = { { &A, 0 }, { &B, 0 } };
  plan = plan_ladder_tiers ({ { &A, 2500 }, { &B, 1990 } }, on_2000, { 2000 }, ladder, 4, 5000);
  EXPECT_EQ (plan.tier_of[&B], 1u) << "under its rung: down at once";
}

TEST (TierLadder, ParsesWhatUsersWrite)
{
  std::string error;
  EXPECT_EQ (parse_tier_ladder ("2000,800,300", &error), (std::vector<unsigned> { 2000, 800, 300 }));
  EXPECT_EQ (parse_tier_ladder (" 300, 2000 ", &error), (std::vector<unsigned> { 2000, 300 }));
  EXPECT_EQ (parse_tier_ladder ("", &error), std::vector<unsigned> ());
  for (const char *bad : { "2000,,300", "fast", "2000,10", "1e3", "-5", "2000,800,300,200,100",
           "9999999999999999999" }) {
    error.clear ();
    EXPECT_FALSE (parse_tier_ladder (bad, &error).has_value ()) << bad;
    EXPECT_FALSE (error.empty ()) << bad;
  }
}

/* Back up in one change, not one size per wait: from 1/2 to full size as
 * soon as the target is at the ceiling and the full size's floor is not
 * over it. */
TEST (PictureSize, BackToFullSizeAtOnce)
{
  const double floors[] = { 1600, 900, 500, 300, 200 };
  PictureSizer sizer;
  int64_t now = 0;
  for (; now < 10000; now += 500)
    sizer.update (700, std::max<double> (floors[sizer.step ()], 700), 2000, now);
  ASSERT_EQ (sizer.step (), 2u);
  int64_t opened = now;
  while (sizer.step () != 0 && now < opened + 20000) {
    sizer.update (2000, std::max<double> (floors[sizer.step ()], 2000), 2000, now);
    EXPECT_NE (sizer.step (), 1u) << "no stop at 3/4";
    now += 500;
  }
  EXPECT_EQ (sizer.step (), 0u);
  EXPECT_LE (now - opened, PictureSizer::UP_WAIT_MS + 500);
}

/* A burst of keyframes (viewers joining, moves between tiers) over one
 * window is not a floor, and what is remembered as a floor is the least the
 * encoder sent while over, so that the size can come back at the ceiling. */
TEST (PictureSize, BurstsDoNotMakeFloors)
{
  PictureSizer sizer;
  int64_t now = 0;
  for (; now < 5000; now += 500)
    sizer.update (1900, now == 2000 ? 4000 : 1800, 2000, now);
  EXPECT_EQ (sizer.step (), 0u) << "one window of 4000 kbit/s against a target of 1900";

  /* Truly over (target 1000, the encoder cannot go under 1800), a burst
   * among it: the floor is 1800, not 4000, so at the ceiling it comes back. */
  for (; now < 7000; now += 500)
    sizer.update (1000, now == 5500 ? 4000 : 1800, 2000, now);
  ASSERT_EQ (sizer.step (), 1u);
  int64_t down = now;
  while (sizer.step () != 0 && now < down + 10000) {
    sizer.update (2000, 1700, 2000, now);
    now += 500;
  }
  EXPECT_EQ (sizer.step (), 0u);
  EXPECT_LE (now - down, PictureSizer::UP_WAIT_MS + 1000);
}

/* At the ceiling (video-bitrate) a short overrun is not the picture's (an
 * encoder short of CPU while a browser started beside it sent 1.2-1.8 x
 * its target for 1.5 s): the size stays; a longer one is. */
TEST (PictureSize, AShortOverrunAtTheCeilingKeepsTheSize)
{
  PictureSizer sizer;
  int64_t now = 0;
  for (; now < 2000; now += 500)
    sizer.update (2000, now >= 500 ? 3200 : 1990, 2000, now);
  for (; now < 6000; now += 500)
    sizer.update (2000, 1990, 2000, now);
  EXPECT_EQ (sizer.step (), 0u) << "stepped down for 1.5 s over the ceiling";
  for (; now < 10000; now += 500)
    sizer.update (2000, 2600, 2000, now);
  EXPECT_EQ (sizer.step (), 1u) << "over the ceiling for 4 s and still at full size";
  /* Below the ceiling (a link's limit) one second is enough. */
  PictureSizer capped;
  for (now = 0; now < 1600; now += 500)
    capped.update (1000, 1500, 2000, now);
  EXPECT_EQ (capped.step (), 1u);
}

/* A floor that held the picture small is tried again after a while at the
 * ceiling. */
TEST (PictureSize, AStaleFloorIsRetried)
{
  PictureSizer sizer;
  int64_t now = 0;
  for (; now < 1000; now += 500)
    sizer.update (500, 2500, 2000, now); /* floor 2500 at full size: over the ceiling */
  ASSERT_EQ (sizer.step (), 1u);
  for (; now < 15000; now += 500)
    sizer.update (2000, 1200, 2000, now);
  EXPECT_EQ (sizer.step (), 1u) << "the floor is over the ceiling: no going up yet";
  for (; now < 30000; now += 500)
    sizer.update (2000, 1200, 2000, now);
  EXPECT_EQ (sizer.step (), 0u) << "retried after RETRY_UP_MS at the ceiling";
}

/* A first target is met from the first frame: 1280x720@30 (prior floor
 * about 1660 kbit/s at full size) starts at 960x540 for 1000 kbit/s, and
 * at a quarter for 300. */
TEST (PictureSize, StartsAtTheSizeThatFitsTheFirstTarget)
{
  const double pixels_per_s = 1280.0 * 720 * 30;
  PictureSizer open;
  EXPECT_EQ (open.start (2000, pixels_per_s, 0), 0u);
  PictureSizer one_mbit;
  EXPECT_EQ (one_mbit.start (1000, pixels_per_s, 0), 1u);
  EXPECT_TRUE (one_mbit.started ());
  PictureSizer slow;
  EXPECT_EQ (slow.start (300, pixels_per_s, 0), 4u);
  slow.reset ();
  EXPECT_FALSE (slow.started ());
  EXPECT_EQ (slow.step (), 0u);
}

/* The guessed floors of the sizes above the start hold the picture until
 * the target reaches them, and no longer. */
TEST (PictureSize, GuessedFloorsLetThePictureGrowWithItsTarget)
{
  const double pixels_per_s = 1280.0 * 720 * 30;
  const unsigned full_floor = (unsigned) PictureSizer::prior_floor_kbps (0, pixels_per_s);
  PictureSizer sizer;
  ASSERT_EQ (sizer.start (1000, pixels_per_s, 0), 1u);
  int64_t now = 0;
  for (; now < 10000; now += 500)
    sizer.update (full_floor, 1300, 4000, now);
  EXPECT_EQ (sizer.step (), 1u) << "a target at the guessed floor is not enough to go up";
  for (; now < 20000; now += 500)
    sizer.update (full_floor * 1.25, 1300, 4000, now);
  EXPECT_EQ (sizer.step (), 0u) << "1.25 x the guessed floor: full size";
}

/* A measured floor counts over the guess: a sizer of the same input that
 * found 960x540 too big for 800 kbit/s starts the next viewer smaller. */
TEST (PictureSize, AMeasuredFloorCountsOverTheGuess)
{
  const double pixels_per_s = 1280.0 * 720 * 30;
  PictureSizer sizer;
  ASSERT_EQ (sizer.start (1000, pixels_per_s, 0), 1u);
  int64_t now = 0;
  for (; now < 3500; now += 500)
    sizer.update (1000, 1400, 4000, now); /* 960x540 overruns: its floor is 1400 */
  ASSERT_EQ (sizer.step (), 2u);
  PictureSizer next;
  next.start_from (sizer, 1000);
  EXPECT_EQ (next.step (), 2u);
}

/* What an encoder sends beyond a larger size's floor (keyframes asked for,
 * a restart) is not a smaller size's floor: in a capped-two-viewers run,
 * 640x360 "needed" 1454 kbit/s and 480x270 1727, and the picture stayed at
 * 320x180 for good. */
TEST (PictureSize, ASmallerPictureNeverNeedsMoreThanALargerOne)
{
  const double pixels_per_s = 1280.0 * 720 * 30;
  PictureSizer sizer;
  ASSERT_EQ (sizer.start (600, pixels_per_s, 0), 2u);
  int64_t now = 2000;
  for (; now < 4000; now += 500)
    sizer.update (700, 1454, 2000, now);
  ASSERT_EQ (sizer.step (), 3u);
  for (; now < 12000; now += 500)
    sizer.update (1400, 1000, 2000, now); /* not held back: 1000 >= 0.7 x 1400 */
  EXPECT_LE (sizer.step (), 2u) << "the floor of 640x360 is at most 960x540's guessed one";
}

/* A picture too small to use its target grows, unless the size above
 * would overrun it. */
TEST (PictureSize, APictureThatHoldsTheBitrateBackGrows)
{
  const double pixels_per_s = 1280.0 * 720 * 30; /* full size's guessed floor: about 1660 */
  PictureSizer held;
  ASSERT_EQ (held.start (1000, pixels_per_s, 0), 1u);
  int64_t now = 0;
  for (; now < 5000; now += 500)
    held.update (1600, 1000, 4000, now);
  EXPECT_EQ (held.step (), 1u) << "not before HELD_BACK_MS";
  for (; now < 9000; now += 500)
    held.update (1600, 1000, 4000, now);
  EXPECT_EQ (held.step (), 0u) << "sending 1000 of 1600, and 1660 fits 1.1 x 1600";

  PictureSizer tight; /* full size measured at 1700 */
  ASSERT_EQ (tight.start (2000, pixels_per_s, 0), 0u);
  for (now = 2000; now < 3500; now += 500)
    tight.update (1200, 1700, 4000, now);
  ASSERT_EQ (tight.step (), 1u);
  for (; now < 30000; now += 500)
    tight.update (1200, 700, 4000, now);
  EXPECT_EQ (tight.step (), 1u) << "full size's measured floor would overrun 1200";
}

/* The start's guess is for hard content: a desktop that needs little at
 * the start size is back at full size once the encoder has shown it. */
TEST (PictureSize, ContentThatNeedsLessGrowsAtOnce)
{
  const double screen = 1024.0 * 768 * 30;
  PictureSizer sizer;
  ASSERT_EQ (sizer.start (528, screen, 0), 2u) << "1024x768's guessed floor is about 1400";
  int64_t now = 500;
  for (; now <= 2000; now += 500)
    sizer.update (528, 100, 2000, now);
  EXPECT_EQ (sizer.step (), 2u) << "not before START_UP_WAIT_MS";
  for (; now <= 3000; now += 500)
    sizer.update (528, 100, 2000, now);
  EXPECT_EQ (sizer.step (), 0u) << "100 kbit/s at 512x384 says 1024x768 needs about 280";

  PictureSizer hard; /* smpte: sends what it is given */
  ASSERT_EQ (hard.start (528, 1280.0 * 720 * 30, 0), 2u);
  for (now = 500; now <= 20000; now += 500)
    hard.update (528, 560, 2000, now);
  EXPECT_EQ (hard.step (), 2u);
}

/* Below what a quarter of the picture needs, the frame rate halves: the
 * last step keeps the smallest size and encodes one frame in two. */
TEST (PictureSize, TheFrameRateHalvesBelowTheSmallestSize)
{
  const unsigned last = PictureSizer::LADDER.size () - 1;
  EXPECT_EQ (PictureSizer::frame_rate_divisor (0), 1u);
  EXPECT_EQ (PictureSizer::frame_rate_divisor (last - 1), 1u);
  EXPECT_EQ (PictureSizer::frame_rate_divisor (last), 2u);
  int w, h, w2, h2;
  PictureSizer::scaled (last - 1, 1280, 720, &w, &h);
  PictureSizer::scaled (last, 1280, 720, &w2, &h2);
  EXPECT_EQ (w2, w);
  EXPECT_EQ (h2, h);

  /* 320x180@30 of a 720p test pattern needs about 210 kbit/s: a first
   * target of 130 starts at half the frame rate, 300 does not. */
  const double pixels_per_s = 1280.0 * 720 * 30;
  EXPECT_LT (PictureSizer::prior_floor_kbps (last, pixels_per_s),
      PictureSizer::prior_floor_kbps (last - 1, pixels_per_s));
  PictureSizer slow;
  EXPECT_EQ (slow.start (130, pixels_per_s, 0), last);
  PictureSizer less_slow;
  EXPECT_EQ (less_slow.start (300, pixels_per_s, 0), last - 1);

  /* An encoder that sends 200 at the smallest size for a target of 120
   * goes to half the rate, and back once the target has room. */
  PictureSizer sizer;
  ASSERT_EQ (sizer.start (300, pixels_per_s, 0), last - 1);
  int64_t now = 2000;
  for (; now < 5000; now += 500)
    sizer.update (120, sizer.step () == last ? 115 : 200, 2000, now);
  EXPECT_EQ (sizer.step (), last);
  for (; now < 15000; now += 500)
    sizer.update (300, 250, 2000, now);
  EXPECT_EQ (sizer.step (), last - 1) << "300 is 1.2 x the measured floor of 200 and more";
}

/* Retransmissions get SHARE of the estimate: a viewer asking again and
 * again for what its link drops is answered at that rate, not at the rate
 * it asks. */
TEST (RetransmissionBudget, HoldsRetransmissionsToAShareOfTheEstimate)
{
  using gstsig::RetransmissionBudget;
  RetransmissionBudget budget;
  budget.set_estimate_kbps (800);
  const double rate = 800 * 1000 / 8.0 * RetransmissionBudget::SHARE; /* bytes/s */
  const size_t packet = 1200;
  uint64_t passed = 0, asked = 0;
  /* Asked for a packet every millisecond (9.6 Mbit/s) for 10 s. */
  for (int64_t now = 0; now < 10000000; now += 1000) {
    asked += packet;
    if (budget.take (now, packet))
      passed += packet;
  }
  double most = rate * 10 + std::max (rate * RetransmissionBudget::DEPTH_S,
                                      RetransmissionBudget::MIN_DEPTH_BYTES);
  EXPECT_LE (passed, most);
  EXPECT_GE (passed, most - 2 * packet);
  EXPECT_EQ (budget.dropped (), (asked - passed) / packet);
}

/* Before the first estimate nothing is held back; at a low estimate the
 * lost packets of a keyframe still go at once. */
TEST (RetransmissionBudget, NoBoundBeforeAnEstimateAndRoomForAKeyframesLosses)
{
  using gstsig::RetransmissionBudget;
  RetransmissionBudget budget;
  for (int i = 0; i < 1000; i++)
    EXPECT_TRUE (budget.take (i, 1200));
  budget.set_estimate_kbps (100); /* 3 kB/s */
  int at_once = 0;
  while (budget.take (2000, 1200))
    at_once++;
  EXPECT_EQ (at_once, (int) (RetransmissionBudget::MIN_DEPTH_BYTES / 1200));
  /* 400 bytes were left; refilled at 3125 bytes/s, the next packet fits
   * after 0.256 s. */
  EXPECT_FALSE (budget.take (2000 + 200000, 1200));
  EXPECT_TRUE (budget.take (2000 + 300000, 1200));
}

/* A lower estimate takes effect at once: the bucket shrinks with it. */
TEST (RetransmissionBudget, ALowerEstimateShrinksTheBucket)
{
  using gstsig::RetransmissionBudget;
  RetransmissionBudget budget;
  budget.set_estimate_kbps (4000); /* 125 kB/s, 62.5 kB of bucket */
  budget.take (0, 1);
  budget.set_estimate_kbps (100);
  int at_once = 0;
  while (budget.take (0, 1200))
    at_once++;
  EXPECT_EQ (at_once, (int) (RetransmissionBudget::MIN_DEPTH_BYTES / 1200));
}

/* The third request for one packet says the viewer is not getting it; once
 * per packet, and requests far apart are for different losses. */
TEST (RepeatedRequests, TheThirdRequestForAPacketGivesUpOnIt)
{
  using gstsig::RepeatedRequests;
  RepeatedRequests requests;
  int64_t now = 0;
  EXPECT_FALSE (requests.on_request (1, 100, now));
  EXPECT_FALSE (requests.on_request (1, 101, now));
  EXPECT_FALSE (requests.on_request (2, 100, now)) << "another stream's packet";
  EXPECT_FALSE (requests.on_request (1, 100, now += 100000));
  EXPECT_TRUE (requests.on_request (1, 100, now += 100000));
  EXPECT_FALSE (requests.on_request (1, 100, now += 100000)) << "once per packet";
  EXPECT_FALSE (requests.on_request (1, 101, now));
  /* The same number much later is another packet. */
  now += RepeatedRequests::WINDOW_US + 1;
  EXPECT_FALSE (requests.on_request (1, 101, now));
  EXPECT_FALSE (requests.on_request (1, 101, now));
  EXPECT_TRUE (requests.on_request (1, 101, now));
  /* Bounded: a flood of distinct requests does not grow it. */
  for (unsigned i = 0; i < 100000; i++)
    requests.on_request (3, (uint16_t) i, now);
  EXPECT_FALSE (requests.on_request (1, 101, now)) << "forgotten, starts again";
}

/* A viewer that joins others starts at their tier's bitrate, which may be
 * above its own link (1400 kbit/s into a 1 Mbit/s cap): the target is under
 * the cap in the second second, and the queue stops dropping. (Simulated,
 * this holds; with a VP9 browser viewer joining through a capped link it
 * took 1.5 s in one run, docs/congestion-control.md.) */
TEST (Congestion, AStartAboveTheCapComesDownAtOnce)
{
  Simulation sim ({ 100, 2000, 1400 });
  auto s = sim.run (10 * SECOND, [] (int64_t) { return capped (1000); });
  EXPECT_LT (s[1].target_kbps, 1000) << "the second second";
  EXPECT_EQ (drops (s, 2, 10), 0u);
  EXPECT_LT (max_queue (s, 3, 10), 150 * MS);
}
