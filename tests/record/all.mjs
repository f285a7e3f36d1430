// gst-webrtc-record --all: a producer already there (H264) and one that
// comes later (VP8) are recorded to one file each; when one leaves its file
// is finalized and the recorder keeps going; SIGINT finalizes the other.
//
// SPDX-License-Identifier: LGPL-2.1-or-later

import path from 'node:path';

import { assert, info, runTest, sleep } from '../browser/lib.mjs';
import { EXIT, checkMediaSpan, checkRecording, discover, listFiles, makeDir, signal, startProducer, startRecorder,
         waitEvent, waitExit } from './record-lib.mjs';

runTest('record-all', async (ctx) => {
  const { wsUrl } = await ctx.startServer();
  const dir = makeDir(ctx, 'all');
  const cam1 = startProducer(ctx, wsUrl, 'cam1', 'h264');
  await sleep(1000);
  const rec = startRecorder(ctx, ['--server', wsUrl, '--output', dir, '--all']);
  const s1 = await waitEvent(rec, 'started', { timeoutMs: 20000 });
  assert(s1.meta.name === 'cam1', `first started event: ${JSON.stringify(s1)}`);
  const t1 = Date.now();
  const cam2 = startProducer(ctx, wsUrl, 'cam2', 'vp8');
  const s2 = await waitEvent(rec, 'started', { timeoutMs: 20000, count: 2 });
  assert(s2.meta.name === 'cam2' && s2.file !== s1.file, `second started event: ${JSON.stringify(s2)}`);
  const t2 = Date.now();
  await sleep(3000);

  info('cam1 leaves');
  signal(cam1, 'SIGINT');
  const cam1Recorded = (Date.now() - t1) / 1000;
  const f1 = await waitEvent(rec, 'finished', { timeoutMs: 8000 });
  assert(f1.producer === s1.producer && f1.file === s1.file, `finished event: ${JSON.stringify(f1)}`);
  assert(!rec.exited, 'the recorder exited when one producer left');
  await sleep(1000);

  signal(rec, 'SIGINT');
  const cam2Recorded = (Date.now() - t2) / 1000;
  const code = await waitExit(rec, 10000, 'finalize and exit after SIGINT');
  assert(code === EXIT.OK, `recorder exited with ${code}`);
  const f2 = await waitEvent(rec, 'finished', { timeoutMs: 1000, count: 2 });
  assert(f2.producer === s2.producer, `second finished event: ${JSON.stringify(f2)}`);

  const files = listFiles(dir);
  assert(files.length === 2, `expected two files in ${dir}: ${files.join(', ')}`);
  assert(files.some((f) => /^\d{8}-\d{6}-cam1\.mkv$/.test(path.basename(f))) &&
         files.some((f) => /^\d{8}-\d{6}-cam2\.mkv$/.test(path.basename(f))),
  `file names: ${files.join(', ')}`);
  checkMediaSpan(f1, cam1Recorded);
  checkMediaSpan(f2, cam2Recorded);
  checkRecording(s1.file, f1.duration, { codec: 'H.264' });
  checkRecording(s2.file, f2.duration, { codec: 'VP8' });
  assert(discover(s1.file).ok, 'cam1 file');
  await cam2.stop();
}, { timeoutMs: 75000 });
