/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "ice-utils.h"

#include <ifaddrs.h>
#include <net/if.h>
#include <sys/socket.h>

namespace gstsig {

std::vector<std::string>
fallback_ice_addresses ()
{
  struct ifaddrs *list = nullptr;
  if (getifaddrs (&list) != 0)
    return {};
  bool other = false;
  for (struct ifaddrs *ifa = list; ifa; ifa = ifa->ifa_next) {
    if (!ifa->ifa_addr || !(ifa->ifa_flags & IFF_UP) || (ifa->ifa_flags & IFF_LOOPBACK))
      continue;
    if (ifa->ifa_addr->sa_family == AF_INET || ifa->ifa_addr->sa_family == AF_INET6)
      other = true;
  }
  freeifaddrs (list);
  if (other)
    return {};
  return { "127.0.0.1" };
}

bool
restrict_ice_addresses (GstElement *webrtcbin, const std::vector<std::string> &addresses,
    std::string *error)
{
  if (addresses.empty ())
    return true;
  GObject *agent = nullptr;
  /* g_object_get gives us a reference (checked on 1.22.0); dropped below. */
  g_object_get (webrtcbin, "ice-agent", &agent, nullptr);
  if (!agent) {
    *error = "webrtcbin has no ICE agent";
    return false;
  }
  bool ok = true;
  for (const auto &address : addresses) {
    gboolean added = FALSE;
    g_signal_emit_by_name (agent, "add-local-ip-address", address.c_str (), &added);
    if (!added) {
      *error = "ICE cannot use local address '" + address + "'";
      ok = false;
      break;
    }
  }
  g_object_unref (agent);
  return ok;
}

} // namespace gstsig
