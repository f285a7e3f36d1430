/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "input-stream-private.h"

#include "bin-utils.h"

#include <gst/video/video.h>

#include <algorithm>
#include <utility>

#define GST_CAT_DEFAULT gst_sig_send_debug

namespace gstsig {

GstElement *
make (const char *factory, const std::string &name)
{
  GstElement *e = gst_element_factory_make (factory, name.c_str ());
  g_assert (e); /* core/base elements; checked at NULL->READY */
  return e;
}

namespace {

using KeyframeSeen = std::shared_ptr<std::atomic<bool>>;

/* Drops delta frames until the first keyframe so a consumer that joins
 * mid-GOP starts with a decodable frame; data is a KeyframeSeen. */
GstPadProbeReturn
drop_until_keyframe (GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);
  if (GST_BUFFER_FLAG_IS_SET (buffer, GST_BUFFER_FLAG_DELTA_UNIT))
    return GST_PAD_PROBE_DROP;
  **static_cast<KeyframeSeen *> (data) = true;
  GST_DEBUG_OBJECT (pad, "keyframe: the consumer starts at %" GST_TIME_FORMAT,
      GST_TIME_ARGS (GST_BUFFER_PTS (buffer)));
  return GST_PAD_PROBE_REMOVE;
}

/* The pacing sink saw EOS (everything was sent), or a new stream. */
GstPadProbeReturn
on_pace_event (GstPad *, GstPadProbeInfo *info, gpointer data)
{
  auto ended = static_cast<std::pair<std::atomic<bool> *, std::function<void ()> *> *> (data);
  switch (GST_EVENT_TYPE (GST_PAD_PROBE_INFO_EVENT (info))) {
    case GST_EVENT_EOS:
      *ended->first = true;
      if (*ended->second)
        (*ended->second) ();
      break;
    case GST_EVENT_STREAM_START:
    case GST_EVENT_FLUSH_STOP:
      *ended->first = false;
      break;
    default:
      break;
  }
  return GST_PAD_PROBE_OK;
}

} // namespace

InputStream::InputStream (GstBin *bin, MediaKind kind, std::string name, ContextThread *control,
    GstClockTime keyframe_window)
    : bin_ (bin), kind_ (kind), name_ (std::move (name)), control_ (control),
      keyframe_window_ (keyframe_window)
{
  raw_tee_ = make ("tee", name_ + "-input-tee");
  /* Our own reference: a branch being built on a streaming thread may
   * still ask it for a pad while remove_from_bin takes it out. */
  gst_object_ref (raw_tee_);
  g_object_set (raw_tee_, "allow-not-linked", TRUE, nullptr);
  pace_queue_ = make ("queue", name_ + "-pace-queue");
  pace_sink_ = make ("fakesink", name_ + "-pace-sink");
  g_object_set (pace_sink_, "sync", TRUE, "qos", FALSE, nullptr);
  gst_bin_add_many (bin_, raw_tee_, pace_queue_, pace_sink_, nullptr);
  gst_element_link_many (raw_tee_, pace_queue_, pace_sink_, nullptr);
  sink_pad_ = gst_element_get_static_pad (raw_tee_, "sink");
  gst_pad_add_probe (sink_pad_, (GstPadProbeType) (GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM |
      GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST), on_input, this, nullptr);
  GstPad *pace_pad = gst_element_get_static_pad (pace_sink_, "sink");
  gst_pad_add_probe (pace_pad, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, on_pace_event,
      new std::pair<std::atomic<bool> *, std::function<void ()> *> (&ended_, &eos_handler_),
      [] (gpointer data) {
        delete static_cast<std::pair<std::atomic<bool> *, std::function<void ()> *> *> (data);
      });
  gst_object_unref (pace_pad);
  for (GstElement *e : { pace_sink_, pace_queue_, raw_tee_ })
    gst_element_sync_state_with_parent (e);
}

std::optional<InputForm>
InputStream::form () const
{
  std::lock_guard<std::mutex> guard (form_lock);
  return form_;
}

void
InputStream::when_form_known (std::function<void ()> fn)
{
  {
    std::lock_guard<std::mutex> guard (form_lock);
    if (!form_) {
      form_waiters_.push_back (std::move (fn));
      return;
    }
  }
  fn ();
}

void
InputStream::set_eos_handler (std::function<void ()> fn)
{
  eos_handler_ = std::move (fn);
}

