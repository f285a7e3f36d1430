/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "whip-http-client.h"

#include "sdp-utils.h"
#include "sdpfrag.h"

#include <atomic>
#include <chrono>
#include <utility>

GST_DEBUG_CATEGORY_STATIC (whip_http_debug);
#define GST_CAT_DEFAULT whip_http_debug

namespace gstsig {

namespace {

#define GATHER_FALLBACK_MS 10000   /* vanilla ICE: send what we have after this */
#define LATE_TURN_GATHER_MS 5000   /* relay candidates of late TURN servers */
#define MAX_REDIRECTS 5
#define MAX_DELETE_WAIT_S 5

std::mutex refused_lock; /* guards refused_endpoints () */

std::set<std::string> &
refused_endpoints ()
{
  static std::set<std::string> endpoints;
  return endpoints;
}

std::string
header (SoupMessageHeaders *headers, const char *name)
{
  const char *value = headers ? soup_message_headers_get_list (headers, name) : nullptr;
  return value ? value : "";
}

std::string
mid_of (const GstSDPMessage *sdp, unsigned mline)
{
  if (!sdp || mline >= gst_sdp_message_medias_len (sdp))
    return "";
  const char *mid = gst_sdp_media_get_attribute_val (gst_sdp_message_get_media (sdp, mline), "mid");
  return mid ? mid : "";
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

struct WhipHttpClient::HttpResult {
  bool responded = false; /* false: no HTTP response (transport error, timeout) */
  bool timed_out = false;
  std::string transport_error;
  unsigned status = 0;
  std::string reason, body, url; /* url: the last one asked (after redirects) */
  bool sent_auth = false;          /* the last request carried the token */
  std::string location, etag, link, content_type;
};

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
  std::function<void (const HttpResult &)> done;
};

WhipHttpClient::WhipHttpClient (GstSigSignaller *owner) : owner_ (owner)
{
  static gsize debug_once = 0;
  if (g_once_init_enter (&debug_once)) {
    GST_DEBUG_CATEGORY_INIT (whip_http_debug, "webrtcsignal-whip", 0,
        "WHIP/WHEP clients of gst-webrtcsignal (HTTP side)");
    g_once_init_leave (&debug_once, 1);
  }
}

WhipHttpClient::~WhipHttpClient ()
{
  stop ();
}

bool
WhipHttpClient::endpoint_refused_trickle (const std::string &endpoint)
{
  std::lock_guard<std::mutex> guard (refused_lock);
  return refused_endpoints ().count (endpoint) > 0;
}

void
WhipHttpClient::post (const std::string &session_id, std::function<void ()> fn)
{
  {
    std::lock_guard<std::mutex> guard (lock_);
    if (session_id != session_id_)
      return; /* a late call for the session of an earlier start */
  }
  worker_.post (std::move (fn));
}

std::string
WhipHttpClient::resource_url () const
{
  std::lock_guard<std::mutex> guard (lock_);
  return resource_url_;
}

const char *
WhipHttpClient::protocol () const
{
  return settings_.role == WhipRole::Publish ? "WHIP" : "WHEP";
}

/* ---- start / stop (state-change thread) ---- */

bool
WhipHttpClient::start (const WhipClientSettings &settings, GError **error)
{
  stop ();
  settings_ = settings;
  std::string url_error;
  endpoint_ = whip::http_url_of (settings.uri,
      settings.role == WhipRole::Publish ? "whip+" : "whep+", &url_error);
  if (endpoint_.empty ()) {
    g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS, "%s",
        url_error.c_str ());
    return false;
  }
  static std::atomic<unsigned> counter { 0 };
  {
    std::lock_guard<std::mutex> guard (lock_);
    session_id_ = std::string (settings.role == WhipRole::Publish ? "whip-" : "whep-") +
        std::to_string (++counter);
    resource_url_.clear ();
  }
  {
    std::lock_guard<std::mutex> guard (start_lock_);
    options_done_ = false;
    options_error_.clear ();
  }

