/* gst-webrtcsignal: the Janus signaller in a VideoRoom, on its worker
 * thread: the session and handle, joining (creating the room with
 * ?create=1), publishing (producer) or subscribing (consumer), Janus'
 * events, reconnecting when Janus goes away.
 *
 * Producer: join as a publisher, then one session: session-requested
 * without an offer; our offer goes in "publish", Janus' answer comes back.
 * When Janus hangs the publication up (or Janus restarts) a new session
 * follows, until end of stream.
 * Consumer: join as a publisher that never publishes (so that Janus tells
 * us who publishes and who leaves), pick the publisher (?feed=, else
 * ?display=, else the first, else the next to appear), subscribe on a
 * handle of its own: Janus offers, we answer in "start". The publisher
 * leaving ends the session (the element then ends its stream).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "janus-signaller-private.h"

#include "sdp-utils.h"
#include "signaller.h"

#include <utility>

#define GST_CAT_DEFAULT janus_signaller_debug

namespace janus = gstsig::janus;

namespace {

#define REPUBLISH_DELAY_MS 1000

GstSigSignaller *
as_signaller (GstSigJanusSignaller *self)
{
  return GST_SIG_SIGNALLER (self);
}

/* An error from Janus, for a user: what we were doing, Janus' words and
 * code, what to fix. */
GError *
janus_error (GstSigJanusSignaller *self, const std::string &what, int code,
    const std::string &text)
{
  GstResourceError kind = GST_RESOURCE_ERROR_FAILED;
  switch (janus::error_kind (code, text)) {
    case janus::ErrorKind::NotFound: kind = GST_RESOURCE_ERROR_NOT_FOUND; break;
    case janus::ErrorKind::NotAuthorized: kind = GST_RESOURCE_ERROR_NOT_AUTHORIZED; break;
    case janus::ErrorKind::Busy: kind = GST_RESOURCE_ERROR_BUSY; break;
    case janus::ErrorKind::Failed: break;
  }
  std::string advice = janus::error_advice (code, text);
  return g_error_new (GST_RESOURCE_ERROR, kind, "Janus at %s refused to %s: %s (error %d).%s%s",
      self->priv->address.shown_uri.c_str (), what.c_str (), text.c_str (), code,
      advice.empty () ? "" : " ", advice.c_str ());
}

/* Before start returned: start fails with it; after: the element's error. */
void
report (GstSigJanusSignaller *self, GError *error)
{
  if (!janus_start_finished (self)) {
    janus_finish_start (self, error);
    return;
  }
  GST_WARNING_OBJECT (self, "%s", error->message);
  gst_sig_signaller_emit_error (as_signaller (self), error);
  g_error_free (error);
}

void
warn (GstSigJanusSignaller *self, const std::string &what)
{
  auto priv = self->priv;
  GST_WARNING_OBJECT (self, "Janus at %s %s", priv->address.shown_uri.c_str (), what.c_str ());
  unsigned suppressed = 0;
  if (!priv->trouble_notice.due (&suppressed))
    return;
  GError *warning = g_error_new (GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_READ, "Janus at %s %s%s",
      priv->address.shown_uri.c_str (), what.c_str (), suppressed ?
      (" (and " + std::to_string (suppressed) + " more times in the last minute)").c_str () : "");
  gst_sig_signaller_emit_warning (as_signaller (self), warning);
  g_error_free (warning);
}

/* A reply that failed (no message) or carried a Janus or VideoRoom error:
 * the error, else nullptr. */
GError *
reply_error (GstSigJanusSignaller *self, const std::string &what, const janus::Message *msg,
    const std::string &transport_error)
{
  if (!msg)
    return g_error_new (GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_READ_WRITE,
        "Janus at %s: could not %s: %s", self->priv->address.shown_uri.c_str (), what.c_str (),
        transport_error.c_str ());
  if (msg->janus == "error")
    return janus_error (self, what, msg->error_code, msg->error_reason);
  if (msg->room && msg->room->error_code)
    return janus_error (self, what, msg->room->error_code, msg->room->error);
  return nullptr;
}

