/* gst-webrtc-send: probes of the display, files and webrtcsend.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "send-probe.h"

#include "send-options.h"

#include <gst/pbutils/pbutils.h>

#include <cerrno>
#include <fcntl.h>
#include <unistd.h>

namespace gstsig::send {

bool
has_factory (const char *name)
{
  GstElementFactory *f = gst_element_factory_find (name);
  if (f)
    gst_object_unref (f);
  return f != nullptr;
}

bool
probe_display (const std::string &display, int *width, int *height, std::string *message)
{
  GstElement *src = gst_element_factory_make ("ximagesrc", nullptr);
  if (!src) {
    *message = "the ximagesrc element is missing: install gstreamer1.0-plugins-good";
    return false;
  }
  gst_object_ref_sink (src);
  GstBus *bus = gst_bus_new ();
  gst_element_set_bus (src, bus);
  g_object_set (src, "display-name", display.c_str (), nullptr);
  bool ok = gst_element_set_state (src, GST_STATE_PAUSED) != GST_STATE_CHANGE_FAILURE;
  if (ok) {
    GstPad *pad = gst_element_get_static_pad (src, "src");
    GstCaps *caps = gst_pad_query_caps (pad, nullptr);
    gst_object_unref (pad);
    const GstStructure *s = caps && !gst_caps_is_empty (caps) ? gst_caps_get_structure (caps, 0) : nullptr;
    ok = s && gst_structure_get_int (s, "width", width) && gst_structure_get_int (s, "height", height);
    if (!ok)
      *message = "the X server gave no screen size";
    if (caps)
      gst_caps_unref (caps);
  } else {
    GstMessage *msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
    *message = "the X server did not answer";
    if (msg) {
      GError *err = nullptr;
      gst_message_parse_error (msg, &err, nullptr);
      *message = err->message;
      g_error_free (err);
      gst_message_unref (msg);
    }
  }
  gst_element_set_state (src, GST_STATE_NULL);
  gst_element_set_bus (src, nullptr);
  gst_object_unref (bus);
  gst_object_unref (src);
  return ok;
}

namespace {

std::string
codec_name (const GstCaps *caps)
{
  const char *name = gst_structure_get_name (gst_caps_get_structure (caps, 0));
  if (!g_strcmp0 (name, "video/x-h264"))
    return "H264";
  if (!g_strcmp0 (name, "video/x-vp8"))
    return "VP8";
  if (!g_strcmp0 (name, "video/x-vp9"))
    return "VP9";
  if (!g_strcmp0 (name, "video/x-raw"))
    return "raw";
  g_autofree gchar *desc = gst_pb_utils_get_codec_description (caps);
  return desc ? desc : name;
}

} // namespace

int
probe_file (const std::string &path, FileInfo *info, std::string *error)
{
  if (!g_file_test (path.c_str (), G_FILE_TEST_EXISTS)) {
    *error = "file not found: " + path + ". Check the path";
    return EXIT_FILE_UNREADABLE;
  }
  if (g_file_test (path.c_str (), G_FILE_TEST_IS_DIR)) {
    *error = path + " is a folder; give a media file";
    return EXIT_FILE_UNREADABLE;
  }
  int fd = open (path.c_str (), O_RDONLY);
  if (fd < 0) {
    *error = "cannot read " + path + ": " + g_strerror (errno) + ". Check its permissions";
    return EXIT_FILE_UNREADABLE;
  }
  close (fd);

  g_autoptr (GError) err = nullptr;
  g_autofree gchar *uri = gst_filename_to_uri (path.c_str (), &err);
  if (!uri) {
    *error = "cannot read " + path + ": " + err->message;
    return EXIT_FILE_UNREADABLE;
  }
  GstDiscoverer *discoverer = gst_discoverer_new (15 * GST_SECOND, &err);
  if (!discoverer) {
    *error = std::string ("cannot inspect files: ") + err->message;
    return EXIT_OTHER_ERROR;
  }
  GstDiscovererInfo *di = gst_discoverer_discover_uri (discoverer, uri, &err);
  g_object_unref (discoverer);
  GstDiscovererResult result = di ? gst_discoverer_info_get_result (di) : GST_DISCOVERER_ERROR;
  if (result == GST_DISCOVERER_URI_INVALID || result == GST_DISCOVERER_ERROR ||
      result == GST_DISCOVERER_TIMEOUT || result == GST_DISCOVERER_BUSY) {
    *error = "cannot read " + path + " as media (" +
        (err ? err->message : result == GST_DISCOVERER_TIMEOUT ? "timed out" : "unknown error") +
        "). Is it an audio/video file? gst-discoverer-1.0 " + path + " says more";
    if (di)
      gst_discoverer_info_unref (di);
    return EXIT_FILE_UNREADABLE;
  }
  GList *videos = gst_discoverer_info_get_video_streams (di);
  GList *audios = gst_discoverer_info_get_audio_streams (di);
  int code = EXIT_OK;
  if (!videos) {
    *error = path + " has no video stream" + (audios ? " (only audio)" : "") +
        "; gst-webrtc-send sends video, with its sound. Give a file with video";
    code = EXIT_NO_VIDEO;
  } else {
    auto video = GST_DISCOVERER_VIDEO_INFO (videos->data);
    info->video_caps = gst_discoverer_stream_info_get_caps (GST_DISCOVERER_STREAM_INFO (video));
    info->video_codec = info->video_caps ? codec_name (info->video_caps) : "unknown";
    info->width = (int) gst_discoverer_video_info_get_width (video);
    info->height = (int) gst_discoverer_video_info_get_height (video);
    info->fps_n = (int) gst_discoverer_video_info_get_framerate_num (video);
    info->fps_d = (int) gst_discoverer_video_info_get_framerate_denom (video);
    if (info->fps_d == 0 || info->fps_n == 0) {
      info->fps_n = 0;
      info->fps_d = 1;
    }
    if (info->video_caps) {
      const char *profile = gst_structure_get_string (gst_caps_get_structure (info->video_caps, 0),
          "profile");
      info->h264_profile = profile ? profile : "unknown";
      info->browser_h264 = profile && (!g_strcmp0 (profile, "constrained-baseline") ||
                                          !g_strcmp0 (profile, "baseline"));
    }
    info->has_audio = audios != nullptr;
    if (audios) {
      GstCaps *caps = gst_discoverer_stream_info_get_caps (GST_DISCOVERER_STREAM_INFO (audios->data));
      if (caps && !gst_caps_is_empty (caps)) {
        const GstStructure *s = gst_caps_get_structure (caps, 0);
        gint channels = 0;
        gst_structure_get_int (s, "channels", &channels);
        info->browser_opus = gst_structure_has_name (s, "audio/x-opus") && channels >= 1 &&
            channels <= 2;
      }
      gst_clear_caps (&caps);
    }
    GstClockTime d = gst_discoverer_info_get_duration (di);
    info->duration_s = GST_CLOCK_TIME_IS_VALID (d) ? (double) d / GST_SECOND : 0;
    if (result == GST_DISCOVERER_MISSING_PLUGINS) {
      const gchar **details = gst_discoverer_info_get_missing_elements_installer_details (di);
      std::string missing;
      for (const gchar **d = details; d && *d; d++) {
        g_auto (GStrv) parts = g_strsplit (*d, "|", 5);
        missing += (missing.empty () ? "" : ", ") + std::string (g_strv_length (parts) >= 4 ? parts[3] : *d);
      }
      *error = "cannot decode " + path + ": missing " + (missing.empty () ? "a plugin" : missing) +
          ". Install the GStreamer plugin for it (gstreamer1.0-libav covers most codecs)";
      code = EXIT_UNSUPPORTED_CODEC;
    }
  }
  gst_discoverer_stream_info_list_free (videos);
  gst_discoverer_stream_info_list_free (audios);
  gst_discoverer_info_unref (di);
  return code;
}

bool
webrtcsend_takes (const GstCaps *caps)
{
  if (!caps)
    return false;
  GstElementFactory *factory = gst_element_factory_find ("webrtcsend");
  if (!factory)
    return false;
  bool takes = false;
  for (const GList *l = gst_element_factory_get_static_pad_templates (factory); l; l = l->next) {
    auto templ = static_cast<GstStaticPadTemplate *> (l->data);
    if (templ->direction != GST_PAD_SINK || !g_str_has_prefix (templ->name_template, "video"))
      continue;
    GstCaps *tcaps = gst_static_pad_template_get_caps (templ);
    /* Only the codec matters here: the element converts the stream format. */
    GstCaps *bare = gst_caps_new_empty_simple (gst_structure_get_name (gst_caps_get_structure (caps, 0)));
    takes = gst_caps_can_intersect (bare, tcaps);
    gst_caps_unref (bare);
    gst_caps_unref (tcaps);
  }
  gst_object_unref (factory);
  return takes;
}

} // namespace gstsig::send
