// gst-webrtc-record killed with SIGKILL mid-recording: the Matroska and the
// fragmented MP4 files are still playable up to their last cluster/fragment
// (at most about a second lost).
//
// SPDX-License-Identifier: LGPL-2.1-or-later

import fs from 'node:fs';

import { assert, info, runTest, sleep } from '../browser/lib.mjs';
import { decodeToEnd, discover, listFiles, makeDir, signal, startProducer, startRecorder,
         waitEvent, waitExit } from './record-lib.mjs';

runTest('record-sigkill', async (ctx) => {
  const { wsUrl } = await ctx.startServer();
  for (const format of ['mkv', 'mp4']) {
    info(`--- ${format}`);
    const name = `cam-kill-${format}`;
    const producer = startProducer(ctx, wsUrl, name, 'h264');
    const dir = makeDir(ctx, name);
    const rec = startRecorder(ctx, ['--server', wsUrl, '--output', dir, '--format', format],
      `recorder ${name}`);
    await waitEvent(rec, 'started', { timeoutMs: 20000 });
    const t0 = Date.now();
    await sleep(4000);
    signal(rec, 'SIGKILL');
    const recorded = (Date.now() - t0) / 1000;
    await waitExit(rec, 5000, 'die');
    const files = listFiles(dir);
    assert(files.length === 1, `files in ${dir}: ${files.join(', ')}`);
    const d = discover(files[0]);
    const dec = decodeToEnd(files[0]);
    info(`${format}: ${fs.statSync(files[0]).size} bytes after ${recorded.toFixed(2)} s; ` +
         `discoverer: duration ${d.duration}, video ${d.video}, audio ${d.audio}; ` +
         `decoded ${dec.streams} streams up to ${dec.last.toFixed(2)} s`);
    assert(d.ok && d.video && d.audio, () => `gst-discoverer-1.0 on the killed ${format}:\n${d.text}`);
    assert(dec.ok && dec.streams === 2, () => `the killed ${format} does not decode:\n${dec.text}`);
    assert(dec.last >= recorded - 2, `the killed ${format} decodes up to ${dec.last} s only, ` +
           `of ${recorded.toFixed(2)} s recorded`);
    await producer.stop();
  }
}, { timeoutMs: 75000 });
