/* gst-webrtcsignal: webrtcsend's serve=ADDR:PORT: the signalling server and
 * web app (gst/server.h) run inside the element, on a thread of their own.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "context-thread.h"
#include "server.h"

#include <gst/gst.h>

#include <memory>
#include <string>
#include <vector>

namespace gstsig {

/* ADDR:PORT ("127.0.0.1:8443", "[::1]:0", "0.0.0.0:8443"); false when it
 * is not one. */
bool parse_serve_address (const std::string &serve, std::string *host, unsigned *port);

/* What serve= and its serve-* properties ask for. */
struct ServeSettings {
  std::string address;            /* ADDR:PORT */
  std::string cert_file, key_file; /* PEM; both or neither */
  bool self_signed = false;
  std::string token;              /* pages and tools need it; empty: none */
  std::vector<std::string> allowed_origins;
};

class EmbeddedServer {
public:
  ~EmbeddedServer () { stop (); }

  /* State-change thread: listens as settings say; on failure posts the
   * element's error (what to change) and returns false. */
  bool start (GstElement *element, const ServeSettings &settings);
  /* State-change thread. Idempotent. */
  void stop ();

  /* After start: the web app's URL and the WebSocket URI of its
   * signalling (127.0.0.1 when listening on every address). */
  const std::string &url () const { return url_; }
  const std::string &ws_uri () const { return ws_uri_; }
  /* The element's own signaller connects with this token (made at start,
   * never shown). With a self-signed certificate it trusts exactly that
   * certificate (own_ca_file: its PEM in a temporary file, removed at
   * stop); with the user's certificate, whose names may not include the
   * address it connects to, it does not check it (insecure-tls). */
  const std::string &own_token () const { return own_token_; }
  const std::string &own_ca_file () const { return own_ca_file_; }
  bool uses_tls () const { return tls_; }
  /* SHA-256 of the certificate ("AB:CD:..."), "" without TLS. */
  const std::string &fingerprint () const { return fingerprint_; }

private:
  std::unique_ptr<ContextThread> thread_;
  std::unique_ptr<Server> server_; /* lives and dies on thread_ */
  std::string url_;
  std::string ws_uri_;
  std::string own_token_;
  std::string own_ca_file_;
  std::string fingerprint_;
  bool tls_ = false;
};

} // namespace gstsig
