/* gst-webrtcsignal: a thread that runs its own GMainContext.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

#include <functional>
#include <string>

namespace gstsig {

/* Owns a GMainContext, a GMainLoop running it and the thread that runs the
 * loop. Every libsoup object of a signaller or server lives on one of these.
 * The destructor quits the loop and joins the thread; it must not run on the
 * thread itself. */
class ContextThread {
public:
  explicit ContextThread (const std::string &name);
  ~ContextThread ();
  ContextThread (const ContextThread &) = delete;
  ContextThread &operator= (const ContextThread &) = delete;

  GMainContext *context () const { return context_; }
  bool is_current () const;

  /* Runs fn on the thread, later. */
  void invoke (std::function<void ()> fn);
  /* Runs fn on the thread and waits for it (runs it at once when called on
   * the thread). */
  void invoke_sync (const std::function<void ()> &fn);
  /* Schedules fn after a delay; returns the GSource id (0 if stopped). */
  guint timeout (guint ms, std::function<bool ()> fn);
  /* Removes a source returned by timeout() if it still exists. */
  void cancel (guint source_id);

private:
  GMainContext *context_ = nullptr;
  GMainLoop *loop_ = nullptr;
  GThread *thread_ = nullptr;
};

} // namespace gstsig
