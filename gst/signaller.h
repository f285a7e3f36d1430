/* gst-webrtcsignal: the signaller interface, the one seam between an
 * element (webrtcsend, webrtcrecv) and a signalling protocol.
 *
 * The contract, in both directions; nothing else crosses the seam (no
 * property looked up by name, no signaller touching webrtcbin):
 *
 * Element -> signaller
 *   start (settings)  one GstSigSignallerSettings value: the role, the ICE
 *                     servers, the codecs, the session limit and the meta
 *                     of the element. Blocks until the signaller can take
 *                     sessions, or fails with a GError a user can act on
 *                     (a GST_RESOURCE_ERROR code is kept on the element's
 *                     error: NOT_AUTHORIZED, NOT_FOUND, BUSY, ...).
 *   send_sdp, add_ice our description and candidates for a session. For
 *                     each session the description always comes first, and
 *                     candidates follow in the order webrtcbin gave them;
 *                     an empty candidate is end-of-candidates.
 *   end_session       the element ended a session, and why
 *                     (GstSigSessionEnd: stopping, end of stream, refused
 *                     because the element is busy, ...).
 *   send_stats        optional: the latest figures of a session.
 *   stop              called after every session has ended on the element's
 *                     side; ends the protocol's sessions and disconnects.
 *
 * Signaller -> element (signals, emitted from the signaller's own thread;
 * handlers do not block and may call back into the signaller)
 *   session-requested, session-started, session-description, handle-ice,
 *   session-ended, error, warning (below), and
 *   ice-servers       STUN/TURN servers the protocol learnt (WHIP Link
 *                     headers): the element's sessions apply them to their
 *                     webrtcbin.
 *
 * Capabilities (get_capabilities, with defaults for a signaller that does
 * not implement it): whether a consumer makes the offer, whether a consumer
 * takes another session after one that ended before media, and how long a
 * session may take to connect.
 *
 * Threads: start/stop on the element's state-change thread; send_sdp,
 * add_ice, end_session and send_stats from any thread, at any time, also
 * while stop runs on another (SignallerWorker, signaller-worker.h, makes
 * that safe). They must not block: queue the work and return (the element
 * holds a session lock while it hands over a description or candidate).
 *
 * Signal names follow gst-plugins-rs' signaller; the GTypes are our own.
 * tests/element/test-signaller.cpp is a complete signaller written from
 * this header alone.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/gst.h>
#include <gst/webrtc/webrtc.h>

G_BEGIN_DECLS

/**
 * GstSigSignallerRole:
 * @GST_SIG_SIGNALLER_ROLE_PRODUCER: the element sends media (webrtcsend):
 *   remote peers ask it for sessions.
 * @GST_SIG_SIGNALLER_ROLE_CONSUMER: the element receives one producer
 *   (webrtcrecv): the signaller finds it and starts the session.
 */
typedef enum {
  GST_SIG_SIGNALLER_ROLE_PRODUCER,
  GST_SIG_SIGNALLER_ROLE_CONSUMER,
} GstSigSignallerRole;

/**
 * GstSigSessionEnd:
 * Why the element ended a session (end_session).
 * @GST_SIG_SESSION_END_STOPPING: the element is stopping.
 * @GST_SIG_SESSION_END_END_OF_STREAM: every input of the element ended.
 * @GST_SIG_SESSION_END_BUSY: refused: the element serves as many sessions
 *   as its limit allows (settings max_sessions); try later.
 * @GST_SIG_SESSION_END_REFUSED: refused: no codec in common, a bad offer,
 *   or the element takes no more sessions.
 * @GST_SIG_SESSION_END_PEER_GONE: the peer vanished (ICE failed, silence,
 *   never connected).
 * @GST_SIG_SESSION_END_FAILED: negotiation failed on our side.
 * @GST_SIG_SESSION_END_INPUT_RELEASED: an input the session sent was
 *   released.
 */
typedef enum {
  GST_SIG_SESSION_END_STOPPING,
  GST_SIG_SESSION_END_END_OF_STREAM,
  GST_SIG_SESSION_END_BUSY,
  GST_SIG_SESSION_END_REFUSED,
  GST_SIG_SESSION_END_PEER_GONE,
  GST_SIG_SESSION_END_FAILED,
  GST_SIG_SESSION_END_INPUT_RELEASED,
} GstSigSessionEnd;

