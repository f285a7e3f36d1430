/* gst-webrtcsignal: one consumer of webrtcsend: a WebrtcSession that sends
 * the element's inputs, offering (or answering the consumer's offer with
 * the offer's payload types).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "codecs.h"
#include "congestion-controller.h"
#include "fec-policy.h"
#include "input-stream.h"
#include "retransmission-limit.h"
#include "webrtc-session.h"

#include <atomic>
#include <memory>
#include <vector>

namespace gstsig {

class ViewerCongestion;

struct SendSettings {
  IceSettings ice;
  std::vector<const Codec *> video_codecs; /* in order of preference */
  std::vector<const Codec *> audio_codecs;
  unsigned video_bitrate_kbps = 2000;
  /* Follow the viewer's transport-wide feedback (when it negotiated it). */
  bool congestion_control = true;
  CongestionBounds congestion;
  unsigned video_tiers = 3; /* encoders per video input and codec at most */
  std::vector<unsigned> video_tier_ladder; /* fixed tier bitrates (tier-plan.h); empty: none */
  bool diagnostics = false; /* an rtpdiag on each stream */
  FecMode fec = FecMode::Auto; /* video: ULPFEC in RED (fec-policy.h) */
  double fec_min_rtt_s = FecPolicy::DEFAULT_MIN_RTT_S;
};

class SendSession : public WebrtcSession {
public:
  SendSession (GstBin *bin, std::string id, std::string peer_id, SendSettings settings,
      std::shared_ptr<SessionLink> link);
  ~SendSession () override;

  /* Builds the webrtcbin and starts negotiating: we offer, or we answer the
   * consumer's offer when there is one. What an input offers depends on
   * its caps (raw: every configured codec; pre-encoded: its own codec), so
   * negotiation waits until every input has caps. */
  bool start (const std::vector<InputStream *> &inputs, const GstWebRTCSessionDescription *offer,
      std::string *error);
  void on_remote_description (const GstWebRTCSessionDescription *desc) override;
  void stop () override;
  /* Adds what webrtcbin does not count: fps, frame-width, frame-height of
   * the video sent, the rtpdiag figures of each stream as "rtpdiag-<input>"
   * fields, and rtx-history-ms, which it sizes from the round trip
   * (rtx-history.h). */
  void add_own_figures (GstStructure *stats);
  /* The session sends (or waits to send) this input. */
  bool uses (const InputStream *input) const
  {
    for (const InputStream *mine : inputs_)
      if (mine == input)
        return true;
    return false;
  }

private:
  struct Track {
    InputStream *input = nullptr;
    GstPad *webrtc_pad = nullptr; /* request pad of webrtcbin (owned) */
    GstWebRTCRTPTransceiver *transceiver = nullptr; /* owned */
    ConsumerBranch branch;
    guint32 ssrc = 0; /* of its packets, declared in the SDP (a=ssrc) */
    guint64 last_frames = 0;  /* for fps, between two statistics */
    gint64 last_frames_us = 0;
    /* Pre-encoded H264: the profile-level-id of each payload type in the
     * codec preferences, which the payloader must announce. */
    std::vector<std::pair<unsigned, std::string>> h264_profiles;
    /* Raw input: the codec the consumer is expected to take (the one it
     * offered, or our first), whose encoder starts with the negotiation. */
    const Codec *expected = nullptr;
    /* Video: how much FEC; used once RED and ULPFEC are negotiated. */
    FecPolicy fec { FecMode::Off };
    bool fec_negotiated = false;
    /* webrtcbin's RED encoder of the stream, once it made it (owned). */
    GstElement *red_encoder = nullptr;
  };
  /* Starts the expected codecs' encoders while the description travels. */
  void prepare_encoders ();
  /* The video's part of kbps, with audio_kbps of audio beside it (0: none). */
  unsigned video_share (unsigned kbps, unsigned audio_kbps) const;

  bool negotiate (std::string *error);
  void resume ();
  bool add_track (InputStream *input, const GstSDPMessage *offer, std::string *error);
  /* The transceiver's codec preferences: codecs_for with the track's SSRC. */
  GstCaps *preferences_for (Track &track, const GstSDPMessage *offer) const;
  GstCaps *codecs_for (Track &track, const GstSDPMessage *offer) const;
  void on_negotiated (const GstWebRTCSessionDescription *answer);
  /* After negotiation: congestion control when the viewer took
   * transport-cc (viewer-congestion.h). */
  void start_congestion_control (bool negotiated_twcc);
  void on_congestion_target (unsigned kbps);
  void update_fec (GstStructure *stats);
  void warn (const std::string &what);

  SendSettings settings_;
  std::vector<InputStream *> inputs_;
  GstWebRTCSessionDescription *offer_ = nullptr; /* the consumer's, or nullptr (owned) */
  bool negotiating_ = false;
  std::vector<Track> tracks_;
  bool we_offered_ = false;
  bool negotiated_ = false;
  std::shared_ptr<ViewerCongestion> congestion_;
  /* Retransmissions within a share of the estimate (with congestion
   * control), and a keyframe for a packet asked for again and again; made
   * with the webrtcbin, fed from on_congestion_target. */
  std::unique_ptr<RetransmissionLimit> rtx_limit_;
  /* The video's FEC share (the most of its tracks'), which congestion
   * control leaves room for; set on the control thread, read on the
   * feedback's. */
  std::atomic<unsigned> fec_percentage_ { 0 };
  /* Whether the session's audio follows the estimate (tier-plan.h's
   * levels), set before congestion control starts; and the bitrate it
   * gives (0 until then). */
  enum class AudioLevels { None, Follow, Fixed };
  AudioLevels audio_ = AudioLevels::None;
  std::atomic<unsigned> audio_kbps_ { 0 };
  /* What retransmissions took of the link lately, which the video's share
   * leaves room for (on_congestion_target's thread only). */
  unsigned rtx_kbps_ = 0;
  uint64_t rtx_bytes_then_ = 0;
  gint64 rtx_then_us_ = 0;
};

} // namespace gstsig
