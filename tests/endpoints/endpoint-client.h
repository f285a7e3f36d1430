/* Test helpers of the WHIP/WHEP endpoint tests: a plain libsoup HTTP client
 * and a WebRTC peer (a real webrtcbin) that makes offers, collects its
 * candidates, takes an answer and counts what it receives. Written without
 * the code under test, so the tests check the endpoints from outside.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "ice-utils.h"

#include <gst/gst.h>
#include <gst/sdp/sdp.h>
#include <gst/webrtc/webrtc.h>
#include <gtest/gtest.h>
#include <libsoup/soup.h>

#include <atomic>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace endpoint_test {

struct Response {
  unsigned status = 0;
  std::string body;
  std::map<std::string, std::string> headers; /* lower-case names; repeated ones joined by ", " */
  std::string header (const std::string &name) const
  {
    auto it = headers.find (lower (name));
    return it == headers.end () ? "" : it->second;
  }
  static std::string lower (const std::string &s)
  {
    gchar *l = g_ascii_strdown (s.c_str (), -1);
    std::string r = l;
    g_free (l);
    return r;
  }
};

/* Synchronous requests from the test thread. */
class Http {
public:
  /* accept_any_certificate: as an "insecure" client of a self-signed test
   * server. */
  explicit Http (bool accept_any_certificate = false)
      : accept_any_certificate_ (accept_any_certificate)
  {
    session_ = soup_session_new_with_options ("timeout", 20u, nullptr);
  }
  /* A transport failure (e.g. a refused certificate) is expected: status 0
   * without a test failure. */
  bool quiet_errors = false;
  ~Http () { g_object_unref (session_); }
  Http (const Http &) = delete;
  Http &operator= (const Http &) = delete;

  Response request (const std::string &method, const std::string &url,
      const std::string &content_type = "", const std::string &body = "",
      const std::vector<std::pair<std::string, std::string>> &headers = {})
  {
    Response response;
    SoupMessage *msg = soup_message_new (method.c_str (), url.c_str ());
    EXPECT_NE (msg, nullptr) << url;
    if (!msg)
      return response;
    if (!content_type.empty ()) {
      GBytes *bytes = g_bytes_new (body.data (), body.size ());
      soup_message_set_request_body_from_bytes (msg, content_type.c_str (), bytes);
      g_bytes_unref (bytes);
    }
    for (const auto &h : headers)
      soup_message_headers_append (soup_message_get_request_headers (msg), h.first.c_str (),
          h.second.c_str ());
    if (accept_any_certificate_)
      g_signal_connect (msg, "accept-certificate", G_CALLBACK (+[] (SoupMessage *,
                                                       GTlsCertificate *, GTlsCertificateFlags)
                                                       -> gboolean { return TRUE; }),
          nullptr);
    GError *error = nullptr;
    GBytes *reply = soup_session_send_and_read (session_, msg, nullptr, &error);
    if (!quiet_errors) {
      EXPECT_EQ (error, nullptr) << method << " " << url << ": "
                                 << (error ? error->message : "");
    }
    g_clear_error (&error);
    response.status = soup_message_get_status (msg);
    if (reply) {
      gsize size = 0;
      auto data = static_cast<const char *> (g_bytes_get_data (reply, &size));
      response.body.assign (data ? data : "", size);
      g_bytes_unref (reply);
    }
    SoupMessageHeadersIter iter;
    const char *name, *value;
    soup_message_headers_iter_init (&iter, soup_message_get_response_headers (msg));
    while (soup_message_headers_iter_next (&iter, &name, &value)) {
      auto &slot = response.headers[Response::lower (name)];
      slot += (slot.empty () ? "" : ", ") + std::string (value);
    }
    g_object_unref (msg);
    return response;
  }

  /* url resolved against base (for a relative Location). */
  static std::string resolve (const std::string &base, const std::string &location)
  {
    gchar *url = g_uri_resolve_relative (base.c_str (), location.c_str (), G_URI_FLAGS_NONE,
        nullptr);
    std::string result = url ? url : "";
    g_free (url);
    return result;
  }

private:
  bool accept_any_certificate_ = false;
  SoupSession *session_;
};

