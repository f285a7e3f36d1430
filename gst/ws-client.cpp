/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "ws-client.h"

#include "counted-stream.h"
#include "guarded-listener.h"
#include "secure-random.h"

#include <memory>
#include <utility>

namespace gstsig {

namespace {

/* The longest answer to the upgrade we read (status line and headers). */
constexpr guint64 MAX_RESPONSE_BYTES = 16 * 1024;

/* RFC 6455 1.3. */
constexpr const char *ACCEPT_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/* One connection attempt, from the TCP connect to the 101; deleted by
 * finish (). */
struct Attempt {
  WsClientOptions options;
  WsClientDone done;
  std::string shown_uri;      /* for messages */
  GUri *uri = nullptr;
  GSocketClient *client = nullptr;
  GCancellable *cancel = nullptr; /* ours: the caller's or the timeout cancel it */
  GCancellable *caller = nullptr;
  gulong caller_handler = 0;
  GSource *timeout = nullptr;
  bool timed_out = false;
  GTlsConnection *tls_conn = nullptr; /* wss: for what its certificate check saw */
  bool connected = false;             /* TCP (and TLS) up: later failures are not TLS's */
  std::shared_ptr<StreamCounters> counters;
  GIOStream *stream = nullptr; /* the counted stream */
  std::string key;
  std::string request;
  std::string response;
  char byte = 0;

