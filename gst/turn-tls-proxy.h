/* gst-webrtcsignal: TURN over TLS (turns://) for webrtcbin 1.22.
 *
 * libnice 0.1.21 takes a "TLS" relay (what webrtcbin makes of turns://) but,
 * in the RFC 5245 mode webrtcbin uses, never starts TLS on it: it speaks
 * plain TURN over TCP to the TLS port, and a TURN server that only takes TLS
 * drops it (its pseudo-TLS exists for Google's and Microsoft's old relays
 * only; see WEBRTC-NOTES / docs/security.md). So we carry the TLS
 * ourselves: each turns:// server gets a listener on 127.0.0.1 (a free
 * port), webrtcbin is given turn://USER:PASS@127.0.0.1:PORT?transport=tcp,
 * and every connection libnice makes there is joined to a TLS connection
 * (GIO) to the real server. The relayed addresses are the TURN server's, so
 * peers see no difference; only our leg to the server is TLS.
 *
 * Trust: the system's CAs, or a PEM file (turn-ca-file on the elements);
 * a certificate that does not verify refuses the connection and is
 * reported through the warn callback, naming the problem and the property.
 * Bounds: at most MAX_SERVERS servers, MAX_CONNECTIONS joined at once per
 * server (libnice makes one per allocation); connecting and the handshake
 * time out after CONNECT_TIMEOUT_S. Internal to the library.
 *
 * Threading: any thread; the proxying runs on a thread of its own. The
 * destructor closes the listeners and every connection; it waits for a TLS
 * connect in flight to end (at once when cancelled, at worst its
 * CONNECT_TIMEOUT_S I/O timeout).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "tls-client.h"

#include <cstddef>
#include <functional>
#include <memory>
#include <string>

namespace gstsig {

class TurnTlsProxy {
public:
  static constexpr unsigned MAX_CONNECTIONS = 16;
  static constexpr size_t MAX_SERVERS = 8; /* turns:// servers (listeners) per proxy */
  static constexpr unsigned CONNECT_TIMEOUT_S = 10;

  /* warn: trouble a user should hear of (a refused certificate, a server
   * that cannot be reached); called on the proxy's thread. */
  TurnTlsProxy (tls::ClientTls tls, std::function<void (const std::string &)> warn);
  ~TurnTlsProxy ();
  TurnTlsProxy (const TurnTlsProxy &) = delete;
  TurnTlsProxy &operator= (const TurnTlsProxy &) = delete;

  /* For a turns:// URI: the turn://...?transport=tcp URI of a local
   * listener that carries it (the same one for the same server); any other
   * URI as it is. "" with *error when a turns:// URI cannot be read. */
  std::string local_uri (const std::string &uri, std::string *error);

  struct State; /* turn-tls-proxy.cpp */

private:
  std::shared_ptr<State> state_;
};

/* Whether uri is a turns:// URI (TURN over TLS). */
bool is_turns_uri (const std::string &uri);

} // namespace gstsig
