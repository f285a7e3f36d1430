/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * SECTION:element-rtpdiag
 * @title: rtpdiag
 * @short_description: measures RTP streams per SSRC without touching them
 *
 * rtpdiag lets every buffer through unchanged and undelayed while it
 * measures each RTP stream (SSRC) it sees: packets, bytes, bitrate, loss
 * (RFC 3550 A.1/A.3, with sequence number wrap-around), duplicates,
 * reordering, interarrival jitter (RFC 3550 A.8), frame rate, frame sizes,
 * keyframes (VP8, VP9, H264, H265), payload type changes and gaps in time.
 *
 * One pad pair carries `application/x-rtp` or `application/x-rtcp`. On an RTP
 * flow, RTCP multiplexed per RFC 5761 (second octet 192..223) is recognised;
 * RTCP sender and receiver reports add `sr-*` and `rr-*` fields to the stream
 * they are about.
 *
 * Every `interval` ms of arrival time, and at EOS, an element message named
 * `rtpdiag` is posted (unless `post-messages=false`) and, with `location`, the
 * same fields are appended to a file as one line of JSON. Reports are driven
 * by packets: a stream that stops sending gets its next report with the next
 * packet or at EOS.
 *
 * The arrival time of a packet is, with `arrival-time=buffer` (the default),
 * its DTS, else its PTS (as running time), like rtpjitterbuffer; pcapparse
 * puts the capture time in the DTS and udpsrc the reception time. A buffer
 * without either, or `arrival-time=clock`, uses the pipeline clock when the
 * buffer reaches rtpdiag.
 *
 * The clock rate and codec of a payload type come from, in this order:
 * `pt-map`, the caps (`clock-rate`, `encoding-name`; caps with a `payload`
 * field describe that payload type only, caps without describe every dynamic
 * one), the static payload types of RFC 3551 (0 PCMU, 8 PCMA, ...), and the
 * `clock-rate` property. Without a clock rate there is no jitter; without a
 * codec among VP8, VP9, H264 and H265 there are no keyframe figures.
 *
 * The message (and the `stats` property) has these fields:
 * - `running-time` (guint64, ns): arrival time of the newest packet.
 * - `eos` (gboolean): whether this is the report made at EOS.
 * - `rtcp-packets` (guint64): RTCP packets seen.
 * - `invalid-packets` (guint64): packets that were neither RTP nor RTCP.
 * - `streams` (GstValueArray of GstStructure named `rtpdiag-stream`), one per
 *   SSRC in order of appearance, each with:
 *   - `ssrc` (guint); `payload-type` (gint, the one in use; -1 when only RTCP
 *     named this SSRC); `encoding-name` (gchararray, "" if unknown);
 *     `clock-rate` (guint, Hz, 0 if unknown).
 *   - `packets` (guint64), `bytes` (guint64): RTP packets and their sizes
 *     (RTP header and payload, without UDP/IP).
 *   - `bitrate` (gdouble, bit/s): over the last `window` of arrival time (or
 *     since the first packet, when sooner).
 *   - `packets-expected` (gint64): extended highest sequence number - base + 1.
 *   - `packets-lost` (gint64): expected - distinct packets received (late
 *     packets arriving later reduce it again; duplicates do not).
 *   - `loss-percent` (gdouble, %): lost / expected.
 *   - `duplicates` (guint64): sequence numbers seen again within the last
 *     1024. `reordered` (guint64): packets older than the highest sequence
 *     number so far that are not duplicates. `seq-restarts` (guint64): times
 *     the sender jumped to new sequence numbers (RFC 3550 A.1 re-sync).
 *   - `jitter` (guint, timestamp units, as in RTCP reports), `jitter-ms`
 *     (gdouble, ms): RFC 3550 interarrival jitter now. `jitter-max-ms`,
 *     `jitter-mean-ms` (gdouble, ms): largest and mean value it took over the
 *     packets after the first.
 *   - `frames` (guint64): frames received (packets sharing an RTP timestamp,
 *     ended by the marker bit or a newer timestamp). `framerate` (gdouble,
 *     frames/s) over the window. `frame-size-avg`, `frame-size-max` (guint64,
 *     bytes of RTP payload) over the window.
 *   - `keyframes` (guint64); `keyframe-interval` (gdouble, s, from RTP
 *     timestamps): between the last two keyframes, 0 before the second.
 *   - `pt-changes` (guint64): payload type changes.
 *   - `gaps` (guint64): arrival gaps longer than `gap-threshold`;
 *     `max-gap-ms` (gdouble, ms): the longest arrival gap.
 *   - `duration` (gdouble, s): from the first to the newest packet.
 *   - Only after an RTCP sender report from this SSRC: `sr-packets`,
 *     `sr-octets` (guint): the sender's counts.
 *   - Only after an RTCP report block about this SSRC: `rr-fraction-lost`
 *     (gdouble, 0..1), `rr-packets-lost` (gint), `rr-jitter` (guint,
 *     timestamp units) and, with a clock rate, `rr-jitter-ms` (gdouble).
 *
 * ## Example launch lines
 * |[
 * gst-launch-1.0 filesrc location=call.pcap ! pcapparse dst-port=5004 ! \
 *     application/x-rtp,media=video,clock-rate=90000,encoding-name=VP8,payload=96 ! \
 *     rtpdiag interval=0 location=call.jsonl ! fakesink
 * ]| Analyses a capture and appends the final figures to call.jsonl
 * (tools/rtpdiag-summary prints them as a table).
 * |[
 * gst-launch-1.0 -m udpsrc port=5004 \
 *     caps="application/x-rtp,media=video,clock-rate=90000,encoding-name=H264" ! \
 *     rtpdiag ! rtpjitterbuffer ! rtph264depay ! avdec_h264 ! autovideosink
 * ]| Shows a report every second on the bus while playing.
 *
 * Since: 0.1
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstrtpdiag.h"

