#!/bin/sh
# Record a producer (a browser's publish page, webrtcsend, ...) into Matroska
# without re-encoding; Ctrl-C (or the producer leaving) finalizes the file.
# PRODUCER empty = the first producer on the server (or the next to appear).
exec gst-launch-1.0 -e webrtcrecv uri="${SERVER:-ws://127.0.0.1:8443/}?producer=${PRODUCER:-}" name=r r.video_0 ! queue ! matroskamux name=m ! filesink location="${OUT:-out.mkv}" r.audio_0 ! queue ! m.audio_0
