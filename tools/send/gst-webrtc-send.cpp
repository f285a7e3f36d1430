/* gst-webrtc-send: sends a camera, the screen, a file or a test pattern to
 * browsers over WebRTC, through webrtcsend, for people who do not want to
 * write a pipeline.
 *
 * Without --to, webrtcsend's embedded server (serve=) runs on
 * 127.0.0.1:8443 and the viewer URL is printed. A status line (state,
 * viewers, bitrate, elapsed) on stderr, JSON events with --json. SIGINT/
 * SIGTERM end the streams (EOS) and stop. Exit codes: --help and
 * docs/gst-webrtc-send.md.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "gst-webrtc-send"

#include "cli-main.h"
#include "send-errors.h"
#include "send-options.h"
#include "send-source.h"
#include "send-status.h"
#include "signaller.h"
#include "tls-client.h"

#include <glib-unix.h>
#include <gst/gst.h>

#include <csignal>
#include <string>
#include <unistd.h>

using namespace gstsig::send;

namespace {

constexpr gint64 EOS_GRACE_US = 3 * G_USEC_PER_SEC;   /* EOS to stop, at most */
constexpr gint64 DRAIN_US = G_USEC_PER_SEC / 2;       /* after EOS, for the last packets */
constexpr gint64 PREROLL_US = 10 * G_USEC_PER_SEC;    /* --loop: the first seek waits */

class App {
public:
  explicit App (Options opts)
      : opts_ (std::move (opts)), reporter_ (opts_.json, opts_.quiet, opts_.status || isatty (2)),
        source_ (opts_)
  {
    loop_ = g_main_loop_new (nullptr, FALSE);
  }

  ~App ()
  {
    if (pipeline_) {
      gst_element_set_state (pipeline_, GST_STATE_NULL);
      gst_object_unref (pipeline_);
    }
    g_main_loop_unref (loop_);
  }

  int run ()
  {
    start_us_ = g_get_monotonic_time ();
    int code = setup ();
    if (code != EXIT_OK) {
      reporter_.error (code, error_);
      return code;
    }
    for (const auto &note : plan_.notes)
      reporter_.note (note);

    GstBus *bus = gst_pipeline_get_bus (GST_PIPELINE (pipeline_));
    guint bus_watch = gst_bus_add_watch (bus, on_bus, this);
    gst_object_unref (bus);
    guint sigint = g_unix_signal_add (SIGINT, on_quit_signal, this);
    guint sigterm = g_unix_signal_add (SIGTERM, on_quit_signal, this);
    guint ticker = g_timeout_add_seconds (1, on_tick, this);
    guint watcher = g_timeout_add (100, on_watch, this);

    looping_phase_ = opts_.loop ? LoopPhase::Preroll : LoopPhase::None;
    phase_since_us_ = g_get_monotonic_time ();
    GstStateChangeReturn ret = gst_element_set_state (pipeline_,
        opts_.loop ? GST_STATE_PAUSED : GST_STATE_PLAYING);
    if (ret == GST_STATE_CHANGE_FAILURE)
      note_failed_start (); /* the error message follows on the bus */
    g_main_loop_run (loop_);

    g_source_remove (sigint);
    g_source_remove (sigterm);
    g_source_remove (ticker);
    g_source_remove (watcher);
    gst_element_set_state (pipeline_, GST_STATE_NULL);
    g_source_remove (bus_watch);
    reporter_.clear_line ();
    if (exit_code_ == EXIT_OK) {
      Event e ("stopped");
      e.integer ("code", exit_code_).num ("elapsed", elapsed ());
      reporter_.emit (e);
    }
    return exit_code_;
  }

private:
  enum class LoopPhase { None, Preroll, Seeked, Playing };

  double elapsed () const { return (g_get_monotonic_time () - start_us_) / 1e6; }

  /* --token, --ca-file, --insecure on the signaller --to picked; false with
   * *error when it has no such property (manual:, whep-listen://, ...). */
  bool set_signaller_access (std::string *error)
  {
    GObject *signaller = nullptr;
    g_object_get (send_, "signaller", &signaller, nullptr);
    std::string missing;
    bool ok = gstsig::tls::set_signaller_access (signaller, opts_.token, opts_.ca_file,
        opts_.insecure, &missing);
    if (signaller)
      g_object_unref (signaller);
    if (!ok)
      *error = "--token, --ca-file and --insecure do not go with --to " + opts_.to +
          " (its signaller has no " + missing + "; use ws://, wss:// or whip+http(s)://)";
    return ok;
  }

