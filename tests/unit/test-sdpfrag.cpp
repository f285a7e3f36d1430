/* Trickle ICE fragments (RFC 8840) as WHIP/WHEP PATCH bodies. */
#include "signallers/whip/sdpfrag.h"

#include <gtest/gtest.h>

#include <memory>

using namespace gstsig;

namespace {

struct Sdp {
  GstSDPMessage *msg = nullptr;
  explicit Sdp (const char *text)
  {
    gst_sdp_message_new (&msg);
    gst_sdp_message_parse_buffer ((const guint8 *) text, (guint) strlen (text), msg);
  }
  ~Sdp () { gst_sdp_message_free (msg); }
};

const char *kLocal = "v=0\r\no=- 1 0 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n"
                     "a=group:BUNDLE video0 audio1\r\n"
                     "m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:video0\r\n"
                     "a=ice-ufrag:UfRg\r\na=ice-pwd:PassWordPassWordPassWord\r\n"
                     "m=audio 9 UDP/TLS/RTP/SAVPF 97\r\na=mid:audio1\r\n";

const char *kCand1 = "candidate:1 1 UDP 2130706431 127.0.0.1 40000 typ host";
const char *kCand2 = "candidate:2 1 UDP 2130706430 127.0.0.1 40002 typ host";

} // namespace

TEST (SdpFrag, BuildsSectionsPerMidWithMediaFromTheLocalDescription)
{
  Sdp local (kLocal);
  SdpFrag frag;
  ASSERT_TRUE (sdp_ice_credentials (local.msg, &frag.ice_ufrag, &frag.ice_pwd));
  frag.candidates = { { "video0", 0, kCand1 }, { "audio1", 1, std::string ("a=") + kCand2 } };
  frag.end_of_candidates = true;
  EXPECT_EQ (sdpfrag_build (frag, local.msg),
      "a=ice-ufrag:UfRg\r\na=ice-pwd:PassWordPassWordPassWord\r\n"
      "m=video 9 UDP/TLS/RTP/SAVPF 0\r\na=mid:video0\r\n"
      "a=candidate:1 1 UDP 2130706431 127.0.0.1 40000 typ host\r\n"
      "m=audio 9 UDP/TLS/RTP/SAVPF 0\r\na=mid:audio1\r\n"
      "a=candidate:2 1 UDP 2130706430 127.0.0.1 40002 typ host\r\n"
      "a=end-of-candidates\r\n");
}

TEST (SdpFrag, EndOfCandidatesAloneSitsInTheFirstSection)
{
  Sdp local (kLocal);
  SdpFrag frag;
  frag.end_of_candidates = true;
  EXPECT_EQ (sdpfrag_build (frag, local.msg),
      "m=video 9 UDP/TLS/RTP/SAVPF 0\r\na=mid:video0\r\na=end-of-candidates\r\n");
}

TEST (SdpFrag, RoundTrips)
{
  Sdp local (kLocal);
  SdpFrag frag;
  frag.ice_ufrag = "UfRg";
  frag.ice_pwd = "PassWordPassWordPassWord";
  frag.candidates = { { "video0", 0, kCand1 }, { "audio1", 1, kCand2 } };
  frag.end_of_candidates = true;

  SdpFrag parsed;
  std::string error;
  ASSERT_TRUE (sdpfrag_parse (sdpfrag_build (frag, local.msg), &parsed, &error)) << error;
  EXPECT_EQ (parsed.ice_ufrag, "UfRg");
  EXPECT_EQ (parsed.ice_pwd, "PassWordPassWordPassWord");
  ASSERT_EQ (parsed.candidates.size (), 2u);
  EXPECT_EQ (parsed.candidates[0].mid, "video0");
  EXPECT_EQ (parsed.candidates[0].mline, 0u);
  EXPECT_EQ (parsed.candidates[0].candidate, kCand1);
  EXPECT_EQ (parsed.candidates[1].mid, "audio1");
  EXPECT_EQ (parsed.candidates[1].mline, 1u);
  EXPECT_TRUE (parsed.end_of_candidates);
  EXPECT_EQ (sdp_mline_for_mid (local.msg, parsed.candidates[1].mid), 1);
  EXPECT_EQ (sdp_mline_for_mid (local.msg, "nope"), -1);
}

