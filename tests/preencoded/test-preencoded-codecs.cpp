/* Unit tests of what pre-encoded input needs from the codec table: the
 * H264 profile-level-id of a stream from its caps, which decoder profiles
 * decode it, the payload type of an offer it can go out on, and what we
 * offer for it.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "codecs.h"
#include "sdp-utils.h"
#include "test-data.h"
#include "test-sdp.h"

#include <gst/sdp/sdp.h>
#include <gtest/gtest.h>

using namespace gstsig;

namespace {

using gstsig::test::Sdp;

std::string
plid_of (const char *caps_text, std::string *error = nullptr)
{
  std::string ignored;
  GstCaps *caps = gst_caps_from_string (caps_text);
  auto plid = h264_profile_level_id (caps, error ? error : &ignored);
  gst_caps_unref (caps);
  return plid.value_or ("");
}

const Codec *
encoded_codec (const char *caps_text)
{
  GstCaps *caps = gst_caps_from_string (caps_text);
  const Codec *codec = codec_for_encoded_caps (caps);
  gst_caps_unref (caps);
  return codec;
}

} // namespace

TEST (PreEncodedCodecs, KnowsWhichCapsAreSentAsTheyAre)
{
  EXPECT_STREQ (encoded_codec ("video/x-h264,stream-format=avc")->name, "h264");
  EXPECT_STREQ (encoded_codec ("video/x-vp8")->name, "vp8");
  EXPECT_STREQ (encoded_codec ("audio/x-opus")->name, "opus");
  EXPECT_EQ (encoded_codec ("video/x-raw"), nullptr);
  EXPECT_EQ (encoded_codec ("audio/mpeg,mpegversion=4"), nullptr) << "AAC is decoded first";
  /* The pad templates take exactly those and raw media. */
  GstCaps *video = gst_caps_from_string (input_caps (MediaKind::Video));
  GstCaps *aac = gst_caps_from_string ("audio/mpeg,mpegversion=4");
  GstCaps *h265 = gst_caps_from_string ("video/x-h265");
  EXPECT_EQ (gst_caps_get_size (video), 3u);
  EXPECT_FALSE (gst_caps_can_intersect (video, h265));
  GstCaps *audio = gst_caps_from_string (input_caps (MediaKind::Audio));
  EXPECT_FALSE (gst_caps_can_intersect (audio, aac));
  for (GstCaps *c : { video, aac, h265, audio })
    gst_caps_unref (c);
}

TEST (PreEncodedCodecs, ProfileLevelIdFromCaps)
{
  EXPECT_EQ (plid_of ("video/x-h264,profile=constrained-baseline,level=(string)3.1"), "42e01f");
  EXPECT_EQ (plid_of ("video/x-h264,profile=baseline,level=(string)3"), "42001e");
  EXPECT_EQ (plid_of ("video/x-h264,profile=main,level=(string)4"), "4d0028");
  EXPECT_EQ (plid_of ("video/x-h264,profile=high,level=(string)1.3"), "64000d");
  EXPECT_EQ (plid_of ("video/x-h264,profile=constrained-high,level=(string)5.1"), "640c33");
  EXPECT_EQ (plid_of ("video/x-h264,profile=main,level=(string)1b"), "4d100b");
  EXPECT_EQ (plid_of ("video/x-h264"), "42e01f") << "no profile: constrained baseline";
  std::string error;
  EXPECT_EQ (plid_of ("video/x-h264,profile=high-10,level=(string)4", &error), "");
  EXPECT_NE (error.find ("high-10"), std::string::npos) << error;
  EXPECT_EQ (h264_profile_name ("640028"), "high");
  EXPECT_EQ (h264_profile_name ("42e01f"), "constrained-baseline");
  EXPECT_EQ (h264_profile_name ("4d001f"), "main");
  EXPECT_EQ (h264_profile_name ("f4001f"), "high-4:4:4");
}

