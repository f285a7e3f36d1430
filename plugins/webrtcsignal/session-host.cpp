/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "session-host.h"

#include "signaller-slot.h"

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
SessionHost::start (GstSigSignaller *signaller, Callbacks callbacks, guint stats_interval_ms)
{
  attach (signaller, std::move (callbacks));
  running_ = GST_SIG_SIGNALLER (gst_object_ref (signaller));
  GError *error = nullptr;
  if (!gst_sig_signaller_start (signaller, &error)) {
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

void
SessionHost::collect_stats ()
{
  for (auto &entry : sessions_)
    entry.second->request_stats ([this] (WebrtcSession &session, GstStructure *stats) {
      on_stats (session, stats);
    });
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
  if (running_) {
    gst_sig_signaller_stop (running_);
    gst_clear_object (&running_);
  }
  detach ();
}

void
SessionHost::attach (GstSigSignaller *signaller, Callbacks callbacks)
{
  control_->invoke_sync ([this, signaller, &callbacks] () {
    callbacks_ = std::move (callbacks);
    signaller_ = GST_SIG_SIGNALLER (gst_object_ref (signaller));
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
      self->with_session (session_id,
          [copy] (WebrtcSession &s) { s.on_remote_description (copy->get ()); });
    });
  };
  auto ice = +[] (GstSigSignaller *, const gchar *sid, guint mline, const gchar *,
                  const gchar *candidate, SessionHost *self) {
    std::string session_id = sid, cand = candidate ? candidate : "";
    self->control_->invoke ([self, session_id, mline, cand] () {
      self->with_session (session_id,
          [mline, cand] (WebrtcSession &s) { s.on_remote_candidate (mline, cand); });
    });
  };
  auto ended = +[] (GstSigSignaller *, const gchar *sid, SessionHost *self) {
    std::string session_id = sid;
    self->control_->invoke ([self, session_id] () {
      self->end (session_id, "the peer or the server ended it", false);
    });
  };
  auto error = +[] (GstSigSignaller *sig, GError *err, SessionHost *self) {
    post_signaller_error (self->element_, G_OBJECT_TYPE_NAME (sig), err, false);
  };
  handlers_.emplace_back (signaller, "session-requested", G_CALLBACK (requested), this);
  handlers_.emplace_back (signaller, "session-started", G_CALLBACK (started), this);
  handlers_.emplace_back (signaller, "session-description", G_CALLBACK (description), this);
  handlers_.emplace_back (signaller, "handle-ice", G_CALLBACK (ice), this);
  handlers_.emplace_back (signaller, "session-ended", G_CALLBACK (ended), this);
  handlers_.emplace_back (signaller, "error", G_CALLBACK (error), this);
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
    for (auto &entry : sessions) {
      if (callbacks_.ending)
        callbacks_.ending (*entry.second, "stopping");
      entry.second->stop ();
    }
    if (!sessions.empty ())
      changed ();
    gst_clear_object (&signaller_);
    callbacks_ = Callbacks ();
  });
}

void
SessionHost::on_new_session (const std::string &session_id, const std::string &peer_id,
    GstWebRTCSessionDescription *offer)
{
  if (!signaller_ || sessions_.count (session_id) || !callbacks_.create)
    return;
  auto link = std::make_shared<SessionLink> ();
  link->session_id = session_id;
  link->signaller = GST_SIG_SIGNALLER (gst_object_ref (signaller_));
  link->post = [this, session_id] (std::function<void (WebrtcSession &)> fn) {
    control_->invoke ([this, session_id, fn] () { with_session (session_id, fn); });
  };
  link->end = [this, session_id] (const std::string &reason) {
    control_->invoke ([this, session_id, reason] () { end (session_id, reason, true); });
  };
  std::string error;
  auto session = callbacks_.create (session_id, peer_id, offer, link, &error);
  if (!session) {
    GST_INFO_OBJECT (element_, "Session %s with %s not started: %s", session_id.c_str (),
        peer_id.c_str (), error.c_str ());
    gst_sig_signaller_end_session (signaller_, session_id.c_str ());
    return;
  }
  sessions_[session_id] = std::move (session);
  changed ();
}

void
SessionHost::with_session (const std::string &session_id,
    const std::function<void (WebrtcSession &)> &fn)
{
  auto it = sessions_.find (session_id);
  if (it != sessions_.end ())
    fn (*it->second);
}

void
SessionHost::end (const std::string &session_id, const std::string &reason, bool tell_signaller)
{
  auto it = sessions_.find (session_id);
  if (it == sessions_.end ())
    return;
  std::unique_ptr<WebrtcSession> session = std::move (it->second);
  sessions_.erase (it);
  GST_INFO_OBJECT (element_, "Ending session %s with %s: %s", session_id.c_str (),
      session->peer_id ().c_str (), reason.c_str ());
  if (callbacks_.ending)
    callbacks_.ending (*session, reason);
  session->stop ();
  {
    std::lock_guard<std::mutex> guard (stats_lock_);
    auto stats = stats_.find (session_id);
    if (stats != stats_.end ()) {
      gst_structure_free (stats->second);
      stats_.erase (stats);
    }
  }
  if (tell_signaller && signaller_)
    gst_sig_signaller_end_session (signaller_, session_id.c_str ());
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
    end (g.first, g.second, true);
}

void
SessionHost::changed ()
{
  count_ = sessions_.size ();
  if (callbacks_.count_changed)
    callbacks_.count_changed ();
}

} // namespace gstsig
