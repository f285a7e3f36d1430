/* gst-webrtcsignal: which viewers share an encoder (a tier), and at what
 * bitrate, from each viewer's congestion-control estimate.
 *
 * Viewers are taken from the fastest down. A viewer joins the tier of the
 * viewer above if its estimate is at least JOIN x that tier's fastest
 * estimate (STAY if it was already in the same tier as that viewer: a
 * viewer near the boundary does not flap between tiers); otherwise it
 * starts a new tier, up to max_tiers. A tier's bitrate is the lowest
 * estimate of its members, so no member is sent more than its link takes,
 * and the cost of sharing is bounded: a member gets at least STAY of its
 * own estimate. When max_tiers is reached, the slower viewers join
 * the last tier without lowering it (they get what they got without
 * congestion control): a slow viewer never lowers the others.
 *
 * Viewers without an estimate (no transport feedback) are not planned:
 * they stay where they are, on the first tier.
 *
 * With a ladder (video-tier-ladder: fixed bitrates, like simulcast layers)
 * the tiers' bitrates are its rungs instead: a viewer is on the highest
 * rung its estimate reaches (the lowest when it reaches none), and goes up
 * to a higher one only when the estimate is above it by 1 / JOIN; the
 * rungs in use are the tiers, at most max_tiers of them, the slower
 * viewers beyond joining the last. Encoders then keep their bitrates
 * whatever the estimates do between rungs.
 *
 * Plain C++, no GStreamer.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace gstsig {

struct TierPlan {
  std::vector<unsigned> targets_kbps;  /* per tier, fastest first */
  std::map<const void *, unsigned> tier_of;
};

/* STAY is above 1 / 1.5: a viewer's estimate cannot grow past 1.5 x what
 * arrives (congestion-controller.h), so in a tier held down by a slower
 * member the fastest could never get far enough ahead to leave it with a
 * lower STAY. */
constexpr double TIER_JOIN = 0.85;
constexpr double TIER_STAY = 0.7;

/* estimates: viewer -> kbit/s; current: each viewer's tier now (viewers
 * absent from it are new); ceiling_kbps bounds every target. */
TierPlan plan_tiers (const std::map<const void *, unsigned> &estimates,
    const std::map<const void *, unsigned> &current, unsigned max_tiers, unsigned ceiling_kbps);

/* The same with a ladder (kbit/s, any order); previous_targets: the last
 * plan's targets, which say what rung each viewer's current tier is. */
TierPlan plan_ladder_tiers (const std::map<const void *, unsigned> &estimates,
    const std::map<const void *, unsigned> &current, const std::vector<unsigned> &previous_targets,
    const std::vector<unsigned> &ladder_kbps, unsigned max_tiers, unsigned ceiling_kbps);

/* Audio follows a viewer's estimate in two levels, so that a slow link
 * keeps some room for the picture: Opus at AUDIO_FULL_KBPS in 20 ms frames,
 * and at AUDIO_LOW_KBPS in 60 ms frames (a third of the packets: their
 * headers cost 4.5 kbit/s instead of 13.6) while the viewer's
 * estimate is under AUDIO_LOW_BELOW_KBPS, until it is over
 * AUDIO_FULL_ABOVE_KBPS again. */
constexpr unsigned AUDIO_FULL_KBPS = 64;
constexpr unsigned AUDIO_LOW_KBPS = 24;
constexpr unsigned AUDIO_LOW_BELOW_KBPS = 350;
constexpr unsigned AUDIO_FULL_ABOVE_KBPS = 500;
/* What each packet adds to the audio (RTP header 12, SRTP tag 10, header
 * extensions 12), bytes. */
constexpr unsigned AUDIO_PACKET_OVERHEAD_BYTES = 34;
/* The audio bitrate for estimate_kbps, the viewer's now being current_kbps
 * (0: none yet). */
unsigned audio_kbps_for (unsigned estimate_kbps, unsigned current_kbps);
/* Opus's frame duration at a level (ms), and the level's share of a link
 * with its packets' overhead (kbit/s). */
unsigned audio_frame_ms (unsigned kbps);
unsigned audio_share_kbps (unsigned kbps);

/* Tiers of viewers that each want one of a few fixed bitrates (levels:
 * viewer -> kbit/s): one tier per level in use, the highest first. */
TierPlan plan_levels (const std::map<const void *, unsigned> &levels);

/* video-tier-ladder's text: kbit/s separated by commas, e.g. "2000,800,300",
 * 1 to MAX_LADDER_RUNGS of them, each within MIN_RUNG_KBPS..MAX_RUNG_KBPS;
 * "" is no ladder. Returns the rungs, fastest first, or nullopt with *error
 * saying what is wrong. */
constexpr unsigned MAX_LADDER_RUNGS = 4;
constexpr unsigned MIN_RUNG_KBPS = 30;
constexpr unsigned MAX_RUNG_KBPS = 100000;
std::optional<std::vector<unsigned>> parse_tier_ladder (const std::string &text, std::string *error);

} // namespace gstsig
