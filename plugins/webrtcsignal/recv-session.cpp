/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "recv-session.h"

#include "sdp-utils.h"

#include <cstdlib>

GST_DEBUG_CATEGORY_EXTERN (gst_sig_recv_debug);
#define GST_CAT_DEFAULT gst_sig_recv_debug

namespace gstsig {

namespace {

struct StreamData {
  std::shared_ptr<SessionLink> link;
  RecvSession::StreamHandler handler;
};

/* Any RTP from the peer proves it is still there. */
GstPadProbeReturn
note_activity (GstPad *, GstPadProbeInfo *, gpointer data)
{
  static_cast<SessionLink *> (data)->last_activity_us = g_get_monotonic_time ();
  return GST_PAD_PROBE_OK;
}

void
on_pad_added (GstElement *, GstPad *pad, gpointer user_data)
{
  auto data = static_cast<StreamData *> (user_data);
  if (GST_PAD_DIRECTION (pad) != GST_PAD_SRC)
    return;
  {
    std::lock_guard<std::mutex> guard (data->link->lock);
    if (!data->link->alive)
      return;
  }
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, note_activity, data->link.get (), nullptr);
  data->handler (pad);
}

} // namespace

RecvSession::RecvSession (GstBin *bin, std::string id, std::string peer_id,
    RecvSettings settings, std::shared_ptr<SessionLink> link, StreamHandler on_stream)
    : WebrtcSession (bin, std::move (id), std::move (peer_id), settings.ice, std::move (link)),
      settings_ (std::move (settings)), on_stream_ (std::move (on_stream))
{
  stats_ = std::make_unique<SessionStatsTracker> ("consumer", peer_id_);
}

RecvSession::~RecvSession ()
{
  stop ();
}

bool
RecvSession::start (std::string *error)
{
  if (!create_webrtcbin (error))
    return false;
  g_signal_connect_data (webrtcbin_, "pad-added", G_CALLBACK (on_pad_added),
      new StreamData { link_, on_stream_ },
      [] (gpointer data, GClosure *) { delete static_cast<StreamData *> (data); },
      (GConnectFlags) 0);
  gst_element_sync_state_with_parent (webrtcbin_);
  return true;
}

const Codec *
RecvSession::preferred_codec (const GstSDPMedia *media, unsigned *pt) const
{
  const char *kind = gst_sdp_media_get_media (media);
  const auto &codecs = g_strcmp0 (kind, "video") == 0 ? settings_.video_codecs
      : g_strcmp0 (kind, "audio") == 0                ? settings_.audio_codecs
                                                      : std::vector<const Codec *> ();
  for (const Codec *codec : codecs) {
    if (auto found = find_offered_pt (media, *codec)) {
      *pt = *found;
      return codec;
    }
  }
  return nullptr;
}

unsigned
RecvSession::add_transceivers (const GstSDPMessage *offer, std::string *offered)
{
  unsigned usable = 0;
  for (guint i = 0; i < gst_sdp_message_medias_len (offer); i++) {
    const GstSDPMedia *media = gst_sdp_message_get_media (offer, i);
    for (guint f = 0; f < gst_sdp_media_formats_len (media); f++) {
      unsigned pt = strtoul (gst_sdp_media_get_format (media, f), nullptr, 10);
      GstCaps *caps = gst_sdp_media_get_caps_from_media (media, pt);
      if (!caps)
        continue;
      const char *name = gst_structure_get_string (gst_caps_get_structure (caps, 0),
          "encoding-name");
      if (name && g_ascii_strcasecmp (name, "rtx") != 0 && g_ascii_strcasecmp (name, "red") != 0
          && g_ascii_strcasecmp (name, "ulpfec") != 0 && offered->find (name) == std::string::npos)
        *offered += (offered->empty () ? "" : ", ") + std::string (name);
      gst_caps_unref (caps);
    }
    unsigned pt = 0;
    const Codec *codec = preferred_codec (media, &pt);
    if (!codec)
      continue;
    /* The offer's own parameters for that payload type (B1, B2). */
    GstCaps *caps = gst_sdp_media_get_caps_from_media (media, pt);
    if (!caps)
      continue;
    GstStructure *s = gst_caps_get_structure (caps, 0);
    gst_structure_set_name (s, "application/x-rtp");
    gst_structure_set (s, "media", G_TYPE_STRING, gst_sdp_media_get_media (media), nullptr);
    /* Transport-wide congestion control: taking the offer's header
     * extension makes webrtcbin's rtpsession send transport feedback, which
     * the sender's congestion control (a browser's, webrtcsend's) needs. */
    if (auto twcc = find_extmap_id (media, TWCC_EXTENSION_URI)) {
      g_autofree gchar *field = g_strdup_printf ("extmap-%u", *twcc);
      gst_structure_set (s, field, G_TYPE_STRING, TWCC_EXTENSION_URI, nullptr);
    }
    GstWebRTCRTPTransceiver *trans = nullptr;
    g_signal_emit_by_name (webrtcbin_, "add-transceiver",
        GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_RECVONLY, caps, &trans);
    if (trans) {
      if (codec->kind == MediaKind::Video)
        g_object_set (trans, "do-nack", TRUE, nullptr); /* ask for retransmissions (B4) */
      gst_object_unref (trans);
      usable++;
      GST_INFO_OBJECT (bin_, "Session %s: m-line %u will be received as %s (pt %u)",
          id_.c_str (), i, codec->name, pt);
    }
    gst_caps_unref (caps);
  }
  return usable;
}

