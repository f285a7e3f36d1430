/* gst-webrtcsignal: what every session shares, whichever way media flows:
 * one webrtcbin inside an element's bin, its ICE traffic through the
 * signaller, promises, and the watch for a vanished peer. Everything here
 * runs on the element's control thread; webrtcbin callbacks hop there
 * through a SessionLink.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "receive-nack.h"
#include "session-stats.h"
#include "signaller.h"

#include <gst/gst.h>
#include <gst/webrtc/webrtc.h>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <utility>
#include <string>
#include <vector>

namespace gstsig {

class MdnsResolver;

/* What webrtcbin's threads may reach of a session. Once alive is false the
 * session is gone and callbacks do nothing.
 *
 * Our description always reaches the signaller before our candidates:
 * webrtcbin gathers (and calls on-ice-candidate on its own thread) as soon
 * as set-local-description is applied, before we have sent the description,
 * so candidates are held here until send_description () has gone out. */
class WebrtcSession;

struct SessionLink {
  /* Guards alive, description_sent and held; held while handing a message
   * to the signaller (which only queues it: never blocks). */
  std::mutex lock;
  bool alive = true;
  bool description_sent = false;
  std::vector<std::pair<guint, std::string>> held; /* mline, candidate ("" = end) */
  std::string session_id;
  GstSigSignaller *signaller = nullptr; /* owned */
  /* Runs fn on the control thread with the session if this very session
   * (not another of the same id) still exists then (set by the
   * SessionHost). A closure that captures the session's own this is safe
   * there. */
  std::function<void (std::function<void (WebrtcSession &)>)> post;
  /* Asks the element, later on the control thread, to end the session. */
  std::function<void (GstSigSessionEnd why, const std::string &detail)> end;
  /* Monotonic time of the last sign of life of the peer (RTCP, or RTP). */
  std::atomic<gint64> last_activity_us { 0 };

  /* Any thread: post (fn), unless the session has ended. */
  void post_if_alive (std::function<void (WebrtcSession &)> fn);
  /* Any thread: one local candidate ("" = end-of-candidates), held until
   * our description is out. */
  void send_candidate (guint mline, const std::string &candidate);
  /* Control thread: our description, then the candidates held for it. */
  void send_description (const GstWebRTCSessionDescription *desc);

  ~SessionLink () { g_clear_object (&signaller); }
};

struct IceSettings {
  std::string stun_server;
  std::vector<std::string> turn_servers; /* turns:// ones through SessionHost's TLS proxy */
  std::string turn_ca_file;      /* turns://: the certificates to trust ("" = the system's) */
  bool relay_only = false;       /* ice-transport-policy=relay: TURN candidates only */
  unsigned peer_timeout_s = 10;  /* silence after which the peer is gone */
  unsigned setup_timeout_s = 30; /* from start to ICE connected */
  unsigned latency_ms = 0;       /* jitterbuffer latency; 0 = webrtcbin's default */
};

/* One peer connection: one webrtcbin in the element's bin and its
 * negotiation. Every method runs on the element's control thread. */
class WebrtcSession {
public:
  /* A negotiation step's continuation: the description it made or
   * applied (our offer, our answer, the peer's answer). */
  using Then = std::function<void (const GstWebRTCSessionDescription *desc)>;

  WebrtcSession (GstBin *bin, std::string id, std::string peer_id, IceSettings ice,
      std::shared_ptr<SessionLink> link);
  virtual ~WebrtcSession ();

  const std::string &id () const { return id_; }
  const std::string &peer_id () const { return peer_id_; }
  const SessionLink *link () const { return link_.get (); }
  bool has_webrtcbin (const GstElement *element) const { return element == webrtcbin_; }

