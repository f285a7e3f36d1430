/* gst-webrtc-record --whip-listen: the WHIP front (a reverse proxy to one
 * webrtcrecv WHIP endpoint per publisher).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "record-whip.h"

#include <libsoup/soup.h>

#include <cstring>
#include <exception>
#include <memory>

namespace gstsig::record {

namespace {

using http::request_header;
using http::SDP_TYPE;
/* Each forwarded request: the endpoint answers a POST within 15 s (its
 * answer timeout) plus 2 s of gathering. */
constexpr guint FORWARD_TIMEOUT_S = 30;
/* Response headers of an endpoint that go back to the publisher as they are
 * (Location is rewritten, Content-Type goes with the body). */
const char *const RELAYED_HEADERS[] = { "ETag", "Accept-Patch", "Accept-Post", "Link",
  "Retry-After", "Allow" };

/* (transfer full) */
GBytes *
request_body (SoupServerMessage *msg)
{
  return soup_message_body_flatten (soup_server_message_get_request_body (msg));
}

/* The reason in an endpoint's text/plain error body, on one line. */
std::string
reason_of (GBytes *body)
{
  gsize size = 0;
  auto data = body ? static_cast<const char *> (g_bytes_get_data (body, &size)) : nullptr;
  std::string text (data ? data : "", size);
  while (!text.empty () && (text.back () == '\n' || text.back () == '\r' || text.back () == ' '))
    text.pop_back ();
  for (char &c : text)
    if (c == '\n' || c == '\r')
      c = ' ';
  return text.substr (0, 300);
}

} // namespace

/* A request forwarded to a recording's endpoint, while the publisher's
 * request waits (paused). */
struct WhipFront::Forward {
  WhipFront *front = nullptr; /* not to be touched once cancelled */
  SoupServerMessage *msg = nullptr;
  SoupMessage *upstream = nullptr;
  std::string id;
  std::string upstream_url;
  bool post = false;

  ~Forward ()
  {
    g_clear_object (&msg);
    g_clear_object (&upstream);
  }
};

WhipFront::WhipFront (WhipListen address, std::string auth_token, Callbacks callbacks)
    : address_ (std::move (address)), auth_token_ (std::move (auth_token)),
      callbacks_ (std::move (callbacks))
{
}

WhipFront::~WhipFront ()
{
  if (cancellable_) {
    g_cancellable_cancel (cancellable_);
    g_clear_object (&cancellable_);
  }
  server_.stop ();
  if (session_) {
    soup_session_abort (session_);
    g_clear_object (&session_);
  }
}

bool
WhipFront::start (std::string *error)
{
  std::string reason;
  http::ServerOptions options = server_options_;
  options.server_header = "gst-webrtc-record ";
  options.auth_token = auth_token_;
  options.auth_hint = "gst-webrtc-record --auth-token";
  if (!server_.start (address_.host, address_.port, address_.path, on_request, this, options,
          &reason)) {
    *error = "cannot listen on " + address_.host + ":" + std::to_string (address_.port) + ": " +
        (reason.empty () ? "not an address" : reason) +
        " (pick a free port, or 0 for any, and an address of this machine)";
    return false;
  }

  /* Loopback to our own pipelines: no proxy from the environment. */
  session_ = soup_session_new_with_options ("timeout", FORWARD_TIMEOUT_S, "proxy-resolver",
      nullptr, "max-conns-per-host", 64, nullptr);
  cancellable_ = g_cancellable_new ();
  return true;
}

void
WhipFront::forget (const std::string &id)
{
  resources_.erase (id);
}

std::string
WhipFront::resource_path (const std::string &id) const
{
  return (address_.path == "/" ? "" : address_.path) + "/" + id;
}

void
WhipFront::on_request (SoupServer *, SoupServerMessage *msg, const char *path,
    GHashTable *query, gpointer user_data)
{
  auto self = static_cast<WhipFront *> (user_data);
  try {
    self->handle (msg, path ? path : "", query);
  } catch (const std::exception &e) {
    self->send (msg, WhipReply::error (500, std::string ("Internal error: ") + e.what ()));
  }
}

void
WhipFront::send (SoupServerMessage *msg, const WhipReply &reply)
{
  http::send_reply (msg, reply);
}

