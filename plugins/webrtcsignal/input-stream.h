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
#include "tier-plan.h"

#include <gst/gst.h>

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace gstsig {

/* How far ahead of the clock non-live input may run (ns). */
constexpr GstClockTime PACE_AHEAD = 200 * GST_MSECOND;
/* How often viewers are moved to the tiers their targets plan (ms): a
 * viewer joining at a start below the first tier's target leaves it within
 * this (and its new tier's first keyframe). */
constexpr guint TIER_CHECK_MS = 100;
/* How often the encoders' picture sizes are checked (ms): the window their
 * output is measured over (picture-size.h). */
constexpr guint PICTURE_CHECK_MS = 500;
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

/* Which encoder's tee a consumer's branch takes its stream from, and a
 * switch to another tier's tee at that one's next keyframe (input-tiers.cpp).
 * Shared by the branch, its switch probe and InputStream. */
struct BranchLink {
  std::mutex lock;                /* guards everything below */
  GstPad *tee_pad = nullptr;      /* request pad of the encoded tee, linked (owned) */
  GstPad *pending_pad = nullptr;  /* another tier's, unlinked until a keyframe (owned) */
  GstPad *queue_sink = nullptr;   /* the branch queue's sink pad (owned) */
  std::vector<GstPad *> retired;  /* tee pads switched away from, to release (owned) */
  unsigned tier = 0;
  unsigned pending_tier = 0;      /* valid while pending_pad */
  bool cut = false;               /* cut (): no more switching */
  ~BranchLink ()
  {
    for (GstPad *pad : retired)
      gst_object_unref (pad);
    for (GstPad *pad : { tee_pad, pending_pad, queue_sink })
      if (pad)
        gst_object_unref (pad);
  }
};

/* One consumer's branch: tee pad ─ queue ─ payloader ─ webrtcbin pad. */
struct ConsumerBranch {
  const Codec *codec = nullptr;
  std::shared_ptr<BranchLink> link;
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
  /* Upstream is live (a camera, a test source with is-live), as found when
   * its caps came (before form () is known); false until then and for
   * files. Any thread. */
  bool live () const { return live_; }

  /* Links a new consumer to the webrtcbin sink pad, creating the encoder
   * branch for codec first when it is not running yet. The payloader
   * announces h264_profile ("" = 42e01f). */
  bool attach (ConsumerBranch &branch, const Codec &codec, unsigned pt,
      const RtpStreamSetup &setup, const std::string &h264_profile,
      unsigned video_bitrate_kbps, unsigned video_tiers, const std::vector<unsigned> &tier_ladder_kbps,
      bool diagnostics, GstPad *webrtc_pad,
      std::string *error);
  /* Starts codec's first-tier encoder ahead of a consumer expected to
   * take it (its offer or answer is on its way), with attach's settings, so
   * that the encoder runs by the time the consumer connects. Nothing for
   * pre-encoded input, a running encoder, or a declined codec.
   * start_kbps (video, 0 for none): the target the consumer's congestion
   * control is expected to start at. A video encoder started here while no
   * viewer follows a target starts at it, and at the picture size that
   * meets it, instead of changing size when the consumer's first target
   * comes (a new size costs the encoder a restart: about 35 ms more to the
   * first keyframe, docs/latency.md). Control thread. */
  bool prepare (const Codec &codec, unsigned video_bitrate_kbps, unsigned video_tiers,
      const std::vector<unsigned> &tier_ladder_kbps, unsigned start_kbps, std::string *error);
  /* The consumer expected to start at prepare's start_kbps follows no
   * target (it took no transport-cc): codec's first-tier encoder goes back
   * to video-bitrate and the input's size, unless a viewer follows a
   * target. Control thread. */
  void drop_start_target (const Codec &codec);
  /* A consumer expected to take codec took another, or none: codec is not
   * started ahead again for this input, and its first-tier encoder is
   * removed if no consumer takes from it. So a run of such consumers does
   * not start and remove an encoder each (making and removing encoders
   * costs memory: soak's sender grew 1.2 MB per time). Raw input only.
   * Control thread. */
  void decline (const Codec &codec);
  /* Stops feeding the branch (releases its tee pad); detach () then
   * removes its elements. */
  void cut (ConsumerBranch &branch);
  void detach (ConsumerBranch &branch);

  /* video-bitrate changed: the encoders' target, or their ceiling while
   * viewers have congestion targets. Any thread. */
  void set_video_bitrate (unsigned kbps);
  /* Congestion control (viewer-congestion.h): what the consumer of branch
   * may be sent of this input now (kbit/s). Viewers are grouped into at
   * most video-tiers tiers, an encoder each (tier-plan.h); each encoder
   * runs at its tier's target, never above video-bitrate, and at its
   * picture size (picture-size.h); a viewer moves to another tier at that
   * tier's next keyframe. Without targets: one encoder at video-bitrate.
   * Any thread. */
  void set_viewer_target (const ConsumerBranch &branch, unsigned kbps);
  void forget_viewer (const ConsumerBranch &branch);
  /* Frames out of the encoder branch takes its stream from, and its
   * picture size (0 when unknown). Any thread. */
  guint64 encoded_frames (const ConsumerBranch &branch);
  void frame_size (const ConsumerBranch &branch, int *width, int *height);
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
    /* Bytes out of the encoder but those of keyframes made for new
     * viewers: what the picture size is judged by
     * (check_picture_size_locked). new_viewer_keyframe: such a keyframe
     * was asked for and has not come yet. */
    std::atomic<guint64> load_bytes { 0 };
    std::atomic<bool> new_viewer_keyframe { false };
    /* One raw frame in frame_rate_divisor goes in (picture-size.h's last
     * step); raw_frames counts them. */
    std::atomic<unsigned> frame_rate_divisor { 1 };
    std::atomic<guint64> raw_frames { 0 };
    unsigned tier = 0;
    /* Under targets_lock: the bitrate it was last set to, its picture
     * size, and what it sent at the last check. */
    unsigned applied_kbps = 0;
    PictureSizer sizer;
    bool at_start_target = false; /* prepare () set it for a consumer to come */
    guint64 measured_bytes = 0;
    gint64 measured_us = 0;
    ContextThread *control;
    explicit Encoder (const Codec *c, GstClockTime window, ContextThread *ctl)
        : codec (c), merger ((int64_t) (window / GST_USECOND)), control (ctl) {}
  };

  /* The key of a tier's encoder in encoders_: the codec's name for the
   * first tier, "name#tier" for the others. */
  static std::string encoder_key (const Codec &codec, unsigned tier);
  std::shared_ptr<Encoder> ensure_encoder (const Codec &codec, unsigned tier,
      unsigned video_bitrate_kbps, std::string *error);
  /* Takes a consumer's settings, then ensure_encoder for the first tier at
   * what the viewers' targets allow now. */
  std::shared_ptr<Encoder> first_tier_encoder (const Codec &codec, unsigned video_bitrate_kbps,
      unsigned video_tiers, const std::vector<unsigned> &tier_ladder_kbps, std::string *error);
  std::shared_ptr<Encoder> encoder_of_branch (const ConsumerBranch &branch);
  /* Takes an encoder's branch out of the bin (not from encoders_). */
  void discard_encoder (Encoder &enc);
  static Encoder &encoder_of (gpointer probe_data);
  static GstPadProbeReturn keep_one_frame_in_divisor (GstPad *, GstPadProbeInfo *, gpointer data);
  bool released (); /* remove_from_bin has run */
  /* input-tiers.cpp. With targets_lock held: the tiers from the viewers'
   * targets (plans_) and each encoder's bitrate from them. */
  void follow_viewers_locked ();
  unsigned tier_target_locked (const Codec &codec, unsigned tier) const;
  void set_encoder_bitrate_locked (Encoder &enc, unsigned kbps);
  /* Control thread, every TIER_CHECK_MS while viewers have targets:
   * tiers' encoders made and removed, viewers switched, picture sizes. */
  bool check_tiers ();
  void check_picture_size_locked (Encoder &enc, gint64 now);
  void apply_picture_size (Encoder &enc, double sent_kbps);
  void start_switch (const std::shared_ptr<BranchLink> &link, Encoder &to);
  static GstPadProbeReturn on_switch_buffer (GstPad *pad, GstPadProbeInfo *info, gpointer data);
  void release_tee_pad (GstPad *pad);
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
  std::atomic<bool> live_ { false };
  /* Monotonic µs of the last keyframe into the input (0: none yet). */
  std::shared_ptr<std::atomic<gint64>> last_keyframe_us_ =
      std::make_shared<std::atomic<gint64>> (0);
  std::mutex encoders_lock; /* guards encoders_ (the map, not the Encoders), removed_, declined_ */
  std::map<std::string, std::shared_ptr<Encoder>> encoders_;
  bool removed_ = false;    /* remove_from_bin ran: no new encoder */
  std::set<const Codec *> declined_; /* not started ahead any more (decline ()) */
  std::atomic<bool> warned_no_profile_ { false }; /* H264 caps without profile: warned once */

  /* Lock order: targets_lock, then encoders_lock, then a BranchLink's. */
  struct Viewer {
    std::shared_ptr<BranchLink> link;
    const Codec *codec = nullptr;
    unsigned estimate_kbps = 0; /* 0: no target (yet) */
  };
  mutable std::mutex targets_lock; /* guards the members below and the Encoders' sizers */
  std::map<const BranchLink *, Viewer> viewers_; /* video consumers */
  std::map<const Codec *, TierPlan> plans_;
  unsigned configured_kbps_ = 0; /* video-bitrate (0: no consumer yet) */
  unsigned max_tiers_ = 1;       /* video-tiers */
  std::vector<unsigned> tier_ladder_kbps_; /* video-tier-ladder; empty: none */
  guint tier_timer_ = 0;         /* check_tiers on control */
  bool removed_tiers_ = false;   /* remove_from_bin ran: no new timer */
};

} // namespace gstsig
