/* gst-webrtc-record: what the user and scripts see: messages and the live
 * status line on stderr, and JSON events (one object per line) on stdout
 * (cli-console.h).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "cli-console.h"
#include "record-pipeline.h"

#include <map>
#include <string>
#include <vector>

namespace gstsig::record {

/* note () and clear_line () come from cli::Console. */
class Reporter : public cli::Console {
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
  void listening (const std::string &protocol, const std::string &url, bool any,
      const std::string &fingerprint = "");
  /* The status line while nothing is recorded. */
  void set_waiting_text (const std::string &text) { waiting_text_ = text; }
  /* Once a second: the status line and a stats event. */
  void tick (const std::vector<const Recording *> &recordings, bool waiting);

private:
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
