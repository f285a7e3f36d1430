// The producer goes away while gst-webrtc-record records it (single-producer
// mode): the file is finalized within a few seconds and the recorder exits 0.
//  - the producer stops (SIGINT: webrtcsend ends its session);
//  - the producer freezes (SIGSTOP: no media and no signalling, like a lost
//    network): after --peer-timeout the file is finalized all the same.
//
// SPDX-License-Identifier: LGPL-2.1-or-later

import { assert, info, runTest, sleep } from '../browser/lib.mjs';
import { EXIT, checkMediaSpan, checkRecording, listFiles, makeDir, signal, startProducer, startRecorder,
         waitEvent, waitExit } from './record-lib.mjs';

const PEER_TIMEOUT_S = 2;

runTest('record-producer-leaves', async (ctx) => {
  const { wsUrl } = await ctx.startServer();
  for (const how of ['SIGINT', 'SIGSTOP']) {
    info(`--- the producer gets ${how}`);
    const name = `cam-${how.toLowerCase()}`;
    const producer = startProducer(ctx, wsUrl, name, 'h264');
    const dir = makeDir(ctx, name);
    const rec = startRecorder(ctx, ['--server', wsUrl, '--output', dir,
                                    '--peer-timeout', String(PEER_TIMEOUT_S)], `recorder ${name}`);
    await waitEvent(rec, 'started', { timeoutMs: 20000 });
    const t0 = Date.now();
    await sleep(4000);
    signal(producer, how);
    const recorded = (Date.now() - t0) / 1000;
    const t1 = Date.now();
    const limit = how === 'SIGSTOP' ? (PEER_TIMEOUT_S + 6) * 1000 : 6000;
    const code = await waitExit(rec, limit, 'finalize the file and exit');
    info(`recorder exited ${((Date.now() - t1) / 1000).toFixed(2)} s after the producer's ${how}`);
    assert(code === EXIT.OK, `recorder exited with ${code}\n${rec.tail()}`);
    const finished = await waitEvent(rec, 'finished', { timeoutMs: 1000 });
    const files = listFiles(dir);
    assert(files.length === 1 && files[0] === finished.file, `files in ${dir}: ${files.join(', ')}`);
    checkMediaSpan(finished, recorded);
    checkRecording(files[0], finished.duration);
    if (how === 'SIGSTOP') signal(producer, 'SIGKILL');
    await producer.stop();
  }
}, { timeoutMs: 75000 });