/* The client is not destroyed from inside its own callbacks: a timer holds
 * it and lets go when it has run, or when the worker's context goes (the
 * signaller stopping first). */
void
retire_client (GstSigJanusSignaller *self)
{
  auto priv = self->priv;
  if (!priv->client)
    return;
  std::shared_ptr<gstsig::janus::Client> retired (priv->client.release ());
  priv->worker.timeout (0, [retired] () { return false; });
}

/* The session with Janus ended from Janus' side (hangup, the publisher
 * left, the connection went): the element hears of it. */
void
end_from_remote (GstSigJanusSignaller *self, const std::string &why)
{
  auto priv = self->priv;
  if (priv->session_id.empty ())
    return;
  std::string id = std::exchange (priv->session_id, std::string ());
  GST_INFO_OBJECT (self, "Session %s ended by Janus: %s", id.c_str (), why.c_str ());
  if (priv->consumer && priv->subscriber_handle && priv->client)
    priv->client->detach (priv->subscriber_handle);
  priv->subscriber_handle = 0;
  gst_sig_signaller_emit_session_ended (as_signaller (self), id.c_str ());
}

void request_publication (GstSigJanusSignaller *self);

void
schedule_republish (GstSigJanusSignaller *self)
{
  auto priv = self->priv;
  if (priv->consumer || priv->ended_for_good || priv->republish_source)
    return;
  priv->republish_source = priv->worker.timeout (REPUBLISH_DELAY_MS, [self] () {
    self->priv->republish_source = 0;
    request_publication (self);
    return false;
  });
}

void
schedule_reconnect (GstSigJanusSignaller *self)
{
  auto priv = self->priv;
  guint delay = priv->backoff_ms;
  priv->backoff_ms = MIN (priv->backoff_ms * 2, JANUS_RECONNECT_MAX_MS);
  GST_INFO_OBJECT (self, "Connecting to Janus again in %u ms", delay);
  priv->reconnect_source = priv->worker.timeout (delay, [self] () {
    self->priv->reconnect_source = 0;
    janus_connect (self);
    return false;
  });
}

/* ---- producer ---- */

void
request_publication (GstSigJanusSignaller *self)
{
  auto priv = self->priv;
  if (priv->ended_for_good || !priv->session_id.empty () || priv->stage != JanusStage::Joined)
    return;
  priv->session_id = "janus-" + priv->participant_id.text + "-" +
      std::to_string (++priv->session_counter);
  std::string peer = "janus:" + priv->address.room.text;
  GST_INFO_OBJECT (self, "Publishing into room %s as %s (session %s)",
      priv->address.room.text.c_str (), priv->display.c_str (), priv->session_id.c_str ());
  gst_sig_signaller_emit_session_requested (as_signaller (self), priv->session_id.c_str (),
      peer.c_str (), nullptr);
}

void
publish (GstSigJanusSignaller *self, const std::string &session_id, const janus::Jsep &offer)
{
  auto priv = self->priv;
  priv->client->message (priv->room_handle, janus::publish (priv->display), offer,
      [self, session_id] (const janus::Message *msg, const std::string &transport_error) {
        auto priv = self->priv;
        if (session_id != priv->session_id)
          return;
        if (GError *error = reply_error (self, "publish into the room", msg, transport_error)) {
          if (!msg) {
            /* The connection went: its failure reconnects and publishes again. */
            g_error_free (error);
            return;
          }
          end_from_remote (self, "Janus refused the publication");
          report (self, error);
          return;
        }
        if (!msg->jsep || msg->jsep->type != "answer") {
          warn (self, "accepted our publication without an answer; publishing again");
          end_from_remote (self, "no answer");
          schedule_republish (self);
          return;
        }
        std::string problem;
        GstWebRTCSessionDescription *answer = gstsig::session_description_from_text (
            GST_WEBRTC_SDP_TYPE_ANSWER, msg->jsep->sdp, &problem);
        if (!answer) {
          end_from_remote (self, "unreadable answer");
          report (self, g_error_new (GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_READ,
              "Janus at %s answered our publication with an SDP we cannot read: %s",
              priv->address.shown_uri.c_str (), problem.c_str ()));
          return;
        }
        gst_sig_signaller_emit_session_description (as_signaller (self), session_id.c_str (),
            answer);
        gst_webrtc_session_description_free (answer);
      });
}

