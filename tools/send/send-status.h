/* gst-webrtc-send: what people and scripts see. Messages and the live
 * status line on stderr; with --json, one event object per line on stdout
 * (cli-console.h).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "cli-console.h"

#include <string>
#include <vector>

namespace gstsig::send {

using cli::Event;

struct Status {
  std::string state;   /* starting, waiting, streaming, ending, stopping */
  unsigned viewers = 0;
  double bitrate = 0;  /* bit/s sent to all viewers, as webrtcsend measures it */
  guint64 bytes = 0;   /* sent to the viewers connected now */
  double elapsed = 0;  /* s since start */
  /* Congestion control: each viewer's estimate (bit/s), and the video's
   * picture size now (0: unknown). */
  std::vector<guint> estimates;
  int width = 0, height = 0;
  /* The FEC share (FEC packets per 100 of video) of each viewer that
   * negotiated FEC, in the order of their sessions. */
  std::vector<guint> fec;
};

/* emit (), note () and clear_line () come from cli::Console. */
class Reporter : public cli::Console {
public:
  Reporter (bool json, bool quiet, bool status_line);

  /* Always on stderr; an "error" event with --json. */
  void error (int code, const std::string &message);
  /* Once a second: the status line and a "status" event. */
  void tick (const Status &status);
};

std::string format_elapsed (double seconds);

} // namespace gstsig::send
