/* gst-webrtcsignal: what manual-signaller.cpp (the GObject, the interface
 * and our own token) and manual-input.cpp (the other side's token: stdin,
 * a file or "paste", and the wait for it) share.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "manual-signaller.h"

#include "manual-token.h"
#include "signaller-worker.h"

#include <mutex>
#include <string>
#include <vector>

GST_DEBUG_CATEGORY_EXTERN (manual_signaller_debug);

namespace manual = gstsig::manual;

#define SESSION_ID "manual"
#define PEER_ID "manual"
#define DEFAULT_TIMEOUT_S 600
/* A day: a person pastes within that, and milliseconds of it fit a guint. */
#define MAX_TIMEOUT_S 86400

enum class Stage { IDLE, WAIT_OFFER, GATHERING, WAIT_ANSWER, DONE };

struct GstSigManualSignallerPrivate {
  std::mutex lock;                /* guards the settings and tokens below */
  std::string uri;
  bool answering = false;
  bool receiver_offers = false;   /* webrtcrecv offers (receive-only) instead of answering */
  std::string directory;          /* empty: stdin/stdout */
  bool stdio = true;
  guint timeout_s = DEFAULT_TIMEOUT_S;
  std::string uri_error;          /* what the URI got wrong; start fails with it */
  bool compress = false;
  std::string offer_token;        /* the last offer, ours or pasted */
  std::string answer_token;       /* the last answer, ours or pasted */

  /* Runs from start to stop; every call from other threads goes through
   * post(). */
  gstsig::SignallerWorker worker { "webrtcsignal-manual" };

  /* Everything below lives on the worker's thread only; settings copied at
   * start. */
  bool run_consumer = false, run_answering = false, run_compress = false, run_stdio = false;
  std::string run_directory;
  guint run_timeout_s = DEFAULT_TIMEOUT_S;
  Stage stage = Stage::IDLE;
  std::string local_sdp;
  GstWebRTCSDPType local_type = GST_WEBRTC_SDP_TYPE_OFFER;
  bool have_local = false;
  bool gathered = false;
  std::vector<manual::Candidate> candidates;
  guint fallback_source = 0;
  guint deadline_source = 0;
  guint poll_source = 0;
  GSource *stdin_source = nullptr;
  std::string stdin_buffer;       /* a partial line */
  std::string raw_sdp;            /* lines of a multi-line raw SDP paste */
  std::string last_bad_file;      /* a rejected file, not reported twice */
};

struct _GstSigManualSignaller {
  GstObject parent;
  GstSigManualSignallerPrivate *priv;
};

/* ---- on the signaller thread ---- */

/* manual-signaller.cpp */
const char *type_name (GstWebRTCSDPType type);
std::string file_for (GstSigManualSignaller *self, GstWebRTCSDPType type);
void fail (GstSigManualSignaller *self, GError *error);
void store_token (GstSigManualSignaller *self, GstWebRTCSDPType type, const std::string &token);

/* manual-input.cpp */
void wait_for (GstSigManualSignaller *self, Stage stage);
bool handle_input (GstSigManualSignaller *self, const std::string &text);
bool poll_file (GstSigManualSignaller *self);
gboolean on_stdin (gint fd, GIOCondition condition, gpointer user_data);