#include "report.h"
#include "rtp-stats.h"

#include <cerrno>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>

GST_DEBUG_CATEGORY_STATIC (gst_sig_rtp_diag_debug);
#define GST_CAT_DEFAULT gst_sig_rtp_diag_debug

using namespace gstsig::rtpdiag;

typedef enum {
  GST_SIG_RTP_DIAG_ARRIVAL_BUFFER,
  GST_SIG_RTP_DIAG_ARRIVAL_CLOCK,
} GstSigRtpDiagArrival;

#define DEFAULT_INTERVAL 1000
#define DEFAULT_POST_MESSAGES TRUE
#define DEFAULT_CLOCK_RATE 0
#define DEFAULT_ARRIVAL GST_SIG_RTP_DIAG_ARRIVAL_BUFFER
#define DEFAULT_WINDOW 1000
#define DEFAULT_GAP_THRESHOLD 500

enum {
  PROP_0,
  PROP_INTERVAL,
  PROP_LOCATION,
  PROP_POST_MESSAGES,
  PROP_CLOCK_RATE,
  PROP_PT_MAP,
  PROP_ARRIVAL_TIME,
  PROP_WINDOW,
  PROP_GAP_THRESHOLD,
  PROP_STATS,
};

struct GstSigRtpDiagPrivate {
  std::mutex lock; /* guards everything below */
  /* settings */
  guint interval = DEFAULT_INTERVAL; /* ms */
  std::string location;
  bool post_messages = DEFAULT_POST_MESSAGES;
  std::string pt_map;
  GstSigRtpDiagArrival arrival = DEFAULT_ARRIVAL;
  guint window = DEFAULT_WINDOW;               /* ms */
  guint gap_threshold = DEFAULT_GAP_THRESHOLD; /* ms */

  /* measurements */
  PayloadTable payloads;
  bool rtcp_flow = false; /* caps are application/x-rtcp */
  std::unique_ptr<SessionStats> stats;
  GstClockTime last_arrival = GST_CLOCK_TIME_NONE;
  GstClockTime next_report = GST_CLOCK_TIME_NONE;
  FILE *file = nullptr; /* opened in start, closed in stop */
};

struct _GstSigRtpDiag {
  GstBaseTransform parent;
  GstSigRtpDiagPrivate *priv;
};

#define gst_sig_rtp_diag_parent_class parent_class
G_DEFINE_TYPE (GstSigRtpDiag, gst_sig_rtp_diag, GST_TYPE_BASE_TRANSFORM);
GST_ELEMENT_REGISTER_DEFINE (rtpdiag, "rtpdiag", GST_RANK_NONE, GST_SIG_TYPE_RTP_DIAG);

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink", GST_PAD_SINK,
    GST_PAD_ALWAYS, GST_STATIC_CAPS ("application/x-rtp; application/x-rtcp"));
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src", GST_PAD_SRC,
    GST_PAD_ALWAYS, GST_STATIC_CAPS ("application/x-rtp; application/x-rtcp"));

