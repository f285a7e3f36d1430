/* gst-webrtcsignal: one Janus API session (see janus-client.h).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "janus-client.h"

#include "secure-random.h"

#include <utility>

namespace gstsig::janus {

namespace {

/* A timer on the thread-default main context (g_timeout_add_seconds would
 * use the global one, which a signaller's thread does not run). */
guint
add_timeout_s (unsigned seconds, std::function<bool ()> fn)
{
  auto holder = new std::function<bool ()> (std::move (fn));
  GSource *source = g_timeout_source_new_seconds (seconds);
  g_source_set_callback (source, [] (gpointer data) -> gboolean {
    return (*static_cast<std::function<bool ()> *> (data)) () ? G_SOURCE_CONTINUE
                                                               : G_SOURCE_REMOVE;
  }, holder, [] (gpointer data) { delete static_cast<std::function<bool ()> *> (data); });
  GMainContext *context = g_main_context_ref_thread_default ();
  guint id = g_source_attach (source, context);
  g_main_context_unref (context);
  g_source_unref (source);
  return id;
}

void
remove_source (guint *id)
{
  if (!*id)
    return;
  GMainContext *context = g_main_context_ref_thread_default ();
  if (GSource *source = g_main_context_find_source_by_id (context, *id))
    g_source_destroy (source);
  g_main_context_unref (context);
  *id = 0;
}

} // namespace

Client::Client (std::string ws_uri, std::string shown_uri, Access access, Callbacks callbacks)
    : uri_ (std::move (ws_uri)), shown_uri_ (std::move (shown_uri)), access_ (std::move (access)),
      callbacks_ (std::move (callbacks))
{
  /* Transactions are ours to name; random ones cannot be guessed by
   * another client of the same Janus (they are not secrets, only ours). */
  transaction_prefix_ = secure_random_uuid ().substr (0, 8) + "-";
}

Client::~Client ()
{
  close ();
}

void
Client::connect (unsigned timeout_s)
{
  WsClientOptions options;
  options.uri = uri_;
  options.shown_uri = shown_uri_;
  options.protocol = SUBPROTOCOL;
  options.tls = access_.tls;
  options.max_message_bytes = MAX_MESSAGE_BYTES;
  cancellable_ = g_cancellable_new ();
  std::weak_ptr<bool> alive = alive_;
  ws_client_connect (options, cancellable_,
      [this, alive] (SoupWebsocketConnection *conn, const WsClientFailure &failure) {
        if (alive.expired ()) {
          if (conn)
            g_object_unref (conn);
          return;
        }
        on_connected (conn, failure);
      });
  connect_timeout_source_ = add_timeout_s (timeout_s, [this] () {
    connect_timeout_source_ = 0;
    fail (Failure { "Janus at " + shown_uri_ + " did not answer in time" });
    return false;
  });
}

void
Client::close ()
{
  if (closing_)
    return;
  closing_ = true;
  stop_timers ();
  if (cancellable_) {
    g_cancellable_cancel (cancellable_);
    g_clear_object (&cancellable_);
  }
  for (auto &entry : pending_)
    remove_source (&entry.second.timeout_source);
  pending_.clear ();
  if (conn_) {
    if (session_id_ && soup_websocket_connection_get_state (conn_) == SOUP_WEBSOCKET_STATE_OPEN)
      send_text (destroy_session (next_request (), session_id_));
    g_signal_handlers_disconnect_by_data (conn_, this);
    if (soup_websocket_connection_get_state (conn_) == SOUP_WEBSOCKET_STATE_OPEN)
      soup_websocket_connection_close (conn_, SOUP_WEBSOCKET_CLOSE_NORMAL, nullptr);
    g_clear_object (&conn_);
  }
  session_id_ = 0;
}

void
Client::stop_timers ()
{
  remove_source (&connect_timeout_source_);
  remove_source (&keepalive_source_);
}

RequestBase
Client::next_request ()
{
  return RequestBase { transaction_prefix_ + std::to_string (next_transaction_++), access_.token,
      access_.api_secret };
}

