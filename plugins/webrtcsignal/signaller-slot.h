/* gst-webrtcsignal: the signaller of an element, picked by the scheme of its
 * "uri" and exposed as the child "signaller" (GstChildProxy), so
 * signaller::PROPERTY=... works on a launch line.
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

/* How long a session may take to connect with this signaller: a person
 * pasting tokens (a signaller with a "timeout" property, in seconds) needs
 * that long plus a margin; others get default_s. */
unsigned signaller_setup_timeout (GstSigSignaller *signaller, unsigned default_s);

/* Posts a signaller's failure as the element's error. A GstResourceError
 * keeps its code (NOT_AUTHORIZED, NOT_FOUND, BUSY, ...); any other error is
 * RESOURCE/OPEN_READ_WRITE when starting, RESOURCE/FAILED later. The
 * details carry the original domain and code either way. */
void post_signaller_error (GstElement *element, const char *signaller_type, const GError *error,
    bool starting);

/* GstChildProxy for an element whose object data "gstsig-signaller-slot"
 * is its SignallerSlot: child "signaller", then the bin's children. */
void signaller_slot_child_proxy_init (GstChildProxyInterface *iface);
void signaller_slot_attach (GObject *element, SignallerSlot *slot);
/* GstURIHandler get_uri/set_uri for such an element; it brings its own
 * get_type and get_protocols. */
void signaller_slot_uri_handler_init (GstURIHandlerInterface *iface);

} // namespace gstsig