  worker_.start ();
  worker_.post_sync ([this] () {
    stopping_ = failed_ = false;
    known_ice_servers_.clear ();
    resource_auth_ = false;
    local_sdp_text_.clear ();
    all_candidates_.clear ();
    unsent_.clear ();
    gathered_ = eoc_sent_ = resource_ready_ = patch_in_flight_ = deleted_ = false;
    trickling_ = settings_.trickle != TrickleMode::Off &&
        !(settings_.trickle == TrickleMode::Auto && endpoint_refused_trickle (endpoint_));
    etag_.clear ();
    soup_ = soup_session_new_with_options ("timeout", settings_.timeout_s, "user-agent",
        "gst-webrtcsignal", nullptr);
    /* An early check: is the server there, and does it tell ICE servers? */
    request ("OPTIONS", endpoint_, nullptr, "", false, [this] (const HttpResult &r) {
      std::string problem;
      if (!r.responded) {
        problem = r.timed_out
            ? "did not answer within " + std::to_string (settings_.timeout_s) + " s"
            : "cannot be reached: " + r.transport_error;
      } else {
        GST_INFO ("OPTIONS %s: %u %s", endpoint_.c_str (), r.status, r.reason.c_str ());
        if (SOUP_STATUS_IS_SUCCESSFUL (r.status))
          learn_ice_servers (r.link, true);
      }
      std::lock_guard<std::mutex> guard (start_lock_);
      options_done_ = true;
      options_error_ = problem;
      start_cond_.notify_all ();
    });
  });

  std::string problem;
  {
    std::unique_lock<std::mutex> guard (start_lock_);
    start_cond_.wait_for (guard, std::chrono::seconds (settings_.timeout_s + 2),
        [this] { return options_done_; });
    problem = options_done_ ? options_error_
                            : "did not answer within " + std::to_string (settings_.timeout_s) + " s";
  }
  if (!problem.empty ()) {
    g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_READ_WRITE,
        "The %s server %s %s. Check the URL and that the server is running%s.", protocol (),
        endpoint_.c_str (), problem.c_str (),
        problem.rfind ("did not", 0) == 0 ? ", or raise signaller::timeout" : "");
    stop ();
    return false;
  }
  worker_.post ([this] () { begin_session (); });
  return true;
}

void
WhipHttpClient::stop ()
{
  /* What callers queued and has not run yet is dropped from here on; what
   * they queue later too. */
  worker_.stop ([this] () {
    stopping_ = true;
    worker_.cancel (std::exchange (eoc_hold_timer_, 0u));
    worker_.cancel (std::exchange (gather_timer_, 0u));
    after_gathering_ = nullptr;
    cancel_requests ();
    /* Tell the server we are gone, waiting a little for it to hear. */
    bool deleting = false;
    if (!resource_url ().empty () && !deleted_) {
      deleting = true;
      delete_resource ([&deleting] () { deleting = false; });
    }
    gint64 deadline = g_get_monotonic_time () +
        MIN (settings_.timeout_s, MAX_DELETE_WAIT_S) * G_USEC_PER_SEC;
    GMainContext *context = worker_.context ();
    while (!requests_.empty ()) {
      if (deleting && g_get_monotonic_time () > deadline) {
        GST_WARNING ("DELETE %s: no answer in time; leaving", resource_url ().c_str ());
        cancel_requests ();
        deleting = false;
      }
      /* Wakes up at least every 100 ms to check the deadline. */
      GSource *tick = g_timeout_source_new (100);
      g_source_set_callback (tick, [] (gpointer) { return G_SOURCE_REMOVE; }, nullptr, nullptr);
      g_source_attach (tick, context);
      g_main_context_iteration (context, TRUE);
      g_source_destroy (tick);
      g_source_unref (tick);
    }
    g_clear_object (&soup_);
    local_sdp_.reset ();
  });
}

/* ---- HTTP (thread) ---- */

/* Cancelling may complete a request at once (and free it): cancel from a
 * copy of the cancellables. */
void
WhipHttpClient::cancel_requests ()
{
  std::vector<GCancellable *> cancellables;
  for (Request *req : requests_)
    cancellables.push_back ((GCancellable *) g_object_ref (req->cancellable));
  for (GCancellable *c : cancellables) {
    g_cancellable_cancel (c);
    g_object_unref (c);
  }
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
  soup_session_send_and_read_async (soup_, req->msg, G_PRIORITY_DEFAULT, req->cancellable,
      on_response, req);
}

