/* gst-webrtc-send: the source part of the pipeline.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "send-source.h"

#include "send-camera.h"
#include "send-probe.h"

#include <cstring>

namespace gstsig::send {

Source::~Source ()
{
  {
    std::lock_guard<std::mutex> guard (seek_lock_);
    gst_clear_object (&seek_pad_);
  }
  for (GstPad *pad : feeds_)
    gst_object_unref (pad);
}

/* ---- prepare: what is there, what to do ---- */

int
Source::prepare (SourcePlan *plan, std::string *error)
{
  int code = EXIT_OK;
  switch (opts_.source) {
    case SourceKind::Test:
      plan->kind = plan->name = "test";
      plan->detail = "test pattern and tone";
      plan->width = opts_.width ? opts_.width : 1280;
      plan->height = opts_.height ? opts_.height : 720;
      plan->fps_n = opts_.fps ? opts_.fps : 30;
      plan->audio = opts_.audio;
      break;
    case SourceKind::Camera:
      code = prepare_camera (plan, error);
      break;
    case SourceKind::Screen:
      code = prepare_screen (plan, error);
      break;
    case SourceKind::File:
      code = prepare_file (plan, error);
      break;
    case SourceKind::None:
      *error = "no source";
      return EXIT_BAD_OPTIONS;
  }
  if (code != EXIT_OK)
    return code;
  if (plan->video_codecs.empty () && !opts_.codec.empty ())
    plan->video_codecs = opts_.codec;
  if (!plan->passthrough)
    plan->video_format = "raw";
  if (!opts_.name.empty ())
    plan->name = opts_.name;
  plan_ = *plan;
  return EXIT_OK;
}

int
Source::prepare_camera (SourcePlan *plan, std::string *error)
{
  plan->kind = plan->name = "camera";
  plan->audio = false;
  if (opts_.camera_device == "pipewire") {
    if (!has_factory ("pipewiresrc")) {
      *error = "the PipeWire camera needs pipewiresrc: install gstreamer1.0-pipewire, or give a "
          "V4L2 device (--camera /dev/video0)";
      return EXIT_NO_CAMERA;
    }
    plan->detail = "pipewire";
    plan->width = opts_.width;
    plan->height = opts_.height;
    plan->fps_n = opts_.fps;
    return EXIT_OK;
  }
  CameraInfo info;
  probe_camera (opts_.camera_device, &info);
  if (info.result != CameraProbe::Ok) {
    *error = info.message;
    return info.result == CameraProbe::Busy ? EXIT_CAMERA_BUSY : EXIT_NO_CAMERA;
  }
  CameraMode mode = choose_camera_mode (info.caps, opts_.width, opts_.height, opts_.fps);
  plan->detail = info.device;
  plan->camera_caps = mode.caps;
  plan->width = opts_.width ? opts_.width : mode.width;
  plan->height = opts_.height ? opts_.height : mode.height;
  plan->fps_n = opts_.fps ? opts_.fps : mode.fps_n;
  plan->fps_d = opts_.fps ? 1 : mode.fps_d;
  plan->notes.push_back ("camera " + info.device + ": mode " + mode.caps);
  return EXIT_OK;
}

int
Source::prepare_screen (SourcePlan *plan, std::string *error)
{
  plan->kind = plan->name = "screen";
  plan->audio = false;
  const char *display = g_getenv ("DISPLAY");
  if (!display || !*display) {
    *error = "no display to capture: $DISPLAY is not set. Run this in your X session, or set "
        "DISPLAY (e.g. DISPLAY=:0)";
    if (g_getenv ("WAYLAND_DISPLAY"))
      *error += "; on Wayland, XWayland windows can be captured with DISPLAY set, the screen "
          "itself needs the screen-cast portal, which gst-webrtc-send does not use yet";
    return EXIT_NO_DISPLAY;
  }
  plan->detail = display;
  int screen_w = 0, screen_h = 0;
  std::string message;
  if (!probe_display (display, &screen_w, &screen_h, &message)) {
    *error = std::string ("cannot open the display '") + display + "' (" + message +
        "). Is the X server running, and may you use it (xhost, XAUTHORITY)? Try: xdpyinfo -display " +
        display;
    return EXIT_NO_DISPLAY;
  }
  const Region &r = opts_.region;
  if (r.width && (r.x + r.width > screen_w || r.y + r.height > screen_h)) {
    *error = "--region " + std::to_string (r.x) + "," + std::to_string (r.y) + "," +
        std::to_string (r.width) + "," + std::to_string (r.height) + " does not fit the " +
        std::to_string (screen_w) + "x" + std::to_string (screen_h) + " screen of " + display;
    return EXIT_BAD_OPTIONS;
  }
  plan->width = opts_.width ? opts_.width : r.width ? r.width : screen_w;
  plan->height = opts_.height ? opts_.height : r.width ? r.height : screen_h;
  plan->fps_n = opts_.fps ? opts_.fps : 30;
  return EXIT_OK;
}

