#!/bin/sh
# Send a test pattern and a tone with no server at all (manual: copy-paste
# signalling): webrtcsend prints its offer as one line on stdout (its
# messages go to stderr) and reads the answer pasted on stdin. Answer it with
# manual-receive.sh, tools/web/manual.html (Watch) or any peer that speaks
# pion's base64 copy-paste tokens.
exec gst-launch-1.0 -q videotestsrc is-live=true pattern=ball ! video/x-raw,width=640,height=480,framerate=30/1 ! webrtcsend name=s uri=manual: video-codecs="${CODECS:-vp8}" audiotestsrc is-live=true wave=sine ! s.
