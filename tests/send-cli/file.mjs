// gst-webrtc-send --file on files the test makes with GStreamer: H264 +
// AAC in MP4 and VP8 + Opus in WebM. Each is watched in headless Chromium on
// the tool's embedded server twice: sent as it is (the tool says
// passthrough, the browser decodes the file's codec) and re-encoded
// (--reencode --codec vp8; --size 320x240 --codec h264), with frames decoded
// at the file's size and rate (or the size asked for) and audio packets
// arriving (the WebM's Opus sent as it is along with its VP8). At the end of the file the tool ends the stream by itself:
// exit 0 after about the file's duration, and the viewer's tile ends.
// A High-profile H264 file is re-encoded (not every browser decodes it).
//
// SPDX-License-Identifier: LGPL-2.1-or-later

import { assert, assertMedia, info, measureTile, runTest, waitFor } from '../browser/lib.mjs';
import { EXIT, events, interrupt, makeFile, startServing, videoPicture, waitExit, watch } from './send-lib.mjs';

const SECONDS = 9;

async function play(ctx, browser, file, { name, args = [], passthrough, audioPassthrough = false, codec,
                                          width = 640, height = 480 }) {
  const t0 = Date.now();
  const s = await startServing(ctx, ['--file', file, '--name', name, ...args], `send (${name})`);
  assert(s.started.passthrough === passthrough,
    `${name}: passthrough is ${s.started.passthrough}, expected ${passthrough}: ${JSON.stringify(s.started)}\n${s.child.tail()}`);
  assert(s.started.audio === true, `${name}: the tool sends no audio: ${JSON.stringify(s.started)}`);
  assert(s.started['audio-passthrough'] === audioPassthrough,
    `${name}: audio-passthrough is ${s.started['audio-passthrough']}, expected ${audioPassthrough}`);
  const v = await watch(ctx, browser, s.url, name, name);
  const m = await measureTile(v.page, v.tileId, { seconds: 2, fps: 30 });
  const st = m.after.stats;
  info(`${name}: ${st.width}x${st.height} ${m.fps.toFixed(1)} fps ${st.videoCodec}, audio ` +
       `${st.audioPacketsReceived} packets ${st.audioCodec}`);
  assertMedia(m, { width, height, fps: 30, codec, audio: true, who: name });
  const pic = await videoPicture(v.page, v.tileId);
  assert(pic.width === width && pic.height === height && pic.time > 0,
    `${name}: the video element plays ${JSON.stringify(pic)}`);

  // The end of the file ends the stream.
  const code = await waitExit(s.child, (SECONDS + 10) * 1000, 'exit at the end of the file');
  const wall = (Date.now() - t0) / 1000;
  const eos = events(s.child).find((e) => e.event === 'eos');
  info(`${name}: exit ${code} after ${wall.toFixed(1)} s, eos at ${eos && eos.elapsed.toFixed(2)} s`);
  assert(code === EXIT.OK && eos, `${name}: at the end of the file: exit ${code}, eos ${JSON.stringify(eos)}`);
  assert(eos.elapsed >= SECONDS - 1.5 && wall <= SECONDS + 6,
    `${name}: a ${SECONDS} s file ended after ${eos.elapsed} s (exit after ${wall.toFixed(1)} s)`);
  await waitFor(() => v.page.evaluate((id) => window.gstsig.tile(id).state === 'ended', v.tileId),
    { timeoutMs: 15000, what: `${name}: the viewer's tile to end after the file` });
}

runTest('send-cli-file', async (ctx) => {
  const mp4 = makeFile(ctx, 'mp4', { seconds: SECONDS });
  const webm = makeFile(ctx, 'webm', { seconds: SECONDS });
  const high = makeFile(ctx, 'mp4-high', { seconds: 2 });

  // High profile: re-encoded, and the tool says why.
  const h = await startServing(ctx, ['--file', high, '--name', 'high'], 'send (high)');
  assert(h.started.passthrough === false, `High profile sent as is: ${JSON.stringify(h.started)}`);
  assert(h.child.lines.some((l) => /re-encoding the file's H264 video: its H264 profile \(high\)/.test(l)),
    `no note on re-encoding High profile\n${h.child.tail()}`);
  await interrupt(h.child);

  const browser = await ctx.launchBrowser();
  await play(ctx, browser, mp4, { name: 'mp4-reencoded', args: ['--reencode', '--codec', 'vp8'],
    passthrough: false, codec: 'video/VP8' });
  await play(ctx, browser, webm, { name: 'webm-320x240', args: ['--size', '320x240', '--codec', 'h264'],
    passthrough: false, codec: 'video/H264', width: 320, height: 240 });
  await play(ctx, browser, mp4, { name: 'mp4-as-is', passthrough: true, codec: 'video/H264' });
  // VP8 + Opus: both sent as they are; the browser still gets Opus packets.
  await play(ctx, browser, webm, { name: 'webm-as-is', passthrough: true, audioPassthrough: true,
    codec: 'video/VP8' });
}, { timeoutMs: 145000 });
