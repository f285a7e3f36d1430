#!/bin/sh
# Runs a test inside a fresh network namespace that has, besides loopback,
# one address of a LAN (192.0.2.1, a documentation range) on its loopback
# interface. A client that connects to that address comes from it, so the
# server sees a peer on another machine, without leaving the namespace.
#
#   run-with-lan-address.sh TEST [ARG...]
#
# The test finds the address in GST_WEBRTCSIGNAL_LAN_ADDRESS. `unshare -r`
# maps the caller to root inside a new user namespace, so this works
# unprivileged where user namespaces are allowed (and as root).
# SPDX-License-Identifier: LGPL-2.1-or-later
set -eu

if [ "$#" -eq 0 ]; then
  echo "usage: $0 TEST [ARG...]" >&2
  exit 2
fi

exec unshare -rn sh -c 'ip link set lo up && ip addr add 192.0.2.1/32 dev lo &&
  GST_WEBRTCSIGNAL_LAN_ADDRESS=192.0.2.1 exec "$@"' run-with-lan-address "$@"
