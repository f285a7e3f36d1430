/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "receive-nack.h"

#include <gst/webrtc/webrtc.h>

#include <cstdlib>

GST_DEBUG_CATEGORY_STATIC (receive_nack_debug);
#define GST_CAT_DEFAULT receive_nack_debug

namespace gstsig {

namespace {

struct JitterbufferContext {
  GstElement *webrtcbin; /* not owned: its rtpbin, whose signal this is, is its child */
  std::shared_ptr<RemoteSsrcs> ssrcs;
};

void
on_new_jitterbuffer (GstElement *, GstElement *jitterbuffer, guint, guint ssrc, gpointer data)
{
  auto context = static_cast<JitterbufferContext *> (data);
  if (g_object_class_find_property (G_OBJECT_GET_CLASS (jitterbuffer), "rtx-next-seqnum"))
    g_object_set (jitterbuffer, "rtx-next-seqnum", FALSE, nullptr);
  int mline = context->ssrcs->mline_of (ssrc);
  if (mline < 0)
    return;
  /* "get-transceiver" takes an index into webrtcbin's list, which is not
   * the m-line's when a transceiver was made for an m-line we had none for. */
  GArray *transceivers = nullptr;
  g_signal_emit_by_name (context->webrtcbin, "get-transceivers", &transceivers);
  if (!transceivers)
    return;
  bool found = false;
  gboolean nack = FALSE;
  for (guint i = 0; i < transceivers->len && !found; i++) {
    auto transceiver = g_array_index (transceivers, GstWebRTCRTPTransceiver *, i);
    guint index = G_MAXUINT;
    g_object_get (transceiver, "mlineindex", &index, nullptr);
    if (index == (guint) mline) {
      g_object_get (transceiver, "do-nack", &nack, nullptr);
      found = true;
    }
  }
  g_array_unref (transceivers);
  if (!found)
    return;
  g_object_set (jitterbuffer, "do-retransmission", nack, nullptr);
  GST_DEBUG_OBJECT (jitterbuffer, "ssrc %u (m-line %d): retransmissions %s", ssrc, mline,
      nack ? "asked for" : "not asked for");
}

} // namespace

std::map<guint32, guint>
ssrc_mlines (const GstSDPMessage *sdp)
{
  std::map<guint32, guint> mlines;
  for (guint i = 0; i < gst_sdp_message_medias_len (sdp); i++) {
    const GstSDPMedia *media = gst_sdp_message_get_media (sdp, i);
    for (guint j = 0; j < gst_sdp_media_attributes_len (media); j++) {
      const GstSDPAttribute *attr = gst_sdp_media_get_attribute (media, j);
      if (g_strcmp0 (attr->key, "ssrc") != 0 || !attr->value)
        continue;
      char *end = nullptr;
      unsigned long long ssrc = strtoull (attr->value, &end, 10);
      if (end == attr->value || ssrc > G_MAXUINT32 || (*end != ' ' && *end != '\0'))
        continue;
      mlines.emplace ((guint32) ssrc, i);
    }
  }
  return mlines;
}

void
RemoteSsrcs::learn (const GstSDPMessage *sdp)
{
  auto mlines = ssrc_mlines (sdp);
  std::lock_guard<std::mutex> guard (lock_);
  mlines_.swap (mlines);
}

int
RemoteSsrcs::mline_of (guint32 ssrc)
{
  std::lock_guard<std::mutex> guard (lock_);
  auto it = mlines_.find (ssrc);
  return it == mlines_.end () ? -1 : (int) it->second;
}

void
configure_receive_nack (GstElement *webrtcbin, std::shared_ptr<RemoteSsrcs> ssrcs)
{
  static gsize debug_once = 0;
  if (g_once_init_enter (&debug_once)) {
    GST_DEBUG_CATEGORY_INIT (receive_nack_debug, "webrtcsignal-nack", 0,
        "which received streams ask for retransmissions");
    g_once_init_leave (&debug_once, 1);
  }
  GstElement *rtpbin = gst_bin_get_by_name (GST_BIN (webrtcbin), "rtpbin");
  if (!rtpbin)
    return;
  /* After webrtcbin's own handler, which connected when it made rtpbin. */
  g_signal_connect_data (rtpbin, "new-jitterbuffer", G_CALLBACK (on_new_jitterbuffer),
      new JitterbufferContext { webrtcbin, std::move (ssrcs) },
      [] (gpointer data, GClosure *) { delete static_cast<JitterbufferContext *> (data); },
      (GConnectFlags) 0);
  gst_object_unref (rtpbin);
}

void
receive_promptly (GstElement *webrtcbin)
{
  GstElement *rtpbin = gst_bin_get_by_name (GST_BIN (webrtcbin), "rtpbin");
  if (!rtpbin)
    return;
  /* One session when bundled; one per m-line otherwise. */
  constexpr guint kMaxSessions = 16;
  for (guint id = 0; id < kMaxSessions; id++) {
    GObject *session = nullptr;
    g_signal_emit_by_name (rtpbin, "get-internal-session", id, &session);
    if (!session)
      continue;
    /* Above 1, rtpsession takes it in bit/s rather than as a fraction. */
    g_object_set (session, "rtcp-fraction", (gdouble) kFeedbackBandwidthBps, nullptr);
    g_object_unref (session);
  }
  gst_object_unref (rtpbin);
}

} // namespace gstsig
