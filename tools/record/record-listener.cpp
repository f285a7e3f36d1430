/* gst-webrtc-record: the listener connection.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "record-listener.h"

#include "record-janus-listener.h"

#include "protocol.h"

#include <type_traits>
#include <utility>
#include <variant>

namespace gstsig::record {

namespace proto = gstsig::protocol;

ServerListener::ServerListener (std::string server_uri, Access access, Callbacks callbacks)
    : uri_ (std::move (server_uri)), access_ (std::move (access)),
      callbacks_ (std::move (callbacks))
{
}

ServerListener::~ServerListener ()
{
  close ();
}

void
ServerListener::connect (unsigned timeout_s)
{
  tls_.set_insecure_warning ([this] (const std::string &message) {
    if (callbacks_.warning)
      callbacks_.warning (message);
  });
  GError *tls_error = nullptr;
  if (!tls_.configure (access_.ca_file, access_.insecure, { "--ca-file PEM", "--insecure" },
          &tls_error)) {
    std::string message = tls_error->message;
    g_error_free (tls_error);
    fail (message);
    return;
  }
  gstsig::WsClientOptions options;
  options.uri = uri_;
  options.bearer_token = access_.token;
  options.tls = tls_;
  options.max_message_bytes = proto::MAX_SERVER_MESSAGE_BYTES;
  cancellable_ = g_cancellable_new ();
  gstsig::ws_client_connect (options, cancellable_,
      [this] (SoupWebsocketConnection *conn, const gstsig::WsClientFailure &failure) {
        /* Cancelled means close () ran: this may be gone. */
        if (!conn && g_error_matches (failure.error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
          return;
        on_connected (conn, failure);
      });
  if (failed_)
    return; /* a URI it could not use: said already */
  timeout_source_ = g_timeout_add_seconds (timeout_s, [] (gpointer data) -> gboolean {
    auto self = static_cast<ServerListener *> (data);
    self->timeout_source_ = 0;
    self->fail ("no answer from the signalling server at " + self->uri_ + " (timed out)");
    return G_SOURCE_REMOVE;
  }, this);
}

void
ServerListener::close ()
{
  if (timeout_source_)
    g_source_remove (std::exchange (timeout_source_, 0u));
  if (cancellable_) {
    g_cancellable_cancel (cancellable_);
    g_clear_object (&cancellable_);
  }
  if (conn_) {
    g_signal_handlers_disconnect_by_data (conn_, this);
    if (soup_websocket_connection_get_state (conn_) == SOUP_WEBSOCKET_STATE_OPEN)
      soup_websocket_connection_close (conn_, SOUP_WEBSOCKET_CLOSE_NORMAL, nullptr);
    g_clear_object (&conn_);
  }
}

/* Why the upgrade failed, and what to do about it. */
std::string
ServerListener::connect_failure (const gstsig::WsClientFailure &failure) const
{
  guint status = failure.status;
  if (status == SOUP_STATUS_UNAUTHORIZED || status == SOUP_STATUS_FORBIDDEN) {
    std::string http = " (HTTP " + std::to_string (status) + ")";
    if (access_.token.empty ())
      return "the signalling server at " + uri_ + " needs a token" + http + ": give it with "
          "--token TOKEN";
    return "the signalling server at " + uri_ + " refused our token" + http + ": check --token";
  }
  if (!failure.tls_problem.empty ())
    return failure.tls_problem;
  return std::string ("cannot connect to the signalling server at ") + uri_ + ": " +
      (failure.error ? failure.error->message : "unknown error") + " (is the server running there?)";
}

void
ServerListener::on_connected (SoupWebsocketConnection *conn, const gstsig::WsClientFailure &failure)
{
  g_clear_object (&cancellable_);
  if (!conn) {
    fail (connect_failure (failure));
    return;
  }
  conn_ = conn;
  g_object_set (conn, "keepalive-interval", 20u, nullptr);
  g_signal_connect (conn, "message", G_CALLBACK (on_message), this);
  g_signal_connect (conn, "error", G_CALLBACK (on_error), this);
  g_signal_connect (conn, "closed", G_CALLBACK (on_closed), this);
}

/* The connection failed on its own (e.g. a message that never ends);
 * "closed" follows and says it with this. */
