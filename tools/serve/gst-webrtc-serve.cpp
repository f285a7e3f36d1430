/* gst-webrtc-serve: a standalone WebSocket signalling server (compatible with
 * gst-plugins-rs' gst-webrtc-signalling-server) that also serves the web app.
 *
 * Prints to stdout once listening:
 *   gst-webrtc-serve: listening on http(s)://HOST:PORT/
 *   gst-webrtc-serve: certificate SHA-256 AB:CD:...   (with TLS only)
 * then logs to stderr. TLS, tokens and every limit: docs/security.md. Exit codes: 0 after SIGINT/SIGTERM, 1 on bad options
 * or other start failures, 2 when the port is in use.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "gst-webrtc-serve"

#include "config.h"
#include "server-access.h"
#include "server.h"

#include <gio/gio.h>
#include <glib-unix.h>

#include <csignal>
#include <cstdio>
#include <string>
#include <vector>

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
  gchar *cert = nullptr, *key = nullptr;
  gboolean self_signed = FALSE;
  gchar **tokens = nullptr, **producer_tokens = nullptr, **viewer_tokens = nullptr;
  gchar *token_file = nullptr;
  gchar **allowed_origins = nullptr;
  gboolean stats_addresses = FALSE;
  /* limits: -1 keeps the default */
  gint max_peers_per_address = -1, max_message_bytes = -1, max_queued_bytes = -1,
       max_messages_per_s = -1, max_sessions_per_peer = -1, max_sessions = -1,
       idle_timeout_s = -1, ping_interval_s = -1, io_threads = -1;

  ~Options ()
  {
    g_free (host);
    g_free (web_root);
    g_free (cert);
    g_free (key);
    g_strfreev (tokens);
    g_strfreev (producer_tokens);
    g_strfreev (viewer_tokens);
    g_free (token_file);
    g_strfreev (allowed_origins);
  }
};

std::vector<std::string>
strings (gchar **values)
{
  std::vector<std::string> list;
  for (gchar **v = values; v && *v; v++)
    list.emplace_back (*v);
  return list;
}

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
    { "cert", 0, 0, G_OPTION_ARG_FILENAME, &opts->cert,
        "Serve https/wss with this PEM certificate (chain); needs --key", "FILE" },
    { "key", 0, 0, G_OPTION_ARG_FILENAME, &opts->key, "The PEM private key of --cert", "FILE" },
    { "self-signed", 0, 0, G_OPTION_ARG_NONE, &opts->self_signed,
        "Serve https/wss with a certificate made now for this machine's names and addresses "
        "(prints its fingerprint)", nullptr },
    { "token", 0, 0, G_OPTION_ARG_STRING_ARRAY, &opts->tokens,
        "Peers need this token (Authorization: Bearer, or ?token=); may do anything, stats "
        "included. Repeatable", "TOKEN" },
    { "producer-token", 0, 0, G_OPTION_ARG_STRING_ARRAY, &opts->producer_tokens,
        "A token that may produce, consume and listen (no stats). Repeatable", "TOKEN" },
    { "viewer-token", 0, 0, G_OPTION_ARG_STRING_ARRAY, &opts->viewer_tokens,
        "A token that may only consume and listen. Repeatable", "TOKEN" },
    { "token-file", 0, 0, G_OPTION_ARG_FILENAME, &opts->token_file,
        "Tokens, one per line: TOKEN, \"producer TOKEN\" or \"viewer TOKEN\" (keeps them out of "
        "the process list)", "FILE" },
    { "allow-origin", 0, 0, G_OPTION_ARG_STRING_ARRAY, &opts->allowed_origins,
        "Pages of this origin (https://example.com) may use the WebSocket, besides the server's "
        "own and loopback pages; * allows any. Repeatable", "ORIGIN" },
    { "stats-addresses", 0, 0, G_OPTION_ARG_NONE, &opts->stats_addresses,
        "Give candidate addresses (viewers' IPs) to stats subscribers on other machines that ask "
        "for them (default: only to subscribers on this machine)", nullptr },
    { "max-peers", 0, 0, G_OPTION_ARG_INT, &opts->max_peers,
        "Maximum number of connected peers (default: 1000)", "N" },
    { "max-peers-per-address", 0, 0, G_OPTION_ARG_INT, &opts->max_peers_per_address,
        "Maximum connections from one IP address (default: 50)", "N" },
    { "max-message-bytes", 0, 0, G_OPTION_ARG_INT, &opts->max_message_bytes,
        "Largest message, all its fragments (default: 1048576)", "BYTES" },
    { "max-queued-bytes", 0, 0, G_OPTION_ARG_INT, &opts->max_queued_bytes,
        "A peer with more than this waiting to be sent is dropped (default: 4194304)", "BYTES" },
    { "max-messages-per-second", 0, 0, G_OPTION_ARG_INT, &opts->max_messages_per_s,
        "Per peer, on average; bursts of 5 seconds' worth (default: 200)", "N" },
    { "max-sessions-per-peer", 0, 0, G_OPTION_ARG_INT, &opts->max_sessions_per_peer,
        "Sessions one peer may have asked for at once (default: 16)", "N" },
    { "max-sessions", 0, 0, G_OPTION_ARG_INT, &opts->max_sessions,
        "Sessions on the whole server (default: 10000)", "N" },
    { "idle-timeout", 0, 0, G_OPTION_ARG_INT, &opts->idle_timeout_s,
        "Drop a peer nothing was read from for this long, pongs included (default: 75)", "SECONDS" },
    { "ping-interval", 0, 0, G_OPTION_ARG_INT, &opts->ping_interval_s,
        "Ping every peer this often (default: 30)", "SECONDS" },
    { "io-threads", 0, 0, G_OPTION_ARG_INT, &opts->io_threads,
        "At most this many threads run the WebSocket connections, one per 64 peers "
        "(default: 256)", "N" },
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
  struct { const char *name; gint value; } positive[] = {
    { "max-peers", opts->max_peers }, { "max-peers-per-address", opts->max_peers_per_address },
    { "max-message-bytes", opts->max_message_bytes },
    { "max-queued-bytes", opts->max_queued_bytes },
    { "max-messages-per-second", opts->max_messages_per_s },
    { "max-sessions-per-peer", opts->max_sessions_per_peer },
    { "max-sessions", opts->max_sessions }, { "idle-timeout", opts->idle_timeout_s },
    { "ping-interval", opts->ping_interval_s }, { "io-threads", opts->io_threads },
  };
  for (const auto &option : positive) {
    if (option.value == 0 || option.value < -1) {
      g_printerr ("gst-webrtc-serve: --%s must be at least 1\n", option.name);
      return false;
    }
  }
  if ((opts->cert == nullptr) != (opts->key == nullptr)) {
    g_printerr ("gst-webrtc-serve: --cert and --key go together\n");
    return false;
  }
  if (opts->cert && opts->self_signed) {
    g_printerr ("gst-webrtc-serve: --cert and --self-signed exclude each other\n");
    return false;
  }
  return true;
}

