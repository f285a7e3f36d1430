/* gst-webrtc-record: command-line options.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "record-options.h"

#include <gio/gio.h>
#include <glib.h>

#include <cstring>

namespace gstsig::record {

const char *const EXIT_CODES_HELP =
    "Exit codes:\n"
    "  0  recorded and finalized (or stopped before anything arrived)\n"
    "  1  bad options\n"
    "  2  the output folder is not writable\n"
    "  3  the signalling server is unreachable (--whip-listen: cannot listen there)\n"
    "  4  producer not found, or it left before sending media\n"
    "  5  disk full or another write error\n"
    "  6  the producer sends no codec the format can hold (try --format mkv or --transcode)\n"
    "  7  another error (e.g. a missing GStreamer plugin)\n"
    "With --all or --whip-listen, a failed recording is reported (--json: an error\n"
    "event) and the tool keeps running; the codes above are then only for start-up\n"
    "failures.";

namespace {

const FormatInfo formats[] = {
  { Format::Mkv, "mkv", "mkv", "matroskamux", "h264,vp8,vp9" },
  { Format::Webm, "webm", "webm", "webmmux", "vp8,vp9,h264" },
  { Format::Mp4, "mp4", "mp4", "mp4mux", "h264,vp9,vp8" },
};

bool
parse_format (const char *text, Format *format)
{
  for (const auto &info : formats) {
    if (g_ascii_strcasecmp (text, info.name) == 0 ||
        (info.format == Format::Mkv && g_ascii_strcasecmp (text, "matroska") == 0)) {
      *format = info.format;
      return true;
    }
  }
  return false;
}

bool
parse_server (const char *server, Options *opts, std::string *error)
{
  bool janus = g_str_has_prefix (server, "janus+ws://") || g_str_has_prefix (server,
      "janus+wss://");
  if (!g_str_has_prefix (server, "ws://") && !g_str_has_prefix (server, "wss://") && !janus) {
    *error = std::string ("--server must be a ws:// or wss:// URI (or janus+ws:// for a Janus "
        "VideoRoom), not '") + server + "'";
    return false;
  }
  g_autoptr (GUri) uri = g_uri_parse (janus ? server + strlen ("janus+") : server,
      G_URI_FLAGS_NONE, nullptr);
  if (!uri || !g_uri_get_host (uri) || !*g_uri_get_host (uri)) {
    *error = std::string ("--server '") + server + "' is not a valid URI";
    return false;
  }
  if (g_uri_get_query (uri) && strstr (g_uri_get_query (uri), "producer=")) {
    *error = "give the producer with --producer, not in the --server URI";
    return false;
  }
  if (janus && (!g_uri_get_query (uri) || !strstr (g_uri_get_query (uri), "room="))) {
    *error = std::string ("--server '") + server + "' names no room: add ?room=ID";
    return false;
  }
  if (janus && strstr (g_uri_get_query (uri), "feed=")) {
    *error = "give the publisher's feed ID with --producer, not in the --server URI";
    return false;
  }
  opts->server = server;
  return true;
}

} // namespace

bool
parse_whip_listen (const std::string &text, WhipListen *out, std::string *error)
{
  const char *example = " (write it as ADDR:PORT/PATH, e.g. 127.0.0.1:8080/whip; port 0 picks a "
                        "free one, 0.0.0.0 listens on every interface)";
  std::string rest = text;
  if (g_str_has_prefix (rest.c_str (), "http://"))
    rest = rest.substr (strlen ("http://"));
  else if (rest.find ("://") != std::string::npos) {
    *error = "--whip-listen '" + text + "': only plain http is served (put a TLS proxy in front "
        "for https)" + example;
    return false;
  }
  if (rest.empty ()) {
    *error = std::string ("--whip-listen needs an address") + example;
    return false;
  }
  g_autoptr (GUri) uri = g_uri_parse (("http://" + rest).c_str (), G_URI_FLAGS_NONE, nullptr);
  if (!uri || !g_uri_get_host (uri) || !*g_uri_get_host (uri)) {
    *error = "--whip-listen '" + text + "' is not an address" + example;
    return false;
  }
  if (g_uri_get_query (uri) || g_uri_get_fragment (uri) || g_uri_get_userinfo (uri)) {
    *error = "--whip-listen '" + text + "' may not carry a query, fragment or user name" +
        example;
    return false;
  }
  const char *host = g_uri_get_host (uri);
  g_autoptr (GInetAddress) address = g_inet_address_new_from_string (host);
  if (!address) {
    *error = std::string ("--whip-listen: '") + host + "' is not an IP address; listen on an "
        "address of this machine such as 127.0.0.1, 0.0.0.0 or [::1]";
    return false;
  }
  int port = g_uri_get_port (uri);
  if (port < 0) {
    *error = "--whip-listen '" + text + "' has no port" + example;
    return false;
  }
  std::string path = g_uri_get_path (uri);
  while (path.size () > 1 && path.back () == '/')
    path.pop_back ();
  if (path.empty () || path == "/")
    path = "/whip";
  out->host = host;
  out->port = (unsigned) port;
  out->path = path;
  return true;
}

const FormatInfo &
format_info (Format format)
{
  for (const auto &info : formats)
    if (info.format == format)
      return info;
  return formats[0];
}

bool
parse_options (int *argc, char ***argv, Options *opts, std::string *error)
{
  g_autofree gchar *server = nullptr, *producer = nullptr, *output = nullptr, *format = nullptr,
                   *whip_listen = nullptr, *auth_token = nullptr, *token = nullptr,
                   *ca_file = nullptr, *whip_cert = nullptr, *whip_key = nullptr;
  gint max_recordings = -1;
  gboolean whip_self_signed = FALSE;
  gint segment = 0, latency = (gint) opts->latency_ms, peer_timeout = (gint) opts->peer_timeout_s;
  gboolean all = FALSE, transcode = FALSE, insecure = FALSE;
  std::vector<GOptionEntry> entries = {
    { "server", 's', 0, G_OPTION_ARG_STRING, &server,
        "Signalling server, e.g. ws://127.0.0.1:8443/ (this or --whip-listen)", "URI" },
    { "whip-listen", 'w', 0, G_OPTION_ARG_STRING, &whip_listen,
        "Be a WHIP endpoint (RFC 9725) on ADDR:PORT/PATH instead of using a server: every "
        "publisher that POSTs there is recorded to a file of its own", "ADDR:PORT/PATH" },
    { "auth-token", 0, 0, G_OPTION_ARG_STRING, &auth_token,
        "With --whip-listen: the bearer token publishers must send (Authorization: Bearer "
        "TOKEN); others get 401", "TOKEN" },
    { "whip-cert", 0, 0, G_OPTION_ARG_FILENAME, &whip_cert,
        "With --whip-listen: serve https with this PEM certificate (chain); needs --whip-key",
        "PEM" },
    { "whip-key", 0, 0, G_OPTION_ARG_FILENAME, &whip_key, "The PEM key of --whip-cert", "PEM" },
    { "whip-self-signed", 0, 0, G_OPTION_ARG_NONE, &whip_self_signed,
        "With --whip-listen: serve https with a certificate made now for this machine's names "
        "and addresses (its fingerprint is printed)", nullptr },
    { "max-recordings", 0, 0, G_OPTION_ARG_INT, &max_recordings,
        "With --whip-listen: at most this many publishers at once; more get 503 (default: 16)",
        "N" },
    { "token", 0, 0, G_OPTION_ARG_STRING, &token,
        "With --server: the token the signalling server wants (sent as Authorization: Bearer "
        "TOKEN)", "TOKEN" },
    { "ca-file", 0, 0, G_OPTION_ARG_FILENAME, &ca_file,
        "With a wss:// --server: trust the certificates in this PEM file (the server's own, or "
        "its CA) instead of the system's", "PEM" },
    { "insecure", 'k', 0, G_OPTION_ARG_NONE, &insecure,
        "With a wss:// --server: accept any certificate, unchecked (a self-signed test server)",
        nullptr },
    { "producer", 'p', 0, G_OPTION_ARG_STRING, &producer,
        "Record this producer (peer id). Default: the first producer, or the next to appear",
        "ID" },
    { "all", 'a', 0, G_OPTION_ARG_NONE, &all,
        "Record every producer that is or comes online, one file each, until stopped", nullptr },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output,
        "Folder for the recordings (default: the current folder)", "DIR" },
    { "format", 'f', 0, G_OPTION_ARG_STRING, &format,
        "mkv (default), webm (VP8/VP9/Opus) or mp4 (fragmented)", "FORMAT" },
    { "segment", 0, 0, G_OPTION_ARG_INT, &segment,
        "Start a new file every SECONDS (at a keyframe): NAME-00000.EXT, NAME-00001.EXT, ...",
        "SECONDS" },
    { "transcode", 0, 0, G_OPTION_ARG_NONE, &transcode,
        "Re-encode video (VP8 for webm, H264 otherwise); Opus audio is kept as is", nullptr },
    { "latency", 0, 0, G_OPTION_ARG_INT, &latency,
        "Jitterbuffer latency in ms: room for late and retransmitted packets (default: 300)",
        "MS" },
    { "peer-timeout", 0, 0, G_OPTION_ARG_INT, &peer_timeout,
        "Seconds without media before a producer counts as gone and its file is finalized "
        "(default: 5)", "SECONDS" },
  };
  const cli::CommandHelp help = {
    "- record WebRTC producers to files",
    "Records the audio and video of producers on a WebRTC signalling server\n"
    "(gst-webrtc-serve, gst-plugins-rs' gst-webrtc-signalling-server), or of every\n"
    "WHIP publisher (OBS, browsers, webrtcsend) with --whip-listen, without\n"
    "re-encoding. Files are named <UTC YYYYMMDD-HHMMSS>-<producer name or id>.<ext>\n"
    "and are finalized on Ctrl-C/SIGTERM, when the producer leaves (a WHIP\n"
    "publisher: DELETEs its resource), or when its media stops arriving.",
    EXIT_CODES_HELP,
    "Print events (started, stats, finished, error) as one JSON object per line on stdout",
    "Show the status line even when stderr is not a terminal",
  };
  if (!cli::parse_command_line (help, std::move (entries), argc, argv, opts, error))
    return false;
  if (opts->version)
    return true;
  if (auth_token && !whip_listen) {
    *error = "--auth-token goes with --whip-listen (the signalling server's token goes in "
             "--token)";
    return false;
  }
  if ((whip_cert || whip_key || whip_self_signed || max_recordings != -1) && !whip_listen) {
    *error = "--whip-cert, --whip-key, --whip-self-signed and --max-recordings go with "
             "--whip-listen";
    return false;
  }
  if ((whip_cert == nullptr) != (whip_key == nullptr) || (whip_cert && whip_self_signed)) {
    *error = "https for --whip-listen needs --whip-cert and --whip-key together, or "
             "--whip-self-signed alone";
    return false;
  }
  if (max_recordings == 0 || max_recordings < -1) {
    *error = "--max-recordings must be at least 1";
    return false;
  }
  if ((token || ca_file || insecure) && whip_listen) {
    *error = "--token, --ca-file and --insecure are for a signalling server (--server); with "
             "--whip-listen, publishers' token is --auth-token";
    return false;
  }
  if (token && !*token) {
    *error = "--token needs a token";
    return false;
  }
  if (ca_file && !*ca_file) {
    *error = "--ca-file needs a PEM file";
    return false;
  }
  if (ca_file && insecure) {
    *error = "--ca-file and --insecure exclude each other: trust a certificate, or none";
    return false;
  }
  opts->token = token ? token : "";
  opts->ca_file = ca_file ? ca_file : "";
  opts->insecure = insecure;
  if (whip_listen) {
    if (server) {
      *error = "--server and --whip-listen exclude each other: record from a signalling server, "
               "or be a WHIP endpoint";
      return false;
    }
    if (producer || all) {
      *error = "--producer and --all are for --server; --whip-listen records every publisher";
      return false;
    }
    if (!parse_whip_listen (whip_listen, &opts->whip_listen, error))
      return false;
    if (auth_token && !*auth_token) {
      *error = "--auth-token needs a token";
      return false;
    }
    opts->whip = true;
    opts->auth_token = auth_token ? auth_token : "";
    opts->whip_cert = whip_cert ? whip_cert : "";
    opts->whip_key = whip_key ? whip_key : "";
    opts->whip_self_signed = whip_self_signed;
    if (max_recordings > 0)
      opts->max_recordings = (unsigned) max_recordings;
  }
  if (!server && !whip_listen) {
    *error = "--server or --whip-listen is required (e.g. --server ws://127.0.0.1:8443/, or "
             "--whip-listen 127.0.0.1:8080/whip)";
    return false;
  }
  if (server) {
    if (!parse_server (server, opts, error))
      return false;
  }
  if (producer && all) {
    *error = "--producer and --all exclude each other";
    return false;
  }
  if (producer && !*producer) {
    *error = "--producer needs an id";
    return false;
  }
  if (producer)
    opts->producer = producer;
  opts->all = all;
  if (output) {
    if (!*output) {
      *error = "--output needs a folder";
      return false;
    }
    opts->output_dir = output;
  }
  if (format && !parse_format (format, &opts->format)) {
    *error = std::string ("unknown --format '") + format + "' (use mkv, webm or mp4)";
    return false;
  }
  if (segment < 0 || segment > 24 * 3600) {
    *error = "--segment must be between 1 and 86400 seconds";
    return false;
  }
  opts->segment_s = (unsigned) segment;
  if (latency < 0 || latency > 10000) {
    *error = "--latency must be between 0 and 10000 ms";
    return false;
  }
  opts->latency_ms = (unsigned) latency;
  if (peer_timeout < 1 || peer_timeout > 3600) {
    *error = "--peer-timeout must be between 1 and 3600 seconds";
    return false;
  }
  opts->peer_timeout_s = (unsigned) peer_timeout;
  opts->transcode = transcode;
  return true;
}

} // namespace gstsig::record
