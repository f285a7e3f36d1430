/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* WhipHttpClient and ICE, on its thread: our candidates trickled to the
 * session with PATCH (application/trickle-ice-sdpfrag), or all of them in
 * the offer or answer when the server does not trickle (vanilla ICE),
 * end-of-candidates, and ICE servers from Link headers. */
#include "whip-http-client-private.h"

#include "sdp-utils.h"
#include "sdpfrag.h"

#include <mutex>
#include <set>
#include <utility>

#define GST_CAT_DEFAULT whip_http_debug

namespace gstsig {

namespace {

#define GATHER_FALLBACK_MS 10000   /* vanilla ICE: send what we have after this */
#define LATE_TURN_GATHER_MS 5000   /* relay candidates of late TURN servers */

std::mutex refused_lock; /* guards refused_endpoints () */

std::set<std::string> &
refused_endpoints ()
{
  static std::set<std::string> endpoints;
  return endpoints;
}

std::string
mid_of (const GstSDPMessage *sdp, unsigned mline)
{
  if (!sdp || mline >= gst_sdp_message_medias_len (sdp))
    return "";
  const char *mid = gst_sdp_media_get_attribute_val (gst_sdp_message_get_media (sdp, mline), "mid");
  return mid ? mid : "";
}

} // namespace

bool
WhipHttpClient::endpoint_refused_trickle (const std::string &endpoint)
{
  std::lock_guard<std::mutex> guard (refused_lock);
  return refused_endpoints ().count (endpoint) > 0;
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
