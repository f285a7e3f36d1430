/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "recv-outputs.h"

#include "bin-utils.h"
#include "codecs.h"
#include "output-chain.h"

GST_DEBUG_CATEGORY_EXTERN (gst_sig_recv_debug);
#define GST_CAT_DEFAULT gst_sig_recv_debug

namespace gstsig {

/* One received stream: webrtcbin src pad -> output chain -> ghost pad. */
struct Output {
  GstPad *ghost = nullptr;       /* our pad (owned ref) */
  GstElement *chain = nullptr;   /* in the bin (owned ref) */
  GstPad *webrtc_src = nullptr;  /* owned ref */
  bool video = false;
  std::atomic<bool> ended { false };
  std::atomic<bool> keyframe_seen { false };
  std::atomic<guint64> frames { 0 }; /* out of the chain */
  std::atomic<guint64> packets { 0 }; /* RTP into the chain */
  guint64 last_frames = 0;           /* for fps; control thread */
  gint64 last_frames_us = 0;
  /* At the last keyframe check (control thread): a video output whose
   * frames stopped while its packets went on is stuck. */
  guint64 checked_frames = 0;
  guint64 checked_packets = 0;
};

namespace {

constexpr guint64 STUCK_MIN_PACKETS = 10;


GstPadProbeReturn
drop_after_end (GstPad *, GstPadProbeInfo *info, gpointer data)
{
  auto output = static_cast<Output *> (data);
  if (output->ended && (GST_PAD_PROBE_INFO_TYPE (info) & GST_PAD_PROBE_TYPE_BUFFER))
    return GST_PAD_PROBE_DROP;
  output->packets++;
  return GST_PAD_PROBE_OK;
}

GstPadProbeReturn
watch_for_keyframe (GstPad *, GstPadProbeInfo *info, gpointer data)
{
  auto output = static_cast<Output *> (data);
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);
  if (GST_BUFFER_FLAG_IS_SET (buffer, GST_BUFFER_FLAG_DELTA_UNIT))
    return GST_PAD_PROBE_OK;
  output->keyframe_seen = true;
  return GST_PAD_PROBE_REMOVE;
}

/* A stream nobody linked is dropped, not a not-linked error that would stop
 * the others; linking it later works. */
GstPadProbeReturn
drop_if_unlinked (GstPad *, GstPadProbeInfo *, gpointer data)
{
  return gst_pad_is_linked (GST_PAD (data)) ? GST_PAD_PROBE_OK : GST_PAD_PROBE_DROP;
}

/* Until the pad has its chain, it tells what it can carry for its codec
 * (encoded, raw or RTP), so that linking picks a fitting peer (a muxer's
 * video or audio pad). */
gboolean
query_before_chain (GstPad *pad, GstObject *parent, GstQuery *query)
{
  GstPad *target = gst_ghost_pad_get_target (GST_GHOST_PAD (pad));
  if (target) {
    gst_object_unref (target);
    return gst_pad_query_default (pad, parent, query);
  }
  auto codec = static_cast<const Codec *> (g_object_get_data (G_OBJECT (pad), "gstsig-codec"));
  if (!codec || (GST_QUERY_TYPE (query) != GST_QUERY_CAPS &&
                    GST_QUERY_TYPE (query) != GST_QUERY_ACCEPT_CAPS))
    return gst_pad_query_default (pad, parent, query);
  std::string text = std::string (codec->encoded_caps) + "; " +
      (codec->kind == MediaKind::Video ? "video/x-raw" : "audio/x-raw") +
      "; application/x-rtp, media=(string)" + gstsig::media_kind_name (codec->kind);
  GstCaps *caps = gst_caps_from_string (text.c_str ());
  if (GST_QUERY_TYPE (query) == GST_QUERY_ACCEPT_CAPS) {
    GstCaps *offered = nullptr;
    gst_query_parse_accept_caps (query, &offered);
    gst_query_set_accept_caps_result (query, gst_caps_can_intersect (offered, caps));
    gst_caps_unref (caps);
  } else {
    set_filtered_caps_result (query, caps);
  }
  return TRUE;
}

} // namespace

