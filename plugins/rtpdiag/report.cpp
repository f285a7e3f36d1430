/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "report.h"

#include <json-glib/json-glib.h>

namespace gstsig::rtpdiag {

namespace {

GstStructure *
stream_to_structure (const StreamFigures &f)
{
  GstStructure *s = gst_structure_new ("rtpdiag-stream",
      "ssrc", G_TYPE_UINT, f.ssrc,
      "payload-type", G_TYPE_INT, f.payload_type,
      "encoding-name", G_TYPE_STRING, f.encoding_name.c_str (),
      "clock-rate", G_TYPE_UINT, f.clock_rate,
      "packets", G_TYPE_UINT64, f.packets,
      "bytes", G_TYPE_UINT64, f.bytes,
      "bitrate", G_TYPE_DOUBLE, f.bitrate,
      "packets-expected", G_TYPE_INT64, f.expected,
      "packets-lost", G_TYPE_INT64, f.lost,
      "loss-percent", G_TYPE_DOUBLE, f.loss_percent,
      "duplicates", G_TYPE_UINT64, f.duplicates,
      "reordered", G_TYPE_UINT64, f.reordered,
      "seq-restarts", G_TYPE_UINT64, f.seq_restarts,
      "jitter", G_TYPE_UINT, f.jitter,
      "jitter-ms", G_TYPE_DOUBLE, f.jitter_ms,
      "jitter-max-ms", G_TYPE_DOUBLE, f.jitter_max_ms,
      "jitter-mean-ms", G_TYPE_DOUBLE, f.jitter_mean_ms,
      "frames", G_TYPE_UINT64, f.frames,
      "framerate", G_TYPE_DOUBLE, f.framerate,
      "frame-size-avg", G_TYPE_UINT64, f.frame_size_avg,
      "frame-size-max", G_TYPE_UINT64, f.frame_size_max,
      "keyframes", G_TYPE_UINT64, f.keyframes,
      "keyframe-interval", G_TYPE_DOUBLE, f.keyframe_interval,
      "pt-changes", G_TYPE_UINT64, f.pt_changes,
      "gaps", G_TYPE_UINT64, f.gaps,
      "max-gap-ms", G_TYPE_DOUBLE, f.max_gap_ms,
      "duration", G_TYPE_DOUBLE, f.duration,
      nullptr);
  if (f.have_sender_report) {
    gst_structure_set (s,
        "sr-packets", G_TYPE_UINT, f.sender_report.packets,
        "sr-octets", G_TYPE_UINT, f.sender_report.octets,
        nullptr);
  }
  if (f.have_receiver_report) {
    const auto &rr = f.receiver_report;
    gst_structure_set (s,
        "rr-fraction-lost", G_TYPE_DOUBLE, rr.fraction_lost / 256.0,
        "rr-packets-lost", G_TYPE_INT, rr.packets_lost,
        "rr-jitter", G_TYPE_UINT, rr.jitter,
        nullptr);
    if (f.clock_rate)
      gst_structure_set (s, "rr-jitter-ms", G_TYPE_DOUBLE, rr.jitter * 1000.0 / f.clock_rate,
          nullptr);
  }
  return s;
}

void append_value (std::string &out, const GValue *value);

std::string
format_double (double d)
{
  gchar buf[G_ASCII_DTOSTR_BUF_SIZE];
  std::string text = g_ascii_formatd (buf, sizeof (buf), "%.6f", d);
  const auto dot = text.find ('.');
  if (dot != std::string::npos) {
    text.erase (text.find_last_not_of ('0') + 1);
    if (text.back () == '.')
      text.pop_back ();
  }
  if (text == "-0")
    text = "0";
  return text;
}

void
append_string (std::string &out, const char *s)
{
  g_autoptr (JsonNode) node = json_node_new (JSON_NODE_VALUE);
  json_node_set_string (node, s ? s : "");
  g_autofree gchar *text = json_to_string (node, FALSE);
  out += text;
}

void
append_structure (std::string &out, const GstStructure *structure)
{
  out += '{';
  const int n = gst_structure_n_fields (structure);
  for (int i = 0; i < n; i++) {
    const char *name = gst_structure_nth_field_name (structure, i);
    if (i)
      out += ',';
    append_string (out, name);
    out += ':';
    append_value (out, gst_structure_get_value (structure, name));
  }
  out += '}';
}

void
append_value (std::string &out, const GValue *value)
{
  const GType type = G_VALUE_TYPE (value);
  if (type == G_TYPE_INT)
    out += std::to_string (g_value_get_int (value));
  else if (type == G_TYPE_UINT)
    out += std::to_string (g_value_get_uint (value));
  else if (type == G_TYPE_INT64)
    out += std::to_string (g_value_get_int64 (value));
  else if (type == G_TYPE_UINT64)
    out += std::to_string (g_value_get_uint64 (value));
  else if (type == G_TYPE_DOUBLE)
    out += format_double (g_value_get_double (value));
  else if (type == G_TYPE_BOOLEAN)
    out += g_value_get_boolean (value) ? "true" : "false";
  else if (type == G_TYPE_STRING)
    append_string (out, g_value_get_string (value));
  else if (type == GST_TYPE_STRUCTURE)
    append_structure (out, gst_value_get_structure (value));
  else if (type == GST_TYPE_ARRAY || type == GST_TYPE_LIST) {
    const bool array = type == GST_TYPE_ARRAY;
    const guint n = array ? gst_value_array_get_size (value) : gst_value_list_get_size (value);
    out += '[';
    for (guint i = 0; i < n; i++) {
      if (i)
        out += ',';
      append_value (out, array ? gst_value_array_get_value (value, i)
                               : gst_value_list_get_value (value, i));
    }
    out += ']';
  } else {
    g_autofree gchar *text = gst_value_serialize (value);
    append_string (out, text);
  }
}

} // namespace

GstStructure *
report_to_structure (const Report &report)
{
  GValue streams = G_VALUE_INIT;
  gst_value_array_init (&streams, report.streams.size ());
  for (const auto &figures : report.streams) {
    GValue item = G_VALUE_INIT;
    g_value_init (&item, GST_TYPE_STRUCTURE);
    g_value_take_boxed (&item, stream_to_structure (figures));
    gst_value_array_append_and_take_value (&streams, &item);
  }
  GstStructure *s = gst_structure_new ("rtpdiag",
      "running-time", G_TYPE_UINT64, guint64 (report.running_time),
      "eos", G_TYPE_BOOLEAN, report.eos,
      "rtcp-packets", G_TYPE_UINT64, report.rtcp_packets,
      "invalid-packets", G_TYPE_UINT64, report.invalid_packets,
      nullptr);
  gst_structure_take_value (s, "streams", &streams);
  return s;
}

std::string
structure_to_json (const GstStructure *structure)
{
  std::string out;
  append_structure (out, structure);
  return out;
}

} // namespace gstsig::rtpdiag