GType
gst_sig_rtp_diag_arrival_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    { GST_SIG_RTP_DIAG_ARRIVAL_BUFFER, "Buffer DTS, else PTS, else the clock", "buffer" },
    { GST_SIG_RTP_DIAG_ARRIVAL_CLOCK, "Pipeline clock when the buffer arrives", "clock" },
    { 0, nullptr, nullptr },
  };
  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstSigRtpDiagArrival", values);
    g_once_init_leave (&type, t);
  }
  return type;
}

/* ---- reports ---- */

/* Called with the lock held. */
static Report
make_report (GstSigRtpDiagPrivate *priv, bool eos)
{
  Report report;
  report.eos = eos;
  report.running_time = priv->last_arrival;
  if (priv->stats) {
    const int64_t now = GST_CLOCK_TIME_IS_VALID (priv->last_arrival) ? priv->last_arrival : 0;
    report.streams = priv->stats->figures (now);
    report.rtcp_packets = priv->stats->rtcp_packets ();
    report.invalid_packets = priv->stats->invalid_packets ();
  }
  return report;
}

/* Posts and writes a report. Called without the lock. */
static void
publish (GstSigRtpDiag *self, const Report &report)
{
  auto priv = self->priv;
  GstStructure *structure = report_to_structure (report);
  bool post;
  int write_error = 0;
  std::string location;
  {
    std::lock_guard<std::mutex> guard (priv->lock);
    post = priv->post_messages;
    if (priv->file) {
      std::string line = structure_to_json (structure) + "\n";
      if (fwrite (line.data (), 1, line.size (), priv->file) != line.size ()
          || fflush (priv->file) != 0) {
        write_error = errno;
        location = priv->location;
      }
    }
  }
  if (write_error) {
    GST_ELEMENT_WARNING (self, RESOURCE, WRITE,
        ("Could not append a report to \"%s\"; check free space and permissions.",
            location.c_str ()),
        ("fwrite: %s", g_strerror (write_error)));
  }
  GST_LOG_OBJECT (self, "report %" GST_PTR_FORMAT, structure);
  if (post)
    gst_element_post_message (GST_ELEMENT (self),
        gst_message_new_element (GST_OBJECT (self), structure));
  else
    gst_structure_free (structure);
}

/* ---- streaming ---- */

static GstClockTime
arrival_time (GstSigRtpDiag *self, GstBuffer *buffer, GstSigRtpDiagArrival mode)
{
  auto trans = GST_BASE_TRANSFORM (self);
  GstClockTime ts = GST_BUFFER_DTS_OR_PTS (buffer);
  if (mode == GST_SIG_RTP_DIAG_ARRIVAL_BUFFER && GST_CLOCK_TIME_IS_VALID (ts)) {
    if (trans->segment.format == GST_FORMAT_TIME) {
      GstClockTime running =
          gst_segment_to_running_time (&trans->segment, GST_FORMAT_TIME, ts);
      if (GST_CLOCK_TIME_IS_VALID (running))
        return running;
    }
    return ts;
  }
  GstClock *clock = gst_element_get_clock (GST_ELEMENT (self));
  if (clock) {
    GstClockTime now = gst_clock_get_time (clock);
    GstClockTime base = gst_element_get_base_time (GST_ELEMENT (self));
    gst_object_unref (clock);
    if (now >= base)
      return now - base;
  }
  return GstClockTime (g_get_monotonic_time ()) * GST_USECOND;
}

