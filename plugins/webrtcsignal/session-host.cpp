/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "session-host.h"

#include "signaller-slot.h"

#include <algorithm>
#include <utility>

GST_DEBUG_CATEGORY_STATIC (session_host_debug);
#define GST_CAT_DEFAULT session_host_debug

namespace gstsig {

namespace {

using Description = std::unique_ptr<GstWebRTCSessionDescription,
    decltype (&gst_webrtc_session_description_free)>;

Description
copy_description (const GstWebRTCSessionDescription *desc)
{
  return Description (desc ? gst_webrtc_session_description_copy (desc) : nullptr,
      gst_webrtc_session_description_free);
}

} // namespace

SessionHost::SessionHost (GstElement *element, const std::string &thread_name)
    : element_ (element), control_ (std::make_unique<ContextThread> (thread_name)),
      name_ (thread_name)
{
  static gsize debug_once = 0;
  if (g_once_init_enter (&debug_once)) {
    GST_DEBUG_CATEGORY_INIT (session_host_debug, "webrtcsignal-sessions", 0,
        "gst-webrtcsignal session bookkeeping");
    g_once_init_leave (&debug_once, 1);
  }
}

SessionHost::~SessionHost ()
{
  stop ();
  control_.reset ();
}

bool
SessionHost::start (GstSigSignaller *signaller, const GstSigSignallerSettings &settings,
    const IceSettings &ice, Callbacks callbacks, guint stats_interval_ms)
{
  attach (signaller, std::move (callbacks), ice);
  running_ = GST_SIG_SIGNALLER (g_object_ref (signaller));
  GError *error = nullptr;
  if (!gst_sig_signaller_start (signaller, &settings, &error)) {
    post_signaller_error (element_, G_OBJECT_TYPE_NAME (signaller), error, true);
    g_clear_error (&error);
    stop ();
    return false;
  }
  if (stats_interval_ms)
    control_->invoke_sync ([this, stats_interval_ms] () {
      stats_timer_ = control_->timeout (stats_interval_ms, [this] () {
        collect_stats ();
        return true;
      });
    });
  return true;
}

GstStructure *
SessionHost::dup_stats () const
{
  GValue sessions = G_VALUE_INIT;
  gst_value_array_init (&sessions, 0);
  {
    std::lock_guard<std::mutex> guard (stats_lock_);
    for (const auto &entry : stats_) {
      GValue value = G_VALUE_INIT;
      g_value_init (&value, GST_TYPE_STRUCTURE);
      gst_value_set_structure (&value, entry.second);
      gst_value_array_append_and_take_value (&sessions, &value);
    }
  }
  GstStructure *s = gst_structure_new_empty ((name_ + "-stats").c_str ());
  gst_structure_take_value (s, "sessions", &sessions);
  return s;
}

GstSigSignallerCapabilities
SessionHost::capabilities () const
{
  GstSigSignaller *signaller = nullptr;
  {
    std::lock_guard<std::mutex> guard (caps_lock_);
    if (caps_source_)
      signaller = GST_SIG_SIGNALLER (g_object_ref (caps_source_));
  }
  GstSigSignallerCapabilities caps {};
  if (signaller) {
    gst_sig_signaller_get_capabilities (signaller, &caps);
    g_object_unref (signaller);
  }
  return caps;
}

void
SessionHost::collect_stats ()
{
  for (auto &entry : sessions_) {
    WebrtcSession *session = entry.second.get ();
    /* Runs only while this session exists (its link says so). */
    session->request_stats ([this, session] (GstStructure *stats) { on_stats (*session, stats); });
  }
}

void
SessionHost::on_stats (WebrtcSession &session, GstStructure *stats)
{
  gst_structure_set (stats, "session-id", G_TYPE_STRING, session.id ().c_str (), nullptr);
  if (callbacks_.stats)
    callbacks_.stats (session, stats);
  /* Kept first, so whoever sees the message finds the same in "stats". */
  {
    std::lock_guard<std::mutex> guard (stats_lock_);
    auto &slot = stats_[session.id ()];
    if (slot)
      gst_structure_free (slot);
    slot = gst_structure_copy (stats);
  }
  if (signaller_)
    gst_sig_signaller_send_stats (signaller_, session.id ().c_str (), stats);
  gst_structure_set_name (stats, (name_ + "-stats").c_str ());
  gst_element_post_message (element_, gst_message_new_element (GST_OBJECT (element_), stats));
}

void
SessionHost::stop ()
{
  /* Requests still queued on the control thread are dropped, not turned
   * into webrtcbins that would end at once. */
  stopping_ = true;
  /* Sessions first: once they are gone no webrtcbin callback reaches the
   * signaller, which may then stop. */
  detach ();
  /* No webrtcbin uses the turns:// listeners any more. */
  control_->invoke_sync ([this] () { turn_tls_.reset (); });
  if (running_) {
    gst_sig_signaller_stop (running_);
    g_clear_object (&running_);
  }
  std::lock_guard<std::mutex> guard (caps_lock_);
  g_clear_object (&caps_source_);
}

void
SessionHost::attach (GstSigSignaller *signaller, Callbacks callbacks, const IceSettings &ice)
{
  GstSigSignallerCapabilities caps;
  gst_sig_signaller_get_capabilities (signaller, &caps);
  {
    std::lock_guard<std::mutex> guard (caps_lock_);
    g_clear_object (&caps_source_);
    caps_source_ = GST_SIG_SIGNALLER (g_object_ref (signaller));
  }
  stopping_ = false;
  control_->invoke_sync ([this, signaller, &callbacks, &ice, &caps] () {
    callbacks_ = std::move (callbacks);
    ice_ = ice;
    ice_.turn_servers = carry_turns (ice.turn_servers);
    if (caps.setup_timeout_s)
      ice_.setup_timeout_s = caps.setup_timeout_s;
    signaller_ = GST_SIG_SIGNALLER (g_object_ref (signaller));
    watchdog_ = control_->timeout (1000, [this] () {
      check_sessions ();
      return true;
    });
  });

  auto requested = +[] (GstSigSignaller *, const gchar *sid, const gchar *peer,
                        GstWebRTCSessionDescription *offer, SessionHost *self) {
    std::string session_id = sid, peer_id = peer ? peer : "";
    auto copy = std::make_shared<Description> (copy_description (offer));
    self->control_->invoke ([self, session_id, peer_id, copy] () {
      self->on_new_session (session_id, peer_id, copy->get ());
    });
  };
  auto started = +[] (GstSigSignaller *, const gchar *sid, const gchar *peer, SessionHost *self) {
    std::string session_id = sid, peer_id = peer ? peer : "";
    self->control_->invoke ([self, session_id, peer_id] () {
      self->on_new_session (session_id, peer_id, nullptr);
    });
  };
  auto description = +[] (GstSigSignaller *, const gchar *sid, GstWebRTCSessionDescription *desc,
                          SessionHost *self) {
    std::string session_id = sid;
    auto copy = std::make_shared<Description> (copy_description (desc));
    self->control_->invoke ([self, session_id, copy] () {
      self->with_session (session_id, nullptr,
          [copy] (WebrtcSession &s) { s.on_remote_description (copy->get ()); });
    });
  };
  auto remote_ice = +[] (GstSigSignaller *, const gchar *sid, guint mline, const gchar *,
                  const gchar *candidate, SessionHost *self) {
    std::string session_id = sid, cand = candidate ? candidate : "";
    self->control_->invoke ([self, session_id, mline, cand] () {
      self->with_session (session_id, nullptr,
          [mline, cand] (WebrtcSession &s) { s.on_remote_candidate (mline, cand); });
    });
  };
  auto ended = +[] (GstSigSignaller *, const gchar *sid, SessionHost *self) {
    std::string session_id = sid;
    self->control_->invoke ([self, session_id] () {
      SessionEnding ending;
      ending.by_peer = true;
      ending.detail = "the peer or the server ended it";
      self->remove (session_id, ending);
    });
  };
  auto servers = +[] (GstSigSignaller *, const gchar *sid, gchar **uris, SessionHost *self) {
    std::string session_id = sid ? sid : "";
    std::vector<std::string> list;
    for (gchar **u = uris; u && *u; u++)
      list.emplace_back (*u);
    self->control_->invoke ([self, session_id, list] () {
      self->on_ice_servers (session_id, list);
    });
  };
  auto error = +[] (GstSigSignaller *sig, GError *err, SessionHost *self) {
    post_signaller_error (self->element_, G_OBJECT_TYPE_NAME (sig), err, false);
  };
  auto warning = +[] (GstSigSignaller *sig, GError *err, SessionHost *self) {
    post_signaller_warning (self->element_, G_OBJECT_TYPE_NAME (sig), err);
  };
  handlers_.emplace_back (signaller, "session-requested", G_CALLBACK (requested), this);
  handlers_.emplace_back (signaller, "session-started", G_CALLBACK (started), this);
  handlers_.emplace_back (signaller, "session-description", G_CALLBACK (description), this);
  handlers_.emplace_back (signaller, "handle-ice", G_CALLBACK (remote_ice), this);
  handlers_.emplace_back (signaller, "session-ended", G_CALLBACK (ended), this);
  handlers_.emplace_back (signaller, "ice-servers", G_CALLBACK (servers), this);
  handlers_.emplace_back (signaller, "error", G_CALLBACK (error), this);
  handlers_.emplace_back (signaller, "warning", G_CALLBACK (warning), this);
}

void
SessionHost::detach ()
{
  handlers_.clear ();
  if (!control_)
    return;
  control_->invoke_sync ([this] () {
    control_->cancel (std::exchange (watchdog_, 0u));
    control_->cancel (std::exchange (stats_timer_, 0u));
    {
      std::lock_guard<std::mutex> guard (stats_lock_);
      for (auto &entry : stats_)
        gst_structure_free (entry.second);
      stats_.clear ();
    }
    auto sessions = std::move (sessions_);
    sessions_.clear ();
    SessionEnding stopping;
    stopping.detail = "the element is stopping";
    for (auto &entry : sessions) {
      if (callbacks_.ending)
        callbacks_.ending (*entry.second, stopping);
      entry.second->stop ();
      /* Said before stop (): the signaller hears why each session ended. */
      if (signaller_)
        gst_sig_signaller_end_session (signaller_, entry.first.c_str (),
            GST_SIG_SESSION_END_STOPPING);
    }
    if (!sessions.empty ())
      changed ();
    g_clear_object (&signaller_);
    callbacks_ = Callbacks ();
  });
}

void
SessionHost::on_new_session (const std::string &session_id, const std::string &peer_id,
    GstWebRTCSessionDescription *offer)
{
  if (stopping_ || !signaller_ || sessions_.count (session_id) || !callbacks_.create)
    return;
  auto link = std::make_shared<SessionLink> ();
  link->session_id = session_id;
  link->signaller = GST_SIG_SIGNALLER (g_object_ref (signaller_));
  /* A weak reference, not the address: a link that is gone cannot be
   * mistaken for a later one at the same address. */
  std::weak_ptr<SessionLink> identity = link;
  link->post = [this, session_id, identity] (std::function<void (WebrtcSession &)> fn) {
    control_->invoke ([this, session_id, identity, fn] () {
      if (auto alive = identity.lock ())
        with_session (session_id, alive.get (), fn);
    });
  };
  link->end = [this, session_id, identity] (GstSigSessionEnd reason, const std::string &detail) {
    control_->invoke ([this, session_id, identity, reason, detail] () {
      if (auto alive = identity.lock ())
        with_session (session_id, alive.get (),
            [this, &session_id, reason, &detail] (WebrtcSession &) {
              end (session_id, reason, detail);
            });
    });
  };
  std::string error;
  GstSigSessionEnd why = GST_SIG_SESSION_END_REFUSED;
  auto session = callbacks_.create (session_id, peer_id, offer, link, ice_, &error, &why);
  if (!session) {
    GST_INFO_OBJECT (element_, "Session %s with %s not started: %s", session_id.c_str (),
        peer_id.c_str (), error.c_str ());
    gst_sig_signaller_end_session (signaller_, session_id.c_str (), why);
    return;
  }
  sessions_[session_id] = std::move (session);
  changed ();
}

/* link: when given, only the session of that link (not a later session
 * that reuses the id). */
void
SessionHost::with_session (const std::string &session_id, const SessionLink *link,
    const std::function<void (WebrtcSession &)> &fn)
{
  auto it = sessions_.find (session_id);
  if (it != sessions_.end () && (!link || it->second->link () == link))
    fn (*it->second);
}

std::vector<std::string>
SessionHost::carry_turns (const std::vector<std::string> &uris)
{
  std::vector<std::string> out;
  for (const auto &uri : uris) {
    if (!gstsig::is_turns_uri (uri)) {
      out.push_back (uri);
      continue;
    }
    if (!turn_tls_) {
      gstsig::tls::ClientTls tls;
      GstElement *element = element_;
      tls.set_insecure_warning ([] (const std::string &) {});
      GError *error = nullptr;
      if (!tls.configure (ice_.turn_ca_file, false, { "turn-ca-file=PATH", "" }, &error)) {
        GST_ELEMENT_WARNING (element_, RESOURCE, SETTINGS,
            ("turns:// servers are left out: %s", error->message), (nullptr));
        g_error_free (error);
        continue;
      }
      turn_tls_ = std::make_unique<gstsig::TurnTlsProxy> (tls, [element] (const std::string &w) {
        GST_ELEMENT_WARNING (element, RESOURCE, OPEN_READ_WRITE, ("%s", w.c_str ()), (nullptr));
      });
    }
    std::string error;
    std::string local = turn_tls_->local_uri (uri, &error);
    if (local.empty ()) {
      GST_ELEMENT_WARNING (element_, RESOURCE, SETTINGS, ("TURN server left out: %s",
          error.c_str ()), (nullptr));
      continue;
    }
    GST_INFO_OBJECT (element_, "TURN over TLS through our local proxy: %s",
        local.substr (local.find ('@')).c_str ());
    out.push_back (local);
  }
  return out;
}

void
SessionHost::on_ice_servers (const std::string &session_id,
    const std::vector<std::string> &learnt)
{
  std::vector<std::string> uris = carry_turns (learnt);
  if (!session_id.empty ()) {
    std::vector<std::string> turn;
    for (const auto &uri : uris)
      if (g_str_has_prefix (uri.c_str (), "turn"))
        turn.push_back (uri);
    with_session (session_id, nullptr, [&turn] (WebrtcSession &s) { s.add_turn_servers (turn); });
    return;
  }
  /* For the sessions to come: the element's own settings win. */
  for (const auto &uri : uris) {
    if (g_str_has_prefix (uri.c_str (), "stun")) {
      if (ice_.stun_server.empty ())
        ice_.stun_server = uri;
    } else if (std::find (ice_.turn_servers.begin (), ice_.turn_servers.end (), uri) ==
        ice_.turn_servers.end ()) {
      ice_.turn_servers.push_back (uri);
    }
  }
}

void
SessionHost::end (const std::string &session_id, GstSigSessionEnd reason,
    const std::string &detail)
{
  SessionEnding ending;
  ending.reason = reason;
  ending.detail = detail;
  remove (session_id, ending);
}

void
SessionHost::end_later (const std::string &session_id, GstElement *webrtcbin,
    GstSigSessionEnd reason, std::string detail)
{
  /* The reference keeps the address from being reused meanwhile. */
  auto held = std::shared_ptr<GstElement> (GST_ELEMENT (gst_object_ref (webrtcbin)),
      [] (GstElement *e) { gst_object_unref (e); });
  control_->invoke ([this, session_id, held, reason, detail = std::move (detail)] () {
    auto it = sessions_.find (session_id);
    if (it != sessions_.end () && it->second->has_webrtcbin (held.get ()))
      end (session_id, reason, detail);
  });
}

void
SessionHost::remove (const std::string &session_id, const SessionEnding &ending)
{
  auto it = sessions_.find (session_id);
  if (it == sessions_.end ())
    return;
  std::unique_ptr<WebrtcSession> session = std::move (it->second);
  sessions_.erase (it);
  GST_INFO_OBJECT (element_, "Ending session %s with %s: %s", session_id.c_str (),
      session->peer_id ().c_str (), ending.detail.c_str ());
  if (callbacks_.ending)
    callbacks_.ending (*session, ending);
  session->stop ();
  {
    std::lock_guard<std::mutex> guard (stats_lock_);
    auto stats = stats_.find (session_id);
    if (stats != stats_.end ()) {
      gst_structure_free (stats->second);
      stats_.erase (stats);
    }
  }
  if (!ending.by_peer && signaller_)
    gst_sig_signaller_end_session (signaller_, session_id.c_str (), ending.reason);
  changed ();
}

void
SessionHost::for_each (const std::function<void (WebrtcSession &)> &fn)
{
  for (auto &entry : sessions_)
    fn (*entry.second);
}

void
SessionHost::check_sessions ()
{
  gint64 now = g_get_monotonic_time ();
  std::vector<std::pair<std::string, std::string>> gone;
  for (auto &entry : sessions_)
    if (auto reason = entry.second->check_health (now))
      gone.emplace_back (entry.first, *reason);
  for (auto &g : gone)
    end (g.first, GST_SIG_SESSION_END_PEER_GONE, g.second);
}

void
SessionHost::changed ()
{
  count_ = sessions_.size ();
  if (callbacks_.count_changed)
    callbacks_.count_changed ();
}

} // namespace gstsig