template <typename T>
void
set_if_given (T *field, gint value)
{
  if (value > 0)
    *field = (T) value;
}

/* The server's configuration; false (after printing why) when a file named
 * by an option cannot be used. */
bool
make_config (const Options &opts, gstsig::ServerConfig *config)
{
  if (opts.host)
    config->host = opts.host;
  config->port = (unsigned) opts.port;
  if (opts.web_root)
    config->web_root = opts.web_root;
  if (opts.cert) {
    config->cert_file = opts.cert;
    config->key_file = opts.key;
  }
  config->self_signed = opts.self_signed;
  config->tokens = strings (opts.tokens);
  config->producer_tokens = strings (opts.producer_tokens);
  config->viewer_tokens = strings (opts.viewer_tokens);
  if (opts.token_file) {
    gstsig::AccessConfig from_file;
    std::string error;
    if (!gstsig::read_token_file (opts.token_file, &from_file, &error)) {
      g_printerr ("gst-webrtc-serve: %s\n", error.c_str ());
      return false;
    }
    auto append = [] (std::vector<std::string> &to, const std::vector<std::string> &from) {
      to.insert (to.end (), from.begin (), from.end ());
    };
    append (config->tokens, from_file.tokens);
    append (config->producer_tokens, from_file.producer_tokens);
    append (config->viewer_tokens, from_file.viewer_tokens);
  }
  config->allowed_origins = strings (opts.allowed_origins);
  config->stats_addresses = opts.stats_addresses;
  set_if_given (&config->max_peers, opts.max_peers);
  set_if_given (&config->max_peers_per_address, opts.max_peers_per_address);
  set_if_given (&config->max_message_bytes, opts.max_message_bytes);
  set_if_given (&config->max_queued_bytes, opts.max_queued_bytes);
  if (opts.max_messages_per_s > 0) {
    config->max_messages_per_s = (unsigned) opts.max_messages_per_s;
    config->message_burst = 5 * config->max_messages_per_s;
  }
  set_if_given (&config->max_sessions_per_peer, opts.max_sessions_per_peer);
  set_if_given (&config->max_sessions, opts.max_sessions);
  set_if_given (&config->idle_timeout_s, opts.idle_timeout_s);
  set_if_given (&config->ping_interval_s, opts.ping_interval_s);
  set_if_given (&config->io_threads, opts.io_threads);
  return true;
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

  gstsig::ServerConfig config;
  if (!make_config (opts, &config))
    return EXIT_BAD_OPTIONS;
  gstsig::Server server (config);
  g_autoptr (GError) error = nullptr;
  if (!server.start (&error)) {
    g_printerr ("gst-webrtc-serve: %s\n", error->message);
    return g_error_matches (error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE) ? EXIT_PORT_IN_USE
                                                                          : EXIT_BAD_OPTIONS;
  }

  g_print ("gst-webrtc-serve: listening on %s://%s:%u/\n", server.uses_tls () ? "https" : "http",
      url_host (config.host).c_str (), server.port ());
  if (server.uses_tls ())
    g_print ("gst-webrtc-serve: certificate SHA-256 %s\n",
        server.certificate_fingerprint ().c_str ());
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
