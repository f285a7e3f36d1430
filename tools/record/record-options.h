/* gst-webrtc-record: command-line options, output formats and exit codes.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "cli-options.h"

#include <string>

namespace gstsig::record {

/* Exit codes, also listed in --help and docs/gst-webrtc-record.md. */
enum ExitCode {
  EXIT_OK = 0,
  EXIT_BAD_OPTIONS = 1,
  EXIT_OUTPUT_NOT_WRITABLE = 2,
  EXIT_SERVER_UNREACHABLE = 3, /* or --whip-listen cannot listen there */
  EXIT_PRODUCER_NOT_FOUND = 4, /* unknown id, or it left before sending media */
  EXIT_WRITE_ERROR = 5,        /* disk full or another write error */
  EXIT_NO_RECORDABLE_CODEC = 6,
  EXIT_OTHER_ERROR = 7,        /* e.g. a missing GStreamer plugin */
};

/* The text of the exit code table, for --help. */
extern const char *const EXIT_CODES_HELP;

enum class Format { Mkv, Webm, Mp4 };

struct FormatInfo {
  Format format;
  const char *name;      /* as given to --format */
  const char *extension; /* without the dot */
  const char *muxer;     /* element factory */
  const char *video_codecs; /* webrtcrecv video-codecs: what the muxer takes first */
};

const FormatInfo &format_info (Format format);

/* --whip-listen ADDR:PORT/PATH */
struct WhipListen {
  std::string host; /* an IP address */
  unsigned port = 0;
  std::string path = "/whip"; /* starts with '/', no trailing '/' */
};

/* Parses ADDR:PORT[/PATH] (an http:// in front is allowed); false with
 * *error, a sentence naming what to fix. */
bool parse_whip_listen (const std::string &text, WhipListen *out, std::string *error);

/* json, quiet, status and version come from cli::CommonOptions. */
struct Options : cli::CommonOptions {
  std::string server;   /* ws://HOST:PORT/; empty with --whip-listen */
  bool whip = false;    /* --whip-listen: be a WHIP endpoint, record every publisher */
  WhipListen whip_listen;
  std::string auth_token; /* --auth-token: the bearer token WHIP publishers must send */
  std::string whip_cert, whip_key; /* --whip-cert/--whip-key: https for --whip-listen */
  bool whip_self_signed = false;   /* --whip-self-signed */
  unsigned max_recordings = 16;    /* --max-recordings: WHIP publishers at once */
  std::string token;      /* --token: ours for the signalling server (Bearer) */
  std::string ca_file;    /* --ca-file: trust this PEM instead of the system's CAs (wss://) */
  bool insecure = false;  /* --insecure: accept any certificate (wss://) */
  std::string producer; /* empty: the first producer, or all with --all */
  bool all = false;
  std::string output_dir = ".";
  Format format = Format::Mkv;
  unsigned segment_s = 0; /* 0: one file per recording */
  bool transcode = false;
  unsigned latency_ms = 300;
  unsigned peer_timeout_s = 5;
};

/* Parses argv into *opts; on bad input returns false with *error set. */
bool parse_options (int *argc, char ***argv, Options *opts, std::string *error);

} // namespace gstsig::record
