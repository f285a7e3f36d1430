/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* An input's branch per codec (InputStream::Encoder): an encoder for raw
 * media, or the branch that readies pre-encoded media, built and
 * published (ensure_encoder), taken down (discard_encoder), its figures
 * and bitrate, and keyframe requests merged before they reach it. */
#include "input-stream-private.h"

#include "bin-utils.h"

#include <gst/video/video.h>

#include <algorithm>
#include <utility>

#define GST_CAT_DEFAULT gst_sig_send_debug

namespace gstsig {

namespace {

/* Probe data: the Encoder lives as long as its probes. */
gpointer
encoder_data (const std::shared_ptr<void> &enc)
{
  return new std::shared_ptr<void> (enc);
}

void
free_encoder_data (gpointer data)
{
  delete static_cast<std::shared_ptr<void> *> (data);
}

/* Streaming threads, at a raw video encoder branch's input: the picture
 * size is the branch's own business (its videoscale makes it), not the
 * input's. Without this, a scaler upstream of webrtcsend (gst-webrtc-send
 * has one, and so do many pipelines: ... ! videoscale ! webrtcsend)
 * followed the first tier's picture-size caps: a reconfigure event made it
 * renegotiate to the size the caps query put first, every tier then scaled
 * from that smaller input, and the size steps compounded (a 1024x768
 * screen went to 512x384, then "384x288 of 512x384", and stayed small for
 * 15 s). So reconfigure events stop here, and caps queries are answered
 * without a size or frame rate preference. */
GstPadProbeReturn
keep_the_input_size (GstPad *, GstPadProbeInfo *info, gpointer)
{
  if (GST_PAD_PROBE_INFO_TYPE (info) & GST_PAD_PROBE_TYPE_EVENT_UPSTREAM)
    return GST_EVENT_TYPE (GST_PAD_PROBE_INFO_EVENT (info)) == GST_EVENT_RECONFIGURE
        ? GST_PAD_PROBE_DROP : GST_PAD_PROBE_OK;
  GstQuery *query = GST_PAD_PROBE_INFO_QUERY (info);
  if (GST_QUERY_TYPE (query) != GST_QUERY_CAPS || !(GST_PAD_PROBE_INFO_TYPE (info) &
      GST_PAD_PROBE_TYPE_PULL))
    return GST_PAD_PROBE_OK;
  GstCaps *result = nullptr;
  gst_query_parse_caps_result (query, &result);
  if (!result || gst_caps_is_any (result))
    return GST_PAD_PROBE_OK;
  GstCaps *any_size = gst_caps_copy (result);
  for (guint i = 0; i < gst_caps_get_size (any_size); i++)
    gst_structure_remove_fields (gst_caps_get_structure (any_size, i), "width", "height",
        "framerate", "pixel-aspect-ratio", nullptr);
  set_filtered_caps_result (query, gst_caps_simplify (any_size));
  return GST_PAD_PROBE_OK;
}

} // namespace

InputStream::Encoder &
InputStream::encoder_of (gpointer probe_data)
{
  return *static_cast<Encoder *> (static_cast<std::shared_ptr<void> *> (probe_data)->get ());
}

/* Streaming thread, raw video into an encoder's branch: at a reduced frame
 * rate, only one frame in frame_rate_divisor goes on. The encoder sees the
 * gaps in the timestamps (libvpx's rate control takes a frame's duration
 * from them) and spends the bits of the frames dropped on those kept. */
GstPadProbeReturn
InputStream::keep_one_frame_in_divisor (GstPad *, GstPadProbeInfo *, gpointer data)
{
  Encoder &enc = encoder_of (data);
  unsigned divisor = enc.frame_rate_divisor;
  if (divisor <= 1)
    return GST_PAD_PROBE_OK;
  return enc.raw_frames++ % divisor == 0 ? GST_PAD_PROBE_OK : GST_PAD_PROBE_DROP;
}

/* Any thread (the control thread for raw input; the streaming thread that
 * brings the caps for pre-encoded input). The branch is built without
 * encoders_lock, then published under it; if another thread published one
 * for the codec meanwhile, ours is discarded and theirs is used. */
std::string
InputStream::encoder_key (const Codec &codec, unsigned tier)
{
  return tier == 0 ? std::string (codec.name) : std::string (codec.name) + "#" + std::to_string (tier);
}

std::shared_ptr<InputStream::Encoder>
InputStream::ensure_encoder (const Codec &codec, unsigned tier, unsigned video_bitrate_kbps,
    std::string *error)
{
  const std::string key = encoder_key (codec, tier);
  {
    std::lock_guard<std::mutex> guard (encoders_lock);
    if (removed_) {
      *error = name_ + " is being released";
      return nullptr;
    }
    auto it = encoders_.find (key);
    if (it != encoders_.end ())
      return it->second;
  }

  auto input = form ();
  bool encoded = input && input->encoded ();
  if (encoded && input->codec != &codec) {
    *error = name_ + " carries pre-encoded " + input->codec->name + ", not " + codec.name;
    return nullptr;
  }
  GError *parse_error = nullptr;
  std::string description = encoded ? encoded_input_description (codec)
                                    : encoder_description (codec, video_bitrate_kbps,
                                        input ? input->pixel_rate : 0);
  GstElement *branch = gst_parse_bin_from_description_full (description.c_str (), TRUE, nullptr,
      GST_PARSE_FLAG_FATAL_ERRORS, &parse_error);
  if (!branch) {
    *error = std::string ("cannot build the ") + codec.name + (encoded ? " input (" : " encoder (") +
        (parse_error ? parse_error->message : "unknown error") + ")";
    g_clear_error (&parse_error);
    return nullptr;
  }
  std::string tier_suffix = tier ? "-tier" + std::to_string (tier) : "";
  gst_object_set_name (GST_OBJECT (branch),
      (name_ + "-" + codec.name + (encoded ? "-input" : "-encoder") + tier_suffix).c_str ());
  auto enc = std::make_shared<Encoder> (&codec, keyframe_window_, control_);
  enc->tier = tier;
  enc->applied_kbps = video_bitrate_kbps;
  enc->branch = branch;
  enc->tee = make ("tee", name_ + "-" + codec.name + "-tee" + tier_suffix);
  g_object_set (enc->tee, "allow-not-linked", TRUE, nullptr);
  gst_bin_add_many (bin_, enc->branch, enc->tee, nullptr);
  gst_element_link (enc->branch, enc->tee);

  GstPad *tee_sink = gst_element_get_static_pad (enc->tee, "sink");
  gst_pad_add_probe (tee_sink, GST_PAD_PROBE_TYPE_EVENT_UPSTREAM, on_upstream_event,
      encoder_data (enc), free_encoder_data);
  gst_pad_add_probe (tee_sink, GST_PAD_PROBE_TYPE_BUFFER,
      [] (GstPad *, GstPadProbeInfo *info, gpointer data) {
        Encoder &enc = encoder_of (data);
        GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);
        enc.frames++;
        if (GST_BUFFER_FLAG_IS_SET (buffer, GST_BUFFER_FLAG_DELTA_UNIT) ||
            !enc.new_viewer_keyframe.exchange (false))
          enc.load_bytes += gst_buffer_get_size (buffer);
        return GST_PAD_PROBE_OK;
      },
      encoder_data (enc), free_encoder_data);
  gst_object_unref (tee_sink);

