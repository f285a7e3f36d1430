#!/bin/sh
# A camera to any browser, server embedded: open the printed http:// URL and
# click "camera". decodebin takes raw and MJPEG cameras alike. DEVICE
# defaults to /dev/video0, ADDR to 127.0.0.1:8443. (gst-webrtc-send --camera
# also picks the camera's best mode for you.)
exec gst-launch-1.0 v4l2src device="${DEVICE:-/dev/video0}" ! decodebin ! videoconvert ! webrtcsend serve="${ADDR:-127.0.0.1:8443}" meta="meta,name=${NAME:-camera}"
