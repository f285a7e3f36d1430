#!/bin/sh
# Interop with aiortc (Python, Debian's python3-aiortc), both directions,
# through our WHIP/WHEP endpoints (aiortc-peer.py):
# 1. aiortc plays webrtcsend uri=whep-listen://...: it must decode our VP8
#    (320x240, at least 4/5 of the frames sent in the time) and Opus.
# 2. aiortc publishes its own VP8 + Opus to webrtcrecv
#    uri=whip-listen://...; its DELETE ends the stream (EOS), the Matroska
#    file is finalized and must decode, with about as many video frames as
#    aiortc sent.
# aiortc skips loopback when gathering, so the namespace (run-in-netns.sh)
# gets a veth pair with two 10.79.0.x addresses; nothing leaves it.
# SPDX-License-Identifier: LGPL-2.1-or-later
set -eu
python=/usr/bin/python3
here=$(cd "$(dirname "$0")" && pwd)
if ! $python -c 'import aiortc' 2>/dev/null; then
  echo "aiortc is missing: apt-get install python3-aiortc" >&2
  exit 1
fi
. "$here/../veth-pair.sh"
veth_pair aio 10.79.0

dir=$(mktemp -d)
pid=
trap 'kill $pid 2>/dev/null || true; rm -rf "$dir"' EXIT
fail () { echo "FAIL: $*"; for f in "$dir"/*.log; do echo "--- $f"; tail -20 "$f"; done; exit 1; }

# A field of the JSON object in $1.
field () { echo "$1" | $python -c 'import json, sys; print(json.load(sys.stdin)[sys.argv[1]])' "$2"; }

# Waits up to 20 s for the endpoint URL in log $1.
endpoint_url () {
  for _ in $(seq 1 200); do
    url=$(grep -Eo 'http://10\.79\.0\.1:[0-9]+/wh[ie]p' "$1" | head -1)
    [ -n "$url" ] && { echo "$url"; return 0; }
    sleep 0.1
  done
  return 1
}

# 1. aiortc plays from webrtcsend.
gst-launch-1.0 videotestsrc is-live=true ! video/x-raw,width=320,height=240,framerate=30/1 ! \
  webrtcsend name=s uri=whep-listen://10.79.0.1:0/whep video-codecs=vp8 \
  audiotestsrc is-live=true ! s. > "$dir/send.log" 2>&1 &
pid=$!
url=$(endpoint_url "$dir/send.log") || fail "webrtcsend announced no WHEP endpoint"
seconds=6
out=$($python "$here/aiortc-peer.py" whep "$url" $seconds 2> "$dir/aiortc-whep.log") ||
  fail "aiortc could not play $url"
echo "aiortc played webrtcsend: $out"
kill $pid; wait $pid 2>/dev/null || true; pid=
video=$(field "$out" video_frames)
audio=$(field "$out" audio_frames)
size=$(field "$out" width)x$(field "$out" height)
[ "$video" -ge $((seconds * 30 * 4 / 5 - 30)) ] || fail "aiortc decoded $video video frames in $seconds s"
[ "$audio" -ge $((seconds * 50 / 2)) ] || fail "aiortc decoded $audio audio frames in $seconds s"
[ "$size" = 320x240 ] || fail "aiortc decoded $size, expected 320x240"

# 2. aiortc publishes to webrtcrecv, recorded.
file="$dir/aiortc.mkv"
gst-launch-1.0 -e webrtcrecv uri=whip-listen://10.79.0.1:0/whip name=r \
  r.video_0 ! queue ! matroskamux name=m ! filesink location="$file" \
  r.audio_0 ! queue ! m.audio_0 > "$dir/recv.log" 2>&1 &
pid=$!
url=$(endpoint_url "$dir/recv.log") || fail "webrtcrecv announced no WHIP endpoint"
out=$($python "$here/aiortc-peer.py" whip "$url" $seconds 2> "$dir/aiortc-whip.log") ||
  fail "aiortc could not publish to $url"
echo "aiortc published to webrtcrecv: $out"
# The DELETE ends the stream: the recorder finishes by itself.
for _ in $(seq 1 100); do kill -0 $pid 2>/dev/null || break; sleep 0.1; done
kill -0 $pid 2>/dev/null && fail "webrtcrecv did not end its stream after aiortc's DELETE"
wait $pid || fail "the recorder failed"
pid=
sent=$(field "$out" video_frames_sent)
decoded=$(gst-launch-1.0 -v filesrc location="$file" ! matroskademux name=d d.video_0 ! queue ! \
  vp8dec ! fakesink silent=false 2>&1 | grep -c 'fakesink0.*chain') || true
audio=$(gst-launch-1.0 -v filesrc location="$file" ! matroskademux name=d d.audio_0 ! queue ! \
  opusdec ! fakesink silent=false 2>&1 | grep -c 'fakesink0.*chain') || true
echo "recorded $(stat -c %s "$file") bytes: $decoded video frames decoded of $sent sent, $audio audio buffers"
[ "$decoded" -ge $((sent * 4 / 5)) ] || fail "only $decoded of the $sent video frames aiortc sent decode from the file"
[ "$audio" -ge $((seconds * 50 / 2)) ] || fail "only $audio audio buffers decode from the file"
echo "aiortc interop ok"
