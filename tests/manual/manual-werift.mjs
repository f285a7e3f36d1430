// Interop of the manual: token with werift (WebRTC in TypeScript, from npm),
// as a consumer of webrtcsend sending video and audio in one bundle: werift
// answers our offer with its default settings and must receive RTP on both
// tracks. Before our offers declared their SSRCs, werift received nothing
// ("OnTrack will not be fired": it could not tell the two streams apart).
// Run by test-manual-werift.sh inside a namespace with a veth pair.
// SPDX-License-Identifier: LGPL-2.1-or-later
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(
  new URL('../browser/node_modules/', import.meta.url).pathname + 'x.js');
const { RTCPeerConnection } = require('werift');

const SECONDS = 6;
const deadline = setTimeout(() => finish('timed out'), 40000);

const send = spawn('gst-launch-1.0', ['-q',
  'videotestsrc', 'is-live=true', '!', 'video/x-raw,width=320,height=240,framerate=30/1', '!',
  'webrtcsend', 'name=s', 'uri=manual:', 'video-codecs=vp8',
  'audiotestsrc', 'is-live=true', 'wave=ticks', '!', 's.'], { stdio: ['pipe', 'pipe', 'pipe'] });
let stderr = '';
send.stderr.on('data', (d) => { stderr += d; });

const packets = { video: 0, audio: 0 };
const pc = new RTCPeerConnection({});
pc.onTrack.subscribe((track) => {
  track.onReceiveRtp.subscribe(() => { packets[track.kind]++; });
});

let buffered = '';
send.stdout.on('data', async (chunk) => {
  buffered += chunk;
  const line = buffered.split('\n').find((l) => l.trim().length > 100);
  if (!line || pc.remoteDescription)
    return;
  const offer = JSON.parse(Buffer.from(line.trim(), 'base64').toString());
  await pc.setRemoteDescription(offer);
  await pc.setLocalDescription(await pc.createAnswer());
  while (pc.iceGatheringState !== 'complete')
    await new Promise((r) => setTimeout(r, 50));
  const answer = { type: 'answer', sdp: pc.localDescription.sdp };
  send.stdin.write(Buffer.from(JSON.stringify(answer)).toString('base64') + '\n');
  setTimeout(() => finish(), SECONDS * 1000);
});

function finish (problem) {
  clearTimeout(deadline);
  send.kill('SIGINT');
  pc.close();
  console.log(`werift received ${packets.video} video and ${packets.audio} audio RTP packets ` +
    `in ${SECONDS} s`);
  // 30 fps VP8 at 320x240 and 50 Opus packets a second: well over these.
  const ok = !problem && packets.video > 60 && packets.audio > 100;
  if (!ok) {
    console.log(`FAIL: ${problem || 'too few packets on a track'}`);
    console.log(stderr);
  }
  setTimeout(() => process.exit(ok ? 0 : 1), 500);
}
