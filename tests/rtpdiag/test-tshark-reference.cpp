/* Reference test: the same capture analysed by tshark (-z rtp,streams) and
 * by rtpdiag must agree on packets and loss (exactly) and on jitter (within
 * the tolerances below).
 *
 * The capture is written here, deterministically: RTP packets made by
 * GStreamer's payloaders (H264 from x264enc ! rtph264pay, PCMU from
 * mulawenc ! rtppcmupay), sequence numbers and timestamps starting close to
 * their wrap-around, a known loss pattern (periodic drops plus a burst across
 * the sequence number wrap), and arrival times with a known delay pattern.
 *
 * tshark knows the clock rate of PCMU (static PT 0) and, with
 * -d rtp.pt==96,h264, of H264. Its max jitter leaves out packets with the
 * marker bit, whereas RFC 3550 (and rtpdiag) has no such exception:
 * - PCMU has a marker on its first packet only, so max and mean jitter must
 *   agree to 0.01 ms (tshark prints three decimals).
 * - H264 has one on the last packet of each frame; the delay pattern is per
 *   frame, so the maximum falls on a frame's first packet in both, and max
 *   jitter must agree within 5% or 0.1 ms. tshark's mean over non-marker
 *   packets is not comparable and is not checked.
 * The test is skipped only when tshark is not installed.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <glib/gstdio.h>
#include <gst/gst.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

namespace {

constexpr uint32_t kVideoSsrc = 0x11111111;
constexpr uint32_t kAudioSsrc = 0x22222222;
constexpr uint16_t kVideoPort = 5004;
constexpr uint16_t kAudioPort = 5006;

using Packet = std::vector<uint8_t>;

struct Collector {
  std::mutex lock; /* guards packets */
  std::vector<Packet> packets;
};

void
on_handoff (GstElement *sink, GstBuffer *buffer, GstPad *pad, gpointer data)
{
  auto collector = static_cast<Collector *> (data);
  Packet p (gst_buffer_get_size (buffer));
  gst_buffer_extract (buffer, 0, p.data (), p.size ());
  std::lock_guard<std::mutex> guard (collector->lock);
  collector->packets.push_back (std::move (p));
}

/* Runs a pipeline to EOS; returns false (with a message) on error. */
bool
run_to_eos (GstElement *pipeline, std::string &error_text, GstStructure **report = nullptr)
{
  GstBus *bus = gst_element_get_bus (pipeline);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  bool ok = false;
  for (bool done = false; !done;) {
    GstMessage *msg = gst_bus_timed_pop (bus, 120 * GST_SECOND);
    if (!msg) {
      error_text = "timed out";
      break;
    }
    switch (GST_MESSAGE_TYPE (msg)) {
      case GST_MESSAGE_EOS:
        ok = done = true;
        break;
      case GST_MESSAGE_ERROR: {
        GError *error = nullptr;
        gst_message_parse_error (msg, &error, nullptr);
        error_text = error->message;
        g_clear_error (&error);
        done = true;
        break;
      }
      case GST_MESSAGE_ELEMENT:
        if (report && gst_structure_has_name (gst_message_get_structure (msg), "rtpdiag")) {
          if (*report)
            gst_structure_free (*report);
          *report = gst_structure_copy (gst_message_get_structure (msg));
        }
        break;
      default:
        break;
    }
    gst_message_unref (msg);
  }
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (bus);
  return ok;
}

uint16_t
seq_of (const Packet &p)
{
  return uint16_t ((p[2] << 8) | p[3]);
}

uint32_t
ts_of (const Packet &p)
{
  return (uint32_t (p[4]) << 24) | (uint32_t (p[5]) << 16) | (uint32_t (p[6]) << 8) | p[7];
}

struct Captured {
  uint64_t arrival_us;
  uint16_t port;
  const Packet *packet;
};

void
put16 (std::string &out, uint16_t v)
{
  out += char (v >> 8);
  out += char (v & 0xff);
}

void
put32le (std::string &out, uint32_t v)
{
  for (int i = 0; i < 4; i++)
    out += char ((v >> (8 * i)) & 0xff);
}