RecvOutputs::RecvOutputs (GstElement *element) : element_ (element)
{
}

RecvOutputs::~RecvOutputs ()
{
  remove_all ();
}

void
RecvOutputs::set_diagnostics (bool diagnostics)
{
  std::lock_guard<std::mutex> guard (lock_);
  diagnostics_ = diagnostics;
}

bool
RecvOutputs::empty () const
{
  std::lock_guard<std::mutex> guard (lock_);
  return outputs_.empty ();
}

void
RecvOutputs::post_no_more_pads_if_complete (unsigned expected)
{
  bool complete;
  {
    std::lock_guard<std::mutex> guard (lock_);
    complete = expected && outputs_.size () == expected;
  }
  if (complete)
    gst_element_no_more_pads (element_);
}

/* A new RTP stream from webrtcbin: expose a pad, let the application link
 * it, then build what the linked element takes. */
void
RecvOutputs::add (GstPad *webrtc_src, unsigned expected)
{
  GstCaps *caps = gst_pad_get_current_caps (webrtc_src);
  if (!caps)
    caps = gst_pad_query_caps (webrtc_src, nullptr);
  const Codec *codec = codec_for_rtp_caps (caps);
  g_autofree gchar *caps_str = gst_caps_to_string (caps);
  gst_caps_unref (caps);
  if (!codec) {
    GST_ELEMENT_WARNING (element_, STREAM, CODEC_NOT_FOUND,
        ("Ignoring a stream in a codec webrtcrecv cannot receive (it takes %s).",
            receivable_codec_names ().c_str ()), ("caps %s", caps_str));
    GstElement *sink = gst_element_factory_make ("fakesink", nullptr);
    gst_bin_add (GST_BIN (element_), sink);
    gst_element_sync_state_with_parent (sink);
    GstPad *sinkpad = gst_element_get_static_pad (sink, "sink");
    gst_pad_link (webrtc_src, sinkpad);
    gst_object_unref (sinkpad);
    return;
  }

  auto output = std::make_unique<Output> ();
  output->video = codec->kind == MediaKind::Video;
  std::string name;
  {
    std::lock_guard<std::mutex> guard (lock_);
    name = output->video ? "video_" + std::to_string (next_video_++)
                         : "audio_" + std::to_string (next_audio_++);
  }
  GstPadTemplate *templ = gst_element_class_get_pad_template (GST_ELEMENT_GET_CLASS (element_),
      output->video ? "video_%u" : "audio_%u");
  output->ghost = gst_ghost_pad_new_no_target_from_template (name.c_str (), templ);
  gst_object_ref (output->ghost);
  g_object_set_data (G_OBJECT (output->ghost), "gstsig-codec", (gpointer) codec);
  gst_pad_set_query_function (output->ghost, query_before_chain);
  gst_pad_set_active (output->ghost, TRUE);
  gst_element_add_pad (element_, output->ghost); /* the application links it here */

  GstCaps *downstream = gst_pad_peer_query_caps (output->ghost, nullptr);
  OutputForm form = choose_output_form (*codec, downstream);
  std::string error;
  bool diagnostics;
  {
    std::lock_guard<std::mutex> guard (lock_);
    diagnostics = diagnostics_ && factory_exists ("rtpdiag");
  }
  output->chain = make_output_chain (*codec, form, downstream, diagnostics, &error);
  gst_caps_unref (downstream);
  if (!output->chain) {
    GST_ELEMENT_ERROR (element_, CORE, MISSING_PLUGIN, ("Cannot output %s: %s.", name.c_str (),
        error.c_str ()), ("caps %s", caps_str));
    gst_element_remove_pad (element_, output->ghost);
    gst_object_unref (output->ghost);
    return;
  }
  gst_object_set_name (GST_OBJECT (output->chain), (name + "-output").c_str ());
  gst_object_ref_sink (output->chain);
  gst_bin_add (GST_BIN (element_), output->chain);
  gst_element_sync_state_with_parent (output->chain);
  GstPad *chain_src = gst_element_get_static_pad (output->chain, "src");
  gst_ghost_pad_set_target (GST_GHOST_PAD (output->ghost), chain_src);
  gst_pad_add_probe (chain_src, GST_PAD_PROBE_TYPE_BUFFER, drop_if_unlinked, output->ghost,
      nullptr);
  gst_pad_add_probe (chain_src, GST_PAD_PROBE_TYPE_BUFFER,
      [] (GstPad *, GstPadProbeInfo *, gpointer data) {
        static_cast<Output *> (data)->frames++;
        return GST_PAD_PROBE_OK;
      },
      output.get (), nullptr);
  if (output->video && form != OutputForm::Rtp)
    gst_pad_add_probe (chain_src, GST_PAD_PROBE_TYPE_BUFFER, watch_for_keyframe, output.get (),
        nullptr);
  else
    output->keyframe_seen = true;
  gst_object_unref (chain_src);

  output->webrtc_src = GST_PAD (gst_object_ref (webrtc_src));
  gst_pad_add_probe (webrtc_src, GST_PAD_PROBE_TYPE_BUFFER, drop_after_end, output.get (),
      nullptr);
  GstPad *chain_sink = gst_element_get_static_pad (output->chain, "sink");
  GstPadLinkReturn link = gst_pad_link (webrtc_src, chain_sink);
  gst_object_unref (chain_sink);
  if (link != GST_PAD_LINK_OK)
    GST_ELEMENT_ERROR (element_, CORE, NEGOTIATION, ("Cannot link the %s stream.", name.c_str ()),
        ("%s, caps %s", gst_pad_link_get_name (link), caps_str));
  GST_INFO_OBJECT (element_, "%s: %s as %s", name.c_str (), codec->name,
      output_form_name (form));
  {
    std::lock_guard<std::mutex> guard (lock_);
    outputs_.push_back (std::move (output));
  }
  post_no_more_pads_if_complete (expected);
}

