/* gst-webrtc-record: the streams of a recording pipeline, on webrtcbin's
 * streaming threads: each webrtcrecv pad gets a branch to the muxer that
 * holds its buffers until the main context releases them
 * (record-pipeline.cpp), and probes that note the times of the file.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "record-pipeline-private.h"

#include <gst/video/video.h>

#include <cstring>
#include <utility>

namespace gstsig::record {

namespace {

constexpr guint64 HOLD_QUEUE_NS = 10 * GST_SECOND;
/* Until a keyframe is in the file, ask the producer for one at most this often. */
constexpr gint64 KEYFRAME_ASK_INTERVAL_US = G_USEC_PER_SEC;

/* "H264", "VP8", "OPUS"... from encoded caps. */
std::string
codec_label (const GstStructure *s)
{
  const char *name = gst_structure_get_name (s);
  const char *slash = strchr (name, '/');
  std::string label = slash ? slash + 1 : name;
  if (label.rfind ("x-", 0) == 0)
    label = label.substr (2);
  g_autofree gchar *upper = g_ascii_strup (label.c_str (), -1);
  return upper;
}

/* Whether the muxer factory has a video/audio pad template taking caps. */
bool
muxer_accepts (const char *muxer, bool video, const GstStructure *encoded)
{
  GstElementFactory *factory = gst_element_factory_find (muxer);
  if (!factory)
    return false;
  bool ok = false;
  GstCaps *caps = gst_caps_new_full (gst_structure_copy (encoded), nullptr);
  for (const GList *l = gst_element_factory_get_static_pad_templates (factory); l; l = l->next) {
    auto templ = static_cast<GstStaticPadTemplate *> (l->data);
    if (templ->direction != GST_PAD_SINK ||
        !g_str_has_prefix (templ->name_template, video ? "video" : "audio"))
      continue;
    GstCaps *templ_caps = gst_static_caps_get (&templ->static_caps);
    ok = ok || gst_caps_can_intersect (templ_caps, caps);
    gst_caps_unref (templ_caps);
  }
  gst_caps_unref (caps);
  gst_object_unref (factory);
  return ok;
}

} // namespace

void
Recording::on_pad_added (GstElement *, GstPad *pad, gpointer user_data)
{
  if (GST_PAD_DIRECTION (pad) == GST_PAD_SRC)
    static_cast<Recording *> (user_data)->link_stream (pad);
}

void
Recording::on_no_more_pads (GstElement *, gpointer user_data)
{
  static_cast<Recording *> (user_data)->post_application ("all-streams");
}

void
Recording::post_application (const char *name, const std::string &text, int code)
{
  GstStructure *s = gst_structure_new (APP_MESSAGE, "what", G_TYPE_STRING, name, "text",
      G_TYPE_STRING, text.c_str (), "code", G_TYPE_INT, code, nullptr);
  gst_element_post_message (pipeline_, gst_message_new_application (GST_OBJECT (pipeline_), s));
}

/* The elements between a webrtcrecv pad and the muxer, ending in the hold
 * queue: description for gst_parse_bin_from_description. */
GstElement *
Recording::build_head (bool video, const GstStructure *encoded, std::string *error)
{
  const Format format = config_.format->format;
  std::string desc;
  bool h264 = encoded && gst_structure_has_name (encoded, "video/x-h264");
  if (video && config_.transcode) {
    if (format == Format::Webm)
      desc = "videoconvert ! vp8enc deadline=1 cpu-used=8 threads=2 lag-in-frames=0 "
             "end-usage=cbr target-bitrate=2000000 keyframe-max-dist=60 ! ";
    else
      desc = "videoconvert ! x264enc tune=zerolatency speed-preset=veryfast key-int-max=60 "
             "bitrate=2000 ! ";
    h264 = format != Format::Webm;
  }
  /* In-band parameter sets before every keyframe (avc3): resolution
   * changes (browsers ramping up), segments and seeks still decode. */
  if (h264)
    desc += "h264parse config-interval=-1 ! "
            "capsfilter caps=\"video/x-h264,stream-format=avc3,alignment=au\" ! ";
  desc += "queue name=hold max-size-buffers=0 max-size-bytes=0 max-size-time=" +
      std::to_string (HOLD_QUEUE_NS);
  GError *parse_error = nullptr;
  GstElement *bin = gst_parse_bin_from_description_full (desc.c_str (), TRUE, nullptr,
      GST_PARSE_FLAG_FATAL_ERRORS, &parse_error);
  if (!bin) {
    *error = std::string ("cannot build the ") + (video ? "video" : "audio") + " branch (" +
        (parse_error ? parse_error->message : "unknown error") + ")";
    g_clear_error (&parse_error);
  }
  return bin;
}

GstPad *
Recording::request_muxer_pad (bool video)
{
  if (mux_)
    return gst_element_request_pad_simple (mux_, video ? "video_%u" : "audio_%u");
  return gst_element_request_pad_simple (sink_, video ? "video" : "audio_%u");
}

