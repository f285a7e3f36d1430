/* gst-webrtc-record: messages, status line and JSON events.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "record-status.h"

#include "json-limits.h"

namespace gstsig::record {

using cli::Event;

namespace {

double
seconds (GstClockTime t)
{
  return GST_CLOCK_TIME_IS_VALID (t) ? (double) t / GST_SECOND : 0.0;
}

/* Adds "meta" as a JSON value (an object or null). */
void
add_meta (Event &event, const std::string &meta_json)
{
  json_builder_set_member_name (event.builder (), "meta");
  JsonNode *node = json_within_limits (meta_json) ? json_from_string (meta_json.c_str (), nullptr)
                                                  : nullptr;
  if (!node)
    node = json_node_new (JSON_NODE_NULL);
  json_builder_add_value (event.builder (), node);
}

std::string
main_file (const Recording &recording)
{
  return recording.files ().empty () ? recording.config ().location : recording.files ().front ();
}

} // namespace

std::string
format_duration (GstClockTime duration)
{
  return cli::format_hms (GST_CLOCK_TIME_IS_VALID (duration) ? duration / GST_SECOND : 0);
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
    : Console ("gst-webrtc-record", json, quiet, status_line)
{
}

void
Reporter::listening (const std::string &protocol, const std::string &url, bool any,
    const std::string &fingerprint)
{
  note (protocol + " endpoint on " + url + (any ? " (and every address of this machine)" : "")
      + (fingerprint.empty () ? "" : "; certificate SHA-256 " + fingerprint));
  Event e ("listening");
  e.str ("protocol", protocol).str ("url", url);
  if (!fingerprint.empty ())
    e.str ("fingerprint", fingerprint);
  emit (e);
}

void
Reporter::started (const Recording &recording)
{
  const auto &config = recording.config ();
  note ("recording " + config.label + " (" + config.producer_id + ") to " + main_file (recording));
  Event e ("started");
  e.str ("producer", config.producer_id);
  add_meta (e, config.meta_json);
  e.str ("file", main_file (recording));
  emit (e);
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
  Event e ("finished");
  e.str ("producer", config.producer_id).str ("file", result.files.front ());
  JsonBuilder *b = e.builder ();
  json_builder_set_member_name (b, "files");
  json_builder_begin_array (b);
  for (const auto &f : result.files)
    json_builder_add_string_value (b, f.c_str ());
  json_builder_end_array (b);
  e.integer ("bytes", (gint64) result.bytes).num ("duration", seconds (result.duration));
  emit (e);
}

void
Reporter::error (int code, const std::string &message, const std::string &producer,
    const std::string &label)
{
  clear_line ();
  g_printerr ("%s: error: %s%s\n", tool ().c_str (), label.empty () ? "" : (label + ": ").c_str (),
      message.c_str ());
  Event e ("error");
  e.integer ("code", code).str ("message", message);
  if (!producer.empty ())
    e.str ("producer", producer);
  emit (e);
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

  if (json () && !active.empty ()) {
    Event e ("stats");
    JsonBuilder *b = e.builder ();
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
    emit (e);
  }

  if (!status_line ())
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
          format_bytes (rate.bytes) + " " + cli::format_rate (rate.bits_per_s);
    }
  }
  show_status (line);
}

} // namespace gstsig::record
