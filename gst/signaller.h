/* gst-webrtcsignal: the signaller interface, the only seam between an
 * element and a signalling protocol.
 *
 * Calls go in as virtual functions (start, stop, send_sdp, add_ice,
 * end_session); events come out as signals. Signal names follow
 * gst-plugins-rs' signaller; the GType is our own (GstSigSignaller).
 *
 * Threads: an implementation emits its signals from its own thread. Handlers
 * must not block; they may call back into the signaller.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/gst.h>
#include <gst/webrtc/webrtc.h>

G_BEGIN_DECLS

#define GST_SIG_TYPE_SIGNALLER (gst_sig_signaller_get_type ())
G_DECLARE_INTERFACE (GstSigSignaller, gst_sig_signaller, GST_SIG, SIGNALLER, GObject)

/**
 * GstSigSignallerInterface:
 * @start: connects/prepares; blocks until the signaller can take sessions or
 *   fails (with a #GError a user can act on). Called on the element's
 *   state-change thread.
 * @stop: ends every session and disconnects. Idempotent.
 * @send_sdp: sends our offer or answer for @session_id.
 * @add_ice: sends one local ICE candidate; an empty @candidate means
 *   end-of-candidates.
 * @end_session: ends @session_id from our side.
 * @send_stats: optional; reports the latest figures of @session_id (a flat
 *   structure, see webrtcsend's "stats") to whoever the protocol tells.
 */
struct _GstSigSignallerInterface {
  GTypeInterface parent_iface;

  gboolean (*start) (GstSigSignaller *self, GError **error);
  void (*stop) (GstSigSignaller *self);
  void (*send_sdp) (GstSigSignaller *self, const gchar *session_id,
      const GstWebRTCSessionDescription *desc);
  void (*add_ice) (GstSigSignaller *self, const gchar *session_id,
      const gchar *candidate, guint sdp_m_line_index, const gchar *sdp_mid);
  void (*end_session) (GstSigSignaller *self, const gchar *session_id);
  void (*send_stats) (GstSigSignaller *self, const gchar *session_id,
      const GstStructure *stats);

  gpointer _padding[7];
};

/* Called by elements. */
gboolean gst_sig_signaller_start (GstSigSignaller *self, GError **error);
void gst_sig_signaller_stop (GstSigSignaller *self);
void gst_sig_signaller_send_sdp (GstSigSignaller *self, const gchar *session_id,
    const GstWebRTCSessionDescription *desc);
void gst_sig_signaller_add_ice (GstSigSignaller *self, const gchar *session_id,
    const gchar *candidate, guint sdp_m_line_index, const gchar *sdp_mid);
void gst_sig_signaller_end_session (GstSigSignaller *self, const gchar *session_id);
void gst_sig_signaller_send_stats (GstSigSignaller *self, const gchar *session_id,
    const GstStructure *stats);

/* Called by implementations to emit the interface's signals:
 * "session-requested" (session_id, peer_id, offer-or-NULL): a consumer wants
 *     our media (we are the producer); with an offer, we answer.
 * "session-started" (session_id, peer_id): a session we asked for began.
 * "session-description" (session_id, desc): the remote offer or answer.
 * "handle-ice" (session_id, sdp_m_line_index, sdp_mid-or-NULL, candidate):
 *     a remote candidate; "" means end-of-candidates.
 * "session-ended" (session_id): the remote side or the server ended it.
 * "error" (GError): the signaller failed (e.g. lost its server for good). */
void gst_sig_signaller_emit_session_requested (GstSigSignaller *self, const gchar *session_id,
    const gchar *peer_id, const GstWebRTCSessionDescription *offer);
void gst_sig_signaller_emit_session_started (GstSigSignaller *self, const gchar *session_id,
    const gchar *peer_id);
void gst_sig_signaller_emit_session_description (GstSigSignaller *self, const gchar *session_id,
    const GstWebRTCSessionDescription *desc);
void gst_sig_signaller_emit_handle_ice (GstSigSignaller *self, const gchar *session_id,
    guint sdp_m_line_index, const gchar *sdp_mid, const gchar *candidate);
void gst_sig_signaller_emit_session_ended (GstSigSignaller *self, const gchar *session_id);
void gst_sig_signaller_emit_error (GstSigSignaller *self, const GError *error);

/* The registry from URI scheme to signaller type. Plugins register their
 * signallers when they load; a third party can add its own. */
void gst_sig_signaller_register_scheme (const gchar *scheme, GType type);
/* (transfer full): a new signaller whose "uri" property is @uri, or NULL
 * with GST_URI_ERROR_UNSUPPORTED_PROTOCOL / GST_URI_ERROR_BAD_URI. */
GstSigSignaller *gst_sig_signaller_new_for_uri (const gchar *uri, GError **error);
/* (transfer full): NULL-terminated list of registered schemes. */
gchar **gst_sig_signaller_dup_schemes (void);

G_END_DECLS
