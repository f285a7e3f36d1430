/* What the command-line tools (gst-webrtc-send, gst-webrtc-record) parse
 * alike: the output options every tool has and the option context around
 * the tool's own entries. main () itself: cli-main.h.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

#include <string>
#include <vector>

namespace gstsig::cli {

/* --json, --quiet, --status and --version: the base of each tool's Options. */
struct CommonOptions {
  bool json = false;
  bool quiet = false;
  bool status = false; /* the status line even when stderr is not a terminal */
  bool version = false;
};

/* The tool's texts for --help. */
struct CommandHelp {
  const char *parameter;   /* after the program name in the usage line */
  const char *summary;
  const char *description; /* e.g. the exit code table */
  const char *json;        /* the blurb of --json (it names the events) */
  const char *status;      /* the blurb of --status */
};

/* Parses argv with the tool's entries (no terminator) followed by --json,
 * --quiet, --status and --version, into the tool's variables and *common.
 * False with *error on bad input or a leftover argument; true at once with
 * --version, before any other check. */
bool parse_command_line (const CommandHelp &help, std::vector<GOptionEntry> entries, int *argc,
    char ***argv, CommonOptions *common, std::string *error);

} // namespace gstsig::cli
