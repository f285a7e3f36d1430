# Sourced by the tests that run in a namespace of their own (run-in-netns.sh):
#   veth_pair NAME 10.79.0
# adds the veth pair NAME0/NAME1 with the addresses 10.79.0.1 and 10.79.0.2
# (/24), both up. Stacks that skip loopback when gathering (pion, werift,
# aiortc) see each other there, and nothing leaves the namespace.
# SPDX-License-Identifier: LGPL-2.1-or-later
veth_pair () {
  ip link add "${1}0" type veth peer name "${1}1"
  ip addr add "$2.1/24" dev "${1}0"
  ip addr add "$2.2/24" dev "${1}1"
  ip link set "${1}0" up
  ip link set "${1}1" up
}