static GstFlowReturn
gst_sig_rtp_diag_transform_ip (GstBaseTransform *trans, GstBuffer *buffer)
{
  auto self = GST_SIG_RTP_DIAG (trans);
  auto priv = self->priv;
  GstSigRtpDiagArrival mode;
  {
    std::lock_guard<std::mutex> guard (priv->lock);
    mode = priv->arrival;
  }
  const GstClockTime arrival = arrival_time (self, buffer, mode);

  GstMapInfo map;
  if (!gst_buffer_map (buffer, &map, GST_MAP_READ)) {
    GST_WARNING_OBJECT (self, "Could not map %" GST_PTR_FORMAT, buffer);
    return GST_FLOW_OK;
  }
  bool due = false;
  Report report;
  {
    std::lock_guard<std::mutex> guard (priv->lock);
    if (!priv->stats) {
      Settings settings;
      settings.window = int64_t (priv->window) * GST_MSECOND;
      settings.gap_threshold = int64_t (priv->gap_threshold) * GST_MSECOND;
      priv->stats = std::make_unique<SessionStats> (settings);
    }
    auto kind = priv->stats->add_packet (map.data, map.size, int64_t (arrival), priv->rtcp_flow,
        priv->payloads);
    GST_LOG_OBJECT (self, "%s packet of %" G_GSIZE_FORMAT " bytes at %" GST_TIME_FORMAT,
        kind == SessionStats::Kind::kRtp ? "RTP" : kind == SessionStats::Kind::kRtcp ? "RTCP"
                                                                                    : "invalid",
        map.size, GST_TIME_ARGS (arrival));
    if (!GST_CLOCK_TIME_IS_VALID (priv->last_arrival) || arrival > priv->last_arrival)
      priv->last_arrival = arrival;
    if (priv->interval > 0) {
      const GstClockTime interval = priv->interval * GST_MSECOND;
      if (!GST_CLOCK_TIME_IS_VALID (priv->next_report)) {
        priv->next_report = arrival + interval;
      } else if (arrival >= priv->next_report) {
        due = true;
        while (priv->next_report <= arrival)
          priv->next_report += interval;
      }
    }
    if (due)
      report = make_report (priv, false);
  }
  gst_buffer_unmap (buffer, &map);
  if (due)
    publish (self, report);
  return GST_FLOW_OK;
}

static gboolean
gst_sig_rtp_diag_set_caps (GstBaseTransform *trans, GstCaps *incaps, GstCaps *outcaps)
{
  auto self = GST_SIG_RTP_DIAG (trans);
  auto priv = self->priv;
  const GstStructure *s = gst_caps_get_structure (incaps, 0);
  std::lock_guard<std::mutex> guard (priv->lock);
  priv->rtcp_flow = gst_structure_has_name (s, "application/x-rtcp");
  if (priv->rtcp_flow) {
    priv->payloads.clear_caps ();
  } else {
    gint payload = -1, clock_rate = 0;
    if (!gst_structure_get_int (s, "payload", &payload))
      payload = -1;
    if (!gst_structure_get_int (s, "clock-rate", &clock_rate) || clock_rate < 0)
      clock_rate = 0;
    const char *name = gst_structure_get_string (s, "encoding-name");
    priv->payloads.set_caps (payload, name ? name : "", guint (clock_rate));
  }
  GST_INFO_OBJECT (self, "caps %" GST_PTR_FORMAT, incaps);
  return TRUE;
}

static gboolean
gst_sig_rtp_diag_sink_event (GstBaseTransform *trans, GstEvent *event)
{
  auto self = GST_SIG_RTP_DIAG (trans);
  if (GST_EVENT_TYPE (event) == GST_EVENT_EOS) {
    Report report;
    {
      std::lock_guard<std::mutex> guard (self->priv->lock);
      report = make_report (self->priv, true);
    }
    publish (self, report);
  }
  return GST_BASE_TRANSFORM_CLASS (parent_class)->sink_event (trans, event);
}

static gboolean
gst_sig_rtp_diag_start (GstBaseTransform *trans)
{
  auto self = GST_SIG_RTP_DIAG (trans);
  auto priv = self->priv;
  std::lock_guard<std::mutex> guard (priv->lock);
  priv->stats.reset ();
  priv->last_arrival = GST_CLOCK_TIME_NONE;
  priv->next_report = GST_CLOCK_TIME_NONE;
  if (!priv->location.empty ()) {
    priv->file = fopen (priv->location.c_str (), "a");
    if (!priv->file) {
      GST_ELEMENT_ERROR (self, RESOURCE, OPEN_WRITE,
          ("Could not open \"%s\" to append rtpdiag reports; check the directory exists and "
           "is writable.", priv->location.c_str ()),
          ("fopen: %s", g_strerror (errno)));
      return FALSE;
    }
  }
  return TRUE;
}

static gboolean
gst_sig_rtp_diag_stop (GstBaseTransform *trans)
{
  auto priv = GST_SIG_RTP_DIAG (trans)->priv;
  std::lock_guard<std::mutex> guard (priv->lock);
  if (priv->file) {
    fclose (priv->file);
    priv->file = nullptr;
  }
  return TRUE;
}

/* ---- GObject ---- */

