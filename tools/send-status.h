/* gst-webrtc-send: what people and scripts see. Messages and the live
 * status line on stderr; with --json, one event object per line on stdout.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

#include <string>

namespace gstsig::send {

/* One JSON event being written: Event e ("serving"); e.str ("url", u). */
class Event {
public:
  explicit Event (const char *name);
  ~Event ();
  Event &str (const char *key, const std::string &value);
  Event &num (const char *key, double value);
  Event &integer (const char *key, gint64 value);
  Event &boolean (const char *key, bool value);
  std::string line ();

private:
  JsonBuilder *builder_;
};

struct Status {
  std::string state;   /* starting, waiting, streaming, ending, stopping */
  unsigned viewers = 0;
  double bitrate = 0;  /* bit/s sent to all viewers, as webrtcsend measures it */
  guint64 bytes = 0;   /* sent to the viewers connected now */
  double elapsed = 0;  /* s since start */
};

class Reporter {
public:
  Reporter (bool json, bool quiet, bool status_line);

  void emit (Event &event);
  /* A message for people (stderr), unless quiet. */
  void note (const std::string &message);
  /* Always on stderr; an "error" event with --json. */
  void error (int code, const std::string &message);
  /* Once a second: the status line and a "status" event. */
  void tick (const Status &status);
  void clear_line ();

private:
  void print_line (const std::string &text);

  bool json_;
  bool quiet_;
  bool status_line_;
  bool tty_;
  bool line_shown_ = false;
};

std::string format_rate (double bits_per_s);
std::string format_elapsed (double seconds);

} // namespace gstsig::send
