#!/bin/sh
# Why does an RTP stream look bad? rtpdiag reports loss, jitter, reordering,
# bitrate, frame rate and keyframes per SSRC every second (gst-launch -m prints
# them; OUT collects them as JSON lines) while the video plays on.
exec gst-launch-1.0 -m udpsrc address=127.0.0.1 port="${PORT:-5004}" caps="application/x-rtp,media=video,clock-rate=90000,encoding-name=VP8,payload=96" ! rtpdiag location="${OUT:-rtpdiag.jsonl}" ! rtpjitterbuffer ! rtpvp8depay ! vp8dec ! videoconvert ! "${SINK:-autovideosink}"