void
WhipHttpClient::on_response (GObject *source, GAsyncResult *result, gpointer data)
{
  auto req = static_cast<Request *> (data);
  WhipHttpClient *self = req->client;
  GError *error = nullptr;
  GBytes *bytes = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);
  HttpResult r;
  r.url = req->url;
  r.sent_auth = req->sent_auth;
  if (!bytes) {
    r.timed_out = req->timed_out;
    r.transport_error = error ? error->message : "unknown error";
    g_clear_error (&error);
    self->finish (req, r);
    return;
  }
  r.responded = true;
  r.status = soup_message_get_status (req->msg);
  r.reason = soup_message_get_reason_phrase (req->msg) ? soup_message_get_reason_phrase (req->msg) : "";
  gsize size = 0;
  const char *data_ptr = (const char *) g_bytes_get_data (bytes, &size);
  r.body.assign (data_ptr ? data_ptr : "", size);
  g_bytes_unref (bytes);
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
  g_clear_object (&req->msg);
  g_clear_object (&req->cancellable);
  auto done = std::move (req->done);
  delete req;
  if (done)
    done (result);
}

/* ---- the session (thread) ---- */

void
WhipHttpClient::begin_session ()
{
  if (stopping_)
    return;
  auto signaller = owner_;
  if (settings_.role == WhipRole::Publish) {
    GST_INFO ("WHIP: asking the element for an offer (session %s)", session_id_.c_str ());
    gst_sig_signaller_emit_session_requested (signaller, session_id_.c_str (), endpoint_.c_str (),
        nullptr);
  } else if (!settings_.server_offer) {
    GST_INFO ("WHEP: asking the element for a receive-only offer (session %s)",
        session_id_.c_str ());
    gst_sig_signaller_emit_session_started (signaller, session_id_.c_str (), endpoint_.c_str ());
  } else {
    GST_INFO ("WHEP: asking the server for its offer (empty POST to %s)", endpoint_.c_str ());
    request ("POST", endpoint_, "application/sdp", "", false,
        [this] (const HttpResult &r) { on_post_response (r, true); });
  }
}

bool
WhipHttpClient::vanilla () const
{
  return !trickling_ && settings_.trickle != TrickleMode::On;
}

void
WhipHttpClient::when_gathered (std::function<void ()> fn)
{
  if (gathered_) {
    fn ();
    return;
  }
  after_gathering_ = std::move (fn);
  gather_timer_ = worker_.timeout (GATHER_FALLBACK_MS, [this] () {
    gather_timer_ = 0;
    GST_WARNING ("ICE gathering did not complete within %d ms; sending the %zu candidates "
        "gathered so far", GATHER_FALLBACK_MS, all_candidates_.size ());
    if (auto fn = std::exchange (after_gathering_, nullptr))
      fn ();
    return false;
  });
}

void
WhipHttpClient::send_sdp (const std::string &session_id, const GstWebRTCSessionDescription *desc)
{
  if (!desc || !worker_.running ())
    return;
  std::string text = session_description_to_text (desc);
  GstWebRTCSDPType type = desc->type;
  GstSDPMessage *raw = nullptr;
  gst_sdp_message_copy (desc->sdp, &raw);
  /* Freed wherever the call ends: dropped, stopped, or replaced later. */
  std::shared_ptr<GstSDPMessage> copy (raw, gst_sdp_message_free);
  post (session_id, [this, text, type, copy] () {
    if (stopping_)
      return;
    local_sdp_ = copy;
    if (failed_ || !local_sdp_text_.empty ())
      return;
    local_sdp_text_ = text;
    local_type_ = type;
    if (type == GST_WEBRTC_SDP_TYPE_OFFER) {
      if (vanilla ())
        when_gathered ([this] () { post_offer (); });
      else
        post_offer ();
    } else {
      if (vanilla ())
        when_gathered ([this] () { send_answer (); });
      else
        send_answer ();
    }
  });
}

void
WhipHttpClient::post_offer ()
{
  std::string body = local_sdp_text_;
  if (vanilla ()) {
    std::string error;
    body = manual::merge_candidates (local_sdp_text_, all_candidates_, &error);
    if (!error.empty ())
      GST_WARNING ("Could not add our candidates to the offer: %s", error.c_str ());
    unsent_.clear ();
    eoc_sent_ = true;
  }
  GST_INFO ("%s: POST %s (offer, %zu bytes, %s)", protocol (), endpoint_.c_str (), body.size (),
      vanilla () ? "every candidate inside" : "candidates trickled after");
  request ("POST", endpoint_, "application/sdp", body, false,
      [this] (const HttpResult &r) { on_post_response (r, false); });
}

