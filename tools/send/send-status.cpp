/* gst-webrtc-send: messages, status line and JSON events.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "send-status.h"

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
  emit (e);
  if (!status_line ())
    return;
  show_status (status.state + " | " + std::to_string (status.viewers) +
      (status.viewers == 1 ? " viewer" : " viewers") + " | " + cli::format_rate (status.bitrate) +
      " | " + format_elapsed (status.elapsed));
}

} // namespace gstsig::send
