/* gst-webrtcsignal: one-shot mDNS queries (RFC 6762 5.1) on a GMainContext,
 * for the ".local" names of a peer's ICE candidates. The messages are
 * mdns-query.h's; this is the GIO glue: one UDP socket bound to the mDNS
 * port (shared with other responders and resolvers: SO_REUSEADDR/PORT) and
 * joined to 224.0.0.251 on every IPv4 link that multicasts, open only while
 * a query is pending, and a timer per query. Queries go out of each link
 * (a peer may be on any).
 *
 * Browsers answer by multicast from port 5353 (Chromium 156 never by
 * unicast, and ignores questions with the unicast-response bit): hence the
 * bound port and the group. Responses from another source port are ignored
 * (RFC 6762 6).
 *
 * Threads: create, use and destroy a resolver on the thread that runs its
 * context; callbacks run there too, never from within resolve (), and
 * never after the resolver is destroyed. A callback must not destroy the
 * resolver.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "mdns-query.h"
#include "multicast-interfaces.h"

#include <gio/gio.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace gstsig {

class MdnsResolver {
public:
  struct Options {
    unsigned max_pending = 4;   /* names being resolved at once */
    unsigned max_cached = 64;   /* names remembered, resolved or not */
    guint timeout_ms = 3000;    /* until a name counts as unresolved */
    guint retransmit_ms = 1000; /* the query is sent again once, then */
    /* Where queries go, and the source port responses must have. */
    std::string group = mdns::GROUP_IPV4;
    guint16 port = mdns::PORT;
    /* Where the socket is bound (port 0: any, e.g. in tests). */
    std::string bind_address = "0.0.0.0";
    guint16 bind_port = mdns::PORT;
  };

  /* What became of a name: its addresses, or why there are none. */
  struct Result {
    std::vector<mdns::Address> addresses;
    std::string error;
    bool cached = false; /* known from an earlier query */
    guint64 elapsed_ms = 0;
  };
  using Callback = std::function<void (const std::string &name, const Result &result)>;

  explicit MdnsResolver (GMainContext *context);
  MdnsResolver (GMainContext *context, Options options);
  ~MdnsResolver ();
  MdnsResolver (const MdnsResolver &) = delete;
  MdnsResolver &operator= (const MdnsResolver &) = delete;

  /* Resolves name (a ".local" name, see mdns::normalize_local_name), joining
   * a query for it under way, or answering from what an earlier one found.
   * callback runs once, later. Returns false, with *error, when it cannot
   * start: not a .local name, max_pending names pending, or no socket. */
  bool resolve (const std::string &name, Callback callback, std::string *error);

  size_t pending () const { return pending_.size (); }
  /* The port the socket is bound to (0 when none is open). */
  guint16 local_port () const;

private:
  struct Query;

  bool open_socket (std::string *error);
  void close_socket ();
  bool send_query (Query &query, std::string *error);
  void complete (const std::string &name, Result result);
  void post_cached (const std::string &name, Callback callback);
  static gboolean on_readable (GSocket *socket, GIOCondition condition, gpointer data);
  void on_datagram (const uint8_t *data, size_t size, GSocketAddress *from);

  GMainContext *context_;
  Options options_;
  GSocket *socket_ = nullptr; /* open while queries are pending */
  GSource *socket_source_ = nullptr;
  GSocketAddress *destination_ = nullptr;
  /* Multicast: the links the group was joined on, each queried in turn
   * (empty: the one the routes pick). */
  std::vector<MulticastInterface> interfaces_;
  std::map<std::string, std::unique_ptr<Query>> pending_; /* by name */
  std::map<std::string, Result> cache_;                   /* by name */
  std::vector<GSource *> idle_;                           /* cached answers on their way */
};

} // namespace gstsig
