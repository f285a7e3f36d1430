/* gst-webrtcsignal: holds one viewer's retransmissions to its budget
 * (retransmission-budget.h), inside its webrtcbin.
 *
 * webrtcbin 1.22 makes an rtprtxsend for each sending session of the
 * bundle; it answers NACKs from its history and sends the retransmissions
 * out of its src pad, between the original packets, with the RTX payload
 * types of its "payload-type-map". A probe on that pad lets the originals
 * through and drops a retransmission that the budget has no room for.
 * There, rtpsession has not seen the packet yet: a packet dropped takes no
 * transport-wide sequence number and counts in no statistics.
 *
 * The requests for retransmissions pass the same pad (upstream events from
 * rtpsession, one per packet a NACK names). A packet asked for a third
 * time (repeated-requests.h) gets the viewer's encoder asked for a keyframe
 * at once, as a PLI would.
 *
 * Threads: attach and close on the control thread; set_estimate_kbps on
 * any (the feedback's); the probe on the RTX sender's streaming thread.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "repeated-requests.h"
#include "retransmission-budget.h"

#include <gst/gst.h>

#include <memory>
#include <mutex>

namespace gstsig {

class RetransmissionLimit {
public:
  RetransmissionLimit ();
  ~RetransmissionLimit ();

  /* Watches webrtcbin for its rtprtxsend elements (those it has and those
   * it makes later). Once per webrtcbin, which must outlive close (). */
  void attach (GstElement *webrtcbin);
  /* Stops watching; retransmissions are no longer limited. */
  void close ();
  /* The viewer's estimate (kbit/s; 0: no limit). */
  void set_estimate_kbps (unsigned kbps);
  /* Bytes of retransmissions sent so far (those the budget let through). */
  uint64_t retransmitted_bytes () const;
  /* Retransmissions dropped so far. */
  uint64_t dropped () const;
  /* Keyframes asked for because a packet was asked for again and again. */
  uint64_t keyframes_asked () const;

  struct State;

private:
  std::shared_ptr<State> state_;
  GstElement *webrtcbin_ = nullptr; /* not owned */
  gulong added_handler_ = 0;
};

} // namespace gstsig