int
Source::prepare_file (SourcePlan *plan, std::string *error)
{
  plan->kind = "file";
  g_autofree gchar *base = g_path_get_basename (opts_.file.c_str ());
  plan->name = base;
  plan->detail = opts_.file;
  FileInfo info;
  int code = probe_file (opts_.file, &info, error);
  if (code != EXIT_OK)
    return code;
  plan->duration_s = info.duration_s;
  plan->audio = info.has_audio && opts_.audio;
  plan->width = opts_.width ? opts_.width : info.width;
  plan->height = opts_.height ? opts_.height : info.height;
  plan->fps_n = opts_.fps ? opts_.fps : info.fps_n;
  plan->fps_d = opts_.fps ? 1 : info.fps_d;
  plan->video_format = info.video_codec;

  /* Send the file's own video when a browser takes it and nothing asks
   * for a change. */
  std::string why_not;
  if (info.video_codec != "H264" && info.video_codec != "VP8")
    why_not = "its video is " + info.video_codec + ", not VP8 or H264";
  else if (opts_.reencode)
    why_not = "--reencode";
  else if (opts_.width || opts_.fps)
    why_not = "--size/--fps change the picture";
  else if (!opts_.codec.empty () && g_ascii_strcasecmp (opts_.codec.c_str (), info.video_codec.c_str ()))
    why_not = "--codec " + opts_.codec + " differs from the file's " + info.video_codec;
  else if (info.video_codec == "H264" && !info.browser_h264)
    why_not = "its H264 profile (" + info.h264_profile + ") is not one every browser decodes "
        "(constrained baseline, baseline)";
  else if (!webrtcsend_takes (info.video_caps))
    why_not = "this webrtcsend takes raw video only";
  /* Opus (mono or stereo) is what browsers take: sent as it is when the
   * video is, since nothing is re-encoded then anyway. */
  if (why_not.empty () && plan->audio && info.browser_opus) {
    plan->audio_passthrough = true;
    plan->notes.push_back ("sending the file's Opus audio as it is");
  }
  if (why_not.empty ()) {
    plan->passthrough = true;
    plan->video_codecs = info.video_codec == "H264" ? "h264" : "vp8";
    plan->notes.push_back ("sending the file's " + info.video_codec + " video as it is (no "
        "re-encoding)" + (opts_.bitrate_kbps ? "; --bitrate does not apply" : ""));
  } else if (info.video_codec == "H264" || info.video_codec == "VP8") {
    plan->notes.push_back ("re-encoding the file's " + info.video_codec + " video: " + why_not);
  } else {
    plan->notes.push_back ("re-encoding the file's video: " + why_not);
  }
  return EXIT_OK;
}

/* ---- build ---- */

GstElement *
Source::add (GstElement *pipeline, const char *factory, const char *name)
{
  GstElement *e = gst_element_factory_make (factory, name);
  if (!e) {
    g_printerr ("gst-webrtc-send: the element '%s' is missing\n", factory);
    return nullptr;
  }
  gst_bin_add (GST_BIN (pipeline), e);
  return e;
}

/* last ▶ a new request pad of send; watches it for EOS. */
void
Source::feed (GstElement *last, GstElement *send, const char *pad_template)
{
  GstPad *sink = gst_element_request_pad_simple (send, pad_template);
  GstPad *src = gst_element_get_static_pad (last, "src");
  GstPadLinkReturn ret = gst_pad_link (src, sink);
  if (ret != GST_PAD_LINK_OK)
    g_printerr ("gst-webrtc-send: cannot link to webrtcsend's %s: %s\n", pad_template,
        gst_pad_link_get_name (ret));
  auto state = std::make_unique<Feed> ();
  state->self = this;
  gst_segment_init (&state->segment, GST_FORMAT_TIME);
  gst_pad_add_probe (src, (GstPadProbeType) (GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM |
      GST_PAD_PROBE_TYPE_BUFFER), on_feed_event, state.get (), nullptr);
  feed_states_.push_back (std::move (state));
  gst_object_unref (src);
  feeds_.push_back (sink);
}