  gst_element_sync_state_with_parent (enc->tee);
  gst_element_sync_state_with_parent (enc->branch);
  enc->raw_tee_pad = gst_element_request_pad_simple (raw_tee_, "src_%u");
  GstPad *branch_sink = gst_element_get_static_pad (enc->branch, "sink");
  if (!encoded && codec.kind == MediaKind::Video) {
    gst_pad_add_probe (branch_sink, GST_PAD_PROBE_TYPE_BUFFER, keep_one_frame_in_divisor,
        encoder_data (enc), free_encoder_data);
    gst_pad_add_probe (branch_sink, GST_PAD_PROBE_TYPE_EVENT_UPSTREAM, keep_the_input_size,
        nullptr, nullptr);
    gst_pad_add_probe (branch_sink, (GstPadProbeType) (GST_PAD_PROBE_TYPE_QUERY_DOWNSTREAM |
        GST_PAD_PROBE_TYPE_PULL), keep_the_input_size, nullptr, nullptr);
  }
  gst_pad_link (enc->raw_tee_pad, branch_sink);
  gst_object_unref (branch_sink);

  std::shared_ptr<Encoder> published;
  {
    std::lock_guard<std::mutex> guard (encoders_lock);
    if (!removed_) {
      auto &slot = encoders_[key];
      if (!slot)
        slot = enc;
      published = slot;
    }
  }
  if (published != enc) {
    GST_DEBUG_OBJECT (bin_, "%s: another thread started the %s branch first", name_.c_str (),
        codec.name);
    discard_encoder (*enc);
    if (!published)
      *error = name_ + " is being released";
    return published;
  }
  GST_INFO_OBJECT (bin_, "%s: started the %s %s%s (%u kbit/s)", name_.c_str (), codec.name,
      encoded ? "input branch (no encoder)" : "encoder", tier_suffix.c_str (), video_bitrate_kbps);
  return enc;
}

