/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "rtx-history.h"

#include "bin-utils.h"

namespace gstsig {

namespace {

constexpr unsigned UNKNOWN_RTT_HISTORY_MS = 1000;
constexpr unsigned MIN_HISTORY_MS = 300;
constexpr unsigned MAX_HISTORY_MS = 2000;

void
on_deep_element_added (GstBin *, GstBin *, GstElement *element, gpointer)
{
  if (is_from_factory (element, "rtprtxsend"))
    g_object_set (element, "max-size-time", rtx_history_ms (-1), nullptr);
}

} // namespace

unsigned
rtx_history_ms (double rtt_s)
{
  if (rtt_s < 0)
    return UNKNOWN_RTT_HISTORY_MS;
  double ms = 3 * rtt_s * 1000 + 100;
  return (unsigned) CLAMP (ms, (double) MIN_HISTORY_MS, (double) MAX_HISTORY_MS);
}

void
bound_rtx_history (GstElement *webrtcbin)
{
  g_signal_connect (webrtcbin, "deep-element-added", G_CALLBACK (on_deep_element_added), nullptr);
}

unsigned
size_rtx_history (GstElement *webrtcbin, double rtt_s)
{
  unsigned ms = rtx_history_ms (rtt_s), set = 0;
  for (GstElement *sender : elements_of_factory (GST_BIN (webrtcbin), "rtprtxsend")) {
    g_object_set (sender, "max-size-time", ms, nullptr);
    set = ms;
    gst_object_unref (sender);
  }
  return set;
}

} // namespace gstsig
