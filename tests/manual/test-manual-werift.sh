#!/bin/sh
# Interop of the manual: token with werift (npm): see manual-werift.mjs.
# werift, like pion, skips loopback addresses when gathering, so the
# namespace (made by run-in-netns.sh) gets a veth pair with two 10.78.0.x
# addresses: both peers see each other there, and nothing leaves it.
# SPDX-License-Identifier: LGPL-2.1-or-later
set -eu
here=$(dirname "$0")
if [ ! -d "$here/../browser/node_modules/werift" ]; then
  echo "werift is missing: (cd tests/browser && npm ci)" >&2
  exit 1
fi
. "$here/../veth-pair.sh"
veth_pair werift 10.78.0
exec node "$here/manual-werift.mjs"
