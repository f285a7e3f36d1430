/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "mdns-resolver.h"
#include "multicast-interfaces.h"

#include <algorithm>

namespace gstsig {

struct MdnsResolver::Query {
  std::string name;
  guint16 id = 0;
  std::vector<Callback> callbacks;
  GSource *retransmit = nullptr;
  GSource *timeout = nullptr;
  gint64 started_us = 0;
  unsigned ignored = 0; /* responses that did not answer it */

  ~Query ()
  {
    for (GSource *source : { retransmit, timeout }) {
      if (source) {
        g_source_destroy (source);
        g_source_unref (source);
      }
    }
  }
};

namespace {

/* Datagrams read per wake-up: a flood cannot keep the thread to itself. */
constexpr int MAX_READS = 32;

struct Timer {
  MdnsResolver *self;
  std::string name;
  std::function<void (MdnsResolver *, const std::string &)> fn;
};

GSource *
add_timer (GMainContext *context, guint ms, Timer *timer)
{
  GSource *source = g_timeout_source_new (ms);
  g_source_set_callback (
      source,
      [] (gpointer data) -> gboolean {
        auto t = static_cast<Timer *> (data);
        t->fn (t->self, t->name);
        return G_SOURCE_REMOVE;
      },
      timer, [] (gpointer data) { delete static_cast<Timer *> (data); });
  g_source_attach (source, context);
  return source;
}

} // namespace

MdnsResolver::MdnsResolver (GMainContext *context) : MdnsResolver (context, Options ()) {}

MdnsResolver::MdnsResolver (GMainContext *context, Options options)
    : context_ (g_main_context_ref (context)), options_ (std::move (options))
{
}

MdnsResolver::~MdnsResolver ()
{
  pending_.clear ();
  for (GSource *source : idle_) {
    g_source_destroy (source);
    g_source_unref (source);
  }
  close_socket ();
  g_main_context_unref (context_);
}

guint16
MdnsResolver::local_port () const
{
  if (!socket_)
    return 0;
  GSocketAddress *address = g_socket_get_local_address (socket_, nullptr);
  if (!address)
    return 0;
  guint16 port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (address));
  g_object_unref (address);
  return port;
}

bool
MdnsResolver::open_socket (std::string *error)
{
  if (socket_)
    return true;
  GError *err = nullptr;
  GInetAddress *group = g_inet_address_new_from_string (options_.group.c_str ());
  GInetAddress *local = g_inet_address_new_from_string (options_.bind_address.c_str ());
  GSocket *socket = nullptr;
  if (!group || !local) {
    *error = "bad mDNS group or bind address";
  } else if (!(socket = g_socket_new (g_inet_address_get_family (group), G_SOCKET_TYPE_DATAGRAM,
                   G_SOCKET_PROTOCOL_UDP, &err))) {
    *error = std::string ("cannot open a UDP socket: ") + err->message;
  } else {
    g_socket_set_blocking (socket, FALSE);
    GSocketAddress *bind_to = g_inet_socket_address_new (local, options_.bind_port);
    /* allow_reuse: SO_REUSEADDR and SO_REUSEPORT, so that avahi, a browser
     * and other sessions share the port; multicast reaches every one. */
    gboolean bound = g_socket_bind (socket, bind_to, TRUE, &err);
    g_object_unref (bind_to);
    if (!bound) {
      *error = "cannot bind to " + options_.bind_address + ":" +
          std::to_string (options_.bind_port) + ": " + err->message;
    } else if (g_inet_address_get_is_multicast (group)) {
      /* RFC 6762 11: multicast with an IP TTL of 255. On every link the
       * machine has (a peer may be on any), or where the routes say. */
      g_socket_set_multicast_ttl (socket, 255);
      interfaces_.clear ();
      if (g_inet_address_get_family (group) == G_SOCKET_FAMILY_IPV4)
        for (const auto &iface : ipv4_multicast_interfaces ()) {
          if (g_socket_join_multicast_group (socket, group, FALSE, iface.name.c_str (), nullptr))
            interfaces_.push_back (iface);
        }
      if (interfaces_.empty () && !g_socket_join_multicast_group (socket, group, FALSE, nullptr, &err))
        *error = "cannot join " + options_.group +
            " (is there a route for multicast, or a "
            "default route?): " +
            err->message;
    }
  }
  g_clear_error (&err);
  if (socket && error->empty ()) {
    socket_ = socket;
    destination_ = g_inet_socket_address_new (group, options_.port);
    socket_source_ = g_socket_create_source (socket_, G_IO_IN, nullptr);
    g_source_set_callback (socket_source_, (GSourceFunc) (GCallback) on_readable, this, nullptr);
    g_source_attach (socket_source_, context_);
  } else if (socket) {
    g_object_unref (socket);
  }
  g_clear_object (&group);
  g_clear_object (&local);
  return socket_ != nullptr;
}

