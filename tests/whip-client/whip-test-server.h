/* Test helpers for the WHIP/WHEP clients: a scriptable WHIP/WHEP server
 * (a real libsoup SoupServer on 127.0.0.1, port 0, on a thread of its own)
 * that records every request, and the real WebRTC peers behind it: a bare
 * webrtcbin receiver (WHIP) that takes trickled candidates, and a
 * webrtcsend driven through the manual signaller's application API (WHEP).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "context-thread.h"
#include "ice-utils.h"
#include "signallers/whip/sdpfrag.h"
#include "signallers/manual/manual-token.h"
#include "test-pipeline.h"

#include <gst/sdp/sdp.h>
#include <gst/webrtc/webrtc.h>
#include <gtest/gtest.h>
#include <libsoup/soup.h>

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace gstsig::test {

struct HttpExchange {
  std::string method, path, content_type, authorization, if_match, body;
  gint64 at_us = 0; /* g_get_monotonic_time () when the request arrived */
};

class WhipTestServer {
public:
  /* What the server does; set before the client runs. */
  struct Script {
    std::string endpoint = "/whip";   /* POST here */
    std::string redirect_to;          /* non-empty: POST to endpoint gets 307 to this path
                                       * (or absolute URL: another server) */
    unsigned post_status = 201;       /* other: refused with post_reason and post_body */
    std::string post_reason, post_body;
    bool post_chunked = false;        /* the refusal's body without a Content-Length */
    bool send_location = true;
    std::string location = "session/1"; /* relative to the POST's URL */
    std::string etag = "\"ice-1\"";
    unsigned post_delay_ms = 0;       /* the 201 comes this late */
    unsigned patch_status = 204;      /* for application/trickle-ice-sdpfrag */
    std::string options_link, post_link;
    std::string required_token;       /* non-empty: 401 without Bearer <token> */
  };

  /* Server thread: the 201's SDP for a POST body (offer, or "" asking for
   * one). May block for a few seconds. */
  std::function<std::string (const std::string &body)> on_post;
  /* Server thread: a PATCH accepted (content type, body). */
  std::function<void (const std::string &type, const std::string &body)> on_patch;

  Script script;

  WhipTestServer () : thread_ ("whip-test-server") {}
  ~WhipTestServer ()
  {
    stop ();
    g_clear_object (&tls_);
  }

  /* Serves https with this certificate (and its key); call before start. */
  void use_tls (GTlsCertificate *certificate) { tls_ = (GTlsCertificate *) g_object_ref (certificate); }

  bool start ()
  {
    bool ok = false;
    thread_.invoke_sync ([&] {
      server_ = soup_server_new ("tls-certificate", tls_, nullptr);
      soup_server_add_handler (server_, nullptr, handle, this, nullptr);
      GError *error = nullptr;
      ok = soup_server_listen_local (server_, 0,
          (SoupServerListenOptions) (SOUP_SERVER_LISTEN_IPV4_ONLY |
              (tls_ ? SOUP_SERVER_LISTEN_HTTPS : 0)), &error);
      if (error) {
        ADD_FAILURE () << error->message;
        g_error_free (error);
      }
      GSList *uris = soup_server_get_uris (server_);
      if (uris)
        port_ = g_uri_get_port ((GUri *) uris->data);
      g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
    });
    return ok && port_;
  }
  void stop ()
  {
    thread_.invoke_sync ([&] {
      if (server_) {
        soup_server_disconnect (server_);
        g_clear_object (&server_);
      }
    });
  }
  unsigned port () const { return port_; }
  std::string base () const
  {
    return (tls_ ? "https://127.0.0.1:" : "http://127.0.0.1:") + std::to_string (port_);
  }
  std::string uri (const char *scheme = "whip") const
  {
    return std::string (scheme) + "+" + base () + script.endpoint;
  }

  std::vector<HttpExchange> exchanges () const
  {
    std::lock_guard<std::mutex> guard (lock_);
    return exchanges_;
  }
  std::vector<HttpExchange> with_method (const std::string &method) const
  {
    std::vector<HttpExchange> out;
    for (auto &e : exchanges ())
      if (e.method == method)
        out.push_back (e);
    return out;
  }
  bool wait_for (const std::function<bool ()> &done, int timeout_s = 15) const
  {
    for (int i = 0; i < timeout_s * 20; i++) {
      if (done ())
        return true;
      g_usleep (50 * 1000);
    }
    return done ();
  }
  bool wait_requests (const std::string &method, size_t n, int timeout_s = 15) const
  {
    return wait_for ([&] { return with_method (method).size () >= n; }, timeout_s);
  }

private:
  static std::string request_header (SoupServerMessage *msg, const char *name)
  {
    const char *v = soup_message_headers_get_one (
        soup_server_message_get_request_headers (msg), name);
    return v ? v : "";
  }

