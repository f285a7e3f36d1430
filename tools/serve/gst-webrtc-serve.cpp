/* gst-webrtc-serve: a standalone WebSocket signalling server (compatible with
 * gst-plugins-rs' gst-webrtc-signalling-server) that also serves the web app.
 *
 * Prints one line to stdout once listening:
 *   gst-webrtc-serve: listening on http://HOST:PORT/
 * then logs to stderr. Exit codes: 0 after SIGINT/SIGTERM, 1 on bad options
 * or other start failures, 2 when the port is in use.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "gst-webrtc-serve"

#include "config.h"
#include "server.h"

#include <gio/gio.h>
#include <glib-unix.h>

#include <csignal>
#include <cstdio>
#include <string>

namespace {

constexpr int EXIT_BAD_OPTIONS = 1;
constexpr int EXIT_PORT_IN_USE = 2;

struct Options {
  gchar *host = nullptr;
  gint port = 8443;
  gchar *web_root = nullptr;
  gint max_peers = -1;
  gboolean quiet = FALSE;
  gboolean version = FALSE;

  ~Options ()
  {
    g_free (host);
    g_free (web_root);
  }
};

/* Parses argv into @opts; returns false (after printing why) on bad input. */
bool
parse_options (int *argc, char ***argv, Options *opts)
{
  GOptionEntry entries[] = {
    { "host", 0, 0, G_OPTION_ARG_STRING, &opts->host,
        "Address to listen on (default: 127.0.0.1)", "HOST" },
    { "port", 0, 0, G_OPTION_ARG_INT, &opts->port,
        "TCP port to listen on; 0 picks a free one (default: 8443)", "PORT" },
    { "web-root", 0, 0, G_OPTION_ARG_FILENAME, &opts->web_root,
        "Serve the web app from this folder (default: the built-in app)", "DIR" },
    { "max-peers", 0, 0, G_OPTION_ARG_INT, &opts->max_peers,
        "Maximum number of connected peers (default: 1000)", "N" },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &opts->quiet,
        "Do not log peers and sessions as they come and go", nullptr },
    { "version", 0, 0, G_OPTION_ARG_NONE, &opts->version, "Print the version and exit",
        nullptr },
    { nullptr, 0, 0, G_OPTION_ARG_NONE, nullptr, nullptr, nullptr },
  };

  g_autoptr (GOptionContext) ctx = g_option_context_new ("- WebRTC signalling server");
  g_option_context_set_summary (ctx,
      "Serves WebSocket signalling (the gst-webrtc-signalling-server protocol)\n"
      "and the web app over HTTP on the same port.");
  g_option_context_add_main_entries (ctx, entries, nullptr);
  g_autoptr (GError) error = nullptr;
  if (!g_option_context_parse (ctx, argc, argv, &error)) {
    g_printerr ("gst-webrtc-serve: %s\n", error->message);
    return false;
  }
  if (opts->port < 0 || opts->port > 65535) {
    g_printerr ("gst-webrtc-serve: --port must be between 0 and 65535\n");
    return false;
  }
  if (opts->max_peers == 0 || opts->max_peers < -1) {
    g_printerr ("gst-webrtc-serve: --max-peers must be at least 1\n");
    return false;
  }
  return true;
}

gstsig::ServerConfig
make_config (const Options &opts)
{
  gstsig::ServerConfig config;
  if (opts.host)
    config.host = opts.host;
  config.port = (unsigned) opts.port;
  if (opts.web_root)
    config.web_root = opts.web_root;
  if (opts.max_peers > 0)
    config.max_peers = (unsigned) opts.max_peers;
  return config;
}

gboolean
on_quit_signal (gpointer user_data)
{
  g_message ("shutting down");
  g_main_loop_quit (static_cast<GMainLoop *> (user_data));
  return G_SOURCE_CONTINUE;
}

/* Lets the close frames of stop () go out before the process exits. */
void
drain_context (guint ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) ms * 1000;
  while (g_get_monotonic_time () < deadline) {
    if (!g_main_context_iteration (nullptr, FALSE))
      g_usleep (10 * 1000);
  }
}

std::string
url_host (const std::string &host)
{
  return host.find (':') != std::string::npos ? "[" + host + "]" : host;
}

} // namespace

int
main (int argc, char **argv)
{
  /* stdout carries only the "listening" line; every log goes to stderr. */
  g_log_writer_default_set_use_stderr (TRUE);

  Options opts;
  if (!parse_options (&argc, &argv, &opts))
    return EXIT_BAD_OPTIONS;
  if (opts.version) {
    g_print ("gst-webrtc-serve %s\n", VERSION);
    return 0;
  }

  /* Peers and sessions are logged at info level: shown unless --quiet. */
  if (!opts.quiet && !g_getenv ("G_MESSAGES_DEBUG"))
    g_setenv ("G_MESSAGES_DEBUG", "gstwebrtcsignal", TRUE);

  /* A peer vanishing mid-write must not kill the server. */
  signal (SIGPIPE, SIG_IGN);

  gstsig::ServerConfig config = make_config (opts);
  gstsig::Server server (config);
  g_autoptr (GError) error = nullptr;
  if (!server.start (&error)) {
    g_printerr ("gst-webrtc-serve: %s\n", error->message);
    return g_error_matches (error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE) ? EXIT_PORT_IN_USE
                                                                          : EXIT_BAD_OPTIONS;
  }

  g_print ("gst-webrtc-serve: listening on http://%s:%u/\n", url_host (config.host).c_str (),
      server.port ());
  fflush (stdout);

  GMainLoop *loop = g_main_loop_new (nullptr, FALSE);
  guint sigint = g_unix_signal_add (SIGINT, on_quit_signal, loop);
  guint sigterm = g_unix_signal_add (SIGTERM, on_quit_signal, loop);
  g_main_loop_run (loop);

  g_source_remove (sigint);
  g_source_remove (sigterm);
  server.stop ();
  drain_context (100);
  g_main_loop_unref (loop);
  return 0;
}
