/* gst-webrtc-record: who publishes in a Janus VideoRoom (see
 * record-janus-listener.h).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "record-janus-listener.h"

#include <json-glib/json-glib.h>

#include <utility>

namespace gstsig::record {

namespace {

std::string
meta_of (const janus::Publisher &p)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "name");
  json_builder_add_string_value (b, p.display.c_str ());
  json_builder_end_object (b);
  g_autoptr (JsonNode) root = json_builder_get_root (b);
  g_autofree gchar *text = json_to_string (root, FALSE);
  return text;
}

/* "what" failed: Janus' words, its code and what to fix. */
std::string
refusal (const std::string &what, const janus::Message *msg, const std::string &transport)
{
  if (!msg)
    return what + ": " + transport;
  int code = msg->janus == "error" ? msg->error_code : msg->room ? msg->room->error_code : 0;
  std::string text = msg->janus == "error" ? msg->error_reason
                     : msg->room ? msg->room->error : "";
  if (!code)
    return "";
  std::string advice = janus::error_advice (code, text);
  return what + ": " + text + " (error " + std::to_string (code) + ")" +
      (advice.empty () ? "" : ". " + advice);
}

} // namespace

JanusListener::JanusListener (std::string room_uri, Access access, Callbacks callbacks)
    : uri_ (std::move (room_uri)), access_ (std::move (access)),
      callbacks_ (std::move (callbacks))
{
}

JanusListener::~JanusListener ()
{
  close ();
}

void
JanusListener::connect (unsigned timeout_s)
{
  std::string error;
  if (!janus::parse_room_uri (uri_, &address_, &error)) {
    fail (error);
    return;
  }
  if (!access_.token.empty ())
    address_.token = access_.token;
  tls_.set_insecure_warning ([this] (const std::string &message) {
    if (callbacks_.warning)
      callbacks_.warning (message);
  });
  GError *tls_error = nullptr;
  if (!tls_.configure (access_.ca_file, access_.insecure, { "--ca-file PEM", "--insecure" },
          &tls_error)) {
    std::string message = tls_error->message;
    g_error_free (tls_error);
    fail (message);
    return;
  }
  janus::Client::Callbacks callbacks;
  callbacks.ready = [this] () {
    client_->attach (janus::VIDEOROOM, [this] (guint64 handle, const std::string &error) {
      if (!handle) {
        fail ("Janus at " + address_.shown_uri + ": " + error);
        return;
      }
      handle_ = handle;
      join ();
    });
  };
  callbacks.failed = [this] (const janus::Client::Failure &failure, bool) {
    fail (failure.message);
  };
  callbacks.event = [this] (guint64 handle, const janus::Message &msg) {
    if (handle == handle_)
      on_event (msg);
  };
  callbacks.unreadable = [this] (const std::string &problem) {
    if (callbacks_.warning)
      callbacks_.warning ("Janus at " + address_.shown_uri + " sent a message that was ignored: " +
          problem);
  };
  client_ = std::make_unique<janus::Client> (address_.ws_uri, address_.shown_uri,
      janus::Client::Access { address_.token, "", tls_ }, std::move (callbacks));
  client_->connect (timeout_s);
}

void
JanusListener::close ()
{
  if (client_)
    client_->close ();
}

void
JanusListener::join ()
{
  client_->message (handle_,
      janus::join_publisher (address_.room, "gst-webrtc-record", address_.pin), std::nullopt,
      [this] (const janus::Message *msg, const std::string &transport) {
        std::string problem = refusal ("Janus at " + address_.shown_uri + " refused to let us "
            "join room " + address_.room.text, msg, transport);
        if (!problem.empty ()) {
          fail (problem);
          return;
        }
        if (!msg->room || msg->room->videoroom != "joined") {
          fail ("Janus at " + address_.shown_uri + " did not let us join room " +
              address_.room.text);
          return;
        }
        ready_ = true;
        std::vector<std::pair<std::string, std::string>> online;
        for (const auto &p : msg->room->publishers) {
          if (!wanted (p))
            continue;
          producers_[p.id.text] = meta_of (p);
          online.emplace_back (p.id.text, meta_of (p));
        }
        if (callbacks_.ready)
          callbacks_.ready (online);
      });
}

/* ?display=NAME in the --server URI: only that publisher. */
bool
JanusListener::wanted (const janus::Publisher &p) const
{
  return address_.display.empty () || p.display == address_.display;
}

void
JanusListener::add (const std::vector<janus::Publisher> &publishers)
{
  for (const auto &p : publishers) {
    if (!wanted (p) || producers_.count (p.id.text))
      continue;
    /* Janus announces publishers in many events: keep the list bounded. */
    if (producers_.size () >= janus::MAX_PUBLISHERS) {
      if (callbacks_.warning)
        callbacks_.warning ("Janus at " + address_.shown_uri + " announced more than " +
            std::to_string (janus::MAX_PUBLISHERS) + " publishers; ignoring the others");
      return;
    }
    producers_[p.id.text] = meta_of (p);
    if (callbacks_.producer_added)
      callbacks_.producer_added (p.id.text, meta_of (p));
  }
}

void
JanusListener::on_event (const janus::Message &msg)
{
  if (msg.janus != "event" || !msg.room || !ready_)
    return;
  const janus::RoomData &room = *msg.room;
  if (room.videoroom == "destroyed") {
    fail ("room " + address_.room.text + " of Janus at " + address_.shown_uri +
        " was destroyed");
    return;
  }
  for (const janus::Id &gone : { room.unpublished, room.leaving }) {
    if (gone.empty () || !producers_.erase (gone.text))
      continue;
    if (callbacks_.producer_removed)
      callbacks_.producer_removed (gone.text);
  }
  add (room.publishers);
}

void
JanusListener::fail (const std::string &message)
{
  if (failed_)
    return;
  failed_ = true;
  bool was_ready = ready_;
  ready_ = false;
  if (callbacks_.failed)
    callbacks_.failed (message, was_ready);
}

} // namespace gstsig::record
