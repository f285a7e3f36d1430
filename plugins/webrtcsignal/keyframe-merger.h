/* gst-webrtcsignal: merges keyframe requests from many consumers of one
 * encoder into at most one forced keyframe per window. A request inside the
 * window is not dropped: it is served by one keyframe at the window's end.
 * Pure logic; times are in any monotonic unit (webrtcsend uses µs).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <cstdint>
#include <optional>

namespace gstsig {

class KeyframeMerger {
public:
  enum class Action {
    ForwardNow, /* send a keyframe request to the encoder now */
    ScheduleAt, /* arm a timer for scheduled_at(); call on_timer() then */
    Merged,     /* already served by the pending one: drop */
  };

  explicit KeyframeMerger (int64_t window) : window_ (window) {}

  Action on_request (int64_t now)
  {
    if (pending_)
      return Action::Merged;
    if (!last_ || now - *last_ >= window_) {
      last_ = now;
      return Action::ForwardNow;
    }
    pending_ = *last_ + window_;
    return Action::ScheduleAt;
  }

  /* The timer fired: forward the merged request now. */
  void on_timer (int64_t now)
  {
    pending_.reset ();
    last_ = now;
  }

  int64_t scheduled_at () const { return pending_.value_or (0); }
  bool has_pending () const { return pending_.has_value (); }
  int64_t window () const { return window_; }

private:
  int64_t window_;
  std::optional<int64_t> last_;    /* when we last forwarded */
  std::optional<int64_t> pending_; /* when the merged request goes out */
};

} // namespace gstsig