void
WhipHttpClient::on_post_response (const HttpResult &r, bool server_offer)
{
  if (stopping_ || failed_)
    return;
  const char *what = server_offer ? "refused to send an offer" : "refused the offer";
  if (!r.responded || (r.status != 201 && r.status != 200)) {
    fail_http (what, r);
    return;
  }
  if (r.location.empty ()) {
    fail (GST_RESOURCE_ERROR_FAILED, std::string (protocol ()) + " server " + endpoint_ +
        " answered " + whip::status_text (r.status, r.reason, "") + " without a Location header, "
        "so the session could be neither trickled nor ended. The server does not follow "
        "RFC 9725; check the URL or the server.");
    return;
  }
  std::string location = whip::resolve_location (r.url, r.location);
  if (location.empty ()) {
    fail (GST_RESOURCE_ERROR_FAILED, std::string (protocol ()) + " server " + endpoint_ +
        " sent an unusable Location header: '" + r.location + "'.");
    return;
  }
  {
    std::lock_guard<std::mutex> guard (lock_);
    resource_url_ = location;
  }
  resource_auth_ = r.sent_auth;
  if (!settings_.auth_token.empty () && !send_auth_to (location))
    GST_INFO ("Not sending the auth-token to the session %s: it is on another origin than %s, "
        "and the server that created it did not get the token", location.c_str (),
        endpoint_.c_str ());
  etag_ = r.etag;
  GST_INFO ("%s session at %s (ETag %s)", protocol (), location.c_str (),
      etag_.empty () ? "none" : etag_.c_str ());
  learn_ice_servers (r.link, false);

  GstWebRTCSDPType type = server_offer ? GST_WEBRTC_SDP_TYPE_OFFER : GST_WEBRTC_SDP_TYPE_ANSWER;
  std::string sdp_error;
  GstWebRTCSessionDescription *desc = session_description_from_text (type, r.body, &sdp_error);
  if (desc && gst_sdp_message_medias_len (desc->sdp) == 0) {
    sdp_error = "it has no media section";
    gst_webrtc_session_description_free (std::exchange (desc, nullptr));
  }
  if (!desc) {
    fail (GST_RESOURCE_ERROR_FAILED, std::string (protocol ()) + " server " + endpoint_ +
        " answered " + std::to_string (r.status) + " but its body is not a usable SDP " +
        (server_offer ? "offer" : "answer") + " (" + sdp_error + "; Content-Type '" +
        r.content_type + "'): " + whip::body_snippet (r.body, 120));
    return;
  }
  if (server_offer) {
    gst_sig_signaller_emit_session_started (owner_, session_id_.c_str (), endpoint_.c_str ());
  } else {
    resource_ready_ = true;
  }
  gst_sig_signaller_emit_session_description (owner_, session_id_.c_str (), desc);
  gst_webrtc_session_description_free (desc);
  flush_trickle ();
}

/* WHEP server-offer: our answer goes to the session with PATCH. */
void
WhipHttpClient::send_answer ()
{
  std::string url = resource_url ();
  if (url.empty ())
    return;
  std::string body = local_sdp_text_;
  if (vanilla ()) {
    std::string error;
    body = manual::merge_candidates (local_sdp_text_, all_candidates_, &error);
    unsent_.clear ();
    eoc_sent_ = true;
  }
  GST_INFO ("WHEP: PATCH %s (answer, %zu bytes)", url.c_str (), body.size ());
  request ("PATCH", url, "application/sdp", body, true, [this] (const HttpResult &r) {
    if (stopping_ || failed_)
      return;
    if (!r.responded || !SOUP_STATUS_IS_SUCCESSFUL (r.status)) {
      fail_http ("refused our answer", r);
      return;
    }
    if (!r.etag.empty ())
      etag_ = r.etag;
    resource_ready_ = true;
    flush_trickle ();
  });
}

void
WhipHttpClient::add_ice (const std::string &session_id, const std::string &candidate,
    unsigned mline)
{
  post (session_id, [this, candidate, mline] () {
    if (stopping_ || failed_)
      return;
    if (candidate.empty ()) {
      gathered_ = true;
      worker_.cancel (std::exchange (gather_timer_, 0u));
      if (auto fn = std::exchange (after_gathering_, nullptr))
        fn ();
    } else {
      if (eoc_sent_) {
        GST_DEBUG ("Candidate after end-of-candidates dropped: %s", candidate.c_str ());
        return;
      }
      all_candidates_.push_back ({ mline, candidate });
      unsent_.push_back ({ mline, candidate });
    }
    flush_trickle ();
  });
}

