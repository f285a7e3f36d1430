#!/bin/sh
# Watch a producer with gst-play-1.0: webrtcrecv handles webrtc+ws:// URIs.
exec gst-play-1.0 ${PLAY_ARGS:-} "webrtc+${SERVER:-ws://127.0.0.1:8443/}?producer=${PRODUCER:-}"
