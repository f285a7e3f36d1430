/* gst-webrtcsignal: what the WHIP endpoint (webrtcrecv uri=whip-listen://)
 * and the WHEP endpoint (webrtcsend uri=whep-listen://) signallers share:
 * settings, the thread their HttpEndpoint lives on, and the translation
 * between HTTP resources and the signaller interface's sessions (a
 * resource id is the session id).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "signaller.h"
#include "signaller-worker.h"

#include <gst/gst.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <string>

namespace gstsig {

class HttpEndpoint;

enum class EndpointKind {
  WHIP, /* webrtcrecv: one publisher at a time; we answer its offer */
  WHEP, /* webrtcsend: many viewers (max-consumers); we answer each offer */
};

class EndpointSignaller {
public:
  EndpointSignaller (GstSigSignaller *owner, EndpointKind kind);
  ~EndpointSignaller ();

  /* Settings (any thread). */
  void set_uri (const char *uri);
  std::string uri () const;
  void set_auth_token (const char *token);
  std::string auth_token () const;
  /* TLS (https): PEM files, or a self-signed certificate made at start. */
  struct Tls {
    std::string cert_file, key_file;
    bool self_signed = false;
  };
  void set_tls (const Tls &tls);
  Tls tls () const;
  /* The URL clients POST to, with the bound port; empty until started. */
  std::string url () const;

  /* The signaller interface. */
  bool start (const GstSigSignallerSettings *settings, GError **error);
  void stop ();
  void send_sdp (const gchar *session_id, const GstWebRTCSessionDescription *desc);
  void add_ice (const gchar *session_id, const gchar *candidate, guint mline);
  void end_session (const gchar *session_id, GstSigSessionEnd reason);

private:
  void announce (GstElement *element, const std::string &url, const std::string &fingerprint);
  void warn_open (const std::string &host, const std::string &uri);

  GstSigSignaller *owner_; /* not owned: owns us */
  EndpointKind kind_;
  mutable std::mutex lock_; /* guards the settings and url_ */
  std::string uri_;
  std::string auth_token_;
  Tls tls_;
  std::string url_;

  /* Runs from start to stop; calls from other threads post() to it. */
  SignallerWorker worker_ { "webrtcsignal-endpoint" };
  /* On worker_'s thread only. */
  std::unique_ptr<HttpEndpoint> endpoint_;
  unsigned max_sessions_ = 0; /* the element's limit, for its 503 text */
  /* WHIP: the element took its one session (thread_ only). */
  bool used_ = false;
  /* WHIP: the last session's client left before our answer; cleared when
   * our next answer goes out (thread_ writes; any thread reads). A flag of
   * its own, not !used_: the next POST may be admitted before the element
   * has handled the end of the abandoned one. */
  std::atomic<bool> last_abandoned_ { false };

public:
  /* WHIP: the element may take the next publisher after the session that
   * just ended. */
  bool takes_another_session () const { return last_abandoned_; }
};

/* The GObject glue both signaller types (GstSigWhipEndpoint in
 * whip-endpoint.cpp, GstSigWhepEndpoint in whep-endpoint.cpp) share. Their
 * instance struct derives from EndpointObject, adding nothing:
 *   struct _GstSigWhipEndpoint : gstsig::EndpointObject {};
 * Both derive from GstObject and are final. */
struct EndpointObject {
  GstObject parent;
  EndpointSignaller *endpoint; /* created in init, deleted (stopped) in finalize */
};

/* Properties "uri", "auth-token" and "url" (blurbs by kind), their
 * set/get_property, and finalize. */
void endpoint_class_init (GObjectClass *klass, EndpointKind kind);
/* The signaller interface calls, forwarded to self->endpoint. */
void endpoint_iface_init (GstSigSignallerInterface *iface);
void endpoint_object_init (EndpointObject *self, EndpointKind kind);

} // namespace gstsig