GstPadProbeReturn
Source::on_feed_event (GstPad *, GstPadProbeInfo *info, gpointer data)
{
  auto feed = static_cast<Feed *> (data);
  Source *self = feed->self;
  if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
    GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);
    if (!GST_BUFFER_PTS_IS_VALID (buf) || feed->segment.format != GST_FORMAT_TIME)
      return GST_PAD_PROBE_OK;
    GstClockTime end = GST_BUFFER_PTS (buf) +
        (GST_BUFFER_DURATION_IS_VALID (buf) ? GST_BUFFER_DURATION (buf) : 0);
    guint64 rt = gst_segment_to_running_time (&feed->segment, GST_FORMAT_TIME,
        MIN (end, feed->segment.stop));
    if (!GST_CLOCK_TIME_IS_VALID (rt))
      return GST_PAD_PROBE_OK;
    guint64 old = self->sent_until_.load ();
    while ((old == GST_CLOCK_TIME_NONE || rt > old) &&
        !self->sent_until_.compare_exchange_weak (old, rt)) {
    }
    return GST_PAD_PROBE_OK;
  }
  GstEvent *event = GST_PAD_PROBE_INFO_EVENT (info);
  if (GST_EVENT_TYPE (event) == GST_EVENT_SEGMENT)
    gst_event_copy_segment (event, &feed->segment);
  else if (GST_EVENT_TYPE (event) == GST_EVENT_EOS)
    self->eos_count_++;
  return GST_PAD_PROBE_OK;
}

GstClockTime
Source::sent_until () const
{
  return sent_until_.load ();
}

GstElement *
Source::raw_video_tail (GstElement *pipeline, GstElement *send)
{
  GstElement *convert = add (pipeline, "videoconvert");
  GstElement *scale = add (pipeline, "videoscale");
  GstElement *rate = add (pipeline, "videorate");
  GstElement *caps = add (pipeline, "capsfilter");
  GstElement *queue = add (pipeline, "queue");
  GstCaps *c = gst_caps_new_empty_simple ("video/x-raw");
  if (opts_.width)
    gst_caps_set_simple (c, "width", G_TYPE_INT, opts_.width, "height", G_TYPE_INT, opts_.height,
        "pixel-aspect-ratio", GST_TYPE_FRACTION, 1, 1, nullptr);
  if (plan_.fps_n)
    gst_caps_set_simple (c, "framerate", GST_TYPE_FRACTION, plan_.fps_n, plan_.fps_d, nullptr);
  g_object_set (caps, "caps", c, nullptr);
  gst_caps_unref (c);
  /* A few frames of slack; a live source must not wait on the encoder. */
  g_object_set (queue, "max-size-buffers", 5, "max-size-bytes", 0, "max-size-time",
      (guint64) 0, nullptr);
  gst_element_link_many (convert, scale, rate, caps, queue, nullptr);
  feed (queue, send, "video_%u");
  return convert;
}

GstElement *
Source::audio_tail (GstElement *pipeline, GstElement *send)
{
  GstElement *convert = add (pipeline, "audioconvert");
  GstElement *resample = add (pipeline, "audioresample");
  GstElement *queue = add (pipeline, "queue");
  gst_element_link_many (convert, resample, queue, nullptr);
  feed (queue, send, "audio_%u");
  return convert;
}

int
Source::build (GstElement *pipeline, GstElement *send, std::string *error)
{
  pipeline_ = pipeline;
  switch (opts_.source) {
    case SourceKind::Test: build_test (pipeline, send); break;
    case SourceKind::Camera: build_camera (pipeline, send); break;
    case SourceKind::Screen: build_screen (pipeline, send); break;
    case SourceKind::File: build_file (pipeline, send); break;
    case SourceKind::None: break;
  }
  if (feeds_.empty ()) {
    *error = "could not build the pipeline (an element is missing; see above)";
    return EXIT_OTHER_ERROR;
  }
  return EXIT_OK;
}