void
Recording::link_stream (GstPad *pad)
{
  if (failing_)
    return;
  bool video = g_str_has_prefix (GST_PAD_NAME (pad), "video");
  /* Before it is linked, a webrtcrecv pad answers with its encoded caps first. */
  GstCaps *caps = gst_pad_query_caps (pad, nullptr);
  GstStructure *encoded = caps && !gst_caps_is_empty (caps) && !gst_caps_is_any (caps)
      ? gst_structure_copy (gst_caps_get_structure (caps, 0)) : nullptr;
  if (caps)
    gst_caps_unref (caps);
  std::unique_ptr<GstStructure, void (*) (GstStructure *)> guard (encoded,
      [] (GstStructure *s) { if (s) gst_structure_free (s); });

  if (!encoded) {
    failing_ = true;
    post_application ("fail", std::string ("cannot tell the codec of ") + GST_PAD_NAME (pad),
        EXIT_OTHER_ERROR);
    return;
  }
  std::string codec = codec_label (encoded);
  if (!(video && config_.transcode) && !muxer_accepts (config_.format->muxer, video, encoded)) {
    failing_ = true;
    post_application ("fail", "the producer sends " + codec + ", which " +
        config_.format->name + " cannot hold (use --format mkv, or --transcode)",
        EXIT_NO_RECORDABLE_CODEC);
    return;
  }

  std::string error;
  GstElement *bin = build_head (video, encoded, &error);
  if (!bin) {
    failing_ = true;
    post_application ("fail", error, EXIT_OTHER_ERROR);
    return;
  }
  GstPad *mux_pad = request_muxer_pad (video);
  if (!mux_pad) {
    gst_object_unref (gst_object_ref_sink (bin));
    post_application ("warning", std::string ("ignoring the extra stream ") + GST_PAD_NAME (pad) +
        " (the muxer takes no more)");
    return;
  }
  gst_bin_add (GST_BIN (pipeline_), bin);
  GstPad *bin_src = gst_element_get_static_pad (bin, "src");
  GstPadLinkReturn link = gst_pad_link (bin_src, mux_pad);
  gst_object_unref (bin_src);
  gst_object_unref (mux_pad);

  auto branch = std::make_unique<Branch> ();
  branch->recording = this;
  branch->bin = bin;
  branch->video = video;
  GstElement *hold = gst_bin_get_by_name (GST_BIN (bin), "hold");
  branch->hold = gst_element_get_static_pad (hold, "src");
  GstPad *hold_sink = gst_element_get_static_pad (hold, "sink");
  gst_pad_add_probe (hold_sink, GST_PAD_PROBE_TYPE_BUFFER, on_first_arrival, branch.get (),
      nullptr);
  gst_pad_add_probe (hold_sink, GST_PAD_PROBE_TYPE_QUERY_DOWNSTREAM, answer_while_held,
      branch.get (), nullptr);
  gst_object_unref (hold_sink);
  gst_object_unref (hold);
  {
    std::lock_guard<std::mutex> lock (lock_);
    if (released_ && GST_CLOCK_TIME_IS_VALID (base_))
      gst_pad_set_offset (branch->hold, -(gint64) base_);
    if (!released_)
      branch->block_probe = gst_pad_add_probe (branch->hold,
          (GstPadProbeType) (GST_PAD_PROBE_TYPE_BLOCK | GST_PAD_PROBE_TYPE_DATA_DOWNSTREAM),
          [] (GstPad *, GstPadProbeInfo *, gpointer) { return GST_PAD_PROBE_OK; }, nullptr,
          nullptr);
  }
  gst_pad_add_probe (branch->hold, GST_PAD_PROBE_TYPE_BUFFER, on_buffer, branch.get (), nullptr);
  gst_element_sync_state_with_parent (bin);

  GstPad *bin_sink = gst_element_get_static_pad (bin, "sink");
  GstPadLinkReturn link2 = link == GST_PAD_LINK_OK ? gst_pad_link (pad, bin_sink) : link;
  gst_object_unref (bin_sink);
  {
    std::lock_guard<std::mutex> lock (lock_);
    branches_.push_back (std::move (branch));
  }
  if (link2 != GST_PAD_LINK_OK) {
    failing_ = true;
    post_application ("fail", std::string ("cannot link ") + GST_PAD_NAME (pad) + " (" + codec +
        ") to the muxer: " + gst_pad_link_get_name (link2), EXIT_NO_RECORDABLE_CODEC);
    return;
  }
  post_application ("stream", std::string (GST_PAD_NAME (pad)) + ": " + codec);
}

/* Notes when a stream's first buffer arrived (in running time): the
 * earliest of them becomes the start of the file. */
GstPadProbeReturn
Recording::on_first_arrival (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  auto branch = static_cast<Branch *> (user_data);
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);
  GstClockTime running = GST_CLOCK_TIME_NONE;
  GstEvent *event = gst_pad_get_sticky_event (pad, GST_EVENT_SEGMENT, 0);
  if (event) {
    const GstSegment *segment = nullptr;
    gst_event_parse_segment (event, &segment);
    if (segment->format == GST_FORMAT_TIME && GST_BUFFER_PTS_IS_VALID (buffer))
      running = gst_segment_to_running_time (segment, GST_FORMAT_TIME, GST_BUFFER_PTS (buffer));
    gst_event_unref (event);
  }
  {
    std::lock_guard<std::mutex> lock (branch->recording->lock_);
    branch->first_running_time = running;
  }
  GST_DEBUG ("%s: first %s buffer at %" GST_TIME_FORMAT, branch->recording->config_.label.c_str (),
      branch->video ? "video" : "audio", GST_TIME_ARGS (running));
  branch->recording->post_application ("first-buffer");
  return GST_PAD_PROBE_REMOVE;
}