  static void respond (SoupServerMessage *msg, unsigned status, const char *reason,
      const std::string &type, const std::string &body)
  {
    soup_server_message_set_status (msg, status, reason);
    if (!type.empty () || !body.empty ())
      soup_server_message_set_response (msg, type.empty () ? "text/plain" : type.c_str (),
          SOUP_MEMORY_COPY, body.data (), body.size ());
  }

  static void handle (SoupServer *, SoupServerMessage *msg, const char *path, GHashTable *,
      gpointer data)
  {
    auto self = static_cast<WhipTestServer *> (data);
    HttpExchange ex;
    ex.at_us = g_get_monotonic_time ();
    ex.method = soup_server_message_get_method (msg);
    ex.path = path;
    ex.content_type = request_header (msg, "Content-Type");
    ex.authorization = request_header (msg, "Authorization");
    ex.if_match = request_header (msg, "If-Match");
    SoupMessageBody *body = soup_server_message_get_request_body (msg);
    GBytes *bytes = soup_message_body_flatten (body);
    gsize size = 0;
    const char *ptr = (const char *) g_bytes_get_data (bytes, &size);
    ex.body.assign (ptr ? ptr : "", size);
    g_bytes_unref (bytes);
    {
      std::lock_guard<std::mutex> guard (self->lock_);
      self->exchanges_.push_back (ex);
    }
    self->dispatch (msg, ex);
  }

  void dispatch (SoupServerMessage *msg, const HttpExchange &ex)
  {
    SoupMessageHeaders *out = soup_server_message_get_response_headers (msg);
    const Script &s = script;
    if (ex.method == "OPTIONS") {
      if (!s.options_link.empty ())
        soup_message_headers_append (out, "Link", s.options_link.c_str ());
      respond (msg, 204, nullptr, "", "");
      return;
    }
    if (!s.required_token.empty () && ex.authorization != "Bearer " + s.required_token) {
      respond (msg, 401, "Unauthorized", "text/plain", "bad token");
      return;
    }
    bool to_endpoint = ex.path == s.endpoint ||
        (!s.redirect_to.empty () && ex.path == s.redirect_to);
    if (ex.method == "POST" && to_endpoint) {
      if (!s.redirect_to.empty () && ex.path == s.endpoint) {
        soup_message_headers_append (out, "Location", s.redirect_to.c_str ());
        respond (msg, 307, nullptr, "", "");
        return;
      }
      if (s.post_status != 201 && s.post_chunked) {
        soup_server_message_set_status (msg, s.post_status, nullptr);
        soup_message_headers_set_encoding (out, SOUP_ENCODING_CHUNKED);
        SoupMessageBody *body = soup_server_message_get_response_body (msg);
        soup_message_body_append (body, SOUP_MEMORY_COPY, s.post_body.data (),
            s.post_body.size ());
        soup_message_body_complete (body);
        return;
      }
      if (s.post_status != 201) {
        respond (msg, s.post_status, s.post_reason.empty () ? nullptr : s.post_reason.c_str (),
            "text/plain", s.post_body);
        return;
      }
      std::string sdp = on_post ? on_post (ex.body) : "";
      if (sdp.empty ()) {
        respond (msg, 500, "Internal Server Error", "text/plain", "no SDP from the test peer");
        return;
      }
      if (s.send_location) {
        std::string dir = ex.path.substr (0, ex.path.rfind ('/') + 1);
        resource_ = s.location[0] == '/' ? s.location : dir + s.location;
        soup_message_headers_append (out, "Location", s.location.c_str ());
      }
      soup_message_headers_append (out, "ETag", s.etag.c_str ());
      if (!s.post_link.empty ())
        soup_message_headers_append (out, "Link", s.post_link.c_str ());
      if (s.post_delay_ms) {
        /* A slow server: the answer comes late (after the client's timeout). */
        soup_server_message_pause (msg);
        g_object_ref (msg);
        thread_.timeout (s.post_delay_ms, [msg, sdp] () {
          respond (msg, 201, nullptr, "application/sdp", sdp);
          soup_server_message_unpause (msg);
          g_object_unref (msg);
          return false;
        });
        return;
      }
      respond (msg, 201, nullptr, "application/sdp", sdp);
      return;
    }
    if (ex.path != resource_ || resource_.empty ()) {
      respond (msg, 404, "Not Found", "text/plain", "no such session");
      return;
    }
    if (ex.method == "PATCH") {
      bool sdpfrag = ex.content_type == "application/trickle-ice-sdpfrag";
      unsigned status = sdpfrag ? s.patch_status : 204;
      if (ex.if_match != s.etag) {
        respond (msg, 412, "Precondition Failed", "text/plain", "wrong ETag");
        return;
      }
      if (status / 100 == 2 && on_patch)
        on_patch (ex.content_type, ex.body);
      respond (msg, status, nullptr, "", "");
      return;
    }
    if (ex.method == "DELETE") {
      resource_.clear ();
      respond (msg, 200, nullptr, "", "");
      return;
    }
    respond (msg, 405, "Method Not Allowed", "", "");
  }

