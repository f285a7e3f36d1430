/* gst-webrtc-record: who publishes in a Janus VideoRoom
 * (--server janus+ws://HOST:PORT/?room=ID). Joins the room as a participant
 * that never publishes, named "gst-webrtc-record", so that Janus tells it
 * who publishes and who leaves; each publisher is a producer whose ID is
 * its feed ID and whose meta is {"name": DISPLAY}; with ?display=NAME in
 * the URI, only publishers of that name count. Runs on the
 * thread-default main context.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "record-listener.h"

#include "janus-api.h"
#include "janus-client.h"

#include <memory>
#include <string>
#include <vector>

namespace gstsig::record {

class JanusListener : public Listener {
public:
  JanusListener (std::string room_uri, Access access, Callbacks callbacks);
  ~JanusListener () override;
  JanusListener (const JanusListener &) = delete;
  JanusListener &operator= (const JanusListener &) = delete;

  void connect (unsigned timeout_s) override;
  void close () override;

private:
  void join ();
  void on_event (const janus::Message &msg);
  void add (const std::vector<janus::Publisher> &publishers);
  bool wanted (const janus::Publisher &p) const;
  void fail (const std::string &message);

  std::string uri_;
  Access access_;
  Callbacks callbacks_;
  tls::ClientTls tls_;
  janus::RoomAddress address_;
  std::unique_ptr<janus::Client> client_;
  guint64 handle_ = 0;
  bool ready_ = false;
  bool failed_ = false;
};

} // namespace gstsig::record
