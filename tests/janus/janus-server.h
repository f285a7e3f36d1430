/* Test helper: a real Janus (Debian's janus 1.1) started by the test from a
 * configuration it writes into a temporary folder: the VideoRoom plugin and
 * the WebSocket transport only, on a free port of the address the test's
 * namespace gave it (GST_WEBRTCSIGNAL_JANUS_ADDRESS, see
 * run-with-janus-net.sh: Janus gathers no ICE candidates on loopback).
 * Stopped by PID when the object goes; restart() keeps port and rooms.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "tls-certificate.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <string>

namespace gstsig::test {

/* Sends sig to pid, waits up to 5 s for it to exit, then SIGKILL; reaps it. */
inline void
stop_process (GPid pid, int sig)
{
  kill (pid, sig);
  int status = 0;
  for (int i = 0; i < 100 && waitpid (pid, &status, WNOHANG) == 0; i++)
    g_usleep (50 * 1000);
  kill (pid, SIGKILL);
  waitpid (pid, &status, 0);
  g_spawn_close_pid (pid);
}

/* The environment for a program we did not build (gst-launch-1.0) that
 * loads our plugin: in a sanitizer build the plugin needs the sanitizer
 * runtime preloaded (tests/meson.build names it), and that program's own
 * leaks are not ours to report. Free with g_strfreev. */
inline gchar **
uninstrumented_environment ()
{
  gchar **env = g_get_environ ();
  const char *runtime = g_getenv ("GST_WEBRTCSIGNAL_SANITIZER_RUNTIME");
  if (runtime && *runtime) {
    env = g_environ_setenv (env, "LD_PRELOAD", runtime, TRUE);
    std::string asan = g_environ_getenv (env, "ASAN_OPTIONS") ? g_environ_getenv (env,
        "ASAN_OPTIONS") : "";
    env = g_environ_setenv (env, "ASAN_OPTIONS", (asan + ":detect_leaks=0").c_str (), TRUE);
  }
  return env;
}

class JanusServer {
public:
  /* rooms: VideoRoom room sections (jcfg), e.g.
   * "room-1234: { description = \"x\" publishers = 4 }". */
  struct Options {
    std::string api_secret; /* "" = none */
    bool wss = false;       /* secure WebSockets only, with a self-signed certificate */
  };

  explicit JanusServer (const std::string &rooms) : JanusServer (rooms, Options ()) {}
  JanusServer (const std::string &rooms, const Options &options)
  {
    const std::string &api_secret = options.api_secret;
    const char *address = g_getenv ("GST_WEBRTCSIGNAL_JANUS_ADDRESS");
    address_ = address ? address : "";
    EXPECT_FALSE (address_.empty ()) << "run me through tests/janus/run-with-janus-net.sh";
    gchar *dir = g_dir_make_tmp ("gstsig-janus-XXXXXX", nullptr);
    dir_ = dir ? dir : "";
    g_free (dir);
    port_ = free_port ();
    std::string lib = "/usr/lib/x86_64-linux-gnu/janus";
    write ("janus.jcfg",
        "general: {\n"
        "  configs_folder = \"" + dir_ + "\"\n"
        "  plugins_folder = \"" + lib + "/plugins\"\n"
        "  transports_folder = \"" + lib + "/transports\"\n"
        "  events_folder = \"" + lib + "/events\"\n"
        "  loggers_folder = \"" + lib + "/loggers\"\n"
        "  debug_level = 4\n" +
        (api_secret.empty () ? "" : "  api_secret = \"" + api_secret + "\"\n") +
        "}\n"
        "media: { rtp_port_range = \"" + std::to_string (port_ + 1) + "-" +
        std::to_string (port_ + 200) + "\" }\n"
        "nat: { ice_enforce_list = \"" + std::string (interface_name ()) + "\" }\n"
        "plugins: { disable = \"libjanus_audiobridge.so,libjanus_duktape.so,"
        "libjanus_echotest.so,libjanus_lua.so,libjanus_nosip.so,libjanus_recordplay.so,"
        "libjanus_sip.so,libjanus_streaming.so,libjanus_textroom.so,libjanus_videocall.so,"
        "libjanus_voicemail.so\" }\n"
        "transports: { disable = \"libjanus_http.so,libjanus_mqtt.so,libjanus_nanomsg.so,"
        "libjanus_pfunix.so,libjanus_rabbitmq.so\" }\n"
        "events: { broadcast = false }\n"
        "loggers: { disable = \"libjanus_jsonlog.so\" }\n");
    if (options.wss)
      write_certificate ();
    std::string port = std::to_string (port_);
    write ("janus.transport.websockets.jcfg", options.wss
        ? "general: { json = \"compact\" ws = false wss = true wss_port = " + port +
            " wss_ip = \"" + address_ + "\" }\n"
            "admin: { admin_ws = false admin_wss = false }\n"
            "certificates: { cert_pem = \"" + cert_file () + "\" cert_key = \"" + dir_ +
            "/key.pem\" }\n"
        : "general: { json = \"compact\" ws = true ws_port = " + port + " ws_ip = \"" +
            address_ + "\" wss = false }\n"
            "admin: { admin_ws = false admin_wss = false }\n");
    scheme_ = options.wss ? "janus+wss" : "janus+ws";
    write ("janus.plugin.videoroom.jcfg", "general: { }\n" + rooms + "\n");
    start ();
  }

