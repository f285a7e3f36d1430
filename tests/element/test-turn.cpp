/* TURN through a real coturn (Debian's turnserver) that the test starts on
 * loopback: webrtcsend and webrtcrecv with ice-transport-policy=relay reach
 * each other only through it, over UDP and over TCP, with the TURN servers
 * given as on a launch line. The stats say so ("candidate-types": relay on
 * both ends) and the selected pair's ports are coturn's relay ports. Runs
 * inside a loopback-only network namespace (run-in-netns.sh).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "test-pipeline.h"
#include "tls-certificate.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <gst/gst.h>
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>

#include <atomic>
#include <string>
#include <vector>

using gstsig::test::Pipeline;

namespace {

unsigned
free_port ()
{
  GSocket *socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
      G_SOCKET_PROTOCOL_TCP, nullptr);
  GInetAddress *loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  GSocketAddress *address = g_inet_socket_address_new (loopback, 0);
  g_socket_bind (socket, address, FALSE, nullptr);
  GSocketAddress *bound = g_socket_get_local_address (socket, nullptr);
  unsigned port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  g_object_unref (bound);
  g_object_unref (address);
  g_object_unref (loopback);
  g_object_unref (socket);
  return port;
}

/* A self-signed certificate for 127.0.0.1 and its key, as PEM files in a
 * temporary folder, for a TURN server over TLS; removed with the object. */
class TlsFiles {
public:
  TlsFiles ()
  {
    gchar *dir = g_dir_make_tmp ("gstsig-turns-XXXXXX", nullptr);
    dir_ = dir ? dir : "";
    g_free (dir);
    GError *error = nullptr;
    GTlsCertificate *cert = gstsig::tls::make_self_signed ({ "localhost" }, { "127.0.0.1" },
        &error);
    EXPECT_NE (cert, nullptr) << (error ? error->message : "");
    g_clear_error (&error);
    gchar *key = nullptr;
    if (cert)
      g_object_get (cert, "private-key-pem", &key, nullptr);
    g_file_set_contents (cert_file ().c_str (), gstsig::tls::certificate_pem (cert).c_str (), -1,
        nullptr);
    g_file_set_contents (key_file ().c_str (), key ? key : "", -1, nullptr);
    g_free (key);
    g_clear_object (&cert);
  }
  ~TlsFiles ()
  {
    g_unlink (cert_file ().c_str ());
    g_unlink (key_file ().c_str ());
    g_rmdir (dir_.c_str ());
  }
  std::string cert_file () const { return dir_ + "/cert.pem"; }
  std::string key_file () const { return dir_ + "/key.pem"; }

private:
  std::string dir_;
};

/* coturn on 127.0.0.1, long-term credentials u:p, relaying on loopback
 * (which it refuses by default) from a port range of its own. With tls, it
 * takes TURN over TLS only (no plain UDP or TCP listener). */
class Coturn {
public:
  explicit Coturn (const TlsFiles *tls = nullptr)
  {
    port_ = free_port ();
    min_relay_ = 40000 + g_random_int_range (0, 200) * 100;
    std::string listening = "--listening-port=" + std::to_string (port_);
    std::string tls_listening = "--tls-listening-port=" + std::to_string (port_);
    std::string min_port = "--min-port=" + std::to_string (min_relay_);
    std::string max_port = "--max-port=" + std::to_string (max_relay ());
    std::string cert = tls ? "--cert=" + tls->cert_file () : "";
    std::string pkey = tls ? "--pkey=" + tls->key_file () : "";
    std::vector<const char *> argv = { "turnserver", "-n", "--no-cli",
      "--listening-ip=127.0.0.1", "--relay-ip=127.0.0.1", min_port.c_str (), max_port.c_str (),
      "--allow-loopback-peers", "--lt-cred-mech", "--user=u:p", "--realm=gstsig.test",
      "--no-dtls", "--log-file=stdout", "--simple-log" };
    if (tls) {
      for (const std::string *arg : { &tls_listening, &cert, &pkey })
        argv.push_back (arg->c_str ());
      argv.push_back ("--no-udp");
      argv.push_back ("--no-tcp");
    } else {
      argv.push_back (listening.c_str ());
      argv.push_back ("--no-tls");
    }
    argv.push_back (nullptr);
    GError *error = nullptr;
    started_ = g_spawn_async (nullptr, (gchar **) argv.data (), nullptr,
        (GSpawnFlags) (G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD |
            G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL),
        nullptr, nullptr, &pid_, &error);
    EXPECT_TRUE (started_) << "coturn is missing (apt-get install coturn): "
                           << (error ? error->message : "");
    g_clear_error (&error);
    /* Ready when its port takes connections. */
    for (int i = 0; started_ && i < 100 && !listening_now (); i++)
      g_usleep (50 * 1000);
  }

