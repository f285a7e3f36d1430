#!/bin/sh
# A media file (video and sound) to any browser in real time, server
# embedded: open the printed http:// URL and click the stream. Decoded and
# encoded again; gst-webrtc-send --file sends VP8/H264 files without that.
exec gst-launch-1.0 filesrc location="${FILE:?set FILE=path/to/movie}" ! decodebin name=d d. ! queue ! videoconvert ! webrtcsend name=s serve="${ADDR:-127.0.0.1:8443}" meta="meta,name=${NAME:-file}" d. ! queue ! audioconvert ! audioresample ! s.
