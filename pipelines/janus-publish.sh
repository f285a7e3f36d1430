#!/bin/sh
# Publish a test pattern and a tone into a Janus VideoRoom: one upload to
# Janus whatever the number of viewers. The room URI comes from $1 or
# JANUS_URL (janus+ws://HOST:PORT/?room=ID[&display=NAME][&create=1][&pin=PIN]).
url=${1:-${JANUS_URL:-janus+ws://127.0.0.1:8188/?room=1234&display=test}}
exec gst-launch-1.0 videotestsrc is-live=true pattern=ball ! video/x-raw,width=640,height=480,framerate=30/1 ! webrtcsend name=s uri="$url" video-codecs="${CODECS:-vp8}" audiotestsrc is-live=true wave=sine ! s.