GstPadProbeReturn
InputStream::on_input (GstPad *, GstPadProbeInfo *info, gpointer data)
{
  auto self = static_cast<InputStream *> (data);
  if (info->type & GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM) {
    GstEvent *event = GST_PAD_PROBE_INFO_EVENT (info);
    if (GST_EVENT_TYPE (event) == GST_EVENT_CAPS) {
      /* Before the form is known: a session negotiated as soon as it is
       * (send-session.cpp) must know whether the input is live. */
      if (!self->liveness_checked_.exchange (true))
        self->check_liveness ();
      GstCaps *caps = nullptr;
      gst_event_parse_caps (event, &caps);
      self->on_caps (caps);
    } else if (GST_EVENT_TYPE (event) == GST_EVENT_STREAM_START) {
      self->liveness_checked_ = false;
    }
    return GST_PAD_PROBE_OK;
  }
  if (!self->liveness_checked_.exchange (true))
    self->check_liveness ();
  GstBuffer *buffer = (info->type & GST_PAD_PROBE_TYPE_BUFFER)
      ? GST_PAD_PROBE_INFO_BUFFER (info)
      : gst_buffer_list_get (GST_PAD_PROBE_INFO_BUFFER_LIST (info), 0);
  if (buffer && !GST_BUFFER_FLAG_IS_SET (buffer, GST_BUFFER_FLAG_DELTA_UNIT))
    *self->last_keyframe_us_ = g_get_monotonic_time ();
  return GST_PAD_PROBE_OK;
}

/* Streaming thread, first caps and every change. */
/* width x height x frames per second of raw video caps, 0 if not known. */
static double
raw_pixel_rate (GstCaps *caps)
{
  const GstStructure *s = gst_caps_is_empty (caps) ? nullptr : gst_caps_get_structure (caps, 0);
  int width = 0, height = 0, num = 0, den = 0;
  if (!s || !gst_structure_has_name (s, "video/x-raw") || !gst_structure_get_int (s, "width", &width)
      || !gst_structure_get_int (s, "height", &height)
      || !gst_structure_get_fraction (s, "framerate", &num, &den) || den <= 0)
    return 0;
  return (double) width * height * num / den;
}

bool
InputStream::on_caps (GstCaps *caps)
{
  InputForm form;
  form.codec = codec_for_encoded_caps (caps);
  form.pixel_rate = raw_pixel_rate (caps);
  std::string error;
  if (form.codec && g_strcmp0 (form.codec->name, "h264") == 0) {
    auto plid = h264_profile_level_id (caps, &error);
    if (!plid) {
      GST_ELEMENT_ERROR (GST_ELEMENT (bin_), STREAM, CODEC_NOT_FOUND,
          ("%s: %s. Re-encode it (e.g. x264enc ! video/x-h264,profile=high) or link raw video "
           "so that webrtcsend encodes.", name_.c_str (), error.c_str ()),
          ("caps %" GST_PTR_FORMAT, caps));
      return false;
    }
    form.h264_profile = *plid;
    /* Without a profile in the caps (no parser upstream) we announce
     * constrained baseline; a stream that is not would fail in strict
     * decoders, so say how to get it right. */
    if (!gst_structure_has_field (gst_caps_get_structure (caps, 0), "profile") &&
        !warned_no_profile_.exchange (true))
      GST_ELEMENT_WARNING (GST_ELEMENT (bin_), STREAM, FORMAT,
          ("%s: the H264 caps name no profile, so it is announced as constrained baseline "
           "(42e01f). Put h264parse before webrtcsend so the stream's own profile is "
           "announced.", name_.c_str ()),
          ("caps %" GST_PTR_FORMAT, caps));
  }
  if (form.codec && g_strcmp0 (form.codec->name, "opus") == 0) {
    int channels = 0;
    gst_structure_get_int (gst_caps_get_structure (caps, 0), "channels", &channels);
    if (channels > 2) {
      GST_ELEMENT_ERROR (GST_ELEMENT (bin_), STREAM, FORMAT,
          ("%s: Opus with %d channels cannot go to browsers (they take mono or stereo). Decode "
           "it and link raw audio, webrtcsend then encodes stereo.", name_.c_str (), channels),
          ("caps %" GST_PTR_FORMAT, caps));
      return false;
    }
  }
  std::vector<std::function<void ()>> waiters;
  {
    std::lock_guard<std::mutex> guard (form_lock);
    if (form_ && form_->codec != form.codec) {
      const char *was = form_->codec ? form_->codec->name : "raw";
      const char *now = form.codec ? form.codec->name : "raw";
      GST_ELEMENT_ERROR (GST_ELEMENT (bin_), STREAM, FORMAT,
          ("%s changed from %s to %s while running; webrtcsend cannot switch an input between "
           "raw and pre-encoded or between codecs. Use one form per pad.", name_.c_str (), was,
              now), ("caps %" GST_PTR_FORMAT, caps));
      return false;
    }
    if (!form_)
      GST_INFO_OBJECT (bin_, "%s: %s input%s%s", name_.c_str (),
          form.codec ? form.codec->name : "raw", form.h264_profile.empty () ? "" : ", profile-level-id ",
          form.h264_profile.c_str ());
    form_ = form;
    waiters = std::move (form_waiters_);
    form_waiters_.clear ();
  }
  /* Pre-encoded: the one branch starts with the stream, so that its parser
   * sees it from the start (an h264parse started mid-stream marks its first
   * output as a keyframe). */
  if (form.encoded ()) {
    if (!ensure_encoder (*form.codec, 0, 0, &error)) {
      if (released ())
        return false; /* the pad is going away: nothing to report */
      GST_ELEMENT_ERROR (GST_ELEMENT (bin_), CORE, MISSING_PLUGIN,
          ("%s: %s. Install gstreamer1.0-plugins-bad (h264parse).", name_.c_str (),
              error.c_str ()), (nullptr));
      return false;
    }
  }
  for (auto &waiter : waiters)
    waiter ();
  return true;
}