void
WhipFront::handle (SoupServerMessage *msg, const std::string &path, GHashTable *query)
{
  std::string method = soup_server_message_get_method (msg);
  std::string id;
  http::Route route = http::route (msg, method, path, address_.path, "WHIP", &id);
  if (route == http::Route::Answered)
    return;
  if (!http::bearer_authorized (msg, auth_token_)) {
    WhipReply reply = WhipReply::error (401, "Unauthorized: send the recorder's token as "
        "\"Authorization: Bearer TOKEN\" (gst-webrtc-record --auth-token).");
    reply.headers.emplace_back ("WWW-Authenticate", "Bearer realm=\"WHIP\"");
    send (msg, reply);
    return;
  }
  if (route == http::Route::Endpoint) {
    handle_post (msg, query);
    return;
  }
  auto it = resources_.find (id);
  if (it == resources_.end () || it->second.resource_url.empty ()) {
    send (msg, WhipReply::error (404, "No session " + id + " here: it ended or never existed."));
    return;
  }
  forward (msg, id, it->second.resource_url, it->second.upstream.token, false);
}

void
WhipFront::handle_post (SoupServerMessage *msg, GHashTable *query)
{
  if (refuse_new_) {
    WhipReply reply = WhipReply::error (503, "The recorder is stopping: it takes no new "
        "publisher.");
    reply.headers.emplace_back ("Retry-After", "5");
    send (msg, reply);
    return;
  }
  if (max_publishers_ > 0 && resources_.size () >= max_publishers_) {
    busy_notice_.hit ("refusing a WHIP publisher: " + std::to_string (max_publishers_)
        + " recordings already (raise --max-recordings)");
    WhipReply reply = WhipReply::error (503, "The recorder is full ("
        + std::to_string (max_publishers_) + " recordings); try again later.");
    reply.headers.emplace_back ("Retry-After", "30");
    send (msg, reply);
    return;
  }
  /* What needs no pipeline to check; the rest is the endpoint's. */
  std::string type = http::request_media_type (msg);
  if (g_ascii_strcasecmp (type.c_str (), SDP_TYPE) != 0) {
    WhipReply reply = WhipReply::error (415, "Unsupported Content-Type '" + type + "': POST "
        "the SDP offer as Content-Type: application/sdp.");
    reply.headers.emplace_back ("Accept-Post", SDP_TYPE);
    send (msg, reply);
    return;
  }
  GBytes *body = request_body (msg);
  gsize size = 0;
  auto data = static_cast<const char *> (g_bytes_get_data (body, &size));
  std::string text (data ? data : "", size);
  g_bytes_unref (body);
  size_t start = text.find_first_not_of (" \t\r\n");
  if (start == std::string::npos) {
    send (msg, WhipReply::error (400, "The body is empty: POST an SDP offer (\"v=0...\")."));
    return;
  }
  if (text.compare (start, 2, "v=") != 0) {
    send (msg, WhipReply::error (400, "The body is not SDP (it does not start with \"v=\"): "
        "POST an SDP offer."));
    return;
  }

  WhipPublisher publisher;
  publisher.id = http::random_uuid ();
  const char *remote = soup_server_message_get_remote_host (msg);
  publisher.remote = remote ? remote : "";
  publisher.user_agent = request_header (msg, "User-Agent");
  const char *name = query ? static_cast<const char *> (g_hash_table_lookup (query, "name"))
                           : nullptr;
  publisher.name = name ? name : "";

  WhipUpstream upstream;
  WhipReply refusal = WhipReply::error (500, "The recorder could not start a recording.");
  if (!callbacks_.create || !callbacks_.create (publisher, &upstream, &refusal)) {
    send (msg, refusal);
    return;
  }
  resources_[publisher.id] = Resource { upstream, "" };
  forward (msg, publisher.id, upstream.url, upstream.token, true);
}

void
WhipFront::forward (SoupServerMessage *msg, const std::string &id, const std::string &url,
    const std::string &token, bool post)
{
  const char *method = soup_server_message_get_method (msg);
  SoupMessage *upstream = soup_message_new (method, url.c_str ());
  if (!upstream) {
    send (msg, WhipReply::error (500, "Internal error: bad recording endpoint URL."));
    return;
  }
  SoupMessageHeaders *headers = soup_message_get_request_headers (upstream);
  soup_message_headers_replace (headers, "Authorization", ("Bearer " + token).c_str ());
  std::string if_match = request_header (msg, "If-Match");
  if (!if_match.empty ())
    soup_message_headers_replace (headers, "If-Match", if_match.c_str ());
  std::string type = request_header (msg, "Content-Type");
  GBytes *body = request_body (msg);
  if (g_bytes_get_size (body) > 0 || !type.empty ())
    soup_message_set_request_body_from_bytes (upstream, type.empty () ? nullptr : type.c_str (),
        body);
  g_bytes_unref (body);

  auto fwd = new Forward ();
  fwd->front = this;
  fwd->msg = SOUP_SERVER_MESSAGE (g_object_ref (msg));
  fwd->upstream = upstream;
  fwd->id = id;
  fwd->upstream_url = url;
  fwd->post = post;
  soup_server_message_pause (msg);
  soup_session_send_and_read_async (session_, upstream, G_PRIORITY_DEFAULT, cancellable_,
      on_forwarded, fwd);
}

