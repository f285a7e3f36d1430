/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "input-stream.h"

#include "bin-utils.h"

#include <gst/video/video.h>

#include <utility>

GST_DEBUG_CATEGORY_EXTERN (gst_sig_send_debug);
#define GST_CAT_DEFAULT gst_sig_send_debug

namespace gstsig {

namespace {

GstElement *
make (const char *factory, const std::string &name)
{
  GstElement *e = gst_element_factory_make (factory, name.c_str ());
  g_assert (e); /* core/base elements; checked at NULL->READY */
  return e;
}

/* Drops delta frames until the first keyframe so a consumer that joins
 * mid-GOP starts with a decodable frame. */
GstPadProbeReturn
drop_until_keyframe (GstPad *pad, GstPadProbeInfo *info, gpointer)
{
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);
  if (GST_BUFFER_FLAG_IS_SET (buffer, GST_BUFFER_FLAG_DELTA_UNIT))
    return GST_PAD_PROBE_DROP;
  return GST_PAD_PROBE_REMOVE;
}

} // namespace

InputStream::InputStream (GstBin *bin, MediaKind kind, std::string name, ContextThread *control,
    GstClockTime keyframe_window)
    : bin_ (bin), kind_ (kind), name_ (std::move (name)), control_ (control),
      keyframe_window_ (keyframe_window)
{
  raw_tee_ = make ("tee", name_ + "-raw-tee");
  g_object_set (raw_tee_, "allow-not-linked", TRUE, nullptr);
  pace_queue_ = make ("queue", name_ + "-pace-queue");
  pace_sink_ = make ("fakesink", name_ + "-pace-sink");
  g_object_set (pace_sink_, "sync", TRUE, "qos", FALSE, nullptr);
  gst_bin_add_many (bin_, raw_tee_, pace_queue_, pace_sink_, nullptr);
  gst_element_link_many (raw_tee_, pace_queue_, pace_sink_, nullptr);
  sink_pad_ = gst_element_get_static_pad (raw_tee_, "sink");
  for (GstElement *e : { pace_sink_, pace_queue_, raw_tee_ })
    gst_element_sync_state_with_parent (e);
}

InputStream::~InputStream ()
{
  gst_clear_object (&sink_pad_);
}

void
InputStream::remove_from_bin ()
{
  std::lock_guard<std::mutex> guard (encoders_lock);
  for (auto &entry : encoders_) {
    Encoder &enc = *entry.second;
    {
      std::lock_guard<std::mutex> merge_guard (enc.merge_lock);
      control_->cancel (std::exchange (enc.timer, 0u));
    }
    for (GstElement *e : { enc.branch, enc.tee })
      discard_from_bin (bin_, e);
    gst_element_release_request_pad (raw_tee_, enc.raw_tee_pad);
    gst_object_unref (enc.raw_tee_pad);
  }
  encoders_.clear ();
  for (GstElement *e : { raw_tee_, pace_queue_, pace_sink_ })
    discard_from_bin (bin_, e);
}

InputStream::Encoder *
InputStream::ensure_encoder (const Codec &codec, unsigned video_bitrate_kbps, std::string *error)
{
  std::lock_guard<std::mutex> guard (encoders_lock);
  auto it = encoders_.find (codec.name);
  if (it != encoders_.end ())
    return it->second.get ();

  GError *parse_error = nullptr;
  std::string description = encoder_description (codec, video_bitrate_kbps);
  GstElement *branch = gst_parse_bin_from_description_full (description.c_str (), TRUE, nullptr,
      GST_PARSE_FLAG_FATAL_ERRORS, &parse_error);
  if (!branch) {
    *error = std::string ("cannot build the ") + codec.name + " encoder (" +
        (parse_error ? parse_error->message : "unknown error") + ")";
    g_clear_error (&parse_error);
    return nullptr;
  }
  gst_object_set_name (GST_OBJECT (branch), (name_ + "-" + codec.name + "-encoder").c_str ());
  auto enc = std::make_unique<Encoder> (&codec, keyframe_window_, control_);
  enc->branch = branch;
  enc->tee = make ("tee", name_ + "-" + codec.name + "-tee");
  g_object_set (enc->tee, "allow-not-linked", TRUE, nullptr);
  gst_bin_add_many (bin_, enc->branch, enc->tee, nullptr);
  gst_element_link (enc->branch, enc->tee);

  GstPad *tee_sink = gst_element_get_static_pad (enc->tee, "sink");
  gst_pad_add_probe (tee_sink, GST_PAD_PROBE_TYPE_EVENT_UPSTREAM, on_upstream_event, enc.get (),
      nullptr);
  gst_pad_add_probe (tee_sink, GST_PAD_PROBE_TYPE_BUFFER,
      [] (GstPad *, GstPadProbeInfo *, gpointer data) {
        static_cast<Encoder *> (data)->frames++;
        return GST_PAD_PROBE_OK;
      },
      enc.get (), nullptr);
  gst_object_unref (tee_sink);

  gst_element_sync_state_with_parent (enc->tee);
  gst_element_sync_state_with_parent (enc->branch);
  enc->raw_tee_pad = gst_element_request_pad_simple (raw_tee_, "src_%u");
  GstPad *branch_sink = gst_element_get_static_pad (enc->branch, "sink");
  gst_pad_link (enc->raw_tee_pad, branch_sink);
  gst_object_unref (branch_sink);
  GST_INFO_OBJECT (bin_, "%s: started the %s encoder", name_.c_str (), codec.name);

  Encoder *result = enc.get ();
  encoders_[codec.name] = std::move (enc);
  return result;
}

