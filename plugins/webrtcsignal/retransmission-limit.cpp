/* gst-webrtcsignal: a viewer's retransmissions held to their budget (see
 * retransmission-limit.h).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "retransmission-limit.h"

#include "bin-utils.h"

#include <gst/video/video.h>

#include <atomic>

GST_DEBUG_CATEGORY_STATIC (retransmission_limit_debug);
#define GST_CAT_DEFAULT retransmission_limit_debug

namespace gstsig {

struct RetransmissionLimit::State {
  std::mutex lock; /* guards everything below */
  RetransmissionBudget budget;
  RepeatedRequests requests;
  uint64_t keyframes_asked = 0;
  uint64_t sent_bytes = 0; /* retransmissions let through */
  bool open = true;
};

namespace {

/* One rtprtxsend: which payload types are its retransmissions. */
struct SenderProbe {
  std::shared_ptr<RetransmissionLimit::State> state;
  std::atomic<uint64_t> rtx_pts[2] = { { 0 }, { 0 } }; /* a bit per payload type */
};

gboolean
add_rtx_pt (GQuark, const GValue *value, gpointer data)
{
  auto bits = static_cast<uint64_t *> (data);
  if (G_VALUE_HOLDS_UINT (value) && g_value_get_uint (value) < 128) {
    guint pt = g_value_get_uint (value);
    bits[pt / 64] |= uint64_t (1) << (pt % 64);
  }
  return TRUE;
}

void
read_rtx_pts (GstElement *sender, SenderProbe *probe)
{
  GstStructure *map = nullptr;
  g_object_get (sender, "payload-type-map", &map, nullptr);
  uint64_t bits[2] = { 0, 0 };
  if (map) {
    gst_structure_foreach (map, add_rtx_pt, bits);
    gst_structure_free (map);
  }
  probe->rtx_pts[0] = bits[0];
  probe->rtx_pts[1] = bits[1];
}

void
on_map_changed (GObject *sender, GParamSpec *, gpointer data)
{
  read_rtx_pts (GST_ELEMENT (sender), static_cast<std::shared_ptr<SenderProbe> *> (data)->get ());
}

GstPadProbeReturn
on_buffer (GstPad *, GstPadProbeInfo *info, gpointer data)
{
  SenderProbe *probe = static_cast<std::shared_ptr<SenderProbe> *> (data)->get ();
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);
  guint8 second = 0;
  if (gst_buffer_extract (buffer, 1, &second, 1) != 1)
    return GST_PAD_PROBE_OK;
  guint pt = second & 0x7f;
  if (!(probe->rtx_pts[pt / 64].load (std::memory_order_relaxed) & (uint64_t (1) << (pt % 64))))
    return GST_PAD_PROBE_OK; /* an original packet */
  std::lock_guard<std::mutex> guard (probe->state->lock);
  if (!probe->state->open)
    return GST_PAD_PROBE_OK;
  RetransmissionBudget &budget = probe->state->budget;
  gsize size = gst_buffer_get_size (buffer);
  if (budget.take (g_get_monotonic_time (), size)) {
    probe->state->sent_bytes += size;
    return GST_PAD_PROBE_OK;
  }
  GST_DEBUG ("%p: a retransmission over the budget of %.0f kbit/s dropped (%" G_GUINT64_FORMAT
      " so far)", probe->state.get (), budget.rate_bytes_per_s () * 8 / 1000, budget.dropped ());
  return GST_PAD_PROBE_DROP;
}

/* A retransmission request (from rtpsession, for a NACK): the third for
 * one packet asks the encoder for a keyframe, as a PLI would, from the RTX
 * sender's sink pad upstream (rtpsession, webrtcbin and the payloader pass
 * it on to the viewer's encoder). */