/* While the hold queue's output is blocked, a serialized query (the H264
 * depayloader's allocation query) would wait in it until the release, and
 * the stream's streaming thread with it: the stream's first buffer would
 * reach the hold only after the file started. Answered here instead (no
 * allocation needs, the defaults do). */
GstPadProbeReturn
Recording::answer_while_held (GstPad *, GstPadProbeInfo *info, gpointer user_data)
{
  auto branch = static_cast<Branch *> (user_data);
  {
    std::lock_guard<std::mutex> lock (branch->recording->lock_);
    if (branch->recording->released_)
      return GST_PAD_PROBE_REMOVE;
  }
  GstQuery *query = GST_PAD_PROBE_INFO_QUERY (info);
  if (!GST_QUERY_IS_SERIALIZED (query))
    return GST_PAD_PROBE_OK;
  GST_DEBUG ("%s: answering a %s query while the stream is held",
      branch->recording->config_.label.c_str (), GST_QUERY_TYPE_NAME (query));
  return GST_PAD_PROBE_HANDLED;
}

/* Asks the producer for a keyframe (webrtcrecv turns it into a PLI), at
 * most once per KEYFRAME_ASK_INTERVAL_US. */
void
Recording::ask_for_keyframe (Branch &branch)
{
  gint64 now = g_get_monotonic_time ();
  if (branch.keyframe_asked_us && now - branch.keyframe_asked_us < KEYFRAME_ASK_INTERVAL_US)
    return;
  branch.keyframe_asked_us = now;
  GST_DEBUG ("%s: no keyframe in the file yet; asking for one",
      branch.recording->config_.label.c_str ());
  GstPad *sink = gst_element_get_static_pad (branch.bin, "sink");
  gst_pad_push_event (sink, gst_video_event_new_upstream_force_key_unit (GST_CLOCK_TIME_NONE,
      TRUE, 0));
  gst_object_unref (sink);
}

GstPadProbeReturn
Recording::on_buffer (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  auto branch = static_cast<Branch *> (user_data);
  auto self = branch->recording;
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);
  GstClockTime pts = GST_BUFFER_PTS (buffer);
  /* A frame from before the start of the file (a late retransmission, or
   * frames held back until a keyframe came): the muxer would store it with
   * a negative time, and Matroska's duration with it. */
  GstClockTime base;
  {
    std::lock_guard<std::mutex> lock (self->lock_);
    base = self->base_;
  }
  if (GST_CLOCK_TIME_IS_VALID (base) && GST_CLOCK_TIME_IS_VALID (pts)) {
    GstEvent *event = gst_pad_get_sticky_event (pad, GST_EVENT_SEGMENT, 0);
    if (event) {
      const GstSegment *segment = nullptr;
      gst_event_parse_segment (event, &segment);
      guint64 running = 0;
      /* Before the segment (sign < 0) or before the file's start. */
      bool early = segment->format == GST_FORMAT_TIME &&
          (gst_segment_to_running_time_full (segment, GST_FORMAT_TIME, pts, &running) < 0 ||
              running < base);
      gst_event_unref (event);
      if (early) {
        GST_DEBUG ("%s: dropping a buffer from before the start of the file (pts %"
            GST_TIME_FORMAT ")", self->config_.label.c_str (), GST_TIME_ARGS (pts));
        if (branch->video && !branch->keyframe_written)
          ask_for_keyframe (*branch);
        return GST_PAD_PROBE_DROP;
      }
    }
  }
  /* Video starts at a keyframe: frames before it cannot be decoded (and a
   * file of them only fails in players). */
  if (branch->video && !branch->keyframe_written) {
    if (GST_BUFFER_FLAG_IS_SET (buffer, GST_BUFFER_FLAG_DELTA_UNIT)) {
      ask_for_keyframe (*branch);
      return GST_PAD_PROBE_DROP;
    }
    branch->keyframe_written = true;
  }
  if (GST_CLOCK_TIME_IS_VALID (pts)) {
    GstClockTime end = pts + (GST_BUFFER_DURATION_IS_VALID (buffer) ? GST_BUFFER_DURATION (buffer) : 0);
    std::lock_guard<std::mutex> lock (self->lock_);
    if (!GST_CLOCK_TIME_IS_VALID (self->first_pts_) || pts < self->first_pts_)
      self->first_pts_ = pts;
    if (!GST_CLOCK_TIME_IS_VALID (self->last_pts_) || end > self->last_pts_)
      self->last_pts_ = end;
  }
  if (self->buffers_++ == 0)
    self->post_application ("media");
  return GST_PAD_PROBE_OK;
}

} // namespace gstsig::record
