/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "sdp-utils.h"

#include <cstdlib>
#include <cstring>
#include <vector>

namespace gstsig {

GstWebRTCSessionDescription *
session_description_from_text (GstWebRTCSDPType type, const std::string &sdp, std::string *error)
{
  GstSDPMessage *msg = nullptr;
  gst_sdp_message_new (&msg);
  if (sdp.compare (0, 2, "v=") != 0 ||
      gst_sdp_message_parse_buffer ((const guint8 *) sdp.data (), sdp.size (), msg) != GST_SDP_OK ||
      gst_sdp_message_medias_len (msg) == 0) {
    gst_sdp_message_free (msg);
    if (error)
      *error = "not a valid SDP with at least one media section";
    return nullptr;
  }
  return gst_webrtc_session_description_new (type, msg);
}

std::string
session_description_to_text (const GstWebRTCSessionDescription *desc)
{
  g_autofree gchar *text = gst_sdp_message_as_text (desc->sdp);
  return text ? text : "";
}

std::optional<unsigned>
find_extmap_id (const GstSDPMedia *media, const char *uri)
{
  for (guint i = 0; i < gst_sdp_media_attributes_len (media); i++) {
    const GstSDPAttribute *attr = gst_sdp_media_get_attribute (media, i);
    if (g_strcmp0 (attr->key, "extmap") != 0 || !attr->value)
      continue;
    /* "<id>[/<direction>] <uri> [<attributes>]" */
    g_auto (GStrv) parts = g_strsplit (attr->value, " ", 3);
    if (!parts[0] || !parts[1] || g_strcmp0 (parts[1], uri) != 0)
      continue;
    char *end = nullptr;
    unsigned long id = strtoul (parts[0], &end, 10);
    if (end != parts[0] && id > 0 && id < 256)
      return (unsigned) id;
  }
  return std::nullopt;
}

const GstSDPMedia *
find_media (const GstSDPMessage *sdp, const char *kind, guint *index)
{
  for (guint i = 0; i < gst_sdp_message_medias_len (sdp); i++) {
    const GstSDPMedia *media = gst_sdp_message_get_media (sdp, i);
    if (g_strcmp0 (gst_sdp_media_get_media (media), kind) == 0) {
      if (index)
        *index = i;
      return media;
    }
  }
  return nullptr;
}

unsigned
drop_placeholder_ssrc_groups (GstSDPMessage *sdp)
{
  unsigned removed = 0;
  for (guint i = 0; i < gst_sdp_message_medias_len (sdp); i++) {
    GstSDPMedia *media = (GstSDPMedia *) gst_sdp_message_get_media (sdp, i);
    std::vector<std::string> rtx_ssrcs;
    for (guint j = 0; j < gst_sdp_media_attributes_len (media);) {
      const GstSDPAttribute *attr = gst_sdp_media_get_attribute (media, j);
      if (g_strcmp0 (attr->key, "ssrc-group") == 0 && attr->value
          && g_str_has_prefix (attr->value, "FID 0 ")) {
        rtx_ssrcs.emplace_back (attr->value + strlen ("FID 0 "));
        gst_sdp_media_remove_attribute (media, j);
        removed++;
        continue;
      }
      j++;
    }
    for (guint j = 0; j < gst_sdp_media_attributes_len (media);) {
      const GstSDPAttribute *attr = gst_sdp_media_get_attribute (media, j);
      bool drop = false;
      if (g_strcmp0 (attr->key, "ssrc") == 0 && attr->value)
        for (const auto &ssrc : rtx_ssrcs)
          drop |= g_str_has_prefix (attr->value, (ssrc + " ").c_str ());
      if (drop)
        gst_sdp_media_remove_attribute (media, j);
      else
        j++;
    }
  }
  return removed;
}

} // namespace gstsig