  virtual void on_remote_description (const GstWebRTCSessionDescription *desc) = 0;
  /* A candidate whose address is a ".local" name (a browser hiding its
   * host address) reaches webrtcbin once our own mDNS query has resolved
   * it, with the address in place of the name; unresolved, as it came (the
   * peer's checks may still reach us: peer-reflexive). The peer's
   * end-of-candidates ("") waits for those queries. */
  void on_remote_candidate (guint mline, const std::string &candidate);
  void on_ice_connection_state (GstWebRTCICEConnectionState state);
  /* TURN servers the signaller learnt while this session runs. */
  void add_turn_servers (const std::vector<std::string> &uris);
  /* std::nullopt while healthy, else why the peer is considered gone. */
  std::optional<std::string> check_health (gint64 now_us) const;
  /* Removes the webrtcbin; derived classes detach their branches first. */
  virtual void stop ();

  /* Asks webrtcbin for its statistics; their summary (session-stats.h)
   * reaches on_stats on the control thread (transfer full). */
  void request_stats (std::function<void (GstStructure *)> on_stats);

protected:
  /* Creates the webrtcbin (not yet in a playing state) inside the bin. */
  bool create_webrtcbin (std::string *error);
  /* Before webrtcbin stops: no packet may be inside its srtpdec then
   * (GStreamer 1.22's srtpdec, stopped with one in it, fails an assertion:
   * a GStreamer-CRITICAL, fatal under G_DEBUG=fatal-criticals). Deactivates
   * srtpdec's sink pads, which waits for a packet being decrypted and
   * refuses the next, before the state change deactivates its source pads.
   * Control thread. */
  void close_srtp_input ();

  /* The negotiation steps. Each runs then on the control thread once
   * webrtcbin has applied what it did (transceivers know their m-line only
   * from then on); a step that fails ends the session, saying why.
   * We offer: create it, apply it, send it. */
  void offer (Then then = nullptr);
  /* We answer: apply the peer's offer, create the answer, apply, send it. */
  void answer (const GstWebRTCSessionDescription *remote_offer, Then then = nullptr);
  /* We offered: apply the peer's answer. */
  void accept_answer (const GstWebRTCSessionDescription *remote_answer, Then then = nullptr);

  void fail (const std::string &why, GstSigSessionEnd reason = GST_SIG_SESSION_END_FAILED);
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

public:
  /* A promise's outcome: the description it carries (or nullptr) and an
   * error text. */
  using DescriptionHandler =
      std::function<void (GstWebRTCSessionDescription *desc, const std::string &error)>;

private:
  /* A promise whose outcome reaches handler on the control thread, if the
   * session still exists then. */
  GstPromise *make_promise (const char *field, DescriptionHandler handler);
  void create (const char *what, Then then);
  void set_remote (const GstWebRTCSessionDescription *desc, const std::string &what,
      Then then);
  /* Sets desc as the local description and sends it (then: see offer). */
  void set_local_and_send (GstWebRTCSessionDescription *desc, Then then);

  /* mDNS (on_remote_candidate). Starts resolving a candidate's .local
   * name; false when it has none or the query cannot start (then the
   * candidate is for webrtcbin as it is). in_sdp: it came in the peer's
   * description, which webrtcbin has already. */
  bool resolve_candidate (guint mline, const std::string &candidate, bool in_sdp);
  /* The .local candidates of a description webrtcbin has just applied. */
  void resolve_sdp_candidates (const GstWebRTCSessionDescription *desc);
  void add_ice_candidate (guint mline, const std::string &candidate);

  std::unique_ptr<MdnsResolver> mdns_; /* from the first .local name on; per session */
  unsigned mdns_waiting_ = 0;          /* candidates waiting for their name */
  std::optional<guint> held_end_;      /* the peer's end-of-candidates, held meanwhile */
  /* The peer's SSRCs by m-line, for its streams' jitterbuffers (receive-nack.h). */
  std::shared_ptr<RemoteSsrcs> remote_ssrcs_ = std::make_shared<RemoteSsrcs> ();
};

} // namespace gstsig