void
Source::build_test (GstElement *pipeline, GstElement *send)
{
  GstElement *v = add (pipeline, "videotestsrc");
  g_object_set (v, "is-live", TRUE, nullptr);
  GstElement *caps = add (pipeline, "capsfilter");
  GstCaps *c = gst_caps_new_simple ("video/x-raw", "width", G_TYPE_INT, plan_.width, "height",
      G_TYPE_INT, plan_.height, "framerate", GST_TYPE_FRACTION, plan_.fps_n, 1, nullptr);
  g_object_set (caps, "caps", c, nullptr);
  gst_caps_unref (c);
  gst_element_link (v, caps);
  gst_element_link (caps, raw_video_tail (pipeline, send));
  if (plan_.audio) {
    GstElement *a = add (pipeline, "audiotestsrc");
    g_object_set (a, "is-live", TRUE, "volume", 0.2, nullptr);
    gst_util_set_object_arg (G_OBJECT (a), "wave", "sine");
    gst_element_link (a, audio_tail (pipeline, send));
  }
}

void
Source::build_camera (GstElement *pipeline, GstElement *send)
{
  GstElement *head;
  if (plan_.detail == "pipewire") {
    head = add (pipeline, "pipewiresrc", "camera");
  } else {
    head = add (pipeline, "v4l2src", "camera");
    g_object_set (head, "device", plan_.detail.c_str (), nullptr);
    GstElement *caps = add (pipeline, "capsfilter");
    GstCaps *c = gst_caps_from_string (plan_.camera_caps.c_str ());
    g_object_set (caps, "caps", c, nullptr);
    gst_caps_unref (c);
    gst_element_link (head, caps);
    head = caps;
    if (g_str_has_prefix (plan_.camera_caps.c_str (), "image/jpeg")) {
      GstElement *dec = add (pipeline, "jpegdec");
      gst_element_link (head, dec);
      head = dec;
    }
  }
  gst_element_link (head, raw_video_tail (pipeline, send));
}

void
Source::build_screen (GstElement *pipeline, GstElement *send)
{
  GstElement *src = add (pipeline, "ximagesrc", "screen");
  g_object_set (src, "display-name", plan_.detail.c_str (), "show-pointer", opts_.cursor,
      "use-damage", FALSE, nullptr);
  const Region &r = opts_.region;
  if (r.width)
    g_object_set (src, "startx", (guint) r.x, "starty", (guint) r.y, "endx",
        (guint) (r.x + r.width - 1), "endy", (guint) (r.y + r.height - 1), nullptr);
  GstElement *caps = add (pipeline, "capsfilter");
  GstCaps *c = gst_caps_new_simple ("video/x-raw", "framerate", GST_TYPE_FRACTION, plan_.fps_n,
      1, nullptr);
  g_object_set (caps, "caps", c, nullptr);
  gst_caps_unref (c);
  gst_element_link (src, caps);
  gst_element_link (caps, raw_video_tail (pipeline, send));
}

void
Source::build_file (GstElement *pipeline, GstElement *send)
{
  GstElement *src = add (pipeline, "filesrc", "file");
  g_object_set (src, "location", opts_.file.c_str (), nullptr);
  GstElement *parse = add (pipeline, "parsebin", "parse");
  gst_element_link (src, parse);
  if (plan_.passthrough) {
    GstElement *queue = add (pipeline, "queue");
    feed (queue, send, "video_%u");
    video_head_ = queue;
  } else {
    video_head_ = raw_video_tail (pipeline, send);
  }
  if (plan_.audio_passthrough) {
    GstElement *queue = add (pipeline, "queue");
    feed (queue, send, "audio_%u");
    audio_head_ = queue;
  } else if (plan_.audio) {
    audio_head_ = audio_tail (pipeline, send);
  }
  g_signal_connect (parse, "pad-added", G_CALLBACK (on_parsebin_pad), this);
}