/* A webrtcbin named "w" inside a pipeline from a launch line. */
class Peer {
public:
  explicit Peer (const std::string &description)
  {
    GError *error = nullptr;
    pipeline_ = gst_parse_launch (description.c_str (), &error);
    if (pipeline_ && !GST_IS_PIPELINE (pipeline_)) { /* a lone webrtcbin */
      GstElement *pipeline = gst_pipeline_new (nullptr);
      gst_bin_add (GST_BIN (pipeline), pipeline_);
      pipeline_ = pipeline;
    }
    EXPECT_EQ (error, nullptr) << (error ? error->message : "");
    g_clear_error (&error);
    webrtcbin_ = gst_bin_get_by_name (GST_BIN (pipeline_), "w");
    g_object_set (webrtcbin_, "bundle-policy", GST_WEBRTC_BUNDLE_POLICY_MAX_BUNDLE, nullptr);
    std::string ice_error;
    EXPECT_TRUE (gstsig::restrict_ice_addresses (webrtcbin_, gstsig::fallback_ice_addresses (),
        &ice_error)) << ice_error;
    g_signal_connect (webrtcbin_, "on-ice-candidate", G_CALLBACK (+[] (GstElement *, guint mline,
                                                         gchar *candidate, Peer *self) {
      std::lock_guard<std::mutex> guard (self->lock_);
      self->candidates_.emplace_back (mline, candidate);
    }), this);
    g_signal_connect (webrtcbin_, "pad-added", G_CALLBACK (+[] (GstElement *, GstPad *pad,
                                                   Peer *self) { self->on_pad (pad); }), this);
  }
  ~Peer ()
  {
    gst_element_set_state (pipeline_, GST_STATE_NULL);
    gst_object_unref (webrtcbin_);
    gst_object_unref (pipeline_);
  }
  Peer (const Peer &) = delete;
  Peer &operator= (const Peer &) = delete;

  GstElement *pipeline () const { return pipeline_; }
  GstElement *webrtcbin () const { return webrtcbin_; }

  /* A receive-only transceiver (WHEP viewer). */
  void add_recvonly (const std::string &caps_text)
  {
    GstCaps *caps = gst_caps_from_string (caps_text.c_str ());
    GstWebRTCRTPTransceiver *trans = nullptr;
    g_signal_emit_by_name (webrtcbin_, "add-transceiver",
        GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_RECVONLY, caps, &trans);
    gst_caps_unref (caps);
    ASSERT_NE (trans, nullptr);
    gst_object_unref (trans);
  }

  void play () { ASSERT_NE (gst_element_set_state (pipeline_, GST_STATE_PLAYING),
      GST_STATE_CHANGE_FAILURE); }

  /* Sender transceivers become sendonly; waits for caps on the sink pads
   * so the offer describes the codecs fully. */
  void make_senders_sendonly ()
  {
    for (int i = 0; i < 100; i++) {
      bool all = true;
      GstIterator *it = gst_element_iterate_sink_pads (webrtcbin_);
      GValue item = G_VALUE_INIT;
      while (gst_iterator_next (it, &item) == GST_ITERATOR_OK) {
        all &= gst_pad_has_current_caps (GST_PAD (g_value_get_object (&item)));
        g_value_reset (&item);
      }
      g_value_unset (&item);
      gst_iterator_free (it);
      if (all)
        break;
      g_usleep (50 * 1000);
    }
    GArray *transceivers = nullptr;
    g_signal_emit_by_name (webrtcbin_, "get-transceivers", &transceivers);
    for (guint i = 0; transceivers && i < transceivers->len; i++)
      g_object_set (g_array_index (transceivers, GstWebRTCRTPTransceiver *, i), "direction",
          GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_SENDONLY, nullptr);
    if (transceivers)
      g_array_unref (transceivers);
  }