/* Streaming thread, the first caps (or buffer) of a stream: a live
 * upstream is not held back; a file is paced to the clock by the pacing
 * sink. */
void
InputStream::check_liveness ()
{
  GstQuery *query = gst_query_new_latency ();
  gboolean live = FALSE;
  if (gst_pad_peer_query (sink_pad_, query))
    gst_query_parse_latency (query, &live, nullptr, nullptr);
  gst_query_unref (query);
  live_ = live;
  if (live) {
    /* The queue's defaults: the sink never holds the input back. And it does
     * not sync: a syncing sink after a live source raised the pipeline's
     * latency by its processing deadline (20 ms) for nothing. */
    g_object_set (pace_queue_, "max-size-buffers", 200u, "max-size-bytes", 10485760u,
        "max-size-time", (guint64) GST_SECOND, nullptr);
    g_object_set (pace_sink_, "sync", FALSE, nullptr);
    gst_element_post_message (GST_ELEMENT (bin_), gst_message_new_latency (GST_OBJECT (bin_)));
  } else {
    g_object_set (pace_queue_, "max-size-buffers", 0u, "max-size-bytes", 0u, "max-size-time",
        (guint64) PACE_AHEAD, nullptr);
    g_object_set (pace_sink_, "sync", TRUE, nullptr);
  }
  GST_INFO_OBJECT (bin_, "%s: %s input", name_.c_str (),
      live ? "live" : "non-live (paced to the clock)");
}

InputStream::~InputStream ()
{
  gst_clear_object (&sink_pad_);
  gst_clear_object (&raw_tee_);
}

void
InputStream::remove_from_bin ()
{
  /* Taken out under the lock, torn down without it (setting elements to
   * NULL waits for their streaming threads). */
  {
    std::lock_guard<std::mutex> guard (targets_lock);
    removed_tiers_ = true;
    control_->cancel (std::exchange (tier_timer_, 0u));
  }
  std::map<std::string, std::shared_ptr<Encoder>> encoders;
  {
    std::lock_guard<std::mutex> guard (encoders_lock);
    encoders.swap (encoders_);
    removed_ = true;
  }
  for (auto &entry : encoders)
    discard_encoder (*entry.second);
  encoders.clear ();
  for (GstElement *e : { raw_tee_, pace_queue_, pace_sink_ })
    discard_from_bin (bin_, e);
}

bool
InputStream::released ()
{
  std::lock_guard<std::mutex> guard (encoders_lock);
  return removed_;
}

