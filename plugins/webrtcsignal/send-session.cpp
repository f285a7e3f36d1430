/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "send-session.h"

#include "ice-utils.h"
#include "sdp-utils.h"

#include <gst/sdp/sdp.h>

GST_DEBUG_CATEGORY_EXTERN (gst_sig_send_debug);
#define GST_CAT_DEFAULT gst_sig_send_debug

namespace gstsig {

namespace {

using DescriptionHandler =
    std::function<void (SendSession &, GstWebRTCSessionDescription *, const std::string &)>;

struct PromiseData {
  std::shared_ptr<SessionLink> link;
  const char *field; /* "offer", "answer" or nullptr */
  DescriptionHandler handler;
};

/* A promise whose outcome (the description in `field`, or an error) is
 * handed to handler on the control thread. */
GstPromise *
promise_to_control (const std::shared_ptr<SessionLink> &link, const char *field,
    DescriptionHandler handler)
{
  auto data = new PromiseData { link, field, std::move (handler) };
  return gst_promise_new_with_change_func (
      [] (GstPromise *promise, gpointer user_data) {
        auto data = static_cast<PromiseData *> (user_data);
        std::string error;
        GstWebRTCSessionDescription *desc = nullptr;
        const GstStructure *reply = nullptr;
        if (gst_promise_wait (promise) != GST_PROMISE_RESULT_REPLIED) {
          error = "webrtcbin did not answer";
        } else if ((reply = gst_promise_get_reply (promise))) {
          GError *gerror = nullptr;
          if (gst_structure_has_field (reply, "error")) {
            gst_structure_get (reply, "error", G_TYPE_ERROR, &gerror, nullptr);
            error = gerror ? gerror->message : "unknown webrtcbin error";
            g_clear_error (&gerror);
          } else if (data->field) {
            gst_structure_get (reply, data->field, GST_TYPE_WEBRTC_SESSION_DESCRIPTION, &desc,
                nullptr);
            if (!desc)
              error = std::string ("webrtcbin gave no ") + data->field;
          }
        } else if (data->field) {
          error = std::string ("webrtcbin gave no ") + data->field;
        }
        std::lock_guard<std::mutex> guard (data->link->lock);
        if (!data->link->alive) {
          if (desc)
            gst_webrtc_session_description_free (desc);
          return;
        }
        auto handler = data->handler;
        data->link->post ([handler, desc, error] (SendSession &session) {
          handler (session, desc, error);
          if (desc)
            gst_webrtc_session_description_free (desc);
        });
      },
      data, [] (gpointer user_data) { delete static_cast<PromiseData *> (user_data); });
}

/* Signal user data: a strong ref to the link, dropped on disconnect. */
gpointer
link_data (const std::shared_ptr<SessionLink> &link)
{
  return new std::shared_ptr<SessionLink> (link);
}

void
free_link_data (gpointer data, GClosure *)
{
  delete static_cast<std::shared_ptr<SessionLink> *> (data);
}

SessionLink &
link_of (gpointer data)
{
  return **static_cast<std::shared_ptr<SessionLink> *> (data);
}

void
on_ice_candidate (GstElement *, guint mline, gchar *candidate, gpointer data)
{
  SessionLink &link = link_of (data);
  std::lock_guard<std::mutex> guard (link.lock);
  if (link.alive)
    gst_sig_signaller_add_ice (link.signaller, link.session_id.c_str (), candidate, mline,
        nullptr);
}

void
on_gathering_state (GstElement *webrtcbin, GParamSpec *, gpointer data)
{
  GstWebRTCICEGatheringState state;
  g_object_get (webrtcbin, "ice-gathering-state", &state, nullptr);
  if (state != GST_WEBRTC_ICE_GATHERING_STATE_COMPLETE)
    return;
  /* webrtcbin 1.22 never signals end-of-candidates: do it ourselves. */
  SessionLink &link = link_of (data);
  std::lock_guard<std::mutex> guard (link.lock);
  if (link.alive)
    gst_sig_signaller_add_ice (link.signaller, link.session_id.c_str (), "", 0, nullptr);
}

void
on_connection_state (GstElement *webrtcbin, GParamSpec *, gpointer data)
{
  GstWebRTCICEConnectionState state;
  g_object_get (webrtcbin, "ice-connection-state", &state, nullptr);
  SessionLink &link = link_of (data);
  std::lock_guard<std::mutex> guard (link.lock);
  if (link.alive)
    link.post ([state] (SendSession &session) { session.on_ice_connection_state (state); });
}

/* RTCP from the peer (receiver reports, BYE) proves it is still there:
 * webrtcbin 1.22 has no ICE consent freshness. */
void
on_ssrc_active (GstElement *, guint, guint, gpointer data)
{
  link_of (data).last_rtcp_us = g_get_monotonic_time ();
}

} // namespace

SendSession::SendSession (GstBin *bin, std::string id, std::string peer_id,
    SessionSettings settings, std::shared_ptr<SessionLink> link)
    : bin_ (bin), id_ (std::move (id)), peer_id_ (std::move (peer_id)),
      settings_ (std::move (settings)), link_ (std::move (link))
{
  created_us_ = g_get_monotonic_time ();
}

SendSession::~SendSession ()
{
  stop ();
}

GstCaps *
SendSession::preferences_for (const Track &track, const GstSDPMessage *offer) const
{
  const auto &codecs = track.input->kind () == MediaKind::Video ? settings_.video_codecs
                                                                 : settings_.audio_codecs;
  GstCaps *caps = gst_caps_new_empty ();
  if (!offer) {
    /* We offer every configured codec; the consumer picks. */
    for (const Codec *codec : codecs)
      gst_caps_append (caps, codec_rtp_caps (*codec, codec->offer_pt, 1));
    return caps;
  }
  /* Answering: take the payload type and extension id from the offer (B1, B3). */
  const GstSDPMedia *media = find_media (offer, media_kind_name (track.input->kind ()), nullptr);
  if (!media)
    return caps;
  unsigned twcc = find_extmap_id (media, TWCC_EXTENSION_URI).value_or (0);
  for (const Codec *codec : codecs) {
    if (auto pt = find_offered_pt (media, *codec)) {
      gst_caps_append (caps, codec_rtp_caps (*codec, *pt, twcc));
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
  GstCaps *prefs = preferences_for (track, offer);
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
  g_autofree gchar *prefs_str = gst_caps_to_string (prefs);
  GST_DEBUG_OBJECT (bin_, "Session %s: %s prefers %s", id_.c_str (), input->name ().c_str (),
      prefs_str);
  gst_caps_unref (prefs);
  tracks_.push_back (std::move (track));
  return true;
}

void
SendSession::connect_webrtcbin_signals ()
{
  g_signal_connect_data (webrtcbin_, "on-ice-candidate", G_CALLBACK (on_ice_candidate),
      link_data (link_), free_link_data, (GConnectFlags) 0);
  g_signal_connect_data (webrtcbin_, "notify::ice-gathering-state",
      G_CALLBACK (on_gathering_state), link_data (link_), free_link_data, (GConnectFlags) 0);
  g_signal_connect_data (webrtcbin_, "notify::ice-connection-state",
      G_CALLBACK (on_connection_state), link_data (link_), free_link_data, (GConnectFlags) 0);
  GstElement *rtpbin = gst_bin_get_by_name (GST_BIN (webrtcbin_), "rtpbin");
  if (rtpbin) {
    g_signal_connect_data (rtpbin, "on-ssrc-active", G_CALLBACK (on_ssrc_active),
        link_data (link_), free_link_data, (GConnectFlags) 0);
    gst_object_unref (rtpbin);
  }
}

bool
SendSession::start (const std::vector<InputStream *> &inputs,
    const GstWebRTCSessionDescription *offer, std::string *error)
{
  webrtcbin_ = gst_element_factory_make ("webrtcbin", ("webrtcbin-" + id_).c_str ());
  if (!webrtcbin_) {
    *error = "webrtcbin is missing (install gstreamer1.0-plugins-bad and gstreamer1.0-nice)";
    return false;
  }
  gst_object_ref_sink (webrtcbin_);
  /* Browsers reject an answer that drops their BUNDLE group (B7). */
  gst_util_set_object_arg (G_OBJECT (webrtcbin_), "bundle-policy", "max-bundle");
  if (!settings_.stun_server.empty ())
    g_object_set (webrtcbin_, "stun-server", settings_.stun_server.c_str (), nullptr);
  for (const auto &turn : settings_.turn_servers) {
    gboolean added = FALSE;
    g_signal_emit_by_name (webrtcbin_, "add-turn-server", turn.c_str (), &added);
    if (!added)
      GST_WARNING_OBJECT (bin_, "webrtcbin refused TURN server %s", turn.c_str ());
  }
  gst_bin_add (bin_, webrtcbin_);
  connect_webrtcbin_signals ();
  if (!restrict_ice_addresses (webrtcbin_, fallback_ice_addresses (), error))
    return false;

  for (InputStream *input : inputs)
    if (!add_track (input, offer ? offer->sdp : nullptr, error))
      return false;
  if (tracks_.empty ()) {
    *error = offer ? "the consumer's offer has no codec we can send (we send " +
            std::string ("the codecs of video-codecs/audio-codecs)")
                   : "webrtcsend has no input to send (link a video_%u or audio_%u pad)";
    return false;
  }
  gst_element_sync_state_with_parent (webrtcbin_);

  we_offered_ = offer == nullptr;
  if (we_offered_) {
    GstPromise *promise = promise_to_control (link_, "offer",
        [] (SendSession &s, GstWebRTCSessionDescription *desc, const std::string &err) {
          if (!desc)
            s.fail ("could not create an offer: " + err);
          else
            s.on_offer_created (desc);
        });
    g_signal_emit_by_name (webrtcbin_, "create-offer", nullptr, promise);
    gst_promise_unref (promise);
  } else {
    GstPromise *promise = promise_to_control (link_, nullptr,
        [] (SendSession &s, GstWebRTCSessionDescription *, const std::string &err) {
          if (!err.empty ()) {
            s.fail ("the consumer's offer was refused: " + err);
            return;
          }
          GstPromise *answer_promise = promise_to_control (s.link_, "answer",
              [] (SendSession &s2, GstWebRTCSessionDescription *desc, const std::string &err2) {
                if (!desc)
                  s2.fail ("could not create an answer: " + err2);
                else
                  s2.on_answer_created (desc);
              });
          g_signal_emit_by_name (s.webrtcbin_, "create-answer", nullptr, answer_promise);
          gst_promise_unref (answer_promise);
        });
    g_signal_emit_by_name (webrtcbin_, "set-remote-description", offer, promise);
    gst_promise_unref (promise);
  }
  return true;
}

void
SendSession::on_offer_created (GstWebRTCSessionDescription *offer)
{
  g_signal_emit_by_name (webrtcbin_, "set-local-description", offer, nullptr);
  GST_DEBUG_OBJECT (bin_, "Session %s: offer\n%s", id_.c_str (),
      session_description_to_text (offer).c_str ());
  gst_sig_signaller_send_sdp (link_->signaller, id_.c_str (), offer);
}

void
SendSession::on_answer_created (GstWebRTCSessionDescription *answer)
{
  g_signal_emit_by_name (webrtcbin_, "set-local-description", answer, nullptr);
  GST_DEBUG_OBJECT (bin_, "Session %s: answer\n%s", id_.c_str (),
      session_description_to_text (answer).c_str ());
  gst_sig_signaller_send_sdp (link_->signaller, id_.c_str (), answer);
  on_negotiated (answer);
}

void
SendSession::on_remote_description (const GstWebRTCSessionDescription *desc)
{
  if (!we_offered_ || desc->type != GST_WEBRTC_SDP_TYPE_ANSWER || negotiated_) {
    GST_WARNING_OBJECT (bin_, "Session %s: ignoring an unexpected %s (renegotiation is not "
        "supported)", id_.c_str (), gst_webrtc_sdp_type_to_string (desc->type));
    return;
  }
  auto copy = gst_webrtc_session_description_copy (desc);
  GstPromise *promise = promise_to_control (link_, nullptr,
      [copy] (SendSession &s, GstWebRTCSessionDescription *, const std::string &err) {
        if (!err.empty ())
          s.fail ("the consumer's answer was refused: " + err);
        else
          s.on_negotiated (copy);
        gst_webrtc_session_description_free (copy);
      });
  g_signal_emit_by_name (webrtcbin_, "set-remote-description", desc, promise);
  gst_promise_unref (promise);
}

void
SendSession::on_negotiated (const GstWebRTCSessionDescription *answer)
{
  negotiated_ = true;
  for (Track &track : tracks_) {
    guint mline = G_MAXUINT;
    g_object_get (track.transceiver, "mlineindex", &mline, nullptr);
    if (mline >= gst_sdp_message_medias_len (answer->sdp))
      continue;
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
    unsigned twcc = find_extmap_id (media, TWCC_EXTENSION_URI).value_or (0);
    std::string error;
    if (!track.input->attach (track.branch, *codec, pt, twcc, settings_.video_bitrate_kbps,
            track.webrtc_pad, &error)) {
      fail (error);
      return;
    }
    GST_INFO_OBJECT (bin_, "Session %s: sending %s as %s (pt %u%s)", id_.c_str (),
        track.input->name ().c_str (), codec->name, pt, twcc ? ", transport-cc" : "");
  }
}

void
SendSession::on_remote_candidate (guint mline, const std::string &candidate)
{
  if (!webrtcbin_)
    return;
  /* "" marks the consumer's end-of-candidates; webrtcbin 1.22 takes it so. */
  g_signal_emit_by_name (webrtcbin_, "add-ice-candidate", mline, candidate.c_str ());
}

void
SendSession::on_ice_connection_state (GstWebRTCICEConnectionState state)
{
  if (state == GST_WEBRTC_ICE_CONNECTION_STATE_CONNECTED ||
      state == GST_WEBRTC_ICE_CONNECTION_STATE_COMPLETED) {
    if (!connected_) {
      GST_INFO_OBJECT (bin_, "Session %s: connected to %s", id_.c_str (), peer_id_.c_str ());
      link_->last_rtcp_us = g_get_monotonic_time ();
    }
    connected_ = true;
  } else if (state == GST_WEBRTC_ICE_CONNECTION_STATE_FAILED) {
    fail ("ICE failed: no network path to the consumer (check STUN/TURN settings)");
  }
}

std::optional<std::string>
SendSession::check_health (gint64 now_us) const
{
  if (failed_)
    return std::string ("failed");
  if (!connected_) {
    if (now_us - created_us_ > (gint64) settings_.setup_timeout_s * G_USEC_PER_SEC)
      return "not connected after " + std::to_string (settings_.setup_timeout_s) + " s";
    return std::nullopt;
  }
  gint64 silent_us = now_us - link_->last_rtcp_us;
  if (silent_us > (gint64) settings_.peer_timeout_s * G_USEC_PER_SEC)
    return "no RTCP from the consumer for " + std::to_string (silent_us / G_USEC_PER_SEC) + " s";
  return std::nullopt;
}

void
SendSession::fail (const std::string &why)
{
  if (failed_)
    return;
  failed_ = true;
  GST_WARNING_OBJECT (bin_, "Session %s with %s: %s", id_.c_str (), peer_id_.c_str (),
      why.c_str ());
  link_->end (why);
}

void
SendSession::stop ()
{
  {
    std::lock_guard<std::mutex> guard (link_->lock);
    link_->alive = false;
  }
  for (Track &track : tracks_)
    track.input->detach (track.branch);
  if (webrtcbin_) {
    gst_element_set_state (webrtcbin_, GST_STATE_NULL);
    for (Track &track : tracks_)
      if (track.webrtc_pad)
        gst_element_release_request_pad (webrtcbin_, track.webrtc_pad);
    gst_bin_remove (bin_, webrtcbin_);
    gst_clear_object (&webrtcbin_);
  }
  for (Track &track : tracks_) {
    gst_clear_object (&track.webrtc_pad);
    gst_clear_object (&track.transceiver);
  }
  tracks_.clear ();
}

} // namespace gstsig