void
Client::send_text (const std::string &text)
{
  if (!conn_ || soup_websocket_connection_get_state (conn_) != SOUP_WEBSOCKET_STATE_OPEN)
    return;
  soup_websocket_connection_send_text (conn_, text.c_str ());
}

void
Client::send (const RequestBase &base, const std::string &text, Reply reply, bool ack_answers)
{
  if (!reply) {
    send_text (text);
    return;
  }
  if (failed_ || closing_ || !conn_) {
    reply (nullptr, "not connected to Janus");
    return;
  }
  if (pending_.size () >= MAX_PENDING) {
    reply (nullptr, "more than " + std::to_string (MAX_PENDING) +
        " requests to Janus wait for an answer");
    return;
  }
  std::string transaction = base.transaction;
  Pending &pending = pending_[transaction];
  pending.reply = std::move (reply);
  pending.ack_answers = ack_answers;
  pending.timeout_source = add_timeout_s (REQUEST_TIMEOUT_S, [this, transaction] () {
    auto it = pending_.find (transaction);
    if (it == pending_.end ())
      return false;
    Reply late = std::move (it->second.reply);
    it->second.timeout_source = 0;
    pending_.erase (it);
    late (nullptr, "Janus did not answer within " + std::to_string (REQUEST_TIMEOUT_S) + " s");
    return false;
  });
  send_text (text);
}

void
Client::on_connected (SoupWebsocketConnection *conn, const WsClientFailure &failure)
{
  g_clear_object (&cancellable_);
  if (!conn) {
    Failure f;
    f.status = failure.status;
    f.tls = !failure.tls_problem.empty ();
    if (f.tls)
      f.message = failure.tls_problem;
    else if (failure.status)
      f.message = "Janus at " + shown_uri_ + " refused the WebSocket connection (HTTP " +
          std::to_string (failure.status) + " " + failure.reason + ")";
    else
      f.message = "could not connect to Janus at " + shown_uri_ + ": " +
          (failure.error ? failure.error->message : "unknown error");
    fail (f);
    return;
  }
  conn_ = conn;
  g_object_set (conn_, "keepalive-interval", 20u, nullptr);
  g_signal_connect (conn_, "message", G_CALLBACK (on_message), this);
  g_signal_connect (conn_, "closed", G_CALLBACK (on_closed), this);
  g_signal_connect (conn_, "error", G_CALLBACK (on_error), this);
  RequestBase base = next_request ();
  send (base, create_session (base), [this] (const Message *msg, const std::string &error) {
    if (!msg) {
      fail (Failure { "Janus at " + shown_uri_ + " made no session: " + error });
      return;
    }
    if (msg->janus != "success" || msg->data_id == 0) {
      Failure f { "Janus at " + shown_uri_ + " refused to make a session: " +
          (msg->error_reason.empty () ? msg->janus : msg->error_reason) };
      f.janus_code = msg->error_code;
      fail (f);
      return;
    }
    session_id_ = msg->data_id;
    remove_source (&connect_timeout_source_);
    start_keepalive ();
    if (callbacks_.ready)
      callbacks_.ready ();
  });
}

void
Client::start_keepalive ()
{
  keepalive_source_ = add_timeout_s (KEEPALIVE_S, [this] () {
    RequestBase base = next_request ();
    send (base, keepalive (base, session_id_), [this] (const Message *msg, const std::string &) {
      /* A session Janus forgot (it restarted its sessions, or timed ours
       * out) cannot be brought back: start again. */
      if (msg && msg->janus == "error" && msg->error_code == ERR_SESSION_NOT_FOUND)
        on_lost ("Janus forgot our session");
    }, true);
    return true;
  });
}