void
ServerListener::on_error (SoupWebsocketConnection *, GError *error, gpointer user_data)
{
  auto self = static_cast<ServerListener *> (user_data);
  if (self->connection_error_.empty ())
    self->connection_error_ = error->message;
}

void
ServerListener::on_message (SoupWebsocketConnection *, gint type, GBytes *message, gpointer user_data)
{
  if (type != SOUP_WEBSOCKET_DATA_TEXT)
    return;
  gsize size = 0;
  auto data = static_cast<const char *> (g_bytes_get_data (message, &size));
  static_cast<ServerListener *> (user_data)->handle_text (std::string (data, size));
}

void
ServerListener::on_closed (SoupWebsocketConnection *conn, gpointer user_data)
{
  auto self = static_cast<ServerListener *> (user_data);
  g_autofree gchar *reason = g_strdup (soup_websocket_connection_get_close_data (conn));
  std::string why = "the signalling server closed the connection";
  if (!self->connection_error_.empty ())
    why = "the connection to the signalling server failed: " + self->connection_error_;
  else if (reason && *reason)
    why += std::string (" (") + reason + ")";
  self->fail (why);
}

void
ServerListener::send (const std::string &text)
{
  if (conn_ && soup_websocket_connection_get_state (conn_) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_send_text (conn_, text.c_str ());
}

void
ServerListener::fail (const std::string &message)
{
  if (failed_)
    return;
  failed_ = true;
  bool was_ready = ready_;
  close ();
  if (callbacks_.failed)
    callbacks_.failed (message, was_ready);
}

void
ServerListener::set_producer (const std::string &id, const std::string &meta, bool online)
{
  auto it = producers_.find (id);
  if (online && it == producers_.end ()) {
    producers_[id] = meta;
    if (ready_ && callbacks_.producer_added)
      callbacks_.producer_added (id, meta);
  } else if (!online && it != producers_.end ()) {
    producers_.erase (it);
    if (ready_ && callbacks_.producer_removed)
      callbacks_.producer_removed (id);
  }
}

void
ServerListener::handle_text (const std::string &text)
{
  std::string error;
  auto msg = proto::parse_server_message (text, &error);
  if (!msg)
    return; /* a type we do not need */
  std::visit (
      [this] (auto &&m) {
        using T = std::decay_t<decltype (m)>;
        if constexpr (std::is_same_v<T, proto::Welcome>) {
          peer_id_ = m.peer_id;
          proto::SetPeerStatus status;
          status.roles.listener = true;
          send (proto::to_json (proto::ClientMessage (status)));
        } else if constexpr (std::is_same_v<T, proto::PeerStatusChanged>) {
          if (m.peer_id == peer_id_) {
            if (!registered_) {
              registered_ = true;
              send (proto::to_json (proto::ClientMessage (proto::ListRequest ())));
            }
            return;
          }
          set_producer (m.peer_id, m.meta, m.roles.producer);
        } else if constexpr (std::is_same_v<T, proto::ListReply>) {
          if (ready_)
            return;
          /* The list's order first, then any producer announced before it. */
          std::vector<std::pair<std::string, std::string>> online;
          auto seen = producers_;
          for (const auto &entry : m.producers) {
            if (entry.id == peer_id_)
              continue;
            producers_[entry.id] = entry.meta;
            online.emplace_back (entry.id, entry.meta);
            seen.erase (entry.id);
          }
          for (const auto &entry : seen)
            online.emplace_back (entry.first, entry.second);
          ready_ = true;
          if (timeout_source_)
            g_source_remove (std::exchange (timeout_source_, 0u));
          if (callbacks_.ready)
            callbacks_.ready (online);
        } else if constexpr (std::is_same_v<T, proto::ErrorMessage>) {
          if (!ready_)
            fail ("the signalling server refused us: " + m.details);
        }
      },
      *msg);
}

std::unique_ptr<Listener>
make_listener (const std::string &server_uri, Listener::Access access,
    Listener::Callbacks callbacks)
{
  if (g_str_has_prefix (server_uri.c_str (), "janus+"))
    return std::make_unique<JanusListener> (server_uri, std::move (access),
        std::move (callbacks));
  return std::make_unique<ServerListener> (server_uri, std::move (access), std::move (callbacks));
}

} // namespace gstsig::record
