/* gst-webrtcsignal: what webrtcsend.cpp (the element) and
 * webrtcsend-inputs.cpp (its request pads and their end) share.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "webrtcsend.h"

#include "embedded-server.h"
#include "input-stream.h"
#include "raii.h"
#include "send-session.h"
#include "session-host.h"

#include <memory>
#include <mutex>
#include <string>
#include <vector>

GST_DEBUG_CATEGORY_EXTERN (gst_sig_send_debug);

#define DEFAULT_VIDEO_BITRATE 2000
/* Enough for a room, not enough for one hostile server to exhaust the
 * machine with webrtcbins (each costs threads, sockets and memory). */
#define DEFAULT_MAX_CONSUMERS 50
#define DEFAULT_MIN_BITRATE 100
#define DEFAULT_START_BITRATE 600
#define DEFAULT_VIDEO_TIERS 3

/* webrtcsend's congestion-control property. */
typedef enum {
  GST_SIG_CONGESTION_CONTROL_NONE,
  GST_SIG_CONGESTION_CONTROL_TWCC,
} GstSigCongestionControl;

/* webrtcsend's fec property (fec-policy.h). */
typedef enum {
  GST_SIG_FEC_OFF,
  GST_SIG_FEC_ON,
  GST_SIG_FEC_AUTO,
} GstSigFec;

struct GstSigSendPrivate {
  std::mutex lock; /* guards the settings, serve_url and inputs; nests with nothing */
  gstsig::ServeSettings serve;
  std::string serve_url;
  std::string serve_fingerprint;
  unsigned video_bitrate = DEFAULT_VIDEO_BITRATE;
  unsigned max_consumers = DEFAULT_MAX_CONSUMERS;
  GstSigCongestionControl congestion_control = GST_SIG_CONGESTION_CONTROL_TWCC;
  GstSigFec fec = GST_SIG_FEC_AUTO;
  unsigned fec_min_rtt_ms = 20;
  unsigned min_bitrate = DEFAULT_MIN_BITRATE;
  unsigned max_bitrate = 0; /* 0: video-bitrate */
  unsigned start_bitrate = DEFAULT_START_BITRATE;
  unsigned video_tiers = DEFAULT_VIDEO_TIERS;
  std::vector<unsigned> video_tier_ladder; /* kbit/s, fastest first; empty: none */
  gstsig::UniqueStructure meta;
  std::vector<std::unique_ptr<gstsig::InputStream>> inputs;

  /* Owned by the base; lives as long as the element. */
  gstsig::Sessions<gstsig::SendSession> *sessions = nullptr;

  /* State-change thread only. */
  gstsig::EmbeddedServer server;

  /* Control thread only. */
  bool ended = false;  /* every input has ended: no new sessions */
  guint end_timer = 0; /* ends the sessions once the last media is out */
};

struct _GstSigSend {
  GstSigBaseBin parent;
  GstSigSendPrivate *priv;
};

namespace gstsig {

/* Any thread: the inputs, as they are now. */
std::vector<InputStream *> send_current_inputs (GstSigSend *self);
/* Every input has reached EOS (and none flowed again since). */
bool send_all_inputs_ended (GstSigSend *self);
/* GstElement request_new_pad / release_pad. */
GstPad *send_request_new_pad (GstElement *element, GstPadTemplate *templ, const gchar *name,
    const GstCaps *caps);
void send_release_pad (GstElement *element, GstPad *pad);

} // namespace gstsig
