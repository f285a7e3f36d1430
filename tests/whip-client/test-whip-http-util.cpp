/* The pure HTTP helpers of the WHIP/WHEP clients: Link headers, ICE server
 * URIs for webrtcbin, URLs, and the codes and texts of refusals.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "signallers/whip/whip-http-util.h"

#include <gst/gst.h>
#include <gtest/gtest.h>

using namespace gstsig::whip;

TEST (WhipLink, ParsesIceServersAndSkipsOtherRelations)
{
  auto servers = parse_ice_server_links (
      "<stun:stun.example.net>; rel=\"ice-server\", "
      "<turn:turn.example.net?transport=udp>; rel=\"ice-server\"; username=\"u,1\"; "
      "credential=\"p;\\\"x\"; credential-type=\"password\", "
      "<https://example.net/ext>; rel=\"urn:ietf:params:whip:ext:example:server-sent-events\"");
  ASSERT_EQ (servers.size (), 2u);
  EXPECT_EQ (servers[0].url, "stun:stun.example.net");
  EXPECT_EQ (servers[0].username, "");
  EXPECT_EQ (servers[1].url, "turn:turn.example.net?transport=udp");
  EXPECT_EQ (servers[1].username, "u,1");
  EXPECT_EQ (servers[1].credential, "p;\"x");
}

TEST (WhipLink, IgnoresMalformedLinks)
{
  EXPECT_TRUE (parse_ice_server_links ("").empty ());
  EXPECT_TRUE (parse_ice_server_links ("stun:x; rel=ice-server").empty ());
  EXPECT_TRUE (parse_ice_server_links ("<stun:x>; rel=\"preconnect\"").empty ());
  /* rel may hold several types; unquoted token values are fine. */
  EXPECT_EQ (parse_ice_server_links ("<stun:x:1>; REL=\"other ice-server\"").size (), 1u);
  EXPECT_EQ (parse_ice_server_links ("<stun:x:1>;rel=ice-server").size (), 1u);
}

TEST (WhipLink, BuildsWebrtcbinUris)
{
  bool turn = true;
  EXPECT_EQ (webrtcbin_ice_uri ({ "stun:stun.example.net", "", "" }, &turn),
      "stun://stun.example.net:3478");
  EXPECT_FALSE (turn);
  EXPECT_EQ (webrtcbin_ice_uri ({ "stun:1.2.3.4:19302", "", "" }, &turn), "stun://1.2.3.4:19302");
  EXPECT_EQ (webrtcbin_ice_uri ({ "turn:t.example.net?transport=tcp", "user", "pa:ss@/" }, &turn),
      "turn://user:pa%3Ass%40%2F@t.example.net:3478?transport=tcp");
  EXPECT_TRUE (turn);
  EXPECT_EQ (webrtcbin_ice_uri ({ "turns:t.example.net:443", "u", "p" }, &turn),
      "turns://u:p@t.example.net:443");
  EXPECT_EQ (webrtcbin_ice_uri ({ "https://example.net", "", "" }, &turn), "");
  EXPECT_EQ (webrtcbin_ice_uri ({ "stun:", "", "" }, &turn), "");
}

TEST (WhipUrl, StripsTheSchemePrefix)
{
  std::string error;
  EXPECT_EQ (http_url_of ("whip+http://127.0.0.1:8889/live/whip", "whip+", &error),
      "http://127.0.0.1:8889/live/whip");
  EXPECT_EQ (http_url_of ("WHEP+https://h/p?x=1", "whep+", &error), "https://h/p?x=1");
  EXPECT_EQ (http_url_of ("whip+ftp://h/p", "whip+", &error), "");
  EXPECT_NE (error.find ("whip+http://HOST:PORT/PATH"), std::string::npos) << error;
  EXPECT_EQ (http_url_of ("whip+http:///nohost", "whip+", &error), "");
  EXPECT_EQ (http_url_of ("ws://h/", "whip+", &error), "");
}

TEST (WhipUrl, ResolvesLocations)
{
  EXPECT_EQ (resolve_location ("http://h:1/live/whip", "session/3"), "http://h:1/live/session/3");
  EXPECT_EQ (resolve_location ("http://h:1/live/whip", "/s/3"), "http://h:1/s/3");
  EXPECT_EQ (resolve_location ("http://h:1/live/whip", "https://o/x"), "https://o/x");
  /* No host: refused, without the GLib critical g_uri_resolve_relative
   * raised (found by fuzz-whip-http). */
  EXPECT_EQ (resolve_location ("http://h:1/live/whip", "p:/.//"), "");
  EXPECT_EQ (resolve_location ("http://h:1/live/whip", "mailto:a@b"), "");
  EXPECT_EQ (resolve_location ("not a uri", "/s/3"), "");
}

TEST (WhipErrors, MapStatusesToCodesAndText)
{
  EXPECT_EQ (resource_error_for_status (401), GST_RESOURCE_ERROR_NOT_AUTHORIZED);
  EXPECT_EQ (resource_error_for_status (403), GST_RESOURCE_ERROR_NOT_AUTHORIZED);
  EXPECT_EQ (resource_error_for_status (404), GST_RESOURCE_ERROR_NOT_FOUND);
  EXPECT_EQ (resource_error_for_status (503), GST_RESOURCE_ERROR_BUSY);
  EXPECT_EQ (resource_error_for_status (500), GST_RESOURCE_ERROR_FAILED);
  EXPECT_EQ (resource_error_for_status (422), GST_RESOURCE_ERROR_FAILED);
  EXPECT_EQ (status_text (403, "Forbidden", "bad token\r\n"), "403 Forbidden: bad token");
  EXPECT_EQ (status_text (500, "", ""), "500");
  EXPECT_EQ (status_text (404, "Not Found", "Not Found"), "404 Not Found");
  EXPECT_EQ (body_snippet ("a\n\n  b\tc"), "a b c");
  EXPECT_EQ (body_snippet (std::string (500, 'x'), 10), "xxxxxxxxxx...");
  /* A space before the cut counts (fuzz-whip-http found 11 + "..."); a
   * body that fits is not marked as cut. */
  EXPECT_EQ (body_snippet ("xxxxxxxxx yy", 10), "xxxxxxxxx...");
  EXPECT_EQ (body_snippet ("xxxxxxxxxx", 10), "xxxxxxxxxx");
  EXPECT_NE (advice_for_status (401).find ("auth-token"), std::string::npos);
}
