/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "webrtc-session.h"

#include "bin-utils.h"
#include "ice-utils.h"
#include "mdns-resolver.h"
#include "sdp-utils.h"
#include "session-errors.h"

GST_DEBUG_CATEGORY_STATIC (webrtc_session_debug);
#define GST_CAT_DEFAULT webrtc_session_debug

namespace gstsig {

namespace {

using DescriptionHandler = WebrtcSession::DescriptionHandler;

struct PromiseData {
  std::shared_ptr<SessionLink> link;
  const char *field; /* "offer", "answer" or nullptr */
  DescriptionHandler handler;
};

void
on_promise_changed (GstPromise *promise, gpointer user_data)
{
  auto data = static_cast<PromiseData *> (user_data);
  std::string error;
  GstWebRTCSessionDescription *desc = nullptr;
  const GstStructure *reply = nullptr;
  if (gst_promise_wait (promise) != GST_PROMISE_RESULT_REPLIED) {
    error = "webrtcbin did not answer";
  } else if ((reply = gst_promise_get_reply (promise)) && gst_structure_has_field (reply, "error")) {
    GError *gerror = nullptr;
    gst_structure_get (reply, "error", G_TYPE_ERROR, &gerror, nullptr);
    error = gerror ? gerror->message : "unknown webrtcbin error";
    g_clear_error (&gerror);
  } else if (data->field) {
    if (reply)
      gst_structure_get (reply, data->field, GST_TYPE_WEBRTC_SESSION_DESCRIPTION, &desc, nullptr);
    if (!desc)
      error = std::string ("webrtcbin gave no ") + data->field;
  }
  auto owned = std::shared_ptr<GstWebRTCSessionDescription> (desc, [] (auto *d) {
    if (d)
      gst_webrtc_session_description_free (d);
  });
  auto handler = data->handler;
  data->link->post_if_alive (
      [handler, owned, error] (WebrtcSession &) { handler (owned.get (), error); });
}

/* Signal user data: a strong ref to the link, dropped on disconnect. */
gpointer
link_data (const std::shared_ptr<SessionLink> &link)
{
  return new std::shared_ptr<SessionLink> (link);
}

void
free_link_data (gpointer data, GClosure *)
{
  delete static_cast<std::shared_ptr<SessionLink> *> (data);
}

SessionLink &
link_of (gpointer data)
{
  return **static_cast<std::shared_ptr<SessionLink> *> (data);
}

void
on_ice_candidate (GstElement *, guint mline, gchar *candidate, gpointer data)
{
  link_of (data).send_candidate (mline, candidate ? candidate : "");
}

void
on_gathering_state (GstElement *webrtcbin, GParamSpec *, gpointer data)
{
  GstWebRTCICEGatheringState state;
  g_object_get (webrtcbin, "ice-gathering-state", &state, nullptr);
  if (state != GST_WEBRTC_ICE_GATHERING_STATE_COMPLETE)
    return;
  /* webrtcbin 1.22 never signals end-of-candidates: do it ourselves. */
  link_of (data).send_candidate (0, "");
}

void
on_connection_state (GstElement *webrtcbin, GParamSpec *, gpointer data)
{
  GstWebRTCICEConnectionState state;
  g_object_get (webrtcbin, "ice-connection-state", &state, nullptr);
  link_of (data).post_if_alive (
      [state] (WebrtcSession &session) { session.on_ice_connection_state (state); });
}

/* RTCP from the peer (reports, BYE) proves it is still there: webrtcbin
 * 1.22 has no ICE consent freshness. */
void
on_ssrc_active (GstElement *, guint, guint, gpointer data)
{
  link_of (data).last_activity_us = g_get_monotonic_time ();
}

/* Two of libnice's defaults, set on each session's agent:
 *
 * UPnP. libnice asks the LAN's router, by UPnP IGD, to forward a port to
 * every host candidate it gathers, unless told not to. A server has no
 * business opening ports in somebody's router, and each agent pays for it
 * with a thread, an SSDP client and an HTTP server of its own
 * (libgupnp-igd: four viewers, four threads). Browsers do not do it either.
 *
 * Timer Ta. libnice 0.1.21 does its connectivity checks on a 20 ms tick, and
 * webrtcbin 1.22 makes its agent with regular nomination: one tick sends the
 * first check, a later one picks the pair, a later one nominates it. With one
 * host pair that was about 60 ms of a joining viewer's 170 ms (docs/latency.md).
 * 5 ms is the pace RFC 8445 (section 14.2) allows for all of a host's
 * agents together; each agent has its own tick here, so viewers joining in
 * the same few milliseconds exceed it, as libnice's 20 ms tick did with four.
 * Retransmissions keep libnice's own floor (200 ms): the tick does not make
 * them faster. */
constexpr guint kIceTaMs = 5;

void
tune_ice_agent (GstElement *webrtcbin)
{
  if (!g_object_class_find_property (G_OBJECT_GET_CLASS (webrtcbin), "ice-agent"))
    return;
  GObject *ice = nullptr;
  g_object_get (webrtcbin, "ice-agent", &ice, nullptr);
  if (!ice)
    return;
  if (g_object_class_find_property (G_OBJECT_GET_CLASS (ice), "agent")) {
    GObject *agent = nullptr;
    g_object_get (ice, "agent", &agent, nullptr);
    if (agent && g_object_class_find_property (G_OBJECT_GET_CLASS (agent), "upnp"))
      g_object_set (agent, "upnp", FALSE, nullptr);
    if (agent && g_object_class_find_property (G_OBJECT_GET_CLASS (agent), "stun-pacing-timer"))
      g_object_set (agent, "stun-pacing-timer", kIceTaMs, nullptr);
    g_clear_object (&agent);
  }
  g_object_unref (ice);
}

} // namespace

/* ---- SessionLink ---- */

void
SessionLink::post_if_alive (std::function<void (WebrtcSession &)> fn)
{
  std::lock_guard<std::mutex> guard (lock);
  if (alive)
    post (std::move (fn));
}

void
SessionLink::send_candidate (guint mline, const std::string &candidate)
{
  std::lock_guard<std::mutex> guard (lock);
  if (!alive)
    return;
  if (!description_sent) {
    held.emplace_back (mline, candidate);
    return;
  }
  gst_sig_signaller_add_ice (signaller, session_id.c_str (), candidate.c_str (), mline, nullptr);
}

void
SessionLink::send_description (const GstWebRTCSessionDescription *desc)
{
  std::lock_guard<std::mutex> guard (lock);
  if (!alive)
    return;
  gst_sig_signaller_send_sdp (signaller, session_id.c_str (), desc);
  description_sent = true;
  for (const auto &candidate : held)
    gst_sig_signaller_add_ice (signaller, session_id.c_str (), candidate.second.c_str (),
        candidate.first, nullptr);
  held.clear ();
}

/* ---- WebrtcSession ---- */

WebrtcSession::WebrtcSession (GstBin *bin, std::string id, std::string peer_id, IceSettings ice,
    std::shared_ptr<SessionLink> link)
    : bin_ (bin), id_ (std::move (id)), peer_id_ (std::move (peer_id)), ice_ (std::move (ice)),
      link_ (std::move (link))
{
  static gsize debug_once = 0;
  if (g_once_init_enter (&debug_once)) {
    GST_DEBUG_CATEGORY_INIT (webrtc_session_debug, "webrtcsignal-session", 0,
        "gst-webrtcsignal sessions");
    g_once_init_leave (&debug_once, 1);
  }
  created_us_ = g_get_monotonic_time ();
}

/* Why, in 1.22's gstsrtpdec.c: its chain pushes a stream-start of its own
 * when the source pad it pushes to has none (gst_srtp_dec_push_early_events),
 * with gst_pad_create_stream_id, which asserts that the element has at most
 * one sink pad (srtpdec has two). A pad that is deactivated loses its sticky
 * events, and a state change deactivates source pads before sink pads: a
 * packet in the chain then, or one that comes in between, hits the
 * assertion. browser-soak's producer died of it (SIGTRAP) twice as viewers
 * left. */
void
WebrtcSession::close_srtp_input ()
{
  if (!webrtcbin_)
    return;
  for (GstElement *decoder : elements_of_factory (GST_BIN (webrtcbin_), "srtpdec")) {
    for (const char *name : { "rtp_sink", "rtcp_sink" })
      if (GstPad *pad = gst_element_get_static_pad (decoder, name)) {
        gst_pad_set_active (pad, FALSE);
        gst_object_unref (pad);
      }
    gst_object_unref (decoder);
  }
}

WebrtcSession::~WebrtcSession ()
{
  WebrtcSession::stop ();
}

bool
WebrtcSession::create_webrtcbin (std::string *error)
{
  webrtcbin_ = gst_element_factory_make ("webrtcbin", session_webrtcbin_name (id_).c_str ());
  if (!webrtcbin_) {
    *error = "webrtcbin is missing (install gstreamer1.0-plugins-bad and gstreamer1.0-nice)";
    return false;
  }
  gst_object_ref_sink (webrtcbin_);
  /* Browsers reject an answer that drops their BUNDLE group (B7). */
  gst_util_set_object_arg (G_OBJECT (webrtcbin_), "bundle-policy", "max-bundle");
  if (!ice_.stun_server.empty ())
    g_object_set (webrtcbin_, "stun-server", ice_.stun_server.c_str (), nullptr);
  if (ice_.latency_ms)
    g_object_set (webrtcbin_, "latency", ice_.latency_ms, nullptr);
  if (ice_.relay_only)
    g_object_set (webrtcbin_, "ice-transport-policy", GST_WEBRTC_ICE_TRANSPORT_POLICY_RELAY,
        nullptr);
  for (const auto &turn : ice_.turn_servers) {
    gboolean added = FALSE;
    g_signal_emit_by_name (webrtcbin_, "add-turn-server", turn.c_str (), &added);
    if (!added)
      GST_WARNING_OBJECT (bin_, "webrtcbin refused TURN server %s", turn.c_str ());
  }
  tune_ice_agent (webrtcbin_);
  configure_receive_nack (webrtcbin_, remote_ssrcs_);
  gst_bin_add (bin_, webrtcbin_);

  g_signal_connect_data (webrtcbin_, "on-ice-candidate", G_CALLBACK (on_ice_candidate),
      link_data (link_), free_link_data, (GConnectFlags) 0);
  g_signal_connect_data (webrtcbin_, "notify::ice-gathering-state",
      G_CALLBACK (on_gathering_state), link_data (link_), free_link_data, (GConnectFlags) 0);
  g_signal_connect_data (webrtcbin_, "notify::ice-connection-state",
      G_CALLBACK (on_connection_state), link_data (link_), free_link_data, (GConnectFlags) 0);
  GstElement *rtpbin = gst_bin_get_by_name (GST_BIN (webrtcbin_), "rtpbin");
  if (rtpbin) {
    g_signal_connect_data (rtpbin, "on-ssrc-active", G_CALLBACK (on_ssrc_active),
        link_data (link_), free_link_data, (GConnectFlags) 0);
    gst_object_unref (rtpbin);
  }
  return restrict_ice_addresses (webrtcbin_, fallback_ice_addresses (), error);
}

GstPromise *
WebrtcSession::make_promise (const char *field, DescriptionHandler handler)
{
  return gst_promise_new_with_change_func (on_promise_changed,
      new PromiseData { link_, field, std::move (handler) },
      [] (gpointer data) { delete static_cast<PromiseData *> (data); });
}

void
WebrtcSession::request_stats (std::function<void (GstStructure *)> on_stats)
{
  if (!webrtcbin_ || !stats_)
    return;
  struct StatsData {
    std::shared_ptr<SessionLink> link;
    std::function<void (GstStructure *)> on_stats;
  };
  GstPromise *promise = gst_promise_new_with_change_func (
      [] (GstPromise *promise, gpointer user_data) {
        auto data = static_cast<StatsData *> (user_data);
        if (gst_promise_wait (promise) != GST_PROMISE_RESULT_REPLIED)
          return;
        const GstStructure *reply = gst_promise_get_reply (promise);
        if (!reply)
          return;
        auto copy = std::shared_ptr<GstStructure> (gst_structure_copy (reply), gst_structure_free);
        auto on_stats = data->on_stats;
        data->link->post_if_alive ([copy, on_stats] (WebrtcSession &) { on_stats (copy.get ()); });
      },
      new StatsData { link_, [this, on_stats = std::move (on_stats)] (GstStructure *raw) {
        on_stats (stats_->update (raw, g_get_monotonic_time ()));
      } },
      [] (gpointer data) { delete static_cast<StatsData *> (data); });
  g_signal_emit_by_name (webrtcbin_, "get-stats", nullptr, promise);
  gst_promise_unref (promise);
}

/* ---- negotiation ---- */

void
WebrtcSession::offer (Then then)
{
  create ("offer", std::move (then));
}

void
WebrtcSession::answer (const GstWebRTCSessionDescription *remote_offer, Then then)
{
  set_remote (remote_offer, "offer",
      [this, then = std::move (then)] (const GstWebRTCSessionDescription *) {
        create ("answer", then);
      });
}

void
WebrtcSession::accept_answer (const GstWebRTCSessionDescription *remote_answer, Then then)
{
  set_remote (remote_answer, "answer", std::move (then));
}

/* what: "offer" or "answer". */
void
WebrtcSession::create (const char *what, Then then)
{
  GstPromise *promise = make_promise (what,
      [this, what, then = std::move (then)] (GstWebRTCSessionDescription *desc,
          const std::string &error) {
        if (!desc)
          fail (std::string ("could not create an ") + what + ": " + error);
        else
          set_local_and_send (desc, then);
      });
  g_signal_emit_by_name (webrtcbin_, what[0] == 'o' ? "create-offer" : "create-answer", nullptr,
      promise);
  gst_promise_unref (promise);
}

void
WebrtcSession::set_remote (const GstWebRTCSessionDescription *desc, const std::string &what,
    Then then)
{
  auto copy = std::shared_ptr<GstWebRTCSessionDescription> (
      gst_webrtc_session_description_copy (desc), gst_webrtc_session_description_free);
  GST_DEBUG_OBJECT (bin_, "Session %s: remote %s\n%s", id_.c_str (), what.c_str (),
      session_description_to_text (desc).c_str ());
  if (desc->type == GST_WEBRTC_SDP_TYPE_OFFER)
    if (unsigned changed = unify_bundle_transport (copy->sdp))
      GST_INFO_OBJECT (bin_, "Session %s: the offer bundles m-lines with their own ICE "
          "credentials; %u of them now take the first one's transport, as bundling means",
          id_.c_str (), changed);
  remote_ssrcs_->learn (copy->sdp);
  GstPromise *promise = make_promise (nullptr,
      [this, what, copy, then = std::move (then)] (GstWebRTCSessionDescription *,
          const std::string &error) {
        if (!error.empty ()) {
          fail ("the peer's " + what + " was refused: " + error);
          return;
        }
        resolve_sdp_candidates (copy.get ());
        if (then)
          then (copy.get ());
      });
  g_signal_emit_by_name (webrtcbin_, "set-remote-description", copy.get (), promise);
  gst_promise_unref (promise);
}

void
WebrtcSession::set_local_and_send (GstWebRTCSessionDescription *desc, Then then)
{
  auto copy = std::shared_ptr<GstWebRTCSessionDescription> (
      gst_webrtc_session_description_copy (desc), gst_webrtc_session_description_free);
  GstPromise *promise = make_promise (nullptr,
      [this, copy, then = std::move (then)] (GstWebRTCSessionDescription *,
          const std::string &err) {
        if (!err.empty ())
          fail ("webrtcbin refused our own description: " + err);
        else if (then)
          then (copy.get ());
      });
  g_signal_emit_by_name (webrtcbin_, "set-local-description", desc, promise);
  gst_promise_unref (promise);
  GST_DEBUG_OBJECT (bin_, "Session %s: local %s\n%s", id_.c_str (),
      gst_webrtc_sdp_type_to_string (desc->type), session_description_to_text (desc).c_str ());
  /* What the peer gets: webrtcbin's, less its placeholder SSRC groups. */
  GstWebRTCSessionDescription *sent = gst_webrtc_session_description_copy (desc);
  if (unsigned dropped = drop_placeholder_ssrc_groups (sent->sdp))
    GST_DEBUG_OBJECT (bin_, "Session %s: dropped %u SSRC group(s) of SSRC 0 from our %s",
        id_.c_str (), dropped, gst_webrtc_sdp_type_to_string (desc->type));
  /* Candidates gathered since set-local-description follow it. */
  link_->send_description (sent);
  gst_webrtc_session_description_free (sent);
}

void
WebrtcSession::add_turn_servers (const std::vector<std::string> &uris)
{
  if (!webrtcbin_)
    return;
  for (const auto &uri : uris) {
    gboolean added = FALSE;
    g_signal_emit_by_name (webrtcbin_, "add-turn-server", uri.c_str (), &added);
    GST_INFO_OBJECT (bin_, "Session %s: TURN server from the signaller %s (relay candidates "
        "are gathered now)", id_.c_str (), added ? "added" : "refused by webrtcbin");
  }
}

void
WebrtcSession::on_remote_candidate (guint mline, const std::string &candidate)
{
  if (!webrtcbin_)
    return;
  if (candidate.empty () && mdns_waiting_) {
    held_end_ = mline;
    return;
  }
  if (!resolve_candidate (mline, candidate, false))
    add_ice_candidate (mline, candidate);
}

void
WebrtcSession::add_ice_candidate (guint mline, const std::string &candidate)
{
  if (!webrtcbin_)
    return;
  /* "" marks the peer's end-of-candidates; webrtcbin 1.22 takes it so. */
  g_signal_emit_by_name (webrtcbin_, "add-ice-candidate", mline, candidate.c_str ());
}

/* libnice 0.1.21 cannot resolve the ".local" names of browsers, and
 * webrtcbin 1.22 hands them to the system resolver, which knows them only
 * with nss-mdns: without it, a candidate is useful only if the browser's
 * own checks reach us first. */
bool
WebrtcSession::resolve_candidate (guint mline, const std::string &candidate, bool in_sdp)
{
  auto where = mdns::candidate_address (candidate);
  if (!where || !mdns::normalize_local_name (where->address))
    return false;
  if (!mdns_) {
    /* The control thread's context (ContextThread pushes it). */
    GMainContext *context = g_main_context_get_thread_default ();
    mdns_ = std::make_unique<MdnsResolver> (context ? context : g_main_context_default ());
  }
  auto on_resolved = [this, mline, candidate, where = *where, in_sdp] (const std::string &name,
                         const MdnsResolver::Result &result) {
    mdns_waiting_--;
    if (result.addresses.empty ()) {
      GST_INFO_OBJECT (bin_, "Session %s: could not resolve the peer's %s (mDNS): %s; its "
          "candidate is left to the peer's own checks", id_.c_str (), name.c_str (),
          result.error.c_str ());
      if (!in_sdp)
        add_ice_candidate (mline, candidate);
    }
    for (const auto &address : result.addresses) {
      std::string text = address.to_string ();
      GST_INFO_OBJECT (bin_, "Session %s: the peer's %s is %s (mDNS, %s)", id_.c_str (),
          name.c_str (), text.c_str (),
          result.cached ? "known" : (std::to_string (result.elapsed_ms) + " ms").c_str ());
      add_ice_candidate (mline, mdns::candidate_with_address (candidate, where, text));
    }
    if (!mdns_waiting_ && held_end_) {
      add_ice_candidate (*held_end_, "");
      held_end_.reset ();
    }
  };
  std::string error;
  if (!mdns_->resolve (where->address, on_resolved, &error)) {
    GST_INFO_OBJECT (bin_, "Session %s: not resolving the peer's %s (mDNS): %s", id_.c_str (),
        where->address.c_str (), error.c_str ());
    return false;
  }
  mdns_waiting_++;
  return true;
}

void
WebrtcSession::resolve_sdp_candidates (const GstWebRTCSessionDescription *desc)
{
  for (guint i = 0; i < gst_sdp_message_medias_len (desc->sdp); i++) {
    const GstSDPMedia *media = gst_sdp_message_get_media (desc->sdp, i);
    for (guint j = 0; j < gst_sdp_media_attributes_len (media); j++) {
      const GstSDPAttribute *attr = gst_sdp_media_get_attribute (media, j);
      if (g_strcmp0 (attr->key, "candidate") == 0 && attr->value)
        resolve_candidate (i, std::string ("candidate:") + attr->value, true);
    }
  }
}

void
WebrtcSession::on_ice_connection_state (GstWebRTCICEConnectionState state)
{
  if (state == GST_WEBRTC_ICE_CONNECTION_STATE_CONNECTED ||
      state == GST_WEBRTC_ICE_CONNECTION_STATE_COMPLETED) {
    if (!connected_) {
      GST_INFO_OBJECT (bin_, "Session %s: connected to %s", id_.c_str (), peer_id_.c_str ());
      link_->last_activity_us = g_get_monotonic_time ();
      connected_ = true;
      on_connected ();
    }
  } else if (state == GST_WEBRTC_ICE_CONNECTION_STATE_FAILED) {
    fail ("ICE failed: no network path to the peer (check STUN/TURN settings)",
        GST_SIG_SESSION_END_PEER_GONE);
  }
}

std::optional<std::string>
WebrtcSession::check_health (gint64 now_us) const
{
  if (failed_)
    return std::string ("failed");
  if (!connected_) {
    if (now_us - created_us_ > (gint64) ice_.setup_timeout_s * G_USEC_PER_SEC)
      return "not connected after " + std::to_string (ice_.setup_timeout_s) + " s";
    return std::nullopt;
  }
  gint64 silent_us = now_us - link_->last_activity_us;
  if (silent_us > (gint64) ice_.peer_timeout_s * G_USEC_PER_SEC)
    return "nothing from the peer for " + std::to_string (silent_us / G_USEC_PER_SEC) + " s";
  return std::nullopt;
}

void
WebrtcSession::fail (const std::string &why, GstSigSessionEnd reason)
{
  if (failed_)
    return;
  failed_ = true;
  GST_WARNING_OBJECT (bin_, "Session %s with %s: %s", id_.c_str (), peer_id_.c_str (),
      why.c_str ());
  link_->end (reason, why);
}

void
WebrtcSession::stop ()
{
  {
    std::lock_guard<std::mutex> guard (link_->lock);
    link_->alive = false;
  }
  mdns_.reset (); /* its callbacks with it */
  if (webrtcbin_) {
    close_srtp_input ();
    discard_from_bin (bin_, webrtcbin_);
    gst_clear_object (&webrtcbin_);
  }
}

} // namespace gstsig
