/* gst-webrtcsignal: what every session shares, whichever way media flows:
 * one webrtcbin inside an element's bin, its ICE traffic through the
 * signaller, promises, and the watch for a vanished peer. Everything here
 * runs on the element's control thread; webrtcbin callbacks hop there
 * through a SessionLink.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "session-stats.h"
#include "signaller.h"

#include <gst/gst.h>
#include <gst/webrtc/webrtc.h>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace gstsig {

class WebrtcSession;

/* What webrtcbin's threads may reach of a session. Once alive is false the
 * session is gone and callbacks do nothing. */
struct SessionLink {
  std::mutex lock; /* guards alive; held while forwarding (never blocks) */
  bool alive = true;
  std::string session_id;
  GstSigSignaller *signaller = nullptr; /* owned */
  /* Runs fn on the control thread with the session, if it still exists. */
  std::function<void (std::function<void (WebrtcSession &)>)> post;
  /* Asks the element, later on the control thread, to end the session. */
  std::function<void (const std::string &reason)> end;
  /* Monotonic time of the last sign of life of the peer (RTCP, or RTP). */
  std::atomic<gint64> last_activity_us { 0 };

  ~SessionLink () { gst_clear_object (&signaller); }
};

struct IceSettings {
  std::string stun_server;
  std::vector<std::string> turn_servers;
  unsigned peer_timeout_s = 10;  /* silence after which the peer is gone */
  unsigned setup_timeout_s = 30; /* from start to ICE connected */
  unsigned latency_ms = 0;       /* jitterbuffer latency; 0 = webrtcbin's default */
};

/* The description in a promise reply (or nullptr) and an error text. */
using DescriptionHandler =
    std::function<void (WebrtcSession &, GstWebRTCSessionDescription *, const std::string &)>;

class WebrtcSession {
public:
  WebrtcSession (GstBin *bin, std::string id, std::string peer_id, IceSettings ice,
      std::shared_ptr<SessionLink> link);
  virtual ~WebrtcSession ();

  const std::string &id () const { return id_; }
  const std::string &peer_id () const { return peer_id_; }

  virtual void on_remote_description (const GstWebRTCSessionDescription *desc) = 0;
  void on_remote_candidate (guint mline, const std::string &candidate);
  void on_ice_connection_state (GstWebRTCICEConnectionState state);
  /* std::nullopt while healthy, else why the peer is considered gone. */
  std::optional<std::string> check_health (gint64 now_us) const;
  /* Removes the webrtcbin; derived classes detach their branches first. */
  virtual void stop ();

  /* Asks webrtcbin for its statistics; their summary (session-stats.h)
   * reaches on_stats on the control thread (transfer full). */
  void request_stats (std::function<void (WebrtcSession &, GstStructure *)> on_stats);

protected:
  /* Creates the webrtcbin (not yet in a playing state) inside the bin. */
  bool create_webrtcbin (std::string *error);
  /* A promise whose outcome reaches handler on the control thread. */
  GstPromise *make_promise (const char *field, DescriptionHandler handler);
  /* Sets desc as the local description and sends it. then, when given,
   * runs on the control thread once webrtcbin has applied it (transceivers
   * know their m-line only from then on). */
  void set_local_and_send (GstWebRTCSessionDescription *desc,
      std::function<void (WebrtcSession &)> then = nullptr);
  void fail (const std::string &why);
  virtual void on_connected () {}

  GstBin *bin_;
  std::string id_;
  std::string peer_id_;
  IceSettings ice_;
  std::shared_ptr<SessionLink> link_;
  GstElement *webrtcbin_ = nullptr; /* owned ref, also in bin_ */
  bool connected_ = false;
  bool failed_ = false;
  gint64 created_us_ = 0;
  std::unique_ptr<SessionStatsTracker> stats_; /* control thread; set by derived classes */
};

} // namespace gstsig
