// A pion (Go) peer that publishes to webrtcrecv: it answers the offer token
// webrtcrecv uri=manual:?offer=1 prints (base64 of {"type","sdp"}, read on
// stdin), prints its answer the same way on stdout, then sends the RTP that
// arrives on two local UDP ports, VP8 on the first and Opus on the second,
// as its two tracks. pion rewrites SSRC and payload type to what it
// negotiated, so any RTP stream of those codecs will do (GStreamer's
// payloaders in the test).
//
// Usage: pion-sender VIDEO_PORT AUDIO_PORT
//
// pion's own play-from-disk example is not used: it stamps each video frame
// one second apart (Duration: time.Second) and sends one Ogg page as one
// Opus packet, which a receiver's jitter buffer rightly holds back.
//
// SPDX-License-Identifier: LGPL-2.1-or-later
package main

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"

	"github.com/pion/webrtc/v3"
)

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "pion-sender: "+format+"\n", args...)
	os.Exit(1)
}

// readOffer returns the first line of stdin that decodes as a description.
func readOffer() webrtc.SessionDescription {
	scanner := bufio.NewScanner(os.Stdin)
	scanner.Buffer(make([]byte, 1<<16), 1<<20)
	for scanner.Scan() {
		line := strings.TrimSpace(scanner.Text())
		raw, err := base64.StdEncoding.DecodeString(line)
		if err != nil {
			continue
		}
		var offer webrtc.SessionDescription
		if json.Unmarshal(raw, &offer) == nil && offer.Type == webrtc.SDPTypeOffer {
			return offer
		}
	}
	fail("no offer token on stdin")
	return webrtc.SessionDescription{}
}

// forward sends every datagram arriving on port through track.
func forward(port int, track *webrtc.TrackLocalStaticRTP) {
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.ParseIP("127.0.0.1"), Port: port})
	if err != nil {
		fail("listen on UDP %d: %v", port, err)
	}
	packet := make([]byte, 1600)
	for {
		n, _, err := conn.ReadFrom(packet)
		if err != nil {
			fail("read UDP %d: %v", port, err)
		}
		if _, err = track.Write(packet[:n]); err != nil {
			fail("write RTP: %v", err)
		}
	}
}

func addTrack(pc *webrtc.PeerConnection, mime, id string) *webrtc.TrackLocalStaticRTP {
	track, err := webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: mime}, id, "pion")
	if err != nil {
		fail("track %s: %v", id, err)
	}
	sender, err := pc.AddTrack(track)
	if err != nil {
		fail("add track %s: %v", id, err)
	}
	go func() { // RTCP must be read for pion's interceptors (NACK, reports) to run
		buf := make([]byte, 1500)
		for {
			if _, _, err := sender.Read(buf); err != nil {
				return
			}
		}
	}()
	return track
}

func main() {
	if len(os.Args) != 3 {
		fail("usage: pion-sender VIDEO_PORT AUDIO_PORT")
	}
	videoPort, err1 := strconv.Atoi(os.Args[1])
	audioPort, err2 := strconv.Atoi(os.Args[2])
	if err1 != nil || err2 != nil {
		fail("ports must be numbers")
	}

	pc, err := webrtc.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		fail("peer connection: %v", err)
	}
	video := addTrack(pc, webrtc.MimeTypeVP8, "video")
	audio := addTrack(pc, webrtc.MimeTypeOpus, "audio")
	pc.OnConnectionStateChange(func(state webrtc.PeerConnectionState) {
		fmt.Fprintf(os.Stderr, "pion-sender: connection %s\n", state)
		if state == webrtc.PeerConnectionStateFailed {
			os.Exit(2)
		}
	})

	if err = pc.SetRemoteDescription(readOffer()); err != nil {
		fail("offer refused: %v", err)
	}
	answer, err := pc.CreateAnswer(nil)
	if err != nil {
		fail("answer: %v", err)
	}
	gathered := webrtc.GatheringCompletePromise(pc)
	if err = pc.SetLocalDescription(answer); err != nil {
		fail("local description: %v", err)
	}
	<-gathered
	token, err := json.Marshal(pc.LocalDescription())
	if err != nil {
		fail("answer token: %v", err)
	}
	fmt.Println(base64.StdEncoding.EncodeToString(token))

	go forward(audioPort, audio)
	forward(videoPort, video)
}
