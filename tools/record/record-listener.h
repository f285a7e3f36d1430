/* gst-webrtc-record: who publishes, as a listener sees it. Listener is
 * the contract; ServerListener is a listener connection to our signalling
 * server (roles ["listener"], then "list", then peerStatusChanged), and
 * record-janus-listener.h one to a Janus VideoRoom. make_listener picks by
 * the URI's scheme. Runs on the thread-default main context.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "tls-client.h"
#include "ws-client.h"

#include <libsoup/soup.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace gstsig::record {

class Listener {
public:
  struct Callbacks {
    /* Registered; the producers online, in the server's order: (id, meta). */
    std::function<void (const std::vector<std::pair<std::string, std::string>> &)> ready;
    /* meta is compact JSON text ("null" or an object). */
    std::function<void (const std::string &id, const std::string &meta)> producer_added;
    std::function<void (const std::string &id)> producer_removed;
    /* Could not connect (was_ready false) or lost the connection. */
    std::function<void (const std::string &message, bool was_ready)> failed;
    /* --insecure accepted a certificate that does not verify (once). */
    std::function<void (const std::string &message)> warning;
  };

  /* How to reach the server: --token, --ca-file, --insecure. */
  struct Access {
    std::string token;
    std::string ca_file;
    bool insecure = false;
  };

  virtual ~Listener () = default;

  /* Connects; reports through the callbacks. Fails after timeout_s. */
  virtual void connect (unsigned timeout_s) = 0;
  virtual void close () = 0;

  /* Producers online: id -> meta JSON. */
  const std::map<std::string, std::string> &producers () const { return producers_; }

protected:
  std::map<std::string, std::string> producers_;
};

/* Our signalling server (ws://, wss://). */
class ServerListener : public Listener {
public:
  ServerListener (std::string server_uri, Access access, Callbacks callbacks);
  ~ServerListener () override;
  ServerListener (const ServerListener &) = delete;
  ServerListener &operator= (const ServerListener &) = delete;

  void connect (unsigned timeout_s) override;
  void close () override;

private:
  void on_connected (SoupWebsocketConnection *conn, const gstsig::WsClientFailure &failure);
  std::string connect_failure (const gstsig::WsClientFailure &failure) const;
  static void on_error (SoupWebsocketConnection *conn, GError *error, gpointer user_data);
  static void on_message (SoupWebsocketConnection *conn, gint type, GBytes *message,
      gpointer user_data);
  static void on_closed (SoupWebsocketConnection *conn, gpointer user_data);
  void handle_text (const std::string &text);
  void send (const std::string &text);
  void fail (const std::string &message);
  void set_producer (const std::string &id, const std::string &meta, bool online);

  std::string uri_;
  Access access_;
  Callbacks callbacks_;
  tls::ClientTls tls_;
  GCancellable *cancellable_ = nullptr; /* while connecting */
  std::string connection_error_;         /* why the open connection failed, if it did */
  SoupWebsocketConnection *conn_ = nullptr;
  guint timeout_source_ = 0;
  std::string peer_id_;
  bool registered_ = false;
  bool ready_ = false;
  bool failed_ = false;
};

/* A ServerListener, or a JanusListener for janus+ws(s):// URIs. */
std::unique_ptr<Listener> make_listener (const std::string &server_uri, Listener::Access access,
    Listener::Callbacks callbacks);

} // namespace gstsig::record
