/* gst-webrtcsignal: a WebSocket client connection on a stream of our own,
 * for the clients of a signalling server (the ws signaller, the recorder's
 * listener). libsoup 3.2 keeps the fragments of a message without a limit
 * (its max-incoming-payload-size bounds one frame), so a hostile server
 * could grow a client without end by never finishing a message. Here the
 * upgrade is made over a counted stream (counted-stream.h) and reads fail
 * once more than twice the message limit arrives without a complete
 * message. libsoup still runs the WebSocket itself. Internal to the library.
 *
 * Threading: call on the thread whose thread-default GMainContext runs the
 * connection; the callback comes there too.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "tls-client.h"

#include <gio/gio.h>
#include <libsoup/soup.h>

#include <functional>
#include <string>

namespace gstsig {

struct WsClientOptions {
  std::string uri;          /* ws://, wss://, http:// or https:// */
  std::string shown_uri;    /* the URI in messages (a token masked); "" = uri */
  std::string bearer_token; /* sent as "Authorization: Bearer TOKEN"; "" = none */
  /* The subprotocol to ask for (e.g. "janus-protocol"); "" = none. The
   * server may choose it or none, nothing else. */
  std::string protocol;
  /* wss: which certificates to trust (the CA file or the insecure switch). */
  tls::ClientTls tls;
  /* The longest message (one frame, or all fragments of one). */
  guint64 max_message_bytes = 4 * 1024 * 1024;
  /* From the start of the TCP connection to the server's 101. */
  unsigned handshake_timeout_s = 30;
};

/* Why a connection could not be made. */
struct WsClientFailure {
  guint status = 0;     /* the server answered the upgrade with this HTTP status */
  std::string reason;   /* and this reason phrase */
  GError *error = nullptr; /* what failed, for a log or a message (owned here) */
  std::string tls_problem; /* a refused certificate in words, with the option to use ("": not TLS) */
};

/* The connection (transfer full) or nullptr and the failure; always called
 * once, with G_IO_ERROR_CANCELLED when cancellable was cancelled. */
using WsClientDone = std::function<void (SoupWebsocketConnection *conn,
    const WsClientFailure &failure)>;

/* Connects, makes the upgrade and hands over an open connection whose
 * max-incoming-payload-size is options.max_message_bytes and whose reads
 * fail (the connection then closes with an error) past twice that many
 * bytes without a complete message. */
void ws_client_connect (const WsClientOptions &options, GCancellable *cancellable,
    WsClientDone done);

/* The Sec-WebSocket-Accept a server must answer to key (RFC 6455 4.2.2). */
std::string ws_accept_key (const std::string &key);

} // namespace gstsig
