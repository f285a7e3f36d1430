/* gst-webrtc-send: messages, status line and JSON events.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "send-status.h"

#include <algorithm>

namespace gstsig::send {

std::string
format_elapsed (double seconds)
{
  return cli::format_hms (seconds > 0 ? (unsigned) seconds : 0);
}

Reporter::Reporter (bool json, bool quiet, bool status_line)
    : Console ("gst-webrtc-send", json, quiet, status_line)
{
}

void
Reporter::error (int code, const std::string &message)
{
  print_line (tool () + ": error: " + message);
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
  if (status.width > 0 && status.height > 0)
    e.integer ("width", status.width).integer ("height", status.height);
  JsonBuilder *b = e.builder ();
  json_builder_set_member_name (b, "estimates");
  json_builder_begin_array (b);
  for (guint estimate : status.estimates)
    json_builder_add_int_value (b, estimate);
  json_builder_end_array (b);
  json_builder_set_member_name (b, "fec");
  json_builder_begin_array (b);
  for (guint share : status.fec)
    json_builder_add_int_value (b, share);
  json_builder_end_array (b);
  emit (e);
  if (!status_line ())
    return;
  /* e.g. "links 1.9 Mbit/s, 640 kbit/s | 960x540": what each viewer may be
   * sent, and the size the encoder works at. */
  std::string links;
  for (guint estimate : status.estimates)
    links += (links.empty () ? " | links " : ", ") + cli::format_rate (estimate);
  guint most_fec = 0;
  for (guint share : status.fec)
    most_fec = std::max (most_fec, share);
  if (most_fec)
    links += " | FEC up to " + std::to_string (most_fec) + " %";
  std::string size = status.width > 0 && status.height > 0
      ? " | " + std::to_string (status.width) + "x" + std::to_string (status.height) : "";
  show_status (status.state + " | " + std::to_string (status.viewers) +
      (status.viewers == 1 ? " viewer" : " viewers") + " | " + cli::format_rate (status.bitrate) +
      links + size + " | " + format_elapsed (status.elapsed));
}

} // namespace gstsig::send
