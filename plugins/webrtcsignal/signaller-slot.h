/* gst-webrtcsignal: the signaller of an element, picked by the scheme of its
 * "uri" (GstSigBaseBin exposes it as the child "signaller", so
 * signaller::PROPERTY=... works on a launch line).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "signaller.h"

#include <gst/gst.h>

#include <mutex>
#include <string>

namespace gstsig {

class SignallerSlot {
public:
  /* Starts with a WebSocket signaller so signaller::... works before uri. */
  explicit SignallerSlot (GstObject *parent);
  ~SignallerSlot ();

  /* Picks the signaller for uri; a URI without one is remembered as
   * uri_error () (reported when the element starts). */
  void set_uri (const char *uri);
  std::string uri () const;
  std::string uri_error () const;
  /* (transfer full) */
  GstSigSignaller *dup () const;

private:
  GstObject *parent_;
  mutable std::mutex lock_; /* guards the three below */
  std::string uri_;
  std::string uri_error_;
  GstSigSignaller *signaller_ = nullptr;
};

/* Posts a signaller's failure as the element's error. A GstResourceError
 * keeps its code (NOT_AUTHORIZED, NOT_FOUND, BUSY, ...); any other error is
 * RESOURCE/OPEN_READ_WRITE when starting, RESOURCE/FAILED later. The
 * details carry the original domain and code either way. */
void post_signaller_error (GstElement *element, const char *signaller_type, const GError *error,
    bool starting);
/* Posts a signaller's warning as the element's warning message, with the
 * same domain and code rules as a failure after start (RESOURCE/FAILED
 * unless the warning is a GstResourceError). */
void post_signaller_warning (GstElement *element, const char *signaller_type,
    const GError *warning);

} // namespace gstsig
