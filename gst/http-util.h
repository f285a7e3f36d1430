/* gst-webrtcsignal: what the WHIP/WHEP HTTP servers share: the plugin's
 * endpoints (plugins/webrtcsignal/signallers/http-endpoint.cpp) and
 * gst-webrtc-record's WHIP front (tools/record/record-whip.cpp). Replies with the
 * CORS headers browsers need, the bearer token check, listening, and the
 * routing of PATH (POST) and PATH/<id> (PATCH, DELETE) with OPTIONS, 404
 * and 405 answered here. Internal: not an installed header.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

#include <string>
#include <utility>
#include <vector>

typedef struct _SoupServer SoupServer;
typedef struct _SoupServerMessage SoupServerMessage;

namespace gstsig::http {

extern const char *const SDP_TYPE;     /* application/sdp */
extern const char *const SDPFRAG_TYPE; /* application/trickle-ice-sdpfrag */

/* What an HTTP request gets back. */
struct Reply {
  unsigned status = 200;
  std::string body;         /* text/plain unless content_type says otherwise */
  std::string content_type;
  std::vector<std::pair<std::string, std::string>> headers;

  /* status with reason (one line) as a text/plain body. */
  static Reply error (unsigned status, const std::string &reason);
};

/* A request header, "" when missing. */
std::string request_header (SoupServerMessage *msg, const char *name);
/* The request's media type without parameters, "" when missing. */
std::string request_media_type (SoupServerMessage *msg);
/* A random UUID, for resource ids and ETags. */
std::string random_uuid ();

/* True when token is empty or the request carries "Authorization: Bearer
 * token" (compared in constant time). */
bool bearer_authorized (SoupServerMessage *msg, const std::string &token);

/* Sends reply, with Access-Control-Allow-Origin: * and the headers a page
 * may read (Location, ETag, ...). */
void send_reply (SoupServerMessage *msg, const Reply &reply);

/* A server (server_header, e.g. "gst-webrtcsignal ") handing every request
 * to callback, listening on host:port. nullptr with *reason (GLib's
 * message; empty when host is not an IP address) if it cannot listen; else
 * *bound_port and *url: http://HOST:PORT + path, 127.0.0.1 for an any
 * address. */
SoupServer *listen (const char *server_header, const std::string &host, unsigned port,
    const std::string &path,
    void (*callback) (SoupServer *, SoupServerMessage *, const char *, GHashTable *, gpointer),
    gpointer user_data, unsigned *bound_port, std::string *url, std::string *reason);

/* Where a request to base (the endpoint's path) and below goes. */
enum class Route { Endpoint, Resource, Answered };

/* Routes msg for path: the endpoint (base: POST) or one of its resources
 * (base/<id>: PATCH, DELETE, *id set). A path outside, OPTIONS (CORS
 * preflight, Accept-Post/-Patch) and a method not allowed there are
 * answered here (404, 204, 405): Route::Answered. protocol ("WHIP",
 * "WHEP") names the endpoint in the 404. */
Route route (SoupServerMessage *msg, const std::string &method, const std::string &path,
    const std::string &base, const std::string &protocol, std::string *id);

} // namespace gstsig::http