  ContextThread thread_;
  GTlsCertificate *tls_ = nullptr; /* set before start */
  SoupServer *server_ = nullptr; /* lives on thread_ */
  unsigned port_ = 0;
  std::string resource_;         /* server thread */
  mutable std::mutex lock_;      /* guards exchanges_ */
  std::vector<HttpExchange> exchanges_;
};

/* Waits for a promise and returns its reply structure's field (or nullptr). */
inline GstWebRTCSessionDescription *
wait_description (GstPromise *promise, const char *field)
{
  GstWebRTCSessionDescription *desc = nullptr;
  if (gst_promise_wait (promise) == GST_PROMISE_RESULT_REPLIED) {
    const GstStructure *reply = gst_promise_get_reply (promise);
    if (reply && field)
      gst_structure_get (reply, field, GST_TYPE_WEBRTC_SESSION_DESCRIPTION, &desc, nullptr);
  }
  gst_promise_unref (promise);
  return desc;
}

/* The WHIP server's media side: a bare webrtcbin that answers an offer
 * (after gathering, so the answer carries its candidates), takes trickled
 * candidates, and counts the RTP buffers it receives. */
class WebrtcbinReceiver {
public:
  std::atomic<unsigned> buffers { 0 };

  WebrtcbinReceiver ()
  {
    pipeline_ = gst_pipeline_new ("whip-test-receiver");
    webrtcbin_ = gst_element_factory_make ("webrtcbin", nullptr);
    gst_util_set_object_arg (G_OBJECT (webrtcbin_), "bundle-policy", "max-bundle");
    gst_bin_add (GST_BIN (pipeline_), webrtcbin_);
    std::string error;
    EXPECT_TRUE (restrict_ice_addresses (webrtcbin_, fallback_ice_addresses (), &error)) << error;
    g_signal_connect (webrtcbin_, "pad-added", G_CALLBACK (on_pad_added), this);
    gst_element_set_state (pipeline_, GST_STATE_PLAYING);
  }
  ~WebrtcbinReceiver ()
  {
    gst_element_set_state (pipeline_, GST_STATE_NULL);
    gst_object_unref (pipeline_);
    if (remote_)
      gst_sdp_message_free (remote_);
  }

  std::string answer (const std::string &offer_text)
  {
    GstSDPMessage *sdp = nullptr;
    gst_sdp_message_new_from_text (offer_text.c_str (), &sdp);
    gst_sdp_message_copy (sdp, &remote_);
    auto offer = gst_webrtc_session_description_new (GST_WEBRTC_SDP_TYPE_OFFER, sdp);
    GstPromise *promise = gst_promise_new ();
    g_signal_emit_by_name (webrtcbin_, "set-remote-description", offer, promise);
    wait_description (promise, nullptr);
    gst_webrtc_session_description_free (offer);
    promise = gst_promise_new ();
    g_signal_emit_by_name (webrtcbin_, "create-answer", nullptr, promise);
    GstWebRTCSessionDescription *answer = wait_description (promise, "answer");
    if (!answer)
      return "";
    g_signal_emit_by_name (webrtcbin_, "set-local-description", answer, nullptr);
    gst_webrtc_session_description_free (answer);
    for (int i = 0; i < 100; i++) {
      GstWebRTCICEGatheringState state;
      g_object_get (webrtcbin_, "ice-gathering-state", &state, nullptr);
      if (state == GST_WEBRTC_ICE_GATHERING_STATE_COMPLETE)
        break;
      g_usleep (50 * 1000);
    }
    GstWebRTCSessionDescription *local = nullptr;
    g_object_get (webrtcbin_, "local-description", &local, nullptr);
    gchar *text = gst_sdp_message_as_text (local->sdp);
    std::string out = text;
    g_free (text);
    gst_webrtc_session_description_free (local);
    return out;
  }