/* When we offer (WHEP), H264 besides constrained baseline (42e01f at the
 * codec's payload type): baseline, main and high, on payload types no other
 * codec of ours offers. */
const std::pair<unsigned, const char *> H264_EXTRA_OFFERED_PROFILES[] = {
  { 100, "42001f" }, { 101, "4d001f" }, { 103, "64001f" },
};

bool
RecvSession::add_offer_transceiver (MediaKind kind, std::string *error)
{
  const auto &codecs = kind == MediaKind::Video ? settings_.video_codecs : settings_.audio_codecs;
  if (codecs.empty ())
    return true;
  GstCaps *caps = gst_caps_new_empty ();
  for (const Codec *codec : codecs) {
    /* With the transport-cc header extension: we send transport feedback. */
    gst_caps_append (caps, codec_rtp_caps (*codec, codec->offer_pt, OFFER_TWCC_EXT_ID));
    /* We decode every H264 profile; a server that matches profiles (a
     * High stream from OBS) needs to see its own among ours. */
    if (g_strcmp0 (codec->name, "h264") == 0)
      for (const auto &extra : H264_EXTRA_OFFERED_PROFILES)
        gst_caps_append (caps, codec_rtp_caps (*codec, extra.first, OFFER_TWCC_EXT_ID, extra.second));
  }
  GstWebRTCRTPTransceiver *trans = nullptr;
  g_signal_emit_by_name (webrtcbin_, "add-transceiver",
      GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_RECVONLY, caps, &trans);
  gst_caps_unref (caps);
  if (!trans) {
    *error = std::string ("webrtcbin refused a receive-only ") + media_kind_name (kind) +
        " transceiver";
    return false;
  }
  if (kind == MediaKind::Video)
    g_object_set (trans, "do-nack", TRUE, nullptr); /* ask for retransmissions (B4) */
  gst_object_unref (trans);
  return true;
}

bool
RecvSession::start_offer (std::string *error)
{
  if (settings_.video_codecs.empty () && settings_.audio_codecs.empty ()) {
    *error = "nothing to ask for: video-codecs and audio-codecs are both empty";
    return false;
  }
  if (!add_offer_transceiver (MediaKind::Video, error) ||
      !add_offer_transceiver (MediaKind::Audio, error))
    return false;
  offering_ = true;
  offer ();
  return true;
}

/* Offering: the producer's answer says which m-lines it will send. */
void
RecvSession::on_answer (const GstWebRTCSessionDescription *answer)
{
  negotiated_ = true;
  std::string offered;
  for (guint i = 0; i < gst_sdp_message_medias_len (answer->sdp); i++) {
    const GstSDPMedia *media = gst_sdp_message_get_media (answer->sdp, i);
    bool inactive = gst_sdp_media_get_attribute_val (media, "inactive") != nullptr ||
        gst_sdp_media_get_attribute_val (media, "recvonly") != nullptr;
    if (gst_sdp_media_get_port (media) == 0 || gst_sdp_media_formats_len (media) == 0 || inactive)
      continue;
    unsigned pt = strtoul (gst_sdp_media_get_format (media, 0), nullptr, 10);
    GstCaps *caps = gst_sdp_media_get_caps_from_media (media, pt);
    const char *name = caps ? gst_structure_get_string (gst_caps_get_structure (caps, 0),
        "encoding-name") : nullptr;
    GST_INFO_OBJECT (bin_, "Session %s: the producer sends m-line %u as %s (pt %u)",
        id_.c_str (), i, name ? name : "?", pt);
    if (caps)
      gst_caps_unref (caps);
    expected_streams_++;
  }
  if (expected_streams_ == 0) {
    no_usable_codec_ = true;
    fail ("the producer's answer accepts none of the media we asked for (we offered " +
        receivable_codec_names () + " as configured by video-codecs/audio-codecs)",
        GST_SIG_SESSION_END_REFUSED);
    return;
  }
  accept_answer (answer, [this] (const GstWebRTCSessionDescription *) {
    receive_promptly (webrtcbin_);
  });
}

void
RecvSession::on_remote_description (const GstWebRTCSessionDescription *desc)
{
  if (offering_) {
    if (desc->type != GST_WEBRTC_SDP_TYPE_ANSWER || negotiated_) {
      GST_WARNING_OBJECT (bin_, "Session %s: ignoring an unexpected %s (we offered; "
          "renegotiation is not supported)", id_.c_str (),
          gst_webrtc_sdp_type_to_string (desc->type));
      return;
    }
    on_answer (desc);
    return;
  }
  if (desc->type != GST_WEBRTC_SDP_TYPE_OFFER || negotiated_) {
    GST_WARNING_OBJECT (bin_, "Session %s: ignoring an unexpected %s (renegotiation is not "
        "supported)", id_.c_str (), gst_webrtc_sdp_type_to_string (desc->type));
    return;
  }
  negotiated_ = true;
  std::string offered;
  expected_streams_ = add_transceivers (desc->sdp, &offered);
  if (expected_streams_ == 0) {
    no_usable_codec_ = true;
    fail ("the producer offers no codec we can receive (offered: " +
        (offered.empty () ? std::string ("nothing") : offered) + "; we take " +
        receivable_codec_names () + ")", GST_SIG_SESSION_END_REFUSED);
    return;
  }
  answer (desc, [this] (const GstWebRTCSessionDescription *) { receive_promptly (webrtcbin_); });
}


} // namespace gstsig
