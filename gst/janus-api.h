/* gst-webrtcsignal: the messages of the Janus API (WebSocket transport,
 * subprotocol "janus-protocol") and of its VideoRoom plugin that our
 * janus+ws:// signaller and the recorder use: what we send, as JSON text,
 * and what Janus sends, read into plain structs. No I/O, no GObject;
 * janus-client.h carries them. Internal to the library.
 *
 * Everything read from Janus is bounded: the text by JsonLimits (depth,
 * size), lists by MAX_PUBLISHERS, strings by MAX_SDP_BYTES; a message that
 * does not fit is refused whole (parse fails with a reason), never cut.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace gstsig::janus {

inline constexpr const char *SUBPROTOCOL = "janus-protocol";
inline constexpr const char *VIDEOROOM = "janus.plugin.videoroom";
/* The longest message we read from Janus (a room's publisher list with
 * every stream, or an offer with many candidates, stays far below). */
inline constexpr size_t MAX_MESSAGE_BYTES = 4 * 1024 * 1024;
inline constexpr size_t MAX_PUBLISHERS = 4096;
inline constexpr size_t MAX_SDP_BYTES = 256 * 1024;

/* A room or participant ID: a number by default, a string when the
 * VideoRoom runs with string_ids. Kept as Janus wrote it. */
struct Id {
  std::string text;       /* the digits, or the string */
  bool is_string = false;
  bool empty () const { return text.empty (); }
  bool operator== (const Id &o) const { return text == o.text && is_string == o.is_string; }
  bool operator!= (const Id &o) const { return !(*this == o); }
};
/* From a URI parameter: all digits (1..19 of them) = a number, else a string. */
Id id_from_text (const std::string &text);

/* What the Janus core and the VideoRoom call error codes: the ones we name
 * in messages to users. */
enum ErrorCode {
  ERR_UNAUTHORIZED = 403,        /* core: token or API secret refused */
  ERR_UNAUTHORIZED_PLUGIN = 405, /* core: the token does not grant the plugin */
  ERR_SESSION_NOT_FOUND = 458,
  ERR_HANDLE_NOT_FOUND = 459,
  ERR_PLUGIN_NOT_FOUND = 460,
  ROOM_NO_SUCH_ROOM = 426,
  ROOM_ROOM_EXISTS = 427,
  ROOM_NO_SUCH_FEED = 428,
  ROOM_MISSING_ELEMENT = 429,    /* e.g. "(pin)": the room wants one */
  ROOM_PUBLISHERS_FULL = 432,
  ROOM_UNAUTHORIZED = 433,       /* wrong pin or secret */
  ROOM_ALREADY_PUBLISHED = 434,
  ROOM_INVALID_SDP = 437,
};

/* What a Janus error means for a user: which kind of failure, and a
 * sentence on what to fix ("" when we know nothing better than Janus'
 * own text). */
enum class ErrorKind { NotFound, NotAuthorized, Busy, Failed };
ErrorKind error_kind (int code, const std::string &janus_text = "");
std::string error_advice (int code, const std::string &janus_text = "");

/* A janus+ws:// or janus+wss:// URI, read:
 *   janus+ws://HOST:PORT/PATH?room=ID&display=NAME&feed=ID&create=1&pin=PIN
 *       &secret=SECRET&token=TOKEN
 * Only room is required. The query is ours: it is not sent to Janus. */
struct RoomAddress {
  std::string ws_uri;     /* ws://HOST:PORT/PATH (no query) */
  std::string shown_uri;  /* the URI for messages: pin, secret and token masked */
  Id room;
  std::string display;
  Id feed;                /* subscribe to this publisher ("" = by display or the first) */
  bool create = false;    /* create the room when it does not exist */
  std::string pin, secret, token;
};
/* false with *error (a sentence naming what to fix). */
bool parse_room_uri (const std::string &uri, RoomAddress *out, std::string *error);

