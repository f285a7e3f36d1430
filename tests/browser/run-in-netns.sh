#!/bin/sh
# Runs a command inside a fresh network namespace whose only interface is
# loopback (127.0.0.1 and ::1), so that a browser test cannot reach, or even
# see, any other address: libnice and Chromium gather loopback candidates only.
#
#   run-in-netns.sh node viewer.mjs
#
# `unshare -r` maps the caller to root inside a new user namespace, so this
# works unprivileged where user namespaces are allowed (and as root).
# SPDX-License-Identifier: LGPL-2.1-or-later
set -eu

if [ "$#" -eq 0 ]; then
  echo "usage: $0 COMMAND [ARG...]" >&2
  exit 2
fi

if ! command -v unshare >/dev/null 2>&1 || ! command -v ip >/dev/null 2>&1; then
  echo "run-in-netns.sh: needs unshare (util-linux) and ip (iproute2)" >&2
  exit 1
fi

# The marker tells the test helpers that they run in the namespace.
#
# A node test that dies by a signal other than meson's SIGTERM/SIGINT
# printed nothing and failed nothing of ours: the processes under test are
# its children, whose deaths the test reports. Once in CI (a browser-soak run
# of Node 20.20) node vanished 16 s in without a word. Such a run is said
# loudly and the test is run once more. Any other status stands, and so does
# any signal that kills a test program of ours (a crash, a fatal critical).
exec unshare -rn sh -c '
  ip link set lo up || exit 1
  for attempt in 1 2; do
    GST_WEBRTCSIGNAL_NETNS=1 "$@"
    status=$?
    if [ "$status" -le 128 ] || [ "$status" -eq 130 ] || [ "$status" -eq 143 ] || [ "$attempt" -eq 2 ] ||
       [ "$(basename "$1")" != node ]; then
      exit "$status"
    fi
    echo "run-in-netns.sh: $1 died by signal $((status - 128)) without a verdict; running the test once more" >&2
  done' run-in-netns "$@"
