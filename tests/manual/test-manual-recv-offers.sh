#!/bin/sh
# The other way round: webrtcrecv makes the offer (uri=manual:?offer=1, a
# receive-only offer, as a WHEP client would) and webrtcsend answers it
# (uri=manual:?answer=1), each reading the other's stdout on its stdin
# through two fifos. Passes when the receiver's fakesink reports buffers.
# SPDX-License-Identifier: LGPL-2.1-or-later
set -eu
send_pid= recv_pid= tee_pid=
dir=$(mktemp -d)
trap 'kill $send_pid $recv_pid $tee_pid 2>/dev/null || true; rm -rf "$dir"' EXIT
mkfifo "$dir/to-recv" "$dir/to-send" "$dir/to-tee"

gst-launch-1.0 -q videotestsrc is-live=true ! video/x-raw,width=320,height=240 ! \
  webrtcsend uri="manual:?answer=1" video-codecs=vp8 <>"$dir/to-send" >"$dir/to-recv" 2>"$dir/send.err" &
send_pid=$!
# -v prints the fakesink's chain lines, also to the sender's stdin: the
# sender rejects those lines as tokens (a message each) and keeps going.
tee "$dir/recv.out" <>"$dir/to-tee" >"$dir/to-send" &
tee_pid=$!
gst-launch-1.0 -v webrtcrecv name=r uri="manual:?offer=1" r.video_0 ! fakesink silent=false \
  <>"$dir/to-recv" >"$dir/to-tee" 2>"$dir/recv.err" &
recv_pid=$!

for i in $(seq 1 60); do
  if [ "$(grep -c 'chain' "$dir/recv.out" 2>/dev/null || true)" -gt 10 ]; then break; fi
  sleep 0.5
done
cat "$dir/send.err" "$dir/recv.err" >&2
grep -q "got the offer" "$dir/send.err"
grep -q "got the answer" "$dir/recv.err"
n=$(grep -c 'chain' "$dir/recv.out" || true)
echo "receiver (the offerer) got $n buffers" >&2
[ "$n" -gt 10 ]
