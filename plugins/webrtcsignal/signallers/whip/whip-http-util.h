/* gst-webrtcsignal: the HTTP details WHIP (RFC 9725) and WHEP clients share:
 * Link: rel="ice-server" headers, the ICE server URIs webrtcbin takes, URLs,
 * and the error texts and codes of HTTP failures. Pure code: no threads, no
 * sockets, reachable from unit tests.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <string>
#include <vector>

namespace gstsig::whip {

/* One Link: <url>; rel="ice-server"; username="..."; credential="...". */
struct IceServer {
  std::string url;        /* as sent: "stun:host:port", "turn:host:port?transport=udp" */
  std::string username;
  std::string credential;
};

/* Every rel="ice-server" link of a Link header value (several links may be
 * comma-separated; commas inside <...> and "..." are not separators). Other
 * relations are ignored. */
std::vector<IceServer> parse_ice_server_links (const std::string &header);

/* The URI webrtcbin takes for server: "stun://host:port" (its stun-server
 * property) or "turn(s)://user:pass@host:port[?transport=...]" (its
 * add-turn-server signal), credentials percent-encoded. "" when the scheme
 * is neither stun(s) nor turn(s). *is_turn tells which. */
std::string webrtcbin_ice_uri (const IceServer &server, bool *is_turn);

/* "whip+https://h/p" -> "https://h/p" for prefix "whip+". "" with *error
 * (a sentence for the user) when uri is not http(s) after the prefix or has
 * no host. */
std::string http_url_of (const std::string &uri, const std::string &prefix, std::string *error);

/* location (absolute or relative, RFC 3986) resolved against base; "" when
 * either does not parse. */
std::string resolve_location (const std::string &base, const std::string &location);

/* The GST_RESOURCE_ERROR code for a refusal with this HTTP status:
 * NOT_AUTHORIZED for 401/403, NOT_FOUND for 404/410, BUSY for 409/429/503,
 * FAILED otherwise. */
int resource_error_for_status (unsigned status);

/* At most max_chars of an HTTP body on one line: line breaks and control
 * characters become spaces, runs of spaces collapse, "..." marks a cut. */
std::string body_snippet (const std::string &body, size_t max_chars = 200);

/* "403 Forbidden: bad token" (reason and snippet when present). */
std::string status_text (unsigned status, const std::string &reason, const std::string &body);

/* What a user should check after a refusal with this status ("" if
 * nothing specific), e.g. the auth-token for 401/403. */
std::string advice_for_status (unsigned status);

} // namespace gstsig::whip
