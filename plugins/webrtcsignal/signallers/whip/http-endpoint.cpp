/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "http-endpoint.h"

#include "signaller-worker.h"
#include "signallers/manual/manual-token.h"
#include "raii.h"
#include "sdp-utils.h"

#include <gio/gio.h>
#include <gst/gst.h>
#include <libsoup/soup.h>

#include <cerrno>
#include <cstring>
#include <sys/socket.h>

GST_DEBUG_CATEGORY_STATIC (http_endpoint_debug);
#define GST_CAT_DEFAULT http_endpoint_debug

namespace gstsig {

namespace {

using http::SDP_TYPE;
using http::SDPFRAG_TYPE;
/* A 201 or a refusal is a complete reply; 0 means "the POST waits". */
const unsigned PENDING = 0;

std::string
request_body (SoupServerMessage *msg)
{
  SoupMessageBody *body = soup_server_message_get_request_body (msg);
  GBytes *bytes = soup_message_body_flatten (body);
  gsize size = 0;
  auto data = static_cast<const char *> (g_bytes_get_data (bytes, &size));
  std::string text (data ? data : "", size);
  g_bytes_unref (bytes);
  return text;
}

void
init_debug ()
{
  static gsize once = 0;
  if (g_once_init_enter (&once)) {
    GST_DEBUG_CATEGORY_INIT (http_endpoint_debug, "webrtcsignal-endpoint", 0,
        "gst-webrtcsignal WHIP/WHEP endpoints (HTTP side)");
    g_once_init_leave (&once, 1);
  }
}

} // namespace

bool
parse_listen_uri (const std::string &uri, const std::string &scheme,
    const std::string &default_path, ListenAddress *out, std::string *error)
{
  std::string example = scheme + "://127.0.0.1:8080" + default_path;
  g_autoptr (GUri) parsed = g_uri_parse (uri.c_str (), G_URI_FLAGS_NONE, nullptr);
  if (!parsed || g_ascii_strcasecmp (g_uri_get_scheme (parsed), scheme.c_str ()) != 0) {
    *error = "'" + uri + "' is not a " + scheme + " URI; write it as " + example;
    return false;
  }
  const char *host = g_uri_get_host (parsed);
  if (!host || !*host) {
    *error = "'" + uri + "' names no address to listen on; write it as " + example +
        " (0.0.0.0 for every interface)";
    return false;
  }
  g_autoptr (GInetAddress) address = g_inet_address_new_from_string (host);
  if (!address) {
    *error = std::string ("'") + host + "' in '" + uri + "' is not an IP address; listen on "
        "an address such as 127.0.0.1, 0.0.0.0 or [::1]";
    return false;
  }
  int port = g_uri_get_port (parsed);
  if (port < 0) {
    *error = "'" + uri + "' has no port; write it as " + example + " (port 0 picks a free one)";
    return false;
  }
  std::string path = g_uri_get_path (parsed);
  while (path.size () > 1 && path.back () == '/')
    path.pop_back ();
  if (path.empty () || path == "/")
    path = default_path;
  out->host = host;
  out->port = (unsigned) port;
  out->path = path;
  return true;
}

std::vector<std::string>
ice_server_links (const std::string &stun_server, const std::vector<std::string> &turn_servers)
{
  std::vector<std::string> links;
  if (!stun_server.empty ()) {
    g_autoptr (GUri) uri = g_uri_parse (stun_server.c_str (), G_URI_FLAGS_NONE, nullptr);
    if (uri && g_uri_get_host (uri)) {
      int port = g_uri_get_port (uri);
      links.push_back (std::string ("<stun:") + g_uri_get_host (uri) +
          (port > 0 ? ":" + std::to_string (port) : "") + ">; rel=\"ice-server\"");
    }
  }
  for (const auto &turn : turn_servers) {
    g_autoptr (GUri) uri = g_uri_parse (turn.c_str (), G_URI_FLAGS_HAS_PASSWORD, nullptr);
    if (!uri || !g_uri_get_host (uri))
      continue;
    bool tls = g_ascii_strcasecmp (g_uri_get_scheme (uri), "turns") == 0;
    int port = g_uri_get_port (uri);
    std::string link = std::string ("<") + (tls ? "turns:" : "turn:") + g_uri_get_host (uri) +
        (port > 0 ? ":" + std::to_string (port) : "") + ">; rel=\"ice-server\"";
    const char *user = g_uri_get_user (uri);
    const char *password = g_uri_get_password (uri);
    if (user) {
      g_autofree gchar *u = g_uri_unescape_string (user, nullptr);
      g_autofree gchar *p = password ? g_uri_unescape_string (password, nullptr) : g_strdup ("");
      link += std::string ("; username=\"") + (u ? u : user) + "\"; credential=\"" +
          (p ? p : "") + "\"; credential-type=\"password\"";
    }
    links.push_back (link);
  }
  return links;
}

struct HttpEndpoint::Resource {
  std::string id;
  std::string etag;
  UniqueSdpMessage offer;
  SoupServerMessage *pending = nullptr; /* the POST waiting for our answer (owned ref) */
  GSource *hangup_watch = nullptr;      /* on pending's socket: its client went away (owned) */
  std::string answer;
  bool gathered = false;
  std::vector<manual::Candidate> candidates;
  guint answer_timer = 0;
  guint gather_timer = 0;
};

HttpEndpoint::HttpEndpoint (SignallerWorker &thread, EndpointConfig config, Callbacks callbacks)
    : thread_ (thread), config_ (std::move (config)), callbacks_ (std::move (callbacks))
{
  init_debug ();
}

HttpEndpoint::~HttpEndpoint ()
{
  /* Pending POSTs get their reply before the server goes. */
  std::vector<std::string> ids;
  for (auto &entry : resources_)
    ids.push_back (entry.first);
  for (auto &id : ids)
    end (id, HttpReply::error (503, "The " + config_.name + " endpoint is shutting down."));
  server_.stop ();
}

bool
HttpEndpoint::start (std::string *error)
{
  const auto &addr = config_.address;
  std::string reason;
  http::ServerOptions options = config_.server;
  options.auth_token = config_.auth_token;
  options.auth_hint = "the element's auth-token";
  if (!server_.start (addr.host, addr.port, addr.path, on_request, this, options, &reason)) {
    *error = "could not listen on " + addr.host + ":" + std::to_string (addr.port) + ": " +
        (reason.empty () ? "bad address" : reason) + "; pick another address or port";
    return false;
  }
  GST_INFO ("%s endpoint listening on %s", config_.name.c_str (), server_.url ().c_str ());
  return true;
}

std::string
HttpEndpoint::resource_path (const std::string &id) const
{
  return (config_.address.path == "/" ? "" : config_.address.path) + "/" + id;
}

void
HttpEndpoint::on_request (SoupServer *, SoupServerMessage *msg, const char *path, GHashTable *,
    gpointer user_data)
{
  auto self = static_cast<HttpEndpoint *> (user_data);
  try {
    self->handle (msg, path ? path : "");
  } catch (const std::exception &e) {
    GST_ERROR ("%s request failed: %s", self->config_.name.c_str (), e.what ());
    self->send (msg, HttpReply::error (500, std::string ("Internal error: ") + e.what ()));
  }
}

bool
HttpEndpoint::authorized (SoupServerMessage *msg) const
{
  return http::bearer_authorized (msg, config_.auth_token);
}

void
HttpEndpoint::send (SoupServerMessage *msg, const HttpReply &reply)
{
  http::send_reply (msg, reply);
}

void
HttpEndpoint::handle (SoupServerMessage *msg, const std::string &path)
{
  std::string method = soup_server_message_get_method (msg);
  GST_DEBUG ("%s %s %s", config_.name.c_str (), method.c_str (), path.c_str ());
  std::string id;
  http::Route route = http::route (msg, method, path, config_.address.path, config_.name, &id);
  if (route == http::Route::Answered)
    return;
  if (!authorized (msg)) {
    GST_INFO ("%s %s %s: missing or wrong bearer token", config_.name.c_str (), method.c_str (),
        path.c_str ());
    HttpReply reply = HttpReply::error (401, "Unauthorized: send the endpoint's token as "
        "\"Authorization: Bearer TOKEN\" (the element's auth-token).");
    reply.headers.emplace_back ("WWW-Authenticate", "Bearer realm=\"" + config_.name + "\"");
    send (msg, reply);
    return;
  }
  if (route == http::Route::Endpoint) {
    HttpReply reply = handle_post (msg);
    if (reply.status != PENDING)
      send (msg, reply);
    return;
  }
  auto it = resources_.find (id);
  if (it == resources_.end ()) {
    send (msg, HttpReply::error (404, "No session " + id + " here: it ended or never existed."));
    return;
  }
  if (method == "DELETE") {
    GST_INFO ("%s session %s deleted by the client", config_.name.c_str (), id.c_str ());
    end (id, HttpReply::error (409, "The session was deleted before it was answered."));
    if (callbacks_.gone)
      callbacks_.gone (id, "the client deleted it");
    HttpReply reply;
    reply.status = 200;
    send (msg, reply);
    return;
  }
  send (msg, handle_patch (msg, *it->second));
}

HttpReply
HttpEndpoint::handle_post (SoupServerMessage *msg)
{
  std::string type = http::request_media_type (msg);
  if (g_ascii_strcasecmp (type.c_str (), SDP_TYPE) != 0) {
    HttpReply reply = HttpReply::error (415, "Unsupported Content-Type '" + type + "': POST the "
        "SDP offer as Content-Type: application/sdp.");
    reply.headers.emplace_back ("Accept-Post", SDP_TYPE);
    return reply;
  }
  std::string body = request_body (msg);
  size_t start = body.find_first_not_of (" \t\r\n");
  if (start == std::string::npos)
    return HttpReply::error (400, "The body is empty: POST an SDP offer (\"v=0...\").");
  if (body.compare (start, 2, "v=") != 0)
    return HttpReply::error (400, "The body is not SDP (it does not start with \"v=\"): POST "
        "an SDP offer.");
  std::string parse_error;
  GstWebRTCSessionDescription *desc = session_description_from_text (GST_WEBRTC_SDP_TYPE_OFFER,
      body.substr (start), &parse_error);
  if (!desc)
    return HttpReply::error (400, "The SDP offer does not parse: " + parse_error + ".");
  std::unique_ptr<GstWebRTCSessionDescription, decltype (&gst_webrtc_session_description_free)>
      offer (desc, gst_webrtc_session_description_free);
  if (gst_sdp_message_medias_len (offer->sdp) == 0)
    return HttpReply::error (400, "The SDP offer has no media section (m=): offer audio "
        "and/or video.");
  for (guint i = 0; i < gst_sdp_message_medias_len (offer->sdp); i++) {
    const GstSDPMedia *media = gst_sdp_message_get_media (offer->sdp, i);
    if (gst_sdp_media_get_port (media) != 0 && gst_sdp_media_formats_len (media) == 0)
      return HttpReply::error (400, "Media section " + std::to_string (i) + " of the SDP offer "
          "lists no format.");
  }
  std::string ufrag, pwd;
  if (!sdp_ice_credentials (offer->sdp, &ufrag, &pwd))
    return HttpReply::error (400, "The SDP offer has no ICE credentials (a=ice-ufrag, "
        "a=ice-pwd).");
  if (callbacks_.admit) {
    if (auto refusal = callbacks_.admit (offer->sdp))
      return *refusal;
  }

  auto resource = std::make_unique<Resource> ();
  resource->id = http::random_uuid ();
  resource->etag = "\"" + http::random_uuid () + "\"";
  GstSDPMessage *copy = nullptr;
  gst_sdp_message_copy (offer->sdp, &copy);
  resource->offer.reset (copy);
  resource->pending = SOUP_SERVER_MESSAGE (g_object_ref (msg));
  std::string id = resource->id;
  resource->answer_timer = thread_.timeout (config_.answer_timeout_ms, [this, id] () {
    auto it = resources_.find (id);
    if (it != resources_.end ())
      it->second->answer_timer = 0;
    GST_WARNING ("%s session %s: no answer within %u ms", config_.name.c_str (), id.c_str (),
        config_.answer_timeout_ms);
    end (id, HttpReply::error (500, "The element did not answer the offer within " +
        std::to_string (config_.answer_timeout_ms / 1000) + " s; see the pipeline's log."));
    if (callbacks_.gone)
      callbacks_.gone (id, "no answer in time");
    return false;
  });
  /* A client that goes away before our answer (a page reloaded) must not
   * leave a session that blocks the next publisher. libsoup reads nothing
   * from a paused message's connection, so watch its socket for the end. */
  if (GSocket *socket = server_.socket_of (msg)) {
    struct Watch {
      HttpEndpoint *endpoint;
      std::string id;
    };
    resource->hangup_watch = g_socket_create_source (socket,
        (GIOCondition) (G_IO_IN | G_IO_HUP | G_IO_ERR), nullptr);
    g_source_set_callback (resource->hangup_watch, G_SOURCE_FUNC (+[] (GSocket *sock,
        GIOCondition, gpointer data) -> gboolean {
          auto watch = static_cast<Watch *> (data);
          /* Readable: the end of the stream (0 bytes), or data of the next
           * request, which is libsoup's: peek, never read. */
          char byte;
          ssize_t n = recv (g_socket_get_fd (sock), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
          if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
            return G_SOURCE_CONTINUE; /* a spurious wake-up */
          if (n <= 0)
            watch->endpoint->client_gone (watch->id);
          return G_SOURCE_REMOVE; /* gone, or data: stop watching (it would stay readable) */
        }), new Watch { this, id }, [] (gpointer data) { delete static_cast<Watch *> (data); });
    g_source_attach (resource->hangup_watch, thread_.context ());
  }
  resources_[id] = std::move (resource);
  soup_server_message_pause (msg);

  const char *remote = soup_server_message_get_remote_host (msg);
  std::string peer = std::string (config_.name == "WHIP" ? "whip:" : "whep:") +
      (remote ? remote : "client");
  GST_INFO ("%s POST from %s: session %s", config_.name.c_str (), peer.c_str (), id.c_str ());
  if (callbacks_.offer)
    callbacks_.offer (id, peer, offer.get ());
  HttpReply reply;
  reply.status = PENDING;
  return reply;
}

HttpReply
HttpEndpoint::handle_patch (SoupServerMessage *msg, Resource &resource)
{
  std::string if_match = http::request_header (msg, "If-Match");
  std::string type = http::request_media_type (msg);
  if (g_ascii_strcasecmp (type.c_str (), SDPFRAG_TYPE) != 0) {
    HttpReply reply = HttpReply::error (415, "Unsupported Content-Type '" + type + "': PATCH "
        "takes application/trickle-ice-sdpfrag (RFC 8840).");
    reply.headers.emplace_back ("Accept-Patch", SDPFRAG_TYPE);
    return reply;
  }
  SdpFrag frag;
  std::string error;
  if (!sdpfrag_parse (request_body (msg), &frag, &error))
    return HttpReply::error (400, "The trickle ICE fragment does not parse: " + error + ".");
  std::string ufrag, pwd;
  sdp_ice_credentials (resource.offer.get (), &ufrag, &pwd);
  bool restart = if_match == "*" ||
      (!frag.ice_ufrag.empty () && frag.ice_ufrag != ufrag) ||
      (!frag.ice_pwd.empty () && frag.ice_pwd != pwd);
  /* RFC 9725: an endpoint that trickles but does not restart answers a
   * restart with 422 (501 would say PATCH is not supported at all). */
  if (restart)
    return HttpReply::error (422, "ICE restarts are not supported by this endpoint: DELETE the "
        "session and POST a new offer.");
  if (!if_match.empty () && if_match != resource.etag)
    return HttpReply::error (412, "If-Match " + if_match + " does not match the session's "
        "ETag " + resource.etag + ".");
  for (const auto &cand : frag.candidates) {
    int mline = cand.mid.empty () ? (int) cand.mline
        : sdp_mline_for_mid (resource.offer.get (), cand.mid);
    if (mline < 0)
      return HttpReply::error (400, "Candidate for a=mid:" + cand.mid + ", which the offer "
          "does not have.");
  }
  for (const auto &cand : frag.candidates) {
    int mline = cand.mid.empty () ? (int) cand.mline
        : sdp_mline_for_mid (resource.offer.get (), cand.mid);
    if (callbacks_.candidate)
      callbacks_.candidate (resource.id, (unsigned) mline, cand.mid, cand.candidate);
  }
  if (frag.end_of_candidates && callbacks_.candidate)
    callbacks_.candidate (resource.id, 0, "", "");
  GST_DEBUG ("%s session %s: %zu remote candidates%s", config_.name.c_str (),
      resource.id.c_str (), frag.candidates.size (),
      frag.end_of_candidates ? ", end-of-candidates" : "");
  HttpReply reply;
  reply.status = 204;
  return reply;
}

void
HttpEndpoint::answer (const std::string &resource_id, const std::string &sdp)
{
  auto it = resources_.find (resource_id);
  if (it == resources_.end () || !it->second->pending)
    return;
  Resource &resource = *it->second;
  resource.answer = sdp;
  thread_.cancel (std::exchange (resource.answer_timer, 0u));
  std::string id = resource_id;
  resource.gather_timer = thread_.timeout (config_.gather_timeout_ms, [this, id] () {
    auto found = resources_.find (id);
    if (found != resources_.end ()) {
      GST_INFO ("%s session %s: answering with the %zu candidates gathered in %u ms",
          config_.name.c_str (), id.c_str (), found->second->candidates.size (),
          config_.gather_timeout_ms);
      found->second->gather_timer = 0;
      found->second->gathered = true;
      maybe_complete (*found->second);
    }
    return false;
  });
  maybe_complete (resource);
}

void
HttpEndpoint::local_candidate (const std::string &resource_id, unsigned mline,
    const std::string &candidate)
{
  auto it = resources_.find (resource_id);
  if (it == resources_.end () || !it->second->pending)
    return; /* after the 201: WHIP has no way to send it */
  if (candidate.empty ())
    it->second->gathered = true;
  else
    it->second->candidates.push_back ({ mline, candidate });
  maybe_complete (*it->second);
}

void
HttpEndpoint::maybe_complete (Resource &resource)
{
  if (resource.answer.empty () || !resource.gathered || !resource.pending)
    return;
  thread_.cancel (std::exchange (resource.gather_timer, 0u));
  std::string error;
  std::string sdp = manual::merge_candidates (resource.answer, resource.candidates, &error);
  if (!error.empty ())
    GST_WARNING ("%s session %s: could not add our candidates: %s", config_.name.c_str (),
        resource.id.c_str (), error.c_str ());
  HttpReply reply;
  reply.status = 201;
  reply.content_type = SDP_TYPE;
  reply.body = sdp;
  reply.headers = { { "Location", resource_path (resource.id) }, { "ETag", resource.etag },
    { "Accept-Patch", SDPFRAG_TYPE } };
  for (const auto &link : config_.ice_links)
    reply.headers.emplace_back ("Link", link);
  GST_INFO ("%s session %s: 201 with our answer and %zu candidates", config_.name.c_str (),
      resource.id.c_str (), resource.candidates.size ());
  std::string id = resource.id;
  complete (id, reply);
  if (callbacks_.answered)
    callbacks_.answered (id);
}

void
HttpEndpoint::complete (const std::string &resource_id, const HttpReply &reply)
{
  auto it = resources_.find (resource_id);
  if (it == resources_.end () || !it->second->pending)
    return;
  SoupServerMessage *msg = std::exchange (it->second->pending, nullptr);
  if (GSource *watch = std::exchange (it->second->hangup_watch, nullptr)) {
    g_source_destroy (watch);
    g_source_unref (watch);
  }
  send (msg, reply);
  soup_server_message_unpause (msg);
  g_object_unref (msg);
}

void
HttpEndpoint::client_gone (const std::string &resource_id)
{
  auto it = resources_.find (resource_id);
  if (it == resources_.end () || !it->second->pending)
    return;
  GST_INFO ("%s session %s: the client went away before our answer", config_.name.c_str (),
      resource_id.c_str ());
  /* The reply goes nowhere; sending it lets libsoup finish the message. */
  end (resource_id, HttpReply::error (400, "The client went away before the answer."));
  if (callbacks_.abandoned)
    callbacks_.abandoned (resource_id);
  if (callbacks_.gone)
    callbacks_.gone (resource_id, "the client went away before the answer");
}

void
HttpEndpoint::end (const std::string &resource_id, const HttpReply &reply)
{
  auto it = resources_.find (resource_id);
  if (it == resources_.end ())
    return;
  complete (resource_id, reply);
  thread_.cancel (it->second->answer_timer);
  thread_.cancel (it->second->gather_timer);
  resources_.erase (it);
}

} // namespace gstsig
