/* gst-webrtcsignal: congestion control of one viewer of webrtcsend, fed
 * from webrtcbin 1.22's own transport-wide feedback.
 *
 * When the viewer negotiated transport-cc, each RTCP transport feedback it
 * sends is parsed by webrtcbin's rtpsession, which matches it to the
 * packets sent and pushes an upstream custom event "RTPTWCCPackets" (a
 * "packets" array of seqnum, local-ts, remote-ts, size, lost) out of
 * webrtcbin's sink pads (every sink pad of the bundle sees the same
 * event). A probe on those pads takes the event (it goes no further
 * upstream: nothing there needs it), feeds a CongestionController and
 * hands the new target to on_target (also every TARGET_REFRESH_US while it
 * holds). See docs/congestion-control.md.
 *
 * Threads: the probe runs on webrtcbin's RTCP receiving thread; attach,
 * close and figures on the control thread. on_target is called on the
 * probe's thread under this object's lock (never after close () returned).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "congestion-controller.h"

#include <gst/gst.h>

#include <functional>
#include <memory>
#include <mutex>
#include <vector>

namespace gstsig {

/* At most this many packets of one feedback event are read. */
constexpr unsigned MAX_FEEDBACK_PACKETS = 4096;

/* The packets of an "RTPTWCCPackets" structure, at most max of them;
 * packets without a valid send time are skipped. */
std::vector<FeedbackPacket> feedback_packets (const GstStructure *s, unsigned max);

class ViewerCongestion : public std::enable_shared_from_this<ViewerCongestion> {
public:
  ViewerCongestion (CongestionBounds bounds, std::function<void (unsigned kbps)> on_target);

  /* Takes the feedback events that come out of pad (a webrtcbin sink pad). */
  void attach (GstPad *pad);
  /* Removes the probes; on_target is not called any more. */
  void close ();
  /* estimated-bitrate, feedback-bitrate (bit/s), feedback-loss (0..1) and
   * congestion (normal, overuse, underuse) into a session's statistics. */
  void add_figures (GstStructure *stats);

private:
  static GstPadProbeReturn on_event (GstPad *pad, GstPadProbeInfo *info, gpointer data);
  void on_feedback (const GstStructure *s, guint32 seqnum);

  std::mutex lock; /* guards everything below */
  CongestionController controller_;
  std::function<void (unsigned)> on_target_;
  std::vector<std::pair<GstPad *, gulong>> probes_; /* pads owned */
  guint32 last_seqnum_ = GST_SEQNUM_INVALID; /* the same event reaches every pad */
  bool closed_ = false;
  bool fed_ = false;
  gint64 last_target_us_ = 0; /* on_target's last call */
  static constexpr gint64 TARGET_REFRESH_US = 500 * 1000;
};

} // namespace gstsig