/* Relay candidates of a late TURN server come after webrtcbin said it was
 * done gathering: end-of-candidates waits for them a while. */
void
WhipHttpClient::hold_end_of_candidates ()
{
  if (eoc_sent_ || stopping_)
    return;
  worker_.cancel (eoc_hold_timer_);
  eoc_hold_timer_ = worker_.timeout (LATE_TURN_GATHER_MS, [this] () {
    eoc_hold_timer_ = 0;
    flush_trickle ();
    return false;
  });
  GST_DEBUG ("end-of-candidates held for %d ms (relay candidates of a late TURN server)",
      LATE_TURN_GATHER_MS);
}

/* The endpoint's origin, or the session's resource when the server that
 * created it had our token. */
bool
WhipHttpClient::send_auth_to (const std::string &url) const
{
  return same_origin (url, endpoint_) || (resource_auth_ && url == resource_url ());
}

void
WhipHttpClient::flush_trickle ()
{
  if (!trickling_ || !resource_ready_ || patch_in_flight_ || stopping_ || failed_ || !local_sdp_)
    return;
  bool send_eoc = gathered_ && !eoc_sent_ && !eoc_hold_timer_;
  if (unsent_.empty () && !send_eoc)
    return;
  SdpFrag frag;
  const GstSDPMessage *sdp = local_sdp_.get ();
  sdp_ice_credentials (sdp, &frag.ice_ufrag, &frag.ice_pwd);
  for (const auto &c : unsent_)
    frag.candidates.push_back ({ mid_of (sdp, c.mline), c.mline, c.candidate });
  frag.end_of_candidates = send_eoc;
  std::string body = sdpfrag_build (frag, sdp);
  size_t sent = unsent_.size ();
  patch_in_flight_ = true;
  GST_DEBUG ("PATCH %s: %zu candidates%s", resource_url ().c_str (), sent,
      send_eoc ? " and end-of-candidates" : "");
  request ("PATCH", resource_url (), "application/trickle-ice-sdpfrag", body, true,
      [this, sent, send_eoc] (const HttpResult &r) { on_patch_response (r, sent, send_eoc); });
}

void
WhipHttpClient::on_patch_response (const HttpResult &r, size_t sent, bool sent_eoc)
{
  patch_in_flight_ = false;
  if (stopping_ || failed_)
    return;
  if (r.responded && SOUP_STATUS_IS_SUCCESSFUL (r.status)) {
    unsent_.erase (unsent_.begin (), unsent_.begin () + MIN (sent, unsent_.size ()));
    eoc_sent_ = eoc_sent_ || sent_eoc;
    flush_trickle ();
    return;
  }
  bool refused = r.responded && (r.status == 405 || r.status == 501 || r.status == 422);
  if (refused && settings_.trickle == TrickleMode::Auto) {
    /* The server does not trickle: our connectivity checks towards the
     * candidates of its answer still reach it (it learns our address as a
     * peer-reflexive candidate); later sessions to this endpoint send every
     * candidate in their offer. */
    GST_INFO ("%s server %s does not take trickle ICE (%u %s): no more PATCH; later sessions "
        "to it send every candidate in the offer", protocol (), endpoint_.c_str (), r.status,
        r.reason.c_str ());
    {
      std::lock_guard<std::mutex> guard (refused_lock);
      refused_endpoints ().insert (endpoint_);
    }
    trickling_ = false;
    unsent_.clear ();
    return;
  }
  if (refused) {
    fail (GST_RESOURCE_ERROR_FAILED, std::string (protocol ()) + " server " + endpoint_ +
        " does not take trickle ICE candidates (PATCH " + r.url + ": " +
        whip::status_text (r.status, r.reason, r.body) + "). Set signaller::trickle=auto or "
        "trickle=off (every candidate in the offer).");
    return;
  }
  fail_http ("refused our ICE candidates", r);
}

void
WhipHttpClient::end_session (const std::string &session_id, bool at_eos)
{
  post (session_id, [this, at_eos] () {
    if (stopping_ || deleted_)
      return;
    GST_INFO ("%s: the element ended session %s%s", protocol (), session_id_.c_str (),
        at_eos ? " (end of stream)" : "");
    delete_resource (nullptr);
    /* webrtcrecv ends its outputs itself (EOS); webrtcsend's only session
     * is over before its stream: say so, instead of publishing nothing for
     * ever. */
    if (settings_.role == WhipRole::Publish && !failed_ && !at_eos)
      fail (GST_RESOURCE_ERROR_WRITE, "The WHIP session with " + endpoint_ + " ended before the "
          "pipeline stopped (the pipeline's log says why: ICE failure, no media from the "
          "server for peer-timeout seconds, or a refused answer). If ICE failed, check the "
          "network path to the server and its STUN/TURN settings.");
  });
}

