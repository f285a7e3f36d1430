/* The WHIP endpoint (webrtcrecv uri=whip-listen://) facing a hostile
 * network (issue 11): the token and the body size are checked before the
 * body is read, so a 100 MB POST costs no memory (before: +200 MB ahead of
 * the 401); https with a self-signed certificate.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "endpoint-client.h"
#include "raw-client.h"
#include "test-pipeline.h"

#include <gst/gst.h>
#include <gtest/gtest.h>

#include <fstream>
#include <string>

using gstsig::test::Pipeline;
using gstsig::test::RawClient;

namespace {

const std::vector<std::pair<std::string, std::string>> BEARER = {
  { "Authorization", "Bearer secret" }
};

long long
resident_bytes ()
{
  std::ifstream statm ("/proc/self/statm");
  long long pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * sysconf (_SC_PAGESIZE);
}

/* A webrtcrecv with a WHIP endpoint (token "secret") on a free port. */
struct Receiver {
  Pipeline pipeline { "webrtcrecv name=r uri=whip-listen://127.0.0.1:0/whip "
                      "r.video_0 ! fakesink async=false" };
  std::string url;
  unsigned port = 0;

  explicit Receiver (bool self_signed = false)
  {
    GstElement *r = pipeline.get ("r");
    endpoint_test::set_signaller_property (r, "auth-token", "secret");
    if (self_signed) {
      GstObject *signaller = nullptr;
      g_object_get (r, "signaller", &signaller, nullptr);
      g_object_set (signaller, "self-signed", TRUE, nullptr);
      gst_object_unref (signaller);
    }
    EXPECT_NE (gst_element_set_state (pipeline.pipeline, GST_STATE_PLAYING),
        GST_STATE_CHANGE_FAILURE);
    url = endpoint_test::endpoint_url (r);
    gst_object_unref (r);
    size_t colon = url.rfind (':');
    port = (unsigned) std::stoul (url.substr (colon + 1));
  }
};

/* Sends a POST whose headers say body_bytes, then that many bytes (while
 * the server may already have answered); the status of the reply. */
int
post_large (unsigned port, const std::string &auth, size_t body_bytes)
{
  RawClient client;
  if (!client.connect_to (port))
    return 0;
  std::string head = "POST /whip HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/sdp\r\n"
      + auth + "Content-Length: " + std::to_string (body_bytes) + "\r\n\r\n";
  if (!client.send_all (head))
    return 0;
  const std::string chunk (1024 * 1024, 'v');
  for (size_t sent = 0; sent < body_bytes; sent += chunk.size ()) {
    if (!client.send_all (chunk))
      break; /* answered and closed early: fine */
  }
  return client.read_status (10000);
}

} // namespace

TEST (EndpointLimits, HugeBodyWithoutTokenCostsNoMemory)
{
  Receiver receiver;
  long long before = resident_bytes ();
  EXPECT_EQ (post_large (receiver.port, "", 100u * 1024 * 1024), 401);
  EXPECT_LT (resident_bytes () - before, 32ll * 1024 * 1024);
  /* With the token but far too large: 413, same cost. */
  EXPECT_EQ (post_large (receiver.port, "Authorization: Bearer secret\r\n", 100u * 1024 * 1024),
      413);
  EXPECT_LT (resident_bytes () - before, 32ll * 1024 * 1024);
  /* Still answering: a bad but small offer gets its 400. */
  endpoint_test::Http http;
  auto r = http.request ("POST", receiver.url, "application/sdp", "not sdp", BEARER);
  EXPECT_EQ (r.status, 400u) << r.body;
}

TEST (EndpointLimits, ChunkedBodyIsRefused)
{
  Receiver receiver;
  RawClient client;
  ASSERT_TRUE (client.connect_to (receiver.port));
  ASSERT_TRUE (client.send_all ("POST /whip HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                "Authorization: Bearer secret\r\nContent-Type: application/sdp\r\n"
                                "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"));
  EXPECT_EQ (client.read_status (10000), 411);
}

TEST (EndpointLimits, ServesHttpsWithASelfSignedCertificate)
{
  Receiver receiver (true);
  EXPECT_EQ (receiver.url.rfind ("https://127.0.0.1:", 0), 0u) << receiver.url;
  endpoint_test::Http http (true /* accept any certificate */);
  auto r = http.request ("POST", receiver.url, "application/sdp", "not sdp", BEARER);
  EXPECT_EQ (r.status, 400u) << r.body;
  endpoint_test::Http strict;
  strict.quiet_errors = true;
  auto refused = strict.request ("POST", receiver.url, "application/sdp", "not sdp", BEARER);
  EXPECT_EQ (refused.status, 0u) << "an untrusted certificate must not be accepted";
}

/* Listening on every interface without a token is allowed, and said: one
 * warning on the element that names the setting. With a token, or on
 * loopback, nothing is said. */
TEST (EndpointLimits, OpenEndpointBeyondLoopbackIsAWarning)
{
  struct Case {
    const char *pipeline;
    const char *token;
    size_t warnings;
  };
  const Case cases[] = {
    { "webrtcrecv name=r uri=whip-listen://0.0.0.0:0/whip r.video_0 ! fakesink async=false",
        nullptr, 1 },
    { "webrtcrecv name=r uri=whip-listen://0.0.0.0:0/whip r.video_0 ! fakesink async=false",
        "secret", 0 },
    { "webrtcrecv name=r uri=whip-listen://127.0.0.1:0/whip r.video_0 ! fakesink async=false",
        nullptr, 0 },
    { "videotestsrc is-live=true ! webrtcsend name=r uri=whep-listen://0.0.0.0:0/whep", nullptr,
        1 },
  };
  for (const auto &c : cases) {
    Pipeline p (c.pipeline);
    GstElement *r = p.get ("r");
    if (c.token)
      endpoint_test::set_signaller_property (r, "auth-token", c.token);
    gst_object_unref (r);
    ASSERT_NE (gst_element_set_state (p.pipeline, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
    auto warnings = p.take_warnings_failing_on_errors ();
    ASSERT_EQ (warnings.size (), c.warnings) << c.pipeline;
    if (c.warnings > 0) {
      EXPECT_NE (warnings[0].find ("has no auth-token: anyone who can reach this machine can"),
          std::string::npos) << warnings[0];
      EXPECT_NE (warnings[0].find ("0.0.0.0"), std::string::npos) << warnings[0];
    }
    gst_element_set_state (p.pipeline, GST_STATE_NULL);
  }
}