  ~Coturn ()
  {
    if (!started_)
      return;
    kill (pid_, SIGTERM);
    int status = 0;
    for (int i = 0; i < 40 && waitpid (pid_, &status, WNOHANG) == 0; i++)
      g_usleep (50 * 1000);
    kill (pid_, SIGKILL);
    waitpid (pid_, &status, WNOHANG);
    g_spawn_close_pid (pid_);
  }

  /* turn-servers=... for this server, as gst_parse_launch takes it (on a
   * shell's command line: turn-servers='<"turn://...">'). */
  std::string turn_servers (const char *transport) const
  {
    return "turn-servers=\"<\\\"turn://u:p@127.0.0.1:" + std::to_string (port_) +
        "?transport=" + transport + "\\\">\"";
  }
  /* The same for a TLS coturn: turns://. */
  std::string turns_servers () const
  {
    return "turn-servers=\"<\\\"turns://u:p@127.0.0.1:" + std::to_string (port_) +
        "\\\">\"";
  }
  unsigned min_relay () const { return min_relay_; }
  unsigned max_relay () const { return min_relay_ + 99; }

private:
  bool listening_now () const
  {
    GSocketClient *client = g_socket_client_new ();
    GSocketConnection *conn = g_socket_client_connect_to_host (client, "127.0.0.1", port_,
        nullptr, nullptr);
    bool ok = conn != nullptr;
    g_clear_object (&conn);
    g_object_unref (client);
    return ok;
  }

  GPid pid_ = 0;
  bool started_ = false;
  unsigned port_ = 0;
  unsigned min_relay_ = 0;
};

std::string
ws_url (const std::string &http_url)
{
  return "ws" + http_url.substr (4);
}

/* The receiver's latest stats of its one session, once media flowed. */
struct SessionFigures {
  guint64 packets = 0;
  std::string types, pair;
};

SessionFigures
wait_for_media (Pipeline &p)
{
  SessionFigures f;
  for (int i = 0; i < 60 && f.packets < 100; i++) {
    GstMessage *msg = p.wait (GST_MESSAGE_ELEMENT, GST_SECOND / 2);
    if (!msg)
      continue;
    const GstStructure *s = gst_message_get_structure (msg);
    if (gst_structure_has_name (s, "webrtcrecv-stats")) {
      gst_structure_get_uint64 (s, "packets-received", &f.packets);
      const char *types = gst_structure_get_string (s, "candidate-types");
      const char *pair = gst_structure_get_string (s, "candidate-pair");
      f.types = types ? types : "";
      f.pair = pair ? pair : "";
    }
    gst_message_unref (msg);
  }
  return f;
}

/* The ports of "127.0.0.1:A <-> 127.0.0.1:B". */
std::pair<unsigned, unsigned>
pair_ports (const std::string &pair)
{
  size_t arrow = pair.find (" <-> ");
  if (arrow == std::string::npos)
    return { 0, 0 };
  std::string local = pair.substr (0, arrow), remote = pair.substr (arrow + 5);
  return { (unsigned) atoi (local.substr (local.rfind (':') + 1).c_str ()),
    (unsigned) atoi (remote.substr (remote.rfind (':') + 1).c_str ()) };
}

} // namespace

