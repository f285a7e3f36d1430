/* tier-cost: what each tier of webrtcsend costs in CPU (issue 12: "the CPU
 * cost of each tier is in the bench").
 *
 * No network: webrtcsend's input (InputStream, its sources compiled in, as
 * tests/element/test-tiers.cpp does) with three viewers whose branches end
 * in fakesinks, their congestion-control targets set by hand. A live
 * videotestsrc (smpte, 1280x720@30 by default) feeds it. Each scenario runs
 * in a fresh pipeline; the process's CPU (getrusage) is taken over a window
 * after the viewers are on their tiers and the encoders have settled:
 *
 *   plain         videotestsrc ! vp8enc (webrtcsend's settings, 2000 kbit/s)
 *                 ! rtpvp8pay ! fakesink: one encoder, no webrtcsend
 *   1 tier        targets 2000, 2000, 2000: one encoder
 *   2 tiers       targets 2000, 2000, 800
 *   3 tiers       targets 2000, 800, 300
 *
 * Each tier's encoder size and what it sent are printed with the CPU. The
 * scenarios go round ROUNDS times in turn; the table gives medians.
 *
 *   tier-cost [--seconds S] [--rounds R] [--width W] [--height H]
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "codecs.h"
#include "context-thread.h"
#include "input-stream.h"

#include <gst/gst.h>
#include <sys/resource.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

GST_DEBUG_CATEGORY (gst_sig_send_debug);

namespace {

int opt_seconds = 10, opt_rounds = 3, opt_width = 1280, opt_height = 720;
constexpr int WARMUP_S = 6; /* the sizers settle (picture-size.h: SETTLE_MS, START_UP_WAIT_MS) */

double
cpu_seconds ()
{
  struct rusage usage;
  getrusage (RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6 + usage.ru_stime.tv_sec +
      usage.ru_stime.tv_usec / 1e6;
}

std::string
source_caps ()
{
  return "video/x-raw,width=" + std::to_string (opt_width) + ",height=" + std::to_string (opt_height) +
      ",framerate=30/1";
}

/* CPU in cores over the window of a running pipeline. */
double
measure_window ()
{
  double cpu0 = cpu_seconds ();
  gint64 t0 = g_get_monotonic_time ();
  g_usleep (opt_seconds * G_USEC_PER_SEC);
  return (cpu_seconds () - cpu0) / ((g_get_monotonic_time () - t0) / 1e6);
}

struct Result {
  double cores = 0;
  std::string detail;
};

Result
run_plain ()
{
  std::string description = "videotestsrc is-live=true ! " + source_caps () +
      " ! videoconvert ! vp8enc deadline=1 cpu-used=8 end-usage=cbr lag-in-frames=0"
      " error-resilient=partitions keyframe-max-dist=3000 buffer-size=1000 buffer-initial-size=500"
      " buffer-optimal-size=600 undershoot=95 min-quantizer=4 threads=1 target-bitrate=2000000"
      " ! rtpvp8pay ! fakesink sync=false";
  GError *error = nullptr;
  GstElement *pipeline = gst_parse_launch (description.c_str (), &error);
  if (!pipeline) {
    g_printerr ("plain: %s\n", error ? error->message : "?");
    exit (1);
  }
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  g_usleep (WARMUP_S * G_USEC_PER_SEC);
  Result r;
  r.cores = measure_window ();
  r.detail = "1 encoder at " + std::to_string (opt_width) + "x" + std::to_string (opt_height);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (pipeline);
  return r;
}

struct Viewer {
  gstsig::ConsumerBranch branch;
  GstElement *sink = nullptr;
};

Result
run_tiers (const std::vector<unsigned> &targets)
{
  gstsig::ContextThread control ("tier-cost-control");
  GstElement *pipeline = gst_pipeline_new (nullptr);
  GstElement *src = gst_element_factory_make ("videotestsrc", nullptr);
  GstElement *filter = gst_element_factory_make ("capsfilter", nullptr);
  g_object_set (src, "is-live", TRUE, nullptr);
  GstCaps *caps = gst_caps_from_string (source_caps ().c_str ());
  g_object_set (filter, "caps", caps, nullptr);
  gst_caps_unref (caps);
  gst_bin_add_many (GST_BIN (pipeline), src, filter, nullptr);
  gst_element_link (src, filter);
  auto input = std::make_unique<gstsig::InputStream> (GST_BIN (pipeline), gstsig::MediaKind::Video,
      "video_0", &control, 100 * GST_MSECOND);
  GstPad *src_pad = gst_element_get_static_pad (filter, "src");
  gst_pad_link (src_pad, input->sink_pad ());
  gst_object_unref (src_pad);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  while (!input->form ())
    g_usleep (20 * 1000);
  const gstsig::Codec *vp8 = gstsig::find_codec ("vp8");

  std::vector<std::unique_ptr<Viewer>> viewers;
  for (size_t i = 0; i < targets.size (); i++) {
    auto v = std::make_unique<Viewer> ();
    v->sink = gst_element_factory_make ("fakesink", nullptr);
    g_object_set (v->sink, "sync", FALSE, "async", FALSE, nullptr);
    gst_bin_add (GST_BIN (pipeline), v->sink);
    gst_element_sync_state_with_parent (v->sink);
    GstPad *pad = gst_element_get_static_pad (v->sink, "sink");
    std::string error;
    control.invoke_sync ([&] {
      if (!input->attach (v->branch, *vp8, 96, gstsig::RtpStreamSetup (), "", 2000, 3, {}, false,
              pad, &error))
        g_printerr ("attach: %s\n", error.c_str ());
    });
    gst_object_unref (pad);
    viewers.push_back (std::move (v));
  }
  for (size_t i = 0; i < targets.size (); i++)
    input->set_viewer_target (viewers[i]->branch, targets[i]);
  g_usleep (WARMUP_S * G_USEC_PER_SEC);

  /* What each encoder does: its size (the caps into it) and its bitrate. */
  std::string detail;
  unsigned encoders = 0;
  GstIterator *it = gst_bin_iterate_recurse (GST_BIN (pipeline));
  GValue item = G_VALUE_INIT;
  while (gst_iterator_next (it, &item) == GST_ITERATOR_OK) {
    GstElement *e = GST_ELEMENT (g_value_get_object (&item));
    if (g_str_equal (GST_OBJECT_NAME (e), "encoder")) {
      encoders++;
      int bps = 0, width = 0, height = 0;
      g_object_get (e, "target-bitrate", &bps, nullptr);
      GstPad *sink = gst_element_get_static_pad (e, "sink");
      if (GstCaps *in = gst_pad_get_current_caps (sink)) {
        gst_structure_get_int (gst_caps_get_structure (in, 0), "width", &width);
        gst_structure_get_int (gst_caps_get_structure (in, 0), "height", &height);
        gst_caps_unref (in);
      }
      gst_object_unref (sink);
      detail += (detail.empty () ? "" : ", ") + std::to_string (width) + "x" + std::to_string (height) +
          " at " + std::to_string (bps / 1000);
    }
    g_value_reset (&item);
  }
  g_value_unset (&item);
  gst_iterator_free (it);
  Result r;
  r.cores = measure_window ();
  r.detail = std::to_string (encoders) + " encoder" + (encoders == 1 ? "" : "s") + ": " + detail;

  control.invoke_sync ([&] {
    for (auto &v : viewers)
      if (v->branch.codec) { /* attached */
        input->cut (v->branch);
        input->detach (v->branch);
      }
    input->remove_from_bin ();
  });
  gst_element_set_state (pipeline, GST_STATE_NULL);
  input.reset ();
  gst_object_unref (pipeline);
  return r;
}

double
median (std::vector<double> xs)
{
  std::sort (xs.begin (), xs.end ());
  size_t n = xs.size ();
  return n % 2 ? xs[n / 2] : (xs[n / 2 - 1] + xs[n / 2]) / 2;
}

} // namespace

