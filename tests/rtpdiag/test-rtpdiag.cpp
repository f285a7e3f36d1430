/* Element tests of rtpdiag in a GstHarness: buffers pass unchanged, the
 * `rtpdiag` message and the `stats` property carry the figures, JSON lines
 * are appended to `location`, RTCP is recognised, and a file that cannot
 * be opened is an error a user can act on.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <glib/gstdio.h>
#include <gst/check/gstharness.h>
#include <gst/gst.h>
#include <gtest/gtest.h>
#include <json-glib/json-glib.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace {

const char *kVp8Caps = "application/x-rtp,media=video,clock-rate=90000,encoding-name=VP8,payload=96";

GstBuffer *
rtp_buffer (uint16_t seq, uint32_t ts, bool marker, std::vector<uint8_t> payload,
    GstClockTime arrival, uint32_t ssrc = 0xcafe)
{
  const uint8_t header[12] = { 0x80, uint8_t ((marker ? 0x80 : 0) | 96), uint8_t (seq >> 8),
    uint8_t (seq), uint8_t (ts >> 24), uint8_t (ts >> 16), uint8_t (ts >> 8), uint8_t (ts),
    uint8_t (ssrc >> 24), uint8_t (ssrc >> 16), uint8_t (ssrc >> 8), uint8_t (ssrc) };
  std::vector<uint8_t> p (header, header + sizeof (header));
  for (uint8_t b : payload)
    p.push_back (b);
  GstBuffer *buffer = gst_buffer_new_memdup (p.data (), p.size ());
  GST_BUFFER_DTS (buffer) = arrival;
  return buffer;
}

/* A harness around rtpdiag with a bus to collect its messages. */
struct Diag {
  GstHarness *h;
  GstBus *bus;
  explicit Diag (const char *description)
  {
    h = gst_harness_new_parse (description);
    bus = gst_bus_new ();
    gst_element_set_bus (h->element, bus);
    gst_harness_set_src_caps_str (h, kVp8Caps);
  }
  ~Diag ()
  {
    gst_element_set_bus (h->element, nullptr);
    gst_object_unref (bus);
    gst_harness_teardown (h);
  }
  /* rtpdiag messages posted so far (transfer full). */
  std::vector<GstMessage *> messages ()
  {
    std::vector<GstMessage *> out;
    while (GstMessage *m = gst_bus_pop_filtered (bus, GST_MESSAGE_ELEMENT)) {
      if (gst_structure_has_name (gst_message_get_structure (m), "rtpdiag"))
        out.push_back (m);
      else
        gst_message_unref (m);
    }
    return out;
  }
};

/* 30 frames of VP8 at 30 fps, two packets each, 33.333 ms apart; frames 0
 * and 15 are keyframes; sequence numbers start at 65520 (so they wrap) and
 * those of packets 10 and 41 are dropped (2 lost). */
void
push_stream (GstHarness *h)
{
  for (int f = 0; f < 30; f++) {
    const uint32_t ts = 4294960000u + 3000u * f; /* wraps too */
    const GstClockTime t = f * GST_SECOND / 30;
    const uint8_t tag = f % 15 == 0 ? 0x00 : 0x01;
    for (int k = 0; k < 2; k++) {
      const int index = 2 * f + k;
      if (index == 10 || index == 41)
        continue;
      std::vector<uint8_t> payload = k == 0 ? std::vector<uint8_t> { 0x10, tag, 1, 2, 3, 4 }
                                            : std::vector<uint8_t> { 0x00, 5, 6, 7 };
      GstBuffer *in = rtp_buffer (uint16_t (65520 + index), ts, k == 1, payload,
          t + k * GST_MSECOND);
      ASSERT_EQ (gst_harness_push (h, in), GST_FLOW_OK);
      gst_buffer_unref (gst_harness_pull (h));
    }
  }
}

const GstStructure *
first_stream (const GstStructure *report)
{
  const GValue *streams = gst_structure_get_value (report, "streams");
  if (!streams || gst_value_array_get_size (streams) == 0)
    return nullptr;
  return gst_value_get_structure (gst_value_array_get_value (streams, 0));
}