bool
InputStream::attach (ConsumerBranch &branch, const Codec &codec, unsigned pt,
    unsigned twcc_ext_id, unsigned video_bitrate_kbps, bool diagnostics, GstPad *webrtc_pad,
    std::string *error)
{
  Encoder *enc = ensure_encoder (codec, video_bitrate_kbps, error);
  if (!enc)
    return false;
  branch.codec = &codec;
  branch.queue = gst_element_factory_make ("queue", nullptr);
  /* A slow consumer must not stall the encoder for everyone. */
  g_object_set (branch.queue, "max-size-buffers", 0, "max-size-bytes", 0, "max-size-time",
      (guint64) 2 * GST_SECOND, nullptr);
  gst_util_set_object_arg (G_OBJECT (branch.queue), "leaky", "downstream");
  branch.payloader = make_payloader (codec, pt, twcc_ext_id);
  gst_object_set_name (GST_OBJECT (branch.payloader),
      (name_ + "-" + codec.name + "-payloader-" + std::to_string (next_branch_++)).c_str ());
  gst_bin_add_many (bin_, branch.queue, branch.payloader, nullptr);
  gst_element_link (branch.queue, branch.payloader);
  GstElement *last = branch.payloader;
  if (diagnostics && (branch.diag = gst_element_factory_make ("rtpdiag", nullptr))) {
    g_object_set (branch.diag, "interval", 0u, "post-messages", FALSE, nullptr);
    gst_bin_add (bin_, branch.diag);
    gst_element_link (branch.payloader, branch.diag);
    last = branch.diag;
  }
  GstPad *pay_src = gst_element_get_static_pad (last, "src");
  GstPadLinkReturn link = gst_pad_link (pay_src, webrtc_pad);
  gst_object_unref (pay_src);
  if (link != GST_PAD_LINK_OK) {
    *error = std::string ("cannot link the ") + codec.name + " payloader to webrtcbin (" +
        gst_pad_link_get_name (link) + ")";
    for (GstElement *e : { branch.queue, branch.payloader, branch.diag })
      if (e)
        discard_from_bin (bin_, e);
    branch = ConsumerBranch ();
    return false;
  }
  if (branch.diag)
    gst_element_sync_state_with_parent (branch.diag);
  gst_element_sync_state_with_parent (branch.payloader);
  gst_element_sync_state_with_parent (branch.queue);

  GstPad *queue_sink = gst_element_get_static_pad (branch.queue, "sink");
  if (kind_ == MediaKind::Video)
    gst_pad_add_probe (queue_sink, GST_PAD_PROBE_TYPE_BUFFER, drop_until_keyframe, nullptr,
        nullptr);
  branch.tee_pad = gst_element_request_pad_simple (enc->tee, "src_%u");
  gst_pad_link (branch.tee_pad, queue_sink);
  gst_object_unref (queue_sink);

  if (kind_ == MediaKind::Video) {
    /* A new consumer needs a keyframe now, not at the end of the GOP. */
    gst_pad_send_event (branch.tee_pad,
        gst_video_event_new_upstream_force_key_unit (GST_CLOCK_TIME_NONE, TRUE, 0));
  }
  return true;
}

void
InputStream::cut (ConsumerBranch &branch)
{
  if (!branch.tee_pad)
    return;
  GstElement *tee = GST_ELEMENT (gst_pad_get_parent (branch.tee_pad));
  if (tee) {
    gst_element_release_request_pad (tee, branch.tee_pad);
    gst_object_unref (tee);
  }
  gst_clear_object (&branch.tee_pad);
}

