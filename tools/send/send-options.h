/* gst-webrtc-send: command-line options and exit codes.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "cli-options.h"

#include <string>
#include <vector>

namespace gstsig::send {

/* Exit codes, also listed in --help and docs/gst-webrtc-send.md. */
enum ExitCode {
  EXIT_OK = 0,
  EXIT_BAD_OPTIONS = 1,
  EXIT_NO_CAMERA = 2,
  EXIT_CAMERA_BUSY = 3,
  EXIT_NO_DISPLAY = 4,
  EXIT_FILE_UNREADABLE = 5, /* missing, unreadable, or not a media file */
  EXIT_NO_VIDEO = 6,        /* the file has no video stream */
  EXIT_UNSUPPORTED_CODEC = 7,
  EXIT_SERVER_UNREACHABLE = 8,
  EXIT_PORT_IN_USE = 9,
  EXIT_OTHER_ERROR = 10,    /* e.g. a missing GStreamer plugin */
};

extern const char *const EXIT_CODES_HELP;

enum class SourceKind { None, Test, Camera, Screen, File };

struct Region {
  int x = 0, y = 0, width = 0, height = 0; /* width 0: the whole screen */
};

/* json, quiet, status and version come from cli::CommonOptions. */
struct Options : cli::CommonOptions {
  SourceKind source = SourceKind::None;
  std::string camera_device; /* empty: the first camera */
  std::string file;
  bool loop = false;
  bool reencode = false;
  Region region;
  bool cursor = true;

  std::string to;          /* empty: the embedded server */
  std::string token;       /* --token: with --to, the server's bearer token (signaller
                              auth-token); without, the token the embedded server wants */
  std::string cert, key;   /* --cert/--key: the embedded server serves https */
  bool self_signed = false; /* --self-signed: the same with a certificate made at start */
  std::string ca_file;     /* --ca-file: the signaller's ca-file (wss://, https://) */
  bool insecure = false;   /* --insecure: the signaller's insecure-tls */
  std::string host = "127.0.0.1";
  int port = 8443;         /* 0: any free port */
  std::string name;        /* announced as meta name; empty: from the source */

  int width = 0, height = 0; /* 0: the source's own */
  int fps = 0;               /* 0: the source's own */
  unsigned bitrate_kbps = 0; /* 0: webrtcsend's default */
  std::string codec;         /* empty: webrtcsend's default list */
  bool audio = true;
  std::string stun;
  std::vector<std::string> turn;
};

/* Parses argv into *opts; on bad input returns false with *error set. */
bool parse_options (int *argc, char ***argv, Options *opts, std::string *error);

/* "vp8" -> true for the codecs --codec takes. */
bool known_codec (const std::string &codec);

} // namespace gstsig::send