  /* Creates and sets our offer; returns its SDP text (no candidates yet). */
  std::string offer ()
  {
    GstPromise *promise = gst_promise_new ();
    g_signal_emit_by_name (webrtcbin_, "create-offer", nullptr, promise);
    EXPECT_EQ (gst_promise_wait (promise), GST_PROMISE_RESULT_REPLIED);
    GstWebRTCSessionDescription *desc = nullptr;
    const GstStructure *reply = gst_promise_get_reply (promise);
    if (reply)
      gst_structure_get (reply, "offer", GST_TYPE_WEBRTC_SESSION_DESCRIPTION, &desc, nullptr);
    gst_promise_unref (promise);
    EXPECT_NE (desc, nullptr) << "webrtcbin made no offer";
    if (!desc)
      return "";
    g_signal_emit_by_name (webrtcbin_, "set-local-description", desc, nullptr);
    gchar *text = gst_sdp_message_as_text (desc->sdp);
    std::string sdp = text;
    g_free (text);
    gst_webrtc_session_description_free (desc);
    return sdp;
  }

  /* Sets the answer; without_candidates drops its a=candidate lines, so
   * only candidates we PATCH to the endpoint can connect us. */
  bool answer (const std::string &sdp_text, bool without_candidates)
  {
    std::string text;
    for (const auto &line : lines (sdp_text))
      if (!without_candidates || (line.rfind ("a=candidate:", 0) != 0 &&
              line.rfind ("a=end-of-candidates", 0) != 0))
        text += line + "\r\n";
    GstSDPMessage *sdp = nullptr;
    gst_sdp_message_new_from_text (text.c_str (), &sdp);
    if (!sdp || gst_sdp_message_medias_len (sdp) == 0) {
      if (sdp)
        gst_sdp_message_free (sdp);
      return false;
    }
    GstWebRTCSessionDescription *desc =
        gst_webrtc_session_description_new (GST_WEBRTC_SDP_TYPE_ANSWER, sdp);
    GstPromise *promise = gst_promise_new ();
    g_signal_emit_by_name (webrtcbin_, "set-remote-description", desc, promise);
    gst_promise_wait (promise);
    const GstStructure *reply = gst_promise_get_reply (promise);
    bool ok = !(reply && gst_structure_has_field (reply, "error"));
    gst_promise_unref (promise);
    gst_webrtc_session_description_free (desc);
    return ok;
  }

  /* Waits for ICE gathering to complete (bounded). */
  bool wait_gathered (int timeout_s = 10)
  {
    for (int i = 0; i < timeout_s * 20; i++) {
      GstWebRTCICEGatheringState state;
      g_object_get (webrtcbin_, "ice-gathering-state", &state, nullptr);
      if (state == GST_WEBRTC_ICE_GATHERING_STATE_COMPLETE)
        return true;
      g_usleep (50 * 1000);
    }
    return false;
  }

  /* Our candidates as an RFC 8840 fragment for the first m-line of offer. */
  std::string sdpfrag (const std::string &offer_text, bool end = true)
  {
    std::string ufrag, pwd, mid, media = "video";
    for (const auto &line : lines (offer_text)) {
      if (line.rfind ("a=ice-ufrag:", 0) == 0 && ufrag.empty ())
        ufrag = line.substr (12);
      else if (line.rfind ("a=ice-pwd:", 0) == 0 && pwd.empty ())
        pwd = line.substr (10);
      else if (line.rfind ("a=mid:", 0) == 0 && mid.empty ())
        mid = line.substr (6);
      else if (line.rfind ("m=", 0) == 0 && mid.empty ())
        media = line.substr (2, line.find (' ') - 2);
    }
    std::string frag = "a=ice-ufrag:" + ufrag + "\r\na=ice-pwd:" + pwd + "\r\nm=" + media +
        " 9 UDP/TLS/RTP/SAVPF 0\r\na=mid:" + mid + "\r\n";
    std::lock_guard<std::mutex> guard (lock_);
    for (const auto &c : candidates_)
      if (c.first == 0) /* bundled: the first m-line carries them all */
        frag += "a=" + c.second + "\r\n";
    if (end)
      frag += "a=end-of-candidates\r\n";
    return frag;
  }
  size_t candidate_count ()
  {
    std::lock_guard<std::mutex> guard (lock_);
    return candidates_.size ();
  }

