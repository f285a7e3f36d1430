/* What the command-line tools (gst-webrtc-send, gst-webrtc-record) show:
 * messages and a live status line on stderr, and with --json one event
 * object per line on stdout. Each tool's Reporter derives from Console and
 * adds its own events.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

#include <string>

namespace gstsig::cli {

/* One JSON event being written: Event e ("serving"); e.str ("url", u). */
class Event {
public:
  explicit Event (const char *name);
  ~Event ();
  Event (const Event &) = delete;
  Event &operator= (const Event &) = delete;

  Event &str (const char *key, const std::string &value);
  Event &num (const char *key, double value);
  Event &integer (const char *key, gint64 value);
  Event &boolean (const char *key, bool value);
  /* (transfer none) For members the helpers above do not cover (arrays,
   * nested objects): set the member name, then add the value. */
  JsonBuilder *builder () { return builder_; }
  /* Ends the object: the event as one line of JSON, without the newline. */
  std::string line ();

private:
  JsonBuilder *builder_;
};

class Console {
public:
  /* tool: the prefix of every message, e.g. "gst-webrtc-send".
   * status_line: show the status line (never when quiet). */
  Console (const char *tool, bool json, bool quiet, bool status_line);

  /* The event on stdout, with --json. */
  void emit (Event &event);
  /* A message for people (stderr), unless quiet. */
  void note (const std::string &message);
  /* Ends the status line (before a message, or before exiting). */
  void clear_line ();

protected:
  const std::string &tool () const { return tool_; }
  bool json () const { return json_; }
  bool status_line () const { return status_line_; }
  /* A line on stderr, below the status line. */
  void print_line (const std::string &text);
  /* Refreshes the status line: in place on a terminal, one line per call
   * otherwise. The caller checks status_line (). */
  void show_status (const std::string &line);

private:
  std::string tool_;
  bool json_;
  bool quiet_;
  bool status_line_;
  bool tty_;
  bool line_shown_ = false;
};

/* Ends the object being built (its outermost) and returns it as one line
 * of JSON. */
std::string json_line (JsonBuilder *builder);

/* "1.2 Mbit/s", "850 kbit/s" */
std::string format_rate (double bits_per_s);
/* "01:02:03" */
std::string format_hms (guint64 seconds);

} // namespace gstsig::cli
