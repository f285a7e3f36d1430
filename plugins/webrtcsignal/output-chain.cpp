/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "output-chain.h"

namespace gstsig {

namespace {

bool
accepts (const GstCaps *downstream, const char *caps_text)
{
  GstCaps *caps = gst_caps_from_string (caps_text);
  bool result = gst_caps_can_intersect (downstream, caps);
  gst_caps_unref (caps);
  return result;
}

const char *
raw_caps (const Codec &codec)
{
  return codec.kind == MediaKind::Video ? "video/x-raw" : "audio/x-raw";
}

/* The stream-format H264 goes out in: avc3 (parameter sets in band) when
 * downstream takes it, byte-stream next, else let them negotiate. */
const char *
h264_caps_for (const GstCaps *downstream)
{
  if (!downstream || gst_caps_is_any (downstream))
    return "video/x-h264,stream-format=byte-stream,alignment=au";
  if (accepts (downstream, "video/x-h264,stream-format=avc3,alignment=au"))
    return "video/x-h264,stream-format=avc3,alignment=au";
  if (accepts (downstream, "video/x-h264,stream-format=byte-stream,alignment=au"))
    return "video/x-h264,stream-format=byte-stream,alignment=au";
  return nullptr;
}

} // namespace

const char *
output_form_name (OutputForm form)
{
  switch (form) {
    case OutputForm::Encoded: return "encoded";
    case OutputForm::Raw: return "raw";
    case OutputForm::Rtp: return "rtp";
  }
  return "?";
}

OutputForm
choose_output_form (const Codec &codec, const GstCaps *downstream)
{
  if (!downstream || gst_caps_is_any (downstream) || gst_caps_is_empty (downstream))
    return OutputForm::Encoded;
  if (accepts (downstream, codec.encoded_caps))
    return OutputForm::Encoded;
  if (accepts (downstream, raw_caps (codec)))
    return OutputForm::Raw;
  if (accepts (downstream, "application/x-rtp"))
    return OutputForm::Rtp;
  return OutputForm::Encoded;
}

GstElement *
make_output_chain (const Codec &codec, OutputForm form, const GstCaps *downstream,
    bool diagnostics, std::string *error)
{
  std::string desc = "queue max-size-buffers=0 max-size-bytes=0 max-size-time=2000000000";
  if (diagnostics)
    desc += " ! rtpdiag name=diag interval=0 post-messages=false";
  if (form != OutputForm::Rtp) {
    if (const char *missing = missing_receive_factory (codec)) {
      *error = std::string ("the element '") + missing + "' is missing for " + codec.name +
          " (install gstreamer1.0-plugins-good/-bad, and gstreamer1.0-libav for H264)";
      return nullptr;
    }
    desc += std::string (" ! ") + codec.depayloader;
    if (codec.kind == MediaKind::Video)
      desc += " request-keyframe=true wait-for-keyframe=true";
    if (codec.parser)
      desc += std::string (" ! ") + codec.parser;
    /* Parameter sets before every keyframe, so a file cut or seeked at any
     * keyframe decodes. */
    if (g_strcmp0 (codec.name, "h264") == 0)
      desc += " config-interval=-1";
    if (g_strcmp0 (codec.name, "h264") == 0 && form == OutputForm::Encoded) {
      if (const char *h264 = h264_caps_for (downstream))
        desc += std::string (" ! capsfilter caps=\"") + h264 + "\"";
    }
    if (form == OutputForm::Raw) {
      desc += std::string (" ! ") + codec.decoder;
      desc += codec.kind == MediaKind::Video ? " ! videoconvert"
                                             : " ! audioconvert ! audioresample";
    }
  }
  GError *parse_error = nullptr;
  GstElement *bin = gst_parse_bin_from_description_full (desc.c_str (), TRUE, nullptr,
      GST_PARSE_FLAG_FATAL_ERRORS, &parse_error);
  if (!bin) {
    *error = std::string ("cannot build the ") + codec.name + " output (" +
        (parse_error ? parse_error->message : "unknown error") + ")";
    g_clear_error (&parse_error);
  }
  return bin;
}

GstElement *
output_chain_diagnostics (GstElement *chain)
{
  return gst_bin_get_by_name (GST_BIN (chain), "diag");
}

} // namespace gstsig