void
WhipHttpClient::delete_resource (std::function<void ()> done)
{
  std::string url = resource_url ();
  if (url.empty () || deleted_) {
    if (done)
      done ();
    return;
  }
  deleted_ = true;
  GST_INFO ("%s: DELETE %s", protocol (), url.c_str ());
  request ("DELETE", url, nullptr, "", false, [this, url, done] (const HttpResult &r) {
    if (!r.responded)
      GST_WARNING ("DELETE %s: %s", url.c_str (), r.timed_out ? "no answer in time"
          : r.transport_error.c_str ());
    else if (!SOUP_STATUS_IS_SUCCESSFUL (r.status))
      GST_WARNING ("DELETE %s: %s", url.c_str (),
          whip::status_text (r.status, r.reason, r.body).c_str ());
    if (done)
      done ();
  });
}

void
WhipHttpClient::fail (int code, const std::string &message)
{
  if (failed_)
    return;
  failed_ = true;
  GST_WARNING ("%s", message.c_str ());
  GError *error = g_error_new_literal (GST_RESOURCE_ERROR, code, message.c_str ());
  gst_sig_signaller_emit_error (owner_, error);
  g_error_free (error);
}

void
WhipHttpClient::fail_http (const char *what, const HttpResult &r)
{
  std::string server = std::string (protocol ()) + " server " + endpoint_;
  if (!r.responded) {
    if (r.timed_out)
      fail (GST_RESOURCE_ERROR_OPEN_READ_WRITE, server + " " + what + ": no answer within " +
          std::to_string (settings_.timeout_s) + " s (" + r.url + "). Check the server, or "
          "raise signaller::timeout.");
    else
      fail (GST_RESOURCE_ERROR_OPEN_READ_WRITE, server + " could not be reached (" + r.url +
          "): " + r.transport_error + ". Check the URL and that the server is running.");
    return;
  }
  std::string message = server + " " + what + ": " + whip::status_text (r.status, r.reason, r.body);
  if (r.url != endpoint_)
    message += " (" + r.url + ")";
  message += ".";
  std::string advice = whip::advice_for_status (r.status);
  if (!advice.empty ())
    message += " " + advice;
  fail (whip::resource_error_for_status (r.status), message);
}

/* ---- ICE servers ---- */

/* On the thread. Servers of OPTIONS (before_gathering) apply to the
 * session the element starts next; those of the 201 to the running one
 * (TURN only: its relay candidates are gathered then, so end-of-candidates
 * waits for them). The element's sessions apply them: we never touch
 * webrtcbin. */
void
WhipHttpClient::learn_ice_servers (const std::string &link_header, bool before_gathering)
{
  std::vector<std::string> uris;
  bool any_turn = false;
  for (const auto &server : whip::parse_ice_server_links (link_header)) {
    bool is_turn = false;
    std::string uri = whip::webrtcbin_ice_uri (server, &is_turn);
    if (uri.empty ()) {
      GST_WARNING ("Ignoring ICE server %s: not stun:/turn:/turns:", server.url.c_str ());
      continue;
    }
    if (!known_ice_servers_.insert (uri).second)
      continue;
    if (!before_gathering && !is_turn) {
      GST_WARNING ("STUN server %s came with the session, after gathering started: webrtcbin "
          "cannot use it now. Set stun-server on the element.", server.url.c_str ());
      continue;
    }
    any_turn = any_turn || is_turn;
    uris.push_back (uri);
  }
  if (uris.empty ())
    return;
  GST_INFO ("%zu ICE servers from Link headers (%s)", uris.size (),
      before_gathering ? "OPTIONS, before gathering" : "with the session, late");
  std::vector<const gchar *> list;
  for (const auto &uri : uris)
    list.push_back (uri.c_str ());
  list.push_back (nullptr);
  gst_sig_signaller_emit_ice_servers (owner_, before_gathering ? nullptr : session_id_.c_str (),
      list.data ());
  if (!before_gathering && any_turn)
    hold_end_of_candidates ();
}

} // namespace gstsig
