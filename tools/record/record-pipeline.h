/* gst-webrtc-record: one recording, i.e. one producer into one file (or a
 * series of segment files):
 *
 *   webrtcrecv uri=SERVER?producer=ID   (or uri=whip-listen://127.0.0.1:0/whip:
 *                                        record-whip.h forwards a publisher to it)
 *     video_N ! [transcode: videoconvert ! encoder] ! [h264: avc3] ! queue ! mux.video_N
 *     audio_N ! queue ! mux.audio_N
 *   mux ! filesink           (or splitmuxsink with --segment)
 *
 * Buffers are held in the queues until every negotiated stream has its pad
 * (muxers take no new pads once they started), and the file is only created
 * then, so a producer that never sends media leaves no file behind.
 * Lives on the thread-default main context (bus watch, timers).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "record-options.h"

#include <gst/gst.h>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace gstsig::record {

struct RecordingConfig {
  std::string producer_id;
  std::string meta_json = "null";
  std::string label;       /* meta name, or the start of the id */
  std::string recv_uri;    /* SERVER?producer=ID, or whip-listen://127.0.0.1:0/whip */
  std::string recv_auth_token; /* the signaller's auth-token (empty: none) */
  std::string recv_ca_file;    /* wss://: the signaller's ca-file (empty: the system's CAs) */
  bool recv_insecure_tls = false; /* wss://: the signaller's insecure-tls */
  std::string location;    /* the file, or a %05d pattern with segments */
  const FormatInfo *format = nullptr;
  unsigned segment_s = 0;
  bool transcode = false;
  unsigned latency_ms = 300;
  unsigned peer_timeout_s = 5;
};

struct RecordingResult {
  int code = EXIT_OK;        /* an ExitCode */
  std::string message;       /* why it failed, or a note */
  std::vector<std::string> files; /* what was kept */
  guint64 bytes = 0;
  GstClockTime duration = 0;
};

class Recording {
public:
  struct Callbacks {
    /* Media reached the muxer: the file exists. */
    std::function<void (Recording &)> started;
    /* Called once, when the pipeline is down. The owner may destroy the
     * Recording afterwards, but not from inside this callback. */
    std::function<void (Recording &, const RecordingResult &)> finished;
  };

  Recording (RecordingConfig config, Callbacks callbacks);
  ~Recording ();
  Recording (const Recording &) = delete;
  Recording &operator= (const Recording &) = delete;

  /* Builds the pipeline and sets it playing; on failure the finished
   * callback is not called and *error says why (returns an ExitCode). */
  int start (std::string *error);

  /* Ends the recording: EOS through the muxer, bounded by timeout_ms,
   * then the pipeline is stopped anyway. */
  void stop (unsigned timeout_ms);

  /* whip-listen: the URL webrtcrecv's WHIP endpoint listens on, once
   * started (empty otherwise). */
  std::string endpoint_url () const;

  const RecordingConfig &config () const { return config_; }
  bool media_started () const { return started_; }
  bool finished () const { return finished_; }
  /* The files written so far (more than one with segments). */
  const std::vector<std::string> &files () const { return files_; }
  guint64 bytes () const;
  GstClockTime duration () const;

private:
  struct Branch;

  static void on_pad_added (GstElement *recv, GstPad *pad, gpointer user_data);
  static void on_no_more_pads (GstElement *recv, gpointer user_data);
  static gboolean on_bus_message (GstBus *bus, GstMessage *message, gpointer user_data);
  static GstPadProbeReturn on_buffer (GstPad *pad, GstPadProbeInfo *info, gpointer user_data);
  static GstPadProbeReturn on_first_arrival (GstPad *pad, GstPadProbeInfo *info,
      gpointer user_data);

  static GstPadProbeReturn answer_while_held (GstPad *pad, GstPadProbeInfo *info,
      gpointer user_data);
  static void ask_for_keyframe (Branch &branch);

  void link_stream (GstPad *pad);
  GstElement *build_head (bool video, const GstStructure *encoded, std::string *error);
  GstPad *request_muxer_pad (bool video);
  void post_application (const char *name, const std::string &text = "", int code = 0);
  void handle_message (GstMessage *message);
  void handle_error (GstMessage *message);
  void release_streams ();
  void release_when_every_stream_arrived ();
  void fail (int code, const std::string &message);
  void finish (int code, const std::string &message);

  RecordingConfig config_;
  Callbacks callbacks_;

  GstElement *pipeline_ = nullptr;
  GstElement *recv_ = nullptr; /* owned by the pipeline */
  GstElement *mux_ = nullptr;  /* nullptr with segments */
  GstElement *sink_ = nullptr; /* filesink or splitmuxsink */
  guint bus_watch_ = 0;
  guint release_timer_ = 0;
  guint stop_timer_ = 0;

  mutable std::mutex lock_; /* guards branches_, released_, first/last pts */
  std::vector<std::unique_ptr<Branch>> branches_;
  bool released_ = false;
  GstClockTime base_ = GST_CLOCK_TIME_NONE; /* running time that becomes 0 in the file */
  GstClockTime first_pts_ = GST_CLOCK_TIME_NONE;
  GstClockTime last_pts_ = GST_CLOCK_TIME_NONE;
  std::atomic<guint64> buffers_ { 0 };
  std::atomic<bool> failing_ { false }; /* a stream could not be linked */

  /* Main context only. */
  bool started_ = false;
  bool all_pads_ = false; /* webrtcrecv said it has no more pads */
  bool stopping_ = false;
  bool finished_ = false;
  int pending_code_ = EXIT_OK; /* an error that ends the recording with EOS */
  std::string pending_message_;
  std::vector<std::string> files_;
};

} // namespace gstsig::record