void
WhipFront::on_forwarded (GObject *source, GAsyncResult *result, gpointer user_data)
{
  std::unique_ptr<Forward> fwd (static_cast<Forward *> (user_data));
  GError *error = nullptr;
  GBytes *body = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);
  /* Cancelled: the front is being destroyed. */
  if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
    try {
      fwd->front->forwarded (*fwd, body, error);
    } catch (const std::exception &e) {
      fwd->front->send (fwd->msg, WhipReply::error (500, std::string ("Internal error: ") +
          e.what ()));
    }
    soup_server_message_unpause (fwd->msg);
  }
  g_clear_error (&error);
  if (body)
    g_bytes_unref (body);
}

void
WhipFront::forwarded (Forward &fwd, GBytes *body, const GError *error)
{
  const char *method = soup_server_message_get_method (fwd.msg);
  auto it = resources_.find (fwd.id);
  if (error || (fwd.post && it == resources_.end ())) {
    /* The recording's endpoint is gone (its pipeline stopped) or did not
     * answer in time. */
    std::string why = error ? error->message : "its recording ended";
    if (fwd.post) {
      unsigned status = refuse_new_ ? 503 : 500;
      std::string reason = refuse_new_ ? "The recorder is stopping: it takes no new publisher."
          : "The recording for this publisher could not take the offer (" + why + ").";
      if (it != resources_.end ())
        resources_.erase (it);
      send (fwd.msg, WhipReply::error (status, reason));
      if (callbacks_.refused)
        callbacks_.refused (fwd.id, status, reason);
    } else if (g_strcmp0 (method, "DELETE") == 0) {
      WhipReply reply;
      reply.status = 200; /* its session is over either way */
      send (fwd.msg, reply);
    } else {
      send (fwd.msg, WhipReply::error (404, "No session " + fwd.id + " here: it ended."));
    }
    return;
  }

  unsigned status = soup_message_get_status (fwd.upstream);
  SoupMessageHeaders *headers = soup_message_get_response_headers (fwd.upstream);
  WhipReply reply;
  reply.status = status;
  gsize size = 0;
  auto data = body ? static_cast<const char *> (g_bytes_get_data (body, &size)) : nullptr;
  reply.body.assign (data ? data : "", size);
  const char *type = soup_message_headers_get_one (headers, "Content-Type");
  reply.content_type = type ? type : "";
  for (const char *name : RELAYED_HEADERS) {
    SoupMessageHeadersIter iter;
    soup_message_headers_iter_init (&iter, headers);
    const char *key, *value;
    while (soup_message_headers_iter_next (&iter, &key, &value))
      if (g_ascii_strcasecmp (key, name) == 0)
        reply.headers.emplace_back (name, value);
  }

  if (fwd.post) {
    const char *location = soup_message_headers_get_one (headers, "Location");
    GUri *resolved = nullptr;
    if ((status == 201 || status == 200) && location) {
      GUri *base = g_uri_parse (fwd.upstream_url.c_str (), G_URI_FLAGS_NONE, nullptr);
      if (base)
        resolved = g_uri_parse_relative (base, location, G_URI_FLAGS_NONE, nullptr);
      if (base)
        g_uri_unref (base);
    }
    if (!resolved) {
      std::string reason = (status == 201 || status == 200)
          ? std::string ("the recording's endpoint gave no session URL")
          : reason_of (body);
      resources_.erase (it);
      if (status == 201 || status == 200)
        reply = WhipReply::error (500, "Internal error: " + reason + ".");
      send (fwd.msg, reply);
      if (callbacks_.refused)
        callbacks_.refused (fwd.id, reply.status, reason);
      return;
    }
    gchar *text = g_uri_to_string (resolved);
    it->second.resource_url = text;
    g_free (text);
    g_uri_unref (resolved);
    reply.status = 201;
    reply.headers.emplace_back ("Location", resource_path (fwd.id));
    send (fwd.msg, reply);
    if (callbacks_.accepted)
      callbacks_.accepted (fwd.id);
    return;
  }
  send (fwd.msg, reply);
}

} // namespace gstsig::record
