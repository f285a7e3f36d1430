/* gst-webrtcsignal: what the files of WhipHttpClient share:
 * whip-http-client.cpp (start, stop and the session: POST, the answer,
 * DELETE, the errors a user reads), whip-http-request.cpp (HTTP requests:
 * redirects, the bearer token by origin, time limits) and whip-ice.cpp
 * (trickle ICE with its fallback, ICE servers from Link headers).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "whip-http-client.h"

#include <string>

GST_DEBUG_CATEGORY_EXTERN (whip_http_debug);

namespace gstsig {

struct WhipHttpClient::HttpResult {
  bool responded = false; /* false: no HTTP response (transport error, timeout) */
  bool timed_out = false;
  bool too_large = false; /* the response body was over the limit (transport_error says) */
  std::string transport_error;
  std::string tls_problem;  /* non-empty: the transport error was TLS (tls-client.h's words) */
  int tls_code = -1;        /* then its GTlsError code */
  unsigned status = 0;
  std::string reason, body, url; /* url: the last one asked (after redirects) */
  bool sent_auth = false;          /* the last request carried the token */
  std::string location, etag, link, content_type;
};

} // namespace gstsig
