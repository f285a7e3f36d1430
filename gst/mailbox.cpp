/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "mailbox.h"

namespace gstsig {

struct Mailbox::Source {
  GSource base;
  Mailbox *mailbox;
};

gboolean
Mailbox::dispatch (GSource *source, GSourceFunc, gpointer)
{
  g_source_set_ready_time (source, -1);
  reinterpret_cast<Source *> (source)->mailbox->run_posted ();
  return G_SOURCE_CONTINUE;
}

Mailbox::Mailbox (GMainContext *context)
{
  static GSourceFuncs funcs = { nullptr, nullptr, Mailbox::dispatch, nullptr, nullptr, nullptr };
  source_ = g_source_new (&funcs, sizeof (Source));
  reinterpret_cast<Source *> (source_)->mailbox = this;
  g_source_set_priority (source_, G_PRIORITY_DEFAULT);
  g_source_set_name (source_, "gstsig mailbox");
  g_source_attach (source_, context);
}

Mailbox::~Mailbox ()
{
  close ();
}

bool
Mailbox::post (std::function<void ()> fn)
{
  std::lock_guard<std::mutex> guard (lock_);
  if (closed_)
    return false;
  bool was_empty = calls_.empty ();
  calls_.push_back (std::move (fn));
  if (was_empty)
    g_source_set_ready_time (source_, 0); /* wakes the context */
  return true;
}

/* Runs what was posted before this dispatch; calls posted meanwhile wake
 * the source again. */
void
Mailbox::run_posted ()
{
  std::deque<std::function<void ()>> batch;
  {
    std::lock_guard<std::mutex> guard (lock_);
    batch.swap (calls_);
  }
  for (auto &fn : batch) {
    {
      std::lock_guard<std::mutex> guard (lock_);
      if (closed_)
        return;
    }
    fn ();
  }
}

void
Mailbox::close ()
{
  GSource *source;
  std::deque<std::function<void ()>> dropped;
  {
    std::lock_guard<std::mutex> guard (lock_);
    if (closed_)
      return;
    closed_ = true;
    dropped.swap (calls_);
    source = source_;
    source_ = nullptr;
  }
  g_source_destroy (source);
  g_source_unref (source);
}

} // namespace gstsig
