/* gst-webrtcsignal: "a limit was hit" (or any repeated trouble) reported
 * once, not once per packet: the first time, then at most once a minute with
 * how often it was hit since.
 * Internal to the library.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

#include <string>

namespace gstsig {

class LimitNotice {
public:
  /* Whether to report a hit now: the first one, then the first after a
   * minute of quiet reports. When it is time, *suppressed (if given) is how
   * many hits since the last report were not reported. */
  bool due (unsigned *suppressed = nullptr)
  {
    gint64 now = g_get_monotonic_time ();
    if (last_us_ != 0 && now - last_us_ < G_USEC_PER_SEC * 60) {
      suppressed_++;
      return false;
    }
    if (suppressed)
      *suppressed = suppressed_;
    last_us_ = now;
    suppressed_ = 0;
    return true;
  }

  /* Logs text (g_message) if it is time to; text should name the limit and
   * the option that changes it. */
  void hit (const std::string &text)
  {
    unsigned suppressed = 0;
    if (!due (&suppressed))
      return;
    if (suppressed > 0)
      g_message ("%s (and %u more times in the last minute)", text.c_str (), suppressed);
    else
      g_message ("%s", text.c_str ());
  }

private:
  gint64 last_us_ = 0;
  unsigned suppressed_ = 0;
};

} // namespace gstsig
