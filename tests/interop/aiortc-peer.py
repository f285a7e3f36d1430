#!/usr/bin/python3
# An aiortc (Debian's python3-aiortc) peer for WHIP/WHEP endpoints, for the
# interop tests:
#   aiortc-peer.py whep URL SECONDS   play from a WHEP endpoint (webrtcsend
#                                     uri=whep-listen://...): prints JSON with
#                                     the video frames aiortc decoded, their
#                                     size, and the audio frames
#   aiortc-peer.py whip URL SECONDS   publish aiortc's own test video (a
#                                     moving pattern it encodes to VP8) and a
#                                     tone (Opus) to a WHIP endpoint
#                                     (webrtcrecv uri=whip-listen://...), then
#                                     DELETE the session; prints JSON with
#                                     the frames sent
# aiortc gathers its candidates before it offers (no trickle), so one POST
# and its 201 make the session. Exits non-zero with a message when the
# endpoint refuses or nothing arrives.
# SPDX-License-Identifier: LGPL-2.1-or-later
import asyncio
import fractions
import json
import math
import sys
import time
import urllib.parse
import urllib.request

import numpy
from aiortc import RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import AudioStreamTrack, MediaStreamError, VideoStreamTrack
from av import AudioFrame, VideoFrame


def post_offer(url, sdp):
    """POSTs our offer; returns (answer SDP, absolute resource URL)."""
    req = urllib.request.Request(url, data=sdp.encode(), method="POST",
                                 headers={"Content-Type": "application/sdp"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        if resp.status != 201:
            raise SystemExit(f"{url} answered {resp.status}, expected 201")
        location = urllib.parse.urljoin(url, resp.headers["Location"])
        return resp.read().decode(), location


def delete(resource):
    req = urllib.request.Request(resource, method="DELETE")
    with urllib.request.urlopen(req, timeout=10) as resp:
        return resp.status


async def connect(pc, url):
    await pc.setLocalDescription(await pc.createOffer())
    answer, resource = await asyncio.get_running_loop().run_in_executor(
        None, post_offer, url, pc.localDescription.sdp)
    await pc.setRemoteDescription(RTCSessionDescription(sdp=answer, type="answer"))
    return resource


async def consume(track, figures, seconds):
    """Decoded frames of track until seconds have passed."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            frame = await asyncio.wait_for(track.recv(), timeout=max(0.1, deadline - time.monotonic()))
        except (asyncio.TimeoutError, MediaStreamError):
            break
        figures[track.kind + "_frames"] += 1
        if track.kind == "video":
            figures["width"], figures["height"] = frame.width, frame.height


async def whep(url, seconds):
    pc = RTCPeerConnection()
    pc.addTransceiver("video", direction="recvonly")
    pc.addTransceiver("audio", direction="recvonly")
    figures = {"video_frames": 0, "audio_frames": 0, "width": 0, "height": 0}
    tasks = []
    pc.on("track", lambda track: tasks.append(asyncio.ensure_future(consume(track, figures, seconds))))
    resource = await connect(pc, url)
    await asyncio.sleep(seconds)
    await asyncio.gather(*tasks)
    delete(resource)
    await pc.close()
    return figures


class Pattern(VideoStreamTrack):
    """320x240 frames whose brightness moves, so that VP8 has work to do."""

    def __init__(self):
        super().__init__()
        self.count = 0

    async def recv(self):
        pts, time_base = await self.next_timestamp()
        image = numpy.zeros((240, 320, 3), numpy.uint8)
        image[:, (self.count * 4) % 320:, :] = 200
        frame = VideoFrame.from_ndarray(image, format="bgr24")
        frame.pts, frame.time_base = pts, time_base
        self.count += 1
        return frame


class Tone(AudioStreamTrack):
    """A 440 Hz tone, 20 ms per frame, 48 kHz mono."""

    def __init__(self):
        super().__init__()
        self.samples = 0

    async def recv(self):
        await super().recv()  # paces us, like a real source
        n = 960
        t = (numpy.arange(n) + self.samples) / 48000
        pcm = (numpy.sin(2 * math.pi * 440 * t) * 8000).astype(numpy.int16)
        frame = AudioFrame.from_ndarray(pcm.reshape(1, -1), format="s16", layout="mono")
        frame.sample_rate = 48000
        frame.pts = self.samples
        frame.time_base = fractions.Fraction(1, 48000)
        self.samples += n
        return frame


async def whip(url, seconds):
    pc = RTCPeerConnection()
    video = Pattern()
    pc.addTransceiver(video, direction="sendonly")
    pc.addTransceiver(Tone(), direction="sendonly")
    resource = await connect(pc, url)
    deadline = time.monotonic() + 20
    while pc.connectionState != "connected" and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    if pc.connectionState != "connected":
        raise SystemExit(f"aiortc never connected to {url} (state {pc.connectionState})")
    start = video.count
    await asyncio.sleep(seconds)
    sent = video.count - start
    status = delete(resource)
    await pc.close()
    return {"video_frames_sent": sent, "delete_status": status}


def main():
    if len(sys.argv) != 4 or sys.argv[1] not in ("whep", "whip"):
        raise SystemExit(f"usage: {sys.argv[0]} whep|whip URL SECONDS")
    mode, url, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
    result = asyncio.run(whep(url, seconds) if mode == "whep" else whip(url, seconds))
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
