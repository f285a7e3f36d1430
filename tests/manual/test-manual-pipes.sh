#!/bin/sh
# webrtcsend and webrtcrecv in two gst-launch-1.0 processes, each reading
# the other's stdout on its stdin (two fifos): the default stdin/stdout mode.
# Passes when the receiver's fakesink reports buffers.
# SPDX-License-Identifier: LGPL-2.1-or-later
set -eu
send_pid= recv_pid= tee_pid=
dir=$(mktemp -d)
trap 'kill $send_pid $recv_pid $tee_pid 2>/dev/null || true; rm -rf "$dir"' EXIT
mkfifo "$dir/to-recv" "$dir/to-send" "$dir/to-tee"

# Stdin opens the fifos read-write (<>) so that no open blocks on a writer.
# -q: gst-launch prints nothing else on stdout, so the token line is alone.
gst-launch-1.0 -q videotestsrc is-live=true ! video/x-raw,width=320,height=240 ! \
  webrtcsend uri=manual: video-codecs=vp8 <>"$dir/to-send" >"$dir/to-recv" 2>"$dir/send.err" &
send_pid=$!
# -v prints the fakesink's chain lines, also to the sender's stdin: the
# sender rejects those lines as tokens (a message each) and keeps waiting.
tee "$dir/recv.out" <>"$dir/to-tee" >"$dir/to-send" &
tee_pid=$!
gst-launch-1.0 -v webrtcrecv uri=manual: ! fakesink silent=false \
  <>"$dir/to-recv" >"$dir/to-tee" 2>"$dir/recv.err" &
recv_pid=$!

for i in $(seq 1 60); do
  if [ "$(grep -c 'chain' "$dir/recv.out" 2>/dev/null || true)" -gt 10 ]; then break; fi
  sleep 0.5
done
cat "$dir/send.err" "$dir/recv.err" >&2
grep -q "got the offer" "$dir/recv.err"
grep -q "got the answer" "$dir/send.err"
n=$(grep -c 'chain' "$dir/recv.out" || true)
echo "receiver got $n buffers" >&2
[ "$n" -gt 10 ]
