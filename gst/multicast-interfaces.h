/* gst-webrtcsignal: the IPv4 network interfaces a multicast query must go
 * out of, one by one. A machine with several (two NICs, a Docker bridge, a
 * VPN) sends multicast only out of the one its routes pick unless told
 * otherwise, so a peer on another of its links never hears the question:
 * an mDNS query for a browser's ".local" candidate went out of one veth of
 * two and the viewer on the other went unresolved (capped-two-viewers).
 *
 * GLib lists no interfaces; this is getifaddrs(3) and IP_MULTICAST_IF.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

#include <string>
#include <vector>

namespace gstsig {

struct MulticastInterface {
  unsigned index = 0; /* if_nametoindex */
  std::string name;
};

/* The interfaces that are up, can multicast, have an IPv4 address and are
 * not loopback; each once, in the order getifaddrs gives them. */
std::vector<MulticastInterface> ipv4_multicast_interfaces ();

/* Multicast from socket (IPv4, UDP) goes out of interface index from now
 * on. False, with *error, when the system refuses. */
bool set_ipv4_multicast_interface (GSocket *socket, unsigned index, std::string *error);

} // namespace gstsig
