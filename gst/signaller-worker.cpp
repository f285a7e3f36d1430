/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "signaller-worker.h"

#include <utility>

namespace gstsig {

SignallerWorker::SignallerWorker (std::string name) : name_ (std::move (name)) {}

SignallerWorker::~SignallerWorker ()
{
  stop ();
}

void
SignallerWorker::start ()
{
  stop ();
  auto run = std::make_shared<Run> (name_);
  current_ = run.get ();
  std::lock_guard<std::mutex> guard (lock_);
  run_ = std::move (run);
}

void
SignallerWorker::stop (const std::function<void ()> &last)
{
  std::shared_ptr<Run> run;
  {
    std::lock_guard<std::mutex> guard (lock_);
    run = std::move (run_);
  }
  if (!run)
    return;
  g_return_if_fail (!run->thread.is_current ());
  /* From here on nothing new is queued, and what is queued is dropped. */
  run->stopped = true;
  if (last)
    run->thread.invoke_sync (last);
  /* A post() that took its snapshot before we took run_ may still be
   * queueing: the thread must outlive that call. */
  while (run.use_count () > 1)
    g_usleep (100);
  run.reset (); /* joins the thread */
  current_ = nullptr;
}

std::shared_ptr<SignallerWorker::Run>
SignallerWorker::snapshot () const
{
  std::lock_guard<std::mutex> guard (lock_);
  return run_;
}

bool
SignallerWorker::post (std::function<void ()> fn)
{
  std::shared_ptr<Run> run = snapshot ();
  if (!run || run->stopped)
    return false;
  /* The bare pointer is safe on the thread: the Run outlives everything
   * queued there (its destructor joins the thread). */
  Run *raw = run.get ();
  raw->thread.invoke ([raw, fn = std::move (fn)] () {
    if (!raw->stopped)
      fn ();
  });
  return true;
}

bool
SignallerWorker::post_sync (const std::function<void ()> &fn)
{
  std::shared_ptr<Run> run = snapshot ();
  if (!run || run->stopped)
    return false;
  bool ran = false;
  run->thread.invoke_sync ([&] () {
    if (!run->stopped) {
      fn ();
      ran = true;
    }
  });
  return ran;
}

bool
SignallerWorker::running () const
{
  std::shared_ptr<Run> run = snapshot ();
  return run && !run->stopped;
}

guint
SignallerWorker::timeout (guint ms, std::function<bool ()> fn)
{
  if (!current_ || current_->stopped)
    return 0;
  return current_->thread.timeout (ms, std::move (fn));
}

void
SignallerWorker::cancel (guint source_id)
{
  if (current_ && source_id)
    current_->thread.cancel (source_id);
}

GMainContext *
SignallerWorker::context () const
{
  return current_ ? current_->thread.context () : nullptr;
}

bool
SignallerWorker::is_current () const
{
  return current_ && current_->thread.is_current ();
}

} // namespace gstsig
