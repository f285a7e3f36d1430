/* Test helper: a signalling Server (gst/server.h) on 127.0.0.1 running on a
 * thread of its own, stopped when it goes out of scope.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "context-thread.h"
#include "server.h"

#include <memory>
#include <string>

namespace gstsig::test {

class ThreadedServer {
public:
  ThreadedServer () : thread_ ("test-server") {}
  ~ThreadedServer () { stop (); }

  /* Listens on port (0 = a free one); false if it cannot. */
  bool start (unsigned port = 0) { return start (ServerConfig (), port); }
  bool start (ServerConfig config, unsigned port = 0)
  {
    bool ok = false;
    thread_.invoke_sync ([&] {
      config.port = port;
      server_ = std::make_unique<Server> (config);
      ok = server_->start (nullptr);
      if (ok)
        port_ = server_->port ();
      else
        server_.reset ();
    });
    return ok;
  }
  void stop ()
  {
    thread_.invoke_sync ([&] {
      if (server_)
        server_->stop ();
      server_.reset ();
    });
  }
  unsigned port () const { return port_; }
  std::string http_url () const { return "http://127.0.0.1:" + std::to_string (port_) + "/"; }
  std::string ws_url () const { return "ws://127.0.0.1:" + std::to_string (port_) + "/"; }

private:
  ContextThread thread_;
  std::unique_ptr<Server> server_; /* lives on thread_ */
  unsigned port_ = 0;
};

} // namespace gstsig::test
