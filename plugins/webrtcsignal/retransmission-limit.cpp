/* gst-webrtcsignal: a viewer's retransmissions held to their budget (see
 * retransmission-limit.h).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "retransmission-limit.h"

#include "bin-utils.h"

#include <atomic>

GST_DEBUG_CATEGORY_STATIC (retransmission_limit_debug);
#define GST_CAT_DEFAULT retransmission_limit_debug

namespace gstsig {

struct RetransmissionLimit::State {
  std::mutex lock; /* guards budget and open */
  RetransmissionBudget budget;
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
  if (budget.take (g_get_monotonic_time (), gst_buffer_get_size (buffer)))
    return GST_PAD_PROBE_OK;
  GST_DEBUG ("%p: a retransmission over the budget of %.0f kbit/s dropped (%" G_GUINT64_FORMAT
      " so far)", probe->state.get (), budget.rate_bytes_per_s () * 8 / 1000, budget.dropped ());
  return GST_PAD_PROBE_DROP;
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

bool
is_rtx_sender (GstElement *element)
{
  GstElementFactory *factory = gst_element_get_factory (element);
  return factory && g_strcmp0 (GST_OBJECT_NAME (factory), "rtprtxsend") == 0;
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
    gst_object_unref (src);
  }
}

void
on_deep_element_added (GstBin *, GstBin *, GstElement *element, gpointer data)
{
  if (is_rtx_sender (element))
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
RetransmissionLimit::dropped () const
{
  std::lock_guard<std::mutex> guard (state_->lock);
  return state_->budget.dropped ();
}

} // namespace gstsig
