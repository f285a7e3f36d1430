/* gst-webrtcsignal: choosing the local addresses ICE gathers on.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/gst.h>

#include <string>
#include <vector>

namespace gstsig {

/* libnice skips loopback when it gathers on all interfaces, so on a host
 * (or network namespace) whose only interface is loopback it gathers nothing.
 * Returns {"127.0.0.1"} there, and nothing (= all interfaces) elsewhere. */
std::vector<std::string> fallback_ice_addresses ();

/* Restricts webrtcbin's ICE agent to these addresses (empty = leave all
 * interfaces). Call before negotiating. Returns false, with *error, when
 * an address is refused. */
bool restrict_ice_addresses (GstElement *webrtcbin, const std::vector<std::string> &addresses,
    std::string *error);

} // namespace gstsig
