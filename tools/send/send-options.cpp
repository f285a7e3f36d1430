/* gst-webrtc-send: command-line options.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "send-options.h"

#include <glib.h>

#include <cstdio>
#include <cstring>

namespace gstsig::send {

const char *const EXIT_CODES_HELP =
    "Exit codes:\n"
    "  0  stopped (Ctrl-C/SIGTERM), or the file ended\n"
    "  1  bad options\n"
    "  2  no camera (no video device, or the one given does not exist)\n"
    "  3  the camera is busy (another program uses it)\n"
    "  4  no display to capture ($DISPLAY unset or the X server unreachable)\n"
    "  5  the file is missing, unreadable, or not a media file\n"
    "  6  the file has no video stream\n"
    "  7  unsupported codec (--codec, a missing encoder, or a file nothing here decodes)\n"
    "  8  the signalling server is unreachable (--to)\n"
    "  9  the port of the embedded server is in use (--port)\n"
    " 10  another error (e.g. a missing GStreamer plugin)";

namespace {

struct Parsed {
  gchar *camera = nullptr;
  gboolean camera_set = FALSE;
};

Parsed *parsed_for_callback = nullptr;

gboolean
on_camera (const gchar *, const gchar *value, gpointer, GError **)
{
  parsed_for_callback->camera_set = TRUE;
  g_free (parsed_for_callback->camera);
  parsed_for_callback->camera = g_strdup (value ? value : "");
  return TRUE;
}

bool
parse_size (const char *text, int *w, int *h)
{
  int n = 0;
  return sscanf (text, "%dx%d%n", w, h, &n) == 2 && text[n] == '\0' && *w >= 16 && *h >= 16 &&
      *w <= 7680 && *h <= 4320;
}

bool
parse_region (const char *text, Region *r)
{
  int n = 0;
  return sscanf (text, "%d,%d,%d,%d%n", &r->x, &r->y, &r->width, &r->height, &n) == 4 &&
      text[n] == '\0' && r->x >= 0 && r->y >= 0 && r->width >= 16 && r->height >= 16;
}

} // namespace

bool
known_codec (const std::string &codec)
{
  return codec == "vp8" || codec == "h264" || codec == "vp9";
}

bool
parse_options (int *argc, char ***argv, Options *opts, std::string *error)
{
  Parsed parsed;
  parsed_for_callback = &parsed;
  g_autofree gchar *file = nullptr, *region = nullptr, *to = nullptr, *host = nullptr,
                   *name = nullptr, *size = nullptr, *codec = nullptr, *stun = nullptr,
                   *token = nullptr, *ca_file = nullptr, *cert = nullptr, *key = nullptr;
  g_auto (GStrv) turn = nullptr;
  gint port = opts->port, fps = 0, bitrate = 0;
  gboolean screen = FALSE, test = FALSE, loop = FALSE, reencode = FALSE, cursor = FALSE,
           no_cursor = FALSE, no_audio = FALSE, insecure = FALSE, self_signed = FALSE;
  std::vector<GOptionEntry> entries = {
    { "camera", 'c', G_OPTION_FLAG_OPTIONAL_ARG, G_OPTION_ARG_CALLBACK, (gpointer) on_camera,
        "Send a camera: a V4L2 device such as /dev/video0 (default: the first camera), or "
        "'pipewire' for the PipeWire camera portal", "[DEVICE]" },
    { "screen", 0, 0, G_OPTION_ARG_NONE, &screen, "Send the X screen of $DISPLAY", nullptr },
    { "region", 0, 0, G_OPTION_ARG_STRING, &region,
        "With --screen: only this rectangle of the screen", "X,Y,W,H" },
    { "cursor", 0, 0, G_OPTION_ARG_NONE, &cursor, "With --screen: show the mouse pointer "
        "(the default)", nullptr },
    { "no-cursor", 0, 0, G_OPTION_ARG_NONE, &no_cursor, "With --screen: hide the mouse pointer",
        nullptr },
    { "file", 'f', 0, G_OPTION_ARG_FILENAME, &file,
        "Send a media file (anything GStreamer reads), in real time", "PATH" },
    { "loop", 0, 0, G_OPTION_ARG_NONE, &loop, "With --file: start again at the end", nullptr },
    { "reencode", 0, 0, G_OPTION_ARG_NONE, &reencode,
        "With --file: re-encode even when the video is VP8 or H264 a browser takes", nullptr },
    { "test", 0, 0, G_OPTION_ARG_NONE, &test, "Send a test pattern and a tone", nullptr },
    { "to", 't', 0, G_OPTION_ARG_STRING, &to,
        "Where to send: ws://HOST:PORT/ (a signalling server), manual: (copy-paste), or any "
        "other scheme webrtcsend knows. Default: a server inside this program", "URI" },
    { "token", 0, 0, G_OPTION_ARG_STRING, &token,
        "With --to: the token the server wants (sent as Authorization: Bearer TOKEN). "
        "Without: the token viewers of the embedded server need (?token= in the printed URL)",
        "TOKEN" },
    { "cert", 0, 0, G_OPTION_ARG_FILENAME, &cert,
        "Without --to: the embedded server serves https with this PEM certificate; needs --key",
        "PEM" },
    { "key", 0, 0, G_OPTION_ARG_FILENAME, &key, "The PEM key of --cert", "PEM" },
    { "self-signed", 0, 0, G_OPTION_ARG_NONE, &self_signed,
        "Without --to: the embedded server serves https with a certificate made now for this "
        "machine's names and addresses (a phone on the LAN can then publish and watch; the "
        "fingerprint is printed)", nullptr },
    { "ca-file", 0, 0, G_OPTION_ARG_FILENAME, &ca_file,
        "With a wss:// or whip+https:// --to: trust the certificates in this PEM file (the "
        "server's own, or its CA) instead of the system's", "PEM" },
    { "insecure", 'k', 0, G_OPTION_ARG_NONE, &insecure,
        "With a wss:// or whip+https:// --to: accept any certificate, unchecked (a "
        "self-signed test server)", nullptr },
    { "host", 0, 0, G_OPTION_ARG_STRING, &host,
        "Without --to: the address the embedded server listens on (default: 127.0.0.1; "
        "0.0.0.0 for other machines)", "ADDR" },
    { "port", 'p', 0, G_OPTION_ARG_INT, &port,
        "Without --to: the port of the embedded server (default: 8443; 0 picks a free one)",
        "PORT" },
    { "name", 'n', 0, G_OPTION_ARG_STRING, &name,
        "The name viewers see (default: camera, screen, test or the file's name)", "NAME" },
    { "size", 's', 0, G_OPTION_ARG_STRING, &size, "Scale the video to this size", "WxH" },
    { "fps", 0, 0, G_OPTION_ARG_INT, &fps, "Send this many frames per second", "N" },
    { "bitrate", 'b', 0, G_OPTION_ARG_INT, &bitrate,
        "Video bitrate in kbit/s (default: webrtcsend's, 2000)", "KBPS" },
    { "codec", 0, 0, G_OPTION_ARG_STRING, &codec,
        "Video codec: vp8, h264 or vp9 (default: vp8 and h264, the viewer picks)", "CODEC" },
    { "no-audio", 0, 0, G_OPTION_ARG_NONE, &no_audio, "Send no audio", nullptr },
    { "stun", 0, 0, G_OPTION_ARG_STRING, &stun, "STUN server, stun://HOST:PORT", "URI" },
    { "turn", 0, 0, G_OPTION_ARG_STRING_ARRAY, &turn,
        "TURN server, turn://USER:PASSWORD@HOST:PORT (may be repeated)", "URI" },
  };
  const cli::CommandHelp help = {
    "- send a camera, screen or file to browsers",
    "Sends one source (--camera, --screen, --file or --test) over WebRTC. Without --to,\n"
    "a signalling server and viewer page run inside this program: open the URL it\n"
    "prints and click the stream. Ctrl-C stops.",
    EXIT_CODES_HELP,
    "Print events (serving, started, status, viewers, loop, eos, stopping, stopped, error) as one JSON "
    "object per line on stdout",
    "Show the status line even when stderr is not a terminal (a line a second)",
  };
  bool ok = cli::parse_command_line (help, std::move (entries), argc, argv, opts, error);
  parsed_for_callback = nullptr;
  g_autofree gchar *camera = parsed.camera;
  if (!ok)
    return false;
  if (opts->version)
    return true;
  int sources = (parsed.camera_set ? 1 : 0) + (screen ? 1 : 0) + (file ? 1 : 0) + (test ? 1 : 0);
  if (sources == 0) {
    *error = "say what to send: --camera, --screen, --file PATH or --test";
    return false;
  }
  if (sources > 1) {
    *error = "give one source only: --camera, --screen, --file or --test";
    return false;
  }
  if (parsed.camera_set) {
    opts->source = SourceKind::Camera;
    opts->camera_device = camera ? camera : "";
  } else if (screen) {
    opts->source = SourceKind::Screen;
  } else if (file) {
    opts->source = SourceKind::File;
    if (!*file) {
      *error = "--file needs a path";
      return false;
    }
    opts->file = file;
  } else {
    opts->source = SourceKind::Test;
  }
  if ((loop || reencode) && opts->source != SourceKind::File) {
    *error = std::string (loop ? "--loop" : "--reencode") + " only goes with --file";
    return false;
  }
  if ((region || cursor || no_cursor) && opts->source != SourceKind::Screen) {
    *error = std::string (region ? "--region" : "--cursor/--no-cursor") + " only goes with --screen";
    return false;
  }
  if (cursor && no_cursor) {
    *error = "--cursor and --no-cursor exclude each other";
    return false;
  }
  if (region && !parse_region (region, &opts->region)) {
    *error = std::string ("--region '") + region +
        "' is not X,Y,W,H (e.g. --region 0,0,1280,720; at least 16x16)";
    return false;
  }
  opts->loop = loop;
  opts->reencode = reencode;
  opts->cursor = !no_cursor;

  if (to) {
    if (!*to) {
      *error = "--to needs a URI, e.g. --to ws://127.0.0.1:8443/";
      return false;
    }
    opts->to = to;
  }
  if ((ca_file || insecure) && !to) {
    *error = "--ca-file and --insecure are for the server of --to";
    return false;
  }
  if ((cert || key || self_signed) && to) {
    *error = "--cert, --key and --self-signed are for the embedded server (without --to)";
    return false;
  }
  if ((cert == nullptr) != (key == nullptr) || (cert && self_signed)) {
    *error = "https needs --cert and --key together, or --self-signed alone";
    return false;
  }
  opts->cert = cert ? cert : "";
  opts->key = key ? key : "";
  opts->self_signed = self_signed;
  if ((token && !*token) || (ca_file && !*ca_file)) {
    *error = std::string (token && !*token ? "--token needs a token" : "--ca-file needs a file");
    return false;
  }
  if (ca_file && insecure) {
    *error = "--ca-file and --insecure exclude each other: trust a certificate, or none";
    return false;
  }
  opts->token = token ? token : "";
  opts->ca_file = ca_file ? ca_file : "";
  opts->insecure = insecure;
  if (to && (host || port != 8443)) {
    *error = "--host and --port are for the embedded server; with --to the server is elsewhere";
    return false;
  }
  if (host) {
    if (!*host) {
      *error = "--host needs an address, e.g. --host 0.0.0.0";
      return false;
    }
    opts->host = host;
  }
  if (port < 0 || port > 65535) {
    *error = "--port must be between 0 and 65535";
    return false;
  }
  opts->port = port;
  if (name)
    opts->name = name;
  if (size && !parse_size (size, &opts->width, &opts->height)) {
    *error = std::string ("--size '") + size + "' is not WxH (e.g. --size 1280x720)";
    return false;
  }
  if (fps < 0 || fps > 240) {
    *error = "--fps must be between 1 and 240";
    return false;
  }
  opts->fps = fps;
  if (bitrate < 0 || (bitrate > 0 && bitrate < 50) || bitrate > 100000) {
    *error = "--bitrate must be between 50 and 100000 kbit/s";
    return false;
  }
  opts->bitrate_kbps = (unsigned) bitrate;
  if (codec) {
    g_autofree gchar *lower = g_ascii_strdown (codec, -1);
    opts->codec = lower;
  }
  opts->audio = !no_audio;
  if (stun)
    opts->stun = stun;
  for (gchar **t = turn; t && *t; t++)
    opts->turn.emplace_back (*t);
  return true;
}

} // namespace gstsig::send
