/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "whip-http-client-private.h"

#include "sdp-utils.h"

#include <atomic>
#include <chrono>
#include <utility>

GST_DEBUG_CATEGORY (whip_http_debug);
#define GST_CAT_DEFAULT whip_http_debug

namespace gstsig {

#define MAX_DELETE_WAIT_S 5

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
  GError *tls_error = nullptr;
  tls_.set_insecure_warning ([owner = owner_] (const std::string &warning) {
    if (GST_IS_OBJECT (owner))
      tls::warn_through_parent (GST_OBJECT (owner), warning);
    else
      g_warning ("%s", warning.c_str ());
  });
  if (!tls_.configure (settings.ca_file, settings.insecure_tls,
          { "signaller::ca-file=PATH", "signaller::insecure-tls=true" }, &tls_error)) {
    g_set_error_literal (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
        tls_error->message);
    g_error_free (tls_error);
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
    options_tls_code_ = -1;
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
    tls_.apply (soup_);
    /* An early check: is the server there, and does it tell ICE servers? */
    request ("OPTIONS", endpoint_, nullptr, "", false, [this] (const HttpResult &r) {
      std::string problem;
      if (!r.tls_problem.empty ()) {
        problem = r.tls_problem;
      } else if (!r.responded) {
        problem = r.timed_out
            ? "did not answer within " + std::to_string (settings_.timeout_s) + " s"
            : r.too_large ? "answered with too much: " + r.transport_error
                          : "cannot be reached: " + r.transport_error;
      } else {
        GST_INFO ("OPTIONS %s: %u %s", endpoint_.c_str (), r.status, r.reason.c_str ());
        if (SOUP_STATUS_IS_SUCCESSFUL (r.status))
          learn_ice_servers (r.link, true);
      }
      std::lock_guard<std::mutex> guard (start_lock_);
      options_done_ = true;
      options_error_ = problem;
      options_tls_code_ = r.tls_problem.empty () ? -1 : r.tls_code;
      start_cond_.notify_all ();
    });
  });

  std::string problem;
  int tls_code;
  {
    std::unique_lock<std::mutex> guard (start_lock_);
    start_cond_.wait_for (guard, std::chrono::seconds (settings_.timeout_s + 2),
        [this] { return options_done_; });
    problem = options_done_ ? options_error_
                            : "did not answer within " + std::to_string (settings_.timeout_s) + " s";
    tls_code = options_done_ ? options_tls_code_ : -1;
  }
  if (tls_code >= 0) {
    g_set_error (error, G_TLS_ERROR, tls_code, "%s %s: %s", protocol (), endpoint_.c_str (),
        problem.c_str ());
    stop ();
    return false;
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
    /* A DELETE already sent (the session ended just before) goes on: the
     * server must hear it, or it keeps the session until a timeout. */
    cancel_requests (true);
    /* Tell the server we are gone, waiting a little for it to hear. */
    bool deleting = delete_in_flight ();
    if (!resource_url ().empty () && !deleted_) {
      deleting = true;
      delete_resource (nullptr);
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
  fail (GST_RESOURCE_ERROR, code, message);
}

void
WhipHttpClient::fail (GQuark domain, int code, const std::string &message)
{
  if (failed_)
    return;
  failed_ = true;
  GST_WARNING ("%s", message.c_str ());
  GError *error = g_error_new_literal (domain, code, message.c_str ());
  gst_sig_signaller_emit_error (owner_, error);
  g_error_free (error);
}

void
WhipHttpClient::fail_http (const char *what, const HttpResult &r)
{
  std::string server = std::string (protocol ()) + " server " + endpoint_;
  if (!r.tls_problem.empty ()) {
    fail (G_TLS_ERROR, r.tls_code, server + " " + what + ": " + r.tls_problem);
    return;
  }
  if (!r.responded) {
    if (r.timed_out)
      fail (GST_RESOURCE_ERROR_OPEN_READ_WRITE, server + " " + what + ": no answer within " +
          std::to_string (settings_.timeout_s) + " s (" + r.url + "). Check the server, or "
          "raise signaller::timeout.");
    else if (r.too_large)
      fail (GST_RESOURCE_ERROR_READ, server + " " + what + ": " + r.transport_error + " (" +
          r.url + "). Is this the URL of a " + protocol () + " endpoint?");
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

} // namespace gstsig
