/* gst-webrtc-record: messages, status line and JSON events.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "record-status.h"

#include <json-glib/json-glib.h>

#include <cstdio>
#include <unistd.h>

namespace gstsig::record {

namespace {

double
seconds (GstClockTime t)
{
  return GST_CLOCK_TIME_IS_VALID (t) ? (double) t / GST_SECOND : 0.0;
}

/* Adds "meta" as a JSON value (an object or null). */
void
add_meta (JsonBuilder *builder, const std::string &meta_json)
{
  json_builder_set_member_name (builder, "meta");
  JsonNode *node = json_from_string (meta_json.c_str (), nullptr);
  if (!node)
    node = json_node_new (JSON_NODE_NULL);
  json_builder_add_value (builder, node);
}

std::string
to_line (JsonBuilder *builder)
{
  JsonNode *root = json_builder_get_root (builder);
  g_autofree gchar *text = json_to_string (root, FALSE);
  json_node_unref (root);
  return text;
}

std::string
main_file (const Recording &recording)
{
  return recording.files ().empty () ? recording.config ().location : recording.files ().front ();
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

} // namespace

std::string
format_duration (GstClockTime duration)
{
  guint64 s = GST_CLOCK_TIME_IS_VALID (duration) ? duration / GST_SECOND : 0;
  char buf[32];
  g_snprintf (buf, sizeof buf, "%02u:%02u:%02u", (unsigned) (s / 3600), (unsigned) (s / 60 % 60),
      (unsigned) (s % 60));
  return buf;
}

std::string
format_bytes (guint64 bytes)
{
  char buf[32];
  if (bytes >= 1000 * 1000 * 1000)
    g_snprintf (buf, sizeof buf, "%.2f GB", bytes / 1e9);
  else if (bytes >= 1000 * 1000)
    g_snprintf (buf, sizeof buf, "%.1f MB", bytes / 1e6);
  else
    g_snprintf (buf, sizeof buf, "%.0f kB", bytes / 1e3);
  return buf;
}

Reporter::Reporter (bool json, bool quiet, bool status_line)
    : json_ (json), quiet_ (quiet), status_line_ (status_line && !quiet), tty_ (isatty (2))
{
}

void
Reporter::emit_json (const std::string &line)
{
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
    print_line ("gst-webrtc-record: " + message);
}

void
Reporter::listening (const std::string &protocol, const std::string &url, bool any)
{
  note (protocol + " endpoint on " + url + (any ? " (and every address of this machine)" : ""));
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "event");
  json_builder_add_string_value (b, "listening");
  json_builder_set_member_name (b, "protocol");
  json_builder_add_string_value (b, protocol.c_str ());
  json_builder_set_member_name (b, "url");
  json_builder_add_string_value (b, url.c_str ());
  json_builder_end_object (b);
  emit_json (to_line (b));
}

void
Reporter::started (const Recording &recording)
{
  const auto &config = recording.config ();
  note ("recording " + config.label + " (" + config.producer_id + ") to " + main_file (recording));
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "event");
  json_builder_add_string_value (b, "started");
  json_builder_set_member_name (b, "producer");
  json_builder_add_string_value (b, config.producer_id.c_str ());
  add_meta (b, config.meta_json);
  json_builder_set_member_name (b, "file");
  json_builder_add_string_value (b, main_file (recording).c_str ());
  json_builder_end_object (b);
  emit_json (to_line (b));
}

