// A webrtcsend producer (H264+Opus, then VP8+Opus) recorded by
// gst-webrtc-record for about 5 s, stopped with SIGINT: the file has both
// tracks, lasts as long as the recording (within 15%: the wall clock against the
// media the recorder reports, and that against gst-discoverer-1.0's duration)
// and decodes to its end.
// Formats: H264 to Matroska (the default), VP8 to WebM, H264 to fragmented MP4.
//
// SPDX-License-Identifier: LGPL-2.1-or-later

import { assert, info, runTest, sleep } from '../browser/lib.mjs';
import { EXIT, checkMediaSpan, checkRecording, listFiles, makeDir, signal, startProducer, startRecorder,
         waitEvent, waitExit } from './record-lib.mjs';

const CASES = [
  { video: 'h264', format: null, ext: 'mkv', codec: 'H.264' },
  { video: 'vp8', format: 'webm', ext: 'webm', codec: 'VP8' },
  { video: 'h264', format: 'mp4', ext: 'mp4', codec: 'H.264' },
];

runTest('record-basic', async (ctx) => {
  const { wsUrl } = await ctx.startServer();
  for (const c of CASES) {
    info(`--- ${c.video} into ${c.ext}`);
    const name = `cam-${c.video}-${c.ext}`;
    const producer = startProducer(ctx, wsUrl, name, c.video);
    const dir = makeDir(ctx, name);
    const args = ['--server', wsUrl, '--output', dir];
    if (c.format) args.push('--format', c.format);
    const rec = startRecorder(ctx, args, `recorder ${name}`);
    const started = await waitEvent(rec, 'started', { timeoutMs: 20000 });
    const t0 = Date.now();
    assert(started.meta && started.meta.name === name, `started event: ${JSON.stringify(started)}`);
    assert(started.file.endsWith(`-${name}.${c.ext}`), `file name ${started.file}`);
    await sleep(5000);
    signal(rec, 'SIGINT');
    const recorded = (Date.now() - t0) / 1000;
    const code = await waitExit(rec, 10000, 'finalize and exit after SIGINT');
    assert(code === EXIT.OK, `recorder exited with ${code}\n${rec.tail()}`);
    const finished = await waitEvent(rec, 'finished', { timeoutMs: 1000 });
    assert(finished.file === started.file && finished.bytes > 10000,
      `finished event: ${JSON.stringify(finished)}`);
    const files = listFiles(dir);
    assert(files.length === 1, `expected one file in ${dir}, found ${files.join(', ')}`);
    checkMediaSpan(finished, recorded);
    checkRecording(files[0], finished.duration, { codec: c.codec });
    await producer.stop();
  }
}, { timeoutMs: 75000 });
