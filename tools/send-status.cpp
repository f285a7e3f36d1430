/* gst-webrtc-send: messages, status line and JSON events.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "send-status.h"

#include <cstdio>
#include <unistd.h>

namespace gstsig::send {

Event::Event (const char *name) : builder_ (json_builder_new ())
{
  json_builder_begin_object (builder_);
  str ("event", name);
}

Event::~Event ()
{
  g_object_unref (builder_);
}

Event &
Event::str (const char *key, const std::string &value)
{
  json_builder_set_member_name (builder_, key);
  json_builder_add_string_value (builder_, value.c_str ());
  return *this;
}

Event &
Event::num (const char *key, double value)
{
  json_builder_set_member_name (builder_, key);
  json_builder_add_double_value (builder_, value);
  return *this;
}

Event &
Event::integer (const char *key, gint64 value)
{
  json_builder_set_member_name (builder_, key);
  json_builder_add_int_value (builder_, value);
  return *this;
}

Event &
Event::boolean (const char *key, bool value)
{
  json_builder_set_member_name (builder_, key);
  json_builder_add_boolean_value (builder_, value);
  return *this;
}

std::string
Event::line ()
{
  json_builder_end_object (builder_);
  JsonNode *root = json_builder_get_root (builder_);
  g_autofree gchar *text = json_to_string (root, FALSE);
  json_node_unref (root);
  return text;
}

std::string
format_rate (double bits_per_s)
{
  char buf[32];
  if (bits_per_s >= 1e6)
    g_snprintf (buf, sizeof buf, "%.1f Mbit/s", bits_per_s / 1e6);
  else
    g_snprintf (buf, sizeof buf, "%.0f kbit/s", bits_per_s / 1e3);
  return buf;
}

std::string
format_elapsed (double seconds)
{
  unsigned s = seconds > 0 ? (unsigned) seconds : 0;
  char buf[32];
  g_snprintf (buf, sizeof buf, "%02u:%02u:%02u", s / 3600, s / 60 % 60, s % 60);
  return buf;
}

Reporter::Reporter (bool json, bool quiet, bool status_line)
    : json_ (json), quiet_ (quiet), status_line_ (status_line && !quiet), tty_ (isatty (2))
{
}

void
Reporter::emit (Event &event)
{
  std::string line = event.line ();
  if (!json_)
    return;
  fputs (line.c_str (), stdout);
  fputc ('\n', stdout);
  fflush (stdout);
}

void
Reporter::clear_line ()
{
  if (line_shown_ && tty_) {
    fputs ("\r\033[K", stderr);
    fflush (stderr);
  }
  line_shown_ = false;
}

void
Reporter::print_line (const std::string &text)
{
  clear_line ();
  fputs (text.c_str (), stderr);
  fputc ('\n', stderr);
  fflush (stderr);
}

void
Reporter::note (const std::string &message)
{
  if (!quiet_)
    print_line ("gst-webrtc-send: " + message);
}

void
Reporter::error (int code, const std::string &message)
{
  print_line ("gst-webrtc-send: error: " + message);
  Event e ("error");
  e.integer ("code", code).str ("message", message);
  emit (e);
}

void
Reporter::tick (const Status &status)
{
  Event e ("status");
  e.str ("state", status.state)
      .integer ("viewers", status.viewers)
      .integer ("bitrate", (gint64) status.bitrate)
      .integer ("bytes", (gint64) status.bytes)
      .num ("elapsed", status.elapsed);
  emit (e);
  if (!status_line_)
    return;
  std::string line = status.state + " | " + std::to_string (status.viewers) +
      (status.viewers == 1 ? " viewer" : " viewers") + " | " + format_rate (status.bitrate) +
      " | " + format_elapsed (status.elapsed);
  if (tty_) {
    fputs (("\r\033[K" + line).c_str (), stderr);
    line_shown_ = true;
  } else {
    fputs ((line + "\n").c_str (), stderr);
  }
  fflush (stderr);
}

} // namespace gstsig::send
