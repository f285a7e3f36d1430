/* gst-webrtcsignal: the stats side of the signalling server (internal to
 * the library; see server.h and docs/protocol-stats.md).
 *
 * Keeps the latest report per (session, reporting peer) and the set of
 * subscribed peers. Plain state with no I/O: the server checks who may
 * report, and sends what these methods return. Lives on the server's
 * context, like the rest of its state.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "protocol.h"

#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace gstsig {

/* stats without the members that give away where a peer is (candidate
 * addresses); the server sends these unless told otherwise. */
protocol::StatsJson without_addresses (const protocol::StatsJson &stats);

class StatsHub {
public:
  /* Records @report of @peer_id (its session membership already checked)
   * and returns the update every subscriber gets. */
  protocol::StatsUpdate report (const std::string &peer_id, const protocol::StatsReport &report);

  /* Adds @peer_id to the subscribers (again is fine) and returns the
   * latest report of every live session and connected peer, for it alone. */
  std::vector<protocol::StatsUpdate> subscribe (const std::string &peer_id);
  void unsubscribe (const std::string &peer_id);
  const std::set<std::string> &subscribers () const { return subscribers_; }

  /* Drops the reports of a session that ended. */
  void session_ended (const std::string &session_id);
  /* Drops what a peer that left reported about itself, and its subscription.
   * (Its session reports go with its sessions.) */
  void peer_left (const std::string &peer_id);
  void clear ();

  size_t report_count () const { return reports_.size (); }

private:
  /* (session id or none, reporting peer id) */
  using Key = std::pair<std::optional<std::string>, std::string>;
  std::map<Key, protocol::StatsUpdate> reports_;
  std::set<std::string> subscribers_;
};

} // namespace gstsig
