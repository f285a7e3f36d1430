/* gst-webrtc-record: one recording pipeline: building it, then its bus,
 * the release of the held streams and the end of the recording, on the main
 * context. Its streams are linked on the streaming threads, in
 * record-streams.cpp.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "record-pipeline-private.h"

#include "tls-client.h"

#include <glib/gstdio.h>

#include <utility>

namespace gstsig::record {

namespace {

constexpr guint RELEASE_AFTER_MS = 3000; /* wait for the other streams' pads at most this */
constexpr gint64 MAX_CLUSTER_NS = GST_SECOND;  /* Matroska: what a SIGKILL may lose */
constexpr guint MP4_FRAGMENT_MS = 1000;        /* MP4: what a SIGKILL may lose */
constexpr guint WRITE_ERROR_FINALIZE_MS = 2000; /* after a write error: EOS, at most this long */

void
set_muxer_properties (GstElement *mux, Format format)
{
  if (format == Format::Mp4) {
    /* Fragmented: a moof+mdat per second, readable after a crash. */
    g_object_set (mux, "fragment-duration", MP4_FRAGMENT_MS, nullptr);
  } else {
    g_object_set (mux, "max-cluster-duration", MAX_CLUSTER_NS, "offset-to-zero", TRUE, nullptr);
  }
}

GstStructure *
muxer_properties (Format format)
{
  if (format == Format::Mp4)
    return gst_structure_new ("properties", "fragment-duration", G_TYPE_UINT, MP4_FRAGMENT_MS,
        nullptr);
  return gst_structure_new ("properties", "max-cluster-duration", G_TYPE_INT64, MAX_CLUSTER_NS,
      "offset-to-zero", G_TYPE_BOOLEAN, TRUE, nullptr);
}

/* Maps an ERROR message to an exit code. */
int
classify_error (const GError *error, bool from_recv, bool from_sink)
{
  if (error->domain == GST_RESOURCE_ERROR) {
    switch (error->code) {
      case GST_RESOURCE_ERROR_NO_SPACE_LEFT:
        return EXIT_WRITE_ERROR;
      case GST_RESOURCE_ERROR_OPEN_WRITE:
        return from_sink ? EXIT_OUTPUT_NOT_WRITABLE : EXIT_OTHER_ERROR;
      case GST_RESOURCE_ERROR_WRITE:
      case GST_RESOURCE_ERROR_CLOSE:
      case GST_RESOURCE_ERROR_SEEK:
        return from_sink ? EXIT_WRITE_ERROR : EXIT_OTHER_ERROR;
      case GST_RESOURCE_ERROR_OPEN_READ_WRITE:
      case GST_RESOURCE_ERROR_NOT_AUTHORIZED: /* a refused token or certificate */
        return from_recv ? EXIT_SERVER_UNREACHABLE : EXIT_OTHER_ERROR;
      case GST_RESOURCE_ERROR_NOT_FOUND:
        /* An unknown producer, or one that left before sending media. */
        return from_recv ? EXIT_PRODUCER_NOT_FOUND : EXIT_OTHER_ERROR;
      case GST_RESOURCE_ERROR_SETTINGS:
        return EXIT_BAD_OPTIONS;
      default:
        return EXIT_OTHER_ERROR;
    }
  }
  if (error->domain == GST_STREAM_ERROR && (error->code == GST_STREAM_ERROR_CODEC_NOT_FOUND ||
                                              error->code == GST_STREAM_ERROR_FORMAT))
    return EXIT_NO_RECORDABLE_CODEC;
  return EXIT_OTHER_ERROR;
}

/* The signaller's auth-token, ca-file and insecure-tls, those the config sets. */
bool
set_signaller_access (GstElement *recv, const RecordingConfig &config, std::string *error)
{
  GObject *signaller = nullptr;
  g_object_get (recv, "signaller", &signaller, nullptr);
  std::string missing;
  bool ok = tls::set_signaller_access (signaller, config.recv_auth_token, config.recv_ca_file,
      config.recv_insecure_tls, &missing);
  if (signaller)
    g_object_unref (signaller);
  if (!ok)
    *error = "this webrtcrecv's signaller has no " + missing + " (is gst-webrtcsignal the same "
        "version as gst-webrtc-record?)";
  return ok;
}

bool
is_ancestor_or_self (GstObject *object, GstElement *element)
{
  return object == GST_OBJECT (element) || gst_object_has_as_ancestor (object, GST_OBJECT (element));
}

} // namespace

Recording::Recording (RecordingConfig config, Callbacks callbacks)
    : config_ (std::move (config)), callbacks_ (std::move (callbacks))
{
}

