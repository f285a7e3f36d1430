#!/usr/bin/env bash
# Runs every pipelines/*.sh one-liner for real: a test pattern served by the
# element, a sender to gst-webrtc-serve, recordings of it into Matroska and
# fragmented MP4 checked with gst-discoverer-1.0, and gst-play-1.0 on a
# webrtc+ws:// URI. Run inside a loopback-only namespace (run-in-netns.sh).
# SPDX-License-Identifier: LGPL-2.1-or-later
set -u
src="${GST_WEBRTCSIGNAL_SOURCE_ROOT:?}"
build="${GST_WEBRTCSIGNAL_BUILD_ROOT:?}"
tmp=$(mktemp -d)
pids=()
failures=0
cleanup () {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done
  sleep 0.5
  for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null; done
  rm -rf "$tmp"
}
trap cleanup EXIT
fail () { echo "FAIL: $*"; failures=$((failures + 1)); }
pass () { echo "ok: $*"; }

# Waits up to $2 s for a line matching $3 in file $1; prints the match.
wait_line () {
  local match
  for _ in $(seq 1 $(($2 * 10))); do
    match=$(grep -Eo "$3" "$1" 2>/dev/null | head -1)
    if [ -n "$match" ]; then echo "$match"; return 0; fi
    sleep 0.1
  done
  return 1
}

# Runs a recording pipeline file ($1) into $2: once media reaches the file,
# records $3 more seconds, then stops it with SIGINT (EOS) and waits.
record () {
  local script=$1 out=$2 seconds=$3 pid size
  SERVER=${SERVER_URL:?} OUT="$out" sh "$script" > "$out.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 200); do
    size=$(stat -c %s "$out" 2>/dev/null || echo 0)
    [ "$size" -gt 20000 ] && break
    sleep 0.1
  done
  sleep "$seconds"
  kill -INT "$pid" 2>/dev/null
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
}

# Checks a recording: both tracks and at least $2 seconds.
check_recording () {
  local file=$1 min=$2 info
  info=$(gst-discoverer-1.0 "$file" 2>&1)
  echo "$info" | grep -q "video #" || { fail "$file has no video"; echo "$info" | head -20; return; }
  echo "$info" | grep -q "audio #" || { fail "$file has no audio"; return; }
  local dur
  dur=$(echo "$info" | sed -n 's/.*Duration: \([0-9]*\):\([0-9]*\):\([0-9]*\)\..*/\1 \2 \3/p' | head -1 |
    awk '{print $1 * 3600 + $2 * 60 + $3}')
  if [ "${dur:-0}" -lt "$min" ]; then fail "$file lasts ${dur:-0} s, expected >= $min s"; return; fi
  pass "$file: video + audio, ${dur} s"
}

# 1. test-pattern-to-browser: the element serves and announces its URL; a
#    receiver records from it.
ADDR=127.0.0.1:0 NAME=pattern sh "$src/pipelines/test-pattern-to-browser.sh" > "$tmp/pattern.log" 2>&1 &
pids+=($!)
url=$(wait_line "$tmp/pattern.log" 20 'http://127\.0\.0\.1:[0-9]+/') || { fail "test-pattern-to-browser announced no URL"; cat "$tmp/pattern.log"; }
if [ -n "${url:-}" ]; then
  pass "test-pattern-to-browser serves $url"
  SERVER_URL="ws${url#http}" record "$src/pipelines/record-to-mkv.sh" "$tmp/pattern.mkv" 3
  check_recording "$tmp/pattern.mkv" 2
fi

# 2. send-to-server with a separate gst-webrtc-serve.
"$build/tools/gst-webrtc-serve" --port 0 --quiet > "$tmp/serve.log" 2>&1 &
pids+=($!)
server=$(wait_line "$tmp/serve.log" 10 'http://127\.0\.0\.1:[0-9]+/') || fail "gst-webrtc-serve did not start"
server="ws${server#http}"
SERVER=$server NAME=gst CODECS=h264 sh "$src/pipelines/send-to-server.sh" > "$tmp/send.log" 2>&1 &
pids+=($!)
sleep 1

