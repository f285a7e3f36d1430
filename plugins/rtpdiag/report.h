/* gst-webrtcsignal: rtpdiag's figures as a GstStructure (the `rtpdiag`
 * element message and the `stats` property) and as a line of JSON.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "rtp-stats.h"

#include <gst/gst.h>

#include <string>
#include <vector>

namespace gstsig::rtpdiag {

struct Report {
  GstClockTime running_time = GST_CLOCK_TIME_NONE; /* arrival of the newest packet */
  bool eos = false;
  uint64_t rtcp_packets = 0;
  uint64_t invalid_packets = 0;
  std::vector<StreamFigures> streams;
};

/* A structure named "rtpdiag" with a "streams" array of "rtpdiag-stream"
 * structures, one per SSRC (transfer full). Field names and units are listed
 * in the element documentation (gstrtpdiag.cpp). */
GstStructure *report_to_structure (const Report &report);

/* The same fields as one JSON object on one line (no trailing newline). */
std::string structure_to_json (const GstStructure *structure);

} // namespace gstsig::rtpdiag
