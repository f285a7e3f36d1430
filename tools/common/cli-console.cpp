/* Messages, status line and JSON events of the command-line tools.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "cli-console.h"

#include <cstdio>
#include <unistd.h>

namespace gstsig::cli {

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
  return json_line (builder_);
}

std::string
json_line (JsonBuilder *builder)
{
  json_builder_end_object (builder);
  JsonNode *root = json_builder_get_root (builder);
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
format_hms (guint64 s)
{
  char buf[32];
  g_snprintf (buf, sizeof buf, "%02u:%02u:%02u", (unsigned) (s / 3600), (unsigned) (s / 60 % 60),
      (unsigned) (s % 60));
  return buf;
}

Console::Console (const char *tool, bool json, bool quiet, bool status_line)
    : tool_ (tool), json_ (json), quiet_ (quiet), status_line_ (status_line && !quiet),
      tty_ (isatty (2))
{
}

void
Console::emit (Event &event)
{
  std::string line = event.line ();
  if (!json_)
    return;
  fputs (line.c_str (), stdout);
  fputc ('\n', stdout);
  fflush (stdout);
}

void
Console::clear_line ()
{
  if (line_shown_ && tty_) {
    fputs ("\r\033[K", stderr);
    fflush (stderr);
  }
  line_shown_ = false;
}

void
Console::print_line (const std::string &text)
{
  clear_line ();
  fputs (text.c_str (), stderr);
  fputc ('\n', stderr);
  fflush (stderr);
}

void
Console::note (const std::string &message)
{
  if (!quiet_)
    print_line (tool_ + ": " + message);
}

void
Console::show_status (const std::string &line)
{
  if (tty_) {
    fputs (("\r\033[K" + line).c_str (), stderr);
    line_shown_ = true;
  } else {
    fputs ((line + "\n").c_str (), stderr);
  }
  fflush (stderr);
}

} // namespace gstsig::cli