  ~Attempt ()
  {
    if (timeout) {
      g_source_destroy (timeout);
      g_source_unref (timeout);
    }
    if (caller_handler)
      g_cancellable_disconnect (caller, caller_handler);
    g_clear_object (&caller);
    g_clear_object (&cancel);
    g_clear_object (&tls_conn);
    g_clear_object (&stream);
    if (client)
      g_signal_handlers_disconnect_by_data (client, this);
    g_clear_object (&client);
    g_clear_pointer (&uri, g_uri_unref);
  }
};

void
finish (Attempt *a, SoupWebsocketConnection *conn, WsClientFailure &failure)
{
  WsClientDone done = std::move (a->done);
  delete a;
  done (conn, failure);
  g_clear_error (&failure.error);
}

void
fail (Attempt *a, GError *error, guint status = 0, const std::string &reason = "")
{
  WsClientFailure failure;
  failure.status = status;
  failure.reason = reason;
  if (a->timed_out && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
    g_clear_error (&error);
    error = g_error_new (G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
        "no answer to the WebSocket upgrade within %u s", a->options.handshake_timeout_s);
  }
  if (!a->connected)
    failure.tls_problem = a->options.tls.describe_failure (a->tls_conn, error, a->shown_uri);
  failure.error = error;
  finish (a, nullptr, failure);
}

void
fail_with (Attempt *a, const std::string &text)
{
  fail (a, g_error_new (G_IO_ERROR, G_IO_ERROR_FAILED, "%s", text.c_str ()));
}

/* Each complete message gives the next one the whole allowance again. */
void
on_message (SoupWebsocketConnection *, gint, GBytes *, gpointer data)
{
  auto &limits = *static_cast<std::pair<std::shared_ptr<StreamCounters>, guint64> *> (data);
  limits.first->read_limit = limits.first->read + limits.second;
}

void
free_limits (gpointer data, GClosure *)
{
  delete static_cast<std::pair<std::shared_ptr<StreamCounters>, guint64> *> (data);
}

/* The 101 is checked as RFC 6455 4.1 asks; we offered no extension and at
 * most one subprotocol, so the server must pick no extension, and no
 * subprotocol or ours. */
bool
check_upgrade (Attempt *a, SoupMessageHeaders *headers, std::string *problem)
{
  const char *upgrade = soup_message_headers_get_one (headers, "Upgrade");
  if (!upgrade || g_ascii_strcasecmp (upgrade, "websocket") != 0) {
    *problem = "the server's 101 does not upgrade to websocket";
    return false;
  }
  if (!soup_message_headers_header_contains (headers, "Connection", "upgrade")) {
    *problem = "the server's 101 has no 'Connection: upgrade'";
    return false;
  }
  const char *accept = soup_message_headers_get_one (headers, "Sec-WebSocket-Accept");
  if (!accept || ws_accept_key (a->key) != accept) {
    *problem = "the server's Sec-WebSocket-Accept does not match our key";
    return false;
  }
  const char *protocol = soup_message_headers_get_one (headers, "Sec-WebSocket-Protocol");
  if (soup_message_headers_get_one (headers, "Sec-WebSocket-Extensions")
      || (protocol && a->options.protocol != protocol)) {
    *problem = "the server chose a WebSocket extension or subprotocol we did not offer";
    return false;
  }
  return true;
}

void
upgraded (Attempt *a)
{
  SoupMessageHeaders *headers = soup_message_headers_new (SOUP_MESSAGE_HEADERS_RESPONSE);
  guint status = 0;
  char *reason = nullptr;
  bool parsed = soup_headers_parse_response (a->response.data (), (int) a->response.size (),
      headers, nullptr, &status, &reason);
  std::string reason_text = reason ? reason : "";
  g_free (reason);
  if (!parsed) {
    soup_message_headers_unref (headers);
    fail_with (a, "the server's answer to the WebSocket upgrade is not HTTP");
    return;
  }
  if (status != SOUP_STATUS_SWITCHING_PROTOCOLS) {
    soup_message_headers_unref (headers);
    fail (a, g_error_new (G_IO_ERROR, G_IO_ERROR_FAILED, "HTTP %u %s", status,
              reason_text.c_str ()),
        status, reason_text);
    return;
  }
  std::string problem;
  bool ok = check_upgrade (a, headers, &problem);
  soup_message_headers_unref (headers);
  if (!ok) {
    fail_with (a, problem);
    return;
  }
  guint64 max = a->options.max_message_bytes;
  guint64 allowance = MAX (max * 2, max + 64 * 1024);
  a->counters->read_limit = a->counters->read + allowance;
  a->counters->read_limit_reason = "it sent more than " + std::to_string (allowance) +
      " bytes without completing a message (a message may be at most " + std::to_string (max) +
      " bytes)";
  SoupWebsocketConnection *conn = soup_websocket_connection_new (a->stream, a->uri,
      SOUP_WEBSOCKET_CONNECTION_CLIENT, nullptr,
      a->options.protocol.empty () ? nullptr : a->options.protocol.c_str (), nullptr);
  g_object_set (conn, "max-incoming-payload-size", max, nullptr);
  g_signal_connect_data (conn, "message", G_CALLBACK (on_message),
      new std::pair<std::shared_ptr<StreamCounters>, guint64> (a->counters, allowance),
      free_limits, (GConnectFlags) 0);
  WsClientFailure none;
  finish (a, conn, none);
}

void read_next_byte (Attempt *a);

void
on_byte (GObject *source, GAsyncResult *result, gpointer data)
{
  auto a = static_cast<Attempt *> (data);
  GError *error = nullptr;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, &error);
  if (n < 0) {
    fail (a, error);
    return;
  }
  if (n == 0) {
    fail_with (a, "the server closed the connection during the WebSocket upgrade");
    return;
  }
  a->response += a->byte;
  size_t size = a->response.size ();
  if (size >= 4 && a->response.compare (size - 4, 4, "\r\n\r\n") == 0)
    upgraded (a);
  else
    read_next_byte (a);
}

/* One byte at a time: what follows the headers (the server's first frames,
 * often in the same packet) must stay in the stream for libsoup. */
void
read_next_byte (Attempt *a)
{
  g_input_stream_read_async (g_io_stream_get_input_stream (a->stream), &a->byte, 1,
      G_PRIORITY_DEFAULT, a->cancel, on_byte, a);
}

void
on_request_written (GObject *source, GAsyncResult *result, gpointer data)
{
  auto a = static_cast<Attempt *> (data);
  GError *error = nullptr;
  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, nullptr, &error)) {
    fail (a, error);
    return;
  }
  read_next_byte (a);
}

void
on_tcp_connected (GObject *source, GAsyncResult *result, gpointer data)
{
  auto a = static_cast<Attempt *> (data);
  GError *error = nullptr;
  GSocketConnection *conn =
      g_socket_client_connect_to_uri_finish (G_SOCKET_CLIENT (source), result, &error);
  if (!conn) {
    fail (a, error);
    return;
  }
  a->connected = true;
  a->counters = std::make_shared<StreamCounters> ();
  a->counters->read_limit = MAX_RESPONSE_BYTES;
  a->counters->read_limit_reason = "the server's answer to the WebSocket upgrade is longer than " +
      std::to_string (MAX_RESPONSE_BYTES) + " bytes";
  a->stream = counted_stream_new (G_IO_STREAM (conn), a->counters);
  g_object_unref (conn);
  g_output_stream_write_all_async (g_io_stream_get_output_stream (a->stream),
      a->request.data (), a->request.size (), G_PRIORITY_DEFAULT, a->cancel,
      on_request_written, a);
}

