#!/bin/sh
# A test pattern and a tone to any browser, with the signalling server and the
# web app inside webrtcsend: open the printed http:// URL and click the stream.
# ADDR defaults to 127.0.0.1:8443 (0.0.0.0:8443 to reach it from elsewhere).
exec gst-launch-1.0 videotestsrc is-live=true ! video/x-raw,width=1280,height=720,framerate=30/1 ! webrtcsend name=s serve="${ADDR:-127.0.0.1:8443}" meta="meta,name=${NAME:-test-pattern}" audiotestsrc is-live=true wave=sine volume=0.2 ! s.
