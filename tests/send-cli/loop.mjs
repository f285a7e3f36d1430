// gst-webrtc-send --file --loop: a 3 s VP8 + Opus file made by the test
// plays on in headless Chromium well past its duration (frames still
// decoded and audio still arriving after three times its length), the tool
// reports each new round, and SIGINT stops it with exit 0. Once sent as it
// is, once re-encoded (--reencode).
//
// SPDX-License-Identifier: LGPL-2.1-or-later

import { assert, assertMedia, info, measureTile, runTest, sleep, viewerTile } from '../browser/lib.mjs';
import { events, interrupt, makeFile, startServing, watch } from './send-lib.mjs';

const SECONDS = 3;

runTest('send-cli-loop', async (ctx) => {
  const webm = makeFile(ctx, 'webm', { seconds: SECONDS });
  const browser = await ctx.launchBrowser();
  for (const [name, args] of [['loop-reencoded', ['--reencode']], ['loop-as-is', []]]) {
    const s = await startServing(ctx, ['--file', webm, '--loop', '--name', name, ...args], `send (${name})`);
    const v = await watch(ctx, browser, s.url, name, name);
    const t0 = Date.now();
    // Past three times the file's length since the viewer started...
    await sleep(SECONDS * 3 * 1000);
    ctx.checkAlive(s.child);
    const loops = events(s.child).filter((e) => e.event === 'loop');
    assert(loops.length >= 3, `${name}: ${loops.length} loop events after ${((Date.now() - t0) / 1000).toFixed(1)} s of watching`);
    assert(!events(s.child).some((e) => e.event === 'eos'), `${name}: the tool saw the end of the file`);
    // ... it still plays: frames at the file's rate, audio flowing.
    const m = await measureTile(v.page, v.tileId, { seconds: 2, fps: 30 });
    const t = await viewerTile(v.page, v.tileId);
    info(`${name}: ${loops.length} loops; ${m.fps.toFixed(1)} fps, ${t.stats.framesDecoded} frames, ` +
         `audio ${t.stats.audioPacketsReceived} packets, state ${t.state}`);
    assert(t.state === 'connected', `${name}: tile is ${t.state}`);
    assertMedia(m, { width: 640, height: 480, fps: 30, audio: true, who: name });
    assert(t.stats.framesDecoded > SECONDS * 30 * 2,
      `${name}: only ${t.stats.framesDecoded} frames decoded in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    await interrupt(s.child);
  }
}, { timeoutMs: 120000 });