int
main (int argc, char **argv)
{
  GOptionEntry entries[] = {
    { "seconds", 0, 0, G_OPTION_ARG_INT, &opt_seconds, "CPU window per scenario", "S" },
    { "rounds", 0, 0, G_OPTION_ARG_INT, &opt_rounds, "rounds of the scenarios", "R" },
    { "width", 0, 0, G_OPTION_ARG_INT, &opt_width, "source width", "W" },
    { "height", 0, 0, G_OPTION_ARG_INT, &opt_height, "source height", "H" },
    { nullptr },
  };
  GError *error = nullptr;
  GOptionContext *ctx = g_option_context_new (nullptr);
  g_option_context_add_main_entries (ctx, entries, nullptr);
  g_option_context_add_group (ctx, gst_init_get_option_group ());
  if (!g_option_context_parse (ctx, &argc, &argv, &error)) {
    g_printerr ("tier-cost: %s\n", error->message);
    return 2;
  }
  g_option_context_free (ctx);
  GST_DEBUG_CATEGORY_INIT (gst_sig_send_debug, "webrtcsend", 0, "webrtcsend (tier-cost)");

  struct Scenario {
    const char *name;
    std::vector<unsigned> targets; /* empty: plain */
    std::vector<double> cores;
    std::string detail;
  };
  std::vector<Scenario> scenarios = {
    { "plain vp8enc, no webrtcsend", {}, {}, "" },
    { "webrtcsend, 1 tier (2000, 2000, 2000)", { 2000, 2000, 2000 }, {}, "" },
    { "webrtcsend, 2 tiers (2000, 2000, 800)", { 2000, 2000, 800 }, {}, "" },
    { "webrtcsend, 3 tiers (2000, 800, 300)", { 2000, 800, 300 }, {}, "" },
  };
  for (int round = 0; round < opt_rounds; round++) {
    for (auto &s : scenarios) {
      Result r = s.targets.empty () ? run_plain () : run_tiers (s.targets);
      s.cores.push_back (r.cores);
      s.detail = r.detail;
      g_print ("round %d, %s: %.3f cores (%s)\n", round + 1, s.name, r.cores, r.detail.c_str ());
    }
  }
  g_print ("\n| scenario | encoders (size at kbit/s target) | CPU, median of %d (cores) | runs (cores) | "
           "more than the row above (cores) |\n|---|---|---:|---|---:|\n", opt_rounds);
  double previous = -1;
  for (auto &s : scenarios) {
    std::string runs;
    for (double c : s.cores) {
      char text[16];
      g_snprintf (text, sizeof text, "%.3f", c);
      runs += (runs.empty () ? "" : ", ") + std::string (text);
    }
    double m = median (s.cores);
    char added[16] = "";
    if (previous >= 0)
      g_snprintf (added, sizeof added, "%+.3f", m - previous);
    g_print ("| %s | %s | %.3f | %s | %s |\n", s.name, s.detail.c_str (), m, runs.c_str (), added);
    previous = m;
  }
  return 0;
}
