/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "red-extensions.h"

#include "bin-utils.h"

#include <gst/rtp/rtp.h>

namespace gstsig {

namespace {

constexpr unsigned ONE_BYTE_MAX_ID = 14;
constexpr size_t ONE_BYTE_MAX_LENGTH = 16;

} // namespace

GstBuffer *
restore_red_extensions (GstBuffer *buffer, const RedExtensions &ext)
{
  /* Most packets are not RED (no FEC now): the payload type byte first. */
  guint8 second = 0;
  if (!ext.red_pt || gst_buffer_extract (buffer, 1, &second, 1) != 1 ||
      (second & 0x7f) != ext.red_pt)
    return buffer;
  GstRTPBuffer in = GST_RTP_BUFFER_INIT;
  if (!gst_rtp_buffer_map (buffer, GST_MAP_READ, &in))
    return buffer;
  if (gst_rtp_buffer_get_payload_type (&in) != ext.red_pt ||
      gst_rtp_buffer_get_ssrc (&in) != ext.ssrc) {
    gst_rtp_buffer_unmap (&in);
    return buffer;
  }
  guint8 csrcs = gst_rtp_buffer_get_csrc_count (&in);
  GstBuffer *out = gst_rtp_buffer_new_allocate (0, 0, csrcs);
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  gst_rtp_buffer_map (out, GST_MAP_WRITE, &rtp);
  gst_rtp_buffer_set_marker (&rtp, gst_rtp_buffer_get_marker (&in));
  gst_rtp_buffer_set_payload_type (&rtp, ext.red_pt);
  gst_rtp_buffer_set_seq (&rtp, gst_rtp_buffer_get_seq (&in));
  gst_rtp_buffer_set_timestamp (&rtp, gst_rtp_buffer_get_timestamp (&in));
  gst_rtp_buffer_set_ssrc (&rtp, gst_rtp_buffer_get_ssrc (&in));
  for (guint8 i = 0; i < csrcs; i++)
    gst_rtp_buffer_set_csrc (&rtp, i, gst_rtp_buffer_get_csrc (&in, i));
  if (ext.twcc_id && ext.twcc_id <= ONE_BYTE_MAX_ID) {
    const guint8 unnumbered[2] = { 0, 0 };
    gst_rtp_buffer_add_extension_onebyte_header (&rtp, ext.twcc_id, unnumbered,
        sizeof unnumbered);
  }
  if (ext.mid_id && ext.mid_id <= ONE_BYTE_MAX_ID && !ext.mid.empty () &&
      ext.mid.size () <= ONE_BYTE_MAX_LENGTH)
    gst_rtp_buffer_add_extension_onebyte_header (&rtp, ext.mid_id, ext.mid.data (),
        ext.mid.size ());
  gst_rtp_buffer_unmap (&rtp);
  GstBuffer *payload = gst_rtp_buffer_get_payload_buffer (&in);
  gst_rtp_buffer_unmap (&in);
  gst_buffer_copy_into (out, buffer, GST_BUFFER_COPY_METADATA, 0, -1);
  gst_buffer_unref (buffer);
  return gst_buffer_append (out, payload);
}

namespace {

GstPadProbeReturn
restore_in_probe (GstPad *, GstPadProbeInfo *info, gpointer data)
{
  const auto &ext = *static_cast<const RedExtensions *> (data);
  if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
    GST_PAD_PROBE_INFO_DATA (info) =
        restore_red_extensions (GST_PAD_PROBE_INFO_BUFFER (info), ext);
  } else if (info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST) {
    GstBufferList *list = gst_buffer_list_make_writable (GST_PAD_PROBE_INFO_BUFFER_LIST (info));
    for (guint i = 0; i < gst_buffer_list_length (list); i++) {
      GstBuffer *buffer = gst_buffer_ref (gst_buffer_list_get (list, i));
      gst_buffer_list_remove (list, i, 1);
      gst_buffer_list_insert (list, i, restore_red_extensions (buffer, ext));
    }
    GST_PAD_PROBE_INFO_DATA (info) = list;
  }
  return GST_PAD_PROBE_OK;
}

void
on_element (GstBin *, GstBin *, GstElement *element, gpointer data)
{
  if (!is_from_factory (element, "rtpredenc"))
    return;
  const auto &ext = *static_cast<const RedExtensions *> (data);
  /* webrtcbin set its properties before adding it. */
  if (!ext.red_from_start)
    wrap_in_red (element, false);
  GstPad *src = gst_element_get_static_pad (element, "src");
  gst_pad_add_probe (src,
      (GstPadProbeType) (GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST),
      restore_in_probe, new RedExtensions (ext),
      [] (gpointer data) { delete static_cast<RedExtensions *> (data); });
  gst_object_unref (src);
}

} // namespace

void
restore_red_extensions_in (GstElement *webrtcbin, const RedExtensions &ext)
{
  g_signal_connect_data (webrtcbin, "deep-element-added", G_CALLBACK (on_element),
      new RedExtensions (ext),
      [] (gpointer data, GClosure *) { delete static_cast<RedExtensions *> (data); },
      (GConnectFlags) 0);
}

} // namespace gstsig

namespace gstsig {

bool
wrap_in_red (GstElement *red_encoder, bool wrap)
{
  gboolean now = FALSE;
  g_object_get (red_encoder, "allow-no-red-blocks", &now, nullptr);
  if (!now == !wrap)
    return false;
  g_object_set (red_encoder, "allow-no-red-blocks", (gboolean) wrap, nullptr);
  return true;
}

/* webrtcbin 1.22: sink_%u (a ghost pad) -> clocksync -> a bin of
 * rtpulpfecenc ! rtpredenc -> rtpbin (or the bundle's funnel). */
GstElement *
red_encoder_of (GstPad *sink_pad)
{
  GstElement *found = nullptr;
  GstPad *target = gst_ghost_pad_get_target (GST_GHOST_PAD (sink_pad));
  GstElement *clocksync = target ? gst_pad_get_parent_element (target) : nullptr;
  GstPad *clocksync_src = clocksync ? gst_element_get_static_pad (clocksync, "src") : nullptr;
  GstPad *fec_sink = clocksync_src ? gst_pad_get_peer (clocksync_src) : nullptr;
  GstElement *fec_bin = fec_sink ? gst_pad_get_parent_element (fec_sink) : nullptr;
  if (fec_bin && GST_IS_BIN (fec_bin)) {
    auto encoders = elements_of_factory (GST_BIN (fec_bin), "rtpredenc");
    for (GstElement *encoder : encoders) {
      if (!found)
        found = GST_ELEMENT (gst_object_ref (encoder));
      gst_object_unref (encoder);
    }
  }
  for (GstObject *o : { (GstObject *) fec_bin, (GstObject *) fec_sink,
           (GstObject *) clocksync_src, (GstObject *) clocksync, (GstObject *) target })
    if (o)
      gst_object_unref (o);
  return found;
}

} // namespace gstsig
