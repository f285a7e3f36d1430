// gst-webrtc-record --all stopped by a signal while some recordings have no
// stream yet (producers that never send media): every recording with media
// is finalized and the recorder exits 0 (it crashed on SIGINT when its loop
// over the recordings erased from the map it walked). Then SIGHUP does what
// SIGINT and SIGTERM do.
//
// SPDX-License-Identifier: LGPL-2.1-or-later

import { assert, info, runTest, sleep } from '../browser/lib.mjs';
import { EXIT, checkRecording, events, makeDir, signal, startProducer, startRecorder,
         waitEvent, waitExit } from './record-lib.mjs';

// A producer that never sends media: an appsrc nobody pushes into.
function startMuteProducer(ctx, wsUrl, name) {
  return ctx.launch(`producer ${name}`, ['appsrc', 'is-live=true', 'format=time',
    'caps=video/x-raw,format=I420,width=320,height=240,framerate=30/1', '!',
    'webrtcsend', `uri=${wsUrl}`, `meta=meta,name=${name}`, 'video-codecs=vp8']);
}

// Records cam (and the mute producers) until sig; checks cam's file.
async function stopWith(ctx, wsUrl, sig, mutes) {
  const dir = makeDir(ctx, sig);
  const rec = startRecorder(ctx, ['--server', wsUrl, '--output', dir, '--all',
    '--peer-timeout', '60'], `recorder (${sig})`);
  const started = await waitEvent(rec, 'started', { timeoutMs: 20000 });
  assert(started.meta.name === 'cam', `started: ${JSON.stringify(started)}`);
  const t0 = Date.now();
  await sleep(3000);
  const connecting = rec.lines.filter((l) => /connecting to mute/.test(l)).length;
  info(`${sig}: ${connecting} of ${mutes} mute producers being recorded (no stream yet)`);
  assert(connecting === mutes, `the recorder did not take every mute producer\n${rec.tail()}`);
  signal(rec, sig);
  const code = await waitExit(rec, 15000, `finalize and exit after ${sig}`);
  assert(code === EXIT.OK, `${sig}: recorder exited with ${code} (${rec.describeExit()})\n${rec.tail()}`);
  const finished = events(rec).filter((e) => e.event === 'finished' && e.file);
  assert(finished.length === 1 && finished[0].file === started.file,
    `${sig}: finished events ${JSON.stringify(events(rec).filter((e) => e.event === 'finished'))}`);
  checkRecording(started.file, finished[0].duration);
  info(`${sig}: ${((Date.now() - t0) / 1000).toFixed(1)} s recorded, file finalized`);
}

runTest('record-signals', async (ctx) => {
  const { wsUrl } = await ctx.startServer();
  const cam = startProducer(ctx, wsUrl, 'cam', 'vp8');
  const mutes = [1, 2, 3].map((n) => startMuteProducer(ctx, wsUrl, `mute${n}`));
  await sleep(1500);
  ctx.checkAlive(cam, ...mutes);
  await stopWith(ctx, wsUrl, 'SIGINT', mutes.length);
  await stopWith(ctx, wsUrl, 'SIGHUP', mutes.length);
  await cam.stop();
}, { timeoutMs: 85000 });