  int setup ()
  {
    if (!opts_.codec.empty () && !known_codec (opts_.codec)) {
      error_ = "unsupported codec '" + opts_.codec + "': use --codec vp8, h264 or vp9";
      return EXIT_UNSUPPORTED_CODEC;
    }
    send_ = gst_element_factory_make ("webrtcsend", "send");
    if (!send_) {
      error_ = "the webrtcsend element is not installed. Install gst-webrtcsignal (meson "
          "install), or point GST_PLUGIN_PATH_1_0 at BUILD/plugins/webrtcsignal";
      return EXIT_OTHER_ERROR;
    }
    gst_object_ref_sink (send_);
    pipeline_ = gst_pipeline_new ("gst-webrtc-send");
    gst_bin_add (GST_BIN (pipeline_), send_);
    gst_object_unref (send_); /* the pipeline holds it */

    if (!opts_.to.empty ()) {
      /* The scheme picks the signaller: ask the registry the element uses. */
      GError *err = nullptr;
      GstSigSignaller *signaller = gst_sig_signaller_new_for_uri (opts_.to.c_str (), &err);
      if (!signaller) {
        error_ = std::string ("--to: ") + err->message;
        g_error_free (err);
        return EXIT_BAD_OPTIONS;
      }
      gst_object_unref (signaller);
    }

    int code = source_.prepare (&plan_, &error_);
    if (code != EXIT_OK)
      return code;

    if (!opts_.to.empty ()) {
      g_object_set (send_, "uri", opts_.to.c_str (), nullptr);
      if (!set_signaller_access (&error_))
        return EXIT_BAD_OPTIONS;
    } else {
      std::string host = opts_.host.find (':') != std::string::npos ? "[" + opts_.host + "]"
                                                                    : opts_.host;
      std::string serve = host + ":" + std::to_string (opts_.port);
      g_object_set (send_, "serve", serve.c_str (), "serve-self-signed", opts_.self_signed,
          nullptr);
      if (!opts_.cert.empty ())
        g_object_set (send_, "serve-cert", opts_.cert.c_str (), "serve-key", opts_.key.c_str (),
            nullptr);
      if (!opts_.token.empty ())
        g_object_set (send_, "serve-token", opts_.token.c_str (), nullptr);
    }
    if (!plan_.video_codecs.empty ())
      g_object_set (send_, "video-codecs", plan_.video_codecs.c_str (), nullptr);
    if (opts_.bitrate_kbps)
      g_object_set (send_, "video-bitrate", opts_.bitrate_kbps, nullptr);
    if (!opts_.stun.empty ())
      g_object_set (send_, "stun-server", opts_.stun.c_str (), nullptr);
    if (!opts_.turn.empty ()) {
      GValue servers = G_VALUE_INIT;
      gst_value_array_init (&servers, (guint) opts_.turn.size ());
      for (const auto &t : opts_.turn) {
        GValue item = G_VALUE_INIT;
        g_value_init (&item, G_TYPE_STRING);
        g_value_set_string (&item, t.c_str ());
        gst_value_array_append_and_take_value (&servers, &item);
      }
      g_object_set_property (G_OBJECT (send_), "turn-servers", &servers);
      g_value_unset (&servers);
    }
    GstStructure *meta = gst_structure_new ("meta", "name", G_TYPE_STRING, plan_.name.c_str (),
        "source", G_TYPE_STRING, plan_.kind.c_str (), nullptr);
    g_object_set (send_, "meta", meta, nullptr);
    gst_structure_free (meta);

    return source_.build (pipeline_, send_, &error_);
  }

  void quit (int code)
  {
    if (quitting_)
      return;
    quitting_ = true;
    exit_code_ = code;
    g_main_loop_quit (loop_);
  }

  void fail (int code, const std::string &message)
  {
    if (quitting_)
      return;
    reporter_.error (code, message);
    quit (code);
  }

