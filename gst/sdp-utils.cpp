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

namespace {

/* The value of key in media, else at session level; "" if neither. */
std::string
transport_value (const GstSDPMessage *sdp, const GstSDPMedia *media, const char *key)
{
  const char *value = gst_sdp_media_get_attribute_val (media, key);
  if (!value)
    value = gst_sdp_message_get_attribute_val (sdp, key);
  return value ? value : "";
}

/* Sets media's attribute key to value (replacing, or adding). */
void
set_media_attribute (GstSDPMedia *media, const char *key, const std::string &value)
{
  for (guint j = 0; j < gst_sdp_media_attributes_len (media); j++) {
    if (g_strcmp0 (gst_sdp_media_get_attribute (media, j)->key, key) == 0) {
      GstSDPAttribute attr;
      gst_sdp_attribute_set (&attr, key, value.c_str ());
      gst_sdp_media_replace_attribute (media, j, &attr);
      return;
    }
  }
  gst_sdp_media_add_attribute (media, key, value.c_str ());
}

} // namespace

unsigned
unify_bundle_transport (GstSDPMessage *sdp)
{
  const char *group = nullptr;
  for (guint i = 0; !group && i < gst_sdp_message_attributes_len (sdp); i++) {
    const GstSDPAttribute *attr = gst_sdp_message_get_attribute (sdp, i);
    if (g_strcmp0 (attr->key, "group") == 0 && attr->value
        && g_str_has_prefix (attr->value, "BUNDLE "))
      group = attr->value + strlen ("BUNDLE ");
  }
  if (!group)
    return 0;
  g_auto (GStrv) mids = g_strsplit (group, " ", -1);
  std::vector<GstSDPMedia *> members;
  for (gchar **mid = mids; *mid; mid++) {
    for (guint i = 0; i < gst_sdp_message_medias_len (sdp); i++) {
      auto media = (GstSDPMedia *) gst_sdp_message_get_media (sdp, i);
      if (**mid && g_strcmp0 (gst_sdp_media_get_attribute_val (media, "mid"), *mid) == 0)
        members.push_back (media);
    }
  }
  if (members.size () < 2)
    return 0;
  const GstSDPMedia *tag = members[0];
  std::string ufrag = transport_value (sdp, tag, "ice-ufrag");
  std::string pwd = transport_value (sdp, tag, "ice-pwd");
  std::string fingerprint = transport_value (sdp, tag, "fingerprint");
  if (ufrag.empty () || pwd.empty ())
    return 0;
  unsigned changed = 0;
  for (size_t m = 1; m < members.size (); m++) {
    GstSDPMedia *media = members[m];
    if (transport_value (sdp, media, "ice-ufrag") == ufrag)
      continue;
    set_media_attribute (media, "ice-ufrag", ufrag);
    set_media_attribute (media, "ice-pwd", pwd);
    if (!fingerprint.empty ())
      set_media_attribute (media, "fingerprint", fingerprint);
    for (guint j = 0; j < gst_sdp_media_attributes_len (media);) {
      if (g_strcmp0 (gst_sdp_media_get_attribute (media, j)->key, "candidate") == 0)
        gst_sdp_media_remove_attribute (media, j);
      else
        j++;
    }
    changed++;
  }
  return changed;
}

} // namespace gstsig
