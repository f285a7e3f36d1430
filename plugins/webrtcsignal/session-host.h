/* gst-webrtcsignal: the sessions of an element (webrtcsend, webrtcrecv) and
 * their wiring to a running signaller: a control thread where every session
 * operation runs, the signaller's signals dispatched to the right session,
 * and a watchdog that ends sessions whose peer vanished.
 *
 * Threads and locks:
 * - the state-change thread calls start () and stop ();
 * - every session operation, and every callback below, runs on the control
 *   thread (a ContextThread of the host's own);
 * - the signaller's signals arrive on its thread and are re-posted to the
 *   control thread; webrtcbin's callbacks reach sessions through their
 *   SessionLink, which re-posts them too.
 * Lock order: SessionLink::lock, then whatever the signaller takes inside
 * send_sdp/add_ice (SignallerWorker's, which nests with nothing);
 * stats_lock_ and learnt_lock_ nest with nothing.
 *
 * stop () ends every session (each webrtcbin stopped, each link dead) before
 * it stops the signaller: no callback of webrtcbin can reach a signaller
 * that is stopping.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "context-thread.h"
#include "raii.h"
#include "signaller.h"
#include "turn-tls-proxy.h"
#include "webrtc-session.h"

#include <gst/gst.h>

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace gstsig {

/* Why a session ended, on our side or the peer's. */
struct SessionEnding {
  bool by_peer = false;   /* the peer or the server ended it (reason unused) */
  GstSigSessionEnd reason = GST_SIG_SESSION_END_STOPPING;
  std::string detail;     /* for logs and messages */
  bool stopping () const { return !by_peer && reason == GST_SIG_SESSION_END_STOPPING; }
};

class SessionHost {
public:
  struct Callbacks {
    /* Control thread: build and start a session for a new signalling
     * session (offer is the peer's offer when it made one). nullptr with
     * *error and *why when it cannot be started. */
    std::function<std::unique_ptr<WebrtcSession> (const std::string &session_id,
        const std::string &peer_id, const GstWebRTCSessionDescription *offer,
        std::shared_ptr<SessionLink> link, IceSettings ice, std::string *error,
        GstSigSessionEnd *why)> create;
    /* Control thread: a session is about to be stopped and dropped. */
    std::function<void (WebrtcSession &session, const SessionEnding &ending)> ending;
    /* Control thread: the number of sessions changed. */
    std::function<void ()> count_changed;
    /* Control thread: fresh figures of a session, before they are kept,
     * posted and reported; the element may add its own fields. */
    std::function<void (WebrtcSession &session, GstStructure *stats)> stats;
  };

  SessionHost (GstElement *element, const std::string &thread_name);
  ~SessionHost ();

  ContextThread &control () { return *control_; }
  unsigned count () const { return count_; }

  /* State-change thread: follows the signaller's signals, starts it with
   * settings (blocking until it can take sessions), the watchdog and, every
   * stats_interval_ms (0 = never), the collection of statistics: each
   * session's figures are kept (dup_stats), posted as an element message
   * named "<thread_name>-stats" and reported through the signaller. ice
   * is what each session starts with (ICE servers the signaller learns are
   * added). On failure everything is undone and the element has posted
   * why. A signaller failing later is posted as the element's error. */
  bool start (GstSigSignaller *signaller, const GstSigSignallerSettings &settings,
      const IceSettings &ice, Callbacks callbacks, guint stats_interval_ms);
  /* State-change thread: ends every session, then stops the signaller. */
  void stop ();
  /* Any thread: {sessions: < session-stats, ... >} (transfer full). */
  GstStructure *dup_stats () const;
  /* What the running signaller says about its protocol now (defaults when
   * none runs). Any thread. */
  GstSigSignallerCapabilities capabilities () const;

  /* Control thread. */
  void end (const std::string &session_id, GstSigSessionEnd reason, const std::string &detail);
  /* Any thread: end (), later on the control thread, if the session is
   * still the one with this webrtcbin then (a signaller may use an id
   * again: the manual one has one, a server chooses the others). */
  void end_later (const std::string &session_id, GstElement *webrtcbin, GstSigSessionEnd reason,
      std::string detail);
  void for_each (const std::function<void (WebrtcSession &)> &fn);

private:
  void attach (GstSigSignaller *signaller, Callbacks callbacks, const IceSettings &ice);
  void detach ();
  void on_new_session (const std::string &session_id, const std::string &peer_id,
      GstWebRTCSessionDescription *offer);
  void on_ice_servers (const std::string &session_id, const std::vector<std::string> &uris);
  /* turns:// URIs as webrtcbin can use them: through turn_tls_ (made on
   * first use); the others unchanged. One that cannot be used is left out,
   * with a warning. */
  std::vector<std::string> carry_turns (const std::vector<std::string> &uris);
  void with_session (const std::string &session_id, const SessionLink *link,
      const std::function<void (WebrtcSession &)> &fn);
  void remove (const std::string &session_id, const SessionEnding &ending);
  void check_sessions ();
  void collect_stats ();
  void on_stats (WebrtcSession &session, GstStructure *stats);
  void changed ();

  GstElement *element_;
  std::unique_ptr<ContextThread> control_;
  std::vector<SignalConnection> handlers_; /* state-change thread */
  GstSigSignaller *running_ = nullptr;     /* state-change thread; owned */
  /* Control thread only. */
  Callbacks callbacks_;
  IceSettings ice_; /* with the servers the signaller learnt */
  std::unique_ptr<TurnTlsProxy> turn_tls_; /* turns:// servers, while running */
  GstSigSignaller *signaller_ = nullptr; /* owned while attached */
  std::map<std::string, std::unique_ptr<WebrtcSession>> sessions_;
  guint watchdog_ = 0;
  guint stats_timer_ = 0;
  std::string name_;
  std::atomic<unsigned> count_ { 0 };
  std::atomic<bool> stopping_ { false }; /* stop () has begun: no new sessions */
  mutable std::mutex caps_lock_; /* guards caps_source_; nests with nothing */
  GstSigSignaller *caps_source_ = nullptr; /* the running signaller (owned) */
  mutable std::mutex stats_lock_; /* guards stats_; nests with nothing */
  std::map<std::string, GstStructure *> stats_; /* latest per session (owned) */
};

/* A SessionHost whose sessions are all of type S: the one place where a
 * WebrtcSession becomes the element's own session type. */
template <class S> class Sessions : public SessionHost {
public:
  using SessionHost::SessionHost;

  void for_each (const std::function<void (S &)> &fn)
  {
    SessionHost::for_each ([&fn] (WebrtcSession &s) { fn (static_cast<S &> (s)); });
  }
  static S &of (WebrtcSession &session) { return static_cast<S &> (session); }
};

} // namespace gstsig
