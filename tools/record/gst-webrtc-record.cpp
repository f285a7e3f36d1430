/* gst-webrtc-record: records WebRTC producers of a signalling server
 * (gst-webrtc-serve, or gst-plugins-rs' gst-webrtc-signalling-server) to
 * Matroska, WebM or fragmented MP4 files, without re-encoding.
 *
 * One producer (--producer ID, or the first one there or to come), or
 * every producer (--all), one file each; or, with --whip-listen, every
 * publisher of a WHIP endpoint (record-whip.h). Files are finalized on
 * SIGINT/SIGTERM/SIGHUP, when a producer leaves and when its media stops. See
 * --help and docs/gst-webrtc-record.md for the exit codes.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "gst-webrtc-record"

#include "cli-console.h"
#include "cli-main.h"
#include "json-limits.h"
#include "record-listener.h"
#include "record-options.h"
#include "record-pipeline.h"
#include "record-status.h"
#include "record-whip.h"
#include "secure-random.h"

#include <gio/gio.h>
#include <glib-unix.h>
#include <glib/gstdio.h>
#include <gst/gst.h>
#include <json-glib/json-glib.h>

#include <csignal>
#include <cstdio>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <unistd.h>
#include <utility>
#include <vector>

using namespace gstsig::record;

namespace {

constexpr unsigned CONNECT_TIMEOUT_S = 10;
constexpr unsigned FINALIZE_TIMEOUT_MS = 5000;
constexpr unsigned RECONNECT_INTERVAL_S = 2;
constexpr unsigned RESUME_AFTER_S = 2;

/* Checks that dir exists and takes new files. */
bool
check_output_dir (const std::string &dir, std::string *error)
{
  if (!g_file_test (dir.c_str (), G_FILE_TEST_IS_DIR)) {
    *error = "the output folder '" + dir + "' does not exist";
    return false;
  }
  g_autofree gchar *probe = g_build_filename (dir.c_str (), ".gst-webrtc-record-XXXXXX", nullptr);
  int fd = g_mkstemp (probe);
  if (fd < 0) {
    *error = "cannot write to the output folder '" + dir + "': " + g_strerror (errno);
    return false;
  }
  close (fd);
  g_unlink (probe);
  return true;
}

/* A file-name-safe label: the meta "name" or the first 8 chars of the id. */
std::string
producer_label (const std::string &id, const std::string &meta_json)
{
  std::string name;
  JsonNode *node = gstsig::json_within_limits (meta_json)
      ? json_from_string (meta_json.c_str (), nullptr)
      : nullptr;
  if (node && JSON_NODE_HOLDS_OBJECT (node)) {
    JsonObject *obj = json_node_get_object (node);
    if (json_object_has_member (obj, "name")) {
      JsonNode *member = json_object_get_member (obj, "name");
      if (JSON_NODE_HOLDS_VALUE (member) && json_node_get_value_type (member) == G_TYPE_STRING)
        name = json_node_get_string (member);
    }
  }
  if (node)
    json_node_unref (node);
  std::string label;
  for (char c : name.substr (0, 64))
    label += g_ascii_isalnum (c) || c == '-' || c == '_' || c == '.' ? c : '_';
  if (label.empty () || label.find_first_not_of ("._") == std::string::npos)
    label = id.substr (0, 8);
  return label;
}

/* The meta of a WHIP publisher: {"name": ?name=, "remote": ADDR, "user-agent": ...}. */
std::string
whip_meta (const WhipPublisher &publisher)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  if (!publisher.name.empty ()) {
    json_builder_set_member_name (b, "name");
    json_builder_add_string_value (b, publisher.name.c_str ());
  }
  json_builder_set_member_name (b, "remote");
  json_builder_add_string_value (b, publisher.remote.c_str ());
  if (!publisher.user_agent.empty ()) {
    json_builder_set_member_name (b, "user-agent");
    json_builder_add_string_value (b, publisher.user_agent.c_str ());
  }
  return gstsig::cli::json_line (b);
}

/* ws://HOST:PORT/PATH?QUERY + producer=ID; a Janus room's publisher:
 * janus+ws://HOST:PORT/?room=ROOM... + feed=ID (a ?display= in the
 * --server URI, meant for the listener, is dropped: feed= decides). */
