/* rtpdiag-summary: prints one row per RTP stream (SSRC) of a pcap file, as
 * measured by the rtpdiag element:
 *
 *   rtpdiag-summary [--caps CAPS] [--pt-map MAP] [--port PORT] capture.pcap
 *
 * It runs filesrc ! pcapparse ! [CAPS] ! rtpdiag interval=0 ! fakesink and
 * formats the report rtpdiag posts at EOS.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gst/gst.h>

#include <cstdio>
#include <string>

namespace {

gchar *opt_caps = nullptr;
gchar *opt_pt_map = nullptr;
gchar *opt_json = nullptr;
gint opt_port = -1;

GOptionEntry entries[] = {
  { "caps", 'c', 0, G_OPTION_ARG_STRING, &opt_caps,
      "Caps of the RTP packets, e.g. application/x-rtp,clock-rate=90000,encoding-name=VP8,"
      "payload=96", "CAPS" },
  { "pt-map", 'm', 0, G_OPTION_ARG_STRING, &opt_pt_map,
      "Payload types as PT:NAME/RATE,..., e.g. 96:VP8/90000,111:OPUS/48000", "MAP" },
  { "port", 'p', 0, G_OPTION_ARG_INT, &opt_port, "Only UDP packets to this port", "PORT" },
  { "json", 'j', 0, G_OPTION_ARG_FILENAME, &opt_json,
      "Also append the report as a JSON line to FILE", "FILE" },
  { nullptr },
};

std::string
quote (const char *s)
{
  g_autofree gchar *escaped = g_strescape (s, nullptr);
  return std::string ("\"") + escaped + "\"";
}

guint64
get_u64 (const GstStructure *s, const char *field)
{
  guint64 v = 0;
  gst_structure_get_uint64 (s, field, &v);
  return v;
}

gdouble
get_double (const GstStructure *s, const char *field)
{
  gdouble v = 0;
  gst_structure_get_double (s, field, &v);
  return v;
}

void
print_table (const GstStructure *report)
{
  const GValue *streams = gst_structure_get_value (report, "streams");
  const guint n = streams ? gst_value_array_get_size (streams) : 0;
  g_print ("%-10s %4s %-6s %9s %7s %7s %10s %10s %12s %7s %9s\n", "SSRC", "PT", "codec",
      "packets", "lost", "loss%", "jitter-ms", "jitmax-ms", "kbit/s(avg)", "fps", "keyframes");
  for (guint i = 0; i < n; i++) {
    const GstStructure *s = gst_value_get_structure (gst_value_array_get_value (streams, i));
    guint ssrc = 0;
    gint pt = -1;
    gint64 lost = 0;
    gst_structure_get_uint (s, "ssrc", &ssrc);
    gst_structure_get_int (s, "payload-type", &pt);
    gst_structure_get_int64 (s, "packets-lost", &lost);
    const char *codec = gst_structure_get_string (s, "encoding-name");
    const double duration = get_double (s, "duration");
    const guint64 frames = get_u64 (s, "frames");
    const double kbps = duration > 0 ? get_u64 (s, "bytes") * 8.0 / duration / 1000.0 : 0.0;
    const double fps = duration > 0 && frames > 1 ? (frames - 1) / duration : 0.0;
    g_print ("0x%08x %4d %-6s %9" G_GUINT64_FORMAT " %7" G_GINT64_FORMAT " %7.2f %10.3f %10.3f "
             "%12.1f %7.2f %9" G_GUINT64_FORMAT "\n",
        ssrc, pt, codec && *codec ? codec : "?", get_u64 (s, "packets"), lost,
        get_double (s, "loss-percent"), get_double (s, "jitter-ms"),
        get_double (s, "jitter-max-ms"), kbps, fps, get_u64 (s, "keyframes"));
  }
}

} // namespace

int
main (int argc, char **argv)
{
  g_autoptr (GOptionContext) context = g_option_context_new ("CAPTURE.pcap");
  g_option_context_set_summary (context,
      "Prints per RTP stream (SSRC) of a capture: packets, loss, RFC 3550 jitter, average "
      "bitrate, frame rate and keyframes, as measured by the rtpdiag element.");
  g_option_context_add_main_entries (context, entries, nullptr);
  g_option_context_add_group (context, gst_init_get_option_group ());
  GError *error = nullptr;
  if (!g_option_context_parse (context, &argc, &argv, &error) || argc != 2) {
    g_printerr ("%s\n", error ? error->message : "Give one pcap file (see --help).");
    g_clear_error (&error);
    return 2;
  }

  std::string description = "filesrc location=" + quote (argv[1]) + " ! pcapparse";
  if (opt_port >= 0)
    description += " dst-port=" + std::to_string (opt_port);
  if (opt_caps)
    description += " ! capsfilter caps=" + quote (opt_caps);
  description += " ! rtpdiag name=diag interval=0";
  if (opt_pt_map)
    description += " pt-map=" + quote (opt_pt_map);
  if (opt_json)
    description += " location=" + quote (opt_json);
  description += " ! fakesink sync=false";

  GstElement *pipeline = gst_parse_launch (description.c_str (), &error);
  if (!pipeline) {
    g_printerr ("Could not build the pipeline (is the rtpdiag plugin installed or in "
                "GST_PLUGIN_PATH?): %s\n", error->message);
    g_clear_error (&error);
    return 1;
  }
  g_clear_error (&error); /* a recoverable warning */

  int status = 1;
  GstStructure *report = nullptr;
  GstBus *bus = gst_element_get_bus (pipeline);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  for (bool done = false; !done;) {
    GstMessage *msg = gst_bus_timed_pop (bus, GST_CLOCK_TIME_NONE);
    switch (GST_MESSAGE_TYPE (msg)) {
      case GST_MESSAGE_ELEMENT: {
        const GstStructure *s = gst_message_get_structure (msg);
        if (gst_structure_has_name (s, "rtpdiag")) {
          if (report)
            gst_structure_free (report);
          report = gst_structure_copy (s);
        }
        break;
      }
      case GST_MESSAGE_EOS:
        status = 0;
        done = true;
        break;
      case GST_MESSAGE_ERROR: {
        g_autofree gchar *debug = nullptr;
        gst_message_parse_error (msg, &error, &debug);
        g_printerr ("Error: %s\n%s\n", error->message, debug ? debug : "");
        g_clear_error (&error);
        done = true;
        break;
      }
      default:
        break;
    }
    gst_message_unref (msg);
  }
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (pipeline);

  if (status == 0 && report)
    print_table (report);
  if (report)
    gst_structure_free (report);
  g_free (opt_caps);
  g_free (opt_pt_map);
  g_free (opt_json);
  gst_deinit ();
  return status;
}