GstPadProbeReturn
on_request (GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  SenderProbe *probe = static_cast<std::shared_ptr<SenderProbe> *> (data)->get ();
  GstEvent *event = GST_PAD_PROBE_INFO_EVENT (info);
  const GstStructure *s = gst_event_get_structure (event);
  guint seqnum = 0, ssrc = 0;
  if (GST_EVENT_TYPE (event) != GST_EVENT_CUSTOM_UPSTREAM || !s ||
      !gst_structure_has_name (s, "GstRTPRetransmissionRequest") ||
      !gst_structure_get_uint (s, "seqnum", &seqnum) || !gst_structure_get_uint (s, "ssrc", &ssrc))
    return GST_PAD_PROBE_OK;
  {
    std::lock_guard<std::mutex> guard (probe->state->lock);
    if (!probe->state->open ||
        !probe->state->requests.on_request (ssrc, (uint16_t) seqnum, g_get_monotonic_time ()))
      return GST_PAD_PROBE_OK;
    probe->state->keyframes_asked++;
  }
  GST_DEBUG ("%p: packet %u of %08x asked for %u times: asking for a keyframe",
      probe->state.get (), seqnum, ssrc, RepeatedRequests::GIVE_UP_AT);
  GstElement *sender = gst_pad_get_parent_element (pad);
  if (sender) {
    GstPad *sink = gst_element_get_static_pad (sender, "sink");
    if (sink) {
      gst_pad_push_event (sink,
          gst_video_event_new_upstream_force_key_unit (GST_CLOCK_TIME_NONE, TRUE, 0));
      gst_object_unref (sink);
    }
    gst_object_unref (sender);
  }
  return GST_PAD_PROBE_OK;
}

void
delete_probe (gpointer data)
{
  delete static_cast<std::shared_ptr<SenderProbe> *> (data);
}

void
delete_probe_closure (gpointer data, GClosure *)
{
  delete_probe (data);
}

void
watch_sender (GstElement *sender, const std::shared_ptr<RetransmissionLimit::State> &state)
{
  auto probe = std::make_shared<SenderProbe> ();
  probe->state = state;
  read_rtx_pts (sender, probe.get ());
  g_signal_connect_data (sender, "notify::payload-type-map", G_CALLBACK (on_map_changed),
      new std::shared_ptr<SenderProbe> (probe), delete_probe_closure, GConnectFlags (0));
  GstPad *src = gst_element_get_static_pad (sender, "src");
  if (src) {
    gst_pad_add_probe (src, GST_PAD_PROBE_TYPE_BUFFER, on_buffer,
        new std::shared_ptr<SenderProbe> (probe), delete_probe);
    gst_pad_add_probe (src, GST_PAD_PROBE_TYPE_EVENT_UPSTREAM, on_request,
        new std::shared_ptr<SenderProbe> (probe), delete_probe);
    gst_object_unref (src);
  }
}

void
on_deep_element_added (GstBin *, GstBin *, GstElement *element, gpointer data)
{
  if (is_from_factory (element, "rtprtxsend"))
    watch_sender (element, *static_cast<std::shared_ptr<RetransmissionLimit::State> *> (data));
}

void
delete_state (gpointer data, GClosure *)
{
  delete static_cast<std::shared_ptr<RetransmissionLimit::State> *> (data);
}

} // namespace

RetransmissionLimit::RetransmissionLimit () : state_ (std::make_shared<State> ())
{
  static gsize debug_once = 0;
  if (g_once_init_enter (&debug_once)) {
    GST_DEBUG_CATEGORY_INIT (retransmission_limit_debug, "webrtcsignal-rtx", 0,
        "retransmissions held to a share of each viewer's estimate");
    g_once_init_leave (&debug_once, 1);
  }
}

RetransmissionLimit::~RetransmissionLimit ()
{
  close ();
}

void
RetransmissionLimit::attach (GstElement *webrtcbin)
{
  webrtcbin_ = webrtcbin;
  added_handler_ = g_signal_connect_data (webrtcbin, "deep-element-added",
      G_CALLBACK (on_deep_element_added), new std::shared_ptr<State> (state_), delete_state,
      GConnectFlags (0));
  for (GstElement *sender : elements_of_factory (GST_BIN (webrtcbin), "rtprtxsend")) {
    watch_sender (sender, state_);
    gst_object_unref (sender);
  }
}

void
RetransmissionLimit::close ()
{
  if (webrtcbin_ && added_handler_)
    g_signal_handler_disconnect (webrtcbin_, added_handler_);
  added_handler_ = 0;
  webrtcbin_ = nullptr;
  std::lock_guard<std::mutex> guard (state_->lock);
  state_->open = false;
}

void
RetransmissionLimit::set_estimate_kbps (unsigned kbps)
{
  std::lock_guard<std::mutex> guard (state_->lock);
  state_->budget.set_estimate_kbps (kbps);
}

uint64_t
RetransmissionLimit::retransmitted_bytes () const
{
  std::lock_guard<std::mutex> guard (state_->lock);
  return state_->sent_bytes;
}

uint64_t
RetransmissionLimit::dropped () const
{
  std::lock_guard<std::mutex> guard (state_->lock);
  return state_->budget.dropped ();
}

uint64_t
RetransmissionLimit::keyframes_asked () const
{
  std::lock_guard<std::mutex> guard (state_->lock);
  return state_->keyframes_asked;
}

} // namespace gstsig
