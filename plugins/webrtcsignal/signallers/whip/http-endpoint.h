/* gst-webrtcsignal: the HTTP side of the WHIP and WHEP endpoints that live
 * inside our elements (RFC 9725 and draft-ietf-wish-whep): a SoupServer on
 * ADDR:PORT, routing of PATH and PATH/<resource>, the resource table with
 * entity tags, bearer-token checks, CORS, and the POST that waits for our
 * answer and candidates before it replies. The signallers (whip-endpoint,
 * whep-endpoint) are GObject glue around it.
 *
 * Threads: an HttpEndpoint lives on one SignallerWorker (the signaller's);
 * construct, call and destroy it there only. Its callbacks run there too.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "http-util.h"
#include "sdpfrag.h"

#include <glib.h>
#include <gst/webrtc/webrtc.h>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

typedef struct _SoupServer SoupServer;
typedef struct _SoupServerMessage SoupServerMessage;

namespace gstsig {

class SignallerWorker;

/* ADDR:PORT/PATH of a listen URI such as whip-listen://127.0.0.1:8080/whip. */
struct ListenAddress {
  std::string host;
  unsigned port = 0;
  std::string path; /* starts with '/', no trailing '/' (except "/" itself) */
};

/* Parses scheme://ADDR:PORT/PATH (ADDR an IP address, [v6] in brackets;
 * PATH defaults to default_path). False with *error, a sentence naming what
 * to fix, otherwise. */
bool parse_listen_uri (const std::string &uri, const std::string &scheme,
    const std::string &default_path, ListenAddress *out, std::string *error);

/* "Link: <stun:...>; rel=\"ice-server\"" values for a STUN server given as
 * stun://HOST:PORT and TURN servers given as turn(s)://USER:PASS@HOST:PORT. */
std::vector<std::string> ice_server_links (const std::string &stun_server,
    const std::vector<std::string> &turn_servers);

/* What an HTTP request gets back. */
using HttpReply = http::Reply;

struct EndpointConfig {
  ListenAddress address;
  std::string auth_token;              /* empty: no check */
  std::vector<std::string> ice_links;  /* Link header values sent with 201 */
  unsigned answer_timeout_ms = 15000;  /* POST to our answer */
  unsigned gather_timeout_ms = 2000;   /* our answer to end-of-candidates */
  http::ServerOptions server;          /* TLS and limits (auth_token is above) */
  std::string name = "WHIP";           /* in messages: "WHIP" or "WHEP" */
};

class HttpEndpoint {
public:
  struct Callbacks {
    /* A POST with a usable offer, before a resource exists: a reply refuses
     * it (409, 503, ...); nullopt admits it. */
    std::function<std::optional<HttpReply> (const GstSDPMessage *offer)> admit;
    /* The resource for an admitted offer exists: start the session. Its
     * POST is answered once answer() and the end of our candidates (or the
     * gather timeout) came, or refused by end(). */
    std::function<void (const std::string &resource_id, const std::string &peer,
        const GstWebRTCSessionDescription *offer)> offer;
    /* Remote candidates from a PATCH; mid may be empty; "" = end. */
    std::function<void (const std::string &resource_id, unsigned mline, const std::string &mid,
        const std::string &candidate)> candidate;
    /* The client DELETEd the resource, or it was dropped because our answer
     * never came: the session is over. */
    std::function<void (const std::string &resource_id, const std::string &reason)> gone;
    /* Optional, just before gone: the client left before our answer, so
     * no session was really made. */
    std::function<void (const std::string &resource_id)> abandoned;
    /* Optional: our 201 with the answer went out for this resource. */
    std::function<void (const std::string &resource_id)> answered;
  };

  HttpEndpoint (SignallerWorker &thread, EndpointConfig config, Callbacks callbacks);
  ~HttpEndpoint ();
  HttpEndpoint (const HttpEndpoint &) = delete;
  HttpEndpoint &operator= (const HttpEndpoint &) = delete;

  /* Listens; false with *error (a sentence naming what to fix). */
  bool start (std::string *error);
  /* http(s)://HOST:PORT/PATH with the port actually bound. */
  const std::string &url () const { return server_.url (); }
  unsigned port () const { return server_.port (); }
  std::string fingerprint () const { return server_.fingerprint (); }

  /* Our answer, and our candidates as webrtcbin gives them ("" = end). */
  void answer (const std::string &resource_id, const std::string &sdp);
  void local_candidate (const std::string &resource_id, unsigned mline,
      const std::string &candidate);
  /* The element ended the session: the resource goes (a pending POST is
   * refused with reply). */
  void end (const std::string &resource_id, const HttpReply &reply);
  size_t count () const { return resources_.size (); }
  bool has (const std::string &resource_id) const { return resources_.count (resource_id); }

private:
  struct Resource;

  static void on_request (SoupServer *server, SoupServerMessage *msg, const char *path,
      GHashTable *query, gpointer user_data);
  void handle (SoupServerMessage *msg, const std::string &path);
  HttpReply handle_post (SoupServerMessage *msg);
  HttpReply handle_patch (SoupServerMessage *msg, Resource &resource);
  bool authorized (SoupServerMessage *msg) const;
  void send (SoupServerMessage *msg, const HttpReply &reply);
  void maybe_complete (Resource &resource);
  void complete (const std::string &resource_id, const HttpReply &reply);
  /* Server thread: the client of a POST still waiting for our answer went
   * away; the session ends. */
  void client_gone (const std::string &resource_id);
  std::string resource_path (const std::string &id) const;

  SignallerWorker &thread_;
  EndpointConfig config_;
  Callbacks callbacks_;
  http::GuardedServer server_;
  std::map<std::string, std::unique_ptr<Resource>> resources_;
};

} // namespace gstsig
