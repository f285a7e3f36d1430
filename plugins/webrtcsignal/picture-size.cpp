/* gst-webrtcsignal: the encoder's picture size (see picture-size.h).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "picture-size.h"

#include <algorithm>
#include <cmath>

namespace gstsig {

unsigned
PictureSizer::update (unsigned target_kbps, double sent_kbps, unsigned ceiling_kbps, int64_t now_ms)
{
  if (last_change_ms_ >= 0 && now_ms - last_change_ms_ < SETTLE_MS)
    return step_;
  bool over = sent_kbps > OVER_FACTOR * target_kbps + OVER_SLACK_KBPS;
  if (!over) {
    over_since_ms_ = -1;
  } else if (over_since_ms_ < 0) {
    over_since_ms_ = now_ms;
    over_min_kbps_ = sent_kbps;
  } else {
    /* The least it sent while over is its floor: one window with a
     * keyframe's burst (or several, when viewers join) is not. */
    over_min_kbps_ = std::min (over_min_kbps_, sent_kbps);
    int64_t needed = over_min_kbps_ > FAR_OVER_FACTOR * target_kbps ? FAR_OVER_MS : OVER_MS;
    if (target_kbps >= ceiling_kbps)
      needed = CEILING_OVER_MS;
    if (now_ms - over_since_ms_ >= needed && step_ + 1 < LADDER.size ()) {
      /* A smaller picture never needs more than a larger one: what was
       * sent beyond that was something else (keyframes asked for, an
       * encoder starting). */
      double larger = step_ > 0 ? floor_kbps_[step_ - 1] : -1;
      floor_kbps_[step_] = larger >= 0 ? std::min (over_min_kbps_, larger) : over_min_kbps_;
      measured_[step_] = true;
      step_++;
      last_change_ms_ = now_ms;
      up_wait_ms_ = UP_WAIT_MS;
      over_since_ms_ = -1;
      held_since_ms_ = -1;
      return step_;
    }
  }
  if (sent_kbps < HELD_BACK_FACTOR * target_kbps) {
    if (held_since_ms_ < 0)
      held_since_ms_ = now_ms;
    /* The content needs at most sent_kbps at this size: a guessed floor
     * above goes down to what that says (never a measured one). */
    for (unsigned k = 0; k < step_; k++)
      if (!measured_[k])
        floor_kbps_[k] = std::min (floor_kbps_[k], sent_kbps * floor_weight (k) / floor_weight (step_));
  } else {
    held_since_ms_ = -1;
  }
  if (over || step_ == 0 || (last_change_ms_ >= 0 && now_ms - last_change_ms_ < up_wait_ms_))
    return step_;
  /* Up as many sizes as fit at once: after a dip, the way back is one
   * change, not one per UP_WAIT_MS. */
  unsigned up = step_;
  while (up > 0) {
    double floor_above = floor_kbps_[up - 1];
    bool fits = floor_above >= 0 && target_kbps >= UP_FACTOR * floor_above;
    bool at_ceiling = target_kbps >= ceiling_kbps &&
        floor_above <= OVER_FACTOR * ceiling_kbps + OVER_SLACK_KBPS;
    if (!fits && !at_ceiling)
      break;
    up--;
  }
  /* At the ceiling for long: a floor found once (maybe in a burst, or
   * with content that has since become easier) is tried again, one size
   * up; if it is still there, the encoder overruns for a second and the
   * size comes back down. */
  if (up == step_ && step_ > 0 && target_kbps >= ceiling_kbps && last_change_ms_ >= 0 &&
      now_ms - last_change_ms_ >= RETRY_UP_MS)
    up = step_ - 1;
  /* Held back by its own size: one size up, if that size's floor does
   * not overrun the target (it only lacks UP_FACTOR's margin). */
  if (up == step_ && step_ > 0 && held_since_ms_ >= 0 && now_ms - held_since_ms_ >= HELD_BACK_MS &&
      floor_kbps_[step_ - 1] <= OVER_FACTOR * target_kbps + OVER_SLACK_KBPS)
    up = step_ - 1;
  if (up != step_) {
    step_ = up;
    last_change_ms_ = now_ms;
    up_wait_ms_ = UP_WAIT_MS;
    held_since_ms_ = -1;
  }
  return step_;
}

void
PictureSizer::reset ()
{
  step_ = 0;
  floor_kbps_.fill (-1);
  over_since_ms_ = -1;
  last_change_ms_ = -1;
  held_since_ms_ = -1;
  measured_.fill (false);
  up_wait_ms_ = UP_WAIT_MS;
  started_ = false;
}

double
PictureSizer::floor_weight (unsigned step)
{
  step = std::min<unsigned> (step, LADDER.size () - 1);
  return std::pow (LADDER[step], FLOOR_SCALE_EXPONENT) *
      (FRAME_RATE_DIVISORS[step] > 1 ? HALF_RATE_FLOOR_FACTOR : 1.0);
}

double
PictureSizer::prior_floor_kbps (unsigned step, double pixels_per_s)
{
  return PRIOR_BITS_PER_PIXEL * pixels_per_s * floor_weight (step) / 1000;
}

unsigned
PictureSizer::frame_rate_divisor (unsigned step)
{
  return FRAME_RATE_DIVISORS[std::min<size_t> (step, FRAME_RATE_DIVISORS.size () - 1)];
}

unsigned
PictureSizer::start (unsigned target_kbps, double pixels_per_s, int64_t now_ms)
{
  started_ = true;
  /* The encoder restarts at the new size: SETTLE_MS before judging it. */
  last_change_ms_ = now_ms;
  up_wait_ms_ = START_UP_WAIT_MS;
  auto fits = [&] (unsigned step) {
    double floor = floor_kbps_[step] >= 0 ? floor_kbps_[step] : prior_floor_kbps (step, pixels_per_s);
    return floor <= OVER_FACTOR * target_kbps + OVER_SLACK_KBPS;
  };
  step_ = 0;
  while (step_ + 1 < LADDER.size () && !fits (step_)) {
    if (floor_kbps_[step_] < 0)
      floor_kbps_[step_] = prior_floor_kbps (step_, pixels_per_s);
    step_++;
  }
  return step_;
}

void
PictureSizer::start_from (const PictureSizer &other, unsigned target_kbps)
{
  reset ();
  started_ = true;
  floor_kbps_ = other.floor_kbps_;
  measured_ = other.measured_;
  while (step_ + 1 < LADDER.size () && floor_kbps_[step_] >= 0 &&
      floor_kbps_[step_] > OVER_FACTOR * target_kbps + OVER_SLACK_KBPS)
    step_++;
}

void
PictureSizer::scaled (unsigned step, int width, int height, int *out_width, int *out_height)
{
  double scale = LADDER[std::min<size_t> (step, LADDER.size () - 1)];
  *out_width = std::max (2, (int) std::lround (width * scale / 2) * 2);
  *out_height = std::max (2, (int) std::lround (height * scale / 2) * 2);
}

} // namespace gstsig
