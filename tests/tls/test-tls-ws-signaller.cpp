/* The WebSocket signaller over wss:// against a TLS signalling server with a
 * self-signed certificate (tls-test-server.h): refused with an error that
 * names the problem and the options when the certificate is not trusted;
 * connects with ca-file and with insecure-tls; sends auth-token as a bearer
 * header; a server's 401 is a NOT_AUTHORIZED error naming auth-token; a bad
 * ca-file is a settings error.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "test-pipeline.h"
#include "tls-test-server.h"

#include <gst/gst.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

using namespace gstsig::test;

namespace {

std::string
producer (const std::string &uri)
{
  return "videotestsrc is-live=true ! video/x-raw,width=320,height=240,framerate=30/1 ! "
         "webrtcsend name=s video-codecs=vp8 uri=" +
      uri;
}

void
set_signaller (Pipeline &p, const char *name, const char *value)
{
  p.set_signaller ("s", name, value);
}

struct StartError {
  GQuark domain = 0;
  int code = -1;
  std::string message;
  std::string signaller_domain; /* the signaller's GError, from the details */
  int signaller_code = -1;
};

/* The pipeline fails to start; its error. */
StartError
expect_start_failure (Pipeline &p)
{
  StartError out;
  EXPECT_EQ (gst_element_set_state (p.pipeline, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  GstMessage *msg = p.pop_error ();
  EXPECT_NE (msg, nullptr);
  if (!msg)
    return out;
  GError *error = nullptr;
  gst_message_parse_error (msg, &error, nullptr);
  out.domain = error->domain;
  out.code = error->code;
  out.message = error->message;
  g_error_free (error);
  const GstStructure *details = nullptr;
  gst_message_parse_error_details (msg, &details);
  if (details) {
    const char *domain = gst_structure_get_string (details, "error-domain");
    out.signaller_domain = domain ? domain : "";
    gst_structure_get_int (details, "error-code", &out.signaller_code);
  }
  gst_message_unref (msg);
  return out;
}

bool
contains (const std::string &text, const std::string &needle)
{
  return text.find (needle) != std::string::npos;
}

/* Started: no error on the bus, and the server heard us register. Returns
 * the texts of the warnings posted meanwhile. */
std::vector<std::string>
expect_registered (Pipeline &p, TlsWsServer &server)
{
  EXPECT_NE (gst_element_set_state (p.pipeline, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  EXPECT_TRUE (server.wait_received ("setPeerStatus"));
  auto warnings = p.take_warnings_failing_on_errors ();
  return warnings;
}

} // namespace

TEST (TlsWsSignaller, UntrustedCertificateNamesTheProblemAndTheOptions)
{
  TestCertificate cert;
  TlsWsServer server (cert.cert);
  ASSERT_TRUE (server.start ());
  Pipeline p (producer (server.wss_url ()));
  StartError e = expect_start_failure (p);
  EXPECT_EQ (e.domain, GST_RESOURCE_ERROR);
  EXPECT_EQ (e.code, GST_RESOURCE_ERROR_OPEN_READ_WRITE);
  EXPECT_EQ (e.signaller_domain, g_quark_to_string (G_TLS_ERROR)) << e.message;
  EXPECT_EQ (e.signaller_code, G_TLS_ERROR_BAD_CERTIFICATE) << e.message;
  /* What a user reads: the problem and both ways out. */
  EXPECT_TRUE (contains (e.message, "unknown authority")) << e.message;
  EXPECT_TRUE (contains (e.message, "signaller::ca-file=")) << e.message;
  EXPECT_TRUE (contains (e.message, "signaller::insecure-tls=true")) << e.message;
  EXPECT_TRUE (server.received ().empty ());
}

TEST (TlsWsSignaller, ConnectsWithCaFileAndSendsTheToken)
{
  TestCertificate cert;
  TlsWsServer server (cert.cert);
  ASSERT_TRUE (server.start ());
  Pipeline p (producer (server.wss_url ()));
  set_signaller (p, "ca-file", cert.ca_file.c_str ());
  set_signaller (p, "auth-token", "s3cret");
  auto warnings = expect_registered (p, server);
  auto auths = server.authorizations ();
  ASSERT_FALSE (auths.empty ());
  EXPECT_EQ (auths.back (), "Bearer s3cret");
  EXPECT_TRUE (warnings.empty ()) << "a trusted certificate raises no warning: " << warnings[0];
}

TEST (TlsWsSignaller, ConnectsWithInsecureTlsAndWarns)
{
  TestCertificate cert;
  TlsWsServer server (cert.cert);
  ASSERT_TRUE (server.start ());
  Pipeline p (producer (server.wss_url ()));
  set_signaller (p, "insecure-tls", "true");
  auto warnings = expect_registered (p, server);
  EXPECT_EQ (server.authorizations ().back (), "") << "no token set, no header";
  ASSERT_EQ (warnings.size (), 1u) << "insecure-tls warns, once";
  EXPECT_TRUE (contains (warnings[0], "Insecure TLS")) << warnings[0];
}

/* With insecure-tls the certificate was accepted: a later refusal (here
 * 503) is about HTTP, not about the certificate. */
TEST (TlsWsSignaller, RefusalAfterAnAcceptedCertificateIsNotATlsError)
{
  TestCertificate cert;
  TlsWsServer server (cert.cert);
  server.refuse_status = 503;
  ASSERT_TRUE (server.start ());
  Pipeline p (producer (server.wss_url ()));
  set_signaller (p, "insecure-tls", "true");
  StartError e = expect_start_failure (p);
  EXPECT_EQ (e.domain, GST_RESOURCE_ERROR) << e.message;
  EXPECT_EQ (e.code, GST_RESOURCE_ERROR_OPEN_READ_WRITE) << e.message;
  EXPECT_TRUE (contains (e.message, "HTTP 503")) << e.message;
  EXPECT_FALSE (contains (e.message, "certificate")) << e.message;
}

TEST (TlsWsSignaller, ACaFileOfAnotherCertificateIsRefused)
{
  TestCertificate cert, other;
  TlsWsServer server (cert.cert);
  ASSERT_TRUE (server.start ());
  Pipeline p (producer (server.wss_url ()));
  set_signaller (p, "ca-file", other.ca_file.c_str ());
  StartError e = expect_start_failure (p);
  EXPECT_EQ (e.signaller_domain, g_quark_to_string (G_TLS_ERROR)) << e.message;
  EXPECT_EQ (e.signaller_code, G_TLS_ERROR_BAD_CERTIFICATE) << e.message;
  EXPECT_TRUE (contains (e.message, "CA file")) << e.message;
}

TEST (TlsWsSignaller, ServerWantingATokenIsNotAuthorized)
{
  TestCertificate cert;
  TlsWsServer server (cert.cert);
  server.required_token = "right";
  ASSERT_TRUE (server.start ());
  for (const char *token : { "", "wrong" }) {
    Pipeline p (producer (server.wss_url ()));
    set_signaller (p, "ca-file", cert.ca_file.c_str ());
    if (*token)
      set_signaller (p, "auth-token", token);
    StartError e = expect_start_failure (p);
    EXPECT_EQ (e.domain, GST_RESOURCE_ERROR);
    EXPECT_EQ (e.code, GST_RESOURCE_ERROR_NOT_AUTHORIZED) << e.message;
    EXPECT_TRUE (contains (e.message, "signaller::auth-token")) << e.message;
    EXPECT_FALSE (*token && contains (e.message, token)) << "never shows the token";
  }
  /* And the right one gets in. */
  Pipeline p (producer (server.wss_url ()));
  set_signaller (p, "ca-file", cert.ca_file.c_str ());
  set_signaller (p, "auth-token", "right");
  expect_registered (p, server);
}

TEST (TlsWsSignaller, BadCaFileIsASettingsError)
{
  TestCertificate cert;
  TlsWsServer server (cert.cert);
  ASSERT_TRUE (server.start ());
  gchar *dir = g_dir_make_tmp ("tls-ca-XXXXXX", nullptr);
  std::string missing = std::string (dir) + "/missing.pem";
  std::string not_pem = std::string (dir) + "/not.pem";
  ASSERT_TRUE (g_file_set_contents (not_pem.c_str (), "hello", -1, nullptr));
  for (const std::string &file : { missing, not_pem }) {
    Pipeline p (producer (server.wss_url ()));
    set_signaller (p, "ca-file", file.c_str ());
    StartError e = expect_start_failure (p);
    EXPECT_EQ (e.code, GST_RESOURCE_ERROR_SETTINGS) << e.message;
    EXPECT_TRUE (contains (e.message, file)) << e.message;
  }
  g_unlink (not_pem.c_str ());
  g_rmdir (dir);
  g_free (dir);
}
