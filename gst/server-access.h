/* gst-webrtcsignal: who may do what on the signalling server: tokens and
 * the Origin check of WebSocket upgrades. Plain logic, no I/O (the server
 * reads the request and applies the answer). Internal to the library.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <string>
#include <vector>

namespace gstsig {

struct AccessConfig {
  /* No token at all: everybody may do everything but watch stats, which
   * only peers on loopback may. Otherwise a peer needs one of these: */
  std::vector<std::string> tokens;          /* anything, stats included */
  std::vector<std::string> producer_tokens; /* produce, consume, listen */
  std::vector<std::string> viewer_tokens;   /* consume and listen only */
  /* Origins (scheme://host[:port]) whose pages may open the WebSocket, on
   * top of the server's own and loopback pages; "*" allows any. */
  std::vector<std::string> allowed_origins;
};

struct Access {
  bool connect = false;
  bool produce = false;
  bool watch_stats = false;
};

/* What a peer presenting token (empty: none) from a loopback address or
 * not may do. */
Access access_for (const AccessConfig &config, const std::string &token, bool from_loopback);

/* Whether a page of origin (the Origin header; empty when the client sent
 * none, as non-browser clients do) may open a WebSocket on a server that
 * was asked for host (the Host header). */
bool origin_allowed (const AccessConfig &config, const std::string &origin,
    const std::string &host);

/* Reads a token file: one token per line, optionally "producer TOKEN" or
 * "viewer TOKEN"; blank lines and lines starting with # are skipped. False
 * with *error naming the file and line when it cannot be used. */
bool read_token_file (const std::string &path, AccessConfig *config, std::string *error);

} // namespace gstsig