void
Reporter::finished (const Recording &recording, const RecordingResult &result)
{
  const auto &config = recording.config ();
  rates_.erase (config.producer_id);
  if (result.files.empty ()) {
    if (result.code != EXIT_OK)
      error (result.code, result.message + " (no file kept)", config.producer_id, config.label);
    else
      note (config.label + ": " + result.message + " (no file kept)");
    return;
  }
  std::string files;
  for (const auto &f : result.files)
    files += (files.empty () ? "" : ", ") + f;
  note ("finished " + files + ": " + format_bytes (result.bytes) + ", " +
      format_duration (result.duration) +
      (result.message.empty () ? "" : " (" + result.message + ")"));
  if (result.code != EXIT_OK)
    error (result.code, result.message, config.producer_id, config.label);
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "event");
  json_builder_add_string_value (b, "finished");
  json_builder_set_member_name (b, "producer");
  json_builder_add_string_value (b, config.producer_id.c_str ());
  json_builder_set_member_name (b, "file");
  json_builder_add_string_value (b, result.files.front ().c_str ());
  json_builder_set_member_name (b, "files");
  json_builder_begin_array (b);
  for (const auto &f : result.files)
    json_builder_add_string_value (b, f.c_str ());
  json_builder_end_array (b);
  json_builder_set_member_name (b, "bytes");
  json_builder_add_int_value (b, (gint64) result.bytes);
  json_builder_set_member_name (b, "duration");
  json_builder_add_double_value (b, seconds (result.duration));
  json_builder_end_object (b);
  emit_json (to_line (b));
}

void
Reporter::error (int code, const std::string &message, const std::string &producer,
    const std::string &label)
{
  clear_line ();
  g_printerr ("gst-webrtc-record: error: %s%s\n", label.empty () ? "" : (label + ": ").c_str (),
      message.c_str ());
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "event");
  json_builder_add_string_value (b, "error");
  json_builder_set_member_name (b, "code");
  json_builder_add_int_value (b, code);
  json_builder_set_member_name (b, "message");
  json_builder_add_string_value (b, message.c_str ());
  if (!producer.empty ()) {
    json_builder_set_member_name (b, "producer");
    json_builder_add_string_value (b, producer.c_str ());
  }
  json_builder_end_object (b);
  emit_json (to_line (b));
}

void
Reporter::tick (const std::vector<const Recording *> &recordings, bool waiting)
{
  gint64 now = g_get_monotonic_time ();
  std::vector<const Recording *> active;
  for (const Recording *r : recordings)
    if (r->media_started () && !r->finished ())
      active.push_back (r);

  for (const Recording *r : active) {
    Rate &rate = rates_[r->config ().producer_id];
    guint64 bytes = r->bytes ();
    if (rate.time_us && now > rate.time_us && bytes >= rate.bytes)
      rate.bits_per_s = (double) (bytes - rate.bytes) * 8 * G_USEC_PER_SEC / (now - rate.time_us);
    rate.bytes = bytes;
    rate.time_us = now;
  }

  if (json_ && !active.empty ()) {
    g_autoptr (JsonBuilder) b = json_builder_new ();
    json_builder_begin_object (b);
    json_builder_set_member_name (b, "event");
    json_builder_add_string_value (b, "stats");
    json_builder_set_member_name (b, "recordings");
    json_builder_begin_array (b);
    for (const Recording *r : active) {
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "producer");
      json_builder_add_string_value (b, r->config ().producer_id.c_str ());
      json_builder_set_member_name (b, "file");
      json_builder_add_string_value (b, main_file (*r).c_str ());
      json_builder_set_member_name (b, "bytes");
      json_builder_add_int_value (b, (gint64) rates_[r->config ().producer_id].bytes);
      json_builder_set_member_name (b, "duration");
      json_builder_add_double_value (b, seconds (r->duration ()));
      json_builder_set_member_name (b, "bitrate");
      json_builder_add_int_value (b, (gint64) rates_[r->config ().producer_id].bits_per_s);
      json_builder_end_object (b);
    }
    json_builder_end_array (b);
    json_builder_end_object (b);
    emit_json (to_line (b));
  }

  if (!status_line_)
    return;
  std::string line;
  if (active.empty ()) {
    line = waiting ? waiting_text_ : "recording 0 producers";
  } else {
    line = "recording " + std::to_string (active.size ()) +
        (active.size () == 1 ? " producer" : " producers");
    for (const Recording *r : active) {
      const Rate &rate = rates_[r->config ().producer_id];
      line += " | " + r->config ().label + " " + format_duration (r->duration ()) + " " +
          format_bytes (rate.bytes) + " " + format_rate (rate.bits_per_s);
    }
  }
  if (tty_) {
    fputs (("\r\033[K" + line).c_str (), stderr);
    line_shown_ = true;
  } else {
    fputs ((line + "\n").c_str (), stderr);
  }
  fflush (stderr);
}

} // namespace gstsig::record
