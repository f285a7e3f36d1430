/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "fec-policy.h"

#include <algorithm>
#include <cmath>

namespace gstsig {

FecPolicy::FecPolicy (FecMode mode, double min_rtt_s)
    : mode_ (mode), min_rtt_s_ (min_rtt_s), on_ (mode == FecMode::On),
      percentage_ (mode == FecMode::On ? MIN_PERCENTAGE : 0)
{
}

unsigned
FecPolicy::percentage_for (double loss) const
{
  double wanted = std::round (LOSS_FACTOR * loss * 100);
  return (unsigned) std::clamp (wanted, (double) MIN_PERCENTAGE, (double) MAX_PERCENTAGE);
}

unsigned
FecPolicy::on_report (double fraction_lost, double rtt_s)
{
  if (mode_ == FecMode::Off || !(fraction_lost >= 0 && fraction_lost <= 1))
    return percentage_;
  loss_ = loss_ < 0 ? fraction_lost : SMOOTHING * fraction_lost + (1 - SMOOTHING) * loss_;
  if (rtt_s >= 0 && (least_rtt_s_ < 0 || rtt_s < least_rtt_s_))
    least_rtt_s_ = rtt_s;
  bool queued = rtt_s >= 0 && rtt_s > QUEUE_FACTOR * least_rtt_s_ + QUEUE_SLACK_S;
  if (mode_ == FecMode::Auto) {
    if (!on_ && loss_ >= AUTO_ON_LOSS && rtt_s >= min_rtt_s_ && !queued)
      on_ = true;
    else if (on_ && (loss_ < AUTO_OFF_LOSS || !(rtt_s >= 0.75 * min_rtt_s_) || queued))
      on_ = false;
  }
  percentage_ = on_ ? percentage_for (loss_) : 0;
  return percentage_;
}

} // namespace gstsig
