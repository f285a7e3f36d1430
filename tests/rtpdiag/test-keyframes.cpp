/* Unit tests of keyframe detection on hand-made RTP payloads.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "keyframes.h"

#include <gtest/gtest.h>

#include <vector>

using namespace gstsig::rtpdiag;

namespace {

bool
key (Codec codec, std::vector<uint8_t> payload)
{
  return is_keyframe (codec, payload.data (), payload.size ());
}

} // namespace

TEST (Keyframes, CodecNames)
{
  EXPECT_EQ (codec_from_encoding_name ("VP8"), Codec::kVP8);
  EXPECT_EQ (codec_from_encoding_name ("vp9"), Codec::kVP9);
  EXPECT_EQ (codec_from_encoding_name ("H264"), Codec::kH264);
  EXPECT_EQ (codec_from_encoding_name ("h265"), Codec::kH265);
  EXPECT_EQ (codec_from_encoding_name ("OPUS"), Codec::kUnknown);
  EXPECT_FALSE (key (Codec::kUnknown, { 0x10, 0x00 }));
}

TEST (Keyframes, VP8)
{
  /* S=1, PID=0, then the frame tag: P bit (bit 0) clear = key frame */
  EXPECT_TRUE (key (Codec::kVP8, { 0x10, 0x50, 0x2a, 0x01 }));
  EXPECT_FALSE (key (Codec::kVP8, { 0x10, 0x51, 0x2a, 0x01 }));
  /* not the start of a partition, or not partition 0 */
  EXPECT_FALSE (key (Codec::kVP8, { 0x00, 0x50 }));
  EXPECT_FALSE (key (Codec::kVP8, { 0x11, 0x50 }));
  /* X=1; I=1 with a 15-bit picture id (M=1); L=1; T=1 */
  EXPECT_TRUE (key (Codec::kVP8, { 0x90, 0xe0, 0x81, 0x23, 0x05, 0x20, 0x00 }));
  EXPECT_FALSE (key (Codec::kVP8, { 0x90, 0xe0, 0x81, 0x23, 0x05, 0x20, 0x01 }));
  /* X=1; I=1 with a 7-bit picture id */
  EXPECT_TRUE (key (Codec::kVP8, { 0x90, 0x80, 0x05, 0x10 }));
  /* truncated after the descriptor */
  EXPECT_FALSE (key (Codec::kVP8, { 0x90, 0x80, 0x81 }));
  EXPECT_FALSE (key (Codec::kVP8, {}));
}

TEST (Keyframes, VP9)
{
  /* I P L F B E V Z: B=1 and P=0 */
  EXPECT_TRUE (key (Codec::kVP9, { 0x08 }));
  EXPECT_TRUE (key (Codec::kVP9, { 0x8c, 0x12 }));  /* I, B, E */
  EXPECT_FALSE (key (Codec::kVP9, { 0x48 }));       /* P=1 */
  EXPECT_FALSE (key (Codec::kVP9, { 0x04 }));       /* not the beginning */
}

TEST (Keyframes, H264)
{
  EXPECT_TRUE (key (Codec::kH264, { 0x65, 0x88 }));  /* IDR */
  EXPECT_TRUE (key (Codec::kH264, { 0x67, 0x42 }));  /* SPS */
  EXPECT_FALSE (key (Codec::kH264, { 0x41, 0x9a })); /* non-IDR slice */
  EXPECT_FALSE (key (Codec::kH264, { 0x68, 0xce })); /* PPS alone */
  /* STAP-A: SPS (2 bytes) and PPS (2 bytes) */
  EXPECT_TRUE (key (Codec::kH264, { 0x78, 0x00, 0x02, 0x67, 0x42, 0x00, 0x02, 0x68, 0xce }));
  /* STAP-A: SEI then a non-IDR slice */
  EXPECT_FALSE (key (Codec::kH264, { 0x78, 0x00, 0x02, 0x06, 0x05, 0x00, 0x02, 0x41, 0x9a }));
  /* STAP-A whose size runs past the end */
  EXPECT_FALSE (key (Codec::kH264, { 0x78, 0x00, 0x09, 0x65, 0x88 }));
  /* STAP-B: DON then the units */
  EXPECT_TRUE (key (Codec::kH264, { 0x79, 0x00, 0x01, 0x00, 0x02, 0x65, 0x88 }));
  /* FU-A: start fragment of an IDR; middle fragment; start of a non-IDR */
  EXPECT_TRUE (key (Codec::kH264, { 0x7c, 0x85, 0x88 }));
  EXPECT_FALSE (key (Codec::kH264, { 0x7c, 0x05, 0x88 }));
  EXPECT_FALSE (key (Codec::kH264, { 0x7c, 0x81, 0x9a }));
  /* FU-B start of an IDR */
  EXPECT_TRUE (key (Codec::kH264, { 0x7d, 0x85, 0x00, 0x01, 0x88 }));
  EXPECT_FALSE (key (Codec::kH264, { 0x7c }));
}

TEST (Keyframes, H265)
{
  /* type in bits 1..6 of the first byte */
  EXPECT_TRUE (key (Codec::kH265, { 0x26, 0x01, 0xaf }));  /* IDR_W_RADL (19) */
  EXPECT_TRUE (key (Codec::kH265, { 0x2a, 0x01, 0xaf }));  /* CRA (21) */
  EXPECT_TRUE (key (Codec::kH265, { 0x20, 0x01, 0xaf }));  /* BLA_W_LP (16) */
  EXPECT_FALSE (key (Codec::kH265, { 0x02, 0x01, 0xaf })); /* TRAIL_R (1) */
  EXPECT_FALSE (key (Codec::kH265, { 0x40, 0x01, 0x0c })); /* VPS (32) */
  /* AP (48): VPS (2 bytes) then IDR_N_LP (20, 3 bytes) */
  EXPECT_TRUE (key (Codec::kH265,
      { 0x60, 0x01, 0x00, 0x02, 0x40, 0x01, 0x00, 0x03, 0x28, 0x01, 0xaf }));
  /* AP with VPS and SPS only */
  EXPECT_FALSE (key (Codec::kH265,
      { 0x60, 0x01, 0x00, 0x02, 0x40, 0x01, 0x00, 0x02, 0x42, 0x01 }));
  /* FU (49): start of an IDR_W_RADL; a middle fragment; start of a TRAIL_R */
  EXPECT_TRUE (key (Codec::kH265, { 0x62, 0x01, 0x93, 0xaf }));
  EXPECT_FALSE (key (Codec::kH265, { 0x62, 0x01, 0x13, 0xaf }));
  EXPECT_FALSE (key (Codec::kH265, { 0x62, 0x01, 0x81, 0xaf }));
  EXPECT_FALSE (key (Codec::kH265, { 0x26 }));
}
