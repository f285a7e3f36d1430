/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* WhipHttpClient's HTTP requests, on its thread: one request with its
 * time limit, redirects followed by hand (libsoup would turn a POST into
 * a GET), the bearer token only to the origin it is meant for, and
 * cancelling on stop. */
#include "whip-http-client-private.h"

#include <utility>

#define GST_CAT_DEFAULT whip_http_debug

namespace gstsig {

namespace {

#define MAX_REDIRECTS 5

std::string
header (SoupMessageHeaders *headers, const char *name)
{
  const char *value = headers ? soup_message_headers_get_list (headers, name) : nullptr;
  return value ? value : "";
}

/* The origin of an http(s) URL (RFC 6454): scheme, host and port, the
 * port made explicit; "" when url does not parse. */
std::string
origin_of (const std::string &url)
{
  GUri *uri = g_uri_parse (url.c_str (), G_URI_FLAGS_NONE, nullptr);
  if (!uri)
    return "";
  const char *scheme = g_uri_get_scheme (uri);
  const char *host = g_uri_get_host (uri);
  std::string out;
  if (scheme && host) {
    gchar *lower_scheme = g_ascii_strdown (scheme, -1);
    gchar *lower_host = g_ascii_strdown (host, -1);
    int port = g_uri_get_port (uri);
    if (port < 0 && g_strcmp0 (lower_scheme, "https") == 0)
      port = 443;
    else if (port < 0 && g_strcmp0 (lower_scheme, "http") == 0)
      port = 80;
    out = std::string (lower_scheme) + "://" + lower_host + ":" + std::to_string (port);
    g_free (lower_scheme);
    g_free (lower_host);
  }
  g_uri_unref (uri);
  return out;
}

bool
same_origin (const std::string &a, const std::string &b)
{
  std::string origin = origin_of (a);
  return !origin.empty () && origin == origin_of (b);
}

} // namespace

struct WhipHttpClient::Request {
  WhipHttpClient *client;
  std::string method, url, content_type, body;
  bool with_if_match = false;
  bool auth = false;     /* the token may go to first_url's origin */
  std::string first_url; /* before redirects */
  bool sent_auth = false; /* the last hop carried the token */
  unsigned redirects = 0;
  SoupMessage *msg = nullptr;
  GCancellable *cancellable = nullptr;
  guint timer = 0;
  bool timed_out = false;
  GInputStream *response = nullptr; /* the body being read */
  std::string received;             /* of it so far */
  std::function<void (const HttpResult &)> done;
};

/* The longest response body we read: an answer SDP is a few KiB; a server
 * that sends more is refused, not buffered without end. */
constexpr size_t MAX_RESPONSE_BYTES = 1024 * 1024;

/* ---- HTTP (thread) ---- */

/* Cancelling may complete a request at once (and free it): cancel from a
 * copy of the cancellables. */
void
WhipHttpClient::cancel_requests (bool spare_delete)
{
  std::vector<GCancellable *> cancellables;
  for (Request *req : requests_) {
    if (spare_delete && req->method == "DELETE")
      continue;
    cancellables.push_back ((GCancellable *) g_object_ref (req->cancellable));
  }
  for (GCancellable *c : cancellables) {
    g_cancellable_cancel (c);
    g_object_unref (c);
  }
}

bool
WhipHttpClient::delete_in_flight () const
{
  for (const Request *req : requests_) {
    if (req->method == "DELETE")
      return true;
  }
  return false;
}

void
WhipHttpClient::request (const char *method, const std::string &url, const char *content_type,
    const std::string &body, bool with_if_match, std::function<void (const HttpResult &)> done)
{
  auto req = new Request ();
  req->client = this;
  req->method = method;
  req->url = url;
  req->content_type = content_type ? content_type : "";
  req->body = body;
  req->with_if_match = with_if_match;
  req->first_url = url;
  req->auth = !settings_.auth_token.empty () && send_auth_to (url);
  req->done = std::move (done);
  req->cancellable = g_cancellable_new ();
  requests_.insert (req);
  if (stopping_ && req->method != "DELETE")
    g_cancellable_cancel (req->cancellable);
  req->timer = worker_.timeout (settings_.timeout_s * 1000, [req] () {
    req->timer = 0;
    req->timed_out = true;
    g_cancellable_cancel (req->cancellable);
    return false;
  });
  send (req);
}

void
WhipHttpClient::send (Request *req)
{
  req->msg = soup_message_new (req->method.c_str (), req->url.c_str ());
  if (!req->msg) {
    HttpResult r;
    r.transport_error = "'" + req->url + "' is not a URL libsoup can request";
    r.url = req->url;
    finish (req, r);
    return;
  }
  /* libsoup turns a redirected POST into a GET; we follow them ourselves. */
  soup_message_add_flags (req->msg, SOUP_MESSAGE_NO_REDIRECT);
  tls_.watch (req->msg);
  SoupMessageHeaders *headers = soup_message_get_request_headers (req->msg);
  /* Never to another origin than the request's own (a redirect), like curl. */
  req->sent_auth = req->auth &&
      (req->url == req->first_url || same_origin (req->url, req->first_url));
  if (req->sent_auth)
    soup_message_headers_replace (headers, "Authorization",
        ("Bearer " + settings_.auth_token).c_str ());
  if (req->with_if_match && !etag_.empty ())
    soup_message_headers_replace (headers, "If-Match", etag_.c_str ());
  if (!req->content_type.empty ()) {
    GBytes *bytes = g_bytes_new (req->body.data (), req->body.size ());
    soup_message_set_request_body_from_bytes (req->msg, req->content_type.c_str (), bytes);
    g_bytes_unref (bytes);
  }
  GST_DEBUG ("%s %s (%zu bytes)", req->method.c_str (), req->url.c_str (), req->body.size ());
  soup_session_send_async (soup_, req->msg, G_PRIORITY_DEFAULT, req->cancellable, on_response,
      req);
}

void
WhipHttpClient::on_response (GObject *source, GAsyncResult *result, gpointer data)
{
  auto req = static_cast<Request *> (data);
  GError *error = nullptr;
  req->response = soup_session_send_finish (SOUP_SESSION (source), result, &error);
  if (!req->response) {
    req->client->fail_transport (req, error);
    return;
  }
  goffset length = soup_message_headers_get_content_length (
      soup_message_get_response_headers (req->msg));
  if (length > (goffset) MAX_RESPONSE_BYTES) {
    req->client->fail_transport (req, g_error_new (G_IO_ERROR, G_IO_ERROR_MESSAGE_TOO_LARGE,
        "the response is %" G_GINT64_FORMAT " bytes long, more than the %zu allowed", length,
        MAX_RESPONSE_BYTES));
    return;
  }
  req->received.clear ();
  req->client->read_body (req);
}

void
WhipHttpClient::read_body (Request *req)
{
  g_input_stream_read_bytes_async (req->response, 64 * 1024, G_PRIORITY_DEFAULT,
      req->cancellable, on_body, req);
}

void
WhipHttpClient::on_body (GObject *source, GAsyncResult *result, gpointer data)
{
  auto req = static_cast<Request *> (data);
  GError *error = nullptr;
  GBytes *chunk = g_input_stream_read_bytes_finish (G_INPUT_STREAM (source), result, &error);
  if (!chunk) {
    req->client->fail_transport (req, error);
    return;
  }
  gsize size = 0;
  const char *bytes = (const char *) g_bytes_get_data (chunk, &size);
  if (size > 0 && req->received.size () + size > MAX_RESPONSE_BYTES) {
    g_bytes_unref (chunk);
    req->client->fail_transport (req, g_error_new (G_IO_ERROR, G_IO_ERROR_MESSAGE_TOO_LARGE,
        "the response is longer than the %zu bytes allowed", MAX_RESPONSE_BYTES));
    return;
  }
  req->received.append (bytes ? bytes : "", size);
  g_bytes_unref (chunk);
  if (size > 0) {
    req->client->read_body (req);
    return;
  }
  g_clear_object (&req->response);
  req->client->respond (req);
}

void
WhipHttpClient::fail_transport (Request *req, GError *error)
{
  HttpResult r;
  r.url = req->url;
  r.sent_auth = req->sent_auth;
  r.timed_out = req->timed_out;
  r.too_large = g_error_matches (error, G_IO_ERROR, G_IO_ERROR_MESSAGE_TOO_LARGE);
  r.transport_error = error ? error->message : "unknown error";
  r.tls_problem = tls_.describe_failure (req->msg, error, req->url);
  if (!r.tls_problem.empty ())
    r.tls_code = error && error->domain == G_TLS_ERROR ? error->code : G_TLS_ERROR_BAD_CERTIFICATE;
  g_clear_error (&error);
  finish (req, r);
}

void
WhipHttpClient::respond (Request *req)
{
  WhipHttpClient *self = this;
  HttpResult r;
  r.url = req->url;
  r.sent_auth = req->sent_auth;
  r.responded = true;
  r.status = soup_message_get_status (req->msg);
  r.reason = soup_message_get_reason_phrase (req->msg) ? soup_message_get_reason_phrase (req->msg) : "";
  r.body = std::move (req->received);
  SoupMessageHeaders *headers = soup_message_get_response_headers (req->msg);
  r.location = header (headers, "Location");
  r.etag = header (headers, "ETag");
  r.link = header (headers, "Link");
  r.content_type = header (headers, "Content-Type");
  bool redirect = r.status == 301 || r.status == 302 || r.status == 303 || r.status == 307 ||
      r.status == 308;
  if (redirect && !r.location.empty () && req->redirects < MAX_REDIRECTS &&
      !g_cancellable_is_cancelled (req->cancellable)) {
    std::string next = whip::resolve_location (req->url, r.location);
    if (!next.empty ()) {
      GST_INFO ("%s %s: %u, following to %s", req->method.c_str (), req->url.c_str (), r.status,
          next.c_str ());
      if (req->auth && !same_origin (next, req->first_url))
        GST_INFO ("Not sending the auth-token to %s: another origin (scheme, host or port) "
            "than %s", next.c_str (), req->first_url.c_str ());
      req->redirects++;
      req->url = next;
      g_clear_object (&req->msg);
      self->send (req);
      return;
    }
  }
  GST_DEBUG ("%s %s: %u %s", req->method.c_str (), req->url.c_str (), r.status, r.reason.c_str ());
  self->finish (req, r);
}

void
WhipHttpClient::finish (Request *req, const HttpResult &result)
{
  worker_.cancel (std::exchange (req->timer, 0u));
  requests_.erase (req);
  g_clear_object (&req->response);
  g_clear_object (&req->msg);
  g_clear_object (&req->cancellable);
  auto done = std::move (req->done);
  delete req;
  if (done)
    done (result);
}

/* The endpoint's origin, or the session's resource when the server that
 * created it had our token. */
bool
WhipHttpClient::send_auth_to (const std::string &url) const
{
  return same_origin (url, endpoint_) || (resource_auth_ && url == resource_url ());
}

} // namespace gstsig