  /* ---- the bus ---- */

  static gboolean on_bus (GstBus *, GstMessage *msg, gpointer data)
  {
    static_cast<App *> (data)->handle (msg);
    return G_SOURCE_CONTINUE;
  }

  void handle (GstMessage *msg)
  {
    switch (GST_MESSAGE_TYPE (msg)) {
      case GST_MESSAGE_ERROR: {
        Failure f = classify_error (msg, send_, opts_);
        fail (f.code, f.message);
        break;
      }
      case GST_MESSAGE_WARNING: {
        GError *err = nullptr;
        gst_message_parse_warning (msg, &err, nullptr);
        reporter_.note (std::string ("warning: ") + err->message);
        Event e ("warning");
        e.str ("message", err->message);
        reporter_.emit (e);
        g_error_free (err);
        break;
      }
      case GST_MESSAGE_INFO:
        if (GST_MESSAGE_SRC (msg) == GST_OBJECT (send_))
          announce_url ();
        break;
      case GST_MESSAGE_STATE_CHANGED:
        if (GST_MESSAGE_SRC (msg) == GST_OBJECT (pipeline_)) {
          GstState old_state, new_state;
          gst_message_parse_state_changed (msg, &old_state, &new_state, nullptr);
          if (new_state == GST_STATE_PLAYING && !started_)
            on_started ();
        }
        break;
      case GST_MESSAGE_ASYNC_DONE:
        on_async_done ();
        break;
      case GST_MESSAGE_SEGMENT_DONE:
        if (opts_.loop && !stopping_) {
          loops_++;
          Event e ("loop");
          e.integer ("count", loops_).num ("elapsed", elapsed ());
          reporter_.emit (e);
          if (!source_.seek_to_start (false))
            fail (EXIT_OTHER_ERROR, "cannot start " + opts_.file + " again: it does not seek. "
                "Remux it (e.g. into Matroska) or drop --loop");
        }
        break;
      case GST_MESSAGE_LATENCY:
        /* Elements (encoders, webrtcbin) change their latency once they
         * run: without this, sinks drop what they now see as late. */
        gst_bin_recalculate_latency (GST_BIN (pipeline_));
        break;
      case GST_MESSAGE_CLOCK_LOST:
        gst_element_set_state (pipeline_, GST_STATE_PAUSED);
        gst_element_set_state (pipeline_, GST_STATE_PLAYING);
        break;
      case GST_MESSAGE_EOS:
        /* webrtcsend posts it only while nobody watches. */
        ended_all_ = true;
        break;
      default:
        break;
    }
  }

  void announce_url ()
  {
    if (announced_ || !opts_.to.empty ())
      return;
    gchar *url = nullptr;
    g_object_get (send_, "serve-url", &url, nullptr);
    if (!url)
      return;
    announced_ = true;
    url_ = url;
    g_free (url);
    /* The user's own console: the URL to open, token included. */
    std::string open = url_;
    if (!opts_.token.empty ()) {
      g_autofree gchar *escaped = g_uri_escape_string (opts_.token.c_str (), nullptr, TRUE);
      open += std::string ("?token=") + escaped;
    }
    gchar *fingerprint = nullptr;
    g_object_get (send_, "serve-fingerprint", &fingerprint, nullptr);
    std::string certificate = fingerprint ? fingerprint : "";
    g_free (fingerprint);
    reporter_.note ("open " + open + " in a browser and click \"" + plan_.name + "\"");
    if (!certificate.empty ())
      reporter_.note ("the certificate's SHA-256 is " + certificate
          + ": compare it with what the browser shows before accepting it");
    Event e ("serving");
    e.str ("url", url_);
    if (!certificate.empty ())
      e.str ("fingerprint", certificate);
    reporter_.emit (e);
  }

  void on_async_done ()
  {
    if (looping_phase_ == LoopPhase::Preroll) {
      if (!source_.seek_to_start (true)) {
        fail (EXIT_OTHER_ERROR, "cannot loop " + opts_.file + ": it does not seek. Remux it "
            "(e.g. into Matroska) or drop --loop");
        return;
      }
      looping_phase_ = LoopPhase::Seeked;
      phase_since_us_ = g_get_monotonic_time ();
    } else if (looping_phase_ == LoopPhase::Seeked) {
      play ();
    }
  }

