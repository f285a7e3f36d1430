/* gst-webrtcsignal: TURN over TLS through a local TLS proxy (see
 * turn-tls-proxy.h).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "turn-tls-proxy.h"

#include "context-thread.h"

#include <gio/gio.h>

#include <map>
#include <utility>

namespace gstsig {

namespace {

constexpr guint16 DEFAULT_TURNS_PORT = 5349;

/* One turns:// server and its local listener (proxy thread only). */
struct Target {
  std::string host;
  guint16 port = 0;
  guint16 local_port = 0;
  GSocketListener *listener = nullptr;
  unsigned active = 0;
  bool refusal_noted = false; /* the limit: said once */
};

} // namespace

struct TurnTlsProxy::State {
  ContextThread thread { "webrtcsignal-turns" };
  tls::ClientTls tls;
  std::function<void (const std::string &)> warn;
  GCancellable *cancel = g_cancellable_new ();
  std::map<std::string, Target> targets; /* "host:port": proxy thread only */
  unsigned active_total = 0;

  ~State () { g_object_unref (cancel); }
};

namespace {

using State = TurnTlsProxy::State;

/* One connection from libnice, joined to one TLS connection. */
struct Join {
  State *state;
  Target *target;
  GSocketConnection *local = nullptr;
  GTlsConnection *tls = nullptr; /* set during the handshake, for what it saw */

  ~Join ()
  {
    g_clear_object (&local);
    g_clear_object (&tls);
    target->active--;
    state->active_total--;
  }
};

void accept_next (State *state, Target *target);

void
on_spliced (GObject *, GAsyncResult *result, gpointer data)
{
  auto join = static_cast<Join *> (data);
  g_io_stream_splice_finish (result, nullptr);
  delete join;
}

void
on_client_event (GSocketClient *, GSocketClientEvent event, GSocketConnectable *,
    GIOStream *connection, gpointer data)
{
  auto join = static_cast<Join *> (data);
  if (event != G_SOCKET_CLIENT_TLS_HANDSHAKING || !G_IS_TLS_CONNECTION (connection))
    return;
  g_set_object (&join->tls, G_TLS_CONNECTION (connection));
  join->state->tls.watch (join->tls);
}

void
on_remote (GObject *source, GAsyncResult *result, gpointer data)
{
  auto join = static_cast<Join *> (data);
  GError *error = nullptr;
  GSocketConnection *remote =
      g_socket_client_connect_to_host_finish (G_SOCKET_CLIENT (source), result, &error);
  g_signal_handlers_disconnect_by_data (source, join);
  g_object_unref (source);
  if (!remote) {
    if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
      std::string url = "turns://" + join->target->host + ":" +
          std::to_string (join->target->port);
      std::string problem = join->tls
          ? join->state->tls.describe_failure (join->tls, error, url)
          : "";
      join->state->warn (problem.empty ()
          ? "Cannot reach the TURN server " + url + " over TLS: " + error->message
          : "TURN server: " + problem);
    }
    g_error_free (error);
    delete join;
    return;
  }
  g_io_stream_splice_async (G_IO_STREAM (join->local), G_IO_STREAM (remote),
      (GIOStreamSpliceFlags) (G_IO_STREAM_SPLICE_CLOSE_STREAM1 |
          G_IO_STREAM_SPLICE_CLOSE_STREAM2 | G_IO_STREAM_SPLICE_WAIT_FOR_BOTH),
      G_PRIORITY_DEFAULT, join->state->cancel, on_spliced, join);
  g_object_unref (remote); /* the splice holds it */
}

void
on_accepted (GObject *source, GAsyncResult *result, gpointer data)
{
  auto target = static_cast<Target *> (data);
  GError *error = nullptr;
  GObject *source_tag = nullptr;
  GSocketConnection *local = g_socket_listener_accept_finish (G_SOCKET_LISTENER (source), result,
      &source_tag, &error);
  if (!local) {
    /* Cancelled: the proxy is going; target may be gone already. */
    g_error_free (error);
    return;
  }
  auto state = static_cast<State *> (g_object_get_data (source, "gstsig-state"));
  accept_next (state, target);
  if (target->active >= TurnTlsProxy::MAX_CONNECTIONS) {
    if (!target->refusal_noted)
      state->warn ("More than " + std::to_string (TurnTlsProxy::MAX_CONNECTIONS) +
          " TURN allocations at once through turns://" + target->host + ": refusing more");
    target->refusal_noted = true;
    g_io_stream_close (G_IO_STREAM (local), nullptr, nullptr);
    g_object_unref (local);
    return;
  }
  target->active++;
  state->active_total++;
  auto join = new Join { state, target, local };
  GSocketClient *client = g_socket_client_new ();
  g_socket_client_set_tls (client, TRUE);
  /* Straight to the TURN server, as libnice would go: no HTTP proxy (and
   * no libproxy lookup, which took seconds on a loaded machine while
   * libnice's allocation timed out). */
  g_socket_client_set_enable_proxy (client, FALSE);
  g_socket_client_set_timeout (client, TurnTlsProxy::CONNECT_TIMEOUT_S);
  g_signal_connect (client, "event", G_CALLBACK (on_client_event), join);
  g_socket_client_connect_to_host_async (client, target->host.c_str (), target->port,
      state->cancel, on_remote, join);
}

