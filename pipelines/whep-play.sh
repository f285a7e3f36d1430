#!/bin/sh
# Watch a WHEP stream with gst-play-1.0: webrtcrecv handles whep+http(s)://
# URIs (it offers receive-only; servers that make the offer themselves need
# webrtcrecv's signaller::server-offer=true in a launch line instead). The
# URL comes from $1 or WHEP_URL (http(s)://..., or already whep+http(s)://...).
url=${1:-${WHEP_URL:-http://127.0.0.1:8889/live/whep}}
case $url in whep+*) ;; *) url="whep+$url" ;; esac
exec gst-play-1.0 ${PLAY_ARGS:-} "$url"
