/* plain-signalling: what the plain baselines of bench/ (plain-sender,
 * plain-receiver) share: the gst-plugins-rs WebSocket signalling protocol
 * (PROTOCOL.md) spoken with libsoup 3 and json-glib directly, offer/answer
 * and ICE trickling for one webrtcbin per session, the main loop, SIGINT /
 * SIGTERM and the bus. Deliberately plain, and independent of
 * libgstwebrtcsignal.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/gst.h>
#include <gst/webrtc/webrtc.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* One peer connection. Programs embed it as the first member of their own
 * session struct. */
typedef struct {
  char *id;            /* the signalling session id */
  GstElement *webrtc;
} PlainSession;

/* A message from the server; type is never NULL ("" if missing). */
typedef void (*PlainMessageFunc) (const char *type, JsonObject *msg);

/* Call first: names the program in the log and starts its clock. */
void plain_init (const char *program);

/* A line on stderr: "PROGRAM: [SECONDS s] TEXT", seconds since plain_init. */
void plain_note (const char *fmt, ...) G_GNUC_PRINTF (1, 2);

/* Sends a JSON object; callable from any thread. Takes the builder. */
void plain_send_json (JsonBuilder *b);

/* setPeerStatus with role ("producer", or NULL for no role) and, if name is
 * not NULL, meta {name}. */
void plain_send_peer_status (const char *role, const char *name);

/* A builder holding an open {"type": "peer", "sessionId": ...} object. */
JsonBuilder *plain_peer_message (const char *session_id);

/* Sets up s->webrtc (made by the caller): adds 127.0.0.1 to its ICE agent
 * (libnice leaves out loopback addresses, and in a loopback-only namespace
 * that leaves nothing) and trickles its candidates to the server. */
void plain_session_init (PlainSession *s);

/* create-offer (offer = TRUE) or create-answer, then set-local-description
 * and sends it. */
void plain_session_describe (PlainSession *s, gboolean offer);

/* A "peer" message for s: adds a remote ICE candidate, or sets a remote
 * description of the type expected (GST_WEBRTC_SDP_TYPE_OFFER or _ANSWER).
 * Returns TRUE when it set a remote description. */
gboolean plain_session_handle_peer (PlainSession *s, JsonObject *msg, GstWebRTCSDPType expected);

/* Tells the session's webrtcbin to forget s before s is freed. */
void plain_session_clear (PlainSession *s);

/* Connects to url, hands every message but "welcome" to on_message (after
 * "welcome", on_welcome is called; errors are logged and handed on), and
 * runs the main loop until plain_quit(), an error on the pipeline's bus,
 * EOS, or the end of the signalling connection. SIGINT/SIGTERM call
 * on_stop, or quit if it is NULL. Returns 0, or 1 when the connection
 * failed or the pipeline posted an error. */
int plain_run (const char *url, GstElement *pipeline, void (*on_welcome) (void),
    PlainMessageFunc on_message, void (*on_stop) (void));

void plain_quit (void);

G_END_DECLS