std::string
temp_path (const char *name)
{
  g_autofree gchar *dir = g_dir_make_tmp ("rtpdiag-XXXXXX", nullptr);
  return std::string (dir) + "/" + name;
}

void
remove_path (const std::string &path)
{
  g_remove (path.c_str ());
  g_autofree gchar *dir = g_path_get_dirname (path.c_str ());
  g_rmdir (dir);
}

} // namespace

TEST (RtpDiag, PassesBuffersThroughUnchanged)
{
  Diag d ("rtpdiag");
  for (int i = 0; i < 5; i++) {
    GstBuffer *in = rtp_buffer (uint16_t (i), 3000 * i, true, { 0x10, 0x00, 9, 9 },
        i * 33 * GST_MSECOND);
    GST_BUFFER_PTS (in) = 1000 + i;
    GST_BUFFER_FLAG_SET (in, GST_BUFFER_FLAG_DISCONT);
    g_autofree guint8 *before = nullptr;
    gsize size = 0;
    gst_buffer_extract_dup (in, 0, G_MAXSIZE, (gpointer *) &before, &size);
    gst_buffer_ref (in);
    ASSERT_EQ (gst_harness_push (d.h, in), GST_FLOW_OK);
    GstBuffer *out = gst_harness_pull (d.h);
    EXPECT_EQ (out, in); /* the very same buffer: no copy, no delay */
    EXPECT_EQ (gst_buffer_memcmp (out, 0, before, size), 0);
    EXPECT_EQ (gst_buffer_get_size (out), size);
    EXPECT_EQ (GST_BUFFER_PTS (out), GstClockTime (1000 + i));
    EXPECT_EQ (GST_BUFFER_DTS (out), i * 33 * GST_MSECOND);
    EXPECT_TRUE (GST_BUFFER_FLAG_IS_SET (out, GST_BUFFER_FLAG_DISCONT));
    gst_buffer_unref (out);
    gst_buffer_unref (in);
  }
  EXPECT_EQ (gst_harness_buffers_in_queue (d.h), 0u);
}

TEST (RtpDiag, AcceptsRtcpCaps)
{
  GstHarness *h = gst_harness_new ("rtpdiag");
  gst_harness_set_src_caps_str (h, "application/x-rtcp");
  /* RR from 1 about 0xcafe: 3 lost, jitter 90 */
  std::vector<uint8_t> rr = { 0x81, 201, 0, 7, 0, 0, 0, 1, 0, 0, 0xca, 0xfe, 0, 0, 0, 3, 0, 0,
    0, 1, 0, 0, 0, 90, 0, 0, 0, 0, 0, 0, 0, 0 };
  ASSERT_EQ (gst_harness_push (h, gst_buffer_new_memdup (rr.data (), rr.size ())), GST_FLOW_OK);
  gst_buffer_unref (gst_harness_pull (h));
  GstStructure *stats = nullptr;
  g_object_get (h->element, "stats", &stats, nullptr);
  ASSERT_NE (stats, nullptr);
  guint64 rtcp = 0;
  EXPECT_TRUE (gst_structure_get_uint64 (stats, "rtcp-packets", &rtcp));
  EXPECT_EQ (rtcp, 1u);
  const GstStructure *s = first_stream (stats);
  ASSERT_NE (s, nullptr);
  gint lost = 0;
  guint jitter = 0;
  EXPECT_TRUE (gst_structure_get_int (s, "rr-packets-lost", &lost));
  EXPECT_TRUE (gst_structure_get_uint (s, "rr-jitter", &jitter));
  EXPECT_EQ (lost, 3);
  EXPECT_EQ (jitter, 90u);
  gst_structure_free (stats);
  gst_harness_teardown (h);
}

