// A werift (WebRTC in TypeScript, from npm) peer that publishes to
// webrtcrecv, with the same contract as pion-sender/main.go: it answers the
// offer token webrtcrecv uri=manual:?offer=1 prints (base64 of
// {"type","sdp"}, read on stdin), prints its answer the same way on stdout,
// says "connection connected" on stderr once connected, then sends the RTP
// that arrives on two local UDP ports, VP8 on the first and Opus on the
// second, as its two tracks (werift rewrites SSRC, payload type, sequence
// numbers and timestamps to its own).
//
// Usage: node werift-sender.mjs VIDEO_PORT AUDIO_PORT
// SPDX-License-Identifier: LGPL-2.1-or-later
import dgram from 'node:dgram';
import readline from 'node:readline';
import { createRequire } from 'node:module';

const require = createRequire(
  new URL('../browser/node_modules/', import.meta.url).pathname + 'x.js');
const { RTCPeerConnection, MediaStreamTrack } = require('werift');

function fail (message) {
  process.stderr.write(`werift-sender: ${message}\n`);
  process.exit(1);
}

const [videoPort, audioPort] = process.argv.slice(2).map(Number);
if (!videoPort || !audioPort)
  fail('usage: node werift-sender.mjs VIDEO_PORT AUDIO_PORT');

function readOffer () {
  return new Promise((resolve) => {
    const lines = readline.createInterface({ input: process.stdin });
    let found = false;
    lines.on('line', (line) => {
      try {
        const description = JSON.parse(Buffer.from(line.trim(), 'base64').toString());
        if (description.type === 'offer' && !found) {
          found = true;
          resolve(description);
        }
      } catch { /* not a token: webrtcrecv's other output */ }
    });
    lines.on('close', () => found || fail('no offer token on stdin'));
  });
}

function forward (port, track) {
  const socket = dgram.createSocket('udp4');
  socket.on('message', (packet) => track.writeRtp(packet));
  socket.on('error', (error) => fail(`UDP ${port}: ${error.message}`));
  socket.bind(port, '127.0.0.1');
}

const pc = new RTCPeerConnection({});
pc.connectionStateChange.subscribe((state) => {
  process.stderr.write(`werift-sender: connection ${state}\n`);
  if (state === 'failed')
    process.exit(2);
});

const offer = await readOffer();
await pc.setRemoteDescription(offer);
// The offer is receive-only: each of its m-lines gets our track, sent only.
for (const kind of ['video', 'audio']) {
  const transceiver = pc.getTransceivers().find((t) => t.kind === kind);
  if (!transceiver)
    fail(`the offer has no ${kind} m-line`);
  const track = new MediaStreamTrack({ kind });
  transceiver.setDirection('sendonly');
  transceiver.sender.replaceTrack(track);
  forward(kind === 'video' ? videoPort : audioPort, track);
}
await pc.setLocalDescription(await pc.createAnswer());
while (pc.iceGatheringState !== 'complete')
  await new Promise((resolve) => setTimeout(resolve, 50));
const answer = { type: 'answer', sdp: pc.localDescription.sdp };
process.stdout.write(Buffer.from(JSON.stringify(answer)).toString('base64') + '\n');
