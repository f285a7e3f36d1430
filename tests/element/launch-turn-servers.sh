#!/usr/bin/env bash
# turn-servers set on a gst-launch-1.0 line, in the form gst-inspect-1.0 and
# the README give, reaches the element: a WHEP endpoint (webrtcsend
# uri=whep-listen://) announces its TURN servers as Link headers, so a POST
# of a browser's offer must come back with one Link per server. Before,
# GStreamer 1.22 could not parse any form of the property (a GStrv), and
# gst-launch-1.0 stopped with 'could not set property "turn-servers"'.
# SPDX-License-Identifier: LGPL-2.1-or-later
set -u
src="${GST_WEBRTCSIGNAL_SOURCE_ROOT:?}"
log=$(mktemp)
pid=
cleanup () {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && sleep 0.3 && kill -9 "$pid" 2>/dev/null
  rm -f "$log"
}
trap cleanup EXIT

gst-launch-1.0 videotestsrc is-live=true ! webrtcsend uri=whep-listen://127.0.0.1:0/whep \
  turn-servers='<"turn://alice:secret@127.0.0.1:3478", "turns://bob:pw@127.0.0.1:5349">' \
  >"$log" 2>&1 &
pid=$!
url=
for _ in $(seq 1 100); do
  url=$(grep -Eo 'http://127\.0\.0\.1:[0-9]+/whep' "$log" | head -1)
  [ -n "$url" ] && break
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
if [ -z "$url" ]; then
  echo "FAIL: gst-launch-1.0 did not start the WHEP endpoint:"
  cat "$log"
  exit 1
fi

python3 - "$url" "$src/tests/data/chromium-recvonly-offer.sdp" <<'PY'
import sys, urllib.request
url, offer = sys.argv[1], open(sys.argv[2], "rb").read()
request = urllib.request.Request(url, data=offer, method="POST",
                                 headers={"Content-Type": "application/sdp"})
with urllib.request.urlopen(request, timeout=20) as reply:
    links = reply.headers.get_all("Link") or []
expected = [
    '<turn:127.0.0.1:3478>; rel="ice-server"; username="alice"; '
    'credential="secret"; credential-type="password"',
    '<turns:127.0.0.1:5349>; rel="ice-server"; username="bob"; '
    'credential="pw"; credential-type="password"',
]
missing = [e for e in expected if e not in links]
if reply.status != 201 or missing:
    print("FAIL: status", reply.status, "Link headers:", links, "missing:", missing)
    sys.exit(1)
print("ok: both TURN servers of the launch line announced:", *links, sep="\n  ")
PY
