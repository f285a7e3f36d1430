#!/bin/sh
# Record a producer into fragmented MP4 (one fragment a second: a crash loses
# at most the last one). H264 producers record without re-encoding.
exec gst-launch-1.0 -e webrtcrecv uri="${SERVER:-ws://127.0.0.1:8443/}?producer=${PRODUCER:-}" video-codecs=h264 name=r r.video_0 ! queue ! h264parse ! mp4mux name=m fragment-duration=1000 ! filesink location="${OUT:-out.mp4}" r.audio_0 ! queue ! m.audio_0
