/* benchstamp: a bench-only GStreamer element that writes the wall-clock time
 * into each raw I420 frame, for bench/glass-to-glass.mjs, which reads it back
 * in the page from the frame the browser shows.
 *
 * The code: the time in milliseconds since the epoch (g_get_real_time), its
 * low 32 bits, most significant bit first, as a strip of 32 blocks across the
 * top of the picture, each 1/32 of the width wide and 1/18 of the height high:
 * white (luma 235) for 1, black (16) for 0; under it a second strip with every
 * bit inverted, so that the reader can tell a clean read from a smeared one.
 * Sizes are fractions of the picture so that a scaled copy (a lower tier)
 * still reads. Chroma under the strips is neutral.
 *
 * The time is taken as the frame passes, right after a live source: the
 * moment of capture, give or take the source's own push.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <gst/gst.h>
#include <gst/video/video.h>
#include <gst/video/gstvideofilter.h>

#define STAMP_BITS 32
#define STRIP_HEIGHT_DIVISOR 18

typedef struct
{
  GstVideoFilter parent;
} BenchStamp;

typedef struct
{
  GstVideoFilterClass parent_class;
} BenchStampClass;

GType bench_stamp_get_type (void);
G_DEFINE_TYPE (BenchStamp, bench_stamp, GST_TYPE_VIDEO_FILTER)

static void
fill_rect (guint8 *plane, gint stride, gint x0, gint y0, gint x1, gint y1, guint8 value)
{
  for (gint y = y0; y < y1; y++)
    memset (plane + (gsize) y * stride + x0, value, x1 - x0);
}

static GstFlowReturn
bench_stamp_transform_frame_ip (GstVideoFilter *filter, GstVideoFrame *frame)
{
  const gint width = GST_VIDEO_FRAME_WIDTH (frame);
  const gint height = GST_VIDEO_FRAME_HEIGHT (frame);
  const gint strip = MAX (2, height / STRIP_HEIGHT_DIVISOR) & ~1;
  if (width < STAMP_BITS * 2 || height < strip * 2)
    return GST_FLOW_OK;

  const guint32 stamp = (guint32) (g_get_real_time () / 1000);
  guint8 *luma = GST_VIDEO_FRAME_PLANE_DATA (frame, 0);
  const gint luma_stride = GST_VIDEO_FRAME_PLANE_STRIDE (frame, 0);
  for (gint bit = 0; bit < STAMP_BITS; bit++) {
    const gboolean one = (stamp >> (STAMP_BITS - 1 - bit)) & 1;
    const gint x0 = (gint) ((gint64) width * bit / STAMP_BITS);
    const gint x1 = (gint) ((gint64) width * (bit + 1) / STAMP_BITS);
    fill_rect (luma, luma_stride, x0, 0, x1, strip, one ? 235 : 16);
    fill_rect (luma, luma_stride, x0, strip, x1, 2 * strip, one ? 16 : 235);
  }
  for (guint plane = 1; plane < 3; plane++) {
    guint8 *chroma = GST_VIDEO_FRAME_PLANE_DATA (frame, plane);
    const gint stride = GST_VIDEO_FRAME_PLANE_STRIDE (frame, plane);
    fill_rect (chroma, stride, 0, 0, GST_VIDEO_FRAME_COMP_WIDTH (frame, plane), strip, 128);
  }
  return GST_FLOW_OK;
}

static void
bench_stamp_class_init (BenchStampClass *klass)
{
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstCaps *caps = gst_caps_from_string ("video/x-raw, format=(string)I420");
  gst_element_class_add_pad_template (element_class,
      gst_pad_template_new ("sink", GST_PAD_SINK, GST_PAD_ALWAYS, caps));
  gst_element_class_add_pad_template (element_class,
      gst_pad_template_new ("src", GST_PAD_SRC, GST_PAD_ALWAYS, caps));
  gst_caps_unref (caps);
  gst_element_class_set_static_metadata (element_class, "Bench time stamp", "Filter/Video",
      "Writes the wall-clock time into each frame as a strip of blocks (benchmarks only)",
      "gst-webrtcsignal");
  GST_VIDEO_FILTER_CLASS (klass)->transform_frame_ip = bench_stamp_transform_frame_ip;
}

static void
bench_stamp_init (BenchStamp *self)
{
}

static gboolean
plugin_init (GstPlugin *plugin)
{
  return gst_element_register (plugin, "benchstamp", GST_RANK_NONE, bench_stamp_get_type ());
}

GST_PLUGIN_DEFINE (GST_VERSION_MAJOR, GST_VERSION_MINOR, benchstamp,
    "Wall-clock stamps in raw video, for gst-webrtcsignal's benchmarks", plugin_init, VERSION,
    GST_LICENSE, GST_PACKAGE_NAME, GST_PACKAGE_ORIGIN)