  /* A trickled fragment: its candidates go to webrtcbin. */
  void add_sdpfrag (const std::string &body)
  {
    SdpFrag frag;
    std::string error;
    ASSERT_TRUE (sdpfrag_parse (body, &frag, &error)) << error << "\n" << body;
    for (const auto &c : frag.candidates) {
      int mline = remote_ ? sdp_mline_for_mid (remote_, c.mid) : -1;
      g_signal_emit_by_name (webrtcbin_, "add-ice-candidate", (guint) MAX (mline, 0),
          c.candidate.c_str ());
      trickled++;
    }
    if (frag.end_of_candidates)
      g_signal_emit_by_name (webrtcbin_, "add-ice-candidate", 0u, "");
  }
  std::atomic<unsigned> trickled { 0 };

private:
  static GstPadProbeReturn count (GstPad *, GstPadProbeInfo *, gpointer data)
  {
    static_cast<WebrtcbinReceiver *> (data)->buffers++;
    return GST_PAD_PROBE_OK;
  }
  static void on_pad_added (GstElement *, GstPad *pad, WebrtcbinReceiver *self)
  {
    if (GST_PAD_DIRECTION (pad) != GST_PAD_SRC)
      return;
    GstElement *sink = gst_element_factory_make ("fakesink", nullptr);
    g_object_set (sink, "async", FALSE, nullptr);
    gst_bin_add (GST_BIN (self->pipeline_), sink);
    gst_element_sync_state_with_parent (sink);
    GstPad *sinkpad = gst_element_get_static_pad (sink, "sink");
    gst_pad_link (pad, sinkpad);
    gst_object_unref (sinkpad);
    gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, count, self, nullptr);
  }

  GstElement *pipeline_ = nullptr;
  GstElement *webrtcbin_ = nullptr; /* owned by pipeline_ */
  GstSDPMessage *remote_ = nullptr;
};

/* The WHEP server's media side when the client offers: a bare webrtcbin
 * sending VP8 (pt 96) and Opus (pt 111), the payload types webrtcrecv
 * offers, answering after gathering. (webrtcsend answering a webrtcbin
 * offer sends nothing in 1.22: see the report; ManualSender covers the
 * server-offer case.) */
