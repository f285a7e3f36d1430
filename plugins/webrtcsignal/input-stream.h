/* gst-webrtcsignal: one input of webrtcsend (a video_%u or audio_%u pad).
 *
 *   sink ─ tee(input) ─┬─ queue ─ fakesink sync=true     (paces non-live input)
 *                      └─ [branch per codec in use] ─ tee(encoded)
 *                                ├─ queue ─ payloader ─▶ webrtcbin of consumer 1
 *                                └─ queue ─ payloader ─▶ webrtcbin of consumer 2
 *
 * The first caps say what the input is. Raw media: the branch is an encoder,
 * one per codec in use; a consumer costs a queue, a payloader and its
 * webrtcbin. Pre-encoded media (H264, VP8, Opus): there is one branch, of
 * that codec, that readies it for the payloaders (H264: byte-stream, AU,
 * SPS/PPS before every IDR); no encoder. Keyframe requests (PLI/FIR from
 * consumers, and new consumers) go upstream through a KeyframeMerger: to the
 * encoder, or out of the element to whatever made the pre-encoded stream.
 *
 * Pacing: when upstream is not live (a file), the pacing queue holds at
 * most PACE_AHEAD of media, so the fakesink, which waits for the clock,
 * holds the whole input back to real time; live input is not held.
 *
 * Threads: construct, attach()/detach() on the element's control thread or
 * the state-change thread, never on a streaming thread, except the branch
 * of pre-encoded input, made when its first caps arrive. A branch is built
 * without encoders_lock and published under it (ensure_encoder); probes
 * and timers hold the Encoder they use (a shared_ptr), never a bare
 * pointer.
 *
 * Lock order: encoders_lock, then an Encoder's merge_lock (neither is held
 * while building, linking or changing the state of elements); form_lock
 * nests with nothing.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "codecs.h"
#include "context-thread.h"
#include "keyframe-merger.h"
#include "picture-size.h"

#include <gst/gst.h>

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace gstsig {

/* How far ahead of the clock non-live input may run (ns). */
constexpr GstClockTime PACE_AHEAD = 200 * GST_MSECOND;
/* How often the encoders' picture sizes are checked (ms). */
constexpr guint PICTURE_SIZE_CHECK_MS = 500;
/* A consumer of pre-encoded video that waits this long for a keyframe gets
 * the user a warning (ms). */
constexpr guint KEYFRAME_WAIT_WARNING_MS = 5000;

/* What an input carries, known from its first caps. */
struct InputForm {
  const Codec *codec = nullptr; /* the pre-encoded codec; nullptr: raw media */
  std::string h264_profile;     /* H264: profile-level-id of the stream */
  double pixel_rate = 0;        /* raw video: width x height x fps (0: unknown) */
  bool encoded () const { return codec != nullptr; }
};

/* One consumer's branch: tee pad ─ queue ─ payloader ─ webrtcbin pad. */
struct ConsumerBranch {
  const Codec *codec = nullptr;
  GstPad *tee_pad = nullptr;    /* request pad of the encoded tee (owned) */
  GstElement *queue = nullptr;  /* in the bin (not owned) */
  GstElement *payloader = nullptr;
  GstElement *diag = nullptr;   /* rtpdiag after the payloader, or nullptr */
  guint keyframe_timer = 0;     /* control thread: the no-keyframe warning */
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

  /* What the input carries, once its caps are known. Any thread. */
  std::optional<InputForm> form () const;
  /* Calls fn once the form is known, at once (here) if it is, else on the
   * streaming thread that brings the caps: fn must not block. */
  void when_form_known (std::function<void ()> fn);
  /* EOS has gone through the pacing sink: everything was sent. A flush or
   * a new stream clears it. Any thread. */
  bool ended () const { return ended_; }
  /* Called on the streaming thread when the input ends (see ended ()). */
  void set_eos_handler (std::function<void ()> fn);

  /* Links a new consumer to the webrtcbin sink pad, creating the encoder
   * branch for codec first when it is not running yet. The payloader
   * announces h264_profile ("" = 42e01f). */
  bool attach (ConsumerBranch &branch, const Codec &codec, unsigned pt,
      const RtpStreamSetup &setup, const std::string &h264_profile,
      unsigned video_bitrate_kbps, bool diagnostics, GstPad *webrtc_pad, std::string *error);
  /* Stops feeding the branch (releases its tee pad); detach () then
   * removes its elements. */
  void cut (ConsumerBranch &branch);
  void detach (ConsumerBranch &branch);

