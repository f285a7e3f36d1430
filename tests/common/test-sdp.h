/* Test helper: an SDP message parsed from text, freed with the object.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "sdp-utils.h"

#include <gst/sdp/sdp.h>

#include <string>

namespace gstsig::test {

struct Sdp {
  GstSDPMessage *msg = nullptr;
  explicit Sdp (const std::string &text)
  {
    gst_sdp_message_new (&msg);
    gst_sdp_message_parse_buffer ((const guint8 *) text.data (), text.size (), msg);
  }
  ~Sdp () { gst_sdp_message_free (msg); }
  Sdp (const Sdp &) = delete;
  Sdp &operator= (const Sdp &) = delete;
  const GstSDPMedia *media (const char *kind) const { return find_media (msg, kind, nullptr); }
};

} // namespace gstsig::test