Recording::~Recording ()
{
  if (release_timer_)
    g_source_remove (release_timer_);
  if (stop_timer_)
    g_source_remove (stop_timer_);
  if (bus_watch_)
    g_source_remove (bus_watch_);
  if (pipeline_) {
    if (sink_)
      gst_element_set_locked_state (sink_, FALSE);
    gst_element_set_state (pipeline_, GST_STATE_NULL);
  }
  for (auto &branch : branches_)
    gst_clear_object (&branch->hold);
  gst_clear_object (&pipeline_);
}

int
Recording::start (std::string *error)
{
  const FormatInfo &format = *config_.format;
  pipeline_ = gst_pipeline_new (("record-" + config_.label).c_str ());
  /* Sinks' EOS reach the bus wrapped: webrtcbin's own sinks never get EOS,
   * so the pipeline never posts one. */
  g_object_set (pipeline_, "message-forward", TRUE, nullptr);

  recv_ = gst_element_factory_make ("webrtcrecv", "recv");
  if (!recv_) {
    *error = "the webrtcrecv element is missing (install gst-webrtcsignal, or set "
             "GST_PLUGIN_PATH_1_0 to its plugin folder)";
    return EXIT_OTHER_ERROR;
  }
  g_object_set (recv_, "uri", config_.recv_uri.c_str (), "latency", config_.latency_ms,
      "peer-timeout", config_.peer_timeout_s, "video-codecs",
      config_.transcode ? "vp8,h264,vp9" : format.video_codecs, nullptr);
  gst_bin_add (GST_BIN (pipeline_), recv_);
  if (!set_signaller_access (recv_, config_, error))
    return EXIT_OTHER_ERROR;

  if (config_.segment_s) {
    sink_ = gst_element_factory_make ("splitmuxsink", "sink");
    if (!sink_) {
      *error = "the splitmuxsink element is missing (gstreamer1.0-plugins-good)";
      return EXIT_OTHER_ERROR;
    }
    GstStructure *props = muxer_properties (format.format);
    g_object_set (sink_, "location", config_.location.c_str (), "max-size-time",
        (guint64) config_.segment_s * GST_SECOND, "muxer-factory", format.muxer,
        "muxer-properties", props, "send-keyframe-requests", TRUE, "async-finalize", FALSE,
        nullptr);
    gst_structure_free (props);
    gst_bin_add (GST_BIN (pipeline_), sink_);
  } else {
    mux_ = gst_element_factory_make (format.muxer, "mux");
    sink_ = gst_element_factory_make ("filesink", "sink");
    if (!mux_ || !sink_) {
      gst_clear_object (&mux_);
      gst_clear_object (&sink_);
      *error = std::string ("the ") + format.muxer + " or filesink element is missing "
               "(gstreamer1.0-plugins-good/-base)";
      return EXIT_OTHER_ERROR;
    }
    set_muxer_properties (mux_, format.format);
    g_object_set (sink_, "location", config_.location.c_str (), "async", FALSE, nullptr);
    gst_bin_add_many (GST_BIN (pipeline_), mux_, sink_, nullptr);
    gst_element_link (mux_, sink_);
  }
  /* Neither the file nor a segment is created before media is let through. */
  gst_element_set_locked_state (sink_, TRUE);

  g_signal_connect (recv_, "pad-added", G_CALLBACK (on_pad_added), this);
  g_signal_connect (recv_, "no-more-pads", G_CALLBACK (on_no_more_pads), this);
  GstBus *bus = gst_pipeline_get_bus (GST_PIPELINE (pipeline_));
  bus_watch_ = gst_bus_add_watch (bus, on_bus_message, this);

  /* webrtcrecv connects to the server during READY->PAUSED. */
  if (gst_element_set_state (pipeline_, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    int code = EXIT_OTHER_ERROR;
    *error = "could not start the pipeline";
    GstMessage *msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
    if (msg) {
      GError *err = nullptr;
      gst_message_parse_error (msg, &err, nullptr);
      code = classify_error (err, is_ancestor_or_self (GST_MESSAGE_SRC (msg), recv_), false);
      *error = err->message;
      g_error_free (err);
      gst_message_unref (msg);
    }
    gst_object_unref (bus);
    g_source_remove (std::exchange (bus_watch_, 0u));
    gst_element_set_state (pipeline_, GST_STATE_NULL);
    return code;
  }
  gst_object_unref (bus);
  return EXIT_OK;
}

/* ---- main context ---- */

void
Recording::release_streams ()
{
  if (release_timer_)
    g_source_remove (std::exchange (release_timer_, 0u));
  std::vector<std::pair<GstPad *, gulong>> probes;
  {
    std::lock_guard<std::mutex> lock (lock_);
    if (released_)
      return;
    released_ = true;
    /* The file starts at the earliest buffer held: muxers keep running
     * time, which began when the pipeline started. */
    for (auto &branch : branches_)
      if (GST_CLOCK_TIME_IS_VALID (branch->first_running_time) &&
          (!GST_CLOCK_TIME_IS_VALID (base_) || branch->first_running_time < base_))
        base_ = branch->first_running_time;
    for (auto &branch : branches_)
      if (GST_CLOCK_TIME_IS_VALID (base_))
        gst_pad_set_offset (branch->hold, -(gint64) base_);
    for (auto &branch : branches_)
      if (branch->block_probe)
        probes.emplace_back (branch->hold, std::exchange (branch->block_probe, 0ul));
  }
  /* The file is created now, just before the first buffer reaches it. */
  gst_element_set_locked_state (sink_, FALSE);
  gst_element_sync_state_with_parent (sink_);
  if (mux_)
    files_.push_back (config_.location);
  for (auto &probe : probes)
    gst_pad_remove_probe (probe.first, probe.second);
}

/* Every pad is there: the file starts once each has brought its first
 * buffer (or at RELEASE_AFTER_MS). Starting it at the first audio buffer
 * alone dropped a video keyframe that came a little later but was stamped
 * a little earlier: the recording then held only delta frames. */
void
Recording::release_when_every_stream_arrived ()
{
  {
    std::lock_guard<std::mutex> lock (lock_);
    for (auto &branch : branches_)
      if (!GST_CLOCK_TIME_IS_VALID (branch->first_running_time)) {
        GST_DEBUG ("%s: a %s stream has no buffer yet", config_.label.c_str (),
            branch->video ? "video" : "audio");
        return;
      }
  }
  release_streams ();
}

gboolean
Recording::on_bus_message (GstBus *, GstMessage *message, gpointer user_data)
{
  static_cast<Recording *> (user_data)->handle_message (message);
  return G_SOURCE_CONTINUE;
}

void
Recording::handle_message (GstMessage *message)
{
  if (finished_)
    return;
  switch (GST_MESSAGE_TYPE (message)) {
    case GST_MESSAGE_APPLICATION: {
      const GstStructure *s = gst_message_get_structure (message);
      if (!gst_structure_has_name (s, APP_MESSAGE))
        break;
      std::string what = gst_structure_get_string (s, "what");
      std::string text = gst_structure_get_string (s, "text");
      int code = 0;
      gst_structure_get_int (s, "code", &code);
      if (what == "stream") {
        GST_INFO ("%s: %s", config_.label.c_str (), text.c_str ());
        if (!released_ && !release_timer_)
          release_timer_ = g_timeout_add (RELEASE_AFTER_MS, [] (gpointer data) -> gboolean {
            auto self = static_cast<Recording *> (data);
            self->release_timer_ = 0;
            self->release_streams ();
            return G_SOURCE_REMOVE;
          }, this);
      } else if (what == "all-streams") {
        all_pads_ = true;
        if (!failing_)
          release_when_every_stream_arrived ();
      } else if (what == "first-buffer") {
        if (all_pads_ && !failing_)
          release_when_every_stream_arrived ();
      } else if (what == "media") {
        if (!started_) {
          started_ = true;
          if (callbacks_.started)
            callbacks_.started (*this);
        }
      } else if (what == "fail") {
        finish (code, text);
      } else if (what == "warning") {
        g_printerr ("gst-webrtc-record: %s: %s\n", config_.label.c_str (), text.c_str ());
      }
      break;
    }
    case GST_MESSAGE_ELEMENT: {
      const GstStructure *s = gst_message_get_structure (message);
      if (gst_structure_has_name (s, "GstBinForwarded")) {
        GstMessage *inner = nullptr;
        gst_structure_get (s, "message", GST_TYPE_MESSAGE, &inner, nullptr);
        if (inner && GST_MESSAGE_TYPE (inner) == GST_MESSAGE_EOS &&
            GST_MESSAGE_SRC (inner) == GST_OBJECT (sink_))
          finish (pending_code_, pending_message_);
        if (inner)
          gst_message_unref (inner);
      } else if (gst_structure_has_name (s, "splitmuxsink-fragment-opened")) {
        const char *location = gst_structure_get_string (s, "location");
        if (location)
          files_.emplace_back (location);
      }
      break;
    }
    case GST_MESSAGE_EOS:
      finish (pending_code_, pending_message_);
      break;
    case GST_MESSAGE_ERROR:
      handle_error (message);
      break;
    default:
      break;
  }
}

void
Recording::handle_error (GstMessage *message)
{
  GError *error = nullptr;
  gchar *debug = nullptr;
  gst_message_parse_error (message, &error, &debug);
  GstObject *src = GST_MESSAGE_SRC (message);
  bool from_recv = is_ancestor_or_self (src, recv_);
  bool from_sink = is_ancestor_or_self (src, sink_);
  int code = classify_error (error, from_recv, from_sink);
  std::string text = error->message;
  GST_INFO ("%s: error from %s: %s (%s)", config_.label.c_str (), GST_OBJECT_NAME (src),
      error->message, debug ? debug : "");
  std::string file = files_.empty () ? config_.location : files_.back ();
  if (from_sink && g_error_matches (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NO_SPACE_LEFT))
    text = "the disk is full: cannot write " + file;
  else if (from_sink && (code == EXIT_WRITE_ERROR || code == EXIT_OUTPUT_NOT_WRITABLE))
    text = "cannot write " + file + ": " + text;
  g_error_free (error);
  g_free (debug);
  if (from_sink && code == EXIT_WRITE_ERROR) {
    if (stopping_)
      return; /* finalizing after the first write error: more of them are expected */
    /* The file keeps what was written; EOS lets the muxer finish it (its
     * index, the header's duration) if the disk takes these last bytes. */
    GST_WARNING ("%s: %s; finalizing with EOS", config_.label.c_str (), text.c_str ());
    pending_code_ = code;
    pending_message_ = text + " (the file keeps what was written before; free some space)";
    stop (WRITE_ERROR_FINALIZE_MS);
    return;
  }
  if (from_recv && started_ && !stopping_) {
    /* The receiving side failed, the file is fine: finalize it. */
    pending_code_ = code;
    pending_message_ = text;
    stop (5000);
    return;
  }
  if (from_recv && stopping_)
    return; /* finalizing anyway */
  finish (code, text);
}

void
Recording::stop (unsigned timeout_ms)
{
  if (finished_ || stopping_)
    return;
  stopping_ = true;
  bool any_stream;
  {
    std::lock_guard<std::mutex> lock (lock_);
    any_stream = !branches_.empty ();
  }
  if (!any_stream) {
    finish (pending_code_, pending_message_);
    return;
  }
  release_streams ();
  gst_element_send_event (recv_, gst_event_new_eos ());
  stop_timer_ = g_timeout_add (timeout_ms, [] (gpointer data) -> gboolean {
    auto self = static_cast<Recording *> (data);
    self->stop_timer_ = 0;
    self->finish (self->pending_code_, self->pending_message_.empty ()
        ? "the file was not finalized in time: it plays, but may lack its index"
        : self->pending_message_);
    return G_SOURCE_REMOVE;
  }, this);
}

void
Recording::finish (int code, const std::string &message)
{
  if (finished_)
    return;
  finished_ = true;
  if (release_timer_)
    g_source_remove (std::exchange (release_timer_, 0u));
  if (stop_timer_)
    g_source_remove (std::exchange (stop_timer_, 0u));
  gst_element_set_locked_state (sink_, FALSE);
  gst_element_set_state (pipeline_, GST_STATE_NULL);

  RecordingResult result;
  result.code = code;
  result.message = message;
  if (buffers_ == 0) {
    /* No media: no file left behind. */
    for (const auto &file : files_)
      g_unlink (file.c_str ());
    files_.clear ();
    if (code == EXIT_OK && !stopping_) {
      result.code = EXIT_PRODUCER_NOT_FOUND;
      result.message = "the producer left before sending media";
    } else if (code == EXIT_OK) {
      result.message = "stopped before any media arrived";
    }
  } else {
    result.files = files_;
    result.bytes = bytes ();
    result.duration = duration ();
  }
  if (callbacks_.finished)
    callbacks_.finished (*this, result);
}

std::string
Recording::endpoint_url () const
{
  if (!recv_)
    return "";
  GObject *signaller = nullptr;
  g_object_get (recv_, "signaller", &signaller, nullptr);
  if (!signaller)
    return "";
  std::string result;
  if (g_object_class_find_property (G_OBJECT_GET_CLASS (signaller), "url")) {
    gchar *url = nullptr;
    g_object_get (signaller, "url", &url, nullptr);
    result = url ? url : "";
    g_free (url);
  }
  g_object_unref (signaller);
  return result;
}

guint64
Recording::bytes () const
{
  guint64 total = 0;
  for (const auto &file : files_) {
    GStatBuf st;
    if (g_stat (file.c_str (), &st) == 0)
      total += (guint64) st.st_size;
  }
  return total;
}

GstClockTime
Recording::duration () const
{
  std::lock_guard<std::mutex> lock (lock_);
  if (!GST_CLOCK_TIME_IS_VALID (first_pts_) || !GST_CLOCK_TIME_IS_VALID (last_pts_))
    return 0;
  return last_pts_ - first_pts_;
}

} // namespace gstsig::record
