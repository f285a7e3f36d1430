#!/bin/sh
# Receive with no server at all (manual: copy-paste signalling) and record
# to Matroska without re-encoding: paste the sender's offer (manual-send.sh,
# or the Publish side of tools/web/manual.html) on stdin; webrtcrecv prints
# its answer as one line on stdout. Ctrl-C finalizes the file.
exec gst-launch-1.0 -q -e webrtcrecv uri=manual: name=r r.video_0 ! queue ! matroskamux name=m ! filesink location="${OUT:-received.mkv}" r.audio_0 ! queue ! m.audio_0
