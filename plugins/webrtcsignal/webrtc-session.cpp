/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "webrtc-session.h"

#include "bin-utils.h"
#include "ice-utils.h"
#include "sdp-utils.h"

GST_DEBUG_CATEGORY_STATIC (webrtc_session_debug);
#define GST_CAT_DEFAULT webrtc_session_debug

namespace gstsig {

namespace {

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
  std::lock_guard<std::mutex> guard (data->link->lock);
  if (!data->link->alive) {
    if (desc)
      gst_webrtc_session_description_free (desc);
    return;
  }
  auto handler = data->handler;
  data->link->post ([handler, desc, error] (WebrtcSession &session) {
    handler (session, desc, error);
    if (desc)
      gst_webrtc_session_description_free (desc);
  });
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
  SessionLink &link = link_of (data);
  std::lock_guard<std::mutex> guard (link.lock);
  if (link.alive)
    gst_sig_signaller_add_ice (link.signaller, link.session_id.c_str (), candidate, mline,
        nullptr);
}

void
on_gathering_state (GstElement *webrtcbin, GParamSpec *, gpointer data)
{
  GstWebRTCICEGatheringState state;
  g_object_get (webrtcbin, "ice-gathering-state", &state, nullptr);
  if (state != GST_WEBRTC_ICE_GATHERING_STATE_COMPLETE)
    return;
  /* webrtcbin 1.22 never signals end-of-candidates: do it ourselves. */
  SessionLink &link = link_of (data);
  std::lock_guard<std::mutex> guard (link.lock);
  if (link.alive)
    gst_sig_signaller_add_ice (link.signaller, link.session_id.c_str (), "", 0, nullptr);
}

void
on_connection_state (GstElement *webrtcbin, GParamSpec *, gpointer data)
{
  GstWebRTCICEConnectionState state;
  g_object_get (webrtcbin, "ice-connection-state", &state, nullptr);
  SessionLink &link = link_of (data);
  std::lock_guard<std::mutex> guard (link.lock);
  if (link.alive)
    link.post ([state] (WebrtcSession &session) { session.on_ice_connection_state (state); });
}

/* RTCP from the peer (reports, BYE) proves it is still there: webrtcbin
 * 1.22 has no ICE consent freshness. */
void
on_ssrc_active (GstElement *, guint, guint, gpointer data)
{
  link_of (data).last_activity_us = g_get_monotonic_time ();
}

} // namespace

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

WebrtcSession::~WebrtcSession ()
{
  WebrtcSession::stop ();
}

bool
WebrtcSession::create_webrtcbin (std::string *error)
{
  webrtcbin_ = gst_element_factory_make ("webrtcbin", ("webrtcbin-" + id_).c_str ());
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
  for (const auto &turn : ice_.turn_servers) {
    gboolean added = FALSE;
    g_signal_emit_by_name (webrtcbin_, "add-turn-server", turn.c_str (), &added);
    if (!added)
      GST_WARNING_OBJECT (bin_, "webrtcbin refused TURN server %s", turn.c_str ());
  }
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
WebrtcSession::request_stats (std::function<void (WebrtcSession &, GstStructure *)> on_stats)
{
  if (!webrtcbin_ || !stats_)
    return;
  struct StatsData {
    std::shared_ptr<SessionLink> link;
    std::function<void (WebrtcSession &, GstStructure *)> on_stats;
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
        std::lock_guard<std::mutex> guard (data->link->lock);
        if (data->link->alive)
          data->link->post ([copy, on_stats] (WebrtcSession &session) {
            on_stats (session, session.stats_->update (copy.get (), g_get_monotonic_time ()));
          });
      },
      new StatsData { link_, std::move (on_stats) },
      [] (gpointer data) { delete static_cast<StatsData *> (data); });
  g_signal_emit_by_name (webrtcbin_, "get-stats", nullptr, promise);
  gst_promise_unref (promise);
}

void
WebrtcSession::set_local_and_send (GstWebRTCSessionDescription *desc,
    std::function<void (WebrtcSession &)> then)
{
  GstPromise *promise = nullptr;
  if (then)
    promise = make_promise (nullptr,
        [then] (WebrtcSession &s, GstWebRTCSessionDescription *, const std::string &err) {
          if (!err.empty ())
            s.fail ("webrtcbin refused our own description: " + err);
          else
            then (s);
        });
  g_signal_emit_by_name (webrtcbin_, "set-local-description", desc, promise);
  if (promise)
    gst_promise_unref (promise);
  GST_DEBUG_OBJECT (bin_, "Session %s: local %s\n%s", id_.c_str (),
      gst_webrtc_sdp_type_to_string (desc->type), session_description_to_text (desc).c_str ());
  /* What the peer gets: webrtcbin's, less its placeholder SSRC groups. */
  GstWebRTCSessionDescription *sent = gst_webrtc_session_description_copy (desc);
  if (unsigned dropped = drop_placeholder_ssrc_groups (sent->sdp))
    GST_DEBUG_OBJECT (bin_, "Session %s: dropped %u SSRC group(s) of SSRC 0 from our %s",
        id_.c_str (), dropped, gst_webrtc_sdp_type_to_string (desc->type));
  gst_sig_signaller_send_sdp (link_->signaller, id_.c_str (), sent);
  gst_webrtc_session_description_free (sent);
}

void
WebrtcSession::on_remote_candidate (guint mline, const std::string &candidate)
{
  if (!webrtcbin_)
    return;
  /* "" marks the peer's end-of-candidates; webrtcbin 1.22 takes it so. */
  g_signal_emit_by_name (webrtcbin_, "add-ice-candidate", mline, candidate.c_str ());
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
    fail ("ICE failed: no network path to the peer (check STUN/TURN settings)");
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
WebrtcSession::fail (const std::string &why)
{
  if (failed_)
    return;
  failed_ = true;
  GST_WARNING_OBJECT (bin_, "Session %s with %s: %s", id_.c_str (), peer_id_.c_str (),
      why.c_str ());
  link_->end (why);
}

void
WebrtcSession::stop ()
{
  {
    std::lock_guard<std::mutex> guard (link_->lock);
    link_->alive = false;
  }
  if (webrtcbin_) {
    discard_from_bin (bin_, webrtcbin_);
    gst_clear_object (&webrtcbin_);
  }
}

} // namespace gstsig
