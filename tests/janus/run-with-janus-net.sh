#!/bin/sh
# Runs a test inside a fresh network namespace with loopback and one veth
# pair (jd0 10.98.0.1/24, its peer jd1 up without an address): Janus 1.1.2
# gathers no ICE candidates on a loopback interface, so it gets jd0's
# address, and nothing outside the namespace is reachable or visible.
#
#   run-with-janus-net.sh TEST [ARG...]
#
# The test finds the address in GST_WEBRTCSIGNAL_JANUS_ADDRESS. `unshare -r`
# maps the caller to root inside a new user namespace (works as root too).
# SPDX-License-Identifier: LGPL-2.1-or-later
set -eu

if [ "$#" -eq 0 ]; then
  echo "usage: $0 TEST [ARG...]" >&2
  exit 2
fi

exec unshare -rn sh -c 'ip link set lo up &&
  ip link add jd0 type veth peer name jd1 && ip link set jd1 up &&
  ip addr add 10.98.0.1/24 dev jd0 && ip link set jd0 up &&
  GST_WEBRTCSIGNAL_JANUS_ADDRESS=10.98.0.1 exec "$@"' run-with-janus-net "$@"