void
on_client_event (GSocketClient *, GSocketClientEvent event, GSocketConnectable *,
    GIOStream *connection, gpointer data)
{
  auto a = static_cast<Attempt *> (data);
  if (event != G_SOCKET_CLIENT_TLS_HANDSHAKING || !G_IS_TLS_CONNECTION (connection))
    return;
  g_set_object (&a->tls_conn, G_TLS_CONNECTION (connection));
  a->options.tls.watch (a->tls_conn);
}

std::string
request_text (Attempt *a, const std::string &authority)
{
  const char *path = g_uri_get_path (a->uri);
  const char *query = g_uri_get_query (a->uri);
  std::string target = path && *path ? path : "/";
  if (query)
    target += std::string ("?") + query;
  std::string text = "GET " + target + " HTTP/1.1\r\n"
      "Host: " + authority + "\r\n"
      "Upgrade: websocket\r\n"
      "Connection: Upgrade\r\n"
      "Sec-WebSocket-Key: " + a->key + "\r\n"
      "Sec-WebSocket-Version: 13\r\n";
  if (!a->options.bearer_token.empty ())
    text += "Authorization: Bearer " + a->options.bearer_token + "\r\n";
  if (!a->options.protocol.empty ())
    text += "Sec-WebSocket-Protocol: " + a->options.protocol + "\r\n";
  return text + "\r\n";
}

} // namespace

std::string
ws_accept_key (const std::string &key)
{
  std::string text = key + ACCEPT_GUID;
  guint8 digest[20];
  gsize length = sizeof digest;
  GChecksum *sha1 = g_checksum_new (G_CHECKSUM_SHA1);
  g_checksum_update (sha1, (const guchar *) text.data (), (gssize) text.size ());
  g_checksum_get_digest (sha1, digest, &length);
  g_checksum_free (sha1);
  gchar *encoded = g_base64_encode (digest, length);
  std::string accept = encoded;
  g_free (encoded);
  return accept;
}

void
ws_client_connect (const WsClientOptions &options, GCancellable *cancellable, WsClientDone done)
{
  auto a = new Attempt ();
  a->options = options;
  a->done = std::move (done);
  a->shown_uri = options.shown_uri.empty () ? options.uri : options.shown_uri;
  a->cancel = g_cancellable_new ();
  a->uri = g_uri_parse (options.uri.c_str (), G_URI_FLAGS_ENCODED, nullptr);
  const char *scheme = a->uri ? g_uri_get_scheme (a->uri) : "";
  bool tls = g_ascii_strcasecmp (scheme, "wss") == 0 || g_ascii_strcasecmp (scheme, "https") == 0;
  bool plain = g_ascii_strcasecmp (scheme, "ws") == 0 || g_ascii_strcasecmp (scheme, "http") == 0;
  const char *host = a->uri ? g_uri_get_host (a->uri) : nullptr;
  if (!(tls || plain) || !host || !*host) {
    fail_with (a, "'" + options.uri + "' is not a WebSocket URI (ws://HOST:PORT/ or wss://...)");
    return;
  }
  int port = g_uri_get_port (a->uri);
  if (port <= 0)
    port = tls ? 443 : 80;
  std::string authority = host_port_text (host, (unsigned) port);
  a->key.resize (16);
  secure_random_bytes (&a->key[0], a->key.size ());
  gchar *key = g_base64_encode ((const guchar *) a->key.data (), a->key.size ());
  a->key = key;
  g_free (key);
  a->request = request_text (a, authority);

  if (cancellable) {
    a->caller = G_CANCELLABLE (g_object_ref (cancellable));
    a->caller_handler = g_cancellable_connect (cancellable,
        G_CALLBACK (+[] (GCancellable *, gpointer ours) {
          g_cancellable_cancel (G_CANCELLABLE (ours));
        }),
        g_object_ref (a->cancel), g_object_unref);
  }
  a->timeout = g_timeout_source_new_seconds (options.handshake_timeout_s);
  g_source_set_callback (a->timeout, [] (gpointer data) -> gboolean {
    auto a = static_cast<Attempt *> (data);
    a->timed_out = true;
    g_cancellable_cancel (a->cancel);
    return G_SOURCE_REMOVE;
  }, a, nullptr);
  g_source_attach (a->timeout, g_main_context_get_thread_default ());

  a->client = g_socket_client_new ();
  g_socket_client_set_tls (a->client, tls);
  g_signal_connect (a->client, "event", G_CALLBACK (on_client_event), a);
  std::string connect_uri = std::string (tls ? "https://" : "http://") + authority;
  g_socket_client_connect_to_uri_async (a->client, connect_uri.c_str (), (guint16) port,
      a->cancel, on_tcp_connected, a);
}

} // namespace gstsig
