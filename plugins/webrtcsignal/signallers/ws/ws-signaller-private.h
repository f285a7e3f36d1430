/* gst-webrtcsignal: what ws-signaller.cpp (the GObject, the interface
 * and the connection to the server) and ws-messages.cpp (what the server
 * says) share.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "ws-signaller.h"

#include "limit-notice.h"
#include "protocol.h"
#include "signaller-worker.h"
#include "tls-client.h"
#include "ws-client.h"

#include <libsoup/soup.h>

#include <condition_variable>
#include <mutex>
#include <set>
#include <string>

GST_DEBUG_CATEGORY_EXTERN (ws_signaller_debug);

namespace proto = gstsig::protocol;

#define DEFAULT_CONNECT_TIMEOUT_S 10
#define RECONNECT_MIN_MS 500
#define RECONNECT_MAX_MS 10000

struct GstSigWsSignallerPrivate {
  std::mutex lock;                /* guards the settings below */
  std::string uri;
  guint connect_timeout_s = DEFAULT_CONNECT_TIMEOUT_S;
  std::string auth_token; /* "" = no Authorization header; never logged */
  std::string ca_file;    /* "" = the system's CAs */
  bool insecure_tls = false;

  /* Runs from start to stop; every call from other threads goes through
   * post(). */
  gstsig::SignallerWorker worker { "webrtcsignal-ws" };

  /* Everything below lives on the worker's thread only. */
  std::string meta_json = "null"; /* from the element's settings at start */
  bool consumer = false;          /* role: consume one producer instead of producing */
  SoupWebsocketConnection *conn = nullptr;
  GCancellable *connecting = nullptr; /* the connection in the making (ws-client.h) */
  gstsig::tls::ClientTls tls;     /* configured at start (the ca-file is read there) */
  std::string token;              /* auth-token copied at start */
  std::string peer_id;
  std::set<std::string> sessions;
  bool stopping = false;
  bool registered = false;  /* setPeerStatus sent on the current connection */
  guint reconnect_source = 0;
  guint backoff_ms = RECONNECT_MIN_MS;
  /* Consumer role: the producer asked for (from ?producer=ID, may be empty
   * for "the first one") and whether we asked for a session already. */
  std::string wanted_producer;
  bool session_requested = false;
  /* Trouble with the server (messages we could not read, a connection it
   * broke): a warning once a minute. */
  gstsig::LimitNotice unreadable_notice;

  std::mutex start_lock;          /* guards the three fields below */
  std::condition_variable start_cond;
  bool start_done = false;
  GError *start_error = nullptr;
};

struct _GstSigWsSignaller {
  GstObject parent;
  GstSigWsSignallerPrivate *priv;
};

/* ---- on the signaller thread ---- */

/* ws-signaller.cpp */
void finish_start (GstSigWsSignaller *self, GError *error);
void send_message (GstSigWsSignaller *self, const proto::ClientMessage &msg);
/* The URI for messages: a ?token= in it masked. */
std::string uri_for_display (const std::string &uri);

/* ws-messages.cpp: the connection's "message" handler, and the warning
 * about trouble with the server (what: "sent a message that was ignored:
 * ..."), posted on the element once, then at most once a minute. */
void warn_about_server (GstSigWsSignaller *self, const std::string &what);
void on_ws_message (SoupWebsocketConnection *conn, gint type, GBytes *message,
    gpointer user_data);
