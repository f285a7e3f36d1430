/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "sdpfrag.h"

#include <glib.h>

#include <memory>
#include <sstream>

namespace gstsig {

namespace {

struct SdpDeleter {
  void operator() (GstSDPMessage *msg) const { gst_sdp_message_free (msg); }
};
using SdpPtr = std::unique_ptr<GstSDPMessage, SdpDeleter>;

const GstSDPMedia *
media_with_mid (const GstSDPMessage *sdp, const std::string &mid)
{
  int index = sdp_mline_for_mid (sdp, mid);
  return index < 0 ? nullptr : gst_sdp_message_get_media (sdp, (guint) index);
}

/* The attribute without its "a=" prefix, or "" for end-of-candidates. */
std::string
candidate_attribute (const std::string &candidate)
{
  if (candidate.rfind ("a=", 0) == 0)
    return candidate.substr (2);
  return candidate;
}

/* Every non-empty line must be "<letter>=<value>": GstSDP skips anything
 * else silently, and a user deserves to know what was wrong. */
bool
check_lines (const std::string &body, std::string *error)
{
  std::istringstream lines (body);
  std::string line;
  unsigned number = 0;
  while (std::getline (lines, line)) {
    number++;
    if (!line.empty () && line.back () == '\r')
      line.pop_back ();
    if (line.empty ())
      continue;
    if (line.size () < 2 || !g_ascii_isalpha (line[0]) || line[1] != '=') {
      *error = "line " + std::to_string (number) + " is not an SDP line (\"x=...\"): \""
          + line.substr (0, 60) + "\"";
      return false;
    }
    if (line[0] == 'a' && line.rfind ("a=candidate:", 0) == 0) {
      /* candidate:<foundation> <component> <transport> <priority> <address> <port> typ <type> */
      gchar **fields = g_strsplit (line.c_str () + 12, " ", -1);
      guint count = g_strv_length (fields);
      bool ok = count >= 8 && g_strcmp0 (fields[6], "typ") == 0;
      g_strfreev (fields);
      if (!ok) {
        *error = "line " + std::to_string (number) + " is not a valid ICE candidate: \""
            + line.substr (0, 80) + "\"";
        return false;
      }
    }
  }
  return true;
}

} // namespace

std::string
sdpfrag_build (const SdpFrag &frag, const GstSDPMessage *local_description)
{
  std::string out;
  if (!frag.ice_ufrag.empty ())
    out += "a=ice-ufrag:" + frag.ice_ufrag + "\r\n";
  if (!frag.ice_pwd.empty ())
    out += "a=ice-pwd:" + frag.ice_pwd + "\r\n";

  std::vector<std::string> mids;
  for (const auto &candidate : frag.candidates) {
    bool seen = false;
    for (const auto &mid : mids)
      seen |= mid == candidate.mid;
    if (!seen)
      mids.push_back (candidate.mid);
  }
  /* end-of-candidates alone still needs a section to sit in. */
  if (mids.empty () && frag.end_of_candidates && local_description
      && gst_sdp_message_medias_len (local_description) > 0) {
    const char *mid = gst_sdp_media_get_attribute_val (
        gst_sdp_message_get_media (local_description, 0), "mid");
    mids.push_back (mid ? mid : "");
  }

  for (size_t i = 0; i < mids.size (); i++) {
    const std::string &mid = mids[i];
    const GstSDPMedia *media = local_description ? media_with_mid (local_description, mid) : nullptr;
    const char *kind = media ? gst_sdp_media_get_media (media) : nullptr;
    const char *proto = media ? gst_sdp_media_get_proto (media) : nullptr;
    out += std::string ("m=") + (kind ? kind : "audio") + " 9 "
        + (proto ? proto : "UDP/TLS/RTP/SAVPF") + " 0\r\n";
    if (!mid.empty ())
      out += "a=mid:" + mid + "\r\n";
    for (const auto &candidate : frag.candidates)
      if (candidate.mid == mid && !candidate.candidate.empty ())
        out += "a=" + candidate_attribute (candidate.candidate) + "\r\n";
    if (frag.end_of_candidates && i + 1 == mids.size ())
      out += "a=end-of-candidates\r\n";
  }
  return out;
}

bool
sdpfrag_parse (const std::string &body, SdpFrag *frag, std::string *error)
{
  *frag = SdpFrag ();
  if (!check_lines (body, error))
    return false;
  if (body.find_first_not_of (" \t\r\n") == std::string::npos) {
    *error = "the fragment is empty: it holds no candidate, no end-of-candidates and no ICE credentials";
    return false;
  }

  GstSDPMessage *raw = nullptr;
  gst_sdp_message_new (&raw);
  SdpPtr sdp (raw);
  if (gst_sdp_message_parse_buffer ((const guint8 *) body.data (), (guint) body.size (), raw)
      != GST_SDP_OK) {
    *error = "the fragment is not SDP";
    return false;
  }

  const char *ufrag = gst_sdp_message_get_attribute_val (raw, "ice-ufrag");
  const char *pwd = gst_sdp_message_get_attribute_val (raw, "ice-pwd");
  if (gst_sdp_message_get_attribute_val (raw, "end-of-candidates"))
    frag->end_of_candidates = true;

  for (guint i = 0; i < gst_sdp_message_medias_len (raw); i++) {
    const GstSDPMedia *media = gst_sdp_message_get_media (raw, i);
    const char *mid = gst_sdp_media_get_attribute_val (media, "mid");
    if (!ufrag)
      ufrag = gst_sdp_media_get_attribute_val (media, "ice-ufrag");
    if (!pwd)
      pwd = gst_sdp_media_get_attribute_val (media, "ice-pwd");
    for (guint j = 0; j < gst_sdp_media_attributes_len (media); j++) {
      const GstSDPAttribute *attr = gst_sdp_media_get_attribute (media, j);
      if (g_strcmp0 (attr->key, "candidate") == 0 && attr->value)
        frag->candidates.push_back ({ mid ? mid : "", i, std::string ("candidate:") + attr->value });
      else if (g_strcmp0 (attr->key, "end-of-candidates") == 0)
        frag->end_of_candidates = true;
    }
  }
  /* Candidates at session level (no m= section) belong to the first. */
  for (guint j = 0; j < gst_sdp_message_attributes_len (raw); j++) {
    const GstSDPAttribute *attr = gst_sdp_message_get_attribute (raw, j);
    if (g_strcmp0 (attr->key, "candidate") == 0 && attr->value)
      frag->candidates.push_back ({ "", 0, std::string ("candidate:") + attr->value });
  }

  frag->ice_ufrag = ufrag ? ufrag : "";
  frag->ice_pwd = pwd ? pwd : "";
  if (frag->candidates.empty () && !frag->end_of_candidates && frag->ice_ufrag.empty ()) {
    *error = "the fragment holds no candidate, no end-of-candidates and no ICE credentials";
    return false;
  }
  return true;
}

int
sdp_mline_for_mid (const GstSDPMessage *sdp, const std::string &mid)
{
  for (guint i = 0; i < gst_sdp_message_medias_len (sdp); i++) {
    const char *value = gst_sdp_media_get_attribute_val (gst_sdp_message_get_media (sdp, i), "mid");
    if (value && mid == value)
      return (int) i;
  }
  return -1;
}

bool
sdp_ice_credentials (const GstSDPMessage *sdp, std::string *ufrag, std::string *pwd)
{
  const char *u = nullptr, *p = nullptr;
  if (gst_sdp_message_medias_len (sdp) > 0) {
    const GstSDPMedia *media = gst_sdp_message_get_media (sdp, 0);
    u = gst_sdp_media_get_attribute_val (media, "ice-ufrag");
    p = gst_sdp_media_get_attribute_val (media, "ice-pwd");
  }
  if (!u)
    u = gst_sdp_message_get_attribute_val (sdp, "ice-ufrag");
  if (!p)
    p = gst_sdp_message_get_attribute_val (sdp, "ice-pwd");
  if (!u || !p)
    return false;
  *ufrag = u;
  *pwd = p;
  return true;
}

} // namespace gstsig
