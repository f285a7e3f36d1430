#!/bin/sh
# Interop of the manual: token with a WebRTC stack nobody here wrote: pion
# (Go; Debian's golang-github-pion-webrtc.v3-dev). Its save-to-disk example
# reads a browser-style base64 offer on stdin, prints its answer the same
# way and writes the VP8 it receives to output.ivf, the Opus to output.ogg.
# Here webrtcsend's manual: offer, video and audio bundled, goes to it and
# its answer comes back, through two fifos; the test passes when both files
# pion wrote hold frames that GStreamer decodes. (pion tells the two streams
# of the bundle apart by the SSRCs our offer declares: without them it
# received nothing at all, "Incoming unhandled RTP ssrc".)
#
# pion skips loopback addresses when gathering, so the namespace (made by
# run-in-netns.sh) gets a veth pair with two 10.77.0.x addresses: both
# peers see each other there, and nothing leaves the namespace.
# SPDX-License-Identifier: LGPL-2.1-or-later
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../interop/pion-build.sh"
bin=$(pion_build github.com/pion/webrtc/v3/examples/save-to-disk pion-save-to-disk)

. "$here/../veth-pair.sh"
veth_pair pion 10.77.0

dir=$(mktemp -d)
send_pid= pion_pid=
trap 'kill $send_pid $pion_pid 2>/dev/null || true; rm -rf "$dir"' EXIT
mkfifo "$dir/to-pion" "$dir/to-send"

gst-launch-1.0 -q videotestsrc is-live=true ! video/x-raw,width=320,height=240,framerate=30/1 ! \
  webrtcsend name=s uri=manual: video-codecs=vp8 audiotestsrc is-live=true wave=ticks ! s. \
  <>"$dir/to-send" >"$dir/to-pion" 2>"$dir/send.err" &
send_pid=$!
(cd "$dir" && exec "$bin" <>"$dir/to-pion" >"$dir/to-send" 2>"$dir/pion.err") &
pion_pid=$!

frames=0
for _ in $(seq 1 80); do
  size=$(stat -c %s "$dir/output.ivf" 2>/dev/null || echo 0)
  [ "$size" -gt 20000 ] && break
  sleep 0.25
done
sleep 3
kill $pion_pid $send_pid 2>/dev/null || true
wait $pion_pid 2>/dev/null || true
cat "$dir/send.err" "$dir/pion.err" >&2

grep -q "got the answer" "$dir/send.err"
# Decode what pion wrote; fakesink -v prints a "chain" line per frame.
frames=$(gst-launch-1.0 filesrc location="$dir/output.ivf" ! ivfparse ! vp8dec ! \
  fakesink silent=false -v 2>&1 | grep -c "chain" || true)
echo "pion wrote $(stat -c %s "$dir/output.ivf") bytes; GStreamer decoded $frames VP8 frames from it" >&2
audio=$(gst-launch-1.0 filesrc location="$dir/output.ogg" ! oggdemux ! opusdec ! \
  fakesink silent=false -v 2>&1 | grep -c "chain" || true)
echo "pion wrote $(stat -c %s "$dir/output.ogg") bytes of Ogg; GStreamer decoded $audio Opus frames" >&2
[ "$frames" -gt 45 ] && [ "$audio" -gt 100 ]