std::string
producer_uri (const std::string &server, const std::string &id)
{
  g_autofree gchar *escaped = g_uri_escape_string (id.c_str (), nullptr, FALSE);
  bool janus = g_str_has_prefix (server.c_str (), "janus+");
  std::string base = server;
  if (janus) {
    size_t display = base.find ("display=");
    while (display != std::string::npos) {
      if (display > 0 && (base[display - 1] == '?' || base[display - 1] == '&')) {
        size_t end = base.find ('&', display);
        base.erase (display, end == std::string::npos ? std::string::npos : end - display + 1);
        if (!base.empty () && (base.back () == '&'))
          base.pop_back ();
        display = base.find ("display=", display);
      } else {
        display = base.find ("display=", display + 1);
      }
    }
  }
  return base + (base.find ('?') == std::string::npos ? "?" : "&") +
      (janus ? "feed=" : "producer=") + escaped;
}

class App {
public:
  explicit App (Options opts)
      : opts_ (std::move (opts)),
        reporter_ (opts_.json, opts_.quiet, opts_.status || isatty (2))
  {
    loop_ = g_main_loop_new (nullptr, FALSE);
  }

  ~App ()
  {
    whip_.reset ();
    recordings_.clear ();
    listener_.reset ();
    g_main_loop_unref (loop_);
  }

  int run ()
  {
    std::string error;
    if (!check_output_dir (opts_.output_dir, &error)) {
      reporter_.error (EXIT_OUTPUT_NOT_WRITABLE, error);
      return EXIT_OUTPUT_NOT_WRITABLE;
    }
    if (opts_.whip && !start_whip (&error)) {
      reporter_.error (EXIT_SERVER_UNREACHABLE, error);
      return EXIT_SERVER_UNREACHABLE;
    }
    guint sigint = g_unix_signal_add (SIGINT, on_quit_signal, this);
    guint sigterm = g_unix_signal_add (SIGTERM, on_quit_signal, this);
    /* A closed terminal or a supervisor's hang-up: finalize too. */
    guint sighup = g_unix_signal_add (SIGHUP, on_quit_signal, this);
    guint ticker = g_timeout_add_seconds (1, on_tick, this);
    if (!opts_.whip)
      connect_listener ();
    g_main_loop_run (loop_);
    g_source_remove (sigint);
    g_source_remove (sigterm);
    g_source_remove (sighup);
    g_source_remove (ticker);
    if (reconnect_timer_)
      g_source_remove (reconnect_timer_);
    reporter_.clear_line ();
    return exit_code_;
  }

private:
  /* ---- the listener ---- */

  void connect_listener ()
  {
    Listener::Callbacks callbacks;
    callbacks.ready = [this] (const std::vector<std::pair<std::string, std::string>> &online) {
      on_listener_ready (online);
    };
    callbacks.producer_added = [this] (const std::string &id, const std::string &meta) {
      on_producer (id, meta);
    };
    callbacks.failed = [this] (const std::string &message, bool was_ready) {
      /* Not from inside the listener's own callback. */
      g_idle_add_full (G_PRIORITY_DEFAULT, [] (gpointer data) -> gboolean {
        static_cast<App *> (data)->listener_.reset ();
        return G_SOURCE_REMOVE;
      }, this, nullptr);
      on_listener_failed (message, was_ready);
    };
    callbacks.warning = [this] (const std::string &message) { reporter_.note (message); };
    listener_ = gstsig::record::make_listener (opts_.server,
        Listener::Access { opts_.token, opts_.ca_file, opts_.insecure }, std::move (callbacks));
    listener_->connect (CONNECT_TIMEOUT_S);
  }

  void on_listener_ready (const std::vector<std::pair<std::string, std::string>> &online)
  {
    listener_ready_ = true;
    if (stopping_)
      return;
    if (!opts_.producer.empty ()) {
      for (const auto &p : online) {
        if (p.first == opts_.producer) {
          start_recording (p.first, p.second);
          return;
        }
      }
      std::string known;
      for (const auto &p : online)
        known += (known.empty () ? "" : ", ") + p.first + " (" +
            producer_label (p.first, p.second) + ")";
      reporter_.error (EXIT_PRODUCER_NOT_FOUND, "no producer with id '" + opts_.producer +
          "' on " + opts_.server + (known.empty () ? " (no producer is online)"
                                                   : " (online: " + known + ")"));
      quit (EXIT_PRODUCER_NOT_FOUND);
      return;
    }
    if (online.empty ()) {
      if (!waiting_noted_)
        reporter_.note ("waiting for a producer on " + opts_.server);
      waiting_noted_ = true;
      return;
    }
    for (const auto &p : online) {
      on_producer (p.first, p.second);
      if (!opts_.all)
        break;
    }
  }

