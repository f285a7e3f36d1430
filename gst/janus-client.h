/* gst-webrtcsignal: one Janus API session over the WebSocket transport:
 * the connection (ws-client.h, subprotocol "janus-protocol"), the session
 * and its keepalives, plugin handles, and requests matched to their replies
 * by transaction. What the requests mean is the caller's (janus-api.h
 * writes and reads them). Internal to the library.
 *
 * Bounds: every request waits at most REQUEST_TIMEOUT_S for its reply; at
 * most MAX_PENDING requests wait at once (more fail at once); messages
 * from Janus are read within janus::MAX_MESSAGE_BYTES (ws-client.h cuts a
 * connection that tries more).
 *
 * Threading: construct, call and destroy on one thread whose
 * thread-default GMainContext runs; every callback comes there. A callback
 * may destroy the client only through a later idle (not from inside).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "janus-api.h"
#include "tls-client.h"
#include "ws-client.h"

#include <libsoup/soup.h>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

namespace gstsig::janus {

inline constexpr unsigned REQUEST_TIMEOUT_S = 15;
inline constexpr size_t MAX_PENDING = 256;
/* Janus drops a session after 60 s without a request (its default
 * session_timeout); we send a keepalive this often. */
inline constexpr unsigned KEEPALIVE_S = 20;

class Client {
public:
  struct Access {
    std::string token;      /* Janus token auth: in every request */
    std::string api_secret; /* Janus apisecret: in every request */
    tls::ClientTls tls;     /* wss: the certificates to trust */
  };

  /* What went wrong, for a user. status: the HTTP status the server
   * answered the upgrade with (0: none); tls: a certificate problem. */
  struct Failure {
    std::string message;
    guint status = 0;
    bool tls = false;
    int janus_code = 0; /* the session could not be made: Janus' error code */
  };

  struct Callbacks {
    /* The session exists: attach and send. */
    std::function<void ()> ready;
    /* Connecting failed (was_ready false) or the session was lost (the
     * connection closed, or Janus timed the session out). Called once; the
     * client is then unusable (make a new one to reconnect). */
    std::function<void (const Failure &failure, bool was_ready)> failed;
    /* A message about a handle that answers no request of ours (a
     * VideoRoom event, webrtcup, hangup, media, detached, ...). */
    std::function<void (guint64 handle, const Message &msg)> event;
    /* A message from Janus we could not read (it was dropped). */
    std::function<void (const std::string &problem)> unreadable;
  };

  /* The reply to a request: msg (nullptr when the request failed: timed
   * out, the connection went, too many pending; error says which). A
   * Janus "error" reply or a plugin's error_code come as a message. */
  using Reply = std::function<void (const Message *msg, const std::string &error)>;

  /* ws_uri: ws:// or wss://; shown_uri: the same for messages. */
  Client (std::string ws_uri, std::string shown_uri, Access access, Callbacks callbacks);
  ~Client ();
  Client (const Client &) = delete;
  Client &operator= (const Client &) = delete;

  void connect (unsigned timeout_s);
  /* Destroys the session (if it exists) and closes the connection; no
   * callback follows. */
  void close ();
  bool ready () const { return session_id_ != 0; }
  const std::string &shown_uri () const { return shown_uri_; }

  /* Attaches to plugin: handle (0 and error on failure). */
  void attach (const std::string &plugin,
      std::function<void (guint64 handle, const std::string &error)> done);
  void detach (guint64 handle);
  /* A "message" to handle; reply: the plugin's synchronous answer or its
   * event for this transaction (Janus' "ack" in between is skipped). */
  void message (guint64 handle, const std::string &body, const std::optional<Jsep> &jsep,
      Reply reply);
  /* A candidate for handle ("" = end of candidates); fire and forget. */
  void trickle (guint64 handle, const std::string &candidate, guint mline, const std::string &mid);

private:
  struct Pending {
    Reply reply;
    guint timeout_source = 0;
    bool ack_answers = false; /* Janus' "ack" is the whole answer (keepalive) */
  };

  RequestBase next_request ();
  /* Sends text and registers reply under base.transaction (no reply: fire
   * and forget). */
  void send (const RequestBase &base, const std::string &text, Reply reply,
      bool ack_answers = false);
  void send_text (const std::string &text);
  void on_connected (SoupWebsocketConnection *conn, const WsClientFailure &failure);
  void on_text (const std::string &text);
  void on_lost (const std::string &why);
  void fail (const Failure &failure);
  void fail_pending (const std::string &why);
  void start_keepalive ();
  void stop_timers ();
  static void on_message (SoupWebsocketConnection *conn, gint type, GBytes *message,
      gpointer user_data);
  static void on_closed (SoupWebsocketConnection *conn, gpointer user_data);
  static void on_error (SoupWebsocketConnection *conn, GError *error, gpointer user_data);

  std::string uri_;
  std::string shown_uri_;
  Access access_;
  Callbacks callbacks_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool> (true); /* for late async callbacks */
  GCancellable *cancellable_ = nullptr;
  SoupWebsocketConnection *conn_ = nullptr;
  std::string connection_error_; /* why the open connection failed, if it did */
  guint64 session_id_ = 0;
  guint64 next_transaction_ = 1;
  std::string transaction_prefix_;
  std::map<std::string, Pending> pending_;
  guint connect_timeout_source_ = 0;
  guint keepalive_source_ = 0;
  bool failed_ = false;
  bool closing_ = false;
};

} // namespace gstsig::janus