void
InputStream::detach (ConsumerBranch &branch)
{
  if (!branch.codec)
    return;
  cut (branch);
  for (GstElement *e : { branch.queue, branch.payloader, branch.diag })
    if (e)
      discard_from_bin (bin_, e);
  branch = ConsumerBranch ();
}

void
InputStream::set_video_bitrate (unsigned kbps)
{
  std::lock_guard<std::mutex> guard (encoders_lock);
  for (auto &entry : encoders_) {
    GstElement *encoder = gst_bin_get_by_name (GST_BIN (entry.second->branch), "encoder");
    if (!encoder)
      continue;
    if (g_object_class_find_property (G_OBJECT_GET_CLASS (encoder), "target-bitrate"))
      g_object_set (encoder, "target-bitrate", (int) (kbps * 1000), nullptr); /* vp8enc: bit/s */
    else if (entry.second->codec->kind == MediaKind::Video)
      g_object_set (encoder, "bitrate", kbps, nullptr); /* x264enc: kbit/s */
    gst_object_unref (encoder);
  }
}

guint64
InputStream::encoded_frames (const Codec &codec)
{
  std::lock_guard<std::mutex> guard (encoders_lock);
  auto it = encoders_.find (codec.name);
  return it == encoders_.end () ? 0 : it->second->frames.load ();
}

void
InputStream::frame_size (const Codec &codec, int *width, int *height)
{
  *width = *height = 0;
  std::lock_guard<std::mutex> guard (encoders_lock);
  auto it = encoders_.find (codec.name);
  if (it == encoders_.end ())
    return;
  GstPad *pad = gst_element_get_static_pad (it->second->tee, "sink");
  GstCaps *caps = gst_pad_get_current_caps (pad);
  gst_object_unref (pad);
  if (!caps)
    return;
  GstStructure *s = gst_caps_get_structure (caps, 0);
  gst_structure_get_int (s, "width", width);
  gst_structure_get_int (s, "height", height);
  gst_caps_unref (caps);
}

void
InputStream::request_keyframe ()
{
  std::lock_guard<std::mutex> guard (encoders_lock);
  for (auto &entry : encoders_) {
    GstPad *tee_sink = gst_element_get_static_pad (entry.second->tee, "sink");
    gst_pad_push_event (tee_sink,
        gst_video_event_new_upstream_force_key_unit (GST_CLOCK_TIME_NONE, TRUE, 0));
    gst_object_unref (tee_sink);
  }
}

void
InputStream::send_merged_keyframe (Encoder *enc)
{
  GstEvent *event = gst_video_event_new_upstream_force_key_unit (GST_CLOCK_TIME_NONE, TRUE, 0);
  {
    std::lock_guard<std::mutex> guard (enc->merge_lock);
    enc->merger.on_timer (g_get_monotonic_time ());
    enc->timer = 0;
    enc->forwarded_seqnum = gst_event_get_seqnum (event);
  }
  GstPad *tee_sink = gst_element_get_static_pad (enc->tee, "sink");
  gst_pad_push_event (tee_sink, event);
  gst_object_unref (tee_sink);
}

GstPadProbeReturn
InputStream::on_upstream_event (GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  auto enc = static_cast<Encoder *> (data);
  GstEvent *event = GST_PAD_PROBE_INFO_EVENT (info);
  if (!gst_video_event_is_force_key_unit (event))
    return GST_PAD_PROBE_OK;
  std::lock_guard<std::mutex> guard (enc->merge_lock);
  if (gst_event_get_seqnum (event) == enc->forwarded_seqnum)
    return GST_PAD_PROBE_OK; /* our own merged request */
  switch (enc->merger.on_request (g_get_monotonic_time ())) {
    case KeyframeMerger::Action::ForwardNow:
      GST_DEBUG_OBJECT (pad, "%s: forwarding a keyframe request", enc->codec->name);
      return GST_PAD_PROBE_OK;
    case KeyframeMerger::Action::ScheduleAt: {
      int64_t delay_us = enc->merger.scheduled_at () - g_get_monotonic_time ();
      GST_DEBUG_OBJECT (pad, "%s: merging keyframe requests for %" G_GINT64_FORMAT " us",
          enc->codec->name, delay_us);
      enc->timer = enc->control->timeout ((guint) MAX (delay_us / 1000, 1), [enc] () {
        send_merged_keyframe (enc);
        return false;
      });
      return GST_PAD_PROBE_DROP;
    }
    case KeyframeMerger::Action::Merged:
      return GST_PAD_PROBE_DROP;
  }
  return GST_PAD_PROBE_OK;
}

} // namespace gstsig
