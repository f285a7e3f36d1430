/* gst-webrtcsignal: tiers of viewers (see tier-plan.h).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "tier-plan.h"

#include <algorithm>

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

} // namespace gstsig