std::shared_ptr<InputStream::Encoder>
InputStream::first_tier_encoder (const Codec &codec, unsigned video_bitrate_kbps,
    unsigned video_tiers, const std::vector<unsigned> &tier_ladder_kbps, std::string *error)
{
  unsigned kbps;
  {
    std::lock_guard<std::mutex> guard (targets_lock);
    configured_kbps_ = video_bitrate_kbps;
    max_tiers_ = std::max (video_tiers, 1u);
    tier_ladder_kbps_ = tier_ladder_kbps;
    kbps = tier_target_locked (codec, 0);
  }
  return ensure_encoder (codec, 0, kbps, error);
}

bool
InputStream::prepare (const Codec &codec, unsigned video_bitrate_kbps, unsigned video_tiers,
    const std::vector<unsigned> &tier_ladder_kbps, unsigned start_kbps, std::string *error)
{
  auto input = form ();
  if (!input || input->encoded ())
    return true;
  bool running;
  {
    std::lock_guard<std::mutex> guard (encoders_lock);
    if (declined_.count (&codec))
      return true;
    running = encoders_.count (encoder_key (codec, 0)) > 0;
  }
  auto enc = first_tier_encoder (codec, video_bitrate_kbps, video_tiers, tier_ladder_kbps, error);
  if (!enc)
    return false;
  if (running || start_kbps == 0 || codec.kind != MediaKind::Video || input->pixel_rate <= 0)
    return true;
  std::lock_guard<std::mutex> guard (targets_lock);
  if (plans_.count (&codec))
    return true;
  std::lock_guard<std::mutex> encoders_guard (encoders_lock);
  set_encoder_bitrate_locked (*enc, std::min (start_kbps, tier_target_locked (codec, 0)));
  unsigned before = enc->sizer.step ();
  if (enc->sizer.start (enc->applied_kbps, input->pixel_rate, g_get_monotonic_time () / 1000) !=
      before)
    apply_picture_size (*enc, -1);
  enc->at_start_target = true;
  return true;
}

void
InputStream::drop_start_target (const Codec &codec)
{
  std::lock_guard<std::mutex> guard (targets_lock);
  if (plans_.count (&codec))
    return;
  std::lock_guard<std::mutex> encoders_guard (encoders_lock);
  auto it = encoders_.find (encoder_key (codec, 0));
  if (it == encoders_.end () || !it->second->at_start_target)
    return;
  Encoder &enc = *it->second;
  enc.at_start_target = false;
  set_encoder_bitrate_locked (enc, configured_kbps_);
  if (enc.sizer.started ()) {
    bool resized = enc.sizer.step () != 0;
    enc.sizer.reset ();
    if (resized)
      apply_picture_size (enc, -1);
  }
}

void
InputStream::decline (const Codec &codec)
{
  auto input = form ();
  if (!input || input->encoded ())
    return;
  std::shared_ptr<Encoder> unused;
  {
    std::lock_guard<std::mutex> guard (encoders_lock);
    declined_.insert (&codec);
    auto it = encoders_.find (encoder_key (codec, 0));
    if (it == encoders_.end ())
      return;
    /* Every consumer, and every viewer moving to this tier, holds a
     * request pad of its tee. */
    GstElement *tee = it->second->tee;
    GST_OBJECT_LOCK (tee);
    bool used = tee->numsrcpads > 0;
    GST_OBJECT_UNLOCK (tee);
    if (used)
      return;
    unused = it->second;
    encoders_.erase (it);
  }
  GST_INFO_OBJECT (bin_, "%s: %s encoder removed (the consumer took another codec); not "
      "started ahead any more", name_.c_str (), codec.name);
  discard_encoder (*unused);
}

