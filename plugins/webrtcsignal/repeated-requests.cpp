/* gst-webrtcsignal: packets asked for again and again (see
 * repeated-requests.h).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "repeated-requests.h"

#include <algorithm>

namespace gstsig {

bool
RepeatedRequests::on_request (uint32_t ssrc, uint16_t seqnum, int64_t now_us)
{
  while (!entries_.empty () && now_us - entries_.front ().first_us > WINDOW_US)
    entries_.pop_front ();
  auto it = std::find_if (entries_.begin (), entries_.end (),
      [&] (const Entry &e) { return e.ssrc == ssrc && e.seqnum == seqnum; });
  if (it == entries_.end ()) {
    if (entries_.size () >= MAX_TRACKED)
      entries_.pop_front ();
    entries_.push_back ({ ssrc, seqnum, 1, now_us });
    return GIVE_UP_AT == 1;
  }
  return ++it->count == GIVE_UP_AT;
}

} // namespace gstsig