  void on_producer (const std::string &id, const std::string &meta)
  {
    if (stopping_)
      return;
    if (!opts_.all) {
      if (!opts_.producer.empty () || !recordings_.empty () || single_started_)
        return;
    }
    if (recordings_.count (id))
      return;
    start_recording (id, meta);
  }

  void on_listener_failed (const std::string &message, bool was_ready)
  {
    if (stopping_)
      return;
    if (!listener_ready_ && !was_ready && !ever_ready_) {
      reporter_.error (EXIT_SERVER_UNREACHABLE, message);
      quit (EXIT_SERVER_UNREACHABLE);
      return;
    }
    ever_ready_ = true;
    if (!opts_.all) {
      /* webrtcrecv has its own connection; in single mode the listener was
       * only needed to find the producer. */
      if (recordings_.empty () && !single_started_) {
        reporter_.error (EXIT_SERVER_UNREACHABLE, message);
        quit (EXIT_SERVER_UNREACHABLE);
      }
      return;
    }
    if (!reconnect_timer_) {
      reporter_.error (EXIT_SERVER_UNREACHABLE, message + "; recordings in progress go on, "
          "reconnecting every " + std::to_string (RECONNECT_INTERVAL_S) + " s");
      reconnect_timer_ = g_timeout_add_seconds (RECONNECT_INTERVAL_S, on_reconnect, this);
    }
  }

  static gboolean on_reconnect (gpointer data)
  {
    auto self = static_cast<App *> (data);
    if (self->stopping_) {
      self->reconnect_timer_ = 0;
      return G_SOURCE_REMOVE;
    }
    if (self->listener_ && self->listener_ready_) {
      self->reconnect_timer_ = 0;
      return G_SOURCE_REMOVE;
    }
    self->listener_ready_ = false;
    self->listener_.reset ();
    self->connect_listener ();
    return G_SOURCE_CONTINUE;
  }

  /* ---- the WHIP endpoint (--whip-listen) ---- */

  bool start_whip (std::string *error)
  {
    WhipFront::Callbacks callbacks;
    callbacks.create = [this] (const WhipPublisher &publisher, WhipUpstream *upstream,
                           WhipReply *refusal) {
      return on_whip_post (publisher, upstream, refusal);
    };
    callbacks.refused = [this] (const std::string &id, unsigned status,
                            const std::string &reason) {
      on_whip_refused (id, status, reason);
    };
    whip_ = std::make_unique<WhipFront> (opts_.whip_listen, opts_.auth_token,
        std::move (callbacks));
    gstsig::http::ServerOptions server;
    server.cert_file = opts_.whip_cert;
    server.key_file = opts_.whip_key;
    server.self_signed = opts_.whip_self_signed;
    whip_->set_server_options (server);
    whip_->set_max_publishers (opts_.max_recordings);
    if (!whip_->start (error)) {
      *error = "--whip-listen: " + *error;
      whip_.reset ();
      return false;
    }
    bool any = opts_.whip_listen.host == "0.0.0.0" || opts_.whip_listen.host == "::";
    reporter_.listening ("WHIP", whip_->url (), any, whip_->fingerprint ());
    reporter_.set_waiting_text ("waiting for a WHIP publisher on " + whip_->url ());
    return true;
  }

  /* A publisher POSTed an offer: its own pipeline, whose webrtcrecv is a
   * WHIP endpoint on a loopback port that only we know the token of. */
  bool on_whip_post (const WhipPublisher &publisher, WhipUpstream *upstream, WhipReply *refusal)
  {
    if (stopping_) {
      *refusal = WhipReply::error (503, "The recorder is stopping: it takes no new publisher.");
      return false;
    }
    /* The recording's own loopback endpoint takes only the front's
     * requests: a token nobody can guess. */
    upstream->token = gstsig::secure_random_uuid ();
    std::string error;
    Recording *recording = start_recording (publisher.id, whip_meta (publisher),
        "whip-listen://127.0.0.1:0/whip", upstream->token, &error);
    if (recording)
      upstream->url = recording->endpoint_url ();
    if (recording && upstream->url.empty ()) {
      error = "the webrtcrecv WHIP endpoint did not tell its URL";
      reporter_.error (EXIT_OTHER_ERROR, error, publisher.id, recording->config ().label);
      discard (publisher.id);
      recording = nullptr;
    }
    if (!recording) {
      *refusal = WhipReply::error (500, "The recorder could not start a recording for this "
          "publisher: " + error + ".");
      return false;
    }
    return true;
  }