/* Ethernet + IPv4 + UDP around one RTP packet, as a pcap record. */
void
write_record (std::string &out, const Captured &c)
{
  std::string frame (12, '\x02');
  put16 (frame, 0x0800);
  const size_t udp_len = 8 + c.packet->size ();
  std::string ip;
  ip += char (0x45);
  ip += char (0);
  put16 (ip, uint16_t (20 + udp_len));
  put16 (ip, 0);      /* id */
  put16 (ip, 0x4000); /* DF */
  ip += char (64);
  ip += char (17);
  put16 (ip, 0); /* checksum, below */
  ip += std::string ("\x0a\x00\x00\x01\x0a\x00\x00\x02", 8);
  uint32_t sum = 0;
  for (size_t i = 0; i < ip.size (); i += 2)
    sum += (uint8_t (ip[i]) << 8) | uint8_t (ip[i + 1]);
  while (sum >> 16)
    sum = (sum & 0xffff) + (sum >> 16);
  const uint16_t checksum = uint16_t (~sum);
  ip[10] = char (checksum >> 8);
  ip[11] = char (checksum & 0xff);
  frame += ip;
  put16 (frame, uint16_t (c.port + 30000)); /* source port */
  put16 (frame, c.port);
  put16 (frame, uint16_t (udp_len));
  put16 (frame, 0); /* no UDP checksum (allowed over IPv4) */
  frame.append (reinterpret_cast<const char *> (c.packet->data ()), c.packet->size ());

  const uint64_t t = 1700000000ull * 1000000 + c.arrival_us;
  put32le (out, uint32_t (t / 1000000));
  put32le (out, uint32_t (t % 1000000));
  put32le (out, uint32_t (frame.size ()));
  put32le (out, uint32_t (frame.size ()));
  out += frame;
}

struct TsharkRow {
  bool found = false;
  std::string payload;
  long packets = 0, lost = 0;
  double mean_jitter = 0, max_jitter = 0;
};

TsharkRow
find_row (const std::string &output, uint32_t ssrc)
{
  char id[16];
  g_snprintf (id, sizeof (id), "0x%08X", ssrc);
  TsharkRow row;
  std::istringstream lines (output);
  for (std::string line; std::getline (lines, line);) {
    std::istringstream words (line);
    std::vector<std::string> w;
    for (std::string word; words >> word;)
      w.push_back (word);
    auto it = std::find (w.begin (), w.end (), id);
    if (it == w.end () || w.end () - it < 11)
      continue;
    const size_t i = it - w.begin ();
    row.found = true;
    row.payload = w[i + 1];
    row.packets = std::stol (w[i + 2]);
    row.lost = std::stol (w[i + 3]);
    /* [i+4] "(x%)", then min/mean/max delta, min/mean/max jitter (ms) */
    row.mean_jitter = g_ascii_strtod (w[i + 9].c_str (), nullptr);
    row.max_jitter = g_ascii_strtod (w[i + 10].c_str (), nullptr);
  }
  return row;
}

const GstStructure *
stream_of (const GstStructure *report, uint32_t ssrc)
{
  const GValue *streams = gst_structure_get_value (report, "streams");
  for (guint i = 0; streams && i < gst_value_array_get_size (streams); i++) {
    const GstStructure *s = gst_value_get_structure (gst_value_array_get_value (streams, i));
    guint v = 0;
    if (gst_structure_get_uint (s, "ssrc", &v) && v == ssrc)
      return s;
  }
  return nullptr;
}

} // namespace