  /* video-bitrate changed: the encoders' target, or their ceiling while
   * viewers have congestion targets. Any thread. */
  void set_video_bitrate (unsigned kbps);
  /* Congestion control (viewer-congestion.h): what viewer may be sent of
   * this input now (kbit/s). The video encoders follow the highest target
   * (one encoder per codec: a slower viewer gets the same stream, as
   * without congestion control), never above video-bitrate; with no
   * target they run at video-bitrate. Any thread. */
  void set_viewer_target (const void *viewer, unsigned kbps);
  void forget_viewer (const void *viewer);
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
    std::atomic<guint64> bytes { 0 };
    /* Control thread, under targets_lock: the picture size. */
    PictureSizer sizer;
    guint64 measured_bytes = 0;
    gint64 measured_us = 0;
    ContextThread *control;
    explicit Encoder (const Codec *c, GstClockTime window, ContextThread *ctl)
        : codec (c), merger ((int64_t) (window / GST_USECOND)), control (ctl) {}
  };

  std::shared_ptr<Encoder> ensure_encoder (const Codec &codec, unsigned video_bitrate_kbps,
      std::string *error);
  /* Takes an encoder's branch out of the bin (not from encoders_). */
  void discard_encoder (Encoder &enc);
  static Encoder &encoder_of (gpointer probe_data);
  bool released (); /* remove_from_bin has run */
  /* The encoders' bitrate from video-bitrate and the viewers' targets;
   * holds targets_lock. */
  unsigned followed_bitrate_locked () const;
  void follow_viewers_locked ();
  void set_encoders_bitrate (unsigned kbps);
  bool check_picture_sizes ();
  void apply_picture_size (Encoder &enc, double sent_kbps);
  static GstPadProbeReturn on_upstream_event (GstPad *pad, GstPadProbeInfo *info, gpointer data);
  static GstPadProbeReturn on_input (GstPad *pad, GstPadProbeInfo *info, gpointer data);
  static void send_merged_keyframe (const std::shared_ptr<Encoder> &encoder);
  bool on_caps (GstCaps *caps);
  void check_liveness ();
  void warn_if_no_keyframe (ConsumerBranch &branch, std::shared_ptr<std::atomic<bool>> seen);

  GstBin *bin_;
  MediaKind kind_;
  std::string name_;
  ContextThread *control_;
  GstClockTime keyframe_window_;
  GstElement *raw_tee_ = nullptr; /* the input tee, raw or pre-encoded (owned ref) */
  GstElement *pace_queue_ = nullptr;
  GstElement *pace_sink_ = nullptr;
  GstPad *sink_pad_ = nullptr;
  unsigned next_branch_ = 0; /* names consumer branches; control thread */

  mutable std::mutex form_lock; /* guards form_ and form_waiters_ */
  std::optional<InputForm> form_;
  std::vector<std::function<void ()>> form_waiters_;
  std::function<void ()> eos_handler_; /* set before data flows */
  std::atomic<bool> ended_ { false };
  std::atomic<bool> liveness_checked_ { false };
  /* Monotonic µs of the last keyframe into the input (0: none yet). */
  std::shared_ptr<std::atomic<gint64>> last_keyframe_us_ =
      std::make_shared<std::atomic<gint64>> (0);
  std::mutex encoders_lock; /* guards encoders_ (the map, not the Encoders) and removed_ */
  std::map<std::string, std::shared_ptr<Encoder>> encoders_;
  bool removed_ = false;    /* remove_from_bin ran: no new encoder */
  std::atomic<bool> warned_no_profile_ { false }; /* H264 caps without profile: warned once */

  /* Lock order: targets_lock, then encoders_lock. */
  mutable std::mutex targets_lock; /* guards the five below and the Encoders' sizers */
  std::map<const void *, unsigned> viewer_targets_; /* kbit/s */
  unsigned configured_kbps_ = 0; /* video-bitrate (0: no consumer yet) */
  unsigned applied_kbps_ = 0;    /* what the encoders were last set to */
  guint size_timer_ = 0;         /* check_picture_sizes on control */
  bool removed_sizes_ = false;   /* remove_from_bin ran: no new timer */
};

} // namespace gstsig
