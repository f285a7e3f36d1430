/* Unit tests of the manual signaller's tokens: every form round trips, is
 * detected, garbage and the wrong type are refused with a reason, and
 * trickled candidates merge into the SDP.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "json-bombs.h"
#include "signallers/manual/manual-token.h"

#include <glib.h>
#include <gst/gst.h>
#include <gtest/gtest.h>
#include <zlib.h>

#include <algorithm>
#include <string>

namespace m = gstsig::manual;
using gstsig::test::repeat;

namespace {

const std::string SDP =
    "v=0\r\n"
    "o=- 123 0 IN IP4 0.0.0.0\r\n"
    "s=-\r\n"
    "t=0 0\r\n"
    "a=group:BUNDLE video0\r\n"
    "m=video 9 UDP/TLS/RTP/SAVPF 96\r\n"
    "c=IN IP4 0.0.0.0\r\n"
    "a=ice-ufrag:abcd\r\n"
    "a=ice-pwd:0123456789abcdef0123456789\r\n"
    "a=mid:video0\r\n"
    "a=rtpmap:96 VP8/90000\r\n"
    "a=sendonly\r\n";

const std::string CAND1 = "candidate:1 1 UDP 2015363327 127.0.0.1 40000 typ host";
const std::string CAND2 = "candidate:2 1 TCP 1015029759 127.0.0.1 9 typ host tcptype active";

std::string
base64 (const std::string &text)
{
  gchar *b = g_base64_encode ((const guchar *) text.data (), text.size ());
  std::string out = b;
  g_free (b);
  return out;
}

/* "z:" + base64url (raw deflate (text)), as encode_token compresses. */
std::string
compressed (const std::string &text)
{
  uLongf size = compressBound (text.size ());
  std::string packed (size, '\0');
  z_stream zs {};
  EXPECT_EQ (deflateInit2 (&zs, Z_BEST_COMPRESSION, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY), Z_OK);
  zs.next_in = (Bytef *) text.data ();
  zs.avail_in = text.size ();
  zs.next_out = (Bytef *) &packed[0];
  zs.avail_out = packed.size ();
  EXPECT_EQ (deflate (&zs, Z_FINISH), Z_STREAM_END);
  packed.resize (zs.total_out);
  deflateEnd (&zs);
  std::string b64 = base64 (packed);
  std::replace (b64.begin (), b64.end (), '+', '-');
  std::replace (b64.begin (), b64.end (), '/', '_');
  b64.erase (b64.find_last_not_of ('=') + 1);
  return "z:" + b64;
}

} // namespace

TEST (ManualToken, DefaultIsPionBase64Json)
{
  std::string token = m::encode_token (GST_WEBRTC_SDP_TYPE_OFFER, SDP, false);
  EXPECT_EQ (token.find ('\n'), std::string::npos);
  gsize size = 0;
  guchar *json = g_base64_decode (token.c_str (), &size);
  std::string text ((const char *) json, size);
  g_free (json);
  EXPECT_EQ (text.rfind ("{", 0), 0u);
  EXPECT_NE (text.find ("\"type\":\"offer\""), std::string::npos);

  std::string error;
  auto decoded = m::decode_token (token, &error);
  ASSERT_TRUE (decoded) << error;
  EXPECT_EQ (decoded->format, m::TokenFormat::BASE64_JSON);
  EXPECT_EQ (decoded->type, GST_WEBRTC_SDP_TYPE_OFFER);
  EXPECT_EQ (decoded->sdp, SDP);
}

TEST (ManualToken, CompressedRoundTripsAndIsShorter)
{
  std::string token = m::encode_token (GST_WEBRTC_SDP_TYPE_ANSWER, SDP, true);
  EXPECT_EQ (token.rfind (m::COMPRESSED_PREFIX, 0), 0u);
  EXPECT_EQ (token.find_first_of ("+/=\n"), std::string::npos);
  EXPECT_LT (token.size (), m::encode_token (GST_WEBRTC_SDP_TYPE_ANSWER, SDP, false).size ());
  std::string error;
  auto decoded = m::decode_token ("  " + token + "\n", &error);
  ASSERT_TRUE (decoded) << error;
  EXPECT_EQ (decoded->format, m::TokenFormat::COMPRESSED);
  EXPECT_EQ (decoded->type, GST_WEBRTC_SDP_TYPE_ANSWER);
  EXPECT_EQ (decoded->sdp, SDP);
}

