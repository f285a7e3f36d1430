/* gst-webrtc-record --whip-listen: the WHIP endpoint (RFC 9725) in front of
 * the recordings. Many publishers at once, each one recorded by a pipeline
 * of its own whose webrtcrecv is a one-publisher WHIP endpoint
 * (uri=whip-listen://127.0.0.1:0/whip, with a random bearer token) on an
 * internal loopback port. This front is a small reverse proxy:
 *
 *   POST PATH          -> a new recording, then the POST forwarded to its
 *                         endpoint; the 201 goes back with Location PATH/<id>
 *   PATCH PATH/<id>    -> forwarded (trickle ICE, ETag/If-Match kept)
 *   DELETE PATH/<id>   -> forwarded: that session ends, its file is finalized
 *   OPTIONS            -> answered here (CORS preflight, Accept-Post/-Patch)
 *
 * so every answer, candidate and error of the element's endpoint (400, 412,
 * 415, 422, 501, ...) reaches the publisher unchanged. The bearer token of
 * --auth-token is checked here (401). Runs on the thread-default main
 * context; construct, call and destroy it there.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "http-util.h"
#include "limit-notice.h"
#include "record-options.h"

#include <gio/gio.h>

#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

typedef struct _SoupServer SoupServer;
typedef struct _SoupServerMessage SoupServerMessage;
typedef struct _SoupSession SoupSession;

namespace gstsig::record {

/* What a request gets back from the front itself. */
using WhipReply = http::Reply;

/* Who is publishing, for the recording's meta and file name. */
struct WhipPublisher {
  std::string id;         /* our resource id (a UUID): the recording's producer id */
  std::string remote;     /* the client's address */
  std::string user_agent; /* may be empty */
  std::string name;       /* ?name=... on the POST URL, may be empty */
};

/* Where a publisher's own endpoint (its recording's webrtcrecv) listens. */
struct WhipUpstream {
  std::string url;   /* http://127.0.0.1:PORT/whip */
  std::string token; /* its bearer token */
};

class WhipFront {
public:
  struct Callbacks {
    /* A POST passed our checks: start its recording. True with *upstream
     * set, or false with *refusal (e.g. 500 naming a missing plugin). */
    std::function<bool (const WhipPublisher &publisher, WhipUpstream *upstream,
        WhipReply *refusal)> create;
    /* Its endpoint refused the offer (the status and reason went to the
     * client) or could not be reached: drop that recording. */
    std::function<void (const std::string &id, unsigned status, const std::string &reason)>
        refused;
    /* Its endpoint answered (201): the publisher is connecting. */
    std::function<void (const std::string &id)> accepted;
  };

  WhipFront (WhipListen address, std::string auth_token, Callbacks callbacks);
  ~WhipFront ();
  WhipFront (const WhipFront &) = delete;
  WhipFront &operator= (const WhipFront &) = delete;

  /* TLS and limits of the front's server (before start). */
  void set_server_options (const http::ServerOptions &options) { server_options_ = options; }
  /* At most this many publishers at once (0: no limit); more get 503. */
  void set_max_publishers (unsigned max) { max_publishers_ = max; }
  /* Listens; false with *error (a sentence naming what to fix). */
  bool start (std::string *error);
  /* http(s)://HOST:PORT/PATH with the port actually bound. */
  const std::string &url () const { return server_.url (); }
  std::string fingerprint () const { return server_.fingerprint (); }

  /* Its recording is over: PATCH and DELETE get 404 from now on. */
  void forget (const std::string &id);
  /* Stopping: new POSTs get 503. */
  void refuse_new (bool refuse) { refuse_new_ = refuse; }

private:
  struct Resource {
    WhipUpstream upstream;
    std::string resource_url; /* the endpoint's session URL, once answered */
  };
  struct Forward;

  static void on_request (SoupServer *server, SoupServerMessage *msg, const char *path,
      GHashTable *query, gpointer user_data);
  static void on_forwarded (GObject *source, GAsyncResult *result, gpointer user_data);
  void handle (SoupServerMessage *msg, const std::string &path, GHashTable *query);
  void handle_post (SoupServerMessage *msg, GHashTable *query);
  void forward (SoupServerMessage *msg, const std::string &id, const std::string &url,
      const std::string &token, bool post);
  void forwarded (Forward &forward, GBytes *body, const GError *error);
  void send (SoupServerMessage *msg, const WhipReply &reply);
  std::string resource_path (const std::string &id) const;

  WhipListen address_;
  std::string auth_token_;
  Callbacks callbacks_;
  http::ServerOptions server_options_;
  unsigned max_publishers_ = 16;
  LimitNotice busy_notice_;
  http::GuardedServer server_;
  SoupSession *session_ = nullptr; /* to the recordings' endpoints */
  GCancellable *cancellable_ = nullptr;
  bool refuse_new_ = false;
  std::map<std::string, Resource> resources_; /* by our id */
};

} // namespace gstsig::record