void
Client::on_text (const std::string &text)
{
  Message msg;
  std::string problem;
  if (!parse_message (text, &msg, &problem)) {
    if (callbacks_.unreadable)
      callbacks_.unreadable (problem);
    return;
  }
  if (msg.janus == "timeout") {
    on_lost ("Janus timed our session out");
    return;
  }
  if (!msg.transaction.empty ()) {
    auto it = pending_.find (msg.transaction);
    if (it != pending_.end ()) {
      /* "ack": a message was taken and its event follows; a keepalive is
       * answered by it alone (trickles have no reply waiting). */
      if (msg.janus == "ack" && !it->second.ack_answers)
        return;
      Reply reply = std::move (it->second.reply);
      remove_source (&it->second.timeout_source);
      pending_.erase (it);
      reply (&msg, "");
      return;
    }
    if (msg.janus == "ack" || msg.janus == "success")
      return;
  }
  if (msg.sender && callbacks_.event)
    callbacks_.event (msg.sender, msg);
}

void
Client::fail_pending (const std::string &why)
{
  auto pending = std::move (pending_);
  pending_.clear ();
  for (auto &entry : pending) {
    remove_source (&entry.second.timeout_source);
    entry.second.reply (nullptr, why);
  }
}

void
Client::on_lost (const std::string &why)
{
  fail (Failure { "lost the session with Janus at " + shown_uri_ + ": " + why });
}

void
Client::fail (const Failure &failure)
{
  if (failed_ || closing_)
    return;
  failed_ = true;
  bool was_ready = session_id_ != 0;
  stop_timers ();
  if (cancellable_)
    g_cancellable_cancel (cancellable_);
  if (conn_) {
    g_signal_handlers_disconnect_by_data (conn_, this);
    if (soup_websocket_connection_get_state (conn_) == SOUP_WEBSOCKET_STATE_OPEN)
      soup_websocket_connection_close (conn_, SOUP_WEBSOCKET_CLOSE_NORMAL, nullptr);
    g_clear_object (&conn_);
  }
  session_id_ = 0;
  std::weak_ptr<bool> alive = alive_;
  fail_pending (failure.message);
  if (!alive.expired () && callbacks_.failed)
    callbacks_.failed (failure, was_ready);
}

void
Client::attach (const std::string &plugin,
    std::function<void (guint64 handle, const std::string &error)> done)
{
  RequestBase base = next_request ();
  send (base, janus::attach (base, session_id_, plugin),
      [plugin, done] (const Message *msg, const std::string &error) {
        if (!msg)
          done (0, error);
        else if (msg->janus != "success" || msg->data_id == 0)
          done (0, "Janus refused to attach " + plugin + ": " +
              (msg->error_reason.empty () ? msg->janus : msg->error_reason) +
              (msg->error_code == ERR_PLUGIN_NOT_FOUND ? " (is the plugin loaded?)" : ""));
        else
          done (msg->data_id, "");
      });
}

void
Client::detach (guint64 handle)
{
  if (ready ())
    send_text (janus::detach (next_request (), session_id_, handle));
}

void
Client::message (guint64 handle, const std::string &body, const std::optional<Jsep> &jsep,
    Reply reply)
{
  RequestBase base = next_request ();
  send (base, plugin_message (base, session_id_, handle, body, jsep), std::move (reply));
}

void
Client::trickle (guint64 handle, const std::string &candidate, guint mline,
    const std::string &mid)
{
  if (ready ())
    send_text (janus::trickle (next_request (), session_id_, handle, candidate, mline, mid));
}

void
Client::on_message (SoupWebsocketConnection *, gint type, GBytes *message, gpointer user_data)
{
  auto self = static_cast<Client *> (user_data);
  if (type != SOUP_WEBSOCKET_DATA_TEXT) {
    if (self->callbacks_.unreadable)
      self->callbacks_.unreadable ("a binary WebSocket message");
    return;
  }
  gsize size = 0;
  auto data = static_cast<const char *> (g_bytes_get_data (message, &size));
  self->on_text (std::string (data ? data : "", size));
}

void
Client::on_error (SoupWebsocketConnection *, GError *error, gpointer user_data)
{
  static_cast<Client *> (user_data)->connection_error_ = error->message;
}

void
Client::on_closed (SoupWebsocketConnection *, gpointer user_data)
{
  auto self = static_cast<Client *> (user_data);
  self->on_lost (self->connection_error_.empty () ? "the connection closed"
                                                  : self->connection_error_);
}

} // namespace gstsig::janus
