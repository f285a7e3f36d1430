/* gst-webrtc-record: what the user and scripts see: messages and the live
 * status line on stderr, and JSON events (one object per line) on stdout.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "record-pipeline.h"

#include <map>
#include <string>
#include <vector>

namespace gstsig::record {

class Reporter {
public:
  /* status_line: refresh a status line on stderr every tick. */
  Reporter (bool json, bool quiet, bool status_line);

  void started (const Recording &recording);
  void finished (const Recording &recording, const RecordingResult &result);
  /* An error event; producer may be empty. Always printed on stderr. */
  void error (int code, const std::string &message, const std::string &producer = "",
      const std::string &label = "");
  /* Where we listen (--whip-listen): "PROTOCOL endpoint on URL" on stderr
   * unless quiet, and a "listening" event. any: on every address. */
  void listening (const std::string &protocol, const std::string &url, bool any);
  /* The status line while nothing is recorded. */
  void set_waiting_text (const std::string &text) { waiting_text_ = text; }
  /* A message for people (stderr), unless quiet. */
  void note (const std::string &message);
  /* Once a second: the status line and a stats event. */
  void tick (const std::vector<const Recording *> &recordings, bool waiting);
  /* Ends the status line (before exiting). */
  void clear_line ();

private:
  void emit_json (const std::string &line);
  void print_line (const std::string &text);

  bool json_;
  bool quiet_;
  bool status_line_;
  bool tty_;
  bool line_shown_ = false;
  std::string waiting_text_ = "waiting for a producer...";
  struct Rate {
    guint64 bytes = 0;
    gint64 time_us = 0;
    double bits_per_s = 0;
  };
  std::map<std::string, Rate> rates_; /* by producer id */
};

/* "00:01:23" */
std::string format_duration (GstClockTime duration);
/* "12.3 MB" */
std::string format_bytes (guint64 bytes);

} // namespace gstsig::record
