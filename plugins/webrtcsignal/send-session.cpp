/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "send-session.h"

#include "bin-utils.h"
#include "red-extensions.h"
#include "rtx-history.h"
#include "sdp-utils.h"
#include "secure-random.h"
#include "tier-plan.h"
#include "viewer-congestion.h"

#include <gst/sdp/sdp.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <optional>

GST_DEBUG_CATEGORY_EXTERN (gst_sig_send_debug);
#define GST_CAT_DEFAULT gst_sig_send_debug

namespace gstsig {

SendSession::SendSession (GstBin *bin, std::string id, std::string peer_id,
    SendSettings settings, std::shared_ptr<SessionLink> link)
    : WebrtcSession (bin, std::move (id), std::move (peer_id), settings.ice, std::move (link)),
      settings_ (std::move (settings))
{
  stats_ = std::make_unique<SessionStatsTracker> ("producer", peer_id_);
}

SendSession::~SendSession ()
{
  stop ();
  if (offer_)
    gst_webrtc_session_description_free (offer_);
}

namespace {

/* The H264 payload type of the second profile we offer for pre-encoded
 * High (see h264_offered_profiles). */
constexpr unsigned H264_ALIAS_PT = 104;

/* "H264 (42001f, 4d001f), VP8, OPUS": what a media section offers. */
std::string
offered_codecs (const GstSDPMedia *media)
{
  std::vector<std::string> names;
  std::string h264;
  for (guint i = 0; i < gst_sdp_media_formats_len (media); i++) {
    unsigned pt = strtoul (gst_sdp_media_get_format (media, i), nullptr, 10);
    GstCaps *caps = gst_sdp_media_get_caps_from_media (media, pt);
    if (!caps)
      continue;
    const char *name = gst_structure_get_string (gst_caps_get_structure (caps, 0),
        "encoding-name");
    std::string n = name ? name : "";
    if (g_ascii_strcasecmp (n.c_str (), "H264") == 0) {
      std::string plid = fmtp_value (media, pt, "profile-level-id");
      if (!plid.empty () && h264.find (plid) == std::string::npos)
        h264 += (h264.empty () ? "" : ", ") + plid;
    }
    bool seen = n.empty () || n == "rtx" || n == "RTX" || n == "red" || n == "RED" ||
        n == "ulpfec" || n == "ULPFEC";
    for (const auto &known : names)
      seen = seen || known == n;
    if (!seen)
      names.push_back (n);
    gst_caps_unref (caps);
  }
  std::string result;
  for (const auto &n : names)
    result += (result.empty () ? "" : ", ") + n +
        (g_ascii_strcasecmp (n.c_str (), "H264") == 0 && !h264.empty () ? " (" + h264 + ")" : "");
  return result.empty () ? "nothing" : result;
}

/* "H264 high (640028)" or "VP8": pre-encoded input as a user knows it. */
std::string
describe (const InputForm &form)
{
  std::string name = form.codec->encoding_name;
  if (!form.h264_profile.empty ())
    name += " " + h264_profile_name (form.h264_profile) + " (profile-level-id " +
        form.h264_profile + ")";
  return name;
}

/* "element-added" of the webrtcbin of a session whose inputs are all live.
 * webrtcbin 1.22 puts a clocksync (sync=true) in front of each stream it
 * sends, which holds every buffer until its running time plus the latency
 * upstream declares: a live source's (33 ms for 30 fps) on top of the time
 * it took to encode. Live media is sent as soon as it is encoded, as a
 * browser does; a file keeps it (the pacing sink lets it run ahead by
 * PACE_AHEAD). bench/glass-to-glass.mjs: frames held 24 ms in it, and the
 * stamp-to-arrival time was 36 ms against the plain sender's 12. */
void
send_when_encoded (GstBin *, GstElement *element, gpointer)
{
  if (is_from_factory (element, "clocksync"))
    g_object_set (element, "sync", FALSE, nullptr);
}

/* The payload type "a=rtpmap:PT name/..." gives name (case-insensitive). */
std::optional<unsigned>
find_rtpmap_pt (const GstSDPMedia *media, const char *name)
{
  size_t length = strlen (name);
  for (guint i = 0; i < gst_sdp_media_attributes_len (media); i++) {
    const GstSDPAttribute *a = gst_sdp_media_get_attribute (media, i);
    if (g_strcmp0 (a->key, "rtpmap") != 0 || !a->value)
      continue;
    const char *space = strchr (a->value, ' ');
    if (space && g_ascii_strncasecmp (space + 1, name, length) == 0 && space[1 + length] == '/')
      return (unsigned) strtoul (a->value, nullptr, 10);
  }
  return std::nullopt;
}

} // namespace

void
SendSession::warn (const std::string &what)
{
  GST_ELEMENT_WARNING (GST_ELEMENT (bin_), STREAM, FAILED,
      ("Could not start a session with a consumer: %s.", what.c_str ()),
      ("session %s, peer %s", id_.c_str (), peer_id_.c_str ()));
}

GstCaps *
SendSession::preferences_for (Track &track, const GstSDPMessage *offer) const
{
  GstCaps *caps = codecs_for (track, offer);
  /* Declared once per media section: on its first codec (on each,
   * webrtcbin would repeat the lines). */
  if (gst_caps_get_size (caps) > 0)
    gst_structure_set (gst_caps_get_structure (caps, 0), "ssrc", G_TYPE_UINT, track.ssrc,
        nullptr);
  return caps;
}

GstCaps *
SendSession::codecs_for (Track &track, const GstSDPMessage *offer) const
{
  const auto &codecs = track.input->kind () == MediaKind::Video ? settings_.video_codecs
                                                                 : settings_.audio_codecs;
  GstCaps *caps = gst_caps_new_empty ();
  /* transport-cc only for congestion control: its feedback, about 13
   * packets a second more from each browser, is most of what a viewer
   * costs above a plain webrtcbin sender's (bench/RESULTS.md). */
  const unsigned twcc_offered = settings_.congestion_control ? OFFER_TWCC_EXT_ID : 0;
  auto form = track.input->form ();
  if (form && form->encoded ()) {
    /* Pre-encoded: its own codec only, H264 with the stream's profile. */
    const Codec &codec = *form->codec;
    bool h264 = !form->h264_profile.empty ();
    if (!offer) {
      if (!h264) {
        gst_caps_append (caps,
            codec_rtp_caps (codec, codec.offer_pt, twcc_offered, "", OFFER_MID_EXT_ID));
        return caps;
      }
      unsigned pt = codec.offer_pt;
      for (const std::string &plid : h264_offered_profiles (form->h264_profile)) {
        gst_caps_append (caps,
            codec_rtp_caps (codec, pt, twcc_offered, plid, OFFER_MID_EXT_ID));
        track.h264_profiles.emplace_back (pt, plid);
        pt = H264_ALIAS_PT;
      }
      return caps;
    }
    const GstSDPMedia *media =
        find_media (offer, media_kind_name (track.input->kind ()), nullptr);
    if (!media)
      return caps;
    unsigned twcc = twcc_offered ? find_extmap_id (media, TWCC_EXTENSION_URI).value_or (0) : 0;
    unsigned mid = find_extmap_id (media, MID_EXTENSION_URI).value_or (0);
    if (auto pt = find_sendable_pt (media, codec, form->h264_profile)) {
      /* The offer's own profile-level-id: webrtcbin 1.22 compares it as a
       * string (B2). */
      std::string plid = h264 ? fmtp_value (media, *pt, "profile-level-id") : "";
      if (h264 && plid.empty ())
        plid = form->h264_profile;
      gst_caps_append (caps, codec_rtp_caps (codec, *pt, twcc, plid, mid));
      if (h264)
        track.h264_profiles.emplace_back (*pt, plid);
    }
    return caps;
  }
  if (!offer) {
    /* We offer every configured codec; the consumer picks. */
    for (const Codec *codec : codecs)
      gst_caps_append (caps,
          codec_rtp_caps (*codec, codec->offer_pt, twcc_offered, "", OFFER_MID_EXT_ID));
    return caps;
  }
  /* Answering: take the payload type and extension id from the offer (B1, B3). */
  const GstSDPMedia *media = find_media (offer, media_kind_name (track.input->kind ()), nullptr);
  if (!media)
    return caps;
  unsigned twcc = twcc_offered ? find_extmap_id (media, TWCC_EXTENSION_URI).value_or (0) : 0;
  unsigned mid = find_extmap_id (media, MID_EXTENSION_URI).value_or (0);
  for (const Codec *codec : codecs) {
    if (auto pt = find_sendable_pt (media, *codec)) {
      gst_caps_append (caps, codec_rtp_caps (*codec, *pt, twcc, "", mid));
      break;
    }
  }
  return caps;
}

bool
SendSession::add_track (InputStream *input, const GstSDPMessage *offer, std::string *error)
{
  Track track;
  track.input = input;
  /* Random, never 0 (which means "none"); the payloader sends it. */
  do
    secure_random_bytes (&track.ssrc, sizeof track.ssrc);
  while (track.ssrc == 0);
  GstCaps *prefs = preferences_for (track, offer);
  auto form = input->form ();
  if (gst_caps_is_empty (prefs) && form && form->encoded ()) {
    gst_caps_unref (prefs);
    const GstSDPMedia *media =
        offer ? find_media (offer, media_kind_name (input->kind ()), nullptr) : nullptr;
    *error = "the consumer does not take " + describe (*form) + ", the pre-encoded input of " +
        input->name () + " (it offers " + (media ? offered_codecs (media) : "no " +
            std::string (media_kind_name (input->kind ()))) + "). Encode the input as something "
        "it takes, or link raw media so that webrtcsend encodes it";
    return false;
  }
  if (gst_caps_is_empty (prefs)) {
    gst_caps_unref (prefs);
    GST_INFO_OBJECT (bin_, "Session %s: the offer has no %s we can send; not sending %s",
        id_.c_str (), input->kind () == MediaKind::Video ? "video codec" : "audio codec",
        input->name ().c_str ());
    return true;
  }
  track.webrtc_pad = gst_element_request_pad_simple (webrtcbin_, "sink_%u");
  if (!track.webrtc_pad) {
    gst_caps_unref (prefs);
    *error = "webrtcbin refused a sink pad";
    return false;
  }
  g_object_get (track.webrtc_pad, "transceiver", &track.transceiver, nullptr);
  g_object_set (track.transceiver, "direction", GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_SENDONLY,
      "codec-preferences", prefs, nullptr);
  if (input->kind () == MediaKind::Video)
    g_object_set (track.transceiver, "do-nack", TRUE, nullptr); /* off by default (B4) */
  if (input->kind () == MediaKind::Video && settings_.fec != FecMode::Off) {
    /* webrtcbin offers RED, ULPFEC and RTX for RED, or takes them from the
     * consumer's offer; it sends nothing more until the percentage says so. */
    track.fec = FecPolicy (settings_.fec, settings_.fec_min_rtt_s);
    g_object_set (track.transceiver, "fec-type", GST_WEBRTC_FEC_TYPE_ULP_RED, "fec-percentage",
        track.fec.percentage (), nullptr);
  }
  if (form && !form->encoded ()) {
    const gchar *first =
        gst_structure_get_string (gst_caps_get_structure (prefs, 0), "encoding-name");
    const auto &codecs = input->kind () == MediaKind::Video ? settings_.video_codecs
                                                             : settings_.audio_codecs;
    for (const Codec *codec : codecs)
      if (first && !track.expected && g_ascii_strcasecmp (codec->encoding_name, first) == 0)
        track.expected = codec;
  }
  g_autofree gchar *prefs_str = gst_caps_to_string (prefs);
  GST_DEBUG_OBJECT (bin_, "Session %s: %s prefers %s", id_.c_str (), input->name ().c_str (),
      prefs_str);
  gst_caps_unref (prefs);
  tracks_.push_back (std::move (track));
  return true;
}






void
SendSession::on_negotiated (const GstWebRTCSessionDescription *answer)
{
  negotiated_ = true;
  bool negotiated_twcc = false;
  for (Track &track : tracks_) {
    guint mline = G_MAXUINT;
    g_object_get (track.transceiver, "mlineindex", &mline, nullptr);
    if (mline >= gst_sdp_message_medias_len (answer->sdp)) {
      GST_WARNING_OBJECT (bin_, "Session %s: %s has no m-line in the answer (%u)", id_.c_str (),
          track.input->name ().c_str (), mline);
      continue;
    }
    const GstSDPMedia *media = gst_sdp_message_get_media (answer->sdp, mline);
    const char *dir_attr = nullptr;
    for (const char *dir : { "inactive", "sendonly" })
      if (gst_sdp_media_get_attribute_val (media, dir))
        dir_attr = dir;
    /* The answer's direction is from the consumer's point of view when we
     * offered, ours when we answered. */
    bool refused = gst_sdp_media_get_port (media) == 0 || gst_sdp_media_formats_len (media) == 0 ||
        g_strcmp0 (dir_attr, "inactive") == 0 || (we_offered_ && g_strcmp0 (dir_attr, "sendonly") == 0);
    if (refused) {
      GST_INFO_OBJECT (bin_, "Session %s: the consumer does not take %s", id_.c_str (),
          track.input->name ().c_str ());
      if (track.expected)
        track.input->decline (*track.expected);
      auto form = track.input->form ();
      if (form && form->encoded ())
        GST_ELEMENT_WARNING (GST_ELEMENT (bin_), STREAM, FAILED,
            ("A consumer refused %s, pre-encoded %s: it gets no %s. Encode the input as "
             "something it takes, or link raw media so that webrtcsend encodes it.",
                track.input->name ().c_str (), describe (*form).c_str (),
                media_kind_name (track.input->kind ())),
            ("session %s, peer %s", id_.c_str (), peer_id_.c_str ()));
      continue;
    }
    unsigned pt = (unsigned) atoi (gst_sdp_media_get_format (media, 0));
    const auto &codecs = track.input->kind () == MediaKind::Video ? settings_.video_codecs
                                                                   : settings_.audio_codecs;
    const Codec *codec = codec_for_pt (media, pt, codecs);
    if (!codec) {
      GST_WARNING_OBJECT (bin_, "Session %s: negotiated payload type %u of %s is none of ours",
          id_.c_str (), pt, track.input->name ().c_str ());
      continue;
    }
    RtpStreamSetup setup;
    setup.ssrc = track.ssrc;
    /* An answer to a consumer's offer may carry it all the same: without
     * the header extension, the consumer has nothing to give feedback on. */
    setup.twcc_id = settings_.congestion_control
        ? find_extmap_id (media, TWCC_EXTENSION_URI).value_or (0) : 0;
    setup.mid_id = find_extmap_id (media, MID_EXTENSION_URI).value_or (0);
    if (setup.mid_id) {
      g_autofree gchar *mid = nullptr;
      g_object_get (track.transceiver, "mid", &mid, nullptr);
      setup.mid = mid ? mid : "";
    }
    std::string h264_profile;
    for (const auto &entry : track.h264_profiles)
      if (entry.first == pt)
        h264_profile = entry.second;
    negotiated_twcc = negotiated_twcc || setup.twcc_id;
    if (track.input->kind () == MediaKind::Video && settings_.fec != FecMode::Off) {
      if (auto red_pt = find_rtpmap_pt (media, "red")) {
        /* Before the branch is attached: webrtcbin makes its RED encoder
         * when the first packet arrives. */
        RedExtensions ext;
        ext.red_from_start = track.fec.percentage () > 0;
        ext.ssrc = track.ssrc;
        ext.red_pt = *red_pt;
        ext.twcc_id = setup.twcc_id;
        ext.mid_id = setup.mid_id;
        ext.mid = setup.mid;
        restore_red_extensions_in (webrtcbin_, ext);
        track.fec_negotiated = true;
        fec_percentage_ = std::max (fec_percentage_.load (), track.fec.percentage ());
      }
    }
    std::string error;
    if (!track.input->attach (track.branch, *codec, pt, setup, h264_profile,
            settings_.video_bitrate_kbps, settings_.video_tiers, settings_.video_tier_ladder,
            settings_.diagnostics,
            track.webrtc_pad, &error)) {
      fail (error);
      return;
    }
    if (track.expected && track.expected != codec)
      track.input->decline (*track.expected);
    GST_INFO_OBJECT (bin_, "Session %s: sending %s as %s (pt %u%s%s%s)", id_.c_str (),
        track.input->name ().c_str (), codec->name, pt,
        setup.twcc_id ? ", transport-cc" : "", setup.mid_id ? ", mid" : "",
        track.fec_negotiated ? ", RED and ULPFEC" : "");
  }
  start_congestion_control (negotiated_twcc);
}

void
SendSession::start_congestion_control (bool negotiated_twcc)
{
  if (!settings_.congestion_control)
    return;
  if (!negotiated_twcc) {
    GST_INFO_OBJECT (bin_, "Session %s: the consumer did not take transport-cc: no congestion "
        "control, video at video-bitrate", id_.c_str ());
    for (const Track &track : tracks_)
      if (track.branch.codec && track.input->kind () == MediaKind::Video)
        track.input->drop_start_target (*track.branch.codec);
    return;
  }
  /* Every viewer starts at start-bitrate, also one joining viewers that
   * already get more: its link is not known yet. It takes its first frame
   * from the first tier, and the next check of the tiers (every
   * TIER_CHECK_MS) moves it to a tier that fits its start, made for it if
   * none does; as its estimate grows it joins the tier above. */
  const CongestionBounds &bounds = settings_.congestion;
  for (const Track &track : tracks_)
    if (track.branch.codec && track.input->kind () == MediaKind::Audio) {
      auto form = track.input->form ();
      bool encoded = form && form->encoded (); /* pre-encoded: at its own bitrate */
      if (audio_ != AudioLevels::Fixed)
        audio_ = encoded ? AudioLevels::Fixed : AudioLevels::Follow;
    }
  congestion_ = std::make_shared<ViewerCongestion> (bounds,
      [this] (unsigned kbps) { on_congestion_target (kbps); });
  for (Track &track : tracks_)
    if (track.branch.codec && track.webrtc_pad)
      congestion_->attach (track.webrtc_pad);
  on_congestion_target (bounds.start_kbps);
}

/* How long retransmissions are counted over for their share of the link. */
constexpr gint64 RTX_RATE_WINDOW_US = 500 * 1000;

/* Any thread (the feedback's); not after stop () closed congestion_. */
void
SendSession::on_congestion_target (unsigned kbps)
{
  if (rtx_limit_)
    rtx_limit_->set_estimate_kbps (kbps);
  unsigned audio_kbps = audio_ == AudioLevels::None ? 0
      : audio_ == AudioLevels::Fixed ? AUDIO_FULL_KBPS : audio_kbps_for (kbps, audio_kbps_);
  if (audio_kbps != audio_kbps_.exchange (audio_kbps))
    GST_INFO_OBJECT (bin_, "Session %s: audio at %u kbit/s (estimate %u kbit/s)", id_.c_str (),
        audio_kbps, kbps);
  /* Retransmissions travel on the same link: the video gets what they
   * leave, as libwebrtc takes its protection overhead off the encoder's
   * target. Without this, behind a 300 kbit/s cap, 40-60 kbit/s of them on
   * top of an estimate the encoder met kept the link's queue full (a round
   * trip of 450 ms) and the picture stalling for 10 s. */
  gint64 now = g_get_monotonic_time ();
  if (rtx_limit_ && now - rtx_then_us_ >= RTX_RATE_WINDOW_US) {
    uint64_t bytes = rtx_limit_->retransmitted_bytes ();
    if (rtx_then_us_)
      rtx_kbps_ = (unsigned) ((bytes - rtx_bytes_then_) * 8 * 1000 / (uint64_t) (now - rtx_then_us_));
    rtx_bytes_then_ = bytes;
    rtx_then_us_ = now;
  }
  unsigned video = video_share (kbps - std::min (rtx_kbps_, kbps / 2), audio_kbps);
  for (const Track &track : tracks_)
    if (track.branch.codec)
      track.input->set_viewer_target (track.branch,
          track.input->kind () == MediaKind::Video ? video : audio_kbps);
}

/* The video's part of a viewer's estimate (kbit/s): less the audio's share
 * and room for the FEC packets, which travel on the same link. */
unsigned
SendSession::video_share (unsigned kbps, unsigned audio_kbps) const
{
  unsigned audio_share = audio_kbps ? audio_share_kbps (audio_kbps) : 0;
  unsigned video = kbps > audio_share ? kbps - audio_share : 0;
  video = (unsigned) (video * 100ull / (100 + fec_percentage_.load ()));
  return std::max (video, settings_.congestion.min_kbps);
}

bool
SendSession::start (const std::vector<InputStream *> &inputs,
    const GstWebRTCSessionDescription *offer, std::string *error)
{
  if (!create_webrtcbin (error))
    return false;
  bound_rtx_history (webrtcbin_);
  /* Without congestion control there is no estimate, so no budget; the
   * keyframe for a packet asked for again and again is still made. */
  rtx_limit_ = std::make_unique<RetransmissionLimit> ();
  rtx_limit_->attach (webrtcbin_);
  inputs_ = inputs;
  offer_ = offer ? gst_webrtc_session_description_copy (offer) : nullptr;
  std::string waiting;
  for (InputStream *input : inputs)
    if (!input->form ())
      waiting += (waiting.empty () ? "" : ", ") + input->name ();
  if (waiting.empty ())
    return negotiate (error);
  GST_INFO_OBJECT (bin_, "Session %s: waiting for the caps of %s", id_.c_str (),
      waiting.c_str ());
  for (InputStream *input : inputs) {
    input->when_form_known ([this, link = link_] () {
      link->post_if_alive ([this] (WebrtcSession &) { resume (); });
    });
  }
  return true;
}

/* Control thread: an input got its caps. */
void
SendSession::resume ()
{
  if (negotiating_ || failed_)
    return;
  for (InputStream *input : inputs_)
    if (!input->form ())
      return;
  std::string error;
  if (!negotiate (&error)) {
    warn (error);
    fail (error);
  }
}

bool
SendSession::negotiate (std::string *error)
{
  negotiating_ = true;
  const GstWebRTCSessionDescription *offer = offer_;
  for (InputStream *input : inputs_)
    if (!add_track (input, offer ? offer->sdp : nullptr, error))
      return false;
  if (std::all_of (inputs_.begin (), inputs_.end (), [] (InputStream *i) { return i->live (); }))
    g_signal_connect (webrtcbin_, "element-added", G_CALLBACK (send_when_encoded), nullptr);
  if (tracks_.empty ()) {
    *error = offer ? "the consumer's offer has no codec we can send (see video-codecs and "
                     "audio-codecs)"
                   : "webrtcsend has no input to send (link a video_%u or audio_%u pad)";
    return false;
  }
  gst_element_sync_state_with_parent (webrtcbin_);

  we_offered_ = offer == nullptr;
  if (we_offered_) {
    WebrtcSession::offer ();
  } else {
    /* The transceivers' m-lines are known once webrtcbin applied the answer. */
    WebrtcSession::answer (offer,
        [this] (const GstWebRTCSessionDescription *answer) { on_negotiated (answer); });
  }
  prepare_encoders ();
  return true;
}

/* A consumer's first frame needs a keyframe from a running encoder. An
 * encoder started at the answer would still be starting when the consumer
 * connects (its first keyframe took 100-150 ms longer, bench/RESULTS.md);
 * started here, after webrtcbin was asked for the description, it starts
 * while the description, the answer, ICE and DTLS travel. A consumer that
 * leaves before it answers leaves it running, as any consumer does its
 * encoder; one that takes another codec declines it (InputStream::decline). */
void
SendSession::prepare_encoders ()
{
  /* With congestion control, what the consumer's video is expected to
   * start at (start_congestion_control, on_congestion_target). */
  unsigned start_video_kbps = 0;
  if (settings_.congestion_control) {
    bool audio = false;
    for (const Track &track : tracks_)
      audio = audio || (track.expected && track.input->kind () == MediaKind::Audio);
    unsigned start = settings_.congestion.start_kbps;
    start_video_kbps = video_share (start, audio ? audio_kbps_for (start, 0) : 0);
  }
  for (Track &track : tracks_) {
    if (!track.expected)
      continue;
    std::string error;
    if (!track.input->prepare (*track.expected, settings_.video_bitrate_kbps,
            settings_.video_tiers, settings_.video_tier_ladder, start_video_kbps, &error))
      GST_WARNING_OBJECT (bin_, "Session %s: could not start the %s encoder of %s ahead: %s",
          id_.c_str (), track.expected->name, track.input->name ().c_str (), error.c_str ());
  }
}

void
SendSession::on_remote_description (const GstWebRTCSessionDescription *desc)
{
  if (!we_offered_ || desc->type != GST_WEBRTC_SDP_TYPE_ANSWER || negotiated_) {
    GST_WARNING_OBJECT (bin_, "Session %s: ignoring an unexpected %s (renegotiation is not "
        "supported)", id_.c_str (), gst_webrtc_sdp_type_to_string (desc->type));
    return;
  }
  accept_answer (desc,
      [this] (const GstWebRTCSessionDescription *answer) { on_negotiated (answer); });
}

void
SendSession::add_own_figures (GstStructure *stats)
{
  gint64 now = g_get_monotonic_time ();
  double rtt = -1;
  gst_structure_get_double (stats, "rtt", &rtt);
  if (congestion_)
    congestion_->add_figures (stats);
  if (unsigned audio_kbps = audio_kbps_)
    gst_structure_set (stats, "audio-target-bitrate", G_TYPE_UINT, audio_kbps * 1000, nullptr);
  if (rtx_limit_)
    gst_structure_set (stats, "retransmissions-dropped", G_TYPE_UINT64,
        (guint64) rtx_limit_->dropped (), "keyframes-for-repeated-nacks", G_TYPE_UINT64,
        (guint64) rtx_limit_->keyframes_asked (), nullptr);
  update_fec (stats);
  if (webrtcbin_) {
    if (unsigned history = size_rtx_history (webrtcbin_, rtt))
      gst_structure_set (stats, "rtx-history-ms", G_TYPE_UINT, history, nullptr);
  }
  for (Track &track : tracks_) {
    if (!track.branch.codec || track.input->kind () != MediaKind::Video)
      continue;
    guint64 frames = track.input->encoded_frames (track.branch);
    /* Fewer than last time: the viewer moved to another tier's encoder
     * (input-tiers.cpp); no rate across the move. */
    if (track.last_frames_us && now > track.last_frames_us && frames >= track.last_frames)
      gst_structure_set (stats, "fps", G_TYPE_DOUBLE,
          (frames - track.last_frames) * 1e6 / (now - track.last_frames_us), nullptr);
    track.last_frames = frames;
    track.last_frames_us = now;
    int width = 0, height = 0;
    track.input->frame_size (track.branch, &width, &height);
    if (width && height)
      gst_structure_set (stats, "frame-width", G_TYPE_INT, width, "frame-height", G_TYPE_INT,
          height, nullptr);
  }
  for (const Track &track : tracks_) {
    if (!track.branch.diag)
      continue;
    GstStructure *figures = nullptr;
    g_object_get (track.branch.diag, "stats", &figures, nullptr);
    if (!figures)
      continue;
    gst_structure_set (stats, ("rtpdiag-" + track.input->name ()).c_str (), GST_TYPE_STRUCTURE,
        figures, nullptr);
    gst_structure_free (figures);
  }
}

/* Control thread: the FEC share of each video track follows the loss and
 * round trip the viewer's receiver reports give (fraction-lost, rtt). */
void
SendSession::update_fec (GstStructure *stats)
{
  double loss = -1, rtt = -1;
  gst_structure_get_double (stats, "fraction-lost", &loss);
  gst_structure_get_double (stats, "rtt", &rtt);
  unsigned most = 0;
  for (Track &track : tracks_) {
    if (!track.fec_negotiated)
      continue;
    if (!track.red_encoder && track.webrtc_pad)
      track.red_encoder = red_encoder_of (track.webrtc_pad);
    unsigned before = track.fec.percentage ();
    unsigned now = track.fec.on_report (loss, rtt);
    /* Wrapped in RED before the first FEC packet, unwrapped after the
     * last: without FEC, RED would cost each packet a copy for nothing. */
    if (track.red_encoder && now > 0)
      wrap_in_red (track.red_encoder, true);
    if (now != before) {
      GST_INFO_OBJECT (bin_, "Session %s: FEC of %s %u %% (loss %.1f %%, round trip %.0f ms)",
          id_.c_str (), track.input->name ().c_str (), now, track.fec.smoothed_loss () * 100,
          rtt * 1000);
      g_object_set (track.transceiver, "fec-percentage", now, nullptr);
    }
    if (track.red_encoder && now == 0)
      wrap_in_red (track.red_encoder, false);
    most = std::max (most, now);
    gst_structure_set (stats, "fec-percentage", G_TYPE_UINT, now, nullptr);
  }
  fec_percentage_ = most;
}

void
SendSession::stop ()
{
  {
    std::lock_guard<std::mutex> guard (link_->lock);
    link_->alive = false;
  }
  /* Order matters: no new data into the branches; then webrtcbin stops
   * (in PAUSED its network sinks hold the branches' streaming threads,
   * waiting to preroll; stopped, they answer FLUSHING); then the branches
   * stop; only then are webrtcbin's pads released (earlier, a branch
   * would push into an unlinked pad: a not-linked error). */
  if (rtx_limit_)
    rtx_limit_->close ();
  if (congestion_) {
    congestion_->close ();
    for (Track &track : tracks_)
      track.input->forget_viewer (track.branch);
  }
  for (Track &track : tracks_)
    track.input->cut (track.branch);
  if (webrtcbin_) {
    close_srtp_input ();
    gst_element_set_locked_state (webrtcbin_, TRUE);
    gst_element_set_state (webrtcbin_, GST_STATE_NULL);
  }
  for (Track &track : tracks_) {
    track.input->detach (track.branch);
    if (webrtcbin_ && track.webrtc_pad)
      gst_element_release_request_pad (webrtcbin_, track.webrtc_pad);
    gst_clear_object (&track.webrtc_pad);
    gst_clear_object (&track.transceiver);
    gst_clear_object (&track.red_encoder);
  }
  tracks_.clear ();
  WebrtcSession::stop ();
}

} // namespace gstsig
