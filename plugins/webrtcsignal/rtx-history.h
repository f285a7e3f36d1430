/* gst-webrtcsignal: how long a viewer's sent packets are kept for
 * retransmission (RTX, answering NACKs).
 *
 * webrtcbin 1.22 gives each viewer's rtprtxsend a history of 500 packets
 * and no time bound: 10 s of video at 500 kbit/s, held in memory for every
 * viewer, though a NACK only comes about one round trip after a loss. The
 * history is bounded by time instead: three round trips and 100 ms (a NACK,
 * its retransmission lost, a second NACK), 300 ms to 2 s; 1 s until the
 * round trip is known. The 500 packets stay as the upper bound.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/gst.h>

namespace gstsig {

/* The history in ms for a round trip of rtt_s seconds (< 0: unknown). */
unsigned rtx_history_ms (double rtt_s);

/* Bounds the history of every rtprtxsend webrtcbin makes from now on to
 * rtx_history_ms (-1). Call once, on a new webrtcbin. */
void bound_rtx_history (GstElement *webrtcbin);

/* Sets the history of webrtcbin's rtprtxsend elements for round trip
 * rtt_s; returns the value set (ms), 0 if there was none. Any thread. */
unsigned size_rtx_history (GstElement *webrtcbin, double rtt_s);

} // namespace gstsig