void
InputStream::discard_encoder (Encoder &enc)
{
  {
    std::lock_guard<std::mutex> merge_guard (enc.merge_lock);
    control_->cancel (std::exchange (enc.timer, 0u));
  }
  /* The input tee's pad first: a branch stopped while the tee still pushes
   * into it answers FLUSHING, and the tee hands that to the input, whose
   * source then stops for every other encoder too (a tier's encoder is
   * removed while the others run). */
  gst_element_release_request_pad (raw_tee_, enc.raw_tee_pad);
  gst_clear_object (&enc.raw_tee_pad);
  for (GstElement *e : { enc.branch, enc.tee })
    discard_from_bin (bin_, e);
}

std::shared_ptr<InputStream::Encoder>
InputStream::encoder_of_branch (const ConsumerBranch &branch)
{
  if (!branch.codec || !branch.link)
    return nullptr;
  unsigned tier;
  {
    std::lock_guard<std::mutex> guard (branch.link->lock);
    tier = branch.link->tier;
  }
  std::lock_guard<std::mutex> guard (encoders_lock);
  auto it = encoders_.find (encoder_key (*branch.codec, tier));
  return it == encoders_.end () ? nullptr : it->second;
}

guint64
InputStream::encoded_frames (const ConsumerBranch &branch)
{
  auto enc = encoder_of_branch (branch);
  return enc ? enc->frames.load () : 0;
}

void
InputStream::frame_size (const ConsumerBranch &branch, int *width, int *height)
{
  *width = *height = 0;
  auto enc = encoder_of_branch (branch);
  if (!enc)
    return;
  GstPad *pad = gst_element_get_static_pad (enc->tee, "sink");
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
InputStream::send_merged_keyframe (const std::shared_ptr<Encoder> &enc)
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

namespace {

constexpr const char *NEW_VIEWER_FIELD = "gstsig-new-viewer";

} // namespace

GstEvent *
new_keyframe_request_for_a_new_viewer ()
{
  GstEvent *event = gst_video_event_new_upstream_force_key_unit (GST_CLOCK_TIME_NONE, TRUE, 0);
  gst_structure_set (gst_event_writable_structure (event), NEW_VIEWER_FIELD, G_TYPE_BOOLEAN, TRUE,
      nullptr);
  return event;
}

GstPadProbeReturn
InputStream::on_upstream_event (GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  /* The timer below holds the Encoder, not a bare pointer: it may fire
   * after remove_from_bin took the Encoder out (it cancels it, but a timer
   * already dispatched runs). */
  auto enc = std::static_pointer_cast<Encoder> (*static_cast<std::shared_ptr<void> *> (data));
  GstEvent *event = GST_PAD_PROBE_INFO_EVENT (info);
  if (!gst_video_event_is_force_key_unit (event))
    return GST_PAD_PROBE_OK;
  gboolean new_viewer = FALSE;
  if (gst_structure_get_boolean (gst_event_get_structure (event), NEW_VIEWER_FIELD, &new_viewer) &&
      new_viewer)
    enc->new_viewer_keyframe = true;
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
