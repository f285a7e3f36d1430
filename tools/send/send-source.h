/* gst-webrtc-send: the source part of the pipeline (camera, screen, file,
 * test pattern) up to webrtcsend's video_0 / audio_0 pads.
 *
 *   camera: v4l2src ! <best mode> [! jpegdec] ! videoconvert ! videoscale ! videorate ! caps
 *   screen: ximagesrc ! framerate ! videoconvert ! videoscale ! videorate ! caps
 *   file:   filesrc ! parsebin ─┬─ (VP8/H264 a browser takes) ─────────────── queue ─▶ video_0
 *                               ├─ decodebin ! videoconvert ! videoscale ! videorate ─▶ video_0
 *                               └─ decodebin ! audioconvert ! audioresample ─ queue ─▶ audio_0
 *   test:   videotestsrc / audiotestsrc
 *
 * prepare () finds out what there is (device modes, display, the file's
 * streams) and decides; build () makes the elements. Main thread only,
 * except the pad callbacks, which only link.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "send-options.h"

#include <gst/gst.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace gstsig::send {

/* What prepare () decided. */
struct SourcePlan {
  std::string kind;          /* "camera", "screen", "file", "test" */
  std::string name;          /* the default name viewers see */
  std::string detail;        /* device, display or path */
  std::string video_codecs;  /* for webrtcsend; empty: its default */
  bool passthrough = false;  /* the file's video goes out as it is */
  bool audio_passthrough = false; /* the file's Opus goes out as it is */
  std::string video_format;  /* "H264", "VP8", ... of a file; "raw" otherwise */
  bool audio = false;
  int width = 0, height = 0, fps_n = 0, fps_d = 1; /* what is sent, 0 when unknown */
  double duration_s = 0;     /* files; 0 when unknown */
  std::vector<std::string> notes; /* choices worth telling the user */
  std::string camera_caps;   /* the device mode asked for */
};

class Source {
public:
  explicit Source (const Options &opts) : opts_ (opts) {}
  ~Source ();

  /* Returns EXIT_OK, or an exit code with *error saying what to do. */
  int prepare (SourcePlan *plan, std::string *error);

  /* Adds the source elements to pipeline and links them to send's
   * video_0 (and audio_0). */
  int build (GstElement *pipeline, GstElement *send, std::string *error);

  /* --loop: the first (flushing) segment seek, once prerolled, and the
   * next one at each SEGMENT_DONE. False if the file cannot seek. */
  bool seek_to_start (bool flush);

  /* Ends every stream into webrtcsend (EOS), from the main thread. */
  void send_eos ();

  /* Streams linked into webrtcsend, and how many of them saw EOS. */
  int streams () const { return (int) feeds_.size (); }
  int streams_ended () const { return eos_count_.load (); }
  /* The running time up to which media went into webrtcsend (the end of
   * the latest buffer), GST_CLOCK_TIME_NONE before any. */
  GstClockTime sent_until () const;
  /* Streams of a file not linked yet (parsebin still working). */
  bool linked () const { return linked_.load () >= (int) feeds_.size (); }

private:
  int prepare_camera (SourcePlan *plan, std::string *error);
  int prepare_screen (SourcePlan *plan, std::string *error);
  int prepare_file (SourcePlan *plan, std::string *error);
  void build_test (GstElement *pipeline, GstElement *send);
  void build_camera (GstElement *pipeline, GstElement *send);
  void build_screen (GstElement *pipeline, GstElement *send);
  void build_file (GstElement *pipeline, GstElement *send);
  /* videoconvert ! videoscale ! videorate ! capsfilter ! queue ▶ video_0;
   * returns the first element. */
  GstElement *raw_video_tail (GstElement *pipeline, GstElement *send);
  GstElement *audio_tail (GstElement *pipeline, GstElement *send);
  GstElement *add (GstElement *pipeline, const char *factory, const char *name = nullptr);
  void feed (GstElement *last, GstElement *send, const char *pad_template);
  static void on_parsebin_pad (GstElement *parsebin, GstPad *pad, gpointer data);
  static void on_decodebin_pad (GstElement *decodebin, GstPad *pad, gpointer data);
  static GstPadProbeReturn on_feed_event (GstPad *pad, GstPadProbeInfo *info, gpointer data);

  const Options &opts_;
  SourcePlan plan_;
  GstElement *pipeline_ = nullptr;     /* not owned */
  GstElement *video_head_ = nullptr;   /* where the file's video goes (not owned) */
  GstElement *audio_head_ = nullptr;
  GstPad *seek_pad_ = nullptr;         /* owned: a parsebin src pad; main thread reads */
  std::atomic<bool> video_taken_ { false };
  std::atomic<bool> audio_taken_ { false };
  struct Feed {
    Source *self;
    GstSegment segment; /* streaming thread of its pad only */
  };
  std::vector<GstPad *> feeds_;        /* owned: webrtcsend sink pads we feed */
  std::vector<std::unique_ptr<Feed>> feed_states_;
  std::atomic<guint64> sent_until_ { GST_CLOCK_TIME_NONE };
  std::atomic<int> eos_count_ { 0 };
  std::atomic<int> linked_ { 0 };
  std::mutex seek_lock_;               /* guards seek_pad_ */
};

} // namespace gstsig::send
