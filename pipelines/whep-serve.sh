#!/bin/sh
# Serve a test pattern and a tone to WHEP players (browsers, gst-play-1.0
# whep+http://..., media players with WHEP): each viewer POSTs its offer to
# the URL printed ("WHEP endpoint listening on http://ADDR:PORT/whep";
# ADDR=127.0.0.1:0 picks a free port). Every viewer shares one encoder per
# codec; MAX viewers at once (0 = no limit), the next one gets 503.
exec gst-launch-1.0 videotestsrc is-live=true pattern=ball ! video/x-raw,width=640,height=480,framerate=30/1 ! webrtcsend name=s uri="whep-listen://${ADDR:-127.0.0.1:8080}/whep" max-consumers="${MAX:-0}" video-codecs="${CODECS:-vp8}" audiotestsrc is-live=true wave=sine ! s.