/* Until a keyframe came out, ask the producer for one every second: a
 * recording then starts within a second, not at the sender's next GOP.
 * And again whenever a video output put out no frame for a whole interval
 * while its packets kept coming: after a loss the jitter buffer gave up
 * on, a depayloader or decoder may wait for a keyframe that one request
 * (lost, or merged away by the sender) did not bring. Seen once in
 * capped-publish: no video for the last 8 s of a recording, packets
 * arriving, no further request. */
bool
RecvOutputs::request_missing_keyframes ()
{
  std::vector<GstPad *> pads;
  {
    std::lock_guard<std::mutex> guard (lock_);
    for (auto &output : outputs_) {
      guint64 frames = output->frames, packets = output->packets;
      /* Ten packets or more: a few padding packets are not a stream. */
      bool stuck = output->keyframe_seen && frames == output->checked_frames &&
          packets >= output->checked_packets + STUCK_MIN_PACKETS;
      output->checked_frames = frames;
      output->checked_packets = packets;
      if (output->video && !output->ended && (!output->keyframe_seen || stuck)) {
        if (stuck)
          GST_INFO_OBJECT (element_, "%s: packets but no frame for a second; asking for a "
              "keyframe", GST_PAD_NAME (output->ghost));
        pads.push_back (GST_PAD (gst_object_ref (output->ghost)));
      }
    }
  }
  for (GstPad *pad : pads) {
    GstPad *target = gst_ghost_pad_get_target (GST_GHOST_PAD (pad));
    if (target) {
      GST_DEBUG_OBJECT (element_, "Asking for a keyframe for %s", GST_PAD_NAME (pad));
      gst_pad_send_event (target, gst_event_new_custom (GST_EVENT_CUSTOM_UPSTREAM,
          gst_structure_new ("GstForceKeyUnit", "all-headers", G_TYPE_BOOLEAN, TRUE, nullptr)));
      gst_object_unref (target);
    }
    gst_object_unref (pad);
  }
  return true;
}

