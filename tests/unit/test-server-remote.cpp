/* The server as a peer on another machine sees it: what it may do without a
 * token, and what stats tell it. Every other server test connects from
 * 127.0.0.1, where the server is more trusting; here clients connect to a
 * LAN address of the namespace run-with-lan-address.sh makes, and so come
 * from it.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "server-fixture.h"

#include <cstdlib>


namespace {

class RemoteServerTest : public ServerTest {
protected:
  void SetUp () override
  {
    ServerTest::SetUp ();
    const char *address = g_getenv ("GST_WEBRTCSIGNAL_LAN_ADDRESS");
    ASSERT_TRUE (address && *address)
        << "run this test through tests/unit/run-with-lan-address.sh (meson test does)";
    host_ = address;
  }

  /* A producer with one session and one report carrying addresses, to
   * check what subscribers receive. */
  void report_stats_with_addresses (Client *pr, Client *c)
  {
    set_status (pr, "[\"producer\"]");
    expect_nothing_pending (pr);
    const std::string s = start_session (c, pr);
    pr->send ("{\"type\":\"stats\",\"sessionId\":" + jstr (s)
        + ",\"stats\":{\"fps\":30,\"candidate-pair\":\"192.0.2.7:5000 <-> 198.51.100.9:6000\","
          "\"remote-address\":\"198.51.100.9\"}}");
  }
};

const char *const ADDRESS = "198.51.100.9";

} // namespace

/* No token: anyone may connect, produce and consume, but only pages on the
 * server's machine may watch stats; a remote subscriber is told why. */
TEST_F (RemoteServerTest, WithoutATokenStatsAreRefused)
{
  start_server ();
  Client *pr = connect ();
  Client *c = connect ();
  Client *watcher = connect ();
  ASSERT_TRUE (pr && c && watcher);
  watcher->send ("{\"type\":\"subscribeStats\",\"addresses\":true}");
  std::string reply = next (watcher);
  EXPECT_NE (reply.find ("only pages on this machine may watch stats"), std::string::npos)
      << reply;
  report_stats_with_addresses (pr, c);
  expect_nothing_pending (watcher);
}

/* With the full token a remote peer watches stats, without addresses even
 * when it asks for them... */
TEST_F (RemoteServerTest, StatsWithTheTokenCarryNoAddresses)
{
  ServerConfig config;
  config.tokens = { "admin-secret" };
  start_server (config);
  Client *pr = connect ("/?token=admin-secret");
  Client *c = connect ("/?token=admin-secret");
  Client *watcher = connect ("/?token=admin-secret");
  ASSERT_TRUE (pr && c && watcher);
  watcher->send ("{\"type\":\"subscribeStats\",\"addresses\":true}");
  expect_nothing_pending (watcher);
  report_stats_with_addresses (pr, c);
  std::string update = next (watcher);
  EXPECT_NE (update.find ("\"fps\":30"), std::string::npos) << update;
  EXPECT_EQ (update.find (ADDRESS), std::string::npos) << update;
}

/* ...unless the server was run with --stats-addresses. */
TEST_F (RemoteServerTest, StatsAddressesWhenTheServerAllowsThem)
{
  ServerConfig config;
  config.tokens = { "admin-secret" };
  config.stats_addresses = true;
  start_server (config);
  Client *pr = connect ("/?token=admin-secret");
  Client *c = connect ("/?token=admin-secret");
  Client *asking = connect ("/?token=admin-secret");
  Client *plain = connect ("/?token=admin-secret");
  ASSERT_TRUE (pr && c && asking && plain);
  asking->send ("{\"type\":\"subscribeStats\",\"addresses\":true}");
  plain->send ("{\"type\":\"subscribeStats\"}");
  expect_nothing_pending (asking);
  expect_nothing_pending (plain);
  report_stats_with_addresses (pr, c);
  std::string with = next (asking);
  EXPECT_NE (with.find (ADDRESS), std::string::npos) << with;
  std::string without = next (plain);
  EXPECT_EQ (without.find (ADDRESS), std::string::npos) << without;
}

/* The same client from loopback in the same namespace still gets the
 * addresses it asks for: the difference is the address, nothing else. */
TEST_F (RemoteServerTest, LoopbackInTheSameNamespaceIsTrusted)
{
  host_ = "127.0.0.1";
  start_server ();
  Client *pr = connect ();
  Client *c = connect ();
  Client *watcher = connect ();
  ASSERT_TRUE (pr && c && watcher);
  watcher->send ("{\"type\":\"subscribeStats\",\"addresses\":true}");
  expect_nothing_pending (watcher);
  report_stats_with_addresses (pr, c);
  std::string update = next (watcher);
  EXPECT_NE (update.find (ADDRESS), std::string::npos) << update;
}