/* Both ends relay-only, through coturn over UDP, then over TCP. */
TEST (Turn, RelayOnlyOnBothEndsGoesThroughCoturn)
{
  Coturn turn;
  for (const char *transport : { "udp", "tcp" }) {
    SCOPED_TRACE (transport);
    Pipeline producer ("videotestsrc is-live=true ! video/x-raw,width=320,height=240,"
        "framerate=30/1 ! webrtcsend name=s serve=127.0.0.1:0 video-codecs=vp8 "
        "ice-transport-policy=relay " + turn.turn_servers (transport));
    ASSERT_NE (gst_element_set_state (producer.pipeline, GST_STATE_PLAYING),
        GST_STATE_CHANGE_FAILURE);
    Pipeline p ("webrtcrecv name=r stats-interval=500 ice-transport-policy=relay " +
        turn.turn_servers (transport) + " uri=" +
        ws_url (producer.serve_url ()) + " r.video_0 ! fakesink async=false");
    ASSERT_NE (gst_element_set_state (p.pipeline, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
    SessionFigures f = wait_for_media (p);
    EXPECT_GE (f.packets, 100u) << "no media through the relay";
    EXPECT_EQ (f.types, "relay <-> relay");
    auto ports = pair_ports (f.pair);
    EXPECT_GE (ports.first, turn.min_relay ()) << f.pair;
    EXPECT_LE (ports.first, turn.max_relay ()) << f.pair;
    EXPECT_GE (ports.second, turn.min_relay ()) << f.pair;
    EXPECT_LE (ports.second, turn.max_relay ()) << f.pair;
    EXPECT_EQ (p.pop_error (), nullptr);
    EXPECT_EQ (producer.pop_error (), nullptr);
    gst_element_set_state (p.pipeline, GST_STATE_NULL);
    gst_element_set_state (producer.pipeline, GST_STATE_NULL);
  }
}

/* Without the policy, the same two connect directly (host candidates): the
 * relay test above is not passing by accident. */
TEST (Turn, WithoutThePolicyTheSessionIsDirect)
{
  Coturn turn;
  Pipeline producer ("videotestsrc is-live=true ! video/x-raw,width=320,height=240,"
      "framerate=30/1 ! webrtcsend name=s serve=127.0.0.1:0 video-codecs=vp8 "
      + turn.turn_servers ("udp"));
  ASSERT_NE (gst_element_set_state (producer.pipeline, GST_STATE_PLAYING),
      GST_STATE_CHANGE_FAILURE);
  Pipeline p ("webrtcrecv name=r stats-interval=500 uri=" + ws_url (producer.serve_url ()) +
      " r.video_0 ! fakesink async=false");
  ASSERT_NE (gst_element_set_state (p.pipeline, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  SessionFigures f = wait_for_media (p);
  EXPECT_GE (f.packets, 100u);
  EXPECT_EQ (f.types, "host <-> host");
}

/* Relay-only with no TURN server cannot connect (unless a WHIP server names
 * one): the element says so when it starts. */
TEST (Turn, RelayWithoutTurnServersIsAWarning)
{
  Pipeline p ("videotestsrc is-live=true ! webrtcsend name=s serve=127.0.0.1:0 "
              "ice-transport-policy=relay");
  ASSERT_NE (gst_element_set_state (p.pipeline, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  auto warnings = p.take_warnings_failing_on_errors ();
  ASSERT_EQ (warnings.size (), 1u);
  EXPECT_NE (warnings[0].find ("ice-transport-policy=relay without turn-servers"),
      std::string::npos) << warnings[0];
  gst_element_set_state (p.pipeline, GST_STATE_NULL);
}

/* TURN over TLS (turns://) to a coturn that takes TLS only: libnice alone
 * would speak plain TCP to it and get nowhere; through our TLS proxy both
 * ends relay, trusting the server's certificate from turn-ca-file. */
TEST (Turn, RelayOverTlsThroughTurns)
{
  TlsFiles files;
  Coturn turn (&files);
  std::string ca = " turn-ca-file=" + files.cert_file () + " ";
  Pipeline producer ("videotestsrc is-live=true ! video/x-raw,width=320,height=240,"
      "framerate=30/1 ! webrtcsend name=s serve=127.0.0.1:0 video-codecs=vp8 "
      "ice-transport-policy=relay" + ca + turn.turns_servers ());
  ASSERT_NE (gst_element_set_state (producer.pipeline, GST_STATE_PLAYING),
      GST_STATE_CHANGE_FAILURE);
  Pipeline p ("webrtcrecv name=r stats-interval=500 ice-transport-policy=relay" + ca +
      turn.turns_servers () + " uri=" + ws_url (producer.serve_url ()) +
      " r.video_0 ! fakesink async=false");
  ASSERT_NE (gst_element_set_state (p.pipeline, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  SessionFigures f = wait_for_media (p);
  EXPECT_GE (f.packets, 100u) << "no media through the TLS relay";
  EXPECT_EQ (f.types, "relay <-> relay");
  auto ports = pair_ports (f.pair);
  EXPECT_GE (ports.first, turn.min_relay ()) << f.pair;
  EXPECT_LE (ports.first, turn.max_relay ()) << f.pair;
  EXPECT_EQ (p.take_warnings_failing_on_errors (), std::vector<std::string> ());
  EXPECT_EQ (producer.take_warnings_failing_on_errors (), std::vector<std::string> ());
}

/* The same server without turn-ca-file: its self-signed certificate is
 * refused, and the element says so, naming the property. */
TEST (Turn, TurnsWithAnUntrustedCertificateIsAWarning)
{
  TlsFiles files;
  Coturn turn (&files);
  Pipeline producer ("videotestsrc is-live=true ! video/x-raw,width=320,height=240,"
      "framerate=30/1 ! webrtcsend name=s serve=127.0.0.1:0 video-codecs=vp8 "
      "ice-transport-policy=relay " + turn.turns_servers ());
  ASSERT_NE (gst_element_set_state (producer.pipeline, GST_STATE_PLAYING),
      GST_STATE_CHANGE_FAILURE);
  Pipeline p ("webrtcrecv name=r ice-transport-policy=relay turn-ca-file=" + files.cert_file () +
      " " + turn.turns_servers () + " uri=" + ws_url (producer.serve_url ()) +
      " r.video_0 ! fakesink async=false");
  ASSERT_NE (gst_element_set_state (p.pipeline, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  GstMessage *warning = producer.wait (GST_MESSAGE_WARNING, 20 * GST_SECOND);
  ASSERT_NE (warning, nullptr) << "no warning about the TURN server's certificate";
  GError *error = nullptr;
  gst_message_parse_warning (warning, &error, nullptr);
  EXPECT_NE (strstr (error->message, "unknown authority"), nullptr) << error->message;
  EXPECT_NE (strstr (error->message, "turn-ca-file"), nullptr) << error->message;
  g_error_free (error);
  gst_message_unref (warning);
}
