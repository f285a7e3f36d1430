/* gst-webrtcsignal: the HTTP side of the WHIP (RFC 9725) and WHEP clients,
 * shared by whip-client.cpp (webrtcsend) and whep-client.cpp (webrtcrecv):
 * one session as an HTTP resource (POST, 201 + Location, PATCH, DELETE),
 * trickle ICE with its fallback, ICE servers from Link headers, a bearer
 * token, time limits and the errors a user reads.
 *
 * How it drives an element: on start it asks for one session (WHIP:
 * "session-requested" without an offer, so webrtcsend offers; WHEP:
 * "session-started", webrtcrecv then offers because the signaller's
 * capability consumer_offers is TRUE; WHEP server-offer: an empty POST whose 201
 * carries the server's offer, then "session-started" + "session-description").
 *
 * ICE servers: an OPTIONS request at start (it also fails the start early
 * when the server cannot be reached) may carry Link: rel="ice-server"
 * headers; they go to the element ("ice-servers" without a session), whose
 * next session uses them before it gathers. TURN servers that only come
 * with the 201 go to the running session ("ice-servers" with its id; it
 * adds them with "add-turn-server", and libnice gathers relay candidates,
 * which are trickled); a STUN server that late cannot be used by webrtcbin
 * 1.22. The signaller never touches webrtcbin.
 *
 * Threads: every libsoup object lives on the client's own ContextThread;
 * the public methods may be called from any thread and hop there through
 * a SignallerWorker, which drops what they queue once stop() has begun.
 *
 * The bearer token goes to the endpoint's origin (scheme, host, port) only,
 * and to the session's resource when the server that created it had the
 * token: a redirect to another origin is followed without it, like curl.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "signaller-worker.h"
#include "signallers/manual/manual-token.h"
#include "signaller.h"
#include "tls-client.h"
#include "whip-http-util.h"

#include <gst/sdp/sdp.h>
#include <libsoup/soup.h>

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

namespace gstsig {

enum class WhipRole { Publish /* WHIP, webrtcsend */, Play /* WHEP, webrtcrecv */ };
enum class TrickleMode { Auto = 0, On = 1, Off = 2 };

struct WhipClientSettings {
  WhipRole role = WhipRole::Publish;
  std::string uri;        /* whip+http(s)://... or whep+http(s)://... */
  std::string auth_token; /* "" = no Authorization header */
  unsigned timeout_s = 10;
  TrickleMode trickle = TrickleMode::Auto;
  bool server_offer = false; /* WHEP: the server makes the offer */
  std::string ca_file;       /* https: "" = the system's CAs */
  bool insecure_tls = false; /* https: accept any certificate */
};

class WhipHttpClient {
public:
  explicit WhipHttpClient (GstSigSignaller *owner);
  ~WhipHttpClient ();
  WhipHttpClient (const WhipHttpClient &) = delete;
  WhipHttpClient &operator= (const WhipHttpClient &) = delete;

  /* State-change thread: OPTIONS (bounded by the timeout), then the
   * session is asked for. False with *error when the server is out of
   * reach or the URI is unusable. */
  bool start (const WhipClientSettings &settings, GError **error);
  /* DELETEs the resource (waiting for at most the timeout, 5 s at most),
   * then drops everything. Idempotent. */
  void stop ();
  void send_sdp (const std::string &session_id, const GstWebRTCSessionDescription *desc);
  void add_ice (const std::string &session_id, const std::string &candidate, unsigned mline);
  /* The element ended the session; at_eos: because its input ended. */
  void end_session (const std::string &session_id, bool at_eos);

  /* Any thread: the session URL (Location), "" before the 201. */
  std::string resource_url () const;

  /* Endpoints that refused trickle ICE in this process: later sessions to
   * them with trickle=auto send every candidate in the offer instead. */
  static bool endpoint_refused_trickle (const std::string &endpoint);

private:
  struct HttpResult;
  struct Request;
  /* Any thread: runs fn on the worker's thread if it still runs and
   * session_id is the current session; else fn is dropped. */
  void post (const std::string &session_id, std::function<void ()> fn);

  /* On the thread. */
  const char *protocol () const;
  void request (const char *method, const std::string &url, const char *content_type,
      const std::string &body, bool with_if_match, std::function<void (const HttpResult &)> done);
  void send (Request *req);
  /* Cancels the requests in flight; spare_delete keeps a DELETE going (the
   * session ended just before the stop: the server must still hear it). */
  void cancel_requests (bool spare_delete = false);
  bool delete_in_flight () const;
  static void on_response (GObject *source, GAsyncResult *result, gpointer data);
  static void on_body (GObject *source, GAsyncResult *result, gpointer data);
  void read_body (Request *req);
  void fail_transport (Request *req, GError *error);
  void respond (Request *req);
  void finish (Request *req, const HttpResult &result);
  void begin_session ();
  void post_offer ();
  void on_post_response (const HttpResult &r, bool server_offer);
  void send_answer ();
  void flush_trickle ();
  void on_patch_response (const HttpResult &r, size_t sent, bool sent_eoc);
  void when_gathered (std::function<void ()> fn);
  void hold_end_of_candidates ();
  bool send_auth_to (const std::string &url) const;
  void learn_ice_servers (const std::string &link_header, bool before_gathering);
  void delete_resource (std::function<void ()> done);
  void fail (int code, const std::string &message);
  void fail (GQuark domain, int code, const std::string &message);
  void fail_http (const char *what, const HttpResult &r);
  bool vanilla () const;

  GstSigSignaller *owner_; /* not owned: it owns us */

  SignallerWorker worker_ { "webrtcsignal-whip" };

  /* Set by start() before the thread runs, then read-only. */
  WhipClientSettings settings_;
  std::string endpoint_;
  tls::ClientTls tls_;

  /* Thread only. */
  SoupSession *soup_ = nullptr;
  std::set<Request *> requests_;
  bool stopping_ = false;
  bool failed_ = false;
  std::string local_sdp_text_;
  std::shared_ptr<GstSDPMessage> local_sdp_; /* freed with gst_sdp_message_free */
  GstWebRTCSDPType local_type_ = GST_WEBRTC_SDP_TYPE_OFFER;
  std::vector<manual::Candidate> all_candidates_;
  std::vector<manual::Candidate> unsent_;
  bool gathered_ = false;
  bool eoc_sent_ = false;
  bool trickling_ = true;      /* PATCH candidates (false: vanilla or refused) */
  bool resource_ready_ = false; /* the server knows our description: PATCH may go */
  bool patch_in_flight_ = false;
  guint eoc_hold_timer_ = 0;   /* late TURN servers gather: hold end-of-candidates */
  guint gather_timer_ = 0;
  std::function<void ()> after_gathering_;
  std::string etag_;
  bool deleted_ = false;
  bool resource_auth_ = false; /* the token goes to the resource URL (see top) */

  std::set<std::string> known_ice_servers_; /* webrtcbin URIs already told */

  mutable std::mutex lock_; /* guards the members below; nests with nothing */
  std::string resource_url_;
  std::string session_id_; /* of the current start() */

  std::mutex start_lock_; /* guards the three below */
  std::condition_variable start_cond_;
  bool options_done_ = false;
  std::string options_error_;
  int options_tls_code_ = -1; /* >= 0: options_error_ is a TLS failure (GTlsError code) */
};

} // namespace gstsig
