/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* An input's video encoders following their viewers' congestion-control
 * targets: the tiers (tier-plan.h), an encoder each at its tier's bitrate
 * and picture size (picture-size.h), and viewers moving between tiers at
 * a keyframe of the tier they move to. */
#include "input-stream-private.h"
#include "opus-rate.h"

#include <gst/video/video.h>

#include <algorithm>
#include <set>
#include <utility>

#define GST_CAT_DEFAULT gst_sig_send_debug

namespace gstsig {

namespace {

/* The data of a switch probe: the branch it moves. */
struct SwitchData {
  std::shared_ptr<BranchLink> link;
};

} // namespace

void
InputStream::set_video_bitrate (unsigned kbps)
{
  std::lock_guard<std::mutex> guard (targets_lock);
  configured_kbps_ = kbps;
  follow_viewers_locked ();
}

void
InputStream::set_viewer_target (const ConsumerBranch &branch, unsigned kbps)
{
  std::lock_guard<std::mutex> guard (targets_lock);
  auto it = viewers_.find (branch.link.get ());
  if (it == viewers_.end ())
    return;
  it->second.estimate_kbps = std::max (kbps, 1u);
  follow_viewers_locked ();
  if (!tier_timer_ && !removed_tiers_)
    tier_timer_ = control_->timeout (TIER_CHECK_MS, [this] () { return check_tiers (); });
}

void
InputStream::forget_viewer (const ConsumerBranch &branch)
{
  std::lock_guard<std::mutex> guard (targets_lock);
  if (viewers_.erase (branch.link.get ()))
    follow_viewers_locked ();
}

unsigned
InputStream::tier_target_locked (const Codec &codec, unsigned tier) const
{
  auto plan = plans_.find (&codec);
  if (codec.kind == MediaKind::Audio)
    return plan == plans_.end () || tier >= plan->second.targets_kbps.size ()
        ? AUDIO_FULL_KBPS : plan->second.targets_kbps[tier];
  if (plan == plans_.end () || tier >= plan->second.targets_kbps.size ())
    return configured_kbps_;
  unsigned target = plan->second.targets_kbps[tier];
  return configured_kbps_ ? std::min (target, configured_kbps_) : target;
}

/* The tiers from the viewers' estimates, and every video encoder at its
 * tier's target. Viewers stay on their tier until check_tiers moves them;
 * an encoder whose tier is gone keeps its bitrate until then. */
void
InputStream::follow_viewers_locked ()
{
  std::map<const Codec *, std::map<const void *, unsigned>> estimates, current;
  for (auto &[key, viewer] : viewers_) {
    if (!viewer.estimate_kbps)
      continue;
    estimates[viewer.codec][key] = viewer.estimate_kbps;
    std::lock_guard<std::mutex> guard (viewer.link->lock);
    current[viewer.codec][key] = viewer.link->pending_pad ? viewer.link->pending_tier
                                                          : viewer.link->tier;
  }
  std::map<const Codec *, TierPlan> previous;
  previous.swap (plans_);
  unsigned ceiling = configured_kbps_ ? configured_kbps_ : G_MAXUINT;
  for (auto &[codec, by_viewer] : estimates)
    plans_[codec] = codec->kind == MediaKind::Audio ? plan_levels (by_viewer)
        : tier_ladder_kbps_.empty ()
        ? plan_tiers (by_viewer, current[codec], max_tiers_, ceiling)
        : plan_ladder_tiers (by_viewer, current[codec], previous[codec].targets_kbps,
              tier_ladder_kbps_, max_tiers_, ceiling);

  double pixel_rate = 0;
  if (!plans_.empty ()) {
    auto input = form ();
    if (input && !input->encoded ())
      pixel_rate = input->pixel_rate;
  }
  std::lock_guard<std::mutex> guard (encoders_lock);
  for (auto &[key, enc] : encoders_) {
    auto plan = plans_.find (enc->codec);
    if (enc->tier > 0 && (plan == plans_.end () || enc->tier >= plan->second.targets_kbps.size ()))
      continue; /* about to be removed */
    unsigned target = tier_target_locked (*enc->codec, enc->tier);
    set_encoder_bitrate_locked (*enc, target);
    if (enc->codec->kind != MediaKind::Video)
      continue;
    /* The first target it follows: at a size that meets it from the
     * start (picture-size.h). */
    if (plan != plans_.end () && pixel_rate > 0 && !enc->sizer.started ()) {
      unsigned before = enc->sizer.step ();
      if (enc->sizer.start (target, pixel_rate, g_get_monotonic_time () / 1000) != before)
        apply_picture_size (*enc, -1);
    }
  }
}

/* Small steps are not worth reconfiguring an encoder for: a change of
 * less than 4 % (and 10 kbit/s) waits until the target has moved further,
 * except back to the ceiling. */
void
InputStream::set_encoder_bitrate_locked (Encoder &enc, unsigned kbps)
{
  if (kbps == 0 || kbps == enc.applied_kbps)
    return;
  unsigned step = std::max (enc.applied_kbps / 25, 10u);
  unsigned change = kbps > enc.applied_kbps ? kbps - enc.applied_kbps : enc.applied_kbps - kbps;
  if (enc.applied_kbps && change < step && kbps != configured_kbps_)
    return;
  GstElement *encoder = gst_bin_get_by_name (GST_BIN (enc.branch), "encoder");
  if (!encoder)
    return; /* pre-encoded input: its bitrate is not ours to change */
  GST_DEBUG_OBJECT (bin_, "%s: %s tier %u encoder bitrate %u -> %u kbit/s", name_.c_str (),
      enc.codec->name, enc.tier, enc.applied_kbps, kbps);
  enc.applied_kbps = kbps;
  if (g_object_class_find_property (G_OBJECT_GET_CLASS (encoder), "target-bitrate"))
    g_object_set (encoder, "target-bitrate", (int) (kbps * 1000), nullptr); /* vp8enc: bit/s */
  else if (enc.codec->kind == MediaKind::Audio)
    set_opus_rate (encoder, kbps, audio_frame_ms (kbps)); /* in its streaming thread */
  else
    g_object_set (encoder, "bitrate", kbps, nullptr); /* x264enc: kbit/s */
  gst_object_unref (encoder);
}

/* Control thread. In three steps, so that no lock is held while elements
 * are made or taken down: under targets_lock, what to make, whom to move,
 * and the picture sizes; then the new tiers' encoders are made and the
 * viewers' switches started; then the encoders no viewer uses any more
 * are removed. The timer stops once no viewer has a target. */
bool
InputStream::check_tiers ()
{
  struct Move {
    std::shared_ptr<BranchLink> link;
    const Codec *codec;
    unsigned tier;
  };
  std::vector<Move> moves;
  std::vector<std::pair<const Codec *, unsigned>> needed; /* (codec, tier > 0) */
  std::vector<GstPad *> retired;
  bool following;
  bool tiers_allowed;
  {
    auto input = form ();
    tiers_allowed = input && !input->encoded ();
  }
  {
    std::lock_guard<std::mutex> guard (targets_lock);
    follow_viewers_locked ();
    following = !plans_.empty ();
    for (auto &[key, viewer] : viewers_) {
      std::lock_guard<std::mutex> link_guard (viewer.link->lock);
      for (GstPad *pad : viewer.link->retired)
        retired.push_back (pad);
      viewer.link->retired.clear ();
      auto plan = plans_.find (viewer.codec);
      if (!tiers_allowed || plan == plans_.end () || viewer.link->cut)
        continue;
      auto tier = plan->second.tier_of.find (key);
      if (tier == plan->second.tier_of.end ())
        continue;
      unsigned now = viewer.link->pending_pad ? viewer.link->pending_tier : viewer.link->tier;
      if (tier->second != now)
        moves.push_back ({ viewer.link, viewer.codec, tier->second });
    }
    if (tiers_allowed)
      for (auto &[codec, plan] : plans_)
        for (unsigned t = 1; t < plan.targets_kbps.size (); t++)
          needed.emplace_back (codec, t);
    gint64 now = g_get_monotonic_time ();
    std::lock_guard<std::mutex> encoders_guard (encoders_lock);
    for (auto &[key, enc] : encoders_)
      if (enc->codec->kind == MediaKind::Video)
        check_picture_size_locked (*enc, now);
  }
  for (GstPad *pad : retired)
    release_tee_pad (pad);

  /* New tiers start at their target, at the picture size the first tier
   * found fits it. */
  for (auto &[codec, tier] : needed) {
    unsigned target;
    PictureSizer first;
    {
      std::lock_guard<std::mutex> guard (targets_lock);
      target = tier_target_locked (*codec, tier);
      std::lock_guard<std::mutex> encoders_guard (encoders_lock);
      auto it = encoders_.find (encoder_key (*codec, 0));
      if (it != encoders_.end ())
        first = it->second->sizer;
    }
    {
      std::lock_guard<std::mutex> encoders_guard (encoders_lock);
      if (encoders_.count (encoder_key (*codec, tier)))
        continue;
    }
    std::string error;
    auto enc = ensure_encoder (*codec, tier, target, &error);
    if (!enc) {
      GST_WARNING_OBJECT (bin_, "%s: no %s encoder for tier %u: %s", name_.c_str (), codec->name,
          tier, error.c_str ());
      continue;
    }
    if (codec->kind != MediaKind::Video)
      continue;
    std::lock_guard<std::mutex> guard (targets_lock);
    enc->sizer.start_from (first, target);
    if (enc->sizer.step ())
      apply_picture_size (*enc, -1);
  }
  for (Move &move : moves) {
    std::shared_ptr<Encoder> to;
    {
      std::lock_guard<std::mutex> guard (encoders_lock);
      auto it = encoders_.find (encoder_key (*move.codec, move.tier));
      if (it != encoders_.end ())
        to = it->second;
    }
    if (to)
      start_switch (move.link, *to);
  }

  /* Encoders of tiers that no viewer is on or moving to. */
  std::vector<std::shared_ptr<Encoder>> unused;
  {
    std::lock_guard<std::mutex> guard (targets_lock);
    std::set<std::string> used;
    for (auto &[key, viewer] : viewers_) {
      std::lock_guard<std::mutex> link_guard (viewer.link->lock);
      used.insert (encoder_key (*viewer.codec, viewer.link->tier));
      if (viewer.link->pending_pad)
        used.insert (encoder_key (*viewer.codec, viewer.link->pending_tier));
    }
    std::lock_guard<std::mutex> encoders_guard (encoders_lock);
    for (auto it = encoders_.begin (); it != encoders_.end ();) {
      if (it->second->tier > 0 && !used.count (it->first)) {
        unused.push_back (it->second);
        it = encoders_.erase (it);
      } else {
        ++it;
      }
    }
  }
  for (auto &enc : unused) {
    GST_INFO_OBJECT (bin_, "%s: %s tier %u encoder removed (no viewer on it)", name_.c_str (),
        enc->codec->name, enc->tier);
    discard_encoder (*enc);
  }

  if (!following) {
    std::lock_guard<std::mutex> guard (targets_lock);
    if (plans_.empty ()) {
      /* No viewer follows a target: the first tier at full size again. */
      std::lock_guard<std::mutex> encoders_guard (encoders_lock);
      for (auto &[key, enc] : encoders_)
        if (enc->codec->kind == MediaKind::Video && enc->sizer.step ()) {
          enc->sizer.reset ();
          apply_picture_size (*enc, -1);
        }
      tier_timer_ = 0;
      return false;
    }
  }
  return true;
}

/* What the encoder sent since the last check against its target, and its
 * picture size from that. Keyframes for viewers joining or switching to
 * this encoder are not counted: they say nothing of the picture's size
 * (two joins' keyframes within a second made the first tier of a 720p VP9
 * stream step down to 960x540 for everyone, though its other frames kept
 * to the target). Keyframes a viewer asks for after a loss are: on a
 * congested link they are much of what the picture costs (behind a 300
 * kbit/s cap, leaving every keyframe out kept a 480x270 picture that sent
 * twice its target with them, at 9 fps, for 17 s). */
void
InputStream::check_picture_size_locked (Encoder &enc, gint64 now)
{
  if (enc.measured_us && now - enc.measured_us < (gint64) PICTURE_CHECK_MS * 1000 - 20000)
    return; /* the window is not over (a tier check comes every TIER_CHECK_MS) */
  guint64 bytes = enc.load_bytes;
  double sent_kbps = -1;
  if (enc.measured_us && now > enc.measured_us)
    sent_kbps = (bytes - enc.measured_bytes) * 8.0 / ((now - enc.measured_us) / 1e6) / 1000;
  enc.measured_bytes = bytes;
  enc.measured_us = now;
  if (sent_kbps < 0 || plans_.empty ())
    return;
  GST_LOG_OBJECT (bin_, "%s: %s tier %u encoder sent %.0f kbit/s (target %u)", name_.c_str (),
      enc.codec->name, enc.tier, sent_kbps, enc.applied_kbps);
  unsigned before = enc.sizer.step ();
  enc.sizer.update (enc.applied_kbps, sent_kbps, configured_kbps_, now / 1000);
  if (enc.sizer.step () != before)
    apply_picture_size (enc, sent_kbps);
}

/* The picture-size capsfilter before the encoder (none: pre-encoded). */
void
InputStream::apply_picture_size (Encoder &enc, double sent_kbps)
{
  GstElement *filter = gst_bin_get_by_name (GST_BIN (enc.branch), "picture-size");
  if (!filter)
    return;
  GstPad *sink = gst_element_get_static_pad (enc.branch, "sink");
  GstCaps *input = sink ? gst_pad_get_current_caps (sink) : nullptr;
  int width = 0, height = 0;
  if (input) {
    gst_structure_get_int (gst_caps_get_structure (input, 0), "width", &width);
    gst_structure_get_int (gst_caps_get_structure (input, 0), "height", &height);
    gst_caps_unref (input);
  }
  if (sink)
    gst_object_unref (sink);
  if (!input) {
    /* A new tier's encoder before its first frame: the raw input's caps. */
    GstPad *raw = gst_element_get_static_pad (raw_tee_, "sink");
    if (GstCaps *caps = gst_pad_get_current_caps (raw)) {
      gst_structure_get_int (gst_caps_get_structure (caps, 0), "width", &width);
      gst_structure_get_int (gst_caps_get_structure (caps, 0), "height", &height);
      gst_caps_unref (caps);
    }
    gst_object_unref (raw);
  }
  GstCaps *caps;
  unsigned step = enc.sizer.step ();
  enc.frame_rate_divisor = PictureSizer::frame_rate_divisor (step);
  if (step == 0 || width <= 0 || height <= 0) {
    caps = gst_caps_new_empty_simple ("video/x-raw");
    GST_INFO_OBJECT (bin_, "%s: %s tier %u encoder at the input's size (target %u kbit/s)",
        name_.c_str (), enc.codec->name, enc.tier, enc.applied_kbps);
  } else {
    int w, h;
    PictureSizer::scaled (step, width, height, &w, &h);
    caps = gst_caps_new_simple ("video/x-raw", "width", G_TYPE_INT, w, "height", G_TYPE_INT, h,
        nullptr);
    GST_INFO_OBJECT (bin_, "%s: %s tier %u encoder at %dx%d of %dx%d, 1/%u of the frame rate "
        "(target %u kbit/s, it sent %.0f)", name_.c_str (), enc.codec->name, enc.tier, w, h, width,
        height, enc.frame_rate_divisor.load (), enc.applied_kbps, sent_kbps);
  }
  g_object_set (filter, "caps", caps, nullptr);
  gst_caps_unref (caps);
  gst_object_unref (filter);
}

/* Control thread: a pad of the tier's tee, unlinked, that drops what it
 * gets until a keyframe (asked for now); on_switch_buffer then moves the
 * branch's queue to it. */
void
InputStream::start_switch (const std::shared_ptr<BranchLink> &link, Encoder &to)
{
  GstPad *pad = gst_element_request_pad_simple (to.tee, "src_%u");
  if (!pad)
    return;
  GstPad *replaced = nullptr;
  {
    std::lock_guard<std::mutex> guard (link->lock);
    if (link->cut) {
      replaced = pad;
      pad = nullptr;
    } else {
      replaced = std::exchange (link->pending_pad, pad);
      link->pending_tier = to.tier;
    }
  }
  if (replaced)
    release_tee_pad (replaced);
  if (!pad)
    return;
  GST_DEBUG_OBJECT (bin_, "%s: a viewer moves to %s tier %u at its next keyframe", name_.c_str (),
      to.codec->name, to.tier);
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, on_switch_buffer, new SwitchData { link },
      [] (gpointer data) { delete static_cast<SwitchData *> (data); });
  gst_pad_send_event (pad, new_keyframe_request_for_a_new_viewer ());
}