const gchar *gst_sig_session_end_to_string (GstSigSessionEnd reason);

/**
 * GstSigSignallerSettings:
 * What the element gives its signaller at start. Owned by the caller of
 * start; a signaller copies what it keeps.
 * @role: producer (webrtcsend) or consumer (webrtcrecv).
 * @stun_server: "stun://HOST:PORT" or NULL.
 * @turn_servers: NULL-terminated "turn(s)://USER:PASS@HOST:PORT", or NULL.
 * @video_codecs, @audio_codecs: NULL-terminated codec names the element
 *   sends or takes, in order of preference ("vp8", "h264", "vp9"; "opus").
 * @max_sessions: sessions the element serves at once, 0 = no limit. The
 *   element enforces it (refusing with GST_SIG_SESSION_END_BUSY); a
 *   signaller may use it to answer early, never to count on its own.
 * @meta: what the element announces about itself (e.g. name=camera), or NULL.
 */
typedef struct {
  GstSigSignallerRole role;
  gchar *stun_server;
  gchar **turn_servers;
  gchar **video_codecs;
  gchar **audio_codecs;
  guint max_sessions;
  GstStructure *meta;
  /*< private >*/
  gpointer _padding[4];
} GstSigSignallerSettings;

#define GST_SIG_TYPE_SIGNALLER_SETTINGS (gst_sig_signaller_settings_get_type ())
GType gst_sig_signaller_settings_get_type (void);
/* (transfer full) all fields empty: producer, no servers, no codecs */
GstSigSignallerSettings *gst_sig_signaller_settings_new (void);
GstSigSignallerSettings *gst_sig_signaller_settings_copy (const GstSigSignallerSettings *s);
void gst_sig_signaller_settings_free (GstSigSignallerSettings *s);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GstSigSignallerSettings, gst_sig_signaller_settings_free)

/**
 * GstSigSignallerCapabilities:
 * What a signaller tells the element about its protocol. The element fills
 * in the defaults (all FALSE / 0) before asking.
 * @consumer_offers: in the consumer role the element makes the offer
 *   (receive-only), and the answer comes as "session-description" (WHEP).
 *   Default: the producer offers, or answers an offer of the consumer.
 * @takes_another_session: in the consumer role, a session that ends before
 *   any media arrived is not the end: another may come (an endpoint whose
 *   publisher left before our answer). Default: it is the end.
 * @setup_timeout_s: how long a session may take from its start to a
 *   connection (a person pasting tokens needs minutes). 0 = the element's
 *   default (30 s).
 */
typedef struct {
  gboolean consumer_offers;
  gboolean takes_another_session;
  guint setup_timeout_s;
  /*< private >*/
  gpointer _padding[4];
} GstSigSignallerCapabilities;

#define GST_SIG_TYPE_SIGNALLER (gst_sig_signaller_get_type ())
G_DECLARE_INTERFACE (GstSigSignaller, gst_sig_signaller, GST_SIG, SIGNALLER, GObject)

/**
 * GstSigSignallerInterface:
 * @start: required; see the contract above.
 * @stop: ends every protocol session and disconnects. Idempotent.
 * @send_sdp: required; our offer or answer for @session_id.
 * @add_ice: required; one local candidate ("" = end-of-candidates).
 * @end_session: optional; the element ended @session_id because of @reason.
 * @send_stats: optional; the latest figures of @session_id (a flat
 *   structure, see webrtcsend's "stats").
 * @get_capabilities: optional; fills @caps (preset to the defaults).
 */
struct _GstSigSignallerInterface {
  GTypeInterface parent_iface;

  gboolean (*start) (GstSigSignaller *self, const GstSigSignallerSettings *settings,
      GError **error);
  void (*stop) (GstSigSignaller *self);
  void (*send_sdp) (GstSigSignaller *self, const gchar *session_id,
      const GstWebRTCSessionDescription *desc);
  void (*add_ice) (GstSigSignaller *self, const gchar *session_id,
      const gchar *candidate, guint sdp_m_line_index, const gchar *sdp_mid);
  void (*end_session) (GstSigSignaller *self, const gchar *session_id,
      GstSigSessionEnd reason);
  void (*send_stats) (GstSigSignaller *self, const gchar *session_id,
      const GstStructure *stats);
  void (*get_capabilities) (GstSigSignaller *self, GstSigSignallerCapabilities *caps);