static void
gst_sig_rtp_diag_set_property (GObject *object, guint prop_id, const GValue *value,
    GParamSpec *pspec)
{
  auto self = GST_SIG_RTP_DIAG (object);
  auto priv = self->priv;
  std::lock_guard<std::mutex> guard (priv->lock);
  switch (prop_id) {
    case PROP_INTERVAL:
      priv->interval = g_value_get_uint (value);
      break;
    case PROP_LOCATION: {
      const char *location = g_value_get_string (value);
      priv->location = location ? location : "";
      break;
    }
    case PROP_POST_MESSAGES:
      priv->post_messages = g_value_get_boolean (value);
      break;
    case PROP_CLOCK_RATE:
      priv->payloads.set_fallback_clock_rate (g_value_get_uint (value));
      break;
    case PROP_PT_MAP: {
      const char *text = g_value_get_string (value);
      if (priv->payloads.set_map (text ? text : ""))
        priv->pt_map = text ? text : "";
      else
        g_warning ("rtpdiag: ignoring pt-map \"%s\": expected PT:NAME/RATE,... "
                   "e.g. \"96:VP8/90000,111:OPUS/48000\"", text);
      break;
    }
    case PROP_ARRIVAL_TIME:
      priv->arrival = GstSigRtpDiagArrival (g_value_get_enum (value));
      break;
    case PROP_WINDOW:
      priv->window = g_value_get_uint (value);
      break;
    case PROP_GAP_THRESHOLD:
      priv->gap_threshold = g_value_get_uint (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
}

static void
gst_sig_rtp_diag_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  auto self = GST_SIG_RTP_DIAG (object);
  auto priv = self->priv;
  if (prop_id == PROP_STATS) {
    Report report;
    {
      std::lock_guard<std::mutex> guard (priv->lock);
      report = make_report (priv, false);
    }
    g_value_take_boxed (value, report_to_structure (report));
    return;
  }
  std::lock_guard<std::mutex> guard (priv->lock);
  switch (prop_id) {
    case PROP_INTERVAL:
      g_value_set_uint (value, priv->interval);
      break;
    case PROP_LOCATION:
      g_value_set_string (value, priv->location.empty () ? nullptr : priv->location.c_str ());
      break;
    case PROP_POST_MESSAGES:
      g_value_set_boolean (value, priv->post_messages);
      break;
    case PROP_CLOCK_RATE:
      g_value_set_uint (value, priv->payloads.fallback_clock_rate ());
      break;
    case PROP_PT_MAP:
      g_value_set_string (value, priv->pt_map.empty () ? nullptr : priv->pt_map.c_str ());
      break;
    case PROP_ARRIVAL_TIME:
      g_value_set_enum (value, priv->arrival);
      break;
    case PROP_WINDOW:
      g_value_set_uint (value, priv->window);
      break;
    case PROP_GAP_THRESHOLD:
      g_value_set_uint (value, priv->gap_threshold);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
}

static void
gst_sig_rtp_diag_finalize (GObject *object)
{
  auto self = GST_SIG_RTP_DIAG (object);
  if (self->priv->file)
    fclose (self->priv->file);
  delete self->priv;
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_sig_rtp_diag_class_init (GstSigRtpDiagClass *klass)
{
  auto gobject_class = G_OBJECT_CLASS (klass);
  auto element_class = GST_ELEMENT_CLASS (klass);
  auto trans_class = GST_BASE_TRANSFORM_CLASS (klass);
  auto rw = (GParamFlags) (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  auto rw_ready = (GParamFlags) (rw | GST_PARAM_MUTABLE_READY);
  auto rw_playing = (GParamFlags) (rw | GST_PARAM_MUTABLE_PLAYING);
  auto ro = (GParamFlags) (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  gobject_class->set_property = gst_sig_rtp_diag_set_property;
  gobject_class->get_property = gst_sig_rtp_diag_get_property;
  gobject_class->finalize = gst_sig_rtp_diag_finalize;

  g_object_class_install_property (gobject_class, PROP_INTERVAL,
      g_param_spec_uint ("interval", "Interval",
          "Milliseconds of arrival time between two reports (element message and JSON line); "
          "0 = only at EOS. Default: 1000", 0, G_MAXUINT, DEFAULT_INTERVAL, rw_playing));
  g_object_class_install_property (gobject_class, PROP_LOCATION,
      g_param_spec_string ("location", "Location",
          "File to append each report to, as one line of JSON with the fields of the message. "
          "Default: none", nullptr, rw_ready));
  g_object_class_install_property (gobject_class, PROP_POST_MESSAGES,
      g_param_spec_boolean ("post-messages", "Post messages",
          "Post an element message named \"rtpdiag\" with each report. Default: true",
          DEFAULT_POST_MESSAGES, rw_playing));
  g_object_class_install_property (gobject_class, PROP_CLOCK_RATE,
      g_param_spec_uint ("clock-rate", "Clock rate",
          "RTP clock rate in Hz for payload types that neither pt-map, the caps nor RFC 3551 "
          "describe (0 = none: no jitter for them). Default: 0", 0, G_MAXINT, DEFAULT_CLOCK_RATE,
          rw_playing));
  g_object_class_install_property (gobject_class, PROP_PT_MAP,
      g_param_spec_string ("pt-map", "Payload type map",
          "Payload types as PT:ENCODING-NAME/CLOCK-RATE, comma separated, e.g. "
          "\"96:VP8/90000,111:OPUS/48000\"; they take precedence over the caps. Default: none",
          nullptr, rw_playing));
  g_object_class_install_property (gobject_class, PROP_ARRIVAL_TIME,
      g_param_spec_enum ("arrival-time", "Arrival time",
          "Arrival time of a packet for jitter and rates: buffer = its DTS, else its PTS (as "
          "running time; pcapparse sets the capture time), else the clock; clock = the "
          "pipeline clock when it reaches rtpdiag. Default: buffer",
          GST_SIG_TYPE_RTP_DIAG_ARRIVAL, DEFAULT_ARRIVAL, rw_playing));
  g_object_class_install_property (gobject_class, PROP_WINDOW,
      g_param_spec_uint ("window", "Window",
          "Milliseconds of arrival time over which bitrate, framerate and frame sizes are "
          "measured. Default: 1000", 10, 3600000, DEFAULT_WINDOW, rw_ready));
  g_object_class_install_property (gobject_class, PROP_GAP_THRESHOLD,
      g_param_spec_uint ("gap-threshold", "Gap threshold",
          "Milliseconds without packets of a stream counted as a gap. Default: 500", 1,
          3600000, DEFAULT_GAP_THRESHOLD, rw_ready));
  g_object_class_install_property (gobject_class, PROP_STATS,
      g_param_spec_boxed ("stats", "Statistics",
          "The figures up to the newest packet, as in the \"rtpdiag\" message: running-time "
          "(ns), eos, rtcp-packets, invalid-packets and streams, an array of rtpdiag-stream "
          "structures with ssrc, payload-type, encoding-name, clock-rate (Hz), packets, bytes, "
          "bitrate (bit/s), packets-expected, packets-lost, loss-percent (%), duplicates, "
          "reordered, seq-restarts, jitter (RTP timestamp units), jitter-ms, jitter-max-ms, "
          "jitter-mean-ms (ms), frames, framerate (frames/s), frame-size-avg, frame-size-max "
          "(bytes), keyframes, keyframe-interval (s), pt-changes, gaps, max-gap-ms (ms), "
          "duration (s) and, after RTCP, sr-packets, sr-octets, rr-fraction-lost (0..1), "
          "rr-packets-lost, rr-jitter (timestamp units), rr-jitter-ms (read-only)",
          GST_TYPE_STRUCTURE, ro));

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class, "RTP diagnostics",
      "Filter/Network/RTP",
      "Lets RTP/RTCP through unchanged and reports per SSRC: packets, bitrate, loss, "
      "duplicates, reordering, RFC 3550 jitter, frame rate, frame sizes and keyframes",
      "gst-webrtcsignal developers");

  trans_class->passthrough_on_same_caps = TRUE;
  trans_class->transform_ip_on_passthrough = TRUE;
  trans_class->transform_ip = GST_DEBUG_FUNCPTR (gst_sig_rtp_diag_transform_ip);
  trans_class->set_caps = GST_DEBUG_FUNCPTR (gst_sig_rtp_diag_set_caps);
  trans_class->sink_event = GST_DEBUG_FUNCPTR (gst_sig_rtp_diag_sink_event);
  trans_class->start = GST_DEBUG_FUNCPTR (gst_sig_rtp_diag_start);
  trans_class->stop = GST_DEBUG_FUNCPTR (gst_sig_rtp_diag_stop);

  gst_type_mark_as_plugin_api (GST_SIG_TYPE_RTP_DIAG_ARRIVAL, (GstPluginAPIFlags) 0);
  GST_DEBUG_CATEGORY_INIT (gst_sig_rtp_diag_debug, "rtpdiag", 0, "rtpdiag element");
}

static void
gst_sig_rtp_diag_init (GstSigRtpDiag *self)
{
  self->priv = new GstSigRtpDiagPrivate ();
  gst_base_transform_set_passthrough (GST_BASE_TRANSFORM (self), TRUE);
  gst_base_transform_set_in_place (GST_BASE_TRANSFORM (self), TRUE);
}