TEST (SdpFrag, ParsesLineFeedsAndMediaLevelCredentials)
{
  SdpFrag frag;
  std::string error;
  ASSERT_TRUE (sdpfrag_parse ("m=audio 9 UDP/TLS/RTP/SAVPF 0\na=mid:0\na=ice-ufrag:abcd\n"
                              "a=ice-pwd:0123456789012345678901\na=candidate:1 1 udp 1 127.0.0.1 9 typ host\n",
      &frag, &error)) << error;
  EXPECT_EQ (frag.ice_ufrag, "abcd");
  ASSERT_EQ (frag.candidates.size (), 1u);
  EXPECT_EQ (frag.candidates[0].mid, "0");
  EXPECT_FALSE (frag.end_of_candidates);
}

TEST (SdpFrag, RejectsGarbageNamingTheLine)
{
  SdpFrag frag;
  std::string error;
  EXPECT_FALSE (sdpfrag_parse ("a=ice-ufrag:x\nhello world\n", &frag, &error));
  EXPECT_NE (error.find ("line 2"), std::string::npos) << error;
  EXPECT_NE (error.find ("hello world"), std::string::npos) << error;

  EXPECT_FALSE (sdpfrag_parse ("m=audio 9 UDP/TLS/RTP/SAVPF 0\na=candidate:1 1 udp\n", &frag, &error));
  EXPECT_NE (error.find ("not a valid ICE candidate"), std::string::npos) << error;

  EXPECT_FALSE (sdpfrag_parse ("", &frag, &error));
  EXPECT_NE (error.find ("no candidate"), std::string::npos) << error;
}

TEST (SdpFrag, CredentialsNeedBoth)
{
  Sdp partial ("v=0\r\no=- 1 0 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\na=ice-ufrag:x\r\n");
  std::string ufrag, pwd;
  EXPECT_FALSE (sdp_ice_credentials (partial.msg, &ufrag, &pwd));
}

/* Not a fragment, but the same family: what we strip from webrtcbin's
 * answers before a browser sees them (gst/sdp-utils.h). */
#include "sdp-utils.h"

TEST (SdpUtils, DropsPlaceholderSsrcGroupsOnly)
{
  Sdp answer ("v=0\r\no=- 1 0 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n"
              "m=video 9 UDP/TLS/RTP/SAVPF 96 97\r\na=mid:0\r\n"
              "a=ssrc-group:FID 0 777654273\r\n"
              "a=ssrc:777654273 msid:user@host webrtctransceiver2\r\n"
              "a=ssrc:777654273 cname:user@host\r\na=sendonly\r\n"
              "m=video 9 UDP/TLS/RTP/SAVPF 96 97\r\na=mid:1\r\n"
              "a=ssrc-group:FID 1111 2222\r\na=ssrc:1111 cname:x\r\na=ssrc:2222 cname:x\r\n");
  EXPECT_EQ (drop_placeholder_ssrc_groups (answer.msg), 1u);
  const GstSDPMedia *first = gst_sdp_message_get_media (answer.msg, 0);
  EXPECT_EQ (gst_sdp_media_get_attribute_val (first, "ssrc-group"), nullptr);
  EXPECT_EQ (gst_sdp_media_get_attribute_val (first, "ssrc"), nullptr);
  EXPECT_NE (gst_sdp_media_get_attribute_val (first, "sendonly"), nullptr);
  const GstSDPMedia *second = gst_sdp_message_get_media (answer.msg, 1);
  EXPECT_STREQ (gst_sdp_media_get_attribute_val (second, "ssrc-group"), "FID 1111 2222");
  EXPECT_STREQ (gst_sdp_media_get_attribute_val_n (second, "ssrc", 1), "2222 cname:x");
}
