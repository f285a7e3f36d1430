/* The HTTP header parsing of the WHIP/WHEP clients
 * (signallers/whip/whip-http-util.cpp): Link headers with rel="ice-server"
 * and the webrtcbin URIs made of them, the URL of a whip+/whep+ URI, a
 * Location resolved against it, and body snippets. The input's first line
 * is a URI or Location, the rest a Link header value or body.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "fuzz-common.h"
#include "signallers/whip/whip-http-util.h"

namespace w = gstsig::whip;

extern "C" int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  std::string text = gstsig::fuzz::text (data, size);
  size_t newline = text.find ('\n');
  std::string first = text.substr (0, newline);
  std::string rest = newline == std::string::npos ? text : text.substr (newline + 1);

  for (const auto &server : w::parse_ice_server_links (rest)) {
    FUZZ_CHECK (!server.url.empty ());
    bool is_turn = false;
    w::webrtcbin_ice_uri (server, &is_turn);
  }
  std::string error;
  std::string url = w::http_url_of (first, "whip+", &error);
  FUZZ_CHECK (!url.empty () || !error.empty ());
  w::resolve_location (url.empty () ? "http://127.0.0.1:8080/whip/endpoint" : url, rest);
  std::string snippet = w::body_snippet (rest, 16);
  FUZZ_CHECK (snippet.size () <= 16 + 3);
  w::status_text (size, first, rest);
  return 0;
}
