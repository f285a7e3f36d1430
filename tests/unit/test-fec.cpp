/* FEC for lossy links: how much (FecPolicy) and the header extensions of
 * the RED packets webrtcbin 1.22 sends (restore_red_extensions).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "fec-policy.h"
#include "red-extensions.h"

#include <gst/rtp/rtp.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

using gstsig::FecMode;
using gstsig::FecPolicy;
using gstsig::RedExtensions;

namespace {

constexpr double LONG_RTT = 0.080;  /* s */
constexpr double SHORT_RTT = 0.002; /* s */

TEST (FecPolicy, OffNeverProtects)
{
  FecPolicy fec (FecMode::Off);
  for (int i = 0; i < 10; i++)
    EXPECT_EQ (fec.on_report (0.3, LONG_RTT), 0u);
}

TEST (FecPolicy, OnKeepsItsFloorWithoutLoss)
{
  FecPolicy fec (FecMode::On);
  EXPECT_EQ (fec.percentage (), FecPolicy::MIN_PERCENTAGE);
  for (int i = 0; i < 10; i++)
    EXPECT_EQ (fec.on_report (0, LONG_RTT), FecPolicy::MIN_PERCENTAGE);
}

TEST (FecPolicy, AutoStartsAtTwoPercentAndFollowsTheLoss)
{
  FecPolicy fec (FecMode::Auto);
  EXPECT_EQ (fec.percentage (), 0u);
  EXPECT_EQ (fec.on_report (0.015, LONG_RTT), 0u) << "1.5 % of loss: RTX is enough";
  for (int i = 0; i < 20; i++)
    fec.on_report (0.05, LONG_RTT);
  EXPECT_EQ (fec.percentage (), 20u) << "5 % of loss: 4 x 5";
  for (int i = 0; i < 20; i++)
    fec.on_report (0.30, LONG_RTT);
  EXPECT_EQ (fec.percentage (), FecPolicy::MAX_PERCENTAGE);
}

TEST (FecPolicy, AutoSmoothsOneBadReportAndHasHysteresis)
{
  FecPolicy fec (FecMode::Auto);
  fec.on_report (0, LONG_RTT);
  EXPECT_EQ (fec.on_report (0.05, LONG_RTT), 0u) << "one report of 5 % among clean ones: smoothed to 1.5 %";
  for (int i = 0; i < 20; i++)
    fec.on_report (0.05, LONG_RTT);
  ASSERT_GT (fec.percentage (), 0u);
  /* Between the two thresholds it stays on, at its floor. */
  for (int i = 0; i < 40; i++)
    fec.on_report (0.015, LONG_RTT);
  EXPECT_EQ (fec.percentage (), FecPolicy::MIN_PERCENTAGE);
  for (int i = 0; i < 40; i++)
    fec.on_report (0.002, LONG_RTT);
  EXPECT_EQ (fec.percentage (), 0u);
}

TEST (FecPolicy, AutoLeavesAShortRoundTripToRetransmission)
{
  FecPolicy fec (FecMode::Auto);
  for (int i = 0; i < 20; i++)
    EXPECT_EQ (fec.on_report (0.05, SHORT_RTT), 0u) << "report " << i;
  for (int i = 0; i < 20; i++)
    EXPECT_EQ (fec.on_report (0.05, -1), 0u) << "unknown round trip, report " << i;
  FecPolicy far (FecMode::Auto);
  EXPECT_EQ (far.on_report (0.05, LONG_RTT), 20u);
  /* Between the two round-trip thresholds it stays on. */
  EXPECT_EQ (far.on_report (0.05, 0.017), 20u);
  EXPECT_EQ (far.on_report (0.05, SHORT_RTT), 0u);
  FecPolicy on (FecMode::On);
  EXPECT_EQ (on.on_report (0.05, SHORT_RTT), 20u) << "on: whatever the round trip";
  FecPolicy any_rtt (FecMode::Auto, 0);
  EXPECT_EQ (any_rtt.on_report (0.05, SHORT_RTT), 20u) << "fec-min-rtt=0";
  EXPECT_EQ (any_rtt.on_report (0.05, -1), 0u) << "still not on an unknown round trip";
}

/* Loss with a queue standing on the path (the round trip far above the
 * least seen) is a link carrying more than it can: no FEC packets there. */
TEST (FecPolicy, AutoLeavesAStandingQueueAlone)
{
  FecPolicy fec (FecMode::Auto, 0);
  EXPECT_EQ (fec.on_report (0.05, SHORT_RTT), 20u) << "random loss on a clear path (fec-min-rtt=0)";
  for (int i = 0; i < 5; i++)
    EXPECT_EQ (fec.on_report (0.20, 0.400), 0u) << "a 400 ms queue, report " << i;
  EXPECT_GT (fec.on_report (0.05, 0.003), 0u) << "the queue drained";
  /* A long path's own round trip, with some jitter, is no queue. */
  FecPolicy far (FecMode::Auto);
  far.on_report (0.05, LONG_RTT);
  EXPECT_EQ (far.on_report (0.05, 1.5 * LONG_RTT), 20u);
  EXPECT_EQ (far.on_report (0.05, 3 * LONG_RTT), 0u);
  FecPolicy on (FecMode::On);
  on.on_report (0.05, SHORT_RTT);
  EXPECT_GT (on.on_report (0.20, 0.400), 20u) << "on: following the loss, whatever the queue";
}

