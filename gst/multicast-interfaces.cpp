/* gst-webrtcsignal: IPv4 multicast interfaces (see multicast-interfaces.h).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "multicast-interfaces.h"

#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace gstsig {

std::vector<MulticastInterface>
ipv4_multicast_interfaces ()
{
  std::vector<MulticastInterface> found;
  struct ifaddrs *list = nullptr;
  if (getifaddrs (&list) != 0)
    return found;
  for (struct ifaddrs *it = list; it; it = it->ifa_next) {
    if (!it->ifa_addr || it->ifa_addr->sa_family != AF_INET || !it->ifa_name)
      continue;
    unsigned flags = it->ifa_flags;
    if (!(flags & IFF_UP) || !(flags & IFF_MULTICAST) || (flags & IFF_LOOPBACK))
      continue;
    unsigned index = if_nametoindex (it->ifa_name);
    if (index == 0)
      continue;
    bool seen = std::any_of (found.begin (), found.end (),
        [index] (const MulticastInterface &i) { return i.index == index; });
    if (!seen)
      found.push_back ({ index, it->ifa_name });
  }
  freeifaddrs (list);
  return found;
}

bool
set_ipv4_multicast_interface (GSocket *socket, unsigned index, std::string *error)
{
  struct ip_mreqn request;
  memset (&request, 0, sizeof request);
  request.imr_ifindex = (int) index;
  if (setsockopt (g_socket_get_fd (socket), IPPROTO_IP, IP_MULTICAST_IF, &request,
          sizeof request) == 0)
    return true;
  *error = std::string ("IP_MULTICAST_IF: ") + g_strerror (errno);
  return false;
}

} // namespace gstsig