/* ---- what we send ---- */

/* Fields every request carries. token: Janus' token auth ("" = none);
 * api_secret: its apisecret ("" = none). */
struct RequestBase {
  std::string transaction;
  std::string token;
  std::string api_secret;
};

std::string create_session (const RequestBase &base);
std::string attach (const RequestBase &base, guint64 session_id, const std::string &plugin);
std::string keepalive (const RequestBase &base, guint64 session_id);
std::string detach (const RequestBase &base, guint64 session_id, guint64 handle_id);
std::string destroy_session (const RequestBase &base, guint64 session_id);
/* A trickled candidate; candidate "" = end of candidates ("completed"). */
std::string trickle (const RequestBase &base, guint64 session_id, guint64 handle_id,
    const std::string &candidate, guint mline_index, const std::string &mid);

struct Jsep {
  std::string type; /* "offer" or "answer" */
  std::string sdp;
};

/* A "message" to a plugin handle: body is a JSON object's text (the
 * VideoRoom request below), jsep optional. */
std::string plugin_message (const RequestBase &base, guint64 session_id, guint64 handle_id,
    const std::string &body, const std::optional<Jsep> &jsep = std::nullopt);

/* VideoRoom request bodies (JSON object text). pin/secret "" = none. */
std::string room_exists (const Id &room);
struct RoomSettings {
  Id room;
  std::string description;
  std::string secret; /* needed to edit or destroy it later */
  std::string pin;    /* needed to join */
  unsigned publishers = 16;
  std::string video_codecs; /* "vp8,h264" ("" = Janus' default) */
  std::string audio_codecs;
};
std::string room_create (const RoomSettings &settings);
std::string join_publisher (const Id &room, const std::string &display, const std::string &pin);
std::string publish (const std::string &display);
std::string unpublish ();
std::string leave ();
std::string join_subscriber (const Id &room, const Id &feed, const std::string &pin,
    const Id &private_id);
std::string start_subscription ();
std::string list_participants (const Id &room);

/* ---- what Janus sends ---- */

struct Publisher {
  Id id;
  std::string display;
};

/* plugindata.data of a VideoRoom reply or event. */
struct RoomData {
  std::string videoroom;  /* "joined", "event", "attached", "created", "success",
                           * "participants", "destroyed", "updated", "talking", ... */
  Id room;
  Id id;                  /* joined: our participant ID */
  Id private_id;          /* joined: for subscriptions that belong to us */
  std::vector<Publisher> publishers; /* joined/event: publishers in the room (new ones in events) */
  std::vector<Publisher> participants; /* participants: those publishing */
  Id unpublished;         /* event: this feed stopped publishing */
  Id leaving;             /* event: this participant left (Id "ok" text: we did) */
  std::optional<bool> exists; /* success of "exists" */
  std::string configured; /* event: "ok" once a publish was accepted */
  std::string started;    /* event: "ok" once a subscription started */
  int error_code = 0;     /* event: a VideoRoom error */
  std::string error;
};

struct Message {
  std::string janus;       /* "success", "error", "ack", "event", "webrtcup", "media",
                            * "hangup", "detached", "slowlink", "timeout", "trickle", ... */
  std::string transaction; /* "" when Janus sent none */
  guint64 session_id = 0;
  guint64 sender = 0;      /* the handle an event is about */
  guint64 data_id = 0;     /* success of create/attach: the new session or handle */
  int error_code = 0;      /* janus "error": the core's error */
  std::string error_reason;
  std::string reason;      /* hangup: why */
  std::string plugin;      /* plugindata.plugin, "" = none */
  std::optional<RoomData> room; /* plugindata.data of the VideoRoom */
  std::optional<Jsep> jsep;
};

/* Reads one message from Janus; false with *error (a short reason for a
 * log or warning) when the text is not a Janus message we can read. */
bool parse_message (const std::string &text, Message *out, std::string *error);

} // namespace gstsig::janus