# 3. record-to-mkv and record-to-mp4 from it (GStreamer to GStreamer).
SERVER_URL=$server record "$src/pipelines/record-to-mkv.sh" "$tmp/out.mkv" 4
check_recording "$tmp/out.mkv" 3
SERVER_URL=$server record "$src/pipelines/record-to-mp4.sh" "$tmp/out.mp4" 4
check_recording "$tmp/out.mp4" 3

# 4. play: gst-play-1.0 on webrtc+ws:// decodes the producer (to fakesinks).
#    Every buffer a sink renders is logged by basesink ("got times").
SERVER=$server PLAY_ARGS="--videosink=fakesink --audiosink=fakesink" GST_DEBUG=basesink:6 \
  GST_DEBUG_NO_COLOR=1 timeout -s INT 6 sh "$src/pipelines/play.sh" > "$tmp/play.log" 2>&1
rendered=$(grep -c "got times" "$tmp/play.log")
if grep -qE "^ERROR" "$tmp/play.log" || [ "$rendered" -lt 100 ]; then
  fail "play.sh rendered $rendered buffers: $(grep -E '^ERROR' "$tmp/play.log" | head -3)"
else
  pass "play.sh: gst-play-1.0 rendered $rendered audio/video buffers"
fi

# 5. rtp-diagnostics: a VP8 RTP stream over UDP on loopback, measured.
PORT=5004 OUT="$tmp/rtpdiag.jsonl" SINK=fakesink sh "$src/pipelines/rtp-diagnostics.sh" > "$tmp/diag.log" 2>&1 &
diag=$!
pids+=($diag)
sleep 1
gst-launch-1.0 videotestsrc is-live=true num-buffers=90 ! video/x-raw,width=320,height=240,framerate=30/1 ! \
  vp8enc deadline=1 ! rtpvp8pay pt=96 ! udpsink host=127.0.0.1 port=5004 > "$tmp/rtpsend.log" 2>&1
sleep 1.5
kill -INT $diag 2>/dev/null
sleep 0.5
if grep -q '"packets"' "$tmp/rtpdiag.jsonl" 2>/dev/null &&
   grep -q '"packets-lost":0' "$tmp/rtpdiag.jsonl" &&
   grep -q "rtpdiag, " "$tmp/diag.log"; then
  pass "rtp-diagnostics: $(wc -l < "$tmp/rtpdiag.jsonl") reports, no loss on loopback"
else
  fail "rtp-diagnostics: no usable report ($(head -c 300 "$tmp/rtpdiag.jsonl" 2>/dev/null))"
fi

# 6. manual-send and manual-receive: each reads the other's token from its
#    stdin (two fifos, opened read-write so no open blocks); the receiver
#    records, and SIGINT finalizes the file.
mkfifo "$tmp/to-manual-recv" "$tmp/to-manual-send"
sh "$src/pipelines/manual-send.sh" <>"$tmp/to-manual-send" >"$tmp/to-manual-recv" 2>"$tmp/manual-send.log" &
pids+=($!)
OUT="$tmp/manual.mkv" sh "$src/pipelines/manual-receive.sh" <>"$tmp/to-manual-recv" \
  >"$tmp/to-manual-send" 2>"$tmp/manual-receive.log" &
manual_recv=$!
pids+=($manual_recv)
for _ in $(seq 1 300); do
  [ "$(stat -c %s "$tmp/manual.mkv" 2>/dev/null || echo 0)" -gt 20000 ] && break
  sleep 0.1
done
sleep 3
kill -INT $manual_recv 2>/dev/null
for _ in $(seq 1 100); do kill -0 $manual_recv 2>/dev/null || break; sleep 0.1; done
check_recording "$tmp/manual.mkv" 2

for f in "$src"/pipelines/*.sh; do
  grep -q "$(basename "$f")" "$0" || fail "pipelines/$(basename "$f") is not exercised by this test"
done
if [ $failures -ne 0 ]; then
  for log in "$tmp"/*.log "$tmp"/*/*.log; do echo "--- $log"; tail -15 "$log"; done
  exit 1
fi
echo "all pipelines ok"
