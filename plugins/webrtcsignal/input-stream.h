/* gst-webrtcsignal: one input of webrtcsend (a video_%u or audio_%u pad).
 *
 *   sink ─ tee(raw) ─┬─ queue ─ fakesink sync=true     (paces non-live input)
 *                    └─ [encoder branch per codec in use] ─ tee(encoded)
 *                                ├─ queue ─ payloader ─▶ webrtcbin of consumer 1
 *                                └─ queue ─ payloader ─▶ webrtcbin of consumer 2
 *
 * Each input is encoded once per codec in use; a consumer costs a queue, a
 * payloader and its webrtcbin. Keyframe requests (PLI/FIR from consumers, and
 * new consumers) reach the encoder through a KeyframeMerger.
 *
 * Threads: construct, encoder()/attach()/detach() on the element's control
 * thread or the state-change thread, never on a streaming thread.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "codecs.h"
#include "context-thread.h"
#include "keyframe-merger.h"

#include <gst/gst.h>

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace gstsig {

/* One consumer's branch: tee pad ─ queue ─ payloader ─ webrtcbin pad. */
struct ConsumerBranch {
  const Codec *codec = nullptr;
  GstPad *tee_pad = nullptr;    /* request pad of the encoded tee (owned) */
  GstElement *queue = nullptr;  /* in the bin (not owned) */
  GstElement *payloader = nullptr;
  GstElement *diag = nullptr;   /* rtpdiag after the payloader, or nullptr */
};

class InputStream {
public:
  /* Adds the raw part to bin; name is the pad name, e.g. "video_0". */
  InputStream (GstBin *bin, MediaKind kind, std::string name, ContextThread *control,
      GstClockTime keyframe_window);
  ~InputStream ();

  MediaKind kind () const { return kind_; }
  const std::string &name () const { return name_; }
  /* The pad a ghost pad of the bin targets (transfer none). */
  GstPad *sink_pad () const { return sink_pad_; }

  /* Links a new consumer to the webrtcbin sink pad, creating the encoder
   * branch for codec first when it is not running yet. */
  bool attach (ConsumerBranch &branch, const Codec &codec, unsigned pt, unsigned twcc_ext_id,
      unsigned video_bitrate_kbps, bool diagnostics, GstPad *webrtc_pad, std::string *error);
  /* Stops feeding the branch (releases its tee pad); detach () then
   * removes its elements. */
  void cut (ConsumerBranch &branch);
  void detach (ConsumerBranch &branch);

  void set_video_bitrate (unsigned kbps);
  /* Frames out of the encoder of codec so far, and its picture size (0 when
   * unknown). Any thread. */
  guint64 encoded_frames (const Codec &codec);
  void frame_size (const Codec &codec, int *width, int *height);
  /* Asks every running encoder of this input for a keyframe (merged). */
  void request_keyframe ();
  /* Removes everything this input added to the bin. On the control thread
   * (it cancels the merge timers that run there). */
  void remove_from_bin ();

private:
  struct Encoder {
    const Codec *codec;
    GstElement *branch = nullptr; /* bin from encoder_description () */
    GstElement *tee = nullptr;
    GstPad *raw_tee_pad = nullptr;
    std::mutex merge_lock;        /* guards merger, forwarded_seqnum, timer */
    KeyframeMerger merger;
    guint32 forwarded_seqnum = GST_SEQNUM_INVALID;
    guint timer = 0;              /* pending merged request on control */
    std::atomic<guint64> frames { 0 }; /* out of the encoder */
    ContextThread *control;
    explicit Encoder (const Codec *c, GstClockTime window, ContextThread *ctl)
        : codec (c), merger ((int64_t) (window / GST_USECOND)), control (ctl) {}
  };

  Encoder *ensure_encoder (const Codec &codec, unsigned video_bitrate_kbps, std::string *error);
  static GstPadProbeReturn on_upstream_event (GstPad *pad, GstPadProbeInfo *info, gpointer data);
  static void send_merged_keyframe (Encoder *encoder);

  GstBin *bin_;
  MediaKind kind_;
  std::string name_;
  ContextThread *control_;
  GstClockTime keyframe_window_;
  GstElement *raw_tee_ = nullptr;
  GstElement *pace_queue_ = nullptr;
  GstElement *pace_sink_ = nullptr;
  GstPad *sink_pad_ = nullptr;
  unsigned next_branch_ = 0; /* names consumer branches; control thread */
  std::mutex encoders_lock; /* guards encoders_ (the map, not the Encoders) */
  std::map<std::string, std::unique_ptr<Encoder>> encoders_;
};

} // namespace gstsig
