/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "dtls-warmup.h"

#include <gst/gst.h>

#include <mutex>

namespace gstsig {

namespace {

std::mutex warmup_lock;
bool warmup_started = false; /* once per process */
GThread *warmup_thread = nullptr;

gpointer
make_a_dtlsdec (gpointer)
{
  /* Missing (no gstreamer1.0-plugins-bad): the sessions say so. */
  if (GstElement *dtlsdec = gst_element_factory_make ("dtlsdec", nullptr))
    gst_object_unref (gst_object_ref_sink (dtlsdec));
  return nullptr;
}

} // namespace

void
start_dtls_certificate_warmup ()
{
  std::lock_guard<std::mutex> guard (warmup_lock);
  if (warmup_started)
    return;
  warmup_started = true;
  warmup_thread = g_thread_new ("dtls-certificate", make_a_dtlsdec, nullptr);
}

void
finish_dtls_certificate_warmup ()
{
  GThread *thread;
  {
    std::lock_guard<std::mutex> guard (warmup_lock);
    thread = warmup_thread;
    warmup_thread = nullptr;
  }
  if (thread)
    g_thread_join (thread);
}

} // namespace gstsig