  gpointer _padding[6];
};

/* Called by elements. */
gboolean gst_sig_signaller_start (GstSigSignaller *self,
    const GstSigSignallerSettings *settings, GError **error);
void gst_sig_signaller_stop (GstSigSignaller *self);
void gst_sig_signaller_send_sdp (GstSigSignaller *self, const gchar *session_id,
    const GstWebRTCSessionDescription *desc);
void gst_sig_signaller_add_ice (GstSigSignaller *self, const gchar *session_id,
    const gchar *candidate, guint sdp_m_line_index, const gchar *sdp_mid);
void gst_sig_signaller_end_session (GstSigSignaller *self, const gchar *session_id,
    GstSigSessionEnd reason);
void gst_sig_signaller_send_stats (GstSigSignaller *self, const gchar *session_id,
    const GstStructure *stats);
/* The capabilities, defaults filled in where the signaller is silent. */
void gst_sig_signaller_get_capabilities (GstSigSignaller *self,
    GstSigSignallerCapabilities *caps);

/* Called by implementations to emit the interface's signals:
 * "session-requested" (session_id, peer_id, offer-or-NULL): a consumer wants
 *     our media (we are the producer); with an offer, we answer.
 * "session-started" (session_id, peer_id): a session we asked for began.
 * "session-description" (session_id, desc): the remote offer or answer.
 * "handle-ice" (session_id, sdp_m_line_index, sdp_mid-or-NULL, candidate):
 *     a remote candidate; "" means end-of-candidates.
 * "session-ended" (session_id): the remote side or the server ended it.
 * "ice-servers" (session_id-or-NULL, uris): STUN/TURN servers learnt from
 *     the protocol as webrtcbin URIs (stun://HOST:PORT,
 *     turn(s)://USER:PASS@HOST:PORT); NULL session_id: for every session
 *     started from now on (emit before the session is requested, so they
 *     apply before gathering); else for that running session (TURN only:
 *     webrtcbin 1.22 cannot take a STUN server late).
 * "error" (GError): the signaller failed (e.g. lost its server for good).
 * "warning" (GError): trouble the signaller got over but a user should hear
 *     of (e.g. the server sends messages we cannot read); the element posts
 *     it as a warning message. Emit it once, then at most once a minute
 *     (LimitNotice), never once per message. */
void gst_sig_signaller_emit_session_requested (GstSigSignaller *self, const gchar *session_id,
    const gchar *peer_id, const GstWebRTCSessionDescription *offer);
void gst_sig_signaller_emit_session_started (GstSigSignaller *self, const gchar *session_id,
    const gchar *peer_id);
void gst_sig_signaller_emit_session_description (GstSigSignaller *self, const gchar *session_id,
    const GstWebRTCSessionDescription *desc);
void gst_sig_signaller_emit_handle_ice (GstSigSignaller *self, const gchar *session_id,
    guint sdp_m_line_index, const gchar *sdp_mid, const gchar *candidate);
void gst_sig_signaller_emit_session_ended (GstSigSignaller *self, const gchar *session_id);
void gst_sig_signaller_emit_ice_servers (GstSigSignaller *self, const gchar *session_id,
    const gchar *const *uris);
void gst_sig_signaller_emit_error (GstSigSignaller *self, const GError *error);
void gst_sig_signaller_emit_warning (GstSigSignaller *self, const GError *warning);

/* The registry from URI scheme to signaller type. Plugins register their
 * signallers when they load; a third party can add its own. */
void gst_sig_signaller_register_scheme (const gchar *scheme, GType type);
/* (transfer full): a new signaller whose "uri" property is @uri, or NULL
 * with GST_URI_ERROR_UNSUPPORTED_PROTOCOL / GST_URI_ERROR_BAD_URI. */
GstSigSignaller *gst_sig_signaller_new_for_uri (const gchar *uri, GError **error);
/* (transfer full): NULL-terminated list of registered schemes. */
gchar **gst_sig_signaller_dup_schemes (void);

G_END_DECLS
