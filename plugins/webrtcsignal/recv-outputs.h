/* gst-webrtcsignal: the outputs of webrtcrecv: for each received stream, a
 * pad of the element and the chain behind it (output-chain.h), keyframe
 * requests until the first keyframe, EOS when the producer is gone, and the
 * figures webrtcbin does not count (fps, picture size, rtpdiag).
 *
 * Threads: add() on webrtcbin's streaming threads; the rest on the
 * element's control or state-change thread. One lock guards the list.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/gst.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace gstsig {

struct Output;

class RecvOutputs {
public:
  explicit RecvOutputs (GstElement *element);
  ~RecvOutputs ();

  void set_diagnostics (bool diagnostics);
  /* A new RTP stream from webrtcbin: expose a pad, let the application
   * link it, then build what the linked element takes; no-more-pads once
   * expected streams are there. */
  void add (GstPad *webrtc_src, unsigned expected);
  /* Asks for a keyframe on every video output that had none yet, or that
   * put out no frame since the last call while packets arrived. */
  bool request_missing_keyframes ();
  /* Every output gets EOS (muxers finalize); an error when there was none. */
  void end (const std::string &reason);
  bool empty () const;
  void remove_all ();
  void add_own_figures (GstStructure *stats);

private:
  void post_no_more_pads_if_complete (unsigned expected);

  GstElement *element_;
  mutable std::mutex lock_; /* guards the members below */
  std::vector<std::unique_ptr<Output>> outputs_;
  unsigned next_video_ = 0, next_audio_ = 0;
  bool diagnostics_ = false;
};

} // namespace gstsig
