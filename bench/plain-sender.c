/* plain-sender: the baseline of bench/viewers.mjs. A deliberately plain
 * webrtcbin producer, written the way the GStreamer examples do it and
 * independent of libgstwebrtcsignal:
 *
 *   videotestsrc is-live ! WxH@F ! videoconvert ! vp8enc ! tee
 *     per viewer: tee. ! queue ! rtpvp8pay ! capsfilter ! webrtcbin (max-bundle, sendonly)
 *
 * One encoder, one webrtcbin per viewer (plain-producer.c, shared with
 * plain-file-sender). It speaks the gst-plugins-rs WebSocket signalling
 * protocol (PROTOCOL.md) as a producer with libsoup 3 and json-glib directly
 * (plain-signalling.c, shared with plain-receiver): offers on startSession
 * and trickles ICE both ways.
 *
 *   plain-sender ws://127.0.0.1:PORT/ [--name NAME] [--width W] [--height H]
 *                [--fps F] [--bitrate KBPS] [--stamp]
 *
 * --stamp puts benchstamp (bench/benchstamp.c) before the encoder, for
 * bench/glass-to-glass.mjs.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "plain-producer.h"
#include "plain-signalling.h"

#include <gst/gst.h>
#include <stdio.h>

static char *opt_name = "bench-plain";
static int opt_width = 1280, opt_height = 720, opt_fps = 30, opt_kbps = 2000;
static gboolean opt_stamp = FALSE;

static void
setup_payloader (GstElement *pay)
{
  g_object_set (pay, "pt", 96, NULL);
}

/* ----------------------------------------------------------------- main */

int
main (int argc, char **argv)
{
  plain_init ("plain-sender");
  GOptionEntry entries[] = {
    { "name", 0, 0, G_OPTION_ARG_STRING, &opt_name, "meta name announced", "NAME" },
    { "width", 0, 0, G_OPTION_ARG_INT, &opt_width, "video width", "W" },
    { "height", 0, 0, G_OPTION_ARG_INT, &opt_height, "video height", "H" },
    { "fps", 0, 0, G_OPTION_ARG_INT, &opt_fps, "frame rate", "F" },
    { "bitrate", 0, 0, G_OPTION_ARG_INT, &opt_kbps, "VP8 bitrate in kbit/s", "KBPS" },
    { "stamp", 0, 0, G_OPTION_ARG_NONE, &opt_stamp, "write the wall-clock time into each frame (benchstamp)",
      NULL },
    { NULL },
  };
  GError *error = NULL;
  GOptionContext *ctx = g_option_context_new ("ws://HOST:PORT/");
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_add_group (ctx, gst_init_get_option_group ());
  if (!g_option_context_parse (ctx, &argc, &argv, &error) || argc != 2) {
    fprintf (stderr, "usage: plain-sender ws://HOST:PORT/ [options]%s%s\n",
        error ? ": " : "", error ? error->message : "");
    return 2;
  }
  g_option_context_free (ctx);

  char *desc = g_strdup_printf (
      "videotestsrc is-live=true ! video/x-raw,width=%d,height=%d,framerate=%d/1 ! videoconvert%s"
      " ! vp8enc deadline=1 cpu-used=8 end-usage=cbr target-bitrate=%d keyframe-max-dist=3000"
      " lag-in-frames=0 threads=1 error-resilient=partitions ! tee name=t allow-not-linked=true",
      opt_width, opt_height, opt_fps, opt_stamp ? " ! video/x-raw,format=I420 ! benchstamp" : "",
      opt_kbps * 1000);
  const PlainProducer producer = {
    "plain-sender", opt_name, "rtpvp8pay", setup_payloader,
    "application/x-rtp,media=video,encoding-name=VP8,payload=96,clock-rate=90000",
  };
  int ret = plain_producer_run (&producer, argv[1], desc);
  g_free (desc);
  return ret;
}