/* ---- consumer ---- */

void subscribe (GstSigJanusSignaller *self, const janus::Publisher &publisher);

/* Whether publisher is the one ?feed= or ?display= asks for (or any). */
bool
wanted (GstSigJanusSignaller *self, const janus::Publisher &publisher)
{
  auto &a = self->priv->address;
  if (!a.feed.empty ())
    return publisher.id.text == a.feed.text;
  if (!a.display.empty ())
    return publisher.display == a.display;
  return true;
}

void
consider_publishers (GstSigJanusSignaller *self, const std::vector<janus::Publisher> &publishers)
{
  auto priv = self->priv;
  if (!priv->consumer || !priv->session_id.empty () || !priv->feed.empty ()
      || priv->ended_for_good)
    return;
  for (const auto &p : publishers) {
    if (p.id == priv->participant_id || !wanted (self, p))
      continue;
    subscribe (self, p);
    return;
  }
  GST_INFO_OBJECT (self, "Waiting for a publisher in room %s", priv->address.room.text.c_str ());
}

void
subscribe (GstSigJanusSignaller *self, const janus::Publisher &publisher)
{
  auto priv = self->priv;
  priv->feed = publisher.id;
  GST_INFO_OBJECT (self, "Subscribing to publisher %s (%s) in room %s",
      publisher.id.text.c_str (), publisher.display.c_str (), priv->address.room.text.c_str ());
  priv->client->attach (janus::VIDEOROOM, [self, publisher] (guint64 handle,
      const std::string &error) {
    auto priv = self->priv;
    if (!handle) {
      priv->feed = janus::Id ();
      warn (self, "would not let us subscribe: " + error);
      return;
    }
    priv->subscriber_handle = handle;
    priv->client->message (handle, janus::join_subscriber (priv->address.room, publisher.id,
        priv->address.pin, priv->private_id), std::nullopt,
        [self, handle, publisher] (const janus::Message *msg, const std::string &transport) {
          auto priv = self->priv;
          if (handle != priv->subscriber_handle)
            return;
          GError *error = reply_error (self, "subscribe to publisher " + publisher.id.text, msg,
              transport);
          if (!error && (!msg->jsep || msg->jsep->type != "offer"))
            error = g_error_new (GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_FAILED,
                "Janus at %s let us subscribe to publisher %s without an offer",
                priv->address.shown_uri.c_str (), publisher.id.text.c_str ());
          if (error) {
            bool gone = msg && msg->room && msg->room->error_code == janus::ROOM_NO_SUCH_FEED;
            if (priv->client)
              priv->client->detach (handle);
            priv->subscriber_handle = 0;
            priv->feed = janus::Id ();
            if (!msg || gone) {
              /* It left meanwhile, or the connection went: wait for the next. */
              GST_INFO_OBJECT (self, "%s", error->message);
              g_error_free (error);
              return;
            }
            report (self, error);
            return;
          }
          std::string problem;
          GstWebRTCSessionDescription *offer = gstsig::session_description_from_text (
              GST_WEBRTC_SDP_TYPE_OFFER, msg->jsep->sdp, &problem);
          if (!offer) {
            report (self, g_error_new (GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_READ,
                "Janus at %s offered publisher %s with an SDP we cannot read: %s",
                priv->address.shown_uri.c_str (), publisher.id.text.c_str (), problem.c_str ()));
            return;
          }
          priv->session_id = "janus-sub-" + publisher.id.text + "-" +
              std::to_string (++priv->session_counter);
          std::string peer = "janus:" + publisher.id.text;
          gst_sig_signaller_emit_session_started (as_signaller (self), priv->session_id.c_str (),
              peer.c_str ());
          gst_sig_signaller_emit_session_description (as_signaller (self),
              priv->session_id.c_str (), offer);
          gst_webrtc_session_description_free (offer);
        });
  });
}