TEST (FecPolicy, IgnoresReportsThatAreNoFraction)
{
  FecPolicy fec (FecMode::Auto);
  for (double bad : { -1.0, 1.5, std::nan ("") })
    EXPECT_EQ (fec.on_report (bad, LONG_RTT), 0u);
  EXPECT_LT (fec.smoothed_loss (), 0) << "no report taken";
}

/* A RED packet as rtpredenc 1.22 makes it: transport-cc under id 1 (the
 * value left uninitialized there), no MID, the RED block header and the
 * media payload. */
GstBuffer *
red_packet_as_webrtcbin_sends_it (guint32 ssrc, guint8 pt, const std::vector<guint8> &payload)
{
  GstBuffer *buffer = gst_rtp_buffer_new_allocate (payload.size (), 0, 0);
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  gst_rtp_buffer_map (buffer, GST_MAP_WRITE, &rtp);
  gst_rtp_buffer_set_ssrc (&rtp, ssrc);
  gst_rtp_buffer_set_payload_type (&rtp, pt);
  gst_rtp_buffer_set_seq (&rtp, 4242);
  gst_rtp_buffer_set_timestamp (&rtp, 90000);
  gst_rtp_buffer_set_marker (&rtp, TRUE);
  memcpy (gst_rtp_buffer_get_payload (&rtp), payload.data (), payload.size ());
  const guint8 garbage[2] = { 0xde, 0xad };
  gst_rtp_buffer_add_extension_onebyte_header (&rtp, 1, garbage, sizeof garbage);
  gst_rtp_buffer_unmap (&rtp);
  GST_BUFFER_PTS (buffer) = 7 * GST_SECOND;
  return buffer;
}

std::string
extension (GstRTPBuffer *rtp, guint8 id)
{
  gpointer data = nullptr;
  guint size = 0;
  if (!gst_rtp_buffer_get_extension_onebyte_header (rtp, id, 0, &data, &size))
    return "(none)";
  return std::string (static_cast<const char *> (data), size);
}

TEST (RedExtensions, ARedPacketGetsTheNegotiatedExtensionsAndKeepsTheRest)
{
  const std::vector<guint8> payload = { 96, 0x10, 0x20, 0x30, 0x40 }; /* RED header, VP8 */
  RedExtensions ext;
  ext.ssrc = 0x1234;
  ext.red_pt = 97;
  ext.twcc_id = 3;
  ext.mid_id = 9;
  ext.mid = "video0";
  GstBuffer *out = gstsig::restore_red_extensions (
      red_packet_as_webrtcbin_sends_it (0x1234, 97, payload), ext);
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  ASSERT_TRUE (gst_rtp_buffer_map (out, GST_MAP_READ, &rtp));
  EXPECT_EQ (extension (&rtp, 1), "(none)") << "the id rtpredenc wrote is gone";
  EXPECT_EQ (extension (&rtp, 3).size (), 2u) << "room for rtpsession's transport-wide number";
  EXPECT_EQ (extension (&rtp, 9), "video0");
  EXPECT_EQ (gst_rtp_buffer_get_ssrc (&rtp), 0x1234u);
  EXPECT_EQ (gst_rtp_buffer_get_payload_type (&rtp), 97u);
  EXPECT_EQ (gst_rtp_buffer_get_seq (&rtp), 4242u);
  EXPECT_EQ (gst_rtp_buffer_get_timestamp (&rtp), 90000u);
  EXPECT_TRUE (gst_rtp_buffer_get_marker (&rtp));
  ASSERT_EQ (gst_rtp_buffer_get_payload_len (&rtp), payload.size ());
  EXPECT_EQ (memcmp (gst_rtp_buffer_get_payload (&rtp), payload.data (), payload.size ()), 0);
  gst_rtp_buffer_unmap (&rtp);
  EXPECT_EQ (GST_BUFFER_PTS (out), 7 * GST_SECOND);
  gst_buffer_unref (out);
}

TEST (RedExtensions, OtherStreamsAndPayloadTypesPassUntouched)
{
  RedExtensions ext;
  ext.ssrc = 0x1234;
  ext.red_pt = 97;
  ext.mid_id = 2;
  ext.mid = "video0";
  for (auto [ssrc, pt] : { std::pair<guint32, guint8> { 0x1234, 111 }, { 0x9999, 97 } }) {
    GstBuffer *in = red_packet_as_webrtcbin_sends_it (ssrc, pt, { 1, 2, 3 });
    GstBuffer *out = gstsig::restore_red_extensions (gst_buffer_ref (in), ext);
    EXPECT_EQ (out, in) << "ssrc " << ssrc << ", pt " << (unsigned) pt;
    gst_buffer_unref (out);
    gst_buffer_unref (in);
  }
}

TEST (RedExtensions, IdsAOneByteHeaderCannotCarryAreLeftOut)
{
  RedExtensions ext;
  ext.ssrc = 0x1234;
  ext.red_pt = 97;
  ext.twcc_id = 15;
  ext.mid_id = 4;
  ext.mid = std::string (17, 'm');
  GstBuffer *out = gstsig::restore_red_extensions (
      red_packet_as_webrtcbin_sends_it (0x1234, 97, { 1, 2, 3 }), ext);
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  ASSERT_TRUE (gst_rtp_buffer_map (out, GST_MAP_READ, &rtp));
  EXPECT_FALSE (gst_rtp_buffer_get_extension (&rtp));
  EXPECT_EQ (gst_rtp_buffer_get_payload_len (&rtp), 3u);
  gst_rtp_buffer_unmap (&rtp);
  gst_buffer_unref (out);
}

} // namespace
