#!/bin/sh
# The X screen of $DISPLAY to any browser at 30 fps, server embedded: open the
# printed http:// URL and click "screen". ADDR defaults to 127.0.0.1:8443.
exec gst-launch-1.0 ximagesrc use-damage=false show-pointer=true ! video/x-raw,framerate=30/1 ! videoconvert ! webrtcsend serve="${ADDR:-127.0.0.1:8443}" meta="meta,name=${NAME:-screen}"
