/* A third-party signaller, written from gst/signaller.h alone: "pair://NAME"
 * connects the webrtcsend and the webrtcrecv of one process that use the
 * same NAME, without a server. It records what crossed the seam, so the
 * contract test can check it.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "signaller.h"

#include <string>
#include <vector>

G_BEGIN_DECLS
#define TEST_TYPE_PAIR_SIGNALLER (test_pair_signaller_get_type ())
G_DECLARE_FINAL_TYPE (TestPairSignaller, test_pair_signaller, TEST, PAIR_SIGNALLER, GObject)
G_END_DECLS

namespace pair_test {

/* What one signaller saw, in order. */
struct Record {
  bool started = false;
  GstSigSignallerRole role = GST_SIG_SIGNALLER_ROLE_PRODUCER;
  std::vector<std::string> video_codecs, audio_codecs;
  std::string meta;             /* the meta structure as text */
  unsigned max_sessions = 0;
  unsigned descriptions = 0;    /* send_sdp calls */
  unsigned candidates = 0;      /* add_ice calls */
  unsigned early_candidates = 0; /* add_ice before send_sdp in the same session */
  std::vector<GstSigSessionEnd> ends;
};

/* Registers the "pair" scheme (once). */
void register_scheme ();
/* A copy of what the signaller of element saw. */
Record record_of (GstElement *element);
/* Forgets every pair (between tests). */
void reset ();

} // namespace pair_test