  /* The endpoint refused the offer (the publisher got the status and why):
   * its recording goes without an event. */
  void on_whip_refused (const std::string &id, unsigned status, const std::string &reason)
  {
    auto it = recordings_.find (id);
    std::string label = it != recordings_.end () ? it->second->config ().label : id;
    reporter_.note ("refused publisher " + label + ": HTTP " + std::to_string (status) +
        (reason.empty () ? "" : " (" + reason + ")"));
    discard (id);
  }

  void discard (const std::string &id)
  {
    auto it = recordings_.find (id);
    if (it == recordings_.end ())
      return;
    discarded_.insert (id);
    it->second->stop (FINALIZE_TIMEOUT_MS);
  }

  /* ---- recordings ---- */

  std::string make_location (const std::string &label)
  {
    GDateTime *now = g_date_time_new_now_utc ();
    g_autofree gchar *stamp = g_date_time_format (now, "%Y%m%d-%H%M%S");
    g_date_time_unref (now);
    const FormatInfo &format = format_info (opts_.format);
    for (unsigned n = 1;; n++) {
      std::string base = std::string (stamp) + "-" + label +
          (n > 1 ? "-" + std::to_string (n) : "");
      std::string first = base + (opts_.segment_s ? "-00000." : ".") + format.extension;
      g_autofree gchar *path = g_build_filename (opts_.output_dir.c_str (), first.c_str (),
          nullptr);
      if (g_file_test (path, G_FILE_TEST_EXISTS) || locations_.count (path))
        continue;
      locations_.insert (path);
      if (!opts_.segment_s)
        return path;
      std::string pattern = base + "-%05d." + format.extension;
      g_autofree gchar *pattern_path = g_build_filename (opts_.output_dir.c_str (),
          pattern.c_str (), nullptr);
      return pattern_path;
    }
  }

  /* recv_uri: empty for the producer on the server. The recording, or
   * nullptr with *error (also reported). */
  Recording *start_recording (const std::string &id, const std::string &meta,
      const std::string &recv_uri = "", const std::string &recv_token = "",
      std::string *error_out = nullptr)
  {
    if (!opts_.all && !opts_.whip)
      single_started_ = true;
    RecordingConfig config;
    config.producer_id = id;
    config.meta_json = meta;
    config.label = producer_label (id, meta);
    config.recv_uri = recv_uri.empty () ? producer_uri (opts_.server, id) : recv_uri;
    if (recv_uri.empty ()) {
      config.recv_auth_token = opts_.token;
      config.recv_ca_file = opts_.ca_file;
      config.recv_insecure_tls = opts_.insecure;
    } else {
      config.recv_auth_token = recv_token;
    }
    config.location = make_location (config.label);
    config.format = &format_info (opts_.format);
    config.segment_s = opts_.segment_s;
    config.transcode = opts_.transcode;
    config.latency_ms = opts_.latency_ms;
    config.peer_timeout_s = opts_.peer_timeout_s;

    Recording::Callbacks callbacks;
    callbacks.started = [this] (Recording &r) { reporter_.started (r); };
    callbacks.finished = [this] (Recording &r, const RecordingResult &result) {
      on_recording_finished (r, result);
    };
    auto recording = std::make_unique<Recording> (config, std::move (callbacks));
    reporter_.note ((opts_.whip ? "publisher " : "connecting to ") + config.label + " (" + id +
        ")");
    std::string error;
    int code = recording->start (&error);
    if (code != EXIT_OK) {
      reporter_.error (code, error, id, config.label);
      if (error_out)
        *error_out = error;
      if (!opts_.all && !opts_.whip)
        quit (code);
      return nullptr;
    }
    Recording *result = recording.get ();
    recordings_[id] = std::move (recording);
    return result;
  }