TEST (PreEncodedCodecs, DecoderProfilesFollowH264AnnexA)
{
  /* Constrained baseline: every decoder browsers list. */
  for (const char *decoder : { "42001f", "42e01f", "4d001f", "640c1f", "64001f", "f4001f" })
    EXPECT_TRUE (h264_profile_decodes (decoder, "42e01f")) << decoder;
  /* Main: Main and the High family. */
  EXPECT_FALSE (h264_profile_decodes ("42e01f", "4d0028"));
  EXPECT_TRUE (h264_profile_decodes ("4d001f", "4d0028")) << "levels are not compared";
  EXPECT_TRUE (h264_profile_decodes ("f4001f", "4d0028"));
  /* High: the High family, not Main; Constrained High only its own. */
  EXPECT_FALSE (h264_profile_decodes ("4d001f", "640028"));
  EXPECT_FALSE (h264_profile_decodes ("640c1f", "640028"));
  EXPECT_TRUE (h264_profile_decodes ("64001f", "640028"));
  EXPECT_TRUE (h264_profile_decodes ("f4001f", "640028"));
  EXPECT_FALSE (h264_profile_decodes ("garbage", "640028"));
}

TEST (PreEncodedCodecs, PicksAnOfferedPayloadTypeThatDecodesTheStream)
{
  /* Chromium 156 offers 42001f (102), 42e01f (108), 4d001f (116) and
   * f4001f (41) with packetization-mode=1; no High (64). */
  Sdp offer (gstsig::test::read_data ("chromium-recvonly-offer.sdp"));
  const GstSDPMedia *video = offer.media ("video");
  ASSERT_NE (video, nullptr);
  const Codec &h264 = *find_codec ("h264");
  EXPECT_EQ (find_sendable_pt (video, h264), 102u) << "raw input: our constrained baseline";
  EXPECT_EQ (find_sendable_pt (video, h264, "42c01e"), 102u);
  EXPECT_EQ (find_sendable_pt (video, h264, "4d0028"), 116u);
  EXPECT_EQ (find_sendable_pt (video, h264, "640028"), 41u) << "High goes out as High 4:4:4";
  EXPECT_EQ (fmtp_value (video, 41, "profile-level-id"), "f4001f");
  EXPECT_EQ (find_sendable_pt (video, *find_codec ("vp8"), ""), 96u);

  /* Only High offered: a High stream goes; a receiver takes it; raw
   * (constrained baseline from our encoder) does too, by Annex A. */
  Sdp high ("v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n"
            "m=video 9 UDP/TLS/RTP/SAVPF 100\r\n"
            "a=rtpmap:100 H264/90000\r\n"
            "a=fmtp:100 packetization-mode=1;profile-level-id=640032\r\n");
  EXPECT_EQ (find_sendable_pt (high.media ("video"), h264, "640028"), 100u);
  EXPECT_FALSE (find_sendable_pt (high.media ("video"), h264, "4d0028") == std::nullopt);
  EXPECT_EQ (find_offered_pt (high.media ("video"), h264), 100u)
      << "webrtcrecv receives any H264 profile";
  EXPECT_FALSE (find_sendable_pt (high.media ("video"), h264).has_value ())
      << "raw input is sent only where constrained baseline is asked for";
}

TEST (PreEncodedCodecs, OffersTheStreamsProfile)
{
  auto cb = h264_offered_profiles ("42c01e");
  ASSERT_EQ (cb.size (), 1u);
  EXPECT_EQ (cb[0], "42c01e");
  auto high = h264_offered_profiles ("640028");
  ASSERT_EQ (high.size (), 2u);
  EXPECT_EQ (high[0], "640028");
  EXPECT_EQ (high[1], "f40028");
  GstCaps *caps = codec_rtp_caps (*find_codec ("h264"), 102, 1, "640028");
  EXPECT_STREQ (gst_structure_get_string (gst_caps_get_structure (caps, 0), "profile-level-id"),
      "640028");
  gst_caps_unref (caps);
  EXPECT_NE (encoded_input_description (*find_codec ("h264")).find ("config-interval=-1"),
      std::string::npos);
  EXPECT_NE (encoded_input_description (*find_codec ("h264")).find ("stream-format=byte-stream"),
      std::string::npos);
}
