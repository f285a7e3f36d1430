/* gst-webrtcsignal: the I/O thread of a signaller, from start() to stop().
 *
 * Every signaller that does I/O owns one SignallerWorker. start() makes a
 * thread running its own GMainContext (every libsoup object of the
 * signaller lives and dies there); stop() ends it. webrtcbin and the
 * element call a signaller from their own threads at any time, also while
 * stop() runs on the state-change thread: such calls post() their work,
 * and post() refuses it (returns false) once stop() has begun. Work that
 * was queued but had not run when stop() began is dropped, not run.
 *
 * How it is safe: post() takes a snapshot of the running thread (a
 * shared_ptr) under a lock, queues on it and lets go; stop() takes the
 * thread out under the same lock, marks it stopped, runs its last words on
 * it, waits until no post() holds a snapshot any more, and only then
 * joins it. No caller ever reads a thread pointer that stop() resets.
 *
 * Lock order: lock_ is never held while running, queueing or joining
 * anything, so it nests with nothing.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "context-thread.h"

#include <glib.h>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

namespace gstsig {

class SignallerWorker {
public:
  explicit SignallerWorker (std::string name);
  /* Stops the thread if it runs; must not run on it. */
  ~SignallerWorker ();
  SignallerWorker (const SignallerWorker &) = delete;
  SignallerWorker &operator= (const SignallerWorker &) = delete;

  /* State-change thread: a new thread (stopping a running one first). */
  void start ();
  /* Any thread but the worker's own: refuses further work, runs last (if
   * given) on the thread, then ends the thread. Idempotent. */
  void stop (const std::function<void ()> &last = nullptr);

  /* Any thread: queues fn on the running thread; false (fn dropped) when
   * not running or stopping. */
  bool post (std::function<void ()> fn);
  /* Any thread: runs fn on the running thread and waits for it (at once
   * when called on the thread); false when not running. */
  bool post_sync (const std::function<void ()> &fn);
  /* Any thread: the thread runs and takes work. */
  bool running () const;

  /* On the thread only. A timer (fn returns true to repeat); 0 if stopped. */
  guint timeout (guint ms, std::function<bool ()> fn);
  /* On the thread only: removes a timer if it still exists (0 is ignored). */
  void cancel (guint source_id);
  /* On the thread only: its GMainContext (to attach sources to). */
  GMainContext *context () const;
  bool is_current () const;

private:
  struct Run {
    explicit Run (const std::string &name) : thread (name) {}
    /* Declared before the thread: closures still queued when the thread
     * is destroyed read it. */
    std::atomic<bool> stopped { false };
    ContextThread thread;
  };
  std::shared_ptr<Run> snapshot () const;

  const std::string name_;
  mutable std::mutex lock_; /* guards run_; see "Lock order" above */
  std::shared_ptr<Run> run_;
  /* The thread's own view of its Run, for code running on it: set before
   * the thread runs anything, cleared after it has ended. */
  Run *current_ = nullptr;
};

} // namespace gstsig
