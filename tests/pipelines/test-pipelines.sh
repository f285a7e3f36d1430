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

# 7. camera-to-browser: there is no camera here, so its error path: a device
#    that does not exist stops gst-launch-1.0 with v4l2src's message.
DEVICE=/dev/video-missing ADDR=127.0.0.1:0 timeout 20 sh "$src/pipelines/camera-to-browser.sh" > "$tmp/camera.log" 2>&1
camera_rc=$?
if [ $camera_rc -ne 0 ] && [ $camera_rc -ne 124 ] &&
   grep -q "Cannot identify device '/dev/video-missing'" "$tmp/camera.log"; then
  pass "camera-to-browser without a camera: exit $camera_rc, $(grep -o "Cannot identify device '[^']*'" "$tmp/camera.log" | head -1)"
else
  fail "camera-to-browser without a camera: exit $camera_rc, no \"Cannot identify device\" message"
fi

# 8. screen-to-browser under Xvfb (its own display, unix socket only): a
#    webrtcrecv receiver decodes frames of the screen's size.
Xvfb -displayfd 3 -nolisten tcp -screen 0 800x600x24 3>"$tmp/xvfb.display" > "$tmp/xvfb.log" 2>&1 &
pids+=($!)
display=""
for _ in $(seq 1 100); do
  display=$(head -1 "$tmp/xvfb.display" 2>/dev/null)
  [ -n "$display" ] && break
  sleep 0.1
done
if [ -z "$display" ]; then
  fail "Xvfb did not start (apt-get install xvfb)"
else
  DISPLAY=":$display" ADDR=127.0.0.1:0 sh "$src/pipelines/screen-to-browser.sh" > "$tmp/screen.log" 2>&1 &
  screen_pid=$!
  pids+=($screen_pid)
  url=$(wait_line "$tmp/screen.log" 20 'http://127\.0\.0\.1:[0-9]+/') || fail "screen-to-browser announced no URL"
  if [ -n "${url:-}" ]; then
    timeout -s INT 10 gst-launch-1.0 -v webrtcrecv uri="ws${url#http}?producer=" name=r r.video_0 ! \
      queue ! videoconvert ! fakesink > "$tmp/screen-recv.log" 2>&1
    if grep -q "width=(int)800, height=(int)600" "$tmp/screen-recv.log"; then
      pass "screen-to-browser: Xvfb :$display received as 800x600 video"
    else
      fail "screen-to-browser: no 800x600 frames received from Xvfb :$display"
    fi
  fi
  kill "$screen_pid" 2>/dev/null
fi

# 9. file-to-browser on a file made here (VP8 + Opus, 10 s): recorded from
#    the element's server, with both tracks.
gst-launch-1.0 -q videotestsrc num-buffers=300 pattern=ball ! video/x-raw,width=640,height=480,framerate=30/1 ! \
  vp8enc deadline=1 keyframe-max-dist=30 ! queue ! webmmux name=m ! filesink location="$tmp/made.webm" \
  audiotestsrc num-buffers=470 samplesperbuffer=1024 ! audio/x-raw,rate=48000 ! opusenc ! queue ! m. \
  > "$tmp/made.log" 2>&1 || fail "could not make a test file: $(tail -3 "$tmp/made.log")"
FILE="$tmp/made.webm" ADDR=127.0.0.1:0 sh "$src/pipelines/file-to-browser.sh" > "$tmp/file.log" 2>&1 &
pids+=($!)
url=$(wait_line "$tmp/file.log" 20 'http://127\.0\.0\.1:[0-9]+/') || fail "file-to-browser announced no URL"
if [ -n "${url:-}" ]; then
  pass "file-to-browser serves $url"
  SERVER_URL="ws${url#http}" record "$src/pipelines/record-to-mkv.sh" "$tmp/file.mkv" 3
  check_recording "$tmp/file.mkv" 2
fi

# 10. whip-ingest-to-file: the WHIP endpoint in webrtcrecv records what
#     whip-publish.sh (webrtcsend uri=whip+http://) publishes; stopping the
#     publisher (its DELETE, or its silence) ends the recording by itself.
ADDR=127.0.0.1:0 OUT="$tmp/whip.mkv" sh "$src/pipelines/whip-ingest-to-file.sh" > "$tmp/whip-ingest.log" 2>&1 &
ingest=$!
pids+=($ingest)
whip=$(wait_line "$tmp/whip-ingest.log" 20 'http://127\.0\.0\.1:[0-9]+/whip') || fail "whip-ingest-to-file announced no URL"
if [ -n "${whip:-}" ]; then
  CODECS=vp8 sh "$src/pipelines/whip-publish.sh" "$whip" > "$tmp/whip-publish.log" 2>&1 &
  publisher=$!
  pids+=($publisher)
  for _ in $(seq 1 200); do
    [ "$(stat -c %s "$tmp/whip.mkv" 2>/dev/null || echo 0)" -gt 20000 ] && break
    sleep 0.1
  done
  sleep 3
  kill -INT $publisher 2>/dev/null
  for _ in $(seq 1 150); do kill -0 $ingest 2>/dev/null || break; sleep 0.1; done
  if kill -0 $ingest 2>/dev/null; then
    fail "whip-ingest-to-file still runs 15 s after its publisher stopped"
    kill -INT $ingest 2>/dev/null
    sleep 2
  else
    pass "whip-ingest-to-file finished by itself when its publisher stopped"
  fi
  check_recording "$tmp/whip.mkv" 2
fi

# 11. whep-serve: whep-play.sh (gst-play-1.0 on whep+http://) decodes it.
ADDR=127.0.0.1:0 sh "$src/pipelines/whep-serve.sh" > "$tmp/whep-serve.log" 2>&1 &
pids+=($!)
whep=$(wait_line "$tmp/whep-serve.log" 20 'http://127\.0\.0\.1:[0-9]+/whep') || fail "whep-serve announced no URL"
if [ -n "${whep:-}" ]; then
  PLAY_ARGS="--videosink=fakesink --audiosink=fakesink" GST_DEBUG=basesink:6 GST_DEBUG_NO_COLOR=1 \
    timeout -s INT 8 sh "$src/pipelines/whep-play.sh" "$whep" > "$tmp/whep-play.log" 2>&1
  rendered=$(grep -c "got times" "$tmp/whep-play.log")
  if grep -qE "^ERROR" "$tmp/whep-play.log" || [ "$rendered" -lt 100 ]; then
    fail "whep-serve: whep-play.sh rendered $rendered buffers: $(grep -E '^ERROR' "$tmp/whep-play.log" | head -3)"
  else
    pass "whep-serve: whep-play.sh rendered $rendered audio/video buffers"
  fi
fi

# janus-publish.sh needs a Janus with an address of its own (not loopback):
# tests/janus/test-janus.cpp (Janus.PipelineScriptPublishes) runs it.
for f in "$src"/pipelines/*.sh; do
  grep -q "$(basename "$f")" "$0" || fail "pipelines/$(basename "$f") is not exercised by this test"
done
if [ $failures -ne 0 ]; then
  for log in "$tmp"/*.log "$tmp"/*/*.log; do echo "--- $log"; tail -15 "$log"; done
  exit 1
fi
echo "all pipelines ok"