  void play ()
  {
    looping_phase_ = LoopPhase::Playing;
    if (gst_element_set_state (pipeline_, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE)
      note_failed_start ();
  }

  void on_started ()
  {
    started_ = true;
    announce_url ();
    Event e ("started");
    e.str ("source", plan_.kind).str ("name", plan_.name).str ("detail", plan_.detail)
        .str ("to", opts_.to.empty () ? url_ : opts_.to)
        .boolean ("passthrough", plan_.passthrough)
        .boolean ("audio-passthrough", plan_.audio_passthrough)
        .str ("video-format", plan_.video_format)
        .str ("video-codecs", plan_.video_codecs)
        .integer ("width", plan_.width).integer ("height", plan_.height)
        .num ("fps", plan_.fps_n ? (double) plan_.fps_n / plan_.fps_d : 0)
        .boolean ("audio", plan_.audio);
    if (plan_.duration_s > 0)
      e.num ("duration", plan_.duration_s);
    reporter_.emit (e);
    std::string what = plan_.kind == "file" ? plan_.detail : plan_.kind == "test" ? "a test pattern"
        : plan_.kind + " " + plan_.detail;
    reporter_.note ("sending " + what + (plan_.width ? " at " + std::to_string (plan_.width) +
        "x" + std::to_string (plan_.height) : "") +
        (plan_.passthrough ? " (" + plan_.video_format + ", not re-encoded)" : "") +
        (opts_.to.empty () ? "" : " to " + opts_.to));
  }

  /* ---- timers and signals ---- */

  static gboolean on_watch (gpointer data)
  {
    static_cast<App *> (data)->watch ();
    return G_SOURCE_CONTINUE;
  }

  void watch ()
  {
    gint64 now = g_get_monotonic_time ();
    /* Counted from the failure, not the start: a state change may take
     * seconds (a signaller's start waits for its server). */
    if (failed_start_ && !quitting_ && now - failed_start_us_ > 5 * G_USEC_PER_SEC)
      fail (EXIT_OTHER_ERROR, "the pipeline did not start (no error given); run with GST_DEBUG=3");
    if (looping_phase_ == LoopPhase::Preroll && now - phase_since_us_ > PREROLL_US)
      fail (EXIT_OTHER_ERROR, "the file did not start playing within 10 s");
    if (looping_phase_ == LoopPhase::Seeked && now - phase_since_us_ > 2 * G_USEC_PER_SEC)
      play (); /* no second preroll came; play anyway */

    bool ended = ended_all_ || (source_.streams () > 0 &&
                                source_.streams_ended () >= source_.streams ());
    if (ended && !ended_us_) {
      ended_us_ = now;
      if (!stopping_) {
        reporter_.note ("end of " + (plan_.kind == "file" ? opts_.file : "the source") +
            "; stopping");
        Event e ("eos");
        e.num ("elapsed", elapsed ());
        reporter_.emit (e);
      }
    }
    /* Until webrtcsend has sent what it was given (it paces to the clock). */
    if (ended_us_ && now - ended_us_ > DRAIN_US &&
        (!GST_CLOCK_TIME_IS_VALID (source_.sent_until ()) ||
            running_time () >= source_.sent_until () || now - ended_us_ > EOS_GRACE_US))
      quit (exit_code_);
    if (stopping_ && now - stop_us_ > EOS_GRACE_US)
      quit (exit_code_);
  }

  GstClockTime running_time () const
  {
    GstClock *clock = gst_element_get_clock (pipeline_);
    if (!clock)
      return GST_CLOCK_TIME_NONE;
    GstClockTime now = gst_clock_get_time (clock);
    gst_object_unref (clock);
    GstClockTime base = gst_element_get_base_time (pipeline_);
    return now > base ? now - base : 0;
  }

  static gboolean on_quit_signal (gpointer data)
  {
    auto self = static_cast<App *> (data);
    gint64 now = g_get_monotonic_time ();
    if (self->stopping_) {
      /* A second signal, not the echo of the first (timeout(1) signals the
       * process and its group): stop now. */
      if (now - self->stop_us_ > G_USEC_PER_SEC)
        self->quit (EXIT_OK);
      return G_SOURCE_CONTINUE;
    }
    self->stopping_ = true;
    self->stop_us_ = now;
    self->reporter_.note ("stopping");
    Event e ("stopping");
    e.num ("elapsed", self->elapsed ());
    self->reporter_.emit (e);
    if (!self->started_) {
      self->quit (EXIT_OK);
      return G_SOURCE_CONTINUE;
    }
    self->source_.send_eos ();
    return G_SOURCE_CONTINUE;
  }

  static gboolean on_tick (gpointer data)
  {
    static_cast<App *> (data)->tick ();
    return G_SOURCE_CONTINUE;
  }

  void tick ()
  {
    if (quitting_)
      return;
    Status status;
    guint viewers = 0;
    g_object_get (send_, "consumers", &viewers, nullptr);
    status.viewers = viewers;
    GstStructure *stats = nullptr;
    g_object_get (send_, "stats", &stats, nullptr);
    const GValue *sessions = stats ? gst_structure_get_value (stats, "sessions") : nullptr;
    for (guint i = 0; sessions && i < gst_value_array_get_size (sessions); i++) {
      const GstStructure *s = gst_value_get_structure (gst_value_array_get_value (sessions, i));
      double rate = 0;
      guint64 bytes = 0;
      if (gst_structure_get_double (s, "bitrate-out", &rate))
        status.bitrate += rate;
      if (gst_structure_get_uint64 (s, "bytes-sent", &bytes))
        status.bytes += bytes;
      guint estimate = 0;
      if (gst_structure_get_uint (s, "estimated-bitrate", &estimate))
        status.estimates.push_back (estimate);
      guint fec = 0;
      if (gst_structure_get_uint (s, "fec-percentage", &fec))
        status.fec.push_back (fec);
      if (!status.width) {
        gst_structure_get_int (s, "frame-width", &status.width);
        gst_structure_get_int (s, "frame-height", &status.height);
      }
    }
    if (stats)
      gst_structure_free (stats);
    if (viewers != last_viewers_) {
      reporter_.note (viewers > last_viewers_ ? "a viewer joined (" + std::to_string (viewers) +
          " watching)" : "a viewer left (" + std::to_string (viewers) + " watching)");
      Event e ("viewers");
      e.integer ("viewers", viewers);
      reporter_.emit (e);
      last_viewers_ = viewers;
    }
    status.state = stopping_ ? "stopping" : ended_us_ ? "ending" : !started_ ? "starting"
        : viewers ? "streaming" : "waiting";
    status.elapsed = elapsed ();
    reporter_.tick (status);
  }

  Options opts_;
  Reporter reporter_;
  Source source_;
  SourcePlan plan_;
  std::string error_;
  std::string url_;
  GMainLoop *loop_ = nullptr;
  GstElement *pipeline_ = nullptr; /* owned */
  GstElement *send_ = nullptr;     /* in the pipeline */
  LoopPhase looping_phase_ = LoopPhase::None;
  gint64 phase_since_us_ = 0;
  gint64 start_us_ = 0;
  gint64 stop_us_ = 0;
  gint64 ended_us_ = 0;
  guint last_viewers_ = 0;
  unsigned loops_ = 0;
  bool failed_start_ = false;
  gint64 failed_start_us_ = 0;

  void note_failed_start ()
  {
    failed_start_ = true;
    failed_start_us_ = g_get_monotonic_time ();
  }
  bool announced_ = false;
  bool started_ = false;
  bool ended_all_ = false;
  bool stopping_ = false;
  bool quitting_ = false;
  int exit_code_ = EXIT_OK;
};

} // namespace

int
main (int argc, char **argv)
{
  return gstsig::cli::run_main<App> ({ "gst-webrtc-send", "error: ", EXIT_OK, EXIT_BAD_OPTIONS },
      argc, argv, parse_options, [] {
        /* The embedded server's own "listening on" line: we print the URL. */
        g_log_set_handler ("gstwebrtcsignal",
            (GLogLevelFlags) (G_LOG_LEVEL_MESSAGE | G_LOG_LEVEL_INFO),
            [] (const gchar *, GLogLevelFlags, const gchar *, gpointer) {}, nullptr);
      });
}
