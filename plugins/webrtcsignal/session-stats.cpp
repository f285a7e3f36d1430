/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "session-stats.h"

#include <gst/webrtc/webrtc.h>

#include <string>

namespace gstsig {

namespace {

/* A numeric field of any numeric type as a double. */
bool
number (const GstStructure *s, const char *field, double *out)
{
  const GValue *value = gst_structure_get_value (s, field);
  if (!value)
    return false;
  GValue as_double = G_VALUE_INIT;
  g_value_init (&as_double, G_TYPE_DOUBLE);
  bool ok = g_value_type_transformable (G_VALUE_TYPE (value), G_TYPE_DOUBLE) &&
      g_value_transform (value, &as_double);
  if (ok)
    *out = g_value_get_double (&as_double);
  g_value_unset (&as_double);
  return ok;
}

struct Totals {
  double packets_sent = 0, bytes_sent = 0, packets_received = 0, bytes_received = 0;
  double packets_lost = 0, nack = 0, pli = 0, fir = 0;
  double jitter = -1, rtt = -1, fraction_lost = -1;
  bool any_out = false, any_in = false, any_lost = false;
  std::string codec;
  std::string local_candidate_id, remote_candidate_id;
};

void
add (double *total, const GstStructure *s, const char *field)
{
  double v;
  if (number (s, field, &v))
    *total += v;
}

void
take_max (double *value, const GstStructure *s, const char *field)
{
  double v;
  if (number (s, field, &v) && v > *value)
    *value = v;
}

void
collect (const GstStructure *s, Totals &t)
{
  GstWebRTCStatsType type;
  if (!gst_structure_get (s, "type", GST_TYPE_WEBRTC_STATS_TYPE, &type, nullptr))
    return;
  switch (type) {
    case GST_WEBRTC_STATS_OUTBOUND_RTP:
      t.any_out = true;
      add (&t.packets_sent, s, "packets-sent");
      add (&t.bytes_sent, s, "bytes-sent");
      add (&t.nack, s, "nack-count");
      add (&t.pli, s, "pli-count");
      add (&t.fir, s, "fir-count");
      break;
    case GST_WEBRTC_STATS_INBOUND_RTP:
      t.any_in = true;
      add (&t.packets_received, s, "packets-received");
      add (&t.bytes_received, s, "bytes-received");
      if (gst_structure_has_field (s, "packets-lost")) {
        t.any_lost = true;
        add (&t.packets_lost, s, "packets-lost");
      }
      add (&t.nack, s, "nack-count");
      add (&t.pli, s, "pli-count");
      add (&t.fir, s, "fir-count");
      take_max (&t.jitter, s, "jitter");
      break;
    case GST_WEBRTC_STATS_REMOTE_INBOUND_RTP:
      /* What the consumer tells us it received (RTCP receiver reports). */
      if (gst_structure_has_field (s, "packets-lost")) {
        t.any_lost = true;
        add (&t.packets_lost, s, "packets-lost");
      }
      take_max (&t.jitter, s, "jitter");
      take_max (&t.rtt, s, "round-trip-time");
      take_max (&t.fraction_lost, s, "fraction-lost");
      break;
    case GST_WEBRTC_STATS_REMOTE_OUTBOUND_RTP:
      take_max (&t.rtt, s, "round-trip-time");
      break;
    case GST_WEBRTC_STATS_CODEC: {
      const char *mime = gst_structure_get_string (s, "mime-type");
      const char *name = gst_structure_get_string (s, "encoding-name");
      const char *codec = mime ? strchr (mime, '/') : nullptr;
      std::string found = codec ? codec + 1 : name ? name : "";
      if (!found.empty () && t.codec.find (found) == std::string::npos)
        t.codec += (t.codec.empty () ? "" : "+") + found;
      break;
    }
    case GST_WEBRTC_STATS_CANDIDATE_PAIR: {
      const char *local = gst_structure_get_string (s, "local-candidate-id");
      const char *remote = gst_structure_get_string (s, "remote-candidate-id");
      if (local && remote) {
        t.local_candidate_id = local;
        t.remote_candidate_id = remote;
      }
      break;
    }
    default:
      break;
  }
}

struct Candidate {
  std::string address; /* "ADDRESS:PORT" */
  std::string type;    /* host, srflx, prflx or relay */
};

Candidate
candidate_of (const GstStructure *reply, const std::string &id)
{
  const GstStructure *c = nullptr;
  if (id.empty () || !gst_structure_get (reply, id.c_str (), GST_TYPE_STRUCTURE, &c, nullptr))
    return {};
  GstStructure *owned = const_cast<GstStructure *> (c);
  const char *address = gst_structure_get_string (owned, "address");
  const char *type = gst_structure_get_string (owned, "candidate-type");
  guint port = 0;
  gst_structure_get_uint (owned, "port", &port);
  Candidate out;
  out.address = address ? std::string (address) + ":" + std::to_string (port) : "";
  out.type = type ? type : "";
  gst_structure_free (owned);
  return out;
}

} // namespace

GstStructure *
SessionStatsTracker::update (const GstStructure *reply, gint64 now_us)
{
  Totals t;
  for (int i = 0; i < gst_structure_n_fields (reply); i++) {
    const GValue *value = gst_structure_get_value (reply, gst_structure_nth_field_name (reply, i));
    if (G_VALUE_HOLDS (value, GST_TYPE_STRUCTURE))
      collect (gst_value_get_structure (value), t);
  }
  GstStructure *out = gst_structure_new ("session-stats", "role", G_TYPE_STRING, role_.c_str (),
      "peer-id", G_TYPE_STRING, peer_id_.c_str (), nullptr);
  if (!t.codec.empty ())
    gst_structure_set (out, "codec", G_TYPE_STRING, t.codec.c_str (), nullptr);
  double seconds = last_us_ ? (now_us - last_us_) / 1e6 : 0;
  /* Only the directions that carry media (a receiver has RTCP-only senders). */
  if (t.any_out && t.bytes_sent > 0) {
    gst_structure_set (out, "packets-sent", G_TYPE_UINT64, (guint64) t.packets_sent,
        "bytes-sent", G_TYPE_UINT64, (guint64) t.bytes_sent, nullptr);
    if (seconds > 0)
      gst_structure_set (out, "bitrate-out", G_TYPE_DOUBLE,
          MAX (0.0, (t.bytes_sent - last_bytes_sent_) * 8 / seconds), nullptr);
    last_bytes_sent_ = t.bytes_sent;
  }
  if (t.any_in && t.bytes_received > 0) {
    gst_structure_set (out, "packets-received", G_TYPE_UINT64, (guint64) t.packets_received,
        "bytes-received", G_TYPE_UINT64, (guint64) t.bytes_received, nullptr);
    if (seconds > 0)
      gst_structure_set (out, "bitrate-in", G_TYPE_DOUBLE,
          MAX (0.0, (t.bytes_received - last_bytes_received_) * 8 / seconds), nullptr);
    last_bytes_received_ = t.bytes_received;
  }
  /* A cumulative count may dip below 0 with duplicates (RFC 3550 6.4.1). */
  if (t.any_lost)
    gst_structure_set (out, "packets-lost", G_TYPE_INT64, (gint64) MAX (t.packets_lost, 0.0),
        nullptr);
  if (t.fraction_lost >= 0)
    gst_structure_set (out, "fraction-lost", G_TYPE_DOUBLE, t.fraction_lost, nullptr);
  if (t.jitter >= 0)
    gst_structure_set (out, "jitter", G_TYPE_DOUBLE, t.jitter, nullptr);
  if (t.rtt >= 0)
    gst_structure_set (out, "rtt", G_TYPE_DOUBLE, t.rtt, nullptr);
  gst_structure_set (out, "nack-count", G_TYPE_UINT, (guint) t.nack, "pli-count", G_TYPE_UINT,
      (guint) t.pli, "fir-count", G_TYPE_UINT, (guint) t.fir, nullptr);
  Candidate local = candidate_of (reply, t.local_candidate_id);
  Candidate remote = candidate_of (reply, t.remote_candidate_id);
  if (!local.address.empty () && !remote.address.empty ())
    gst_structure_set (out, "candidate-pair", G_TYPE_STRING,
        (local.address + " <-> " + remote.address).c_str (), nullptr);
  /* "relay <-> host": whether a TURN server carries the session. */
  if (!local.type.empty () && !remote.type.empty ())
    gst_structure_set (out, "candidate-types", G_TYPE_STRING,
        (local.type + " <-> " + remote.type).c_str (), nullptr);
  last_us_ = now_us;
  return out;
}

} // namespace gstsig