TEST (TsharkReference, LossAndJitterAgree)
{
  g_autofree gchar *tshark = g_find_program_in_path ("tshark");
  if (!tshark)
    GTEST_SKIP () << "tshark is not installed (apt-get install tshark; "
                     "scripts/install-deps.sh installs it): no reference to compare with";

  /* 1. RTP packets from GStreamer's payloaders. */
  Collector video, audio;
  GError *error = nullptr;
  GstElement *gen = gst_parse_launch (
      "videotestsrc num-buffers=90 pattern=snow ! "
      "video/x-raw,width=320,height=240,framerate=30/1 ! "
      "x264enc tune=zerolatency speed-preset=ultrafast key-int-max=30 bitrate=1500 threads=1 ! "
      "rtph264pay mtu=600 pt=96 ssrc=286331153 seqnum-offset=65400 "
      "timestamp-offset=4294900000 config-interval=-1 ! "
      "fakesink name=video signal-handoffs=true sync=false "
      "audiotestsrc num-buffers=150 samplesperbuffer=160 ! audio/x-raw,rate=8000,channels=1 ! "
      "mulawenc ! rtppcmupay max-ptime=20000000 ssrc=572662306 seqnum-offset=65500 "
      "timestamp-offset=4294960000 ! fakesink name=audio signal-handoffs=true sync=false",
      &error);
  ASSERT_NE (gen, nullptr) << "missing GStreamer plugins (x264, mulaw): "
                           << (error ? error->message : "");
  g_clear_error (&error);
  for (auto [name, collector] : { std::pair { "video", &video }, std::pair { "audio", &audio } }) {
    GstElement *sink = gst_bin_get_by_name (GST_BIN (gen), name);
    g_signal_connect (sink, "handoff", G_CALLBACK (on_handoff), collector);
    gst_object_unref (sink);
  }
  std::string error_text;
  ASSERT_TRUE (run_to_eos (gen, error_text)) << error_text;
  gst_object_unref (gen);
  ASSERT_GT (video.packets.size (), 200u);
  ASSERT_EQ (audio.packets.size (), 150u);

  /* 2. Arrival times and the loss pattern. */
  std::vector<Captured> captured;
  int video_dropped = 0, audio_dropped = 0;
  uint32_t previous_ts = ts_of (video.packets[0]);
  uint64_t frame = 0;
  int in_frame = 0;
  for (size_t i = 0; i < video.packets.size (); i++) {
    const Packet &p = video.packets[i];
    const uint32_t ts = ts_of (p);
    if (ts != previous_ts) {
      frame++;
      in_frame = 0;
    } else if (i > 0) {
      in_frame++;
    }
    previous_ts = ts;
    /* frame f is late by ((7f) mod 11) * 0.7 ms; its packets 50 us apart */
    const uint64_t arrival = frame * 1000000 / 30 + ((7 * frame) % 11) * 700 + in_frame * 50;
    const bool drop = i + 1 < video.packets.size () && i > 0
        && (i % 29 == 13 || (i >= 60 && i < 64));
    if (drop)
      video_dropped++;
    else
      captured.push_back ({ arrival, kVideoPort, &p });
  }
  bool audio_wrapped = false;
  for (size_t i = 0; i < audio.packets.size (); i++) {
    const Packet &p = audio.packets[i];
    /* 20 ms apart, late by ((5i) mod 9) * 0.6 ms; a burst of five is lost
     * across the sequence number wrap (65534 .. 2) */
    const uint64_t arrival = 3000 + i * 20000 + ((5 * i) % 9) * 600;
    const uint16_t seq = seq_of (p);
    audio_wrapped |= seq == 0;
    const bool drop = i % 17 == 8 || seq >= 65534 || seq <= 2;
    if (drop)
      audio_dropped++;
    else
      captured.push_back ({ arrival, kAudioPort, &p });
  }
  ASSERT_TRUE (audio_wrapped);
  ASSERT_EQ (seq_of (audio.packets[0]), 65500);
  std::stable_sort (captured.begin (), captured.end (),
      [] (const Captured &a, const Captured &b) { return a.arrival_us < b.arrival_us; });

  g_autofree gchar *dir = g_dir_make_tmp ("rtpdiag-tshark-XXXXXX", nullptr);
  const std::string pcap = std::string (dir) + "/reference.pcap";
  {
    std::string out;
    put32le (out, 0xa1b2c3d4);
    out += std::string ("\x02\x00\x04\x00", 4);
    put32le (out, 0);
    put32le (out, 0);
    put32le (out, 65535);
    put32le (out, 1); /* Ethernet */
    for (const auto &c : captured)
      write_record (out, c);
    std::ofstream file (pcap, std::ios::binary);
    file << out;
  }

  /* 3. tshark */
  const gchar *argv[] = { tshark, "-r", pcap.c_str (), "-d", "udp.port==5004,rtp", "-d",
    "udp.port==5006,rtp", "-d", "rtp.pt==96,h264", "-q", "-z", "rtp,streams", nullptr };
  g_autofree gchar *out = nullptr;
  g_autofree gchar *err = nullptr;
  gint status = 0;
  ASSERT_TRUE (g_spawn_sync (nullptr, (gchar **) argv, nullptr, G_SPAWN_DEFAULT, nullptr,
      nullptr, &out, &err, &status, &error))
      << (error ? error->message : "");
  ASSERT_TRUE (g_spawn_check_wait_status (status, nullptr)) << err;
  const TsharkRow ts_video = find_row (out, kVideoSsrc);
  const TsharkRow ts_audio = find_row (out, kAudioSsrc);
  ASSERT_TRUE (ts_video.found) << out;
  ASSERT_TRUE (ts_audio.found) << out;

  /* 4. rtpdiag on the same file */
  std::string launch = "filesrc location=\"" + pcap + "\" ! pcapparse ! "
      "application/x-rtp,media=video,clock-rate=90000,encoding-name=H264,payload=96 ! "
      "rtpdiag interval=0 ! fakesink sync=false";
  GstElement *analyse = gst_parse_launch (launch.c_str (), &error);
  ASSERT_NE (analyse, nullptr) << (error ? error->message : "");
  GstStructure *report = nullptr;
  ASSERT_TRUE (run_to_eos (analyse, error_text, &report)) << error_text;
  gst_object_unref (analyse);
  ASSERT_NE (report, nullptr);
  const GstStructure *diag_video = stream_of (report, kVideoSsrc);
  const GstStructure *diag_audio = stream_of (report, kAudioSsrc);
  ASSERT_NE (diag_video, nullptr);
  ASSERT_NE (diag_audio, nullptr);

  struct Check {
    const char *name;
    const TsharkRow &tshark;
    const GstStructure *diag;
    int dropped;
    size_t generated;
  };
  for (const Check &c : { Check { "H264", ts_video, diag_video, video_dropped,
                              video.packets.size () },
           Check { "PCMU", ts_audio, diag_audio, audio_dropped, audio.packets.size () } }) {
    guint64 packets = 0;
    gint64 lost = 0;
    gdouble max_jitter = 0, mean_jitter = 0;
    gst_structure_get_uint64 (c.diag, "packets", &packets);
    gst_structure_get_int64 (c.diag, "packets-lost", &lost);
    gst_structure_get_double (c.diag, "jitter-max-ms", &max_jitter);
    gst_structure_get_double (c.diag, "jitter-mean-ms", &mean_jitter);
    std::cout << c.name << ": dropped " << c.dropped << " of " << c.generated
              << " | tshark: packets " << c.tshark.packets << ", lost " << c.tshark.lost
              << ", max jitter " << c.tshark.max_jitter << " ms, mean jitter "
              << c.tshark.mean_jitter << " ms | rtpdiag: packets " << packets << ", lost "
              << lost << ", max jitter " << max_jitter << " ms, mean jitter " << mean_jitter
              << " ms" << std::endl;
    EXPECT_EQ (long (packets), long (c.generated) - c.dropped) << c.name;
    EXPECT_EQ (c.tshark.packets, long (packets)) << c.name;
    EXPECT_EQ (lost, c.dropped) << c.name;
    EXPECT_EQ (c.tshark.lost, lost) << c.name;
    EXPECT_GT (max_jitter, 0.5) << c.name; /* the delay pattern is visible */
    if (c.diag == diag_audio) {
      EXPECT_NEAR (max_jitter, c.tshark.max_jitter, 0.01) << c.name;
      EXPECT_NEAR (mean_jitter, c.tshark.mean_jitter, 0.01) << c.name;
    } else {
      EXPECT_NEAR (max_jitter, c.tshark.max_jitter, std::max (0.1, 0.05 * c.tshark.max_jitter))
          << c.name;
    }
  }
  gst_structure_free (report);

  /* 5. tools/rtpdiag-summary prints the same figures as a table. */
  const char *summary = g_getenv ("RTPDIAG_SUMMARY");
  if (summary && g_file_test (summary, G_FILE_TEST_IS_EXECUTABLE)) {
    const gchar *sargv[] = { summary, "--caps",
      "application/x-rtp,clock-rate=90000,encoding-name=H264,payload=96", pcap.c_str (),
      nullptr };
    g_autofree gchar *table = nullptr;
    g_autofree gchar *serr = nullptr;
    ASSERT_TRUE (g_spawn_sync (nullptr, (gchar **) sargv, nullptr, G_SPAWN_DEFAULT, nullptr,
        nullptr, &table, &serr, &status, &error));
    ASSERT_TRUE (g_spawn_check_wait_status (status, nullptr)) << serr;
    std::cout << table;
    const std::string text = table;
    EXPECT_NE (text.find ("0x11111111   96 H264"), std::string::npos) << text;
    EXPECT_NE (text.find ("0x22222222    0 PCMU"), std::string::npos) << text;
  }

  if (!g_getenv ("RTPDIAG_KEEP_PCAP")) {
    g_remove (pcap.c_str ());
    g_rmdir (dir);
  } else {
    std::cout << "capture kept in " << pcap << std::endl;
  }
}