bool
InputStream::attach (ConsumerBranch &branch, const Codec &codec, unsigned pt,
    const RtpStreamSetup &setup, const std::string &h264_profile,
    unsigned video_bitrate_kbps, unsigned video_tiers, const std::vector<unsigned> &tier_ladder_kbps,
    bool diagnostics, GstPad *webrtc_pad,
    std::string *error)
{
  /* A new consumer starts on the first tier. */
  std::shared_ptr<Encoder> enc =
      first_tier_encoder (codec, video_bitrate_kbps, video_tiers, tier_ladder_kbps, error);
  if (!enc)
    return false;
  branch.codec = &codec;
  branch.link = std::make_shared<BranchLink> ();
  branch.queue = gst_element_factory_make ("queue", nullptr);
  /* A slow consumer must not stall the encoder for everyone. */
  g_object_set (branch.queue, "max-size-buffers", 0, "max-size-bytes", 0, "max-size-time",
      (guint64) 2 * GST_SECOND, nullptr);
  gst_util_set_object_arg (G_OBJECT (branch.queue), "leaky", "downstream");
  branch.payloader = make_payloader (codec, pt, setup, h264_profile);
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
  auto seen = std::make_shared<std::atomic<bool>> (false);
  if (kind_ == MediaKind::Video) {
    gst_pad_add_probe (queue_sink, GST_PAD_PROBE_TYPE_BUFFER, drop_until_keyframe,
        new KeyframeSeen (seen), [] (gpointer data) { delete static_cast<KeyframeSeen *> (data); });
    auto input = form ();
    if (input && input->encoded ())
      warn_if_no_keyframe (branch, seen);
  }
  GstPad *tee_pad = gst_element_request_pad_simple (enc->tee, "src_%u");
  gst_pad_link (tee_pad, queue_sink);
  {
    std::lock_guard<std::mutex> guard (branch.link->lock);
    branch.link->tee_pad = tee_pad;
    branch.link->queue_sink = queue_sink; /* our reference */
  }

  /* A new consumer needs a keyframe now, not at the end of the GOP. */
  if (kind_ == MediaKind::Video)
    gst_pad_send_event (tee_pad, new_keyframe_request_for_a_new_viewer ());
  std::lock_guard<std::mutex> guard (targets_lock);
  viewers_[branch.link.get ()] = Viewer { branch.link, &codec, 0 };
  return true;
}

/* Pre-encoded video has no encoder to ask: a consumer waits for the
 * stream's next keyframe. When that takes long, say so instead of showing
 * nothing. */
void
InputStream::warn_if_no_keyframe (ConsumerBranch &branch, std::shared_ptr<std::atomic<bool>> seen)
{
  GstElement *element = GST_ELEMENT (bin_);
  std::string name = name_;
  auto last_keyframe_us = last_keyframe_us_;
  gint64 waiting_since = g_get_monotonic_time ();
  branch.keyframe_timer = control_->timeout (KEYFRAME_WAIT_WARNING_MS,
      [element, name, last_keyframe_us, waiting_since, seen] () {
        GST_DEBUG_OBJECT (element, "%s: keyframe check, seen %d", name.c_str (), (int) *seen);
        if (*seen)
          return false;
        gint64 now = g_get_monotonic_time ();
        gint64 last = *last_keyframe_us;
        std::string since = last ? "the last one came " +
                std::to_string ((int) ((now - last) / G_USEC_PER_SEC)) + " s ago"
                                 : "none has come yet";
        GST_ELEMENT_WARNING (element, STREAM, FAILED,
            ("%s: a new consumer has waited %d s for a keyframe of the pre-encoded video (%s); "
             "it sees nothing until the next one. Encode with a keyframe at least every 2 s, "
             "e.g. x264enc key-int-max=60 or vp8enc keyframe-max-dist=60 at 30 fps.",
                name.c_str (), (int) ((now - waiting_since) / G_USEC_PER_SEC), since.c_str ()),
            ("no keyframe for %" G_GINT64_FORMAT " ms", last ? (now - last) / 1000 : -1));
        return false;
      });
}

void
InputStream::cut (ConsumerBranch &branch)
{
  control_->cancel (std::exchange (branch.keyframe_timer, 0u));
  if (!branch.link)
    return;
  forget_viewer (branch);
  std::vector<GstPad *> pads;
  GstPad *queue_sink;
  {
    std::lock_guard<std::mutex> guard (branch.link->lock);
    branch.link->cut = true;
    pads.swap (branch.link->retired);
    for (GstPad **pad : { &branch.link->tee_pad, &branch.link->pending_pad })
      if (*pad)
        pads.push_back (std::exchange (*pad, nullptr));
    queue_sink = std::exchange (branch.link->queue_sink, nullptr);
  }
  for (GstPad *pad : pads)
    release_tee_pad (pad);
  gst_clear_object (&queue_sink);
}

/* Releases a consumer's request pad from the tee it belongs to, and our
 * reference to it. */
void
InputStream::release_tee_pad (GstPad *pad)
{
  GstElement *tee = GST_ELEMENT (gst_pad_get_parent (pad));
  if (tee) {
    gst_element_release_request_pad (tee, pad);
    gst_object_unref (tee);
  }
  gst_object_unref (pad);
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

} // namespace gstsig
