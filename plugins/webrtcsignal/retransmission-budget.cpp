/* gst-webrtcsignal: the retransmission budget (see retransmission-budget.h).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "retransmission-budget.h"

#include <algorithm>

namespace gstsig {

double
RetransmissionBudget::depth () const
{
  return std::max (rate_ * DEPTH_S, MIN_DEPTH_BYTES);
}

void
RetransmissionBudget::set_estimate_kbps (unsigned kbps)
{
  bool first = rate_ <= 0;
  rate_ = kbps * 1000.0 / 8 * SHARE;
  if (first && rate_ > 0)
    tokens_ = depth (); /* a full bucket to start with */
  tokens_ = std::min (tokens_, depth ());
}

void
RetransmissionBudget::refill (int64_t now_us)
{
  if (last_us_ >= 0 && now_us > last_us_)
    tokens_ = std::min (depth (), tokens_ + rate_ * (now_us - last_us_) / 1e6);
  if (now_us > last_us_)
    last_us_ = now_us;
}

bool
RetransmissionBudget::take (int64_t now_us, size_t bytes)
{
  if (rate_ <= 0)
    return true;
  refill (now_us);
  if (tokens_ < (double) bytes) {
    dropped_++;
    return false;
  }
  tokens_ -= bytes;
  return true;
}

} // namespace gstsig
