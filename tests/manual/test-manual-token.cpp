/* Unit tests of the manual signaller's tokens: every form round trips, is
 * detected, garbage and the wrong type are refused with a reason, and
 * trickled candidates merge into the SDP.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "signallers/manual/manual-token.h"

#include <glib.h>
#include <gst/gst.h>
#include <gtest/gtest.h>

#include <string>

namespace m = gstsig::manual;

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
}
