#!/bin/sh
# Send to a separate signalling server (gst-webrtc-serve, or gst-plugins-rs'
# gst-webrtc-signalling-server): browsers watch at its web app, receivers
# (webrtcrecv, webrtcsrc) take it by its producer id.
exec gst-launch-1.0 videotestsrc is-live=true pattern=ball ! video/x-raw,width=640,height=480,framerate=30/1 ! webrtcsend name=s uri="${SERVER:-ws://127.0.0.1:8443/}" meta="meta,name=${NAME:-gst}" video-codecs="${CODECS:-vp8,h264}" audiotestsrc is-live=true wave=sine ! s.
