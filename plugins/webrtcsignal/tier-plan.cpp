/* gst-webrtcsignal: tiers of viewers (see tier-plan.h).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "tier-plan.h"

#include <algorithm>
#include <functional>

namespace gstsig {

TierPlan
plan_tiers (const std::map<const void *, unsigned> &estimates,
    const std::map<const void *, unsigned> &current, unsigned max_tiers, unsigned ceiling_kbps)
{
  TierPlan plan;
  if (estimates.empty ())
    return plan;
  max_tiers = std::max (max_tiers, 1u);
  std::vector<std::pair<const void *, unsigned>> viewers (estimates.begin (), estimates.end ());
  /* Fastest first; equal estimates in a fixed order. */
  std::sort (viewers.begin (), viewers.end (), [] (const auto &a, const auto &b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });
  auto tier_now = [&] (const void *v) {
    auto it = current.find (v);
    return it == current.end () ? -1 : (int) it->second;
  };

  unsigned leader_kbps = 0;  /* the fastest estimate of the tier being filled */
  const void *above = nullptr;
  for (const auto &[viewer, kbps] : viewers) {
    unsigned estimate = std::min (kbps, ceiling_kbps);
    if (plan.targets_kbps.empty ()) {
      plan.targets_kbps.push_back (estimate);
      leader_kbps = estimate;
    } else {
      bool was_together = tier_now (viewer) >= 0 && tier_now (viewer) == tier_now (above);
      double share = was_together ? TIER_STAY : TIER_JOIN;
      bool fits = estimate >= share * leader_kbps;
      if (!fits && plan.targets_kbps.size () < max_tiers) {
        plan.targets_kbps.push_back (estimate);
        leader_kbps = estimate;
      } else if (fits) {
        plan.targets_kbps.back () = std::min (plan.targets_kbps.back (), estimate);
      }
      /* else: no tier left; it joins the last one without lowering it */
    }
    plan.tier_of[viewer] = (unsigned) plan.targets_kbps.size () - 1;
    above = viewer;
  }
  return plan;
}

TierPlan
plan_ladder_tiers (const std::map<const void *, unsigned> &estimates,
    const std::map<const void *, unsigned> &current, const std::vector<unsigned> &previous_targets,
    const std::vector<unsigned> &ladder_kbps, unsigned max_tiers, unsigned ceiling_kbps)
{
  TierPlan plan;
  std::vector<unsigned> rungs;
  for (unsigned rung : ladder_kbps)
    rungs.push_back (std::min (rung, ceiling_kbps));
  std::sort (rungs.begin (), rungs.end (), std::greater<unsigned> ());
  rungs.erase (std::unique (rungs.begin (), rungs.end ()), rungs.end ());
  if (rungs.empty () || estimates.empty ())
    return plan;
  /* The highest rung within kbps; the lowest when none is. */
  auto highest_within = [&] (double kbps) {
    for (size_t r = 0; r < rungs.size (); r++)
      if (rungs[r] <= kbps)
        return r;
    return rungs.size () - 1;
  };
  std::map<const void *, size_t> rung_of;
  std::vector<bool> used (rungs.size (), false);
  for (const auto &[viewer, kbps] : estimates) {
    size_t rung = highest_within (kbps);
    auto now = current.find (viewer);
    if (now != current.end () && now->second < previous_targets.size ()) {
      auto was = std::find (rungs.begin (), rungs.end (), previous_targets[now->second]);
      /* Still within its rung: up only with a margin, so that an estimate
       * near a rung does not move the viewer back and forth. */
      if (was != rungs.end () && kbps >= *was)
        rung = std::min ((size_t) (was - rungs.begin ()), highest_within (TIER_JOIN * kbps));
    }
    rung_of[viewer] = rung;
    used[rung] = true;
  }
  std::vector<size_t> tier_rungs; /* fastest first */
  for (size_t r = 0; r < rungs.size () && tier_rungs.size () < std::max (max_tiers, 1u); r++)
    if (used[r])
      tier_rungs.push_back (r);
  for (size_t rung : tier_rungs)
    plan.targets_kbps.push_back (rungs[rung]);
  for (const auto &[viewer, rung] : rung_of) {
    unsigned tier = (unsigned) tier_rungs.size () - 1; /* past max_tiers: the last */
    for (size_t t = 0; t < tier_rungs.size (); t++)
      if (tier_rungs[t] == rung)
        tier = (unsigned) t;
    plan.tier_of[viewer] = tier;
  }
  return plan;
}

unsigned
audio_kbps_for (unsigned estimate_kbps, unsigned current_kbps)
{
  if (current_kbps == AUDIO_LOW_KBPS)
    return estimate_kbps > AUDIO_FULL_ABOVE_KBPS ? AUDIO_FULL_KBPS : AUDIO_LOW_KBPS;
  return estimate_kbps < AUDIO_LOW_BELOW_KBPS ? AUDIO_LOW_KBPS : AUDIO_FULL_KBPS;
}

unsigned
audio_frame_ms (unsigned kbps)
{
  return kbps <= AUDIO_LOW_KBPS ? 60 : 20;
}

unsigned
audio_share_kbps (unsigned kbps)
{
  return kbps + (1000 / audio_frame_ms (kbps)) * AUDIO_PACKET_OVERHEAD_BYTES * 8 / 1000;
}

TierPlan
plan_levels (const std::map<const void *, unsigned> &levels)
{
  TierPlan plan;
  for (const auto &entry : levels)
    plan.targets_kbps.push_back (entry.second);
  std::sort (plan.targets_kbps.begin (), plan.targets_kbps.end (), std::greater<unsigned> ());
  plan.targets_kbps.erase (std::unique (plan.targets_kbps.begin (), plan.targets_kbps.end ()),
      plan.targets_kbps.end ());
  for (const auto &[viewer, kbps] : levels)
    plan.tier_of[viewer] = (unsigned) (std::find (plan.targets_kbps.begin (),
        plan.targets_kbps.end (), kbps) - plan.targets_kbps.begin ());
  return plan;
}

std::optional<std::vector<unsigned>>
parse_tier_ladder (const std::string &text, std::string *error)
{
  std::vector<unsigned> rungs;
  size_t start = 0;
  while (start <= text.size () && !text.empty ()) {
    size_t comma = text.find (',', start);
    std::string item = text.substr (start, comma == std::string::npos ? std::string::npos : comma - start);
    size_t first = item.find_first_not_of (" \t");
    size_t last = item.find_last_not_of (" \t");
    item = first == std::string::npos ? "" : item.substr (first, last - first + 1);
    bool digits = !item.empty () && item.size () <= 6 &&
        item.find_first_not_of ("0123456789") == std::string::npos;
    unsigned kbps = digits ? (unsigned) std::stoul (item) : 0;
    if (!digits || kbps < MIN_RUNG_KBPS || kbps > MAX_RUNG_KBPS) {
      *error = "\"" + item + "\" is not a bitrate in kbit/s from " + std::to_string (MIN_RUNG_KBPS) +
          " to " + std::to_string (MAX_RUNG_KBPS);
      return std::nullopt;
    }
    rungs.push_back (kbps);
    if (rungs.size () > MAX_LADDER_RUNGS) {
      *error = "at most " + std::to_string (MAX_LADDER_RUNGS) + " bitrates";
      return std::nullopt;
    }
    if (comma == std::string::npos)
      break;
    start = comma + 1;
  }
  std::sort (rungs.begin (), rungs.end (), std::greater<unsigned> ());
  return rungs;
}

} // namespace gstsig