  ~JanusServer ()
  {
    stop ();
    for (const char *name : { "janus.jcfg", "janus.transport.websockets.jcfg",
             "janus.plugin.videoroom.jcfg", "janus.log", "cert.pem", "key.pem" })
      g_unlink ((dir_ + "/" + name).c_str ());
    g_rmdir (dir_.c_str ());
  }
  JanusServer (const JanusServer &) = delete;
  JanusServer &operator= (const JanusServer &) = delete;

  void start ()
  {
    std::string log = dir_ + "/janus.log";
    std::string config = dir_ + "/janus.jcfg";
    const char *argv[] = { "janus", "-F", dir_.c_str (), "-C", config.c_str (), "-i",
      address_.c_str (), "-o", "-L", log.c_str (), "-N", nullptr };
    GError *error = nullptr;
    started_ = g_spawn_async (nullptr, (gchar **) argv, nullptr,
        (GSpawnFlags) (G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD |
            G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL),
        nullptr, nullptr, &pid_, &error);
    ASSERT_TRUE (started_) << "janus is missing (apt-get install janus): "
                           << (error ? error->message : "");
    g_clear_error (&error);
    for (int i = 0; i < 200 && !listening (); i++)
      g_usleep (50 * 1000);
    ASSERT_TRUE (listening ()) << "Janus did not open its WebSocket port; see its log";
  }

  void stop ()
  {
    if (!started_)
      return;
    started_ = false;
    stop_process (pid_, SIGTERM);
  }

  /* janus+ws://ADDRESS:PORT/?QUERY (janus+wss:// with Options::wss) */
  std::string uri (const std::string &query) const
  {
    return scheme_ + "://" + address_ + ":" + std::to_string (port_) + "/?" + query;
  }
  /* With Options::wss: the server's certificate (PEM), to trust. */
  std::string cert_file () const { return dir_ + "/cert.pem"; }

private:
  static const char *interface_name () { return "jd0"; }

  void write_certificate () const
  {
    GError *error = nullptr;
    GTlsCertificate *cert = gstsig::tls::make_self_signed ({}, { address_ }, &error);
    EXPECT_NE (cert, nullptr) << (error ? error->message : "");
    g_clear_error (&error);
    gchar *key = nullptr;
    if (cert)
      g_object_get (cert, "private-key-pem", &key, nullptr);
    write ("cert.pem", gstsig::tls::certificate_pem (cert));
    write ("key.pem", key ? key : "");
    g_free (key);
    g_clear_object (&cert);
  }

  void write (const char *name, const std::string &text) const
  {
    std::ofstream ((dir_ + "/" + name).c_str ()) << text;
  }

  unsigned free_port () const
  {
    GSocket *socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
        G_SOCKET_PROTOCOL_TCP, nullptr);
    GInetAddress *inet = g_inet_address_new_from_string (address_.c_str ());
    GSocketAddress *address = g_inet_socket_address_new (inet, 0);
    g_socket_bind (socket, address, FALSE, nullptr);
    GSocketAddress *bound = g_socket_get_local_address (socket, nullptr);
    unsigned port = bound ? g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)) : 0;
    g_clear_object (&bound);
    g_object_unref (address);
    g_object_unref (inet);
    g_object_unref (socket);
    /* The media ports follow the WebSocket port: keep them below 65535. */
    return port > 65000 ? port - 1000 : port;
  }

  bool listening () const
  {
    GSocketClient *client = g_socket_client_new ();
    GSocketConnection *conn = g_socket_client_connect_to_host (client, address_.c_str (), port_,
        nullptr, nullptr);
    bool ok = conn != nullptr;
    g_clear_object (&conn);
    g_object_unref (client);
    return ok;
  }

  std::string address_;
  std::string dir_;
  std::string scheme_ = "janus+ws";
  unsigned port_ = 0;
  GPid pid_ = 0;
  bool started_ = false;
};

} // namespace gstsig::test
