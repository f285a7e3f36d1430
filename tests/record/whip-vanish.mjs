// gst-webrtc-record --whip-listen, the other ways a recording ends and the
// start-up errors:
//   - bad option combinations exit 1; a port in use exits 3, both with a
//     message naming the fix;
//   - a publisher with the wrong token fails (gst-launch-1.0 reports the
//     401) and leaves no file;
//   - a publisher that vanishes (SIGKILL: no DELETE) is finalized after
//     --peer-timeout, into WebM, while another one goes on;
//   - SIGTERM finalizes the other; exit 0.
//
// SPDX-License-Identifier: LGPL-2.1-or-later

import path from 'node:path';

import { assert, info, runTest, sleep } from '../browser/lib.mjs';
import { EXIT, checkRecording, events, listFiles, makeDir, signal, startRecorder, waitEvent,
         waitExit } from './record-lib.mjs';
import { startPublisher, startWhipRecorder } from './whip-lib.mjs';

const TOKEN = 'vanish-secret';

async function expectExit(ctx, label, args, code, pattern) {
  const rec = startRecorder(ctx, args, `recorder (${label})`);
  const got = await waitExit(rec, 10000, 'exit');
  const text = rec.lines.join('\n');
  info(`${label}: exit ${got}: ${rec.lines.filter((l) => l.startsWith('err:')).join(' / ')}`);
  assert(got === code, `${label}: expected exit ${code}, got ${got}\n${rec.tail()}`);
  assert(pattern.test(text), `${label}: the message does not match ${pattern}:\n${rec.tail()}`);
}

runTest('record-whip-vanish', async (ctx) => {
  const dir = makeDir(ctx, 'vanish');
  await expectExit(ctx, '--server and --whip-listen', ['--server', 'ws://127.0.0.1:1/',
    '--whip-listen', '127.0.0.1:0'], EXIT.BAD_OPTIONS, /exclude each other/);
  await expectExit(ctx, 'host name', ['--whip-listen', 'localhost:0/whip'], EXIT.BAD_OPTIONS,
    /not an IP address/);
  await expectExit(ctx, 'no port', ['--whip-listen', '127.0.0.1/whip'], EXIT.BAD_OPTIONS,
    /has no port/);
  await expectExit(ctx, '--auth-token alone', ['--server', 'ws://127.0.0.1:1/', '--auth-token',
    'x'], EXIT.BAD_OPTIONS, /goes with --whip-listen/);

  const { rec, url } = await startWhipRecorder(ctx, ['--output', dir, '--auth-token', TOKEN,
    '--format', 'webm', '--peer-timeout', '3']);
  const port = new URL(url).port;
  const busy = startRecorder(ctx, ['--whip-listen', `127.0.0.1:${port}/whip`, '--output', dir],
    'recorder (port in use)');
  const busyCode = await waitExit(busy, 10000, 'exit');
  assert(busyCode === EXIT.SERVER_UNREACHABLE, `port in use: exit ${busyCode}\n${busy.tail()}`);
  const busyErr = events(busy).find((e) => e.event === 'error');
  assert(busyErr && busyErr.code === EXIT.SERVER_UNREACHABLE && /cannot listen/.test(busyErr.message),
    `port in use: ${JSON.stringify(busyErr)}`);

  // ---- the wrong token ----
  const intruder = startPublisher(ctx, url, { name: 'intruder', token: 'wrong', codec: 'vp8' });
  const intruderCode = await waitExit(intruder, 20000, 'fail with the wrong token');
  assert(intruderCode !== 0, 'a publisher with the wrong token did not fail');
  assert(intruder.lines.some((l) => /401/.test(l)), `no 401 in its output:\n${intruder.tail()}`);
  assert(listFiles(dir).length === 0, `files after the wrong token: ${listFiles(dir).join(', ')}`);
  ctx.checkAlive(rec);

  // ---- one vanishes, one stays ----
  const gone = startPublisher(ctx, url, { name: 'gone', token: TOKEN, codec: 'vp8' });
  const stays = startPublisher(ctx, url, { name: 'stays', token: TOKEN, codec: 'vp8' });
  const sGone = await waitEvent(rec, 'started', { timeoutMs: 20000, pred: (e) => e.meta?.name === 'gone' });
  const sStays = await waitEvent(rec, 'started', { timeoutMs: 20000, pred: (e) => e.meta?.name === 'stays' });
  await sleep(3000);
  signal(gone, 'SIGKILL');
  const killed = Date.now();
  const fGone = await waitEvent(rec, 'finished', { timeoutMs: 12000 });
  const after = (Date.now() - killed) / 1000;
  info(`'gone' finalized ${after.toFixed(1)} s after its SIGKILL`);
  assert(fGone.producer === sGone.producer, `finished: ${JSON.stringify(fGone)}`);
  assert(after >= 2, `finalized ${after} s after the SIGKILL: before --peer-timeout`);
  checkRecording(sGone.file, fGone.duration, { codec: 'VP8' });
  ctx.checkAlive(rec, stays);

  signal(rec, 'SIGTERM');
  const code = await waitExit(rec, 10000, 'finalize and exit after SIGTERM');
  assert(code === EXIT.OK, `recorder exited with ${code}`);
  const fStays = await waitEvent(rec, 'finished', { timeoutMs: 1000, count: 2 });
  assert(fStays.producer === sStays.producer, `second finished: ${JSON.stringify(fStays)}`);
  checkRecording(sStays.file, fStays.duration, { codec: 'VP8' });
  const files = listFiles(dir).map((f) => path.basename(f));
  assert(files.length === 2 && files.every((f) => /^\d{8}-\d{6}-(gone|stays)\.webm$/.test(f)),
    `files: ${files.join(', ')}`);
  await stays.stop();
}, { timeoutMs: 100000 });
