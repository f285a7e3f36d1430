/* gst-webrtcsignal: when a received stream asks for retransmissions (NACK).
 *
 * Two things of webrtcbin 1.22's, fixed for each session:
 *
 * - Which streams ask. webrtcbin sets each new jitterbuffer's
 *   `do-retransmission` from the transceiver's `do-nack`, but it walks every
 *   SSRC of the bundled transport and the last one's transceiver wins
 *   (jitter_buffer_set_retransmission does not compare the SSRC). So the
 *   order of the offer's m-lines decided: a browser's offer (audio, then
 *   video) turned NACK on for both; webrtcsend's (video, then audio) turned it
 *   off for the video, and webrtcrecv never asked for a lost packet again.
 *   Here each jitterbuffer takes the `do-nack` of its own SSRC's m-line, as
 *   the remote description's a=ssrc lines give it (an SSRC it does not list
 *   keeps webrtcbin's choice).
 *
 * - What they ask for. rtpjitterbuffer also guesses when the next packet is
 *   due (`rtx-next-seqnum`) and asks for it when it is late. Behind a queue
 *   on a capped link every packet is late: capped-publish's recorder asked
 *   for 165-400 packets per run on a link that lost none, and the
 *   retransmissions filled the queue until packets came after the
 *   jitterbuffer's latency. Here a stream asks only for the packets a gap in
 *   the sequence numbers shows missing, as browsers do.
 *
 * And one of rtpsession's, for the sessions that receive media:
 *
 * - When they ask. A NACK travels in RTCP, and rtpsession 1.22 keeps
 *   RFC 4585's rules: a feedback packet goes out early (at once) at most
 *   once per regular RTCP interval T_rr, and T_rr comes from the session's
 *   RTCP bandwidth, 5 % of a bandwidth it estimates only when a regular
 *   report is due, at least `rtcp-min-interval` (5 s, times 0.5 to 1.5)
 *   apart. Until then the estimate is its 64 kbit/s floor, T_rr 0.44-0.74 s:
 *   at most one NACK packet every half second, and most losses were asked
 *   for after the jitterbuffer had given up on them (webrtcsend ->
 *   webrtcrecv, 4 % of the video packets dropped: 0-48 of 105 frames came
 *   out in 3.5 s). A receiving session now has a fixed RTCP bandwidth,
 *   kFeedbackBandwidthBps, whatever the stream's: T_rr is 7-20 ms from
 *   the start (rtpsession's debug log: each of 23 NACKs left at once), and
 *   104-105 of 105 frames came out in 10 runs. It bounds the feedback, not
 *   the regular reports, which stay as rare as before.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/gst.h>
#include <gst/sdp/sdp.h>

#include <map>
#include <memory>
#include <mutex>

namespace gstsig {

/* The m-line index of each SSRC a description lists (a=ssrc). */
std::map<guint32, guint> ssrc_mlines (const GstSDPMessage *sdp);

/* The peer's SSRCs and their m-lines: learnt from each remote description
 * (control thread), read when a jitterbuffer is made (streaming thread). */
class RemoteSsrcs {
public:
  void learn (const GstSDPMessage *sdp);
  /* -1: not listed. */
  int mline_of (guint32 ssrc);

private:
  std::mutex lock_;
  std::map<guint32, guint> mlines_;
};

/* Configures every jitterbuffer webrtcbin's rtpbin makes from now on, as
 * above. Call once, on a new webrtcbin, before its first remote
 * description. */
void configure_receive_nack (GstElement *webrtcbin, std::shared_ptr<RemoteSsrcs> ssrcs);

/* The RTCP bandwidth of a receiving session (bit/s), whatever the stream's. */
constexpr guint kFeedbackBandwidthBps = 150000;

/* Sets every session webrtcbin's rtpbin has now to kFeedbackBandwidthBps
 * of RTCP (above). Control thread, once the descriptions are applied
 * (webrtcbin makes its sessions then); for sessions that receive media. */
void receive_promptly (GstElement *webrtcbin);

} // namespace gstsig
