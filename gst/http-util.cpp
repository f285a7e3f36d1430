/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "http-util.h"

#include "guarded-listener.h"
#include "secure-random.h"
#include "tls-certificate.h"
#include "limit-notice.h"
#include "raii.h"

#include <gio/gio.h>
#include <libsoup/soup.h>

#include <cstring>

namespace gstsig::http {

const char *const SDP_TYPE = "application/sdp";
const char *const SDPFRAG_TYPE = "application/trickle-ice-sdpfrag";

Reply
Reply::error (unsigned status, const std::string &reason)
{
  Reply r;
  r.status = status;
  r.body = reason + "\n";
  return r;
}

std::string
request_header (SoupServerMessage *msg, const char *name)
{
  const char *value =
      soup_message_headers_get_one (soup_server_message_get_request_headers (msg), name);
  return value ? value : "";
}

std::string
request_media_type (SoupServerMessage *msg)
{
  const char *type = soup_message_headers_get_content_type (
      soup_server_message_get_request_headers (msg), nullptr);
  return type ? type : "";
}

std::string
random_uuid ()
{
  return secure_random_uuid ();
}

bool
bearer_authorized (SoupServerMessage *msg, const std::string &expected)
{
  if (expected.empty ())
    return true;
  std::string auth = request_header (msg, "Authorization");
  const char *prefix = "Bearer ";
  if (g_ascii_strncasecmp (auth.c_str (), prefix, strlen (prefix)) != 0)
    return false;
  std::string token = auth.substr (strlen (prefix));
  while (!token.empty () && token.front () == ' ')
    token.erase (0, 1);
  return constant_time_equal (token, expected);
}

void
send_reply (SoupServerMessage *msg, const Reply &reply)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  soup_message_headers_replace (headers, "Access-Control-Allow-Origin", "*");
  soup_message_headers_replace (headers, "Access-Control-Expose-Headers",
      "Location, ETag, Link, Accept-Patch, Accept-Post, Retry-After, WWW-Authenticate");
  for (const auto &h : reply.headers)
    soup_message_headers_append (headers, h.first.c_str (), h.second.c_str ());
  if (!reply.body.empty ()) {
    std::string type =
        reply.content_type.empty () ? "text/plain; charset=utf-8" : reply.content_type;
    soup_server_message_set_response (msg, type.c_str (), SOUP_MEMORY_COPY, reply.body.data (),
        reply.body.size ());
  }
  soup_server_message_set_status (msg, reply.status, nullptr);
}

struct GuardedServer::Impl {
  Ref<SoupServer> server;
  std::unique_ptr<GuardedListener> listener;
  Ref<GTlsCertificate> certificate;
  ServerOptions options;
  std::string url;
  LimitNotice auth_notice, size_notice;

  /* Early handler: the headers are in, the body is not. */
  static void on_headers (SoupServer *, SoupServerMessage *msg, const char *, GHashTable *,
      gpointer data);
  void check_headers (SoupServerMessage *msg);
  void refuse (SoupServerMessage *msg, const Reply &reply);
};

void
GuardedServer::Impl::on_headers (SoupServer *, SoupServerMessage *msg, const char *, GHashTable *,
    gpointer data)
{
  static_cast<Impl *> (data)->check_headers (msg);
}

/* Answers now; the body (if any) is read and thrown away, not kept. */
void
GuardedServer::Impl::refuse (SoupServerMessage *msg, const Reply &reply)
{
  if (auto conn = listener->connection_of (msg))
    conn->discard_request_body (msg);
  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Connection",
      "close");
  send_reply (msg, reply);
}

void
GuardedServer::Impl::check_headers (SoupServerMessage *msg)
{
  std::string method = soup_server_message_get_method (msg);
  if (method == "OPTIONS")
    return; /* CORS preflights carry no token */
  if (!bearer_authorized (msg, options.auth_token)) {
    auth_notice.hit ("refusing " + method + " requests without the right bearer token");
    Reply reply = Reply::error (401, "Unauthorized: send the token as \"Authorization: Bearer "
        "TOKEN\"" + (options.auth_hint.empty () ? std::string (".") : " (" + options.auth_hint + ")."));
    reply.headers.emplace_back ("WWW-Authenticate", "Bearer");
    refuse (msg, reply);
    return;
  }
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  SoupEncoding encoding = soup_message_headers_get_encoding (headers);
  if (encoding == SOUP_ENCODING_CHUNKED || encoding == SOUP_ENCODING_EOF) {
    refuse (msg, Reply::error (411, "Send a Content-Length (bodies here are small SDP texts)."));
    return;
  }
  goffset length = soup_message_headers_get_content_length (headers);
  if (encoding == SOUP_ENCODING_CONTENT_LENGTH && (guint64) length > options.max_body_bytes) {
    size_notice.hit ("refusing a " + std::to_string (length) + "-byte body (limit "
        + std::to_string (options.max_body_bytes) + ")");
    refuse (msg, Reply::error (413, "Body too large: at most "
        + std::to_string (options.max_body_bytes) + " bytes."));
  }
}

GuardedServer::GuardedServer () : impl_ (std::make_unique<Impl> ()) {}

GuardedServer::~GuardedServer ()
{
  stop ();
}

