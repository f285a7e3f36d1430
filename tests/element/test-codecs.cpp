/* Unit tests of webrtcsend's pure parts: the codec table, codec matching in
 * SDP offers (payload types from the remote offer, H264 profiles) and the
 * keyframe request merging.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "codecs.h"
#include "keyframe-merger.h"
#include "sdp-utils.h"
#include "test-data.h"
#include "test-sdp.h"

#include <gst/sdp/sdp.h>
#include <gtest/gtest.h>


using namespace gstsig;
using gstsig::test::read_data;
using gstsig::test::Sdp;

TEST (Codecs, ParseListKeepsOrderAndRejectsUnknown)
{
  std::string error;
  auto list = parse_codec_list ("h264, vp8,h264", MediaKind::Video, &error);
  ASSERT_TRUE (list.has_value ());
  ASSERT_EQ (list->size (), 2u);
  EXPECT_STREQ ((*list)[0]->name, "h264");
  EXPECT_STREQ ((*list)[1]->name, "vp8");

  EXPECT_FALSE (parse_codec_list ("vp8,av2", MediaKind::Video, &error).has_value ());
  EXPECT_NE (error.find ("av2"), std::string::npos);
  EXPECT_NE (error.find ("vp8"), std::string::npos) << "the error lists the valid codecs";
  EXPECT_FALSE (parse_codec_list ("opus", MediaKind::Video, &error).has_value ());
  EXPECT_FALSE (parse_codec_list ("", MediaKind::Audio, &error).has_value ());
}

TEST (Codecs, TakesPayloadTypesFromChromiumOffer)
{
  Sdp offer (read_data ("chromium-recvonly-offer.sdp"));
  ASSERT_NE (offer.media ("video"), nullptr);
  /* B1: Chromium's numbering, not ours. */
  EXPECT_EQ (find_offered_pt (offer.media ("video"), *find_codec ("vp8")), 96u);
  /* B2: H264 with packetization-mode=1 and a constrained-baseline
   * compatible profile; 104 (pm=0) and 116 (main) are not usable. */
  auto h264 = find_offered_pt (offer.media ("video"), *find_codec ("h264"));
  ASSERT_TRUE (h264.has_value ());
  EXPECT_EQ (*h264, 102u);
  EXPECT_EQ (find_offered_pt (offer.media ("audio"), *find_codec ("opus")), 111u);
  EXPECT_FALSE (find_offered_pt (offer.media ("audio"), *find_codec ("vp8")).has_value ());
  /* B3: the transport-cc extension id comes from the offer. */
  EXPECT_EQ (find_extmap_id (offer.media ("video"), TWCC_EXTENSION_URI), 4u);
}

TEST (Codecs, RejectsH264ProfilesBrowsersMayNotDecode)
{
  Sdp offer ("v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n"
             "m=video 9 UDP/TLS/RTP/SAVPF 100 101\r\n"
             "a=rtpmap:100 H264/90000\r\n"
             "a=fmtp:100 packetization-mode=1;profile-level-id=640032\r\n"
             "a=rtpmap:101 H264/90000\r\n"
             "a=fmtp:101 packetization-mode=1;profile-level-id=4d401f\r\n");
  /* 640032 is High; 4d401f is Main with constraint_set1 = constrained baseline. */
  EXPECT_EQ (find_offered_pt (offer.media ("video"), *find_codec ("h264")), 101u);
}

TEST (Codecs, RtpCapsCarryWhatBrowsersNeed)
{
  GstCaps *h264 = codec_rtp_caps (*find_codec ("h264"), 102, 1);
  GstStructure *s = gst_caps_get_structure (h264, 0);
  EXPECT_STREQ (gst_structure_get_string (s, "packetization-mode"), "1");
  EXPECT_STREQ (gst_structure_get_string (s, "profile-level-id"), "42e01f");
  EXPECT_STREQ (gst_structure_get_string (s, "extmap-1"), TWCC_EXTENSION_URI);
  gst_caps_unref (h264);
  GstCaps *opus = codec_rtp_caps (*find_codec ("opus"), 111, 0);
  /* Chromium refuses Opus without its channel count. */
  EXPECT_STREQ (gst_structure_get_string (gst_caps_get_structure (opus, 0), "encoding-params"),
      "2");
  gst_caps_unref (opus);
}

