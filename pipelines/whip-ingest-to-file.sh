#!/bin/sh
# Be a WHIP endpoint (RFC 9725) and record what a WHIP client publishes (OBS,
# a browser page, webrtcsend uri=whip+http://...) into Matroska without
# re-encoding. Clients POST to the URL it prints ("WHIP endpoint listening on
# http://ADDR:PORT/whip"; ADDR=127.0.0.1:0 picks a free port). The client's
# DELETE, its vanishing, or Ctrl-C finalizes the file. One publisher at a
# time: the next POST gets 409.
exec gst-launch-1.0 -e webrtcrecv uri="whip-listen://${ADDR:-127.0.0.1:8080}/whip" name=r r.video_0 ! queue ! matroskamux name=m ! filesink location="${OUT:-whip.mkv}" r.audio_0 ! queue ! m.audio_0