TEST (RtpDiag, PostsMessagesWithTheFigures)
{
  Diag d ("rtpdiag interval=250");
  push_stream (d.h);
  auto periodic = d.messages ();
  /* arrivals span 0..967 ms: reports at 250, 500 and 750 ms */
  EXPECT_EQ (periodic.size (), 3u);
  for (auto m : periodic) {
    gboolean eos = TRUE;
    EXPECT_TRUE (gst_structure_get_boolean (gst_message_get_structure (m), "eos", &eos));
    EXPECT_FALSE (eos);
    gst_message_unref (m);
  }

  ASSERT_TRUE (gst_harness_push_event (d.h, gst_event_new_eos ()));
  auto final_reports = d.messages ();
  ASSERT_EQ (final_reports.size (), 1u);
  const GstStructure *report = gst_message_get_structure (final_reports[0]);
  gboolean eos = FALSE;
  EXPECT_TRUE (gst_structure_get_boolean (report, "eos", &eos));
  EXPECT_TRUE (eos);
  guint64 running_time = 0;
  EXPECT_TRUE (gst_structure_get_uint64 (report, "running-time", &running_time));
  EXPECT_EQ (running_time, 29 * GST_SECOND / 30 + GST_MSECOND);

  const GstStructure *s = first_stream (report);
  ASSERT_NE (s, nullptr);
  guint ssrc = 0, clock_rate = 0;
  guint64 packets = 0, frames = 0, keyframes = 0, duplicates = 1, reordered = 1;
  gint64 lost = 0, expected = 0;
  gdouble jitter_ms = -1, keyframe_interval = 0, framerate = 0;
  EXPECT_TRUE (gst_structure_get_uint (s, "ssrc", &ssrc));
  EXPECT_EQ (ssrc, 0xcafeu);
  EXPECT_STREQ (gst_structure_get_string (s, "encoding-name"), "VP8");
  EXPECT_TRUE (gst_structure_get_uint (s, "clock-rate", &clock_rate));
  EXPECT_EQ (clock_rate, 90000u);
  EXPECT_TRUE (gst_structure_get_uint64 (s, "packets", &packets));
  EXPECT_EQ (packets, 58u);
  EXPECT_TRUE (gst_structure_get_int64 (s, "packets-expected", &expected));
  EXPECT_EQ (expected, 60);
  EXPECT_TRUE (gst_structure_get_int64 (s, "packets-lost", &lost));
  EXPECT_EQ (lost, 2);
  EXPECT_TRUE (gst_structure_get_uint64 (s, "duplicates", &duplicates));
  EXPECT_EQ (duplicates, 0u);
  EXPECT_TRUE (gst_structure_get_uint64 (s, "reordered", &reordered));
  EXPECT_EQ (reordered, 0u);
  EXPECT_TRUE (gst_structure_get_uint64 (s, "frames", &frames));
  EXPECT_EQ (frames, 30u);
  EXPECT_TRUE (gst_structure_get_uint64 (s, "keyframes", &keyframes));
  EXPECT_EQ (keyframes, 2u);
  EXPECT_TRUE (gst_structure_get_double (s, "keyframe-interval", &keyframe_interval));
  EXPECT_DOUBLE_EQ (keyframe_interval, 0.5);
  EXPECT_TRUE (gst_structure_get_double (s, "framerate", &framerate));
  EXPECT_NEAR (framerate, 30.0, 0.01);
  /* Frames arrive on time, their second packet 1 ms (90 ticks) after the
   * first: the jitter stays below 90 ticks, i.e. 1 ms. */
  EXPECT_TRUE (gst_structure_get_double (s, "jitter-ms", &jitter_ms));
  EXPECT_GT (jitter_ms, 0.0);
  EXPECT_LT (jitter_ms, 1.0);
  for (const char *field : { "bytes", "bitrate", "loss-percent", "jitter", "jitter-max-ms",
           "jitter-mean-ms", "frame-size-avg", "frame-size-max", "pt-changes", "gaps",
           "max-gap-ms", "duration", "seq-restarts", "payload-type" })
    EXPECT_TRUE (gst_structure_has_field (s, field)) << field;
  gst_message_unref (final_reports[0]);
}

TEST (RtpDiag, NoMessagesWhenToldNot)
{
  Diag d ("rtpdiag interval=100 post-messages=false");
  push_stream (d.h);
  ASSERT_TRUE (gst_harness_push_event (d.h, gst_event_new_eos ()));
  EXPECT_TRUE (d.messages ().empty ());
  GstStructure *stats = nullptr;
  GstElement *diag = gst_harness_find_element (d.h, "rtpdiag");
  g_object_get (diag, "stats", &stats, nullptr);
  gst_object_unref (diag);
  guint64 packets = 0;
  EXPECT_TRUE (gst_structure_get_uint64 (first_stream (stats), "packets", &packets));
  EXPECT_EQ (packets, 58u);
  gst_structure_free (stats);
}

