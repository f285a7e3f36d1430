// Benchmark: what each viewer costs webrtcsend and the plain webrtcbin sender
// (bench/plain-sender), with many light viewers instead of browser tabs.
//
// A viewer is `plain-receiver --count` (bench/plain-receiver.c): one process,
// one webrtcbin consumer, the VP8 RTP to a fakesink, frames counted by the
// marker bit. It does not use our library, and both senders get the same.
//
// For each viewer count N and each sender (which goes first alternates), in a
// loopback-only network namespace: start gst-webrtc-serve and the sender,
// then N viewers; once every viewer has received frames, wait 3 s, then over
// a window measure the sender's CPU (all threads), its RSS at the end, and
// each viewer's frame rate. Stops everything by PID.
//
//   tests/browser/run-in-netns.sh node bench/light-viewers.mjs
//
// Knobs (environment): BENCH_VIEWERS=1,8,16,32,64  BENCH_KINDS=ours,plain
// BENCH_SIZE=640x360 BENCH_KBPS=500 BENCH_WINDOW_S=10
// BENCH_OURS_PROPS="stats-interval=0" (more webrtcsend properties)
// BENCH_RESULTS=bench/RESULTS.md ('' to only print)
// SPDX-License-Identifier: LGPL-2.1-or-later
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runTest, info, waitFor, sleep, BUILD_ROOT } from '../tests/browser/lib.mjs';
import {
  BENCH_DIR, list, rssMB, snapshot, loadBetween, waitQuiet, median, slope, fx,
  runHeader, writeSection, startSender,
} from './bench-lib.mjs';

const env = process.env;
const VIEWERS = list(env.BENCH_VIEWERS, '1,8,16,32,64').map(Number);
const KINDS = list(env.BENCH_KINDS, 'ours,plain');
const [WIDTH, HEIGHT] = (env.BENCH_SIZE || '640x360').split('x').map(Number);
const KBPS = Number(env.BENCH_KBPS || 500);
const FPS = 30;
const WINDOW_S = Number(env.BENCH_WINDOW_S || 10);
const OURS_EXTRA = (env.BENCH_OURS_PROPS || '').split(' ').filter(Boolean);
const RESULTS = env.BENCH_RESULTS === undefined ? path.join(BENCH_DIR, 'RESULTS.md') : env.BENCH_RESULTS;
const PLAIN = path.join(BUILD_ROOT, 'bench', 'plain-sender');
const RECEIVER = path.join(BUILD_ROOT, 'bench', 'plain-receiver');

/* The last "received F frames" a viewer printed. */
function framesOf(viewer) {
  for (let i = viewer.lines.length - 1; i >= 0; i--) {
    const m = / received (\d+) frames/.exec(viewer.lines[i]);
    if (m) return Number(m[1]);
  }
  return 0;
}

let runCounter = 0;

async function oneRun(t, { kind, n }) {
  const label = `${kind}-n${n}-${++runCounter}`;
  const name = `bench-${label}`;
  const r = { kind, n, label };
  const server = await t.startServer({ args: ['--max-peers-per-address', String(n + 20)] });
  const sender = startSender(t, kind, { wsUrl: server.wsUrl, name, width: WIDTH, height: HEIGHT,
    fps: FPS, kbps: KBPS, plain: PLAIN, oursExtra: OURS_EXTRA });
  const viewers = [];
  try {
    for (let i = 0; i < n; i++) {
      viewers.push(t.spawn(`${label}-viewer-${i}`, RECEIVER, [server.wsUrl, '--producer-name', name, '--count']));
      if (i % 8 === 7) await sleep(500); /* the server allows 2 session starts per second per peer; each viewer is its own peer */
    }
    await waitFor(() => {
      t.checkAlive(sender, ...viewers);
      return viewers.every((v) => framesOf(v) >= FPS);
    }, { timeoutMs: 60000 + n * 1000, what: `${label}: all ${n} viewers to receive ${FPS} frames` });
    await sleep(3000);
    r.otherBefore = await waitQuiet();
    const f0 = viewers.map(framesOf);
    const w0 = snapshot(sender.pid);
    await sleep(WINDOW_S * 1000);
    const load = loadBetween(w0, snapshot(sender.pid));
    r.rssMB = rssMB(sender.pid);
    r.fps = viewers.map((v, i) => (framesOf(v) - f0[i]) / WINDOW_S);
    t.checkAlive(sender);
    r.cpu = load.sender;
    r.viewersCpu = load.viewers;
    r.other = load.other;
    info(`${label}: sender CPU ${r.cpu.toFixed(3)} core, RSS ${r.rssMB.toFixed(1)} MB, viewers etc. ` +
         `${r.viewersCpu.toFixed(2)} core, others ${r.other.toFixed(2)}; fps min ${Math.min(...r.fps).toFixed(1)} ` +
         `mean ${(r.fps.reduce((a, b) => a + b, 0) / n).toFixed(1)}`);
  } catch (e) {
    r.error = e.message.split('\n')[0];
    info(`${label}: FAILED: ${e.message}`);
  } finally {
    await Promise.all(viewers.map((v) => v.stop()));
    await sender.stop();
    await server.child.stop();
  }
  return r;
}