class WebrtcbinSender {
public:
  WebrtcbinSender ()
  {
    GError *error = nullptr;
    pipeline_ = gst_parse_launch (
        "webrtcbin name=w bundle-policy=max-bundle "
        "videotestsrc is-live=true ! video/x-raw,width=320,height=240,framerate=30/1 ! "
        "vp8enc deadline=1 keyframe-max-dist=30 ! rtpvp8pay pt=96 ! "
        "application/x-rtp,media=video,encoding-name=VP8,payload=96 ! w.sink_0 "
        "audiotestsrc is-live=true ! opusenc ! rtpopuspay pt=111 ! "
        "application/x-rtp,media=audio,encoding-name=OPUS,payload=111 ! w.sink_1",
        &error);
    EXPECT_EQ (error, nullptr) << (error ? error->message : "");
    g_clear_error (&error);
    webrtcbin_ = gst_bin_get_by_name (GST_BIN (pipeline_), "w");
    std::string ice_error;
    EXPECT_TRUE (restrict_ice_addresses (webrtcbin_, fallback_ice_addresses (), &ice_error));
    for (guint i = 0; i < 2; i++) {
      GstWebRTCRTPTransceiver *trans = nullptr;
      g_signal_emit_by_name (webrtcbin_, "get-transceiver", i, &trans);
      if (trans) {
        g_object_set (trans, "direction", GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_SENDONLY, nullptr);
        gst_object_unref (trans);
      }
    }
    gst_element_set_state (pipeline_, GST_STATE_PLAYING);
  }
  ~WebrtcbinSender ()
  {
    gst_element_set_state (pipeline_, GST_STATE_NULL);
    gst_object_unref (webrtcbin_);
    gst_object_unref (pipeline_);
  }
  std::string answer (const std::string &offer_text)
  {
    GstSDPMessage *sdp = nullptr;
    gst_sdp_message_new_from_text (offer_text.c_str (), &sdp);
    auto offer = gst_webrtc_session_description_new (GST_WEBRTC_SDP_TYPE_OFFER, sdp);
    GstPromise *promise = gst_promise_new ();
    g_signal_emit_by_name (webrtcbin_, "set-remote-description", offer, promise);
    wait_description (promise, nullptr);
    gst_webrtc_session_description_free (offer);
    promise = gst_promise_new ();
    g_signal_emit_by_name (webrtcbin_, "create-answer", nullptr, promise);
    GstWebRTCSessionDescription *answer = wait_description (promise, "answer");
    if (!answer)
      return "";
    promise = gst_promise_new ();
    g_signal_emit_by_name (webrtcbin_, "set-local-description", answer, promise);
    wait_description (promise, nullptr);
    gst_webrtc_session_description_free (answer);
    for (int i = 0; i < 100; i++) {
      GstWebRTCICEGatheringState state;
      g_object_get (webrtcbin_, "ice-gathering-state", &state, nullptr);
      if (state == GST_WEBRTC_ICE_GATHERING_STATE_COMPLETE)
        break;
      g_usleep (50 * 1000);
    }
    GstWebRTCSessionDescription *local = nullptr;
    g_object_get (webrtcbin_, "local-description", &local, nullptr);
    gchar *text = gst_sdp_message_as_text (local->sdp);
    std::string out = text;
    g_free (text);
    gst_webrtc_session_description_free (local);
    return out;
  }

private:
  GstElement *pipeline_ = nullptr;
  GstElement *webrtcbin_ = nullptr; /* owned ref */
};

/* The WHEP server's media side: webrtcsend (test pattern + tone, VP8/Opus)
 * negotiating through the manual signaller's application API: "paste" the
 * other side's description, "local-token" gives ours once gathered. */
class ManualSender {
public:
  /* answering: webrtcsend answers our client's offer; else it offers. */
  explicit ManualSender (bool answering)
  {
    pipeline_ = std::make_unique<Pipeline> (
        "videotestsrc is-live=true ! video/x-raw,width=320,height=240,framerate=30/1 ! "
        "webrtcsend name=s video-codecs=vp8 audio-codecs=opus uri=manual:" +
        std::string (answering ? "?answer=1" : "") + " audiotestsrc is-live=true ! s.");
    GstElement *send = pipeline_->get ("s");
    g_object_get (send, "signaller", &signaller_, nullptr);
    gst_object_unref (send);
    /* Set here, not as signaller::stdio=false in the launch line, which
     * leaves a reference on the signaller. */
    g_object_set (signaller_, "stdio", FALSE, nullptr);
    g_signal_connect (signaller_, "local-token", G_CALLBACK (on_token), this);
    EXPECT_NE (gst_element_set_state (pipeline_->pipeline, GST_STATE_PLAYING),
        GST_STATE_CHANGE_FAILURE);
  }
  ~ManualSender ()
  {
    g_signal_handlers_disconnect_by_data (signaller_, this);
    pipeline_.reset ();
    gst_object_unref (signaller_);
  }
  /* Our token, waited for (answer or offer), as SDP text. */
  std::string local_sdp (int timeout_s = 10)
  {
    std::unique_lock<std::mutex> guard (lock_);
    cond_.wait_for (guard, std::chrono::seconds (timeout_s), [this] { return !token_.empty (); });
    std::string error;
    auto token = manual::decode_token (token_, &error);
    return token ? token->sdp : "";
  }
  void paste (const std::string &sdp) { g_signal_emit_by_name (signaller_, "paste", sdp.c_str ()); }
  Pipeline &pipeline () { return *pipeline_; }

private:
  static void on_token (GstElement *, const gchar *token, ManualSender *self)
  {
    std::lock_guard<std::mutex> guard (self->lock_);
    self->token_ = token;
    self->cond_.notify_all ();
  }
  std::unique_ptr<Pipeline> pipeline_;
  GObject *signaller_ = nullptr;
  std::mutex lock_; /* guards token_ */
  std::condition_variable cond_;
  std::string token_;
};

} // namespace gstsig::test
