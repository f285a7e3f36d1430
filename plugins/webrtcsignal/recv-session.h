/* gst-webrtcsignal: the session of webrtcrecv: a WebrtcSession that answers
 * a producer's offer, receiving only, and hands each stream webrtcbin
 * produces to the element.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "codecs.h"
#include "webrtc-session.h"

#include <functional>
#include <vector>

namespace gstsig {

struct RecvSettings {
  IceSettings ice;
  std::vector<const Codec *> video_codecs; /* in order of preference */
  std::vector<const Codec *> audio_codecs;
};

class RecvSession : public WebrtcSession {
public:
  /* Called on a webrtcbin streaming thread for each new RTP stream. */
  using StreamHandler = std::function<void (GstPad *webrtc_src)>;

  RecvSession (GstBin *bin, std::string id, std::string peer_id, RecvSettings settings,
      std::shared_ptr<SessionLink> link, StreamHandler on_stream);
  ~RecvSession () override;

  bool start (std::string *error);
  /* After start, for signallers where the receiver offers (WHEP): one
   * receive-only m-line per kind with codecs configured, carrying every one
   * of them; the offer goes out through the signaller and the answer comes
   * to on_remote_description. */
  bool start_offer (std::string *error);
  void on_remote_description (const GstWebRTCSessionDescription *desc) override;
  /* How many streams the answer accepted (known once negotiated). */
  unsigned expected_streams () const { return expected_streams_; }
  /* The offer had nothing we can receive. */
  bool no_usable_codec () const { return no_usable_codec_; }

private:
  /* Receive-only transceivers whose codec preferences pick, from the
   * offer, our preferred codec with the offer's own parameters. Returns how
   * many m-lines we can take; *offered lists what was offered. */
  unsigned add_transceivers (const GstSDPMessage *offer, std::string *offered);
  const Codec *preferred_codec (const GstSDPMedia *media, unsigned *pt) const;
  bool add_offer_transceiver (MediaKind kind, std::string *error);
  void on_answer (const GstWebRTCSessionDescription *answer);

  RecvSettings settings_;
  StreamHandler on_stream_;
  unsigned expected_streams_ = 0;
  bool negotiated_ = false;
  bool no_usable_codec_ = false;
  bool offering_ = false; /* we made the offer (start_offer) */
};

} // namespace gstsig
