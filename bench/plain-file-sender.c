/* plain-file-sender: the baseline of bench/file-send.mjs. A deliberately
 * plain webrtcbin producer of a 720p H264 MP4 file, written the way the
 * GStreamer examples do it and independent of libgstwebrtcsignal:
 *
 *   as is:       filesrc ! qtdemux ! h264parse ! identity sync ! tee
 *   --reencode:  filesrc ! qtdemux ! h264parse ! avdec_h264 ! identity sync
 *                  ! videoconvert ! x264enc (webrtcsend's settings) ! h264parse ! tee
 *     per viewer: tee. ! queue ! rtph264pay ! capsfilter ! webrtcbin (max-bundle, sendonly)
 *
 * identity sync=true paces the file in real time. The per-viewer branches
 * are bench/plain-producer.c, shared with plain-sender; the signalling is
 * bench/plain-signalling.c, shared with plain-sender and plain-receiver.
 *
 *   plain-file-sender ws://127.0.0.1:PORT/ --file F.mp4 [--name NAME]
 *                     [--reencode] [--bitrate KBPS]
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "plain-producer.h"
#include "plain-signalling.h"

#include <gst/gst.h>
#include <stdio.h>

static char *opt_name = "bench-plain-file";
static char *opt_file = NULL;
static gboolean opt_reencode = FALSE;
static int opt_kbps = 2000;

static void
setup_payloader (GstElement *pay)
{
  g_object_set (pay, "pt", 102, "config-interval", -1, NULL);
  gst_util_set_object_arg (G_OBJECT (pay), "aggregate-mode", "zero-latency");
}

/* ----------------------------------------------------------------- main */

int
main (int argc, char **argv)
{
  plain_init ("plain-file-sender");
  GOptionEntry entries[] = {
    { "name", 0, 0, G_OPTION_ARG_STRING, &opt_name, "meta name announced", "NAME" },
    { "file", 0, 0, G_OPTION_ARG_FILENAME, &opt_file, "H264 MP4 file to send", "PATH" },
    { "reencode", 0, 0, G_OPTION_ARG_NONE, &opt_reencode, "decode and encode again", NULL },
    { "bitrate", 0, 0, G_OPTION_ARG_INT, &opt_kbps, "x264enc bitrate (--reencode) in kbit/s", "KBPS" },
    { NULL },
  };
  GError *error = NULL;
  GOptionContext *ctx = g_option_context_new ("ws://HOST:PORT/");
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_add_group (ctx, gst_init_get_option_group ());
  if (!g_option_context_parse (ctx, &argc, &argv, &error) || argc != 2 || !opt_file) {
    fprintf (stderr, "usage: plain-file-sender ws://HOST:PORT/ --file F.mp4 [options]%s%s\n",
        error ? ": " : "", error ? error->message : "");
    return 2;
  }
  g_option_context_free (ctx);

  gchar *location = g_strescape (opt_file, NULL);
  char *desc = opt_reencode
      ? g_strdup_printf ("filesrc location=\"%s\" ! qtdemux ! h264parse ! avdec_h264"
            " ! identity sync=true ! videoconvert ! x264enc tune=zerolatency speed-preset=ultrafast"
            " bframes=0 key-int-max=3000 b-adapt=false rc-lookahead=0 sliced-threads=true bitrate=%d"
            " ! video/x-h264,profile=constrained-baseline,stream-format=byte-stream,alignment=au"
            " ! h264parse config-interval=-1 ! tee name=t allow-not-linked=true", location, opt_kbps)
      : g_strdup_printf ("filesrc location=\"%s\" ! qtdemux ! h264parse config-interval=-1"
            " ! video/x-h264,stream-format=byte-stream,alignment=au ! identity sync=true"
            " ! tee name=t allow-not-linked=true", location);
  g_free (location);
  const PlainProducer producer = {
    "plain-file-sender", opt_name, "rtph264pay", setup_payloader,
    "application/x-rtp,media=video,encoding-name=H264,payload=102,clock-rate=90000,"
    "packetization-mode=(string)1",
  };
  int ret = plain_producer_run (&producer, argv[1], desc);
  g_free (desc);
  return ret;
}
