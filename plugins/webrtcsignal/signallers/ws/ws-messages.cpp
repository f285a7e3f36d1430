/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The WebSocket signaller, on its worker thread: what the signalling
 * server says (welcome, sessions, SDP and ICE of peers, producer lists,
 * errors) and how we answer. */
#include "ws-signaller-private.h"

#include "sdp-utils.h"
#include "signaller.h"

#include <mutex>
#include <string>

#define GST_CAT_DEFAULT ws_signaller_debug

static void
request_session (GstSigWsSignaller *self, const std::string &producer_id)
{
  auto priv = self->priv;
  if (priv->session_requested)
    return;
  priv->session_requested = true;
  GST_INFO_OBJECT (self, "Asking producer %s for a session", producer_id.c_str ());
  send_message (self, proto::StartSessionRequest { producer_id, std::nullopt });
}

static void
handle_welcome (GstSigWsSignaller *self, const proto::Welcome &welcome)
{
  auto priv = self->priv;
  priv->peer_id = welcome.peer_id;
  priv->backoff_ms = RECONNECT_MIN_MS;
  bool consumer = priv->consumer;
  proto::SetPeerStatus status;
  status.meta = priv->meta_json;
  /* A consumer listens, to see the producer it waits for appear. */
  status.roles.producer = !consumer;
  status.roles.listener = consumer;
  send_message (self, status);
  priv->registered = true;
  GST_INFO_OBJECT (self, "Registered as %s %s", consumer ? "consumer" : "producer",
      priv->peer_id.c_str ());
  if (consumer && priv->sessions.empty ()) {
    if (!priv->wanted_producer.empty ())
      request_session (self, priv->wanted_producer);
    else
      send_message (self, proto::ListRequest {});
  }
  finish_start (self, nullptr);
}

/* Consumer role: a producer is listed or appears. */
static void
consider_producer (GstSigWsSignaller *self, const std::string &producer_id)
{
  auto priv = self->priv;
  if (priv->session_requested || !priv->sessions.empty ())
    return;
  if (priv->wanted_producer.empty () || priv->wanted_producer == producer_id)
    request_session (self, producer_id);
}

static void
handle_session_started (GstSigWsSignaller *self, const proto::SessionStarted &started)
{
  auto priv = self->priv;
  priv->sessions.insert (started.session_id);
  GST_INFO_OBJECT (self, "Session %s with producer %s started", started.session_id.c_str (),
      started.peer_id.c_str ());
  gst_sig_signaller_emit_session_started (GST_SIG_SIGNALLER (self),
      started.session_id.c_str (), started.peer_id.c_str ());
}

static void
handle_server_error (GstSigWsSignaller *self, const proto::ErrorMessage &err)
{
  auto priv = self->priv;
  GST_WARNING_OBJECT (self, "Signalling server reports an error: %s", err.details.c_str ());
  /* A consumer waiting for its session has sent nothing since its
   * startSession: the error is the refusal (unknown producer, ...), and it
   * has nothing left to wait for. */
  if (priv->session_requested && priv->sessions.empty () &&
      err.details.rfind ("stats:", 0) != 0) {
    std::string uri;
    {
      std::lock_guard<std::mutex> guard (priv->lock);
      uri = uri_for_display (priv->uri);
    }
    GError *error = g_error_new (GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NOT_FOUND,
        "The signalling server at %s refused the session: %s. Check the producer id "
        "(?producer=ID) or leave it out to take the first producer.", uri.c_str (),
        err.details.c_str ());
    gst_sig_signaller_emit_error (GST_SIG_SIGNALLER (self), error);
    g_error_free (error);
  }
}

static void
handle_start_session (GstSigWsSignaller *self, const proto::StartSessionNotice &notice)
{
  auto priv = self->priv;
  GstWebRTCSessionDescription *offer = nullptr;
  if (notice.offer) {
    std::string error;
    offer = gstsig::session_description_from_text (GST_WEBRTC_SDP_TYPE_OFFER, *notice.offer,
        &error);
    if (!offer) {
      GST_WARNING_OBJECT (self, "Consumer %s sent a bad offer: %s", notice.peer_id.c_str (),
          error.c_str ());
      send_message (self, proto::EndSession { notice.session_id });
      return;
    }
  }
  priv->sessions.insert (notice.session_id);
  GST_INFO_OBJECT (self, "Consumer %s asks for session %s", notice.peer_id.c_str (),
      notice.session_id.c_str ());
  gst_sig_signaller_emit_session_requested (GST_SIG_SIGNALLER (self),
      notice.session_id.c_str (), notice.peer_id.c_str (), offer);
  if (offer)
    gst_webrtc_session_description_free (offer);
}

