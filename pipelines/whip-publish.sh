#!/bin/sh
# Publish a test pattern and a tone to a WHIP server (RFC 9725): a media
# server's WHIP endpoint, or webrtcrecv uri=whip-listen://... The endpoint
# URL comes from $1 or WHIP_URL (http(s)://..., or already whip+http(s)://...);
# TOKEN, if set, is sent as the bearer token.
url=${1:-${WHIP_URL:-http://127.0.0.1:8889/live/whip}}
case $url in whip+*) ;; *) url="whip+$url" ;; esac
exec gst-launch-1.0 videotestsrc is-live=true pattern=ball ! video/x-raw,width=640,height=480,framerate=30/1 ! webrtcsend name=s uri="$url" signaller::auth-token="${TOKEN:-}" video-codecs="${CODECS:-vp8,h264}" audiotestsrc is-live=true wave=sine ! s.