/* ---- joining ---- */

void
joined (GstSigJanusSignaller *self, const janus::RoomData &room)
{
  auto priv = self->priv;
  priv->participant_id = room.id;
  priv->private_id = room.private_id;
  priv->stage = JanusStage::Joined;
  priv->backoff_ms = JANUS_RECONNECT_MIN_MS;
  GST_INFO_OBJECT (self, "Joined room %s of Janus at %s as participant %s (%zu publishing)",
      priv->address.room.text.c_str (), priv->address.shown_uri.c_str (), room.id.text.c_str (),
      room.publishers.size ());
  janus_finish_start (self, nullptr);
  if (priv->consumer)
    consider_publishers (self, room.publishers);
  else
    request_publication (self);
}

void
join (GstSigJanusSignaller *self)
{
  auto priv = self->priv;
  priv->client->message (priv->room_handle,
      janus::join_publisher (priv->address.room, priv->display, priv->address.pin), std::nullopt,
      [self] (const janus::Message *msg, const std::string &transport) {
        auto priv = self->priv;
        std::string what = "let us join room " + priv->address.room.text;
        if (GError *error = reply_error (self, what, msg, transport)) {
          if (!msg)
            g_error_free (error); /* the connection went: its failure says so */
          else
            report (self, error);
          return;
        }
        if (!msg->room || msg->room->videoroom != "joined") {
          report (self, g_error_new (GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_FAILED,
              "Janus at %s answered our join with '%s' instead of 'joined'",
              priv->address.shown_uri.c_str (), msg->room ? msg->room->videoroom.c_str () : ""));
          return;
        }
        joined (self, *msg->room);
      });
}

void
create_room_then_join (GstSigJanusSignaller *self)
{
  auto priv = self->priv;
  janus::RoomSettings settings;
  settings.room = priv->address.room;
  settings.description = "gst-webrtcsignal";
  settings.secret = priv->address.secret;
  settings.pin = priv->address.pin;
  settings.video_codecs = priv->video_codecs;
  settings.audio_codecs = priv->audio_codecs;
  priv->client->message (priv->room_handle, janus::room_create (settings), std::nullopt,
      [self] (const janus::Message *msg, const std::string &transport) {
        auto priv = self->priv;
        GError *error = reply_error (self, "create room " + priv->address.room.text, msg,
            transport);
        /* Made by someone else meanwhile: join it. */
        if (error && msg && msg->room && msg->room->error_code == janus::ROOM_ROOM_EXISTS)
          g_clear_error (&error);
        if (error) {
          if (!msg)
            g_error_free (error);
          else
            report (self, error);
          return;
        }
        GST_INFO_OBJECT (self, "Created room %s", priv->address.room.text.c_str ());
        join (self);
      });
}

void
on_attached (GstSigJanusSignaller *self, guint64 handle, const std::string &error)
{
  auto priv = self->priv;
  if (!handle) {
    report (self, g_error_new (GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NOT_FOUND,
        "Janus at %s: %s", priv->address.shown_uri.c_str (), error.c_str ()));
    return;
  }
  priv->room_handle = handle;
  if (!priv->address.create) {
    join (self);
    return;
  }
  priv->client->message (handle, janus::room_exists (priv->address.room), std::nullopt,
      [self] (const janus::Message *msg, const std::string &transport) {
        auto priv = self->priv;
        if (GError *error = reply_error (self, "tell whether room " + priv->address.room.text +
                " exists", msg, transport)) {
          if (!msg)
            g_error_free (error);
          else
            report (self, error);
          return;
        }
        if (msg->room && msg->room->exists.value_or (false))
          join (self);
        else
          create_room_then_join (self);
      });
}

/* ---- events ---- */