TEST (RtpDiag, AppendsJsonLines)
{
  const std::string path = temp_path ("report.jsonl");
  for (int run = 0; run < 2; run++) {
    std::string description = "rtpdiag interval=500 location=\"" + path + "\"";
    Diag d (description.c_str ());
    push_stream (d.h);
    ASSERT_TRUE (gst_harness_push_event (d.h, gst_event_new_eos ()));
    for (auto m : d.messages ())
      gst_message_unref (m);
  }
  std::ifstream in (path);
  std::vector<std::string> lines;
  for (std::string line; std::getline (in, line);)
    lines.push_back (line);
  /* each run: one report at 500 ms and one at EOS; the second run appends */
  ASSERT_EQ (lines.size (), 4u);
  for (size_t i = 0; i < lines.size (); i++) {
    g_autoptr (JsonParser) parser = json_parser_new ();
    GError *error = nullptr;
    ASSERT_TRUE (json_parser_load_from_data (parser, lines[i].c_str (), -1, &error))
        << lines[i] << (error ? error->message : "");
    JsonObject *root = json_node_get_object (json_parser_get_root (parser));
    EXPECT_EQ (json_object_get_boolean_member (root, "eos"), i % 2 == 1);
    JsonArray *streams = json_object_get_array_member (root, "streams");
    ASSERT_EQ (json_array_get_length (streams), 1u);
    JsonObject *s = json_array_get_object_element (streams, 0);
    EXPECT_EQ (json_object_get_int_member (s, "ssrc"), 0xcafe);
    EXPECT_STREQ (json_object_get_string_member (s, "encoding-name"), "VP8");
    if (i % 2 == 1) {
      EXPECT_EQ (json_object_get_int_member (s, "packets"), 58);
      EXPECT_EQ (json_object_get_int_member (s, "packets-lost"), 2);
      EXPECT_EQ (json_object_get_int_member (s, "keyframes"), 2);
      EXPECT_NEAR (json_object_get_double_member (s, "framerate"), 30.0, 0.01);
    }
  }
  remove_path (path);
}

TEST (RtpDiag, UnwritableLocationIsAnError)
{
  GstElement *diag = gst_element_factory_make ("rtpdiag", nullptr);
  ASSERT_NE (diag, nullptr);
  GstBus *bus = gst_bus_new ();
  gst_element_set_bus (diag, bus);
  g_object_set (diag, "location", "/nonexistent-dir/rtpdiag.jsonl", nullptr);
  EXPECT_EQ (gst_element_set_state (diag, GST_STATE_PAUSED), GST_STATE_CHANGE_FAILURE);
  GstMessage *msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  ASSERT_NE (msg, nullptr);
  GError *error = nullptr;
  gst_message_parse_error (msg, &error, nullptr);
  EXPECT_TRUE (g_error_matches (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_WRITE));
  g_clear_error (&error);
  gst_message_unref (msg);
  gst_element_set_state (diag, GST_STATE_NULL);
  gst_element_set_bus (diag, nullptr);
  gst_object_unref (bus);
  gst_object_unref (diag);
}

TEST (RtpDiag, Documented)
{
  GstElementFactory *factory = gst_element_factory_find ("rtpdiag");
  ASSERT_NE (factory, nullptr);
  GstElement *diag = gst_element_factory_create (factory, nullptr);
  for (const char *name : { "interval", "location", "post-messages", "clock-rate", "pt-map",
           "arrival-time", "window", "gap-threshold", "stats" }) {
    GParamSpec *pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (diag), name);
    ASSERT_NE (pspec, nullptr) << name;
    if (g_strcmp0 (name, "stats") != 0) {
      EXPECT_NE (strstr (g_param_spec_get_blurb (pspec), "Default"), nullptr) << name;
    }
  }
  gst_object_unref (diag);
  gst_object_unref (factory);
}