TEST (KeyframeMerger, OneKeyframePerWindowAndNoRequestLost)
{
  KeyframeMerger merger (1000);
  EXPECT_EQ (merger.on_request (0), KeyframeMerger::Action::ForwardNow);
  /* Inside the window: the first schedules one at the window's end... */
  EXPECT_EQ (merger.on_request (100), KeyframeMerger::Action::ScheduleAt);
  EXPECT_EQ (merger.scheduled_at (), 1000);
  /* ...and the others ride on it. */
  EXPECT_EQ (merger.on_request (200), KeyframeMerger::Action::Merged);
  EXPECT_EQ (merger.on_request (900), KeyframeMerger::Action::Merged);
  merger.on_timer (1000);
  EXPECT_FALSE (merger.has_pending ());
  EXPECT_EQ (merger.on_request (1500), KeyframeMerger::Action::ScheduleAt);
  merger.on_timer (2000);
  EXPECT_EQ (merger.on_request (3100), KeyframeMerger::Action::ForwardNow);
}

/* aiortc's default offer: one BUNDLE group, an ICE transport per m-line.
 * After unify_bundle_transport every bundled m-line has the first one's
 * credentials and only the first keeps candidates; again, nothing moves. */
TEST (SdpUtils, BalancedBundleOffersTakeTheFirstTransport)
{
  const char *offer = "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n"
                      "a=group:BUNDLE 0 1\r\n"
                      "m=video 9 UDP/TLS/RTP/SAVPF 97\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\n"
                      "a=rtpmap:97 VP8/90000\r\n"
                      "a=candidate:1 1 udp 2130706431 10.0.0.2 5000 typ host\r\n"
                      "a=ice-ufrag:AAAA\r\na=ice-pwd:aaaaaaaaaaaaaaaaaaaaaaaa\r\n"
                      "a=fingerprint:sha-256 AB:CD\r\na=setup:actpass\r\n"
                      "m=audio 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\na=mid:1\r\n"
                      "a=rtpmap:96 opus/48000/2\r\n"
                      "a=candidate:2 1 udp 2130706431 10.0.0.2 5002 typ host\r\n"
                      "a=ice-ufrag:BBBB\r\na=ice-pwd:bbbbbbbbbbbbbbbbbbbbbbbb\r\n"
                      "a=fingerprint:sha-256 AB:CD\r\na=setup:actpass\r\n";
  std::string error;
  GstWebRTCSessionDescription *desc =
      gstsig::session_description_from_text (GST_WEBRTC_SDP_TYPE_OFFER, offer, &error);
  ASSERT_NE (desc, nullptr) << error;
  EXPECT_EQ (gstsig::unify_bundle_transport (desc->sdp), 1u);
  const GstSDPMedia *audio = gst_sdp_message_get_media (desc->sdp, 1);
  EXPECT_STREQ (gst_sdp_media_get_attribute_val (audio, "ice-ufrag"), "AAAA");
  EXPECT_STREQ (gst_sdp_media_get_attribute_val (audio, "ice-pwd"), "aaaaaaaaaaaaaaaaaaaaaaaa");
  EXPECT_EQ (gst_sdp_media_get_attribute_val (audio, "candidate"), nullptr);
  EXPECT_NE (gst_sdp_media_get_attribute_val (gst_sdp_message_get_media (desc->sdp, 0),
      "candidate"), nullptr);
  EXPECT_EQ (gstsig::unify_bundle_transport (desc->sdp), 0u);
  gst_webrtc_session_description_free (desc);
}