/* The producer is gone: every pad gets EOS so muxers finalize. */
void
RecvOutputs::end (const std::string &reason)
{
  std::vector<GstPad *> sinks;
  bool any_output;
  {
    std::lock_guard<std::mutex> guard (lock_);
    any_output = !outputs_.empty ();
    for (auto &output : outputs_) {
      if (output->ended.exchange (true))
        continue;
      sinks.push_back (gst_element_get_static_pad (output->chain, "sink"));
    }
  }
  if (!any_output) {
    GST_ELEMENT_ERROR (element_, RESOURCE, NOT_FOUND,
        ("The producer's session ended before any media arrived: %s.", reason.c_str ()),
        (nullptr));
    return;
  }
  GST_INFO_OBJECT (element_, "Session over (%s): sending EOS on %zu pads", reason.c_str (),
      sinks.size ());
  for (GstPad *sink : sinks) {
    gst_pad_send_event (sink, gst_event_new_eos ());
    gst_object_unref (sink);
  }
}

void
RecvOutputs::remove_all ()
{
  std::vector<std::unique_ptr<Output>> outputs;
  {
    std::lock_guard<std::mutex> guard (lock_);
    outputs = std::move (outputs_);
    outputs_.clear ();
    next_video_ = next_audio_ = 0;
  }
  for (auto &output : outputs) {
    discard_from_bin (GST_BIN (element_), output->chain);
    gst_object_unref (output->chain);
    gst_element_remove_pad (element_, output->ghost);
    gst_object_unref (output->ghost);
    gst_clear_object (&output->webrtc_src);
  }
}

/* What webrtcbin does not count: fps and picture size of the video
 * received, and the rtpdiag figures of each output as "rtpdiag-<pad>". */
void
RecvOutputs::add_own_figures (GstStructure *stats)
{
  std::lock_guard<std::mutex> guard (lock_);
  gint64 now = g_get_monotonic_time ();
  for (auto &output : outputs_) {
    if (!output->video)
      continue;
    guint64 frames = output->frames;
    if (output->last_frames_us && now > output->last_frames_us)
      gst_structure_set (stats, "fps", G_TYPE_DOUBLE,
          (frames - output->last_frames) * 1e6 / (now - output->last_frames_us), nullptr);
    output->last_frames = frames;
    output->last_frames_us = now;
    GstPad *src = gst_element_get_static_pad (output->chain, "src");
    GstCaps *caps = gst_pad_get_current_caps (src);
    gst_object_unref (src);
    int width = 0, height = 0;
    if (caps) {
      gst_structure_get_int (gst_caps_get_structure (caps, 0), "width", &width);
      gst_structure_get_int (gst_caps_get_structure (caps, 0), "height", &height);
      gst_caps_unref (caps);
    }
    if (width && height)
      gst_structure_set (stats, "frame-width", G_TYPE_INT, width, "frame-height", G_TYPE_INT,
          height, nullptr);
  }
  for (auto &output : outputs_) {
    GstElement *diag = output_chain_diagnostics (output->chain);
    if (!diag)
      continue;
    GstStructure *figures = nullptr;
    g_object_get (diag, "stats", &figures, nullptr);
    gst_object_unref (diag);
    if (!figures)
      continue;
    gst_structure_set (stats, (std::string ("rtpdiag-") + GST_PAD_NAME (output->ghost)).c_str (),
        GST_TYPE_STRUCTURE, figures, nullptr);
    gst_structure_free (figures);
  }
}

} // namespace gstsig