void
accept_next (State *state, Target *target)
{
  g_socket_listener_accept_async (target->listener, state->cancel, on_accepted, target);
}

/* On the proxy thread: the listener for host:port, made on first use. */
Target *
target_for (State *state, const std::string &host, guint16 port, std::string *error)
{
  std::string key = host + ":" + std::to_string (port);
  auto it = state->targets.find (key);
  if (it != state->targets.end ())
    return &it->second;
  /* A signaller may learn servers from the network (WHIP Link headers). */
  if (state->targets.size () >= TurnTlsProxy::MAX_SERVERS) {
    *error = "more than " + std::to_string (TurnTlsProxy::MAX_SERVERS) +
        " turns:// servers; " + key + " is left out";
    return nullptr;
  }
  GSocketListener *listener = g_socket_listener_new ();
  GInetAddress *loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  GSocketAddress *address = g_inet_socket_address_new (loopback, 0);
  GSocketAddress *bound = nullptr;
  GError *err = nullptr;
  bool ok = g_socket_listener_add_address (listener, address, G_SOCKET_TYPE_STREAM,
      G_SOCKET_PROTOCOL_TCP, nullptr, &bound, &err);
  g_object_unref (address);
  g_object_unref (loopback);
  if (!ok) {
    *error = std::string ("cannot listen on 127.0.0.1 for turns:// ") + err->message;
    g_error_free (err);
    g_object_unref (listener);
    return nullptr;
  }
  Target &target = state->targets[key];
  target.host = host;
  target.port = port;
  target.local_port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  g_object_unref (bound);
  target.listener = listener;
  g_object_set_data (G_OBJECT (listener), "gstsig-state", state);
  accept_next (state, &target);
  return &target;
}

} // namespace

bool
is_turns_uri (const std::string &uri)
{
  return g_ascii_strncasecmp (uri.c_str (), "turns:", 6) == 0;
}

TurnTlsProxy::TurnTlsProxy (tls::ClientTls tls, std::function<void (const std::string &)> warn)
    : state_ (std::make_shared<State> ())
{
  state_->tls = std::move (tls);
  state_->warn = std::move (warn);
  /* Load the TLS backend and the system's CAs now, on our thread, not when
   * libnice's first allocation waits for us: its TCP relay discovery gives
   * up after about 2 s, and this takes seconds on a loaded machine. */
  state_->thread.invoke ([] () {
    GTlsDatabase *database = g_tls_backend_get_default_database (g_tls_backend_get_default ());
    g_clear_object (&database);
  });
}

TurnTlsProxy::~TurnTlsProxy ()
{
  State *state = state_.get ();
  state->thread.invoke_sync ([state] () {
    g_cancellable_cancel (state->cancel);
    for (auto &entry : state->targets)
      g_socket_listener_close (entry.second.listener);
  });
  /* Let the cancelled splices and connects finish (their callbacks free
   * what they hold) before the thread and the targets go. A cancelled
   * connect normally ends at once; a TLS handshake in GIO's thread may
   * only end at its I/O timeout, so wait up to that long. */
  for (unsigned i = 0; i < (CONNECT_TIMEOUT_S + 2) * 50; i++) {
    unsigned active = 0;
    state->thread.invoke_sync ([state, &active] () { active = state->active_total; });
    if (!active)
      break;
    g_usleep (20 * 1000);
  }
  state->thread.invoke_sync ([state] () {
    for (auto &entry : state->targets)
      g_object_unref (entry.second.listener);
    state->targets.clear ();
  });
}

std::string
TurnTlsProxy::local_uri (const std::string &uri, std::string *error)
{
  if (!is_turns_uri (uri))
    return uri;
  g_autoptr (GUri) parsed = g_uri_parse (uri.c_str (), G_URI_FLAGS_ENCODED, nullptr);
  const char *host = parsed ? g_uri_get_host (parsed) : nullptr;
  const char *userinfo = parsed ? g_uri_get_userinfo (parsed) : nullptr;
  if (!host || !*host || !userinfo || !strchr (userinfo, ':')) {
    *error = "'" + uri + "' is not a TURN URI webrtcbin takes: turns://USER:PASSWORD@HOST:PORT";
    return "";
  }
  gint port = g_uri_get_port (parsed);
  guint16 server_port = port > 0 ? (guint16) port : DEFAULT_TURNS_PORT;
  std::string server_host = host;
  State *state = state_.get ();
  guint16 local_port = 0;
  state->thread.invoke_sync ([&] () {
    Target *target = target_for (state, server_host, server_port, error);
    local_port = target ? target->local_port : 0;
  });
  if (!local_port)
    return "";
  return std::string ("turn://") + userinfo + "@127.0.0.1:" + std::to_string (local_port) +
      "?transport=tcp";
}

} // namespace gstsig