void
on_room_event (GstSigJanusSignaller *self, guint64 handle, const janus::RoomData &room)
{
  auto priv = self->priv;
  if (room.error_code) {
    warn (self, "reported error " + std::to_string (room.error_code) + ": " + room.error);
    return;
  }
  if (room.videoroom == "destroyed") {
    end_from_remote (self, "the room was destroyed");
    priv->ended_for_good = true;
    report (self, g_error_new (GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NOT_FOUND,
        "Room %s of Janus at %s was destroyed", priv->address.room.text.c_str (),
        priv->address.shown_uri.c_str ()));
    return;
  }
  if (handle != priv->room_handle || !priv->consumer)
    return;
  bool ours_left = !priv->feed.empty ()
      && (room.unpublished == priv->feed || room.leaving == priv->feed);
  if (ours_left) {
    GST_INFO_OBJECT (self, "Publisher %s left room %s", priv->feed.text.c_str (),
        priv->address.room.text.c_str ());
    bool had_session = !priv->session_id.empty ();
    end_from_remote (self, "the publisher left");
    if (had_session) {
      priv->ended_for_good = true;
    } else {
      /* Left before its session began: wait for the next. */
      if (priv->subscriber_handle && priv->client)
        priv->client->detach (priv->subscriber_handle);
      priv->subscriber_handle = 0;
      priv->feed = janus::Id ();
    }
    return;
  }
  if (!room.publishers.empty ())
    consider_publishers (self, room.publishers);
}

void
on_event (GstSigJanusSignaller *self, guint64 handle, const janus::Message &msg)
{
  auto priv = self->priv;
  GST_DEBUG_OBJECT (self, "Janus %s on handle %" G_GUINT64_FORMAT, msg.janus.c_str (), handle);
  guint64 session_handle = priv->consumer ? priv->subscriber_handle : priv->room_handle;
  if (msg.janus == "webrtcup") {
    GST_INFO_OBJECT (self, "Janus: the peer connection of session %s is up",
        priv->session_id.c_str ());
  } else if (msg.janus == "hangup" || msg.janus == "detached") {
    if (handle != session_handle || priv->session_id.empty ())
      return;
    end_from_remote (self, "Janus hung up (" + (msg.reason.empty () ? msg.janus : msg.reason) +
        ")");
    if (priv->consumer)
      priv->ended_for_good = true;
    else
      schedule_republish (self);
  } else if (msg.janus == "slowlink") {
    GST_INFO_OBJECT (self, "Janus reports a slow link on handle %" G_GUINT64_FORMAT, handle);
  } else if (msg.janus == "event" && msg.room) {
    on_room_event (self, handle, *msg.room);
  }
}

void
on_client_failed (GstSigJanusSignaller *self, const janus::Client::Failure &failure,
    bool was_ready)
{
  auto priv = self->priv;
  retire_client (self);
  priv->room_handle = 0;
  priv->subscriber_handle = 0;
  if (priv->stage == JanusStage::Stopped)
    return;
  bool refused = failure.tls || failure.status == 401 || failure.status == 403
      || janus::error_kind (failure.janus_code, failure.message) == janus::ErrorKind::NotAuthorized;
  if (!janus_start_finished (self)) {
    GError *error;
    if (failure.janus_code)
      error = janus_error (self, "make a session", failure.janus_code, failure.message);
    else
      error = g_error_new (GST_RESOURCE_ERROR, refused ? GST_RESOURCE_ERROR_NOT_AUTHORIZED
          : GST_RESOURCE_ERROR_OPEN_READ_WRITE, "%s%s", failure.message.c_str (),
          refused || failure.status ? "" : ". Is Janus running there, with its WebSocket "
          "transport (janus.transport.websockets.jcfg) on?");
    janus_finish_start (self, error);
    return;
  }
  bool had_session = !priv->session_id.empty ();
  end_from_remote (self, "the connection to Janus went");
  if (priv->consumer && had_session)
    priv->ended_for_good = true;
  priv->stage = JanusStage::Connecting;
  priv->feed = janus::Id ();
  if (refused) {
    report (self, g_error_new (GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NOT_AUTHORIZED, "%s",
        failure.message.c_str ()));
    return;
  }
  warn (self, std::string (was_ready ? "went away" : "could not be reached again") + ": " +
      failure.message + "; connecting again");
  schedule_reconnect (self);
}

} // namespace

