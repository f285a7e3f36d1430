/* gst-webrtcsignal: the stats side of the signalling server (see
 * server-stats.h and docs/protocol-stats.md).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "server-stats.h"

#include "protocol-json.h"

#include <cstring>

namespace gstsig {

namespace p = protocol;

namespace {

/* Members that say where a viewer is: "candidate-pair" (ADDR:PORT <->
 * ADDR:PORT) and anything named like an address. */
bool
is_address_member (const char *name)
{
  return strcmp (name, "candidate-pair") == 0 || strstr (name, "address") != nullptr;
}

} // namespace

p::StatsJson
without_addresses (const p::StatsJson &stats)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  /* Our own normalised text of a flat object (StatsJson): no depth to fear. */
  if (!json_parser_load_from_data (parser, stats.data (), (gssize) stats.size (), nullptr))
    return "{}";
  JsonNode *root = json_parser_get_root (parser);
  if (!root || !JSON_NODE_HOLDS_OBJECT (root))
    return "{}";
  JsonObject *obj = json_node_get_object (root);
  GList *members = json_object_get_members (obj);
  for (GList *l = members; l; l = l->next) {
    auto name = static_cast<const char *> (l->data);
    if (is_address_member (name))
      json_object_remove_member (obj, name);
  }
  g_list_free (members);
  try {
    return p::detail::stats_text (obj, "stats");
  } catch (const p::detail::ParseError &) {
    return "{}";
  }
}

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
