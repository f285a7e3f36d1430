/* gst-webrtc-record's and gst-webrtc-send's connections to a wss://
 * signalling server with a self-signed certificate (tls-test-server.h):
 * refused with their "server unreachable" exit code and a message naming the
 * problem, --ca-file and --insecure; --ca-file (or --insecure) connects, and
 * --token goes as a bearer header; a server that wants a token and gets none
 * is the same exit code, naming --token.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "tls-test-server.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <gtest/gtest.h>

#include <csignal>
#include <string>
#include <vector>

using namespace gstsig::test;

namespace {

constexpr int EXIT_SERVER_UNREACHABLE = 3;      /* tools/record/record-options.h */
constexpr int SEND_EXIT_SERVER_UNREACHABLE = 8; /* tools/send/send-options.h */

bool
contains (const std::string &text, const std::string &needle)
{
  return text.find (needle) != std::string::npos;
}

/* A tool from the build tree (gst-webrtc-record writes into a temporary
 * folder), its stderr in a file. */
class Tool {
public:
  Tool (const char *name, std::vector<std::string> args)
  {
    dir_ = g_dir_make_tmp ("tls-tool-XXXXXX", nullptr);
    stderr_file_ = std::string (dir_) + "/stderr.txt";
    const char *root = g_getenv ("GST_WEBRTCSIGNAL_BUILD_ROOT");
    std::string bin = std::string (root ? root : "build") + "/tools/" + name;
    std::vector<const char *> argv { bin.c_str () };
    if (g_str_equal (name, "gst-webrtc-record")) {
      argv.push_back ("--output");
      argv.push_back (dir_);
    }
    for (const auto &a : args)
      argv.push_back (a.c_str ());
    argv.push_back (nullptr);
    GSubprocessLauncher *launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
    g_subprocess_launcher_set_stderr_file_path (launcher, stderr_file_.c_str ());
    GError *error = nullptr;
    proc_ = g_subprocess_launcher_spawnv (launcher, argv.data (), &error);
    EXPECT_NE (proc_, nullptr) << (error ? error->message : "");
    g_clear_error (&error);
    g_object_unref (launcher);
  }
  ~Tool ()
  {
    if (proc_ && g_subprocess_get_identifier (proc_)) {
      g_subprocess_force_exit (proc_);
      wait_exit (5);
    }
    g_clear_object (&proc_);
    g_unlink (stderr_file_.c_str ());
    g_rmdir (dir_);
    g_free (dir_);
  }
  /* The exit status, or -1 when it still runs after timeout_s. */
  int wait_exit (int timeout_s)
  {
    for (int i = 0; proc_ && i < timeout_s * 20; i++) {
      /* GSubprocess reaps on GLib's worker thread: no main loop needed. */
      if (!g_subprocess_get_identifier (proc_))
        return g_subprocess_get_if_exited (proc_) ? g_subprocess_get_exit_status (proc_) : 128;
      g_usleep (50 * 1000);
    }
    return -1;
  }
  void interrupt () { g_subprocess_send_signal (proc_, SIGINT); }
  std::string err () const
  {
    gchar *text = nullptr;
    g_file_get_contents (stderr_file_.c_str (), &text, nullptr, nullptr);
    std::string out = text ? text : "";
    g_free (text);
    return out;
  }

private:
  gchar *dir_;
  std::string stderr_file_;
  GSubprocess *proc_ = nullptr;
};

} // namespace

TEST (TlsRecord, UntrustedCertificateIsExitCode3NamingTheOptions)
{
  TestCertificate cert;
  TlsWsServer server (cert.cert);
  ASSERT_TRUE (server.start ());
  Tool rec ("gst-webrtc-record", { "--server", server.wss_url () });
  EXPECT_EQ (rec.wait_exit (20), EXIT_SERVER_UNREACHABLE) << rec.err ();
  std::string err = rec.err ();
  EXPECT_TRUE (contains (err, "unknown authority")) << err;
  EXPECT_TRUE (contains (err, "--ca-file")) << err;
  EXPECT_TRUE (contains (err, "--insecure")) << err;
  EXPECT_FALSE (contains (err, "signaller::")) << "the tool's options, not the element's: " << err;
}

TEST (TlsRecord, ConnectsWithCaFileAndToken)
{
  TestCertificate cert;
  TlsWsServer server (cert.cert);
  server.required_token = "t0ken";
  ASSERT_TRUE (server.start ());
  Tool rec ("gst-webrtc-record",
      { "--server", server.wss_url (), "--ca-file", cert.ca_file, "--token", "t0ken" });
  EXPECT_TRUE (server.wait_received ("listener")) << rec.err ();
  auto auths = server.authorizations ();
  ASSERT_FALSE (auths.empty ());
  EXPECT_EQ (auths.back (), "Bearer t0ken");
  rec.interrupt ();
  EXPECT_EQ (rec.wait_exit (10), 0) << rec.err ();
}

TEST (TlsRecord, ConnectsWithInsecure)
{
  TestCertificate cert;
  TlsWsServer server (cert.cert);
  ASSERT_TRUE (server.start ());
  Tool rec ("gst-webrtc-record", { "--server", server.wss_url (), "--insecure" });
  EXPECT_TRUE (server.wait_received ("listener")) << rec.err ();
  rec.interrupt ();
  EXPECT_EQ (rec.wait_exit (10), 0) << rec.err ();
  EXPECT_TRUE (contains (rec.err (), "Insecure TLS")) << rec.err ();
}

TEST (TlsRecord, ServerWantingATokenIsExitCode3NamingToken)
{
  TestCertificate cert;
  TlsWsServer server (cert.cert);
  server.required_token = "t0ken";
  ASSERT_TRUE (server.start ());
  Tool rec ("gst-webrtc-record", { "--server", server.wss_url (), "--ca-file", cert.ca_file });
  EXPECT_EQ (rec.wait_exit (20), EXIT_SERVER_UNREACHABLE) << rec.err ();
  EXPECT_TRUE (contains (rec.err (), "--token")) << rec.err ();
}

TEST (TlsSend, UntrustedCertificateIsExitCode8NamingTheOptions)
{
  TestCertificate cert;
  TlsWsServer server (cert.cert);
  ASSERT_TRUE (server.start ());
  Tool send ("gst-webrtc-send", { "--test", "--no-audio", "--to", server.wss_url () });
  EXPECT_EQ (send.wait_exit (30), SEND_EXIT_SERVER_UNREACHABLE) << send.err ();
  std::string err = send.err ();
  EXPECT_TRUE (contains (err, "unknown authority")) << err;
  EXPECT_TRUE (contains (err, "--ca-file")) << err;
  EXPECT_TRUE (contains (err, "--insecure")) << err;
  EXPECT_FALSE (contains (err, "signaller::")) << "the tool's options, not the element's: " << err;
}

TEST (TlsSend, ConnectsWithCaFileAndToken)
{
  TestCertificate cert;
  TlsWsServer server (cert.cert);
  server.required_token = "t0ken";
  ASSERT_TRUE (server.start ());
  Tool send ("gst-webrtc-send",
      { "--test", "--no-audio", "--to", server.wss_url (), "--ca-file", cert.ca_file, "--token",
          "t0ken" });
  EXPECT_TRUE (server.wait_received ("setPeerStatus", 30)) << send.err ();
  EXPECT_EQ (server.authorizations ().back (), "Bearer t0ken");
  send.interrupt ();
  EXPECT_EQ (send.wait_exit (10), 0) << send.err ();
}