TEST (ManualToken, AcceptsJsonRawSdpAndWrappedBase64)
{
  gchar *escaped = g_strescape (SDP.c_str (), nullptr);
  std::string json = std::string ("{\"sdp\": \"") + escaped + "\", \"type\": \"answer\"}";
  g_free (escaped);
  std::string error;
  auto from_json = m::decode_token (json, &error);
  ASSERT_TRUE (from_json) << error;
  EXPECT_EQ (from_json->format, m::TokenFormat::JSON);
  EXPECT_EQ (from_json->type, GST_WEBRTC_SDP_TYPE_ANSWER);
  EXPECT_EQ (from_json->sdp, SDP);

  auto raw = m::decode_token (SDP, &error);
  ASSERT_TRUE (raw) << error;
  EXPECT_EQ (raw->format, m::TokenFormat::RAW_SDP);
  EXPECT_FALSE (raw->type);

  /* base64 broken over lines by a mail client or terminal. */
  std::string b64 = base64 (json);
  std::string wrapped;
  for (size_t i = 0; i < b64.size (); i += 60)
    wrapped += b64.substr (i, 60) + "\r\n";
  auto from_b64 = m::decode_token (wrapped, &error);
  ASSERT_TRUE (from_b64) << error;
  EXPECT_EQ (from_b64->sdp, SDP);
}

TEST (ManualToken, GarbageIsRefusedWithAReason)
{
  std::string full = m::encode_token (GST_WEBRTC_SDP_TYPE_OFFER, SDP, false);
  std::string compressed = m::encode_token (GST_WEBRTC_SDP_TYPE_OFFER, SDP, true);
  for (const std::string &bad : { std::string (""), std::string ("   \n"),
           std::string ("hello world!"), std::string ("{not json"), std::string ("{\"type\":1}"),
           std::string ("{\"type\":\"bye\",\"sdp\":\"v=0\"}"), base64 ("not json at all"),
           full.substr (0, full.size () / 2), compressed.substr (0, compressed.size () / 2),
           std::string ("z:!!!!") }) {
    std::string error;
    EXPECT_FALSE (m::decode_token (bad, &error)) << bad;
    EXPECT_FALSE (error.empty ()) << bad;
  }
}

TEST (ManualToken, ParseDescriptionChecksTypeAndMedia)
{
  GstWebRTCSessionDescription *desc = nullptr;
  std::string error;
  std::string offer = m::encode_token (GST_WEBRTC_SDP_TYPE_OFFER, SDP, false);
  EXPECT_FALSE (m::parse_description (offer, GST_WEBRTC_SDP_TYPE_ANSWER, &desc, &error));
  EXPECT_EQ (desc, nullptr);
  EXPECT_FALSE (error.empty ());

  std::string no_media = "v=0\r\no=- 1 0 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n";
  error.clear ();
  EXPECT_FALSE (m::parse_description (m::encode_token (GST_WEBRTC_SDP_TYPE_ANSWER, no_media,
      false), GST_WEBRTC_SDP_TYPE_ANSWER, &desc, &error));
  EXPECT_FALSE (error.empty ());

  ASSERT_TRUE (m::parse_description (offer, GST_WEBRTC_SDP_TYPE_OFFER, &desc, &error)) << error;
  ASSERT_NE (desc, nullptr);
  EXPECT_EQ (desc->type, GST_WEBRTC_SDP_TYPE_OFFER);
  EXPECT_EQ (gst_sdp_message_medias_len (desc->sdp), 1u);
  gst_webrtc_session_description_free (desc);

  /* Raw SDP takes the expected type. */
  ASSERT_TRUE (m::parse_description (SDP, GST_WEBRTC_SDP_TYPE_ANSWER, &desc, &error)) << error;
  EXPECT_EQ (desc->type, GST_WEBRTC_SDP_TYPE_ANSWER);
  gst_webrtc_session_description_free (desc);
}

