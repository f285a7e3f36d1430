/* gst-webrtcsignal: the codec table of webrtcsend: which encoder, payloader
 * and RTP caps each codec uses, tuned for real time and for browsers.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/gst.h>
#include <gst/sdp/sdp.h>

#include <optional>
#include <string>
#include <vector>

namespace gstsig {

enum class MediaKind { Video, Audio };

struct Codec {
  const char *name;          /* as in the video-codecs/audio-codecs properties */
  MediaKind kind;
  const char *encoding_name; /* RTP encoding name */
  unsigned clock_rate;
  unsigned offer_pt;         /* payload type we use when we offer */
  const char *encoder;       /* element factories sending needs */
  const char *payloader;
  const char *depayloader;   /* element factories receiving needs */
  const char *parser;        /* nullptr: none */
  const char *decoder;
  const char *encoded_caps;  /* what the depayloader (and parser) output */
};

const char *media_kind_name (MediaKind kind);

/* nullptr if unknown. Case-insensitive. */
const Codec *find_codec (const std::string &name);
/* Every codec of a kind, in the table's order. */
std::vector<const Codec *> codecs_of_kind (MediaKind kind);

/* Parses "vp8,h264" into codecs of the given kind. On error returns
 * std::nullopt and a message naming the bad entry and the valid ones. */
std::optional<std::vector<const Codec *>> parse_codec_list (const std::string &list,
    MediaKind kind, std::string *error);

/* The first element factory sending (or receiving) a codec needs that is
 * not installed, or nullptr when all are there. */
const char *missing_factory (const Codec &codec);
const char *missing_receive_factory (const Codec &codec);
bool factory_exists (const char *name);

/* The codec of RTP caps (encoding-name, media), or nullptr. */
const Codec *codec_for_rtp_caps (const GstCaps *caps);
/* "VP8, VP9, H264, OPUS": what we can receive. */
std::string receivable_codec_names ();

/* Caps describing the codec as we send it with payload type pt, for
 * transceiver codec-preferences (transfer full). twcc_ext_id 0 = no
 * transport-wide-cc header extension, mid_ext_id 0 = no MID header
 * extension (RFC 8843), ssrc 0 = none declared. h264_profile_level_id: what H264 announces ("" =
 * 42e01f, the constrained baseline our encoder makes). */
GstCaps *codec_rtp_caps (const Codec &codec, unsigned pt, unsigned twcc_ext_id,
    const std::string &h264_profile_level_id = "", unsigned mid_ext_id = 0, guint32 ssrc = 0);

/* gst-launch description of the encoder branch: raw media in, encoded out.
 * bitrate_kbps: the video's, or Opus's (6 to 510; other values: 64).
 * pixel_rate: width x height x frames per second of raw video (0: unknown). */
std::string encoder_description (const Codec &codec, unsigned bitrate_kbps,
    double pixel_rate = 0);

/* How a sent stream's packets are told apart from the others of a bundle:
 * its SSRC (declared in the SDP, a=ssrc with msid and cname) and the header
 * extensions negotiated (ids; 0 = not). The MID extension carries mid, the
 * media section's a=mid, in every packet. Stacks differ in what they need:
 * browsers cope without either, pion and werift need one of them. */
struct RtpStreamSetup {
  guint32 ssrc = 0; /* 0 = the payloader picks one (then it is not declared) */
  unsigned twcc_id = 0;
  unsigned mid_id = 0;
  std::string mid;
};

/* A configured payloader for pt with that SSRC and those extensions
 * (transfer floating).
 * H264 output caps announce h264_profile_level_id ("" = 42e01f), the value
 * of the codec preferences. */
GstElement *make_payloader (const Codec &codec, unsigned pt, const RtpStreamSetup &setup,
    const std::string &h264_profile_level_id = "");

/* The payload type the media section offers for this codec in a form we can
 * receive: for H264 packetization-mode=1, a constrained-baseline compatible
 * profile first, else any profile; std::nullopt when there is none. */
std::optional<unsigned> find_offered_pt (const GstSDPMedia *media, const Codec &codec);

/* The payload type the media section offers for this codec in a form we can
 * send: for H264 packetization-mode=1 and a profile whose decoders decode a
 * stream of h264_stream_profile ("" = what our encoder makes: constrained
 * baseline); std::nullopt when there is none. */
std::optional<unsigned> find_sendable_pt (const GstSDPMedia *media, const Codec &codec,
    const std::string &h264_stream_profile = "");

/* The value of key in "a=fmtp:<pt> ..." of the media section, or "". */
std::string fmtp_value (const GstSDPMedia *media, unsigned pt, const char *key);

/* ---- pre-encoded input ---- */

/* The codec of pre-encoded input caps we can send without re-encoding
 * (video/x-h264, video/x-vp8, audio/x-opus), or nullptr (raw or other). */
const Codec *codec_for_encoded_caps (const GstCaps *caps);

/* The pad template caps of webrtcsend's video and audio pads: raw media or
 * what codec_for_encoded_caps takes. */
const char *input_caps (MediaKind kind);

/* H264 "profile-level-id" (6 hex digits) of a stream from its caps'
 * profile and level fields; std::nullopt with *error when the profile is
 * one browsers cannot decode (High 10, 4:2:2, 4:4:4 intra, ...). A caps
 * without profile reads as constrained baseline, level 3.1. */
std::optional<std::string> h264_profile_level_id (const GstCaps *caps, std::string *error);
/* The profile name of a profile-level-id, e.g. "high" for 640028. */
std::string h264_profile_name (const std::string &profile_level_id);
/* Whether a decoder of profile decoder_plid decodes a stream of
 * stream_plid (levels are not compared: level-asymmetry-allowed). */
bool h264_profile_decodes (const std::string &decoder_plid, const std::string &stream_plid);
/* The profile-level-ids we offer for a stream: its own and, for High, the
 * High 4:4:4 Predictive alias (f400LL) that Chromium lists for receiving
 * instead of High; its decoders decode High streams. */
std::vector<std::string> h264_offered_profiles (const std::string &stream_plid);

/* gst-launch description of the branch that readies pre-encoded input for
 * the payloaders: H264 to byte-stream, AU-aligned, SPS/PPS before every
 * IDR; other codecs pass through. */
std::string encoded_input_description (const Codec &codec);

/* The codec (among candidates) of a negotiated payload type in an SDP media
 * section, or nullptr. */
const Codec *codec_for_pt (const GstSDPMedia *media, unsigned pt,
    const std::vector<const Codec *> &candidates);

extern const char *const TWCC_EXTENSION_URI;
extern const char *const MID_EXTENSION_URI;
/* The ids of our offers: TWCC 1, MID 2. */
constexpr unsigned OFFER_TWCC_EXT_ID = 1;
constexpr unsigned OFFER_MID_EXT_ID = 2;

} // namespace gstsig
