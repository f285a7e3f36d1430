/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "opus-rate.h"

#include <memory>
#include <mutex>
#include <string>

namespace gstsig {

namespace {

/* What an encoder is to change to, kept on it (object data) and shared
 * with the probe that applies it. */
struct PendingOpusRate {
  std::mutex lock; /* guards the fields below */
  unsigned kbps = 0;
  unsigned frame_ms = 0;
  bool probe_waiting = false; /* a probe will apply the values */
};

using PendingRef = std::shared_ptr<PendingOpusRate>;

constexpr const char *PENDING_KEY = "gstsig-pending-opus-rate";

void
delete_pending_ref (gpointer data)
{
  delete static_cast<PendingRef *> (data);
}

/* The encoder's streaming thread, before a buffer goes into it. */
GstPadProbeReturn
apply_pending_rate (GstPad *pad, GstPadProbeInfo *, gpointer data)
{
  auto &pending = **static_cast<PendingRef *> (data);
  unsigned kbps, frame_ms;
  {
    std::lock_guard<std::mutex> guard (pending.lock);
    pending.probe_waiting = false;
    kbps = pending.kbps;
    frame_ms = pending.frame_ms;
  }
  GstObject *encoder = gst_pad_get_parent (pad);
  if (!encoder)
    return GST_PAD_PROBE_REMOVE;
  int bps = 0, current_frame_ms = 0; /* frame-size: an enum whose values are the ms */
  g_object_get (encoder, "bitrate", &bps, "frame-size", &current_frame_ms, nullptr);
  if (bps != (int) (kbps * 1000))
    g_object_set (encoder, "bitrate", (int) (kbps * 1000), nullptr);
  if (current_frame_ms != (int) frame_ms)
    gst_util_set_object_arg (G_OBJECT (encoder), "frame-size", std::to_string (frame_ms).c_str ());
  gst_object_unref (encoder);
  return GST_PAD_PROBE_REMOVE;
}

} // namespace

void
set_opus_rate (GstElement *opusenc, unsigned kbps, unsigned frame_ms)
{
  auto *held = static_cast<PendingRef *> (g_object_get_data (G_OBJECT (opusenc), PENDING_KEY));
  if (!held) {
    held = new PendingRef (std::make_shared<PendingOpusRate> ());
    g_object_set_data_full (G_OBJECT (opusenc), PENDING_KEY, held, delete_pending_ref);
  }
  PendingOpusRate &pending = **held;
  {
    std::lock_guard<std::mutex> guard (pending.lock);
    pending.kbps = kbps;
    pending.frame_ms = frame_ms;
    if (pending.probe_waiting)
      return;
    pending.probe_waiting = true;
  }
  GstPad *sink = gst_element_get_static_pad (opusenc, "sink");
  if (!sink)
    return;
  gst_pad_add_probe (sink, GST_PAD_PROBE_TYPE_BUFFER, apply_pending_rate, new PendingRef (*held),
      delete_pending_ref);
  gst_object_unref (sink);
}

} // namespace gstsig
