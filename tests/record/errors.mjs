// gst-webrtc-record's errors: a clear message, the documented exit code and
// no file left behind.
//   bad option -> 1; output folder missing or not writable -> 2;
//   server not running -> 3; unknown producer id -> 4;
//   only codecs the format cannot hold (VP8 into MP4) -> 6; disk full -> 5.
//
// SPDX-License-Identifier: LGPL-2.1-or-later

import net from 'node:net';

import { assert, info, runTest, sleep } from '../browser/lib.mjs';
import { EXIT, RECORD_BIN, events, listFiles, makeDir, startProducer, startRecorder,
         waitExit } from './record-lib.mjs';

// A loopback port nobody listens on.
async function closedPort() {
  const server = net.createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function expectExit(ctx, label, args, code, dir, timeoutMs = 20000) {
  const rec = startRecorder(ctx, args, `recorder (${label})`);
  const got = await waitExit(rec, timeoutMs, 'exit');
  info(`${label}: exit ${got}; ${rec.lines.filter((l) => l.includes('error')).join(' / ')}`);
  assert(got === code, `${label}: expected exit ${code}, got ${got}\n${rec.tail()}`);
  if (code !== EXIT.BAD_OPTIONS) {
    const errs = events(rec).filter((e) => e.event === 'error');
    assert(errs.length >= 1 && errs[0].code === code && errs[0].message,
      `${label}: error events ${JSON.stringify(errs)}`);
  }
  if (dir) {
    const files = listFiles(dir);
    assert(files.length === 0, `${label}: files left behind: ${files.join(', ')}`);
  }
}

runTest('record-errors', async (ctx) => {
  const port = await closedPort();
  const dir = makeDir(ctx, 'out');
  await expectExit(ctx, 'bad format', ['--server', 'ws://127.0.0.1:1/', '--format', 'avi'],
    EXIT.BAD_OPTIONS, dir);
  await expectExit(ctx, 'missing folder', ['--server', `ws://127.0.0.1:${port}/`, '--output',
    `${ctx.tmpDir}/does-not-exist`], EXIT.OUTPUT_NOT_WRITABLE);
  await expectExit(ctx, 'unwritable folder', ['--server', `ws://127.0.0.1:${port}/`, '--output',
    '/proc'], EXIT.OUTPUT_NOT_WRITABLE);
  await expectExit(ctx, 'server not running', ['--server', `ws://127.0.0.1:${port}/`, '--output',
    dir], EXIT.SERVER_UNREACHABLE, dir);

  const { wsUrl } = await ctx.startServer();
  const producer = startProducer(ctx, wsUrl, 'cam-vp8', 'vp8');
  await sleep(1500);
  await expectExit(ctx, 'unknown producer', ['--server', wsUrl, '--output', dir, '--producer',
    '00000000-0000-4000-8000-000000000000'], EXIT.PRODUCER_NOT_FOUND, dir);
  await expectExit(ctx, 'VP8 into MP4', ['--server', wsUrl, '--output', dir, '--format', 'mp4'],
    EXIT.NO_RECORDABLE_CODEC, dir);

  // Disk full: a 120 kB tmpfs as the output folder, in a mount namespace of
  // the recorder's own (skipped where mounting is not allowed).
  const small = makeDir(ctx, 'small');
  const full = ctx.spawn('recorder (disk full)', 'unshare', ['-m', 'sh', '-c',
    `mount -t tmpfs -o size=120k tmpfs "$1" || exit 99; shift; exec "$@"`, 'sh', small,
    RECORD_BIN, '--json', '--server', wsUrl, '--output', small]);
  const fullCode = await waitExit(full, 30000, 'fail on the full disk');
  if (fullCode === 99) {
    info('disk full: skipped (cannot mount a tmpfs here)');
  } else {
    const errs = events(full).filter((e) => e.event === 'error');
    info(`disk full: exit ${fullCode}; ${JSON.stringify(errs)}`);
    assert(fullCode === EXIT.WRITE_ERROR && errs.length && errs[0].code === EXIT.WRITE_ERROR,
      `disk full: expected exit ${EXIT.WRITE_ERROR}\n${full.tail()}`);
  }
  await producer.stop();
}, { timeoutMs: 75000 });
