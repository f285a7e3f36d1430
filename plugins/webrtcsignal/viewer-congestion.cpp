/* gst-webrtcsignal: one viewer's congestion control (see viewer-congestion.h).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "viewer-congestion.h"

GST_DEBUG_CATEGORY_STATIC (viewer_congestion_debug);
#define GST_CAT_DEFAULT viewer_congestion_debug

namespace gstsig {

std::vector<FeedbackPacket>
feedback_packets (const GstStructure *s, unsigned max)
{
  std::vector<FeedbackPacket> out;
  const GValue *packets = gst_structure_get_value (s, "packets");
  /* rtpsession builds it as a GValueArray (deprecated in GLib, not here). */
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  if (!packets || !G_VALUE_HOLDS (packets, g_value_array_get_type ()))
    return out;
  GValueArray *array = (GValueArray *) g_value_get_boxed (packets);
  guint n = array ? array->n_values : 0;
  const GValue *values = array ? array->values : nullptr;
  G_GNUC_END_IGNORE_DEPRECATIONS
  for (guint i = 0; i < n && out.size () < max; i++) {
    const GValue *v = &values[i];
    if (!GST_VALUE_HOLDS_STRUCTURE (v))
      continue;
    const GstStructure *p = gst_value_get_structure (v);
    guint64 local_ts = GST_CLOCK_TIME_NONE, remote_ts = GST_CLOCK_TIME_NONE;
    guint size = 0;
    gboolean lost = FALSE;
    if (!gst_structure_get_uint64 (p, "local-ts", &local_ts) || !GST_CLOCK_TIME_IS_VALID (local_ts))
      continue;
    gst_structure_get_uint64 (p, "remote-ts", &remote_ts);
    gst_structure_get_uint (p, "size", &size);
    gst_structure_get_boolean (p, "lost", &lost);
    FeedbackPacket packet;
    packet.send_us = (int64_t) (local_ts / GST_USECOND);
    packet.arrival_us =
        lost || !GST_CLOCK_TIME_IS_VALID (remote_ts) ? -1 : (int64_t) (remote_ts / GST_USECOND);
    packet.size = size;
    out.push_back (packet);
  }
  return out;
}

ViewerCongestion::ViewerCongestion (CongestionBounds bounds,
    std::function<void (unsigned kbps)> on_target)
    : controller_ (bounds), on_target_ (std::move (on_target))
{
  static gsize debug_once = 0;
  if (g_once_init_enter (&debug_once)) {
    GST_DEBUG_CATEGORY_INIT (viewer_congestion_debug, "webrtcsignal-congestion", 0,
        "each viewer's estimate, from its transport-wide feedback");
    g_once_init_leave (&debug_once, 1);
  }
}

void
ViewerCongestion::attach (GstPad *pad)
{
  auto *self = new std::shared_ptr<ViewerCongestion> (shared_from_this ());
  gulong id = gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_EVENT_UPSTREAM, on_event, self,
      [] (gpointer data) { delete static_cast<std::shared_ptr<ViewerCongestion> *> (data); });
  std::lock_guard<std::mutex> guard (lock);
  probes_.emplace_back (GST_PAD (gst_object_ref (pad)), id);
}

void
ViewerCongestion::close ()
{
  std::vector<std::pair<GstPad *, gulong>> probes;
  {
    std::lock_guard<std::mutex> guard (lock);
    closed_ = true;
    probes.swap (probes_);
  }
  for (auto &[pad, id] : probes) {
    gst_pad_remove_probe (pad, id);
    gst_object_unref (pad);
  }
}

GstPadProbeReturn
ViewerCongestion::on_event (GstPad *, GstPadProbeInfo *info, gpointer data)
{
  GstEvent *event = GST_PAD_PROBE_INFO_EVENT (info);
  if (GST_EVENT_TYPE (event) != GST_EVENT_CUSTOM_UPSTREAM ||
      !gst_event_has_name (event, "RTPTWCCPackets"))
    return GST_PAD_PROBE_OK;
  auto &self = *static_cast<std::shared_ptr<ViewerCongestion> *> (data);
  self->on_feedback (gst_event_get_structure (event), gst_event_get_seqnum (event));
  return GST_PAD_PROBE_DROP;
}

void
ViewerCongestion::on_feedback (const GstStructure *s, guint32 seqnum)
{
  std::lock_guard<std::mutex> guard (lock);
  if (closed_ || seqnum == last_seqnum_)
    return;
  last_seqnum_ = seqnum;
  std::vector<FeedbackPacket> packets = feedback_packets (s, MAX_FEEDBACK_PACKETS);
  if (packets.empty ())
    return;
  unsigned before = controller_.target_kbps ();
  gint64 now = g_get_monotonic_time ();
  controller_.on_feedback (packets, now);
  unsigned after = controller_.target_kbps ();
  if (!fed_ || after != before)
    GST_DEBUG ("%p: estimate %u kbit/s (arrived %.0f, delay %s, loss %.3f)", this, after,
        controller_.acked_kbps (), delay_signal_name (controller_.delay_signal ()),
        controller_.loss ());
  /* Also when it holds, now and then: what the target leaves the video
   * depends on more than the estimate (retransmissions, send-session.cpp). */
  if (!fed_ || after != before || now - last_target_us_ >= TARGET_REFRESH_US) {
    last_target_us_ = now;
    on_target_ (after);
  }
  fed_ = true;
}

void
ViewerCongestion::add_figures (GstStructure *stats)
{
  std::lock_guard<std::mutex> guard (lock);
  gst_structure_set (stats, "estimated-bitrate", G_TYPE_UINT, controller_.target_kbps () * 1000,
      "congestion", G_TYPE_STRING, delay_signal_name (controller_.delay_signal ()),
      "feedback-loss", G_TYPE_DOUBLE, controller_.loss (), nullptr);
  if (controller_.acked_kbps () >= 0)
    gst_structure_set (stats, "feedback-bitrate", G_TYPE_UINT,
        (guint) (controller_.acked_kbps () * 1000), nullptr);
}

} // namespace gstsig
