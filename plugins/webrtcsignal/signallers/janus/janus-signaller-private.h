/* gst-webrtcsignal: what janus-signaller.cpp (the GObject, the interface,
 * start and stop) and janus-room.cpp (the VideoRoom on the worker thread)
 * share.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "janus-signaller.h"

#include "janus-api.h"
#include "janus-client.h"
#include "limit-notice.h"
#include "signaller-worker.h"
#include "tls-client.h"

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>

GST_DEBUG_CATEGORY_EXTERN (janus_signaller_debug);

#define JANUS_DEFAULT_CONNECT_TIMEOUT_S 10
#define JANUS_RECONNECT_MIN_MS 500
#define JANUS_RECONNECT_MAX_MS 10000

/* The properties, copied out at start. */
struct JanusSettings {
  std::string uri;
  guint connect_timeout_s = JANUS_DEFAULT_CONNECT_TIMEOUT_S;
  std::string pin, secret, token, api_secret, display; /* "" = from the URI */
  std::string ca_file;
  bool insecure_tls = false;
};

/* Where the signaller is with Janus (worker thread only). */
enum class JanusStage {
  Connecting, /* making the connection, the session, the handle */
  Joined,     /* in the room */
  Stopped,
};

struct GstSigJanusSignallerPrivate {
  std::mutex lock; /* guards settings */
  JanusSettings settings;

  gstsig::SignallerWorker worker { "webrtcsignal-janus" };

  /* Everything below lives on the worker's thread only. */
  gstsig::janus::RoomAddress address; /* the URI, properties applied */
  std::string api_secret;
  gstsig::tls::ClientTls tls;
  guint connect_timeout_s = JANUS_DEFAULT_CONNECT_TIMEOUT_S;
  bool consumer = false;
  std::string display;                /* ours in the room */
  std::string video_codecs, audio_codecs; /* for ?create=1 */
  std::unique_ptr<gstsig::janus::Client> client;
  JanusStage stage = JanusStage::Connecting;
  guint64 room_handle = 0;            /* joined as publisher (producer: publishes on it) */
  gstsig::janus::Id participant_id, private_id;
  /* The one session with Janus: producer: our publication; consumer: our
   * subscription (on its own handle). "" = none. */
  std::string session_id;
  guint64 subscriber_handle = 0;
  gstsig::janus::Id feed;             /* consumer: the publisher we watch */
  bool ended_for_good = false;        /* end of stream: no new session */
  guint session_counter = 0;
  guint reconnect_source = 0;
  guint republish_source = 0;
  guint backoff_ms = JANUS_RECONNECT_MIN_MS;
  gstsig::LimitNotice trouble_notice;

  std::mutex start_lock; /* guards the three fields below */
  std::condition_variable start_cond;
  bool start_done = false;
  GError *start_error = nullptr;
};

struct _GstSigJanusSignaller {
  GstObject parent;
  GstSigJanusSignallerPrivate *priv;
};

/* ---- janus-room.cpp, on the worker thread ---- */

/* Connects (again): a new client, session, handle, join. */
void janus_connect (GstSigJanusSignaller *self);
/* stop(): ends the session with Janus politely and disconnects. */
void janus_disconnect (GstSigJanusSignaller *self);
/* Our description for the session (offer: publish; answer: start). */
void janus_send_description (GstSigJanusSignaller *self, const std::string &session_id,
    const gstsig::janus::Jsep &jsep);
void janus_send_candidate (GstSigJanusSignaller *self, const std::string &session_id,
    const std::string &candidate, guint mline, const std::string &mid);
/* The element ended session_id; end_of_stream: no new one follows. */
void janus_end_session (GstSigJanusSignaller *self, const std::string &session_id,
    bool end_of_stream);

/* ---- janus-signaller.cpp ---- */
void janus_finish_start (GstSigJanusSignaller *self, GError *error);
bool janus_start_finished (GstSigJanusSignaller *self);
