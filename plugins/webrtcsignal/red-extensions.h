/* gst-webrtcsignal: the header extensions of the RED packets webrtcbin 1.22
 * sends when a video stream negotiated RED and ULPFEC.
 *
 * webrtcbin wraps every packet of such a stream in RED with its own
 * rtpredenc (gst-plugins-good 1.22), which keeps none of the packet's
 * header extensions but transport-cc, and writes that one under id 1
 * whatever id was negotiated: the MID goes, and a consumer whose offer
 * put transport-cc elsewhere gets an extension it reads as something else
 * and no transport-wide sequence number (rtpsession writes it only under
 * the negotiated id). Retransmissions are copies of these packets, so
 * they lose their MID too (Chromium decoded 9-12 fps through 5 % loss,
 * tests/browser/fec-without-nack.mjs). A probe after rtpredenc gives each
 * RED packet the extensions negotiated for the stream again.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/gst.h>

#include <string>

namespace gstsig {

struct RedExtensions {
  /* Whether the stream starts wrapped in RED (FEC from the start); see
   * wrap_in_red. */
  bool red_from_start = true;
  guint32 ssrc = 0;     /* the stream's: packets of other streams are left alone, */
  unsigned red_pt = 0;  /* and packets of other payload types */
  unsigned twcc_id = 0; /* 0: none; rtpsession fills the number in */
  unsigned mid_id = 0;  /* 0: none */
  std::string mid;
};

/* buffer (transfer full) with the header extensions of ext in place of its
 * own when it is a RED packet of the stream (ext.ssrc, ext.red_pt), else
 * unchanged.
 * Ids above 14 (one-byte headers only, as rtpsession reads them) and MIDs
 * longer than 16 bytes are left out. */
GstBuffer *restore_red_extensions (GstBuffer *buffer, const RedExtensions &ext);

/* Gives the RED packets of every rtpredenc webrtcbin makes from now on
 * (it makes one when a stream's first buffer arrives) the extensions of
 * ext and, unless ext.red_from_start, makes it let packets pass unwrapped
 * until wrap_in_red says otherwise. Call before media flows. */
void restore_red_extensions_in (GstElement *webrtcbin, const RedExtensions &ext);

/* webrtcbin wraps every packet of the stream in RED once RED is
 * negotiated, FEC or not; without FEC packets the packets can go as they
 * are (the consumer takes both payload types). The rtpredenc of the stream
 * that enters webrtcbin through sink_pad (transfer full), or nullptr while
 * webrtcbin has not made it (before the first packet). */
GstElement *red_encoder_of (GstPad *sink_pad);

/* Wraps the stream's packets in RED, or lets them pass as they are
 * (rtpredenc's allow-no-red-blocks). webrtcbin sets every transceiver's
 * encoder of a transport back to wrapping when a stream of it connects:
 * call it again now and then. Returns whether it changed anything. */
bool wrap_in_red (GstElement *red_encoder, bool wrap);

} // namespace gstsig
