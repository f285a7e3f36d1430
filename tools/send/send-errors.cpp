/* gst-webrtc-send: pipeline errors to exit codes.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "send-errors.h"

#include <gio/gio.h>

#include <cstring>

namespace gstsig::send {

namespace {

bool
from (GstMessage *msg, const char *factory)
{
  GstObject *src = GST_MESSAGE_SRC (msg);
  if (!GST_IS_ELEMENT (src))
    return false;
  GstElementFactory *f = gst_element_get_factory (GST_ELEMENT (src));
  return f && !g_strcmp0 (GST_OBJECT_NAME (f), factory);
}

bool
inside (GstMessage *msg, GstElement *element)
{
  GstObject *src = GST_MESSAGE_SRC (msg);
  return src == GST_OBJECT (element) || gst_object_has_as_ancestor (src, GST_OBJECT (element));
}

std::string
serve_address (const Options &opts)
{
  return (opts.host.find (':') != std::string::npos ? "[" + opts.host + "]" : opts.host) + ":" +
      std::to_string (opts.port);
}

/* The signaller's words for its options, as this program's options. */
std::string
with_cli_options (std::string message)
{
  static const std::pair<const char *, const char *> names[] = {
    { "signaller::ca-file=PATH", "--ca-file PEM" },
    { "signaller::insecure-tls=true", "--insecure" },
    { "signaller::auth-token=TOKEN", "--token TOKEN" },
    { "signaller::auth-token=...", "--token TOKEN" },
    { "signaller::auth-token", "--token" },
  };
  for (const auto &n : names) {
    for (size_t pos; (pos = message.find (n.first)) != std::string::npos;)
      message.replace (pos, strlen (n.first), n.second);
  }
  return message;
}

} // namespace

Failure
classify_error (GstMessage *msg, GstElement *send, const Options &opts)
{
  GError *err = nullptr;
  gchar *debug = nullptr;
  gst_message_parse_error (msg, &err, &debug);
  const GstStructure *details = nullptr;
  gst_message_parse_error_details (msg, &details);
  Failure f;
  f.message = err->message;
  bool resource = err->domain == GST_RESOURCE_ERROR;

  if (from (msg, "v4l2src")) {
    if (resource && err->code == GST_RESOURCE_ERROR_BUSY) {
      f.code = EXIT_CAMERA_BUSY;
      f.message = "the camera is busy: " + f.message + ". Close the program using it and try again";
    } else if (resource) {
      f.code = EXIT_NO_CAMERA;
      f.message = "cannot use the camera: " + f.message + ". Check that it is plugged in, or "
          "give another with --camera /dev/videoN";
    }
  } else if (from (msg, "ximagesrc") && resource) {
    f.code = EXIT_NO_DISPLAY;
    f.message = "cannot capture the screen: " + f.message + ". Check DISPLAY and that the X "
        "server runs";
  } else if (from (msg, "filesrc") && resource) {
    f.code = EXIT_FILE_UNREADABLE;
    f.message = "cannot read " + opts.file + ": " + f.message;
  } else if (send && inside (msg, send)) {
    if (err->domain == GST_CORE_ERROR && err->code == GST_CORE_ERROR_MISSING_PLUGIN &&
        g_str_has_prefix (err->message, "No encoder")) {
      f.code = EXIT_UNSUPPORTED_CODEC;
    } else if (resource && err->code == GST_RESOURCE_ERROR_OPEN_READ_WRITE) {
      gint io_code = -1;
      const gchar *domain = details ? gst_structure_get_string (details, "error-domain") : nullptr;
      if (details)
        gst_structure_get_int (details, "error-code", &io_code);
      bool serving = opts.to.empty ();
      if (serving && (!domain || !g_strcmp0 (domain, g_quark_to_string (G_IO_ERROR)))) {
        f.code = EXIT_PORT_IN_USE;
        bool in_use = io_code == G_IO_ERROR_ADDRESS_IN_USE || strstr (err->message, "in use");
        f.message = "cannot serve on " + serve_address (opts) + ": " +
            (in_use ? std::string ("the port is in use, by another program (another "
                                   "gst-webrtc-send or gst-webrtc-serve?)")
                    : std::string (err->message)) +
            ". Pick another port with --port, or --port 0 for any free one";
      } else if (!serving) {
        f.code = EXIT_SERVER_UNREACHABLE;
        f.message = with_cli_options (f.message) + " (Or fix --to.)";
      }
    } else if (resource && err->code == GST_RESOURCE_ERROR_NOT_AUTHORIZED && !opts.to.empty ()) {
      f.code = EXIT_SERVER_UNREACHABLE;
      f.message = with_cli_options (f.message);
    } else if (resource && err->code == GST_RESOURCE_ERROR_SETTINGS) {
      f.code = EXIT_BAD_OPTIONS;
    }
  } else if (err->domain == GST_STREAM_ERROR && (err->code == GST_STREAM_ERROR_CODEC_NOT_FOUND ||
                 err->code == GST_STREAM_ERROR_DECODE || err->code == GST_STREAM_ERROR_WRONG_TYPE)) {
    f.code = EXIT_UNSUPPORTED_CODEC;
    f.message += " Try --reencode, or install the GStreamer plugin for this codec "
        "(gstreamer1.0-libav covers most)";
  } else if (err->domain == GST_CORE_ERROR && err->code == GST_CORE_ERROR_MISSING_PLUGIN) {
    f.code = EXIT_OTHER_ERROR;
  }
  if (debug && g_getenv ("GST_WEBRTC_SEND_DEBUG"))
    f.message += std::string (" [") + debug + "]";
  g_error_free (err);
  g_free (debug);
  return f;
}

} // namespace gstsig::send
