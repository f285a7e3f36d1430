/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "keyframes.h"

#include <algorithm>
#include <cctype>

namespace gstsig::rtpdiag {

namespace {

bool
vp8_keyframe (const uint8_t *p, size_t size)
{
  if (size < 1)
    return false;
  const bool extended = p[0] & 0x80;
  const bool start = p[0] & 0x10;
  const unsigned partition = p[0] & 0x07;
  size_t offset = 1;
  if (extended) {
    if (size < 2)
      return false;
    const uint8_t x = p[1];
    offset = 2;
    if (x & 0x80) { /* I: picture id, 7 or 15 bits */
      if (size < offset + 1)
        return false;
      offset += (p[offset] & 0x80) ? 2 : 1;
    }
    if (x & 0x40) /* L: TL0PICIDX */
      offset += 1;
    if (x & 0x30) /* T or K: TID/Y/KEYIDX */
      offset += 1;
  }
  if (!start || partition != 0 || size < offset + 1)
    return false;
  /* VP8 frame tag: bit 0 is the inverse key frame flag. */
  return (p[offset] & 0x01) == 0;
}

bool
vp9_keyframe (const uint8_t *p, size_t size)
{
  if (size < 1)
    return false;
  const bool inter_predicted = p[0] & 0x40; /* P */
  const bool begin = p[0] & 0x08;           /* B */
  return begin && !inter_predicted;
}

bool
h264_nal_is_key (uint8_t nal_type)
{
  return nal_type == 5 || nal_type == 7;
}

/* STAP-A/STAP-B: a list of (16-bit size, NAL unit). */
bool
h264_aggregate_has_key (const uint8_t *p, size_t size)
{
  size_t offset = 0;
  while (offset + 2 < size) {
    const size_t nal_size = (size_t (p[offset]) << 8) | p[offset + 1];
    offset += 2;
    if (nal_size == 0 || offset + nal_size > size)
      return false;
    if (h264_nal_is_key (p[offset] & 0x1f))
      return true;
    offset += nal_size;
  }
  return false;
}

bool
h264_keyframe (const uint8_t *p, size_t size)
{
  if (size < 1)
    return false;
  const uint8_t type = p[0] & 0x1f;
  switch (type) {
    case 24: /* STAP-A */
      return h264_aggregate_has_key (p + 1, size - 1);
    case 25: /* STAP-B: a 16-bit DON first */
      return size > 3 && h264_aggregate_has_key (p + 3, size - 3);
    case 28: /* FU-A */
    case 29: /* FU-B */
      return size >= 2 && (p[1] & 0x80) && h264_nal_is_key (p[1] & 0x1f);
    default:
      return type >= 1 && type <= 23 && h264_nal_is_key (type);
  }
}

bool
h265_nal_is_key (uint8_t nal_type)
{
  return nal_type >= 16 && nal_type <= 21;
}

bool
h265_keyframe (const uint8_t *p, size_t size)
{
  if (size < 2)
    return false;
  const uint8_t type = (p[0] >> 1) & 0x3f;
  if (type == 48) { /* AP: a list of (16-bit size, NAL unit); no DONL assumed */
    size_t offset = 2;
    while (offset + 3 < size) {
      const size_t nal_size = (size_t (p[offset]) << 8) | p[offset + 1];
      offset += 2;
      if (nal_size < 2 || offset + nal_size > size)
        return false;
      if (h265_nal_is_key ((p[offset] >> 1) & 0x3f))
        return true;
      offset += nal_size;
    }
    return false;
  }
  if (type == 49) /* FU: FU header S bit and type */
    return size >= 3 && (p[2] & 0x80) && h265_nal_is_key (p[2] & 0x3f);
  return h265_nal_is_key (type);
}

} // namespace

Codec
codec_from_encoding_name (const std::string &name)
{
  std::string upper = name;
  std::transform (upper.begin (), upper.end (), upper.begin (),
      [] (unsigned char c) { return char (std::toupper (c)); });
  if (upper == "VP8")
    return Codec::kVP8;
  if (upper == "VP9")
    return Codec::kVP9;
  if (upper == "H264")
    return Codec::kH264;
  if (upper == "H265")
    return Codec::kH265;
  return Codec::kUnknown;
}

const char *
codec_name (Codec codec)
{
  switch (codec) {
    case Codec::kVP8: return "VP8";
    case Codec::kVP9: return "VP9";
    case Codec::kH264: return "H264";
    case Codec::kH265: return "H265";
    default: return "";
  }
}

bool
is_keyframe (Codec codec, const uint8_t *payload, size_t size)
{
  if (!payload)
    return false;
  switch (codec) {
    case Codec::kVP8: return vp8_keyframe (payload, size);
    case Codec::kVP9: return vp9_keyframe (payload, size);
    case Codec::kH264: return h264_keyframe (payload, size);
    case Codec::kH265: return h265_keyframe (payload, size);
    default: return false;
  }
}

} // namespace gstsig::rtpdiag
