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

namespace gstsig {

/* ADDR:PORT ("127.0.0.1:8443", "[::1]:0", "0.0.0.0:8443"); false when it
 * is not one. */
bool parse_serve_address (const std::string &serve, std::string *host, unsigned *port);

class EmbeddedServer {
public:
  ~EmbeddedServer () { stop (); }

  /* State-change thread: listens on serve; on failure posts the element's
   * error (what to change) and returns false. */
  bool start (GstElement *element, const std::string &serve);
  /* State-change thread. Idempotent. */
  void stop ();

  /* After start: the web app's URL and the WebSocket URI of its
   * signalling (127.0.0.1 when listening on every address). */
  const std::string &url () const { return url_; }
  const std::string &ws_uri () const { return ws_uri_; }

private:
  std::unique_ptr<ContextThread> thread_;
  std::unique_ptr<Server> server_; /* lives and dies on thread_ */
  std::string url_;
  std::string ws_uri_;
};

} // namespace gstsig