bool
GuardedServer::start (const std::string &host, unsigned port, const std::string &path,
    void (*callback) (SoupServer *, SoupServerMessage *, const char *, GHashTable *, gpointer),
    gpointer user_data, const ServerOptions &options, std::string *reason)
{
  Impl &impl = *impl_;
  impl.options = options;
  GError *gerror = nullptr;
  if (options.self_signed)
    impl.certificate = adopt (tls::make_self_signed (tls::machine_names (),
        tls::machine_addresses (), &gerror));
  else if (!options.cert_file.empty () || !options.key_file.empty ())
    impl.certificate = adopt (tls::load_certificate (options.cert_file, options.key_file,
        &gerror));
  if (gerror) {
    *reason = gerror->message;
    g_error_free (gerror);
    return false;
  }

  impl.server = adopt (soup_server_new ("server-header", options.server_header.c_str (),
      nullptr));
  soup_server_add_early_handler (impl.server.get (), nullptr, Impl::on_headers, &impl, nullptr);
  soup_server_add_handler (impl.server.get (), nullptr, callback, user_data, nullptr);
  ListenerLimits limits;
  limits.max_connections = options.max_connections;
  limits.max_per_address = options.max_per_address;
  limits.max_request_bytes = options.max_body_bytes + 64 * 1024;
  impl.listener = std::make_unique<GuardedListener> (impl.server.get (), limits,
      impl.certificate.get ());
  if (!impl.listener->listen (host, port, &gerror)) {
    /* "Could not listen on HOST:PORT: reason": callers name the address. */
    const char *last = g_strrstr (gerror->message, ": ");
    *reason = last ? last + 2 : gerror->message;
    if (g_error_matches (gerror, G_IO_ERROR, G_IO_ERROR_NOT_FOUND)
        || g_error_matches (gerror, G_RESOLVER_ERROR, G_RESOLVER_ERROR_NOT_FOUND))
      reason->clear ();
    g_error_free (gerror);
    impl.listener.reset ();
    impl.server.reset ();
    return false;
  }
  bool any = host == "0.0.0.0" || host == "::";
  std::string shown = any ? "127.0.0.1"
      : host.find (':') != std::string::npos ? "[" + host + "]"
                                             : host;
  impl.url = std::string (impl.certificate ? "https://" : "http://") + shown + ":"
      + std::to_string (impl.listener->port ()) + path;
  if (options.auth_token.empty () && !is_loopback_host (host))
    g_message ("%s is open to %s without a token: anyone who can reach it may use it (%s)",
        impl.url.c_str (), any ? "every network of this machine" : host.c_str (),
        options.auth_hint.empty () ? "set a bearer token" : options.auth_hint.c_str ());
  return true;
}

void
GuardedServer::stop ()
{
  if (impl_->listener)
    impl_->listener->stop ();
  impl_->listener.reset ();
  if (impl_->server)
    soup_server_disconnect (impl_->server.get ());
  impl_->server.reset ();
}

bool
GuardedServer::running () const
{
  return static_cast<bool> (impl_->server);
}

const std::string &
GuardedServer::url () const
{
  return impl_->url;
}

unsigned
GuardedServer::port () const
{
  return impl_->listener ? impl_->listener->port () : 0;
}

std::string
GuardedServer::fingerprint () const
{
  return impl_->certificate ? tls::sha256_fingerprint (impl_->certificate.get ()) : "";
}

GSocket *
GuardedServer::socket_of (SoupServerMessage *msg) const
{
  auto conn = impl_->listener ? impl_->listener->connection_of (msg) : nullptr;
  return conn ? conn->socket () : nullptr;
}

Route
route (SoupServerMessage *msg, const std::string &method, const std::string &path,
    const std::string &base, const std::string &protocol, std::string *id)
{
  std::string prefix = base == "/" ? "/" : base + "/";
  bool at_endpoint = path == base;
  bool at_resource = !at_endpoint && path.size () > prefix.size () &&
      path.compare (0, prefix.size (), prefix) == 0 &&
      path.find ('/', prefix.size ()) == std::string::npos;
  *id = at_resource ? path.substr (prefix.size ()) : "";
  if (!at_endpoint && !at_resource) {
    send_reply (msg, Reply::error (404, "Nothing here: the " + protocol + " endpoint is " +
        base + "."));
    return Route::Answered;
  }
  std::string allow = at_endpoint ? "POST, OPTIONS" : "PATCH, DELETE, OPTIONS";
  if (method == "OPTIONS") {
    Reply reply;
    reply.status = 204;
    reply.headers = { { "Allow", allow }, { "Access-Control-Allow-Methods", allow },
      { "Access-Control-Allow-Headers", "Authorization, Content-Type, If-Match" },
      { "Access-Control-Max-Age", "86400" },
      { at_endpoint ? "Accept-Post" : "Accept-Patch", at_endpoint ? SDP_TYPE : SDPFRAG_TYPE } };
    send_reply (msg, reply);
    return Route::Answered;
  }
  bool allowed = at_endpoint ? method == "POST" : (method == "PATCH" || method == "DELETE");
  if (!allowed) {
    Reply reply = Reply::error (405, "Method " + method + " is not allowed here: " +
        (at_endpoint ? "POST an SDP offer to " + base + "."
                     : std::string ("a session resource takes PATCH and DELETE.")));
    reply.headers.emplace_back ("Allow", allow);
    send_reply (msg, reply);
    return Route::Answered;
  }
  return at_endpoint ? Route::Endpoint : Route::Resource;
}

} // namespace gstsig::http