/* The new tier's streaming thread: at its first keyframe the branch's
 * queue is unlinked from the old tier's tee and linked to this pad; the
 * keyframe then goes on to the queue (GStreamer pushes the pad's sticky
 * events, the new caps among them, first). */
GstPadProbeReturn
InputStream::on_switch_buffer (GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  auto d = static_cast<SwitchData *> (data);
  BranchLink &link = *d->link;
  if (GST_BUFFER_FLAG_IS_SET (GST_PAD_PROBE_INFO_BUFFER (info), GST_BUFFER_FLAG_DELTA_UNIT))
    return GST_PAD_PROBE_DROP;
  std::lock_guard<std::mutex> guard (link.lock);
  if (link.cut || link.pending_pad != pad || !link.queue_sink)
    return GST_PAD_PROBE_DROP; /* replaced or cut: the control thread releases it */
  if (link.tee_pad) {
    gst_pad_unlink (link.tee_pad, link.queue_sink);
    link.retired.push_back (link.tee_pad);
  }
  if (GST_PAD_LINK_FAILED (gst_pad_link_full (pad, link.queue_sink, GST_PAD_LINK_CHECK_NOTHING))) {
    GST_WARNING_OBJECT (pad, "could not link a viewer to its new tier");
    link.tee_pad = nullptr;
    return GST_PAD_PROBE_DROP;
  }
  link.tee_pad = std::exchange (link.pending_pad, nullptr);
  link.tier = link.pending_tier;
  GST_DEBUG_OBJECT (pad, "a viewer is on tier %u from %" GST_TIME_FORMAT, link.tier,
      GST_TIME_ARGS (GST_BUFFER_PTS (GST_PAD_PROBE_INFO_BUFFER (info))));
  return GST_PAD_PROBE_REMOVE;
}

} // namespace gstsig