static void
handle_peer (GstSigWsSignaller *self, const proto::PeerMessage &msg)
{
  auto priv = self->priv;
  if (!priv->sessions.count (msg.session_id)) {
    GST_DEBUG_OBJECT (self, "Message for unknown session %s", msg.session_id.c_str ());
    return;
  }
  if (msg.sdp) {
    GstWebRTCSDPType type = msg.sdp->type == "answer" ? GST_WEBRTC_SDP_TYPE_ANSWER
        : msg.sdp->type == "offer" ? GST_WEBRTC_SDP_TYPE_OFFER : GST_WEBRTC_SDP_TYPE_PRANSWER;
    std::string error;
    GstWebRTCSessionDescription *desc =
        gstsig::session_description_from_text (type, msg.sdp->sdp, &error);
    if (!desc) {
      GST_WARNING_OBJECT (self, "Session %s: bad SDP from peer: %s", msg.session_id.c_str (),
          error.c_str ());
      return;
    }
    gst_sig_signaller_emit_session_description (GST_SIG_SIGNALLER (self),
        msg.session_id.c_str (), desc);
    gst_webrtc_session_description_free (desc);
  } else if (msg.ice) {
    gst_sig_signaller_emit_handle_ice (GST_SIG_SIGNALLER (self), msg.session_id.c_str (),
        msg.ice->sdp_m_line_index, msg.ice->sdp_mid ? msg.ice->sdp_mid->c_str () : nullptr,
        msg.ice->candidate.c_str ());
  }
}

void
warn_about_server (GstSigWsSignaller *self, const std::string &what)
{
  auto priv = self->priv;
  GST_WARNING_OBJECT (self, "The server %s", what.c_str ());
  unsigned suppressed = 0;
  if (!priv->unreadable_notice.due (&suppressed))
    return;
  std::string uri;
  {
    std::lock_guard<std::mutex> guard (priv->lock);
    uri = uri_for_display (priv->uri);
  }
  std::string again = suppressed > 0
      ? " (and " + std::to_string (suppressed) + " more times in the last minute)" : "";
  GError *warning = g_error_new (GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_READ,
      "The signalling server at %s %s%s. Check that the URI points to a "
      "gst-webrtc-signalling-server compatible server.", uri.c_str (), what.c_str (),
      again.c_str ());
  gst_sig_signaller_emit_warning (GST_SIG_SIGNALLER (self), warning);
  g_error_free (warning);
}

/* A message we cannot read is dropped, and the user hears of it. */
static void
report_unreadable (GstSigWsSignaller *self, const std::string &problem)
{
  warn_about_server (self, "sent a message that was ignored: " + problem);
}

static void
handle_message (GstSigWsSignaller *self, const std::string &text)
{
  auto priv = self->priv;
  std::string error;
  auto msg = proto::parse_server_message (text, &error);
  if (!msg) {
    /* Only the start: the text may be megabytes, and is not ours to echo. */
    std::string start = text.substr (0, 80);
    for (char &c : start)
      if ((unsigned char) c < 0x20 || (unsigned char) c >= 0x7f)
        c = '?';
    report_unreadable (self, error + " (message starts with '" + start + "')");
    return;
  }
  GST_LOG_OBJECT (self, "<- %s", text.c_str ());
  if (auto welcome = std::get_if<proto::Welcome> (&*msg)) {
    handle_welcome (self, *welcome);
  } else if (auto notice = std::get_if<proto::StartSessionNotice> (&*msg)) {
    handle_start_session (self, *notice);
  } else if (auto peer = std::get_if<proto::PeerMessage> (&*msg)) {
    handle_peer (self, *peer);
  } else if (auto end = std::get_if<proto::EndSession> (&*msg)) {
    if (priv->sessions.erase (end->session_id))
      gst_sig_signaller_emit_session_ended (GST_SIG_SIGNALLER (self), end->session_id.c_str ());
  } else if (auto err = std::get_if<proto::ErrorMessage> (&*msg)) {
    handle_server_error (self, *err);
  } else if (auto started = std::get_if<proto::SessionStarted> (&*msg)) {
    handle_session_started (self, *started);
  } else if (auto list = std::get_if<proto::ListReply> (&*msg)) {
    for (const auto &producer : list->producers)
      consider_producer (self, producer.id);
    if (!priv->session_requested)
      GST_INFO_OBJECT (self, "Waiting for %s to appear",
          priv->wanted_producer.empty () ? "a producer" : priv->wanted_producer.c_str ());
  } else if (auto status = std::get_if<proto::PeerStatusChanged> (&*msg)) {
    if (status->roles.producer && status->peer_id != priv->peer_id)
      consider_producer (self, status->peer_id);
  }
}

void
on_ws_message (SoupWebsocketConnection *conn, gint type, GBytes *message, gpointer user_data)
{
  auto self = GST_SIG_WS_SIGNALLER (user_data);
  if (type != SOUP_WEBSOCKET_DATA_TEXT) {
    report_unreadable (self, "a binary message, where the protocol has only text");
    return;
  }
  gsize size = 0;
  auto data = static_cast<const char *> (g_bytes_get_data (message, &size));
  try {
    handle_message (self, std::string (data, size));
  } catch (const std::exception &e) {
    GST_ERROR_OBJECT (self, "Failed to handle a message: %s", e.what ());
  }
}
