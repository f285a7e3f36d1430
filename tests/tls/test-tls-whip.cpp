/* The WHIP client (webrtcsend uri=whip+https://...) against the scriptable
 * WHIP server of tests/whip-client served over https with a self-signed
 * certificate: refused with an error that names the problem and the options
 * when the certificate is not trusted; with ca-file or insecure-tls the
 * media reaches the server's webrtcbin and the bearer token every request.
 * Runs inside a loopback-only network namespace (run-in-netns.sh).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "tls-test-server.h"
#include "whip-client-fixture.h"

namespace {

bool
contains (const std::string &text, const std::string &needle)
{
  return text.find (needle) != std::string::npos;
}

/* Publishes with the signaller set up by configure; media must arrive. */
void
expect_published (WhipSetup &setup, const std::function<void (Pipeline &)> &configure,
    std::vector<std::string> *warnings)
{
  Pipeline p (publisher (setup.server.uri ()));
  set_signaller (p, "auth-token", "s3cret");
  configure (p);
  ASSERT_NE (gst_element_set_state (p.pipeline, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  EXPECT_TRUE (setup.wait_media ())
      << "the WHIP server's webrtcbin received " << setup.receiver.buffers << " RTP buffers";
  *warnings = p.take_warnings_failing_on_errors ();
  EXPECT_EQ (resource_url (p), setup.server.base () + "/session/1");
  for (const HttpExchange &e : setup.server.exchanges ())
    EXPECT_EQ (e.authorization, "Bearer s3cret") << e.method << " " << e.path;
}

} // namespace

TEST (TlsWhipClient, UntrustedCertificateNamesTheProblemAndTheOptions)
{
  gstsig::test::TestCertificate cert;
  WhipSetup setup;
  setup.server.use_tls (cert.cert);
  ASSERT_TRUE (setup.server.start ());
  ASSERT_EQ (setup.server.base ().rfind ("https://", 0), 0u);
  Pipeline p (publisher (setup.server.uri ()));
  EXPECT_EQ (gst_element_set_state (p.pipeline, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  GstMessage *msg = p.pop_error ();
  ASSERT_NE (msg, nullptr);
  std::string text = error_text (msg);
  const GstStructure *details = nullptr;
  gst_message_parse_error_details (msg, &details);
  ASSERT_NE (details, nullptr);
  int code = -1;
  gst_structure_get_int (details, "error-code", &code);
  EXPECT_STREQ (gst_structure_get_string (details, "error-domain"), g_quark_to_string (G_TLS_ERROR))
      << text;
  EXPECT_EQ (code, G_TLS_ERROR_BAD_CERTIFICATE);
  EXPECT_TRUE (contains (text, "unknown authority")) << text;
  EXPECT_TRUE (contains (text, "signaller::ca-file=")) << text;
  EXPECT_TRUE (contains (text, "signaller::insecure-tls=true")) << text;
  EXPECT_TRUE (setup.server.exchanges ().empty ()) << "no request got through";
  gst_message_unref (msg);
}

TEST (TlsWhipClient, PublishesWithCaFile)
{
  gstsig::test::TestCertificate cert;
  WhipSetup setup;
  setup.server.use_tls (cert.cert);
  setup.server.script.required_token = "s3cret";
  ASSERT_TRUE (setup.server.start ());
  std::vector<std::string> warnings;
  expect_published (
      setup, [&] (Pipeline &p) { set_signaller (p, "ca-file", cert.ca_file.c_str ()); }, &warnings);
  EXPECT_TRUE (warnings.empty ()) << warnings[0];
}

TEST (TlsWhipClient, PublishesWithInsecureTlsAndWarnsOnce)
{
  gstsig::test::TestCertificate cert;
  WhipSetup setup;
  setup.server.use_tls (cert.cert);
  setup.server.script.required_token = "s3cret";
  ASSERT_TRUE (setup.server.start ());
  std::vector<std::string> warnings;
  expect_published (
      setup, [&] (Pipeline &p) { set_signaller (p, "insecure-tls", "true"); }, &warnings);
  std::string all;
  for (const auto &w : warnings)
    all += w + "\n";
  EXPECT_EQ (count_lines (all, "Insecure TLS"), 1)
      << "one warning for the OPTIONS, POST and PATCHes";
}