void
janus_connect (GstSigJanusSignaller *self)
{
  auto priv = self->priv;
  if (priv->stage == JanusStage::Stopped)
    return;
  priv->stage = JanusStage::Connecting;
  janus::Client::Callbacks callbacks;
  callbacks.ready = [self] () {
    self->priv->client->attach (janus::VIDEOROOM, [self] (guint64 handle, const std::string &e) {
      on_attached (self, handle, e);
    });
  };
  callbacks.failed = [self] (const janus::Client::Failure &failure, bool was_ready) {
    on_client_failed (self, failure, was_ready);
  };
  callbacks.event = [self] (guint64 handle, const janus::Message &msg) {
    on_event (self, handle, msg);
  };
  callbacks.unreadable = [self] (const std::string &problem) {
    warn (self, "sent a message that was ignored: " + problem);
  };
  janus::Client::Access access { priv->address.token, priv->api_secret, priv->tls };
  priv->client = std::make_unique<janus::Client> (priv->address.ws_uri, priv->address.shown_uri,
      access, std::move (callbacks));
  priv->client->connect (priv->connect_timeout_s);
}

void
janus_disconnect (GstSigJanusSignaller *self)
{
  auto priv = self->priv;
  priv->stage = JanusStage::Stopped;
  priv->worker.cancel (std::exchange (priv->reconnect_source, 0u));
  priv->worker.cancel (std::exchange (priv->republish_source, 0u));
  priv->session_id.clear ();
  /* Destroying the session leaves the room and hangs up every handle. */
  if (priv->client)
    priv->client->close ();
  priv->client.reset ();
}

void
janus_send_description (GstSigJanusSignaller *self, const std::string &session_id,
    const janus::Jsep &jsep)
{
  auto priv = self->priv;
  if (session_id != priv->session_id || !priv->client || !priv->client->ready ()) {
    GST_DEBUG_OBJECT (self, "Dropping our %s for session %s (no longer with Janus)",
        jsep.type.c_str (), session_id.c_str ());
    return;
  }
  if (!priv->consumer) {
    publish (self, session_id, jsep);
    return;
  }
  guint64 handle = priv->subscriber_handle;
  priv->client->message (handle, janus::start_subscription (), jsep,
      [self, session_id] (const janus::Message *msg, const std::string &transport) {
        if (session_id != self->priv->session_id)
          return;
        if (GError *error = reply_error (self, "start our subscription", msg, transport)) {
          if (!msg) {
            g_error_free (error);
            return;
          }
          end_from_remote (self, "Janus refused our answer");
          report (self, error);
        }
      });
}

void
janus_send_candidate (GstSigJanusSignaller *self, const std::string &session_id,
    const std::string &candidate, guint mline, const std::string &mid)
{
  auto priv = self->priv;
  if (session_id != priv->session_id || !priv->client)
    return;
  priv->client->trickle (priv->consumer ? priv->subscriber_handle : priv->room_handle, candidate,
      mline, mid);
}

void
janus_end_session (GstSigJanusSignaller *self, const std::string &session_id, bool for_good)
{
  auto priv = self->priv;
  if (session_id != priv->session_id)
    return;
  priv->session_id.clear ();
  if (for_good)
    priv->ended_for_good = true;
  if (priv->consumer) {
    if (priv->subscriber_handle && priv->client)
      priv->client->detach (priv->subscriber_handle);
    priv->subscriber_handle = 0;
    return;
  }
  if (priv->client && priv->client->ready ())
    priv->client->message (priv->room_handle, janus::unpublish (), std::nullopt,
        [] (const janus::Message *, const std::string &) {});
  schedule_republish (self);
}
