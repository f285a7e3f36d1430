#!/bin/sh
# Interop, another WebRTC stack publishing to webrtcrecv:
#   test-send-to-recv.sh pion|werift
# webrtcrecv uri=manual:?offer=1 prints a receive-only offer token (video
# and audio, bundled); the peer program, pion-sender/main.go (Go) or
# werift-sender.mjs (TypeScript), answers it and sends the VP8 and Opus that
# a GStreamer pipeline payloads for it, 8 s of each; webrtcrecv records them
# into Matroska. Passes when the file is finalized and at least 4/5 of the
# frames sent decode from it, video and audio.
#
# Both stacks skip loopback when gathering: the namespace (run-in-netns.sh)
# gets a veth pair with two 10.80.0.x addresses; nothing leaves it.
# SPDX-License-Identifier: LGPL-2.1-or-later
set -eu
here=$(cd "$(dirname "$0")" && pwd)
peer=${1:?usage: test-send-to-recv.sh pion|werift}
case "$peer" in
  pion)
    . "$here/pion-build.sh"
    bin=$(pion_build gstwebrtcsignal/pion-sender pion-sender)
    set -- "$bin" ;;
  werift)
    if [ ! -d "$here/../browser/node_modules/werift" ]; then
      echo "werift is missing: (cd tests/browser && npm ci)" >&2
      exit 1
    fi
    set -- node "$here/werift-sender.mjs" ;;
  *) echo "unknown peer $peer" >&2; exit 1 ;;
esac

. "$here/../veth-pair.sh"
veth_pair peer 10.80.0

dir=$(mktemp -d)
recv_pid= peer_pid= source_pid=
trap 'kill $recv_pid $peer_pid $source_pid 2>/dev/null || true; rm -rf "$dir"' EXIT
fail () {
  echo "FAIL: $*"
  for f in recv.err peer.err source.err; do echo "--- $f"; tail -n 20 "$dir/$f"; done
  exit 1
}

mkfifo "$dir/to-recv" "$dir/to-peer"
file="$dir/$peer.mkv"
gst-launch-1.0 -e webrtcrecv name=r uri="manual:?offer=1" \
  r.video_0 ! queue ! matroskamux name=m ! filesink location="$file" \
  r.audio_0 ! queue ! m.audio_0 \
  <>"$dir/to-recv" >"$dir/to-peer" 2>"$dir/recv.err" &
recv_pid=$!
"$@" 5004 5006 <"$dir/to-peer" >"$dir/to-recv" 2>"$dir/peer.err" &
peer_pid=$!
for _ in $(seq 1 80); do
  grep -q "connection connected" "$dir/peer.err" && break
  sleep 0.25
done
grep -q "got the answer" "$dir/recv.err" || fail "webrtcrecv never read $peer's answer"
grep -q "connection connected" "$dir/peer.err" || fail "$peer did not connect within 20 s"

# 8 s of media, counted: 240 VP8 frames (a keyframe each second) and 400
# Opus frames of 20 ms, payloaded by GStreamer, sent by the peer.
seconds=8
gst-launch-1.0 -q videotestsrc is-live=true pattern=ball num-buffers=$((seconds * 30)) ! \
  video/x-raw,width=320,height=240,framerate=30/1 ! vp8enc deadline=1 keyframe-max-dist=30 ! \
  rtpvp8pay ! udpsink host=127.0.0.1 port=5004 \
  audiotestsrc is-live=true wave=ticks samplesperbuffer=960 num-buffers=$((seconds * 50)) ! \
  opusenc ! rtpopuspay ! udpsink host=127.0.0.1 port=5006 2>"$dir/source.err" &
source_pid=$!
wait $source_pid || fail "the GStreamer source failed"
source_pid=
sleep 1
# The recording is finalized on EOS (-e): interrupt and wait, bounded.
kill -INT $recv_pid
for _ in $(seq 1 100); do kill -0 $recv_pid 2>/dev/null || break; sleep 0.1; done
kill -0 $recv_pid 2>/dev/null && fail "webrtcrecv did not finish the recording within 10 s of SIGINT"
recv_pid=

# Decoded frames of one track (bounded: a file without that track stalls).
count () {
  timeout 30 gst-launch-1.0 -v filesrc location="$file" ! matroskademux name=d d.$1 ! queue ! $2 ! \
    fakesink silent=false 2>&1 | grep -c 'fakesink0.*chain' || true
}
video=$(count video_0 vp8dec) audio=$(count audio_0 opusdec)
echo "webrtcrecv recorded $(stat -c %s "$file") bytes from $peer: $video of $((seconds * 30)) VP8 frames and $audio of $((seconds * 50)) Opus frames decode"
[ "$video" -ge $((seconds * 30 * 4 / 5)) ] || fail "only $video VP8 frames decode"
[ "$audio" -ge $((seconds * 50 * 4 / 5)) ] || fail "only $audio Opus frames decode"
echo "$peer -> webrtcrecv ok"