void
MdnsResolver::close_socket ()
{
  if (socket_source_) {
    g_source_destroy (socket_source_);
    g_source_unref (socket_source_);
    socket_source_ = nullptr;
  }
  if (socket_) {
    g_socket_close (socket_, nullptr);
    g_clear_object (&socket_);
  }
  interfaces_.clear ();
  g_clear_object (&destination_);
}

bool
MdnsResolver::send_query (Query &query, std::string *error)
{
  /* Two questions in two messages: Chromium reads only the first of a
   * message. It answers either with what it has; other responders may not. */
  bool sent = false;
  auto send_both = [&] (const std::string &where) {
    for (guint16 type : { mdns::TYPE_A, mdns::TYPE_AAAA }) {
      std::vector<uint8_t> message = mdns::encode_query (query.name, type, query.id);
      GError *err = nullptr;
      if (g_socket_send_to (socket_, destination_, (const gchar *) message.data (),
              message.size (), nullptr, &err) >= 0) {
        sent = true;
      } else {
        *error = "cannot send the query to " + options_.group + ":" +
            std::to_string (options_.port) + where + ": " + err->message;
        g_error_free (err);
      }
    }
  };
  if (interfaces_.empty ())
    send_both ("");
  for (const auto &iface : interfaces_) {
    std::string refused;
    if (set_ipv4_multicast_interface (socket_, iface.index, &refused))
      send_both (" on " + iface.name);
    else
      *error = "cannot send the query on " + iface.name + ": " + refused;
  }
  return sent;
}

bool
MdnsResolver::resolve (const std::string &name, Callback callback, std::string *error)
{
  auto normal = mdns::normalize_local_name (name);
  if (!normal) {
    *error = "not a .local name";
    return false;
  }
  if (cache_.count (*normal)) {
    post_cached (*normal, std::move (callback));
    return true;
  }
  auto it = pending_.find (*normal);
  if (it != pending_.end ()) {
    it->second->callbacks.push_back (std::move (callback));
    return true;
  }
  if (pending_.size () >= options_.max_pending) {
    *error = std::to_string (pending_.size ()) + " names are being resolved already";
    return false;
  }
  if (!open_socket (error))
    return false;
  auto query = std::make_unique<Query> ();
  query->name = *normal;
  query->id = (guint16) g_random_int_range (1, 0x10000);
  query->started_us = g_get_monotonic_time ();
  if (!send_query (*query, error)) {
    if (pending_.empty ())
      close_socket ();
    return false;
  }
  query->callbacks.push_back (std::move (callback));
  query->retransmit = add_timer (context_, options_.retransmit_ms,
      new Timer { this, *normal, [] (MdnsResolver *self, const std::string &name) {
                   auto it = self->pending_.find (name);
                   if (it == self->pending_.end ())
                     return;
                   std::string ignored;
                   self->send_query (*it->second, &ignored);
                 } });
  query->timeout = add_timer (context_, options_.timeout_ms,
      new Timer { this, *normal, [] (MdnsResolver *self, const std::string &name) {
                   auto it = self->pending_.find (name);
                   Result result;
                   result.error = "no answer within " + std::to_string (self->options_.timeout_ms) +
                       " ms";
                   if (it != self->pending_.end () && it->second->ignored)
                     result.error += " (" + std::to_string (it->second->ignored) +
                         " mDNS response(s) without it were ignored)";
                   self->complete (name, std::move (result));
                 } });
  pending_.emplace (*normal, std::move (query));
  return true;
}

