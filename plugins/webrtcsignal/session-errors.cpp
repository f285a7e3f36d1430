/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "session-errors.h"

#include <cstring>

namespace gstsig {

namespace {

constexpr char kWebrtcbinPrefix[] = "webrtcbin-";

} // namespace

std::string
session_webrtcbin_name (const std::string &session_id)
{
  return kWebrtcbinPrefix + session_id;
}

GstElement *
session_webrtcbin_holding (GstBin *bin, GstObject *src, std::string *session_id)
{
  /* Walk up to the child of bin that holds src, keeping references: bins
   * may be removed meanwhile. */
  GstObject *child = src ? GST_OBJECT (gst_object_ref (src)) : nullptr;
  while (child) {
    GstObject *parent = gst_object_get_parent (child);
    if (!parent)
      break;
    if (parent == GST_OBJECT (bin)) {
      gst_object_unref (parent);
      break;
    }
    gst_object_unref (child);
    child = parent;
  }
  if (child && GST_IS_ELEMENT (child) && child != GST_OBJECT (bin)) {
    g_autofree gchar *name = gst_object_get_name (child);
    const size_t prefix = sizeof (kWebrtcbinPrefix) - 1;
    GstElementFactory *factory = gst_element_get_factory (GST_ELEMENT (child));
    if (name && g_str_has_prefix (name, kWebrtcbinPrefix) && strlen (name) > prefix && factory
        && g_str_equal (GST_OBJECT_NAME (factory), "webrtcbin")) {
      *session_id = name + prefix;
      return GST_ELEMENT (child);
    }
  }
  if (child)
    gst_object_unref (child);
  return nullptr;
}

GstMessage *
session_error_as_warning (GstElement *element, GstMessage *error, const std::string &session_id,
    std::string *summary)
{
  GError *gerror = nullptr;
  gchar *debug = nullptr;
  gst_message_parse_error (error, &gerror, &debug);
  g_autofree gchar *from = gst_object_get_path_string (GST_MESSAGE_SRC (error));
  *summary = std::string ("error in its webrtcbin (") + (from ? from : "?") + "): " +
      (gerror ? gerror->message : "unknown error");

  GError *warning = g_error_new (gerror ? gerror->domain : GST_CORE_ERROR,
      gerror ? gerror->code : GST_CORE_ERROR_FAILED,
      "Session %s ended after an error in its webrtcbin; the other sessions go on: %s",
      session_id.c_str (), gerror ? gerror->message : "unknown error");
  GstStructure *details = gst_structure_new ("webrtcsignal-session-error", "session-id",
      G_TYPE_STRING, session_id.c_str (), "from", G_TYPE_STRING, from ? from : "", nullptr);
  GstMessage *message =
      gst_message_new_warning_with_details (GST_OBJECT (element), warning, debug, details);
  g_error_free (warning);
  g_clear_error (&gerror);
  g_free (debug);
  return message;
}

} // namespace gstsig
