/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "context-thread.h"

#include <condition_variable>
#include <mutex>

namespace gstsig {

namespace {

struct Call {
  std::function<void ()> fn;
};

gboolean
run_call (gpointer data)
{
  static_cast<Call *> (data)->fn ();
  return G_SOURCE_REMOVE;
}

void
free_call (gpointer data)
{
  delete static_cast<Call *> (data);
}

struct Timed {
  std::function<bool ()> fn;
};

gboolean
run_timed (gpointer data)
{
  return static_cast<Timed *> (data)->fn () ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

void
free_timed (gpointer data)
{
  delete static_cast<Timed *> (data);
}

} // namespace

ContextThread::ContextThread (const std::string &name)
{
  context_ = g_main_context_new ();
  loop_ = g_main_loop_new (context_, FALSE);
  thread_ = g_thread_new (name.c_str (), [] (gpointer data) -> gpointer {
    auto self = static_cast<ContextThread *> (data);
    g_main_context_push_thread_default (self->context_);
    g_main_loop_run (self->loop_);
    /* Let pending callbacks (e.g. libsoup finalisers) run before leaving. */
    while (g_main_context_iteration (self->context_, FALSE)) {
    }
    g_main_context_pop_thread_default (self->context_);
    return nullptr;
  }, this);
}

ContextThread::~ContextThread ()
{
  invoke ([loop = loop_] () { g_main_loop_quit (loop); });
  g_thread_join (thread_);
  g_main_loop_unref (loop_);
  g_main_context_unref (context_);
}

bool
ContextThread::is_current () const
{
  return g_main_context_is_owner (context_);
}

void
ContextThread::invoke (std::function<void ()> fn)
{
  GSource *source = g_idle_source_new ();
  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, run_call, new Call { std::move (fn) }, free_call);
  g_source_attach (source, context_);
  g_source_unref (source);
}

void
ContextThread::invoke_sync (const std::function<void ()> &fn)
{
  if (is_current ()) {
    fn ();
    return;
  }
  std::mutex lock;
  std::condition_variable done_cond;
  bool done = false;
  invoke ([&] () {
    fn ();
    std::lock_guard<std::mutex> guard (lock);
    done = true;
    done_cond.notify_one ();
  });
  std::unique_lock<std::mutex> guard (lock);
  done_cond.wait (guard, [&] { return done; });
}

guint
ContextThread::timeout (guint ms, std::function<bool ()> fn)
{
  GSource *source = g_timeout_source_new (ms);
  g_source_set_callback (source, run_timed, new Timed { std::move (fn) }, free_timed);
  guint id = g_source_attach (source, context_);
  g_source_unref (source);
  return id;
}

void
ContextThread::cancel (guint source_id)
{
  if (source_id == 0)
    return;
  GSource *source = g_main_context_find_source_by_id (context_, source_id);
  if (source)
    g_source_destroy (source);
}

} // namespace gstsig