namespace {

bool
caps_kind (GstPad *pad, const char *prefix)
{
  GstCaps *caps = gst_pad_get_current_caps (pad);
  if (!caps)
    caps = gst_pad_query_caps (pad, nullptr);
  bool match = caps && !gst_caps_is_empty (caps) &&
      g_str_has_prefix (gst_structure_get_name (gst_caps_get_structure (caps, 0)), prefix);
  if (caps)
    gst_caps_unref (caps);
  return match;
}

/* pad ▶ a fakesink: a stream we do not send must not stop the demuxer. */
void
drop_stream (GstElement *pipeline, GstPad *pad)
{
  GstElement *sink = gst_element_factory_make ("fakesink", nullptr);
  g_object_set (sink, "sync", FALSE, "async", FALSE, nullptr);
  gst_bin_add (GST_BIN (pipeline), sink);
  gst_element_sync_state_with_parent (sink);
  GstPad *sinkpad = gst_element_get_static_pad (sink, "sink");
  gst_pad_link (pad, sinkpad);
  gst_object_unref (sinkpad);
}

void
link_to (GstPad *pad, GstElement *head)
{
  GstPad *sinkpad = gst_element_get_static_pad (head, "sink");
  GstPadLinkReturn ret = gst_pad_link (pad, sinkpad);
  if (ret != GST_PAD_LINK_OK)
    g_printerr ("gst-webrtc-send: cannot link %s: %s\n", GST_PAD_NAME (pad),
        gst_pad_link_get_name (ret));
  gst_object_unref (sinkpad);
}

} // namespace

/* A stream of the file, parsed (streaming thread). */
void
Source::on_parsebin_pad (GstElement *, GstPad *pad, gpointer data)
{
  auto self = static_cast<Source *> (data);
  bool video = caps_kind (pad, "video/");
  bool audio = caps_kind (pad, "audio/");
  GstElement *target = nullptr;
  if (video && !self->video_taken_.exchange (true))
    target = self->video_head_;
  else if (audio && self->audio_head_ && !self->audio_taken_.exchange (true))
    target = self->audio_head_;
  if (!target) {
    drop_stream (self->pipeline_, pad);
    return;
  }
  {
    std::lock_guard<std::mutex> guard (self->seek_lock_);
    if (!self->seek_pad_)
      self->seek_pad_ = GST_PAD (gst_object_ref (pad));
  }
  if ((target == self->video_head_ && self->plan_.passthrough) ||
      (target == self->audio_head_ && self->plan_.audio_passthrough)) {
    link_to (pad, target);
    self->linked_++;
    return;
  }
  GstElement *decode = gst_element_factory_make ("decodebin", nullptr);
  g_object_set_data (G_OBJECT (decode), "gst-webrtc-send-target", target);
  g_signal_connect (decode, "pad-added", G_CALLBACK (on_decodebin_pad), self);
  gst_bin_add (GST_BIN (self->pipeline_), decode);
  gst_element_sync_state_with_parent (decode);
  link_to (pad, decode);
}

void
Source::on_decodebin_pad (GstElement *decode, GstPad *pad, gpointer data)
{
  auto self = static_cast<Source *> (data);
  auto target = static_cast<GstElement *> (g_object_get_data (G_OBJECT (decode),
      "gst-webrtc-send-target"));
  GstPad *sinkpad = gst_element_get_static_pad (target, "sink");
  bool taken = gst_pad_is_linked (sinkpad);
  gst_object_unref (sinkpad);
  if (taken) {
    drop_stream (self->pipeline_, pad);
    return;
  }
  link_to (pad, target);
  self->linked_++;
}

bool
Source::seek_to_start (bool flush)
{
  GstPad *pad;
  {
    std::lock_guard<std::mutex> guard (seek_lock_);
    pad = seek_pad_ ? GST_PAD (gst_object_ref (seek_pad_)) : nullptr;
  }
  if (!pad)
    return false;
  auto flags = (GstSeekFlags) (GST_SEEK_FLAG_SEGMENT | (flush ? GST_SEEK_FLAG_FLUSH : 0));
  GstEvent *seek = gst_event_new_seek (1.0, GST_FORMAT_TIME, flags, GST_SEEK_TYPE_SET, 0,
      GST_SEEK_TYPE_NONE, GST_CLOCK_TIME_NONE);
  bool ok = gst_pad_send_event (pad, seek);
  gst_object_unref (pad);
  return ok;
}

void
Source::send_eos ()
{
  if (opts_.source == SourceKind::File) {
    /* filesrc under a demuxer runs in pull mode and ignores an EOS event:
     * end the streams where they enter webrtcsend. */
    for (GstPad *pad : feeds_) {
      GstPad *peer = gst_pad_get_peer (pad);
      if (peer) {
        gst_pad_send_event (pad, gst_event_new_eos ());
        eos_count_++;
        gst_object_unref (peer);
      }
    }
    return;
  }
  gst_element_send_event (pipeline_, gst_event_new_eos ());
}

} // namespace gstsig::send
