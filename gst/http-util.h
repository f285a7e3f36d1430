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

#include <gio/gio.h>

#include <memory>
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
/* A random UUID (cryptographic source), for resource ids and ETags. */
std::string random_uuid ();

/* True when token is empty or the request carries "Authorization: Bearer
 * token" (compared in constant time). */
bool bearer_authorized (SoupServerMessage *msg, const std::string &token);

/* Sends reply, with Access-Control-Allow-Origin: * and the headers a page
 * may read (Location, ETag, ...). */
void send_reply (SoupServerMessage *msg, const Reply &reply);

/* How a WHIP/WHEP server faces the network (docs/security.md). */
struct ServerOptions {
  std::string server_header = "gst-webrtcsignal ";
  /* TLS: PEM certificate and key, or a self-signed certificate made at
   * start; neither: plain http. */
  std::string cert_file, key_file;
  bool self_signed = false;
  /* Checked as soon as a request's headers are in, before its body is
   * read; empty: no check. */
  std::string auth_token;
  std::string auth_hint; /* where the token is set, for the 401's text */
  size_t max_body_bytes = 256 * 1024; /* 413 beyond; an SDP is a few KB */
  unsigned max_connections = 256;
  unsigned max_per_address = 32;
};

/* A SoupServer fed by a GuardedListener (guarded-listener.h): per-address
 * limits, timeouts, TLS; the bearer token and the body size are checked
 * before any body is read (401, 413, 411 without a length). Every request
 * that passes goes to callback. Lives on the thread-default context of
 * start (). */
class GuardedServer {
public:
  GuardedServer ();
  ~GuardedServer ();
  GuardedServer (const GuardedServer &) = delete;
  GuardedServer &operator= (const GuardedServer &) = delete;

  /* Listens on host:port. False with *reason (GLib's message, or what is
   * wrong with the certificate) if it cannot. */
  bool start (const std::string &host, unsigned port, const std::string &path,
      void (*callback) (SoupServer *, SoupServerMessage *, const char *, GHashTable *, gpointer),
      gpointer user_data, const ServerOptions &options, std::string *reason);
  /* Ends every connection; pending requests must be answered before. */
  void stop ();
  bool running () const;

  /* http(s)://HOST:PORT + path, 127.0.0.1 for an any address. */
  const std::string &url () const;
  unsigned port () const;
  /* SHA-256 of the certificate, "" without TLS. */
  std::string fingerprint () const;
  /* The socket of msg's connection, to watch for a client that hangs up
   * while its request waits; nullptr when unknown. */
  GSocket *socket_of (SoupServerMessage *msg) const;

  struct Impl;

private:
  std::unique_ptr<Impl> impl_;
};

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
