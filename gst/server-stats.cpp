/* gst-webrtcsignal: the stats side of the signalling server (see
 * server-stats.h and docs/protocol-stats.md).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "server-stats.h"

namespace gstsig {

namespace p = protocol;

p::StatsUpdate
StatsHub::report (const std::string &peer_id, const p::StatsReport &report)
{
  p::StatsUpdate update { peer_id, report.session_id, report.stats };
  reports_[Key { report.session_id, peer_id }] = update;
  return update;
}

std::vector<p::StatsUpdate>
StatsHub::subscribe (const std::string &peer_id)
{
  subscribers_.insert (peer_id);
  std::vector<p::StatsUpdate> snapshot;
  snapshot.reserve (reports_.size ());
  for (const auto &entry : reports_)
    snapshot.push_back (entry.second);
  return snapshot;
}

void
StatsHub::unsubscribe (const std::string &peer_id)
{
  subscribers_.erase (peer_id);
}

void
StatsHub::session_ended (const std::string &session_id)
{
  /* Keys of one session are adjacent: (session, any peer). */
  auto it = reports_.lower_bound (Key { session_id, std::string () });
  while (it != reports_.end () && it->first.first == session_id)
    it = reports_.erase (it);
}

void
StatsHub::peer_left (const std::string &peer_id)
{
  reports_.erase (Key { std::nullopt, peer_id });
  subscribers_.erase (peer_id);
}

void
StatsHub::clear ()
{
  reports_.clear ();
  subscribers_.clear ();
}

} // namespace gstsig