TEST (ManualToken, MergesCandidatesOnceWithEndOfCandidates)
{
  std::string error;
  std::string merged = m::merge_candidates (SDP, { { 0, CAND1 }, { 0, CAND2 }, { 0, CAND1 } },
      &error);
  EXPECT_TRUE (error.empty ()) << error;
  EXPECT_NE (merged.find ("a=" + CAND1 + "\r\n"), std::string::npos);
  EXPECT_NE (merged.find ("a=" + CAND2 + "\r\n"), std::string::npos);
  EXPECT_EQ (merged.find ("a=" + CAND1), merged.rfind ("a=" + CAND1));
  EXPECT_NE (merged.find ("a=end-of-candidates\r\n"), std::string::npos);
  /* Merging again changes nothing. */
  EXPECT_EQ (m::merge_candidates (merged, { { 0, CAND1 } }, &error), merged);

  /* No candidate: still end-of-candidates; an index past the end is clamped. */
  std::string none = m::merge_candidates (SDP, {}, &error);
  EXPECT_NE (none.find ("a=end-of-candidates"), std::string::npos);
  std::string clamped = m::merge_candidates (SDP, { { 7, CAND1 } }, &error);
  EXPECT_NE (clamped.find (CAND1), std::string::npos);

  error.clear ();
  EXPECT_EQ (m::merge_candidates ("garbage", { { 0, CAND1 } }, &error), "garbage");
  EXPECT_FALSE (error.empty ());
  /* Empty: an error, not GstSDP's critical (found by fuzz-manual-token). */
  error.clear ();
  EXPECT_EQ (m::merge_candidates ("", { { 0, CAND1 } }, &error), "");
  EXPECT_FALSE (error.empty ());
}

/* A pasted (or planted) token nested 100,000 deep, in each JSON form:
 * refused with a reason, where json-glib alone overflowed the stack. The
 * same depth inside the sdp string is only text. */
TEST (ManualToken, DeeplyNestedJsonIsRefused)
{
  for (const std::string &json : { "{\"a\":" + repeat ("[", 100000), repeat ("{\"a\":", 100000),
           "{\"type\":\"offer\",\"sdp\":" + repeat ("[", 100000) + "}" }) {
    for (const std::string &token : { json, base64 (json), compressed (json) }) {
      std::string error;
      EXPECT_FALSE (m::decode_token (token, &error)) << token.substr (0, 20);
      EXPECT_NE (error.find ("deeper than 32 levels"), std::string::npos) << error;
    }
  }
  std::string deep_sdp = SDP + "a=x:" + repeat ("[", 100000) + "\r\n";
  std::string json = "{\"type\":\"offer\",\"sdp\":\"" + repeat ("[", 100000) + "\"}";
  for (const std::string &token : { json, base64 (json), compressed (json),
           m::encode_token (GST_WEBRTC_SDP_TYPE_OFFER, deep_sdp, true) }) {
    std::string error;
    auto decoded = m::decode_token (token, &error);
    ASSERT_TRUE (decoded) << error;
    EXPECT_EQ (decoded->sdp.find (repeat ("[", 100000)) != std::string::npos, true);
  }
}

/* "type" and "sdp" must be strings: an object, an array, a number or null
 * is a clear error (json-glib's string getter is critical on the first two,
 * fatal under G_DEBUG=fatal-criticals). */
TEST (ManualToken, NonStringMembersAreRefused)
{
  for (const char *value : { "{}", "[]", "[\"v=0\"]", "1", "true", "null" }) {
    std::string v = value;
    for (const std::string &json :
        { "{\"type\":\"offer\",\"sdp\":" + v + "}", "{\"type\":" + v + ",\"sdp\":\"v=0\"}" }) {
      for (const std::string &token : { json, base64 (json), compressed (json) }) {
        std::string error;
        EXPECT_FALSE (m::decode_token (token, &error)) << token;
        EXPECT_NE (error.find ("string"), std::string::npos) << error;
        GstWebRTCSessionDescription *desc = nullptr;
        EXPECT_FALSE (m::parse_description (token, GST_WEBRTC_SDP_TYPE_OFFER, &desc, &error));
        EXPECT_EQ (desc, nullptr);
      }
    }
  }
}