  void on_recording_finished (Recording &recording, const RecordingResult &result)
  {
    std::string id = recording.config ().producer_id;
    if (!discarded_.erase (id))
      reporter_.finished (recording, result);
    if (whip_)
      whip_->forget (id);
    /* Single mode: one recording, then exit with its result. With several,
     * a disk-full or write error is the exit code (the others went on). */
    if (!opts_.all && !opts_.whip)
      exit_code_ = result.code;
    else if (result.code == EXIT_WRITE_ERROR)
      exit_code_ = EXIT_WRITE_ERROR;
    /* Destroyed from an idle, not inside its own bus callback. */
    auto it = recordings_.find (id);
    if (it != recordings_.end ()) {
      finished_.push_back (std::move (it->second));
      recordings_.erase (it);
      g_idle_add_full (G_PRIORITY_DEFAULT, [] (gpointer data) -> gboolean {
        static_cast<App *> (data)->finished_.clear ();
        return G_SOURCE_REMOVE;
      }, this, nullptr);
    }
    if (!opts_.all || stopping_) {
      if (!opts_.whip || stopping_)
        maybe_quit ();
      return;
    }
    /* --all: a producer still online whose media stopped (a network cut,
     * ICE failure) is recorded again, into a new file. One that left is
     * off the list by then. */
    if (result.code == EXIT_OK)
      g_timeout_add_seconds_full (G_PRIORITY_DEFAULT, RESUME_AFTER_S, [] (gpointer data) -> gboolean {
        auto resume = static_cast<std::pair<App *, std::string> *> (data);
        App *self = resume->first;
        if (self->listener_ && self->listener_ready_ && !self->stopping_) {
          auto it = self->listener_->producers ().find (resume->second);
          if (it != self->listener_->producers ().end ())
            self->on_producer (it->first, it->second);
        }
        return G_SOURCE_REMOVE;
      }, new std::pair<App *, std::string> (this, id), [] (gpointer data) {
        delete static_cast<std::pair<App *, std::string> *> (data);
      });
  }

  void maybe_quit ()
  {
    for (auto &r : recordings_)
      if (!r.second->finished ())
        return;
    g_main_loop_quit (loop_);
  }

  void quit (int code)
  {
    exit_code_ = code;
    stopping_ = true;
    stop_all ();
    maybe_quit ();
  }

  /* A recording without streams finishes inside stop (), and its finished
   * callback takes it out of recordings_: walk a copy, not the map. */
  void stop_all ()
  {
    std::vector<Recording *> list;
    for (auto &r : recordings_)
      list.push_back (r.second.get ());
    for (Recording *r : list)
      r->stop (FINALIZE_TIMEOUT_MS); /* still alive: finished ones wait in finished_ */
  }

  /* ---- signals and ticks ---- */

  static gboolean on_quit_signal (gpointer data)
  {
    auto self = static_cast<App *> (data);
    if (self->stopping_) {
      /* A second signal, not the echo of the first (timeout(1) and some
       * supervisors signal both the process and its group): stop now; the
       * files stay playable up to their last cluster or fragment. */
      if (g_get_monotonic_time () - self->stop_time_us_ > G_USEC_PER_SEC)
        g_main_loop_quit (self->loop_);
      return G_SOURCE_CONTINUE;
    }
    self->stop_time_us_ = g_get_monotonic_time ();
    self->reporter_.note (self->recordings_.empty () ? "stopping"
                                                     : "stopping: finalizing the files");
    self->stopping_ = true;
    if (self->whip_)
      self->whip_->refuse_new (true);
    if (self->reconnect_timer_)
      g_source_remove (std::exchange (self->reconnect_timer_, 0u));
    self->stop_all ();
    self->maybe_quit ();
    return G_SOURCE_CONTINUE;
  }

  static gboolean on_tick (gpointer data)
  {
    auto self = static_cast<App *> (data);
    std::vector<const Recording *> list;
    for (auto &r : self->recordings_)
      list.push_back (r.second.get ());
    self->reporter_.tick (list, self->recordings_.empty () && !self->stopping_);
    return G_SOURCE_CONTINUE;
  }

  Options opts_;
  Reporter reporter_;
  GMainLoop *loop_ = nullptr;
  std::unique_ptr<Listener> listener_;
  std::unique_ptr<WhipFront> whip_;                              /* --whip-listen */
  std::set<std::string> discarded_; /* recordings ended without an event */
  std::map<std::string, std::unique_ptr<Recording>> recordings_; /* by producer id */
  std::vector<std::unique_ptr<Recording>> finished_;             /* to destroy */
  std::set<std::string> locations_;
  guint reconnect_timer_ = 0;
  bool listener_ready_ = false;
  bool ever_ready_ = false;
  bool waiting_noted_ = false;
  bool single_started_ = false;
  bool stopping_ = false;
  gint64 stop_time_us_ = 0;
  int exit_code_ = EXIT_OK;
};

} // namespace

int
main (int argc, char **argv)
{
  /* SIGPIPE is ignored: a file write must fail with EPIPE/ENOSPC, not kill us. */
  return gstsig::cli::run_main<App> ({ "gst-webrtc-record", "", EXIT_OK, EXIT_BAD_OPTIONS }, argc,
      argv, parse_options);
}