void
MdnsResolver::post_cached (const std::string &name, Callback callback)
{
  struct Idle {
    MdnsResolver *self;
    std::string name;
    Callback callback;
    Result result;
    GSource *source;
  };
  GSource *source = g_idle_source_new ();
  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  Result result = cache_[name];
  result.cached = true;
  result.elapsed_ms = 0;
  auto idle = new Idle { this, name, std::move (callback), std::move (result), source };
  g_source_set_callback (
      source,
      [] (gpointer data) -> gboolean {
        auto d = static_cast<Idle *> (data);
        auto &list = d->self->idle_;
        list.erase (std::remove (list.begin (), list.end (), d->source), list.end ());
        d->callback (d->name, d->result);
        g_source_unref (d->source); /* the list's reference */
        return G_SOURCE_REMOVE;
      },
      idle, [] (gpointer data) { delete static_cast<Idle *> (data); });
  idle_.push_back (source);
  g_source_attach (source, context_);
}

void
MdnsResolver::complete (const std::string &name, Result result)
{
  auto it = pending_.find (name);
  if (it == pending_.end ())
    return;
  std::unique_ptr<Query> query = std::move (it->second);
  pending_.erase (it);
  result.elapsed_ms = (guint64) (g_get_monotonic_time () - query->started_us) / 1000;
  if (cache_.size () >= options_.max_cached)
    cache_.erase (cache_.begin ());
  cache_[name] = result;
  if (pending_.empty ())
    close_socket ();
  std::vector<Callback> callbacks = std::move (query->callbacks);
  query.reset (); /* its timers, before anything else runs */
  for (auto &callback : callbacks)
    callback (name, result);
}

gboolean
MdnsResolver::on_readable (GSocket *, GIOCondition, gpointer data)
{
  auto self = static_cast<MdnsResolver *> (data);
  std::vector<uint8_t> buffer (mdns::MAX_MESSAGE_SIZE + 1);
  for (int i = 0; i < MAX_READS && self->socket_; i++) {
    GSocketAddress *from = nullptr;
    GError *err = nullptr;
    gssize n = g_socket_receive_from (self->socket_, &from, (gchar *) buffer.data (),
        buffer.size (), nullptr, &err);
    if (n < 0) {
      g_clear_error (&err);
      break;
    }
    self->on_datagram (buffer.data (), (size_t) n, from);
    g_clear_object (&from);
  }
  return G_SOURCE_CONTINUE;
}

void
MdnsResolver::on_datagram (const uint8_t *data, size_t size, GSocketAddress *from)
{
  if (!G_IS_INET_SOCKET_ADDRESS (from) ||
      g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (from)) != options_.port)
    return;
  std::vector<std::pair<std::string, std::vector<mdns::Address>>> answered;
  for (auto &entry : pending_) {
    Query &query = *entry.second;
    std::vector<mdns::Address> addresses;
    mdns::Verdict verdict = mdns::parse_response (data, size, query.name, query.id, &addresses);
    if (verdict == mdns::Verdict::ANSWER) {
      answered.emplace_back (query.name, std::move (addresses));
    } else if (verdict != mdns::Verdict::NOT_RESPONSE) {
      query.ignored++;
      g_debug ("mDNS: a %" G_GSIZE_FORMAT "-byte message while resolving %s: %s", size,
          query.name.c_str (), mdns::verdict_to_string (verdict));
    }
  }
  for (auto &answer : answered) {
    Result result;
    result.addresses = std::move (answer.second);
    complete (answer.first, std::move (result));
  }
}

} // namespace gstsig
