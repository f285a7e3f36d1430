/* gst-webrtcsignal: calls posted from any thread to run, in the order they
 * were posted, on one GMainContext.
 *
 * One GSource per mailbox, woken by g_source_set_ready_time (): posting
 * allocates no source, and a burst of posts is drained in one dispatch.
 * Internal to the library.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

#include <deque>
#include <functional>
#include <mutex>

namespace gstsig {

class Mailbox {
public:
  /* Attaches its source to context (not owned; it must outlive close ()). */
  explicit Mailbox (GMainContext *context);
  /* Closes it: calls not yet run are dropped. */
  ~Mailbox ();
  Mailbox (const Mailbox &) = delete;
  Mailbox &operator= (const Mailbox &) = delete;

  /* Runs fn on the context's thread, after every call posted before it.
   * False (and fn dropped) once closed. Any thread. */
  bool post (std::function<void ()> fn);
  /* Stops taking calls and drops those waiting. Any thread but one that
   * is inside a call of this mailbox. Idempotent. */
  void close ();

private:
  struct Source;
  static gboolean dispatch (GSource *source, GSourceFunc, gpointer);
  void run_posted ();

  std::mutex lock_;
  std::deque<std::function<void ()>> calls_; /* under lock_ */
  bool closed_ = false;                      /* under lock_ */
  GSource *source_ = nullptr;                /* owned until close () */
};

} // namespace gstsig