  /* Buffers received per media kind ("video"/"audio"). */
  int received (const std::string &kind) { return kind == "video" ? video_ : audio_; }
  bool wait_received (int video, int audio, int timeout_s = 20)
  {
    for (int i = 0; i < timeout_s * 20 && (video_ < video || audio_ < audio); i++)
      g_usleep (50 * 1000);
    return video_ >= video && audio_ >= audio;
  }

  static std::vector<std::string> lines (const std::string &text)
  {
    std::vector<std::string> result;
    size_t pos = 0;
    while (pos < text.size ()) {
      size_t eol = text.find ('\n', pos);
      std::string line = text.substr (pos, eol == std::string::npos ? std::string::npos
          : eol - pos);
      if (!line.empty () && line.back () == '\r')
        line.pop_back ();
      if (!line.empty ())
        result.push_back (line);
      if (eol == std::string::npos)
        break;
      pos = eol + 1;
    }
    return result;
  }

private:
  void on_pad (GstPad *pad)
  {
    if (GST_PAD_DIRECTION (pad) != GST_PAD_SRC)
      return;
    GstElement *sink = gst_element_factory_make ("fakesink", nullptr);
    g_object_set (sink, "async", FALSE, "sync", FALSE, nullptr);
    gst_bin_add (GST_BIN (pipeline_), sink);
    gst_element_sync_state_with_parent (sink);
    GstPad *sinkpad = gst_element_get_static_pad (sink, "sink");
    gst_pad_link (pad, sinkpad);
    /* Each buffer counts for the media its caps name (known only once RTP
     * flows, not when the pad appears). */
    gst_pad_add_probe (sinkpad, GST_PAD_PROBE_TYPE_BUFFER,
        [] (GstPad *probed, GstPadProbeInfo *, gpointer data) {
          auto self = static_cast<Peer *> (data);
          GstCaps *caps = gst_pad_get_current_caps (probed);
          const char *media = caps && !gst_caps_is_empty (caps)
              ? gst_structure_get_string (gst_caps_get_structure (caps, 0), "media") : nullptr;
          (g_strcmp0 (media, "audio") == 0 ? self->audio_ : self->video_)++;
          if (caps)
            gst_caps_unref (caps);
          return GST_PAD_PROBE_OK;
        }, this, nullptr);
    gst_object_unref (sinkpad);
  }

  GstElement *pipeline_ = nullptr;
  GstElement *webrtcbin_ = nullptr;
  std::mutex lock_; /* guards candidates_ */
  std::vector<std::pair<guint, std::string>> candidates_;
  std::atomic<int> video_ { 0 }, audio_ { 0 };
};

/* A WHIP publisher: test video (VP8) and audio (Opus), sendonly. */
inline const char *PUBLISHER =
    "webrtcbin name=w videotestsrc is-live=true ! video/x-raw,width=320,height=240,framerate=30/1 "
    "! vp8enc deadline=1 keyframe-max-dist=30 ! rtpvp8pay ! "
    "application/x-rtp,media=video,encoding-name=VP8,payload=96,clock-rate=90000 ! w. "
    "audiotestsrc is-live=true ! opusenc ! rtpopuspay ! "
    "application/x-rtp,media=audio,encoding-name=OPUS,payload=111,clock-rate=48000 ! w.";

/* Sets a property of an element's signaller (before it starts). */
inline void
set_signaller_property (GstElement *element, const char *name, const char *value)
{
  GObject *signaller = nullptr;
  g_object_get (element, "signaller", &signaller, nullptr);
  ASSERT_NE (signaller, nullptr);
  g_object_set (signaller, name, value, nullptr);
  g_object_unref (signaller);
}

/* The URL an element's endpoint signaller listens on. */
inline std::string
endpoint_url (GstElement *element)
{
  GObject *signaller = nullptr;
  g_object_get (element, "signaller", &signaller, nullptr);
  gchar *url = nullptr;
  if (signaller)
    g_object_get (signaller, "url", &url, nullptr);
  std::string result = url ? url : "";
  g_free (url);
  if (signaller)
    g_object_unref (signaller);
  return result;
}

} // namespace endpoint_test