function table(runs) {
  const lines = [
    '| viewers | sender | sender CPU (core) | sender RSS (MB) | viewers at ≥ 27 fps | fps min / mean | viewers\' side (core) |',
    '|---:|---|---:|---:|---:|---:|---:|',
  ];
  for (const r of runs) {
    if (r.error) { lines.push(`| ${r.n} | ${r.kind} | failed: ${r.error} | | | | |`); continue; }
    const mean = r.fps.reduce((a, b) => a + b, 0) / r.n;
    lines.push(`| ${r.n} | ${r.kind === 'ours' ? 'webrtcsend' : 'plain webrtcbin'} | ${fx(r.cpu, 3)} | ${fx(r.rssMB, 1)} ` +
               `| ${r.fps.filter((f) => f >= 27).length}/${r.n} | ${fx(Math.min(...r.fps), 1)} / ${fx(mean, 1)} | ${fx(r.viewersCpu, 2)} |`);
  }
  for (const kind of KINDS) {
    const ok = runs.filter((r) => r.kind === kind && !r.error);
    if (ok.length < 2) continue;
    const cpu = slope(ok.map((r) => [r.n, r.cpu]));
    const rss = slope(ok.map((r) => [r.n, r.rssMB]));
    lines.push('', `- ${kind === 'ours' ? 'webrtcsend' : 'plain webrtcbin'}: per extra viewer (least-squares over N) ` +
               `${fx(cpu, 4)} core and ${fx(rss, 2)} MB; at one viewer ${fx(median(ok.filter((r) => r.n === 1).map((r) => r.cpu)), 3)} core.`);
  }
  return lines.join('\n');
}

runTest('bench-light-viewers', async (t) => {
  for (const bin of [PLAIN, RECEIVER]) {
    if (!fs.existsSync(bin)) throw new Error(`${bin} does not exist: build it (ninja -C ${BUILD_ROOT})`);
  }
  const started = new Date();
  const runs = [];
  let flip = false;
  for (const n of VIEWERS) {
    const kinds = flip ? [...KINDS].reverse() : KINDS;
    flip = !flip;
    for (const kind of kinds) runs.push(await oneRun(t, { kind, n }));
  }
  runs.sort((a, b) => a.n - b.n || a.kind.localeCompare(b.kind));
  const text = table(runs);
  console.log(`\n${text}\n`);
  if (RESULTS) {
    writeSection(RESULTS, 'light-viewers.mjs', [
      '# Benchmark: many light viewers, webrtcsend against a plain webrtcbin sender',
      '',
      'Written by `bench/light-viewers.mjs` (see bench/README.md).',
      '',
      ...runHeader(fileURLToPath(import.meta.url), started),
      `- source: videotestsrc ${WIDTH}x${HEIGHT} @ ${FPS} fps, VP8 ${KBPS} kbit/s, video only; viewers: ` +
      `plain-receiver --count (one webrtcbin each, in its own process); CPU window ${WINDOW_S} s`,
      '',
      text,
      '',
    ].join('\n'));
  }
}, { timeoutMs: VIEWERS.reduce((a, n) => a + 2 * (90000 + n * 2500), 60000) });
