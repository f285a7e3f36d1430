/* gst-webrtcsignal: the sessions of an element (webrtcsend, webrtcrecv) and
 * their wiring to a running signaller: a control thread where every session
 * operation runs, the signaller's signals dispatched to the right session,
 * and a watchdog that ends sessions whose peer vanished.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "context-thread.h"
#include "raii.h"
#include "signaller.h"
#include "webrtc-session.h"

#include <gst/gst.h>

#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <memory>
#include <string>
#include <vector>

namespace gstsig {

class SessionHost {
public:
  struct Callbacks {
    /* Control thread: build and start a session for a new signalling
     * session (offer is the peer's offer when it made one). nullptr with
     * *error when it cannot be started. */
    std::function<std::unique_ptr<WebrtcSession> (const std::string &session_id,
        const std::string &peer_id, const GstWebRTCSessionDescription *offer,
        std::shared_ptr<SessionLink> link, std::string *error)> create;
    /* Control thread: a session is about to be stopped and dropped. */
    std::function<void (WebrtcSession &session, const std::string &reason)> ending;
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

  /* State-change thread: follows the signaller's signals, starts it
   * (blocking until it can take sessions), the watchdog and, every
   * stats_interval_ms (0 = never), the collection of statistics: each
   * session's figures are kept (dup_stats), posted as an element message
   * named "<thread_name>-stats" and reported through the signaller. On
   * failure everything is undone and the element has posted why. A
   * signaller failing later is posted as the element's error too
   * (post_signaller_error). */
  bool start (GstSigSignaller *signaller, Callbacks callbacks, guint stats_interval_ms);
  /* Any thread: {sessions: < session-stats, ... >} (transfer full). */
  GstStructure *dup_stats () const;
  /* State-change thread: stops the signaller and ends every session. */
  void stop ();

  /* Control thread. */
  void end (const std::string &session_id, const std::string &reason, bool tell_signaller);
  void for_each (const std::function<void (WebrtcSession &)> &fn);
  GstSigSignaller *signaller () const { return signaller_; }

private:
  void attach (GstSigSignaller *signaller, Callbacks callbacks);
  void detach ();
  void on_new_session (const std::string &session_id, const std::string &peer_id,
      GstWebRTCSessionDescription *offer);
  void with_session (const std::string &session_id,
      const std::function<void (WebrtcSession &)> &fn);
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
  GstSigSignaller *signaller_ = nullptr; /* owned while attached */
  std::map<std::string, std::unique_ptr<WebrtcSession>> sessions_;
  guint watchdog_ = 0;
  guint stats_timer_ = 0;
  std::string name_;
  std::atomic<unsigned> count_ { 0 };
  mutable std::mutex stats_lock_; /* guards stats_ */
  std::map<std::string, GstStructure *> stats_; /* latest per session (owned) */
};

} // namespace gstsig
