/* gst-webrtcsignal: one consumer of webrtcsend = one webrtcbin and its
 * negotiation. Everything here runs on the element's control thread;
 * webrtcbin callbacks hop there through a SessionLink.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "codecs.h"
#include "context-thread.h"
#include "input-stream.h"
#include "signaller.h"

#include <gst/gst.h>
#include <gst/webrtc/webrtc.h>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace gstsig {

class SendSession;

/* What webrtcbin's threads may reach of a session. Once alive is false the
 * session is gone and callbacks do nothing. */
struct SessionLink {
  std::mutex lock; /* guards alive; held while forwarding (never blocks) */
  bool alive = true;
  std::string session_id;
  GstSigSignaller *signaller = nullptr; /* owned */
  /* Runs fn on the control thread with the session, if it still exists. */
  std::function<void (std::function<void (SendSession &)>)> post;
  /* Asks the element, later on the control thread, to end the session. */
  std::function<void (const std::string &reason)> end;
  std::atomic<gint64> last_rtcp_us { 0 }; /* monotonic time of the last RTCP from the peer */

  ~SessionLink () { gst_clear_object (&signaller); }
};

struct SessionSettings {
  std::string stun_server;
  std::vector<std::string> turn_servers;
  std::vector<const Codec *> video_codecs; /* in order of preference */
  std::vector<const Codec *> audio_codecs;
  unsigned video_bitrate_kbps = 2000;
  unsigned peer_timeout_s = 10;
  unsigned setup_timeout_s = 30;
};

class SendSession {
public:
  SendSession (GstBin *bin, std::string id, std::string peer_id, SessionSettings settings,
      std::shared_ptr<SessionLink> link);
  ~SendSession ();

  const std::string &id () const { return id_; }
  const std::string &peer_id () const { return peer_id_; }

  /* Builds the webrtcbin and starts negotiating: we offer, or we answer the
   * consumer's offer when there is one. */
  bool start (const std::vector<InputStream *> &inputs, const GstWebRTCSessionDescription *offer,
      std::string *error);
  void on_remote_description (const GstWebRTCSessionDescription *desc);
  void on_remote_candidate (guint mline, const std::string &candidate);
  /* std::nullopt while healthy, else why the peer is considered gone. */
  std::optional<std::string> check_health (gint64 now_us) const;
  /* Detaches the branches and removes the webrtcbin. */
  void stop ();

  /* webrtcbin state, reported by the link */
  void on_ice_connection_state (GstWebRTCICEConnectionState state);

private:
  struct Track {
    InputStream *input = nullptr;
    GstPad *webrtc_pad = nullptr; /* request pad of webrtcbin (owned) */
    GstWebRTCRTPTransceiver *transceiver = nullptr; /* owned */
    ConsumerBranch branch;
  };

  bool add_track (InputStream *input, const GstSDPMessage *offer, std::string *error);
  GstCaps *preferences_for (const Track &track, const GstSDPMessage *offer) const;
  void connect_webrtcbin_signals ();
  void on_offer_created (GstWebRTCSessionDescription *offer);
  void on_answer_created (GstWebRTCSessionDescription *answer);
  void on_negotiated (const GstWebRTCSessionDescription *answer);
  void fail (const std::string &why);

  GstBin *bin_;
  std::string id_;
  std::string peer_id_;
  SessionSettings settings_;
  std::shared_ptr<SessionLink> link_;
  GstElement *webrtcbin_ = nullptr; /* owned ref, also in bin_ */
  std::vector<Track> tracks_;
  bool we_offered_ = false;
  bool negotiated_ = false;
  bool connected_ = false;
  bool failed_ = false;
  gint64 created_us_ = 0;
};

} // namespace gstsig
