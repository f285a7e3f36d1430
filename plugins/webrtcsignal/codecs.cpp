/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "codecs.h"

#include "tier-plan.h"

#include <gst/pbutils/codec-utils.h>
#include <gst/rtp/rtp.h>

#include <cstdlib>
#include <cstring>

namespace gstsig {

const char *const TWCC_EXTENSION_URI =
    "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01";
const char *const MID_EXTENSION_URI = "urn:ietf:params:rtp-hdrext:sdes:mid";

namespace {

const Codec codec_table[] = {
  { "vp8", MediaKind::Video, "VP8", 90000, 96, "vp8enc", "rtpvp8pay", "rtpvp8depay", nullptr,
      "vp8dec", "video/x-vp8" },
  { "h264", MediaKind::Video, "H264", 90000, 102, "x264enc", "rtph264pay", "rtph264depay",
      "h264parse", "avdec_h264", "video/x-h264" },
  { "vp9", MediaKind::Video, "VP9", 90000, 98, "vp9enc", "rtpvp9pay", "rtpvp9depay", nullptr,
      "vp9dec", "video/x-vp9" },
  { "opus", MediaKind::Audio, "OPUS", 48000, 111, "opusenc", "rtpopuspay", "rtpopusdepay",
      "opusparse", "opusdec", "audio/x-opus" },
};



/* H264 profile-level-id "PPCCLL": browsers decode constrained baseline, which
 * is profile_idc 0x42 (with any constraint flags) or 0x4d/0x58 with
 * constraint_set1 (0x40). */
bool
is_constrained_baseline_compatible (const char *profile_level_id)
{
  if (!profile_level_id || strlen (profile_level_id) != 6)
    return false;
  char buf[3] = { 0, 0, 0 };
  memcpy (buf, profile_level_id, 2);
  unsigned profile_idc = strtoul (buf, nullptr, 16);
  memcpy (buf, profile_level_id + 2, 2);
  unsigned constraints = strtoul (buf, nullptr, 16);
  if (profile_idc == 0x42)
    return true;
  return (profile_idc == 0x4d || profile_idc == 0x58) && (constraints & 0x40);
}

/* The value of "a=fmtp:<pt> ...;key=value;..." for key, or "". */
std::string
fmtp_param (const GstSDPMedia *media, unsigned pt, const char *key)
{
  std::string prefix = std::to_string (pt) + " ";
  for (guint i = 0; i < gst_sdp_media_attributes_len (media); i++) {
    const GstSDPAttribute *attr = gst_sdp_media_get_attribute (media, i);
    if (g_strcmp0 (attr->key, "fmtp") != 0 || !attr->value)
      continue;
    std::string value = attr->value;
    if (value.compare (0, prefix.size (), prefix) != 0)
      continue;
    g_auto (GStrv) params = g_strsplit (value.c_str () + prefix.size (), ";", -1);
    for (gchar **p = params; *p; p++) {
      g_strstrip (*p);
      g_auto (GStrv) kv = g_strsplit (*p, "=", 2);
      if (kv[0] && kv[1] && g_ascii_strcasecmp (kv[0], key) == 0)
        return kv[1];
    }
  }
  return "";
}

/* "VP8/90000" style rtpmap of pt, or "". */
std::string
rtpmap_of (const GstSDPMedia *media, unsigned pt)
{
  std::string prefix = std::to_string (pt) + " ";
  for (guint i = 0; i < gst_sdp_media_attributes_len (media); i++) {
    const GstSDPAttribute *attr = gst_sdp_media_get_attribute (media, i);
    if (g_strcmp0 (attr->key, "rtpmap") == 0 && attr->value &&
        g_str_has_prefix (attr->value, prefix.c_str ()))
      return attr->value + prefix.size ();
  }
  return "";
}

bool
rtpmap_matches (const std::string &rtpmap, const Codec &codec)
{
  g_auto (GStrv) parts = g_strsplit (rtpmap.c_str (), "/", 3);
  if (!parts[0] || !parts[1])
    return false;
  return g_ascii_strcasecmp (parts[0], codec.encoding_name) == 0 &&
      strtoul (parts[1], nullptr, 10) == codec.clock_rate;
}

/* How an H264 payload type of an offer is judged. */
enum class H264Rule {
  ConstrainedBaseline, /* what our encoder makes */
  AnyProfile,          /* we receive: avdec_h264 decodes every profile */
  Stream,              /* pre-encoded: a profile whose decoders decode the stream */
};

bool
pt_usable (const GstSDPMedia *media, unsigned pt, const Codec &codec, H264Rule rule,
    const std::string &stream_plid)
{
  if (!rtpmap_matches (rtpmap_of (media, pt), codec))
    return false;
  if (g_strcmp0 (codec.name, "h264") == 0) {
    if (fmtp_param (media, pt, "packetization-mode") != "1")
      return false;
    std::string plid = fmtp_param (media, pt, "profile-level-id");
    switch (rule) {
      case H264Rule::AnyProfile:
        return true;
      case H264Rule::Stream:
        /* No profile-level-id means constrained baseline (RFC 6184: 420010). */
        return h264_profile_decodes (plid.empty () ? "42e01f" : plid, stream_plid);
      case H264Rule::ConstrainedBaseline:
        /* No profile-level-id means baseline level 1 by default: fine. */
        return plid.empty () || is_constrained_baseline_compatible (plid.c_str ());
    }
  }
  if (g_strcmp0 (codec.name, "vp9") == 0) {
    /* Profile 0 (8-bit 4:2:0) is what vp9enc makes and every browser decodes. */
    std::string profile = fmtp_param (media, pt, "profile-id");
    return profile.empty () || profile == "0";
  }
  return true;
}

std::optional<unsigned>
first_usable_pt (const GstSDPMedia *media, const Codec &codec, H264Rule rule,
    const std::string &stream_plid)
{
  for (guint i = 0; i < gst_sdp_media_formats_len (media); i++) {
    unsigned pt = strtoul (gst_sdp_media_get_format (media, i), nullptr, 10);
    if (pt_usable (media, pt, codec, rule, stream_plid))
      return pt;
  }
  return std::nullopt;
}

/* Two hex digits of a profile-level-id at pos, or -1. */
int
plid_byte (const std::string &plid, size_t pos)
{
  if (plid.size () != 6 || !g_ascii_isxdigit (plid[pos]) || !g_ascii_isxdigit (plid[pos + 1]))
    return -1;
  return g_ascii_xdigit_value (plid[pos]) * 16 + g_ascii_xdigit_value (plid[pos + 1]);
}

/* H264 profiles a browser may decode, and how we write them. */
struct H264ProfileName {
  const char *name;  /* as h264parse puts it in caps */
  unsigned idc;
  unsigned constraints;
};

const H264ProfileName h264_profiles[] = {
  { "constrained-baseline", 0x42, 0xe0 },
  { "baseline", 0x42, 0x00 },
  { "main", 0x4d, 0x00 },
  { "constrained-high", 0x64, 0x0c },
  { "progressive-high", 0x64, 0x08 },
  { "high", 0x64, 0x00 },
};

/* The decoder profiles (profile_idc) that decode each stream profile:
 * H.264 Annex A, for the profiles browsers know. */
bool
idc_decodes (unsigned decoder_idc, unsigned decoder_constraints, unsigned stream_idc,
    unsigned stream_constraints)
{
  bool stream_cb = stream_idc == 0x42 ||
      ((stream_idc == 0x4d || stream_idc == 0x58) && (stream_constraints & 0x40));
  bool high_family = decoder_idc == 0x64 || decoder_idc == 0x6e || decoder_idc == 0x7a ||
      decoder_idc == 0xf4;
  if (stream_cb) /* every decoder but the Extended-only ones */
    return decoder_idc == 0x42 || decoder_idc == 0x4d || decoder_idc == 0x58 || high_family;
  if (stream_idc == 0x4d)
    return decoder_idc == 0x4d || high_family;
  if (stream_idc == 0x64) {
    /* A Constrained High decoder takes only Constrained High streams. */
    if (decoder_idc == 0x64 && (decoder_constraints & 0x0c) == 0x0c)
      return (stream_constraints & 0x0c) == 0x0c;
    return high_family;
  }
  return decoder_idc == stream_idc;
}

} // namespace

bool
factory_exists (const char *name)
{
  GstElementFactory *f = gst_element_factory_find (name);
  if (!f)
    return false;
  gst_object_unref (f);
  return true;
}

const char *
media_kind_name (MediaKind kind)
{
  return kind == MediaKind::Video ? "video" : "audio";
}

const Codec *
find_codec (const std::string &name)
{
  for (const auto &codec : codec_table)
    if (g_ascii_strcasecmp (codec.name, name.c_str ()) == 0)
      return &codec;
  return nullptr;
}

std::vector<const Codec *>
codecs_of_kind (MediaKind kind)
{
  std::vector<const Codec *> result;
  for (const auto &codec : codec_table)
    if (codec.kind == kind)
      result.push_back (&codec);
  return result;
}

std::optional<std::vector<const Codec *>>
parse_codec_list (const std::string &list, MediaKind kind, std::string *error)
{
  std::vector<const Codec *> result;
  g_auto (GStrv) names = g_strsplit_set (list.c_str (), ", ", -1);
  for (gchar **name = names; *name; name++) {
    if (!**name)
      continue;
    const Codec *codec = find_codec (*name);
    if (!codec || codec->kind != kind) {
      std::string valid;
      for (const Codec *c : codecs_of_kind (kind))
        valid += (valid.empty () ? "" : ", ") + std::string (c->name);
      *error = std::string ("unknown ") + media_kind_name (kind) + " codec '" + *name +
          "' (supported: " + valid + ")";
      return std::nullopt;
    }
    bool seen = false;
    for (const Codec *c : result)
      seen = seen || c == codec;
    if (!seen)
      result.push_back (codec);
  }
  if (result.empty ()) {
    *error = std::string ("no ") + media_kind_name (kind) + " codec given";
    return std::nullopt;
  }
  return result;
}

const char *
missing_factory (const Codec &codec)
{
  for (const char *factory : { codec.encoder, codec.payloader })
    if (!factory_exists (factory))
      return factory;
  return nullptr;
}

const char *
missing_receive_factory (const Codec &codec)
{
  for (const char *factory : { codec.depayloader, codec.parser, codec.decoder })
    if (factory && !factory_exists (factory))
      return factory;
  return nullptr;
}

const Codec *
codec_for_rtp_caps (const GstCaps *caps)
{
  if (!caps || gst_caps_get_size (caps) == 0)
    return nullptr;
  const GstStructure *s = gst_caps_get_structure (caps, 0);
  const char *name = gst_structure_get_string (s, "encoding-name");
  for (const auto &codec : codec_table)
    if (name && g_ascii_strcasecmp (name, codec.encoding_name) == 0)
      return &codec;
  return nullptr;
}

std::string
receivable_codec_names ()
{
  std::string names;
  for (const auto &codec : codec_table)
    names += (names.empty () ? "" : ", ") + std::string (codec.encoding_name);
  return names;
}

GstCaps *
codec_rtp_caps (const Codec &codec, unsigned pt, unsigned twcc_ext_id,
    const std::string &h264_profile_level_id, unsigned mid_ext_id, guint32 ssrc)
{
  GstCaps *caps = gst_caps_new_simple ("application/x-rtp", "media", G_TYPE_STRING,
      media_kind_name (codec.kind), "encoding-name", G_TYPE_STRING, codec.encoding_name,
      "clock-rate", G_TYPE_INT, (int) codec.clock_rate, "payload", G_TYPE_INT, (int) pt,
      nullptr);
  GstStructure *s = gst_caps_get_structure (caps, 0);
  if (g_strcmp0 (codec.name, "h264") == 0) {
    const char *plid =
        h264_profile_level_id.empty () ? "42e01f" : h264_profile_level_id.c_str ();
    gst_structure_set (s, "packetization-mode", G_TYPE_STRING, "1", "profile-level-id",
        G_TYPE_STRING, plid, "level-asymmetry-allowed", G_TYPE_STRING, "1", nullptr);
  } else if (g_strcmp0 (codec.name, "opus") == 0) {
    /* Chromium refuses Opus without its channel count (opus/48000/2). */
    gst_structure_set (s, "encoding-params", G_TYPE_STRING, "2", nullptr);
  }
  if (twcc_ext_id) {
    g_autofree gchar *field = g_strdup_printf ("extmap-%u", twcc_ext_id);
    gst_structure_set (s, field, G_TYPE_STRING, TWCC_EXTENSION_URI, nullptr);
  }
  if (mid_ext_id) {
    g_autofree gchar *field = g_strdup_printf ("extmap-%u", mid_ext_id);
    gst_structure_set (s, field, G_TYPE_STRING, MID_EXTENSION_URI, nullptr);
  }
  /* webrtcbin declares it: a=ssrc:SSRC msid:... and cname. */
  if (ssrc)
    gst_structure_set (s, "ssrc", G_TYPE_UINT, ssrc, nullptr);
  return caps;
}

/* libvpx's VP8 threads=2 costs 40-60 % more CPU than one thread up to 720p30
 * and encodes a frame no sooner (8.4 ms either way here); at 1080p30 one
 * thread takes 18.6 ms a frame against 15 ms. A second thread only past
 * 1080p30, where one would not keep up. */
constexpr double VP8_ONE_THREAD_MAX_PIXEL_RATE = 1920.0 * 1080 * 30;

/* Frames between keyframes the encoder makes on its own: about 100 s at
 * 30 fps, as browsers do (libwebrtc's VP8 default is 3000). A viewer gets a
 * keyframe when it joins, when it moves between tiers and when it asks
 * (PLI or FIR after a loss that retransmission did not repair), so a
 * regular one adds only a burst. Every 60 frames (the setting until
 * 2026-12-07), each burst queued at a 1 Mbit/s bottleneck long enough to
 * read as congestion: the estimate was cut every 2 s, in step with the
 * keyframes, and used 80 % of the link (bench/RESULTS.md, capped-link). */
constexpr unsigned KEYFRAME_INTERVAL_FRAMES = 3000;

/* Every encoder branch has "picture-size", a capsfilter that congestion
 * control sets to a smaller size when the encoder cannot keep to its
 * bitrate at full size (picture-size.h). videoscale comes right before it:
 * the caps may change while a frame is on its way, and only videoscale can
 * make any size from the frame it has (a videoconvert there failed with
 * not-negotiated). */

namespace {

bool
kbps_in_opus_range (unsigned kbps)
{
  return kbps >= 6 && kbps <= 510;
}

} // namespace

std::string
encoder_description (const Codec &codec, unsigned video_bitrate_kbps, double pixel_rate)
{
  std::string kbps = std::to_string (video_bitrate_kbps);
  if (g_strcmp0 (codec.name, "vp8") == 0)
    /* No max-quantizer below libvpx's 63: with 56 it overshot the target by
     * half (3.0 Mbit/s for 2000 kbit/s at 720p). */
    return std::string ("queue max-size-buffers=2 max-size-bytes=0 max-size-time=0 leaky=downstream"
           " ! videoconvert ! videoscale ! capsfilter name=picture-size caps=video/x-raw"
           " ! vp8enc name=encoder deadline=1 cpu-used=8 end-usage=cbr lag-in-frames=0"
           " error-resilient=partitions buffer-size=1000"
           " buffer-initial-size=500 buffer-optimal-size=600 undershoot=95 min-quantizer=4")
        + " keyframe-max-dist=" + std::to_string (KEYFRAME_INTERVAL_FRAMES)
        + " threads=" + (pixel_rate > VP8_ONE_THREAD_MAX_PIXEL_RATE ? "2" : "1")
        + " target-bitrate=" + std::to_string (video_bitrate_kbps * 1000);
  if (g_strcmp0 (codec.name, "vp9") == 0)
    /* The rate control's buffer as VP8's: with libvpx's (6 s) a keyframe
     * after a size change at 720p and 850 kbit/s was 460 kbit, more than a
     * 1 Mbit/s link's queue (400 ms) takes, and the viewer froze for 2 s;
     * with these, 237 kbit (forced keyframes 130-145 against 230-310). */
    return "queue max-size-buffers=2 max-size-bytes=0 max-size-time=0 leaky=downstream"
           " ! videoconvert ! videoscale ! capsfilter name=picture-size caps=video/x-raw"
           " ! vp9enc name=encoder deadline=1 cpu-used=8 end-usage=cbr"
           " buffer-size=1000 buffer-initial-size=500 buffer-optimal-size=600"
           " lag-in-frames=0 error-resilient=default threads=2 row-mt=true"
           " keyframe-max-dist=" + std::to_string (KEYFRAME_INTERVAL_FRAMES) +
           " target-bitrate=" + std::to_string (video_bitrate_kbps * 1000);
  if (g_strcmp0 (codec.name, "h264") == 0)
    /* Browsers' way: constrained baseline, no B-frames, in-band parameter sets. */
    return "queue max-size-buffers=2 max-size-bytes=0 max-size-time=0 leaky=downstream"
           " ! videoconvert ! videoscale ! capsfilter name=picture-size caps=video/x-raw"
           " ! x264enc name=encoder tune=zerolatency speed-preset=ultrafast bframes=0"
           " key-int-max=" + std::to_string (KEYFRAME_INTERVAL_FRAMES) +
           " b-adapt=false rc-lookahead=0 sliced-threads=true bitrate=" + kbps +
        " ! video/x-h264,profile=constrained-baseline,stream-format=byte-stream,alignment=au"
        " ! h264parse config-interval=-1";
  /* opus: at the level congestion control gives the viewers of this
   * encoder, and that level's frame size (tier-plan.h); 64 kbit/s in 20 ms
   * frames by default. */
  unsigned opus_kbps = kbps_in_opus_range (video_bitrate_kbps) ? video_bitrate_kbps : AUDIO_FULL_KBPS;
  return "queue max-size-buffers=0 max-size-bytes=0 max-size-time=200000000 leaky=downstream"
         " ! audioconvert ! audioresample ! opusenc name=encoder bitrate=" +
         std::to_string (opus_kbps * 1000) + " audio-type=voice frame-size=" +
         std::to_string (audio_frame_ms (opus_kbps));
}

GstElement *
make_payloader (const Codec &codec, unsigned pt, const RtpStreamSetup &setup,
    const std::string &h264_profile_level_id)
{
  GstElement *pay = gst_element_factory_make (codec.payloader, nullptr);
  if (!pay)
    return nullptr;
  g_object_set (pay, "pt", pt, nullptr);
  if (setup.ssrc)
    g_object_set (pay, "ssrc", setup.ssrc, nullptr);
  if (g_object_class_find_property (G_OBJECT_GET_CLASS (pay), "config-interval"))
    g_object_set (pay, "config-interval", -1, nullptr);
  if (g_strcmp0 (codec.name, "vp8") == 0 || g_strcmp0 (codec.name, "vp9") == 0)
    gst_util_set_object_arg (G_OBJECT (pay), "picture-id-mode", "15-bit");
  if (setup.twcc_id) {
    GstRTPHeaderExtension *ext = gst_rtp_header_extension_create_from_uri (TWCC_EXTENSION_URI);
    if (ext) {
      gst_rtp_header_extension_set_id (ext, setup.twcc_id);
      g_signal_emit_by_name (pay, "add-extension", ext);
      gst_object_unref (ext);
    }
  }
  if (setup.mid_id && !setup.mid.empty ()) {
    GstRTPHeaderExtension *ext = gst_rtp_header_extension_create_from_uri (MID_EXTENSION_URI);
    if (ext) {
      gst_rtp_header_extension_set_id (ext, setup.mid_id);
      g_object_set (ext, "mid", setup.mid.c_str (), nullptr);
      g_signal_emit_by_name (pay, "add-extension", ext);
      gst_object_unref (ext);
    }
  }
  if (g_strcmp0 (codec.name, "h264") != 0)
    return pay;

  gst_util_set_object_arg (G_OBJECT (pay), "aggregate-mode", "zero-latency");
  /* webrtcbin 1.22 compares profile-level-id as a string (B2): x264's
   * constrained baseline is 42c0xx with a level that follows the picture
   * size, the negotiated one 42e01f. Both are constrained baseline, and
   * level-asymmetry-allowed=1 lets the level differ: announce the
   * negotiated value. Pre-encoded input announces the value of its codec
   * preferences the same way. */
  GstElement *fixup = gst_element_factory_make ("capssetter", nullptr);
  GstCaps *caps = codec_rtp_caps (codec, pt, 0, h264_profile_level_id);
  GstStructure *s = gst_caps_get_structure (caps, 0);
  const char *keep[] = { "profile-level-id", nullptr };
  gst_structure_filter_and_map_in_place (s,
      [] (GQuark field, GValue *, gpointer keep) -> gboolean {
        for (const char **k = static_cast<const char **> (keep); *k; k++)
          if (g_quark_from_string (*k) == field)
            return TRUE;
        return FALSE;
      },
      keep);
  g_object_set (fixup, "caps", caps, "join", TRUE, "replace", FALSE, nullptr);
  gst_caps_unref (caps);
  GstElement *bin = gst_bin_new (nullptr);
  gst_bin_add_many (GST_BIN (bin), pay, fixup, nullptr);
  gst_element_link (pay, fixup);
  GstPad *sink = gst_element_get_static_pad (pay, "sink");
  GstPad *src = gst_element_get_static_pad (fixup, "src");
  gst_element_add_pad (bin, gst_ghost_pad_new ("sink", sink));
  gst_element_add_pad (bin, gst_ghost_pad_new ("src", src));
  gst_object_unref (sink);
  gst_object_unref (src);
  return bin;
}

std::optional<unsigned>
find_offered_pt (const GstSDPMedia *media, const Codec &codec)
{
  if (auto pt = first_usable_pt (media, codec, H264Rule::ConstrainedBaseline, ""))
    return pt;
  return first_usable_pt (media, codec, H264Rule::AnyProfile, "");
}

std::optional<unsigned>
find_sendable_pt (const GstSDPMedia *media, const Codec &codec,
    const std::string &h264_stream_profile)
{
  if (h264_stream_profile.empty ())
    return first_usable_pt (media, codec, H264Rule::ConstrainedBaseline, "");
  return first_usable_pt (media, codec, H264Rule::Stream, h264_stream_profile);
}

std::string
fmtp_value (const GstSDPMedia *media, unsigned pt, const char *key)
{
  return fmtp_param (media, pt, key);
}

const Codec *
codec_for_pt (const GstSDPMedia *media, unsigned pt, const std::vector<const Codec *> &candidates)
{
  std::string rtpmap = rtpmap_of (media, pt);
  for (const Codec *codec : candidates)
    if (rtpmap_matches (rtpmap, *codec))
      return codec;
  return nullptr;
}

/* ---- pre-encoded input ---- */

const Codec *
codec_for_encoded_caps (const GstCaps *caps)
{
  if (!caps || gst_caps_get_size (caps) == 0)
    return nullptr;
  const char *name = gst_structure_get_name (gst_caps_get_structure (caps, 0));
  for (const char *codec : { "h264", "vp8", "opus" }) {
    const Codec *c = find_codec (codec);
    if (g_strcmp0 (name, c->encoded_caps) == 0)
      return c;
  }
  return nullptr;
}

const char *
input_caps (MediaKind kind)
{
  return kind == MediaKind::Video ? "video/x-raw; video/x-h264; video/x-vp8"
                                  : "audio/x-raw; audio/x-opus";
}

std::optional<std::string>
h264_profile_level_id (const GstCaps *caps, std::string *error)
{
  const GstStructure *s = gst_caps_get_structure (caps, 0);
  const char *profile = gst_structure_get_string (s, "profile");
  const char *level = gst_structure_get_string (s, "level");
  const H264ProfileName *found = nullptr;
  for (const auto &p : h264_profiles)
    if (g_strcmp0 (profile ? profile : "constrained-baseline", p.name) == 0)
      found = &p;
  if (!found) {
    *error = std::string ("H264 profile '") + profile + "' is not one browsers decode "
        "(constrained-baseline, baseline, main, high)";
    return std::nullopt;
  }
  unsigned level_idc = level ? gst_codec_utils_h264_get_level_idc (level) : 31;
  if (level_idc == 0)
    level_idc = 31;
  /* Level 1b is 1.1 with constraint_set3 in (constrained) baseline and main. */
  unsigned constraints = found->constraints;
  if (level && g_strcmp0 (level, "1b") == 0 && found->idc != 0x64) {
    level_idc = 11;
    constraints |= 0x10;
  }
  g_autofree gchar *plid = g_strdup_printf ("%02x%02x%02x", found->idc, constraints, level_idc);
  return std::string (plid);
}

std::string
h264_profile_name (const std::string &plid)
{
  int idc = plid_byte (plid, 0), constraints = plid_byte (plid, 2);
  if (idc < 0 || constraints < 0)
    return "unknown (" + plid + ")";
  switch (idc) {
    case 0x42: return constraints & 0x40 ? "constrained-baseline" : "baseline";
    case 0x4d: return constraints & 0x40 ? "constrained-baseline" : "main";
    case 0x58: return "extended";
    case 0x64:
      if ((constraints & 0x0c) == 0x0c)
        return "constrained-high";
      return constraints & 0x08 ? "progressive-high" : "high";
    case 0x6e: return "high-10";
    case 0x7a: return "high-4:2:2";
    case 0xf4: return "high-4:4:4";
    default: return "profile_idc " + std::to_string (idc);
  }
}

bool
h264_profile_decodes (const std::string &decoder_plid, const std::string &stream_plid)
{
  int d_idc = plid_byte (decoder_plid, 0), d_cons = plid_byte (decoder_plid, 2);
  int s_idc = plid_byte (stream_plid, 0), s_cons = plid_byte (stream_plid, 2);
  if (d_idc < 0 || d_cons < 0 || s_idc < 0 || s_cons < 0)
    return false;
  return idc_decodes (d_idc, d_cons, s_idc, s_cons);
}

std::vector<std::string>
h264_offered_profiles (const std::string &stream_plid)
{
  std::vector<std::string> result { stream_plid };
  if (plid_byte (stream_plid, 0) == 0x64)
    result.push_back ("f400" + stream_plid.substr (4));
  return result;
}

std::string
encoded_input_description (const Codec &codec)
{
  if (g_strcmp0 (codec.name, "h264") == 0)
    return "h264parse config-interval=-1"
           " ! capsfilter caps=\"video/x-h264,stream-format=byte-stream,alignment=au\"";
  return "identity silent=true";
}

} // namespace gstsig
