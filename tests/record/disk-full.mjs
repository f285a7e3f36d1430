// gst-webrtc-record --all on a disk that fills up (a 256 kB tmpfs in a mount
// namespace of the recorder's own; skipped where mounting is not allowed):
// each recording that hits the full disk is reported with its file and exit
// code 5, its file keeps what was written (it plays), the recorder goes on
// recording the others until stopped, and exits 5.
//
// SPDX-License-Identifier: LGPL-2.1-or-later

import fs from 'node:fs';
import path from 'node:path';

import { assert, info, runTest, sleep } from '../browser/lib.mjs';
import { EXIT, RECORD_BIN, discover, events, makeDir, signal, startProducer,
         waitEvent, waitExit } from './record-lib.mjs';

// Mounts the tmpfs on small, runs the recorder, and when it has exited copies
// what it wrote to out (the mount goes with the namespace). SIGINT to the
// shell goes to the recorder.
const SCRIPT = `
mount -t tmpfs -o size=256k tmpfs "$1" || exit 99
small=$1; out=$2; shift 2
"$@" & pid=$!
trap 'kill -INT $pid' INT
wait $pid; code=$?
if kill -0 $pid 2>/dev/null; then wait $pid; code=$?; fi
cp -a "$small"/. "$out"/
exit $code`;

runTest('record-disk-full', async (ctx) => {
  const { wsUrl } = await ctx.startServer();
  const cams = ['cam1', 'cam2'].map((name) => startProducer(ctx, wsUrl, name, 'vp8'));
  await sleep(1500);
  const small = makeDir(ctx, 'small');
  const out = makeDir(ctx, 'out');
  const rec = ctx.spawn('recorder (disk full)', 'unshare', ['-m', 'sh', '-c', SCRIPT, 'sh', small,
    out, RECORD_BIN, '--json', '--server', wsUrl, '--output', small, '--all']);
  const firstError = await waitEvent(rec, 'error', { timeoutMs: 30000 }).catch((e) => {
    if (rec.exited && rec.exitCode === 99) return null;
    throw e;
  });
  if (!firstError) {
    info('disk full: skipped (cannot mount a tmpfs here)');
    return;
  }
  info(`first error: ${JSON.stringify(firstError)}`);
  assert(firstError.code === EXIT.WRITE_ERROR, `error code ${firstError.code}`);
  const started = events(rec).filter((e) => e.event === 'started');
  const own = started.find((s) => s.producer === firstError.producer);
  assert(own && firstError.message.includes('disk is full') &&
         firstError.message.includes(path.basename(own.file)),
  `the error names the file that hit the full disk: ${JSON.stringify(firstError)} / ${JSON.stringify(started)}`);
  await sleep(2000);
  assert(!rec.exited, `the recorder stopped at the first full file\n${rec.tail()}`);

  signal(rec, 'SIGINT');
  const code = await waitExit(rec, 15000, 'finalize and exit after SIGINT');
  assert(code === EXIT.WRITE_ERROR, `exit ${code}, expected ${EXIT.WRITE_ERROR}\n${rec.tail()}`);
  const finished = events(rec).filter((e) => e.event === 'finished');
  info(`finished: ${JSON.stringify(finished)}`);
  assert(finished.length === started.length,
    `every recording finished: ${started.length} started, ${finished.length} finished`);
  for (const f of finished) {
    const copy = path.join(out, path.basename(f.file));
    assert(fs.existsSync(copy), `${copy} was not kept`);
    const d = discover(copy);
    info(`${path.basename(copy)}: ${fs.statSync(copy).size} bytes, plays: ${d.ok}, video ${d.video}`);
    assert(d.ok && d.video, `${copy} does not play:\n${d.text}`);
  }
  for (const cam of cams) await cam.stop();
}, { timeoutMs: 75000 });
