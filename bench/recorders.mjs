// Benchmark: webrtcrecv recorders against plain webrtcbin receivers
// (bench/plain-receiver), recording 1, 4 and 8 browsers publishing at once,
// in the same run, on loopback.
//
// For each publisher count N (a fresh gst-webrtc-serve, N publish pages in
// one headless Chromium, each its own producer with VP8 only and no audio)
// and each receiver kind (alternated, so that drift of the machine hits
// both kinds alike):
//   - start N recorder processes at once, one per producer, each writing a
//     Matroska file (video only);
//   - first frame: for every stream, from the browser's first encoded frame
//     of that session (the publish page's getStats, outbound-rtp
//     framesEncoded > 0, polled every 10 ms, Date.now()) to the first frame
//     in the file (node polls the file's size every 20 ms: the first sample
//     past the offset of the first Matroska Cluster, found in the finished
//     file); the plain receiver also prints when its first buffer reached
//     its filesink (a pad probe), as a check of the polling;
//   - once every session sends and every file grows, sample over a window the
//     recorders' CPU (utime+stime from /proc, summed over the N processes)
//     and their VmRSS, the publishers' send rate, the files' growth, and
//     the CPU of everything else (Chromium, server, node; other processes);
//   - stop the recorders with SIGINT (EOS), check every file with
//     gst-discoverer-1.0 (VP8, duration > 0).
//
// Prints markdown tables and rewrites its own section of bench/RESULTS.md.
// Runs in a loopback-only namespace:
//
//   tests/browser/run-in-netns.sh node bench/recorders.mjs
//
// Knobs (environment): BENCH_PUBLISHERS=1,4,8  BENCH_KINDS=ours,plain
// BENCH_SIZE=640x480 (publish page camera)  BENCH_WINDOW_S=10  BENCH_ROUNDS=2
// BENCH_FIRST_FRAME_REPS=4 (extra start-up-only runs per kind at the smallest N)
// BENCH_OTHER_MAX=0.3 BENCH_QUIET_WAIT_S=90 BENCH_ATTEMPTS=3 (shared machine)
// BENCH_RESULTS=bench/RESULTS.md (BENCH_RESULTS= to not write), BENCH_KEEP_FILES=1 (keep the recordings)
// BENCH_PLAIN_RECEIVER=BUILD/bench/plain-receiver, GST_WEBRTCSIGNAL_BUILD_ROOT=build
// SPDX-License-Identifier: LGPL-2.1-or-later
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { runTest, info, waitFor, sleep, withTimeout, BUILD_ROOT } from '../tests/browser/lib.mjs';
import { openPublisher, discover } from '../tests/browser/record-lib.mjs';
import {
  BENCH_DIR, list, rssMB, pssMB, snapshot, loadBetween, OTHER_MAX, ATTEMPTS, waitQuiet, median, slope, fx,
  runHeader, writeSection,
} from './bench-lib.mjs';

const env = process.env;
const PUBLISHERS = list(env.BENCH_PUBLISHERS, '1,4,8').map(Number);
const KINDS = list(env.BENCH_KINDS, 'ours,plain');
const [WIDTH, HEIGHT] = (env.BENCH_SIZE || '640x480').split('x').map(Number);
const WINDOW_S = Number(env.BENCH_WINDOW_S || 10);
const ROUNDS = Number(env.BENCH_ROUNDS || 2);
const FF_REPS = Number(env.BENCH_FIRST_FRAME_REPS ?? 4);
const RESULTS = env.BENCH_RESULTS === undefined ? path.join(BENCH_DIR, 'RESULTS.md') : env.BENCH_RESULTS;
const PLAIN = env.BENCH_PLAIN_RECEIVER || path.join(BUILD_ROOT, 'bench', 'plain-receiver');
const FPS = 30;
const KEEP_FILES = Boolean(env.BENCH_KEEP_FILES);
const FILE_POLL_MS = 10;
const KIND_LABEL = { ours: 'webrtcrecv', plain: 'plain webrtcbin' };
const MKV_CLUSTER_ID = Buffer.from([0x1f, 0x43, 0xb6, 0x75]);

// ------------------------------------------------------------- the page

// Installed in a publish page before the recorders start: notes, for the
// first session that appears afterwards, when it was created (startSession
// from the recorder), connected and encoded its first frame (getStats every
// 10 ms; Date.now(), the same wall clock as node's). Stops polling once it
// has seen that frame, or after 30 s.
function pageArm() {
  const P = window.gstsigPublish;
  const known = new Set(P.allConsumers().map((c) => c.sessionId));
  const B = window.__rbench = { sessionId: null, createdAt: null, connectedAt: null, firstEncodedAt: null,
                                encodedAfter: null, encodedBy: null, lastZeroAt: null, firstSentAt: null,
                                polls: 0, error: null };
  const until = Date.now() + 30000;
  const poll = async () => {
    try {
      if (!B.sessionId) {
        const c = P.allConsumers().find((x) => !known.has(x.sessionId));
        if (c) { B.sessionId = c.sessionId; B.createdAt = c.createdAt; }
      }
      const pc = B.sessionId && P.peerConnection(B.sessionId);
      if (pc) {
        B.polls++;
        if (!B.connectedAt && pc.connectionState === 'connected') B.connectedAt = Date.now();
        const before = Date.now();
        const report = await pc.getStats();
        const now = Date.now();
        let encoded = 0;
        report.forEach((r) => {
          if (r.type !== 'outbound-rtp' || r.kind !== 'video') return;
          encoded = Math.max(encoded, r.framesEncoded || 0);
          if (!B.firstSentAt && r.framesSent > 0) B.firstSentAt = now;
        });
        // The first frame was encoded after the last poll that saw none
        // began (or the session was created) and before this one ended.
        if (!B.firstEncodedAt && encoded > 0) {
          B.encodedAfter = B.lastZeroAt || B.createdAt;
          B.encodedBy = now;
          B.firstEncodedAt = (B.encodedAfter + B.encodedBy) / 2;
        } else if (!encoded) {
          B.lastZeroAt = before;
        }
      }
      if ((!B.firstEncodedAt || !B.firstSentAt) && Date.now() < until) setTimeout(poll, 10);
    } catch (e) {
      B.error = String(e);
    }
  };
  poll();
}

// The armed session's video stats now: { framesEncoded, framesSent, width, height, timestamp }.
async function pageStats(page) {
  return page.evaluate(async () => {
    const pc = window.__rbench && window.__rbench.sessionId &&
               window.gstsigPublish.peerConnection(window.__rbench.sessionId);
    if (!pc) return null;
    const report = await pc.getStats();
    let v = null;
    report.forEach((r) => { if (r.type === 'outbound-rtp' && r.kind === 'video') v = r; });
    return v && { framesEncoded: v.framesEncoded || 0, framesSent: v.framesSent || 0, width: v.frameWidth || 0,
                  height: v.frameHeight || 0, timestamp: v.timestamp, connection: pc.connectionState };
  });
}

// ------------------------------------------------------------- recorders

function startRecorder(t, kind, { wsUrl, producerId, file, name }) {
  if (kind === 'ours') {
    // The README's recorder, video only; filesink unbuffered (both kinds),
    // so that the file's size shows when the first frame is written.
    return t.launch(name, ['-e', 'webrtcrecv', `uri=${wsUrl}?producer=${producerId}`, 'name=r',
      'r.video_0', '!', 'queue', '!', 'matroskamux', '!', 'filesink', 'buffer-mode=unbuffered', `location=${file}`]);
  }
  return t.spawn(name, PLAIN, [wsUrl, '--producer', producerId, '--output', file, '--unbuffered']);
}

// SIGINT (EOS for both kinds), bounded; then SIGTERM/SIGKILL by PID.
async function stopRecorder(child, timeoutMs = 10000) {
  if (child.exited) return `${child.describeExit()} before it was stopped`;
  try { process.kill(child.pid, 'SIGINT'); } catch (e) { /* gone */ }
  await Promise.race([child.exitPromise, sleep(timeoutMs)]);
  if (child.exited) return child.exitCode === 0 ? null : child.describeExit();
  await child.stop();
  return `did not exit within ${timeoutMs / 1000} s of SIGINT`;
}

// Polls the sizes of files every FILE_POLL_MS in a worker thread (so that
// the main thread's work with the pages does not delay it); keeps, at every
// change, [time first seen, size, time of the poll before]. stop() resolves
// to one such series per file.
const POLLER = `
const { parentPort, workerData } = require('node:worker_threads');
const fs = require('node:fs');
const { files, intervalMs } = workerData;
const series = files.map(() => []);
const prev = files.map(() => ({ size: -1, at: 0 }));
const timer = setInterval(() => {
  files.forEach((f, i) => {
    let size = 0;
    try { size = fs.statSync(f).size; } catch (e) { /* not yet */ }
    const now = Date.now();
    if (size !== prev[i].size) series[i].push([now, size, prev[i].at]);
    prev[i] = { size, at: now };
  });
}, intervalMs);
parentPort.on('message', () => { clearInterval(timer); parentPort.postMessage(series); });
`;

function watchFiles(files) {
  const worker = new Worker(POLLER, { eval: true, workerData: { files, intervalMs: FILE_POLL_MS } });
  let result = null;
  return {
    async stop() {
      if (result) return result;
      const got = new Promise((resolve) => worker.once('message', resolve));
      worker.postMessage('stop');
      result = await withTimeout(got, 5000, 'the file poller').catch(() => files.map(() => []));
      await worker.terminate();
      return result;
    },
  };
}

const fileSize = (f) => { try { return fs.statSync(f).size; } catch (e) { return 0; } };

// The offset of the first Matroska Cluster in file: everything before it is
// header (EBML, Segment, Info, Tracks), written together with the first frame.
function clusterOffset(file) {
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.alloc(65536);
    const n = fs.readSync(fd, buf, 0, buf.length, 0);
    const i = buf.subarray(0, n).indexOf(MKV_CLUSTER_ID);
    return i >= 0 ? i : NaN;
  } finally {
    fs.closeSync(fd);
  }
}

// ------------------------------------------------------------------ runs

let runCounter = 0;

// Clean: other processes stayed under OTHER_MAX, every publisher sent at 90%
// of its rate or more and every file grew during the window.
const clean = (r) => !r.error && r.other < OTHER_MAX && r.streams.every((s) => s.sentFps >= FPS * 0.9 && s.fileKbps > 0);

async function measuredRun(t, pubs, server, opts) {
  let best = null;
  for (let i = 0; i < ATTEMPTS; i++) {
    const r = await oneRun(t, pubs, server, opts);
    r.attempts = i + 1;
    if (!best || (best.error && !r.error) || (!r.error && r.other < best.other)) best = r;
    if (clean(r)) { best = r; break; }
    info(`${r.label}: ${r.error ? 'failed' : `not clean (others used ${r.other.toFixed(2)} cores, slowest ` +
         `publisher ${Math.min(...r.streams.map((s) => s.sentFps)).toFixed(1)} fps)`}; measuring again`);
  }
  return best;
}

// One run: N recorders at once, one per publish page. measure=false: the
// first frame only (no window).
async function oneRun(t, pubs, server, { kind, measure = true }) {
  const n = pubs.length;
  const label = `${kind}-n${n}-${++runCounter}`;
  const r = { kind, n, label, measure, streams: [] };
  const recs = [];
  let watch = null;
  let series = null;
  try {
    r.otherBefore = await waitQuiet();
    await Promise.all(pubs.map((p) => p.page.evaluate(pageArm)));

    const files = pubs.map((p, i) => path.join(t.tmpDir, `${label}-${i}.mkv`));
    watch = watchFiles(files);
    const s0 = snapshot(0);
    pubs.forEach((p, i) => {
      const startedAt = Date.now();
      recs.push(startRecorder(t, kind, { wsUrl: server.wsUrl, producerId: p.peerId, file: files[i],
                                         name: `${label} recorder ${i}` }));
      r.streams.push({ i, file: files[i], startedAt });
    });
    const pids = recs.map((c) => c.pid);

    // Every file past its header, every page's first encoded frame seen.
    const marks = await waitFor(async () => {
      for (const c of recs) if (c.exited) throw new Error(`${c.name} ${c.describeExit()}:\n${c.tail()}`);
      const bs = await Promise.all(pubs.map((p) => p.page.evaluate(() => window.__rbench)));
      for (const b of bs) if (b.error) throw new Error(`page: ${b.error}`);
      const filesOk = files.every((f) => fileSize(f) > 4096);
      return filesOk && bs.every((b) => b.firstEncodedAt) ? bs : null;
    }, { timeoutMs: 30000, intervalMs: 50, what: `${label}: ${n} files to hold a frame` });
    r.startupOther = loadBetween(s0, snapshot(0)).other;
    await sleep(200); // a few more samples past the header, then no polling during the window
    series = await watch.stop();
    marks.forEach((b, i) => Object.assign(r.streams[i], {
      createdAt: b.createdAt, connectedAt: b.connectedAt, firstEncodedAt: b.firstEncodedAt,
      encodedAfter: b.encodedAfter, encodedBy: b.encodedBy, firstSentAt: b.firstSentAt,
    }));

    if (measure) {
      await waitFor(async () => {
        const st = await Promise.all(pubs.map((p) => pageStats(p.page)));
        return st.every((s) => s && s.framesSent >= FPS);
      }, { timeoutMs: 30000, what: `${label}: every publisher to send ${FPS} frames` });
      await sleep(2000);
      const a = await Promise.all(pubs.map((p) => pageStats(p.page)));
      const f0 = files.map(fileSize);
      const w0 = snapshot(pids);
      await sleep(WINDOW_S * 1000);
      const load = loadBetween(w0, snapshot(pids));
      const f1 = files.map(fileSize);
      r.rssMB = pids.reduce((acc, pid) => acc + rssMB(pid), 0);
      r.pssMB = pids.reduce((acc, pid) => acc + pssMB(pid), 0);
      const z = await Promise.all(pubs.map((p) => pageStats(p.page)));
      for (const c of recs) if (c.exited) throw new Error(`${c.name} ${c.describeExit()} during the window`);
      r.cpu = load.sender;
      r.cpuPerStream = load.sender / n;
      r.rssPerStream = r.rssMB / n;
      r.pssPerStream = r.pssMB / n;
      r.chromiumCpu = load.viewers;
      r.other = load.other;
      r.machineBusy = load.machine;
      z.forEach((after, i) => {
        const before = a[i];
        const dt = (after.timestamp - before.timestamp) / 1000;
        Object.assign(r.streams[i], {
          encFps: dt > 0 ? (after.framesEncoded - before.framesEncoded) / dt : 0,
          sentFps: dt > 0 ? (after.framesSent - before.framesSent) / dt : 0,
          width: after.width, height: after.height,
          fileKbps: ((f1[i] - f0[i]) * 8) / 1000 / WINDOW_S,
        });
      });
    }
  } catch (e) {
    r.error = e.message.split('\n')[0];
    info(`${label}: FAILED: ${e.message}`);
    for (const c of recs) info(`  last output of ${c.name} (pid ${c.pid}):\n${c.tail(15)}`);
  } finally {
    if (watch) series = await watch.stop();
    const stops = await Promise.all(recs.map((c) => stopRecorder(c)));
    stops.forEach((s, i) => { if (s && !r.error) r.error = `recorder ${i} ${s}`; });
  }
  // The file side, from the finished files.
  for (const [i, s] of r.streams.entries()) {
    try {
      s.header = clusterOffset(s.file);
      // Written after the last poll that saw the header alone (or nothing),
      // by the first poll that saw more.
      const hit = series[i].find(([, size]) => size > s.header);
      s.fileAfter = hit && hit[2] ? hit[2] : NaN;
      s.fileBy = hit ? hit[0] : NaN;
      s.fileFirstFrameAt = (s.fileAfter + s.fileBy) / 2;
      const probe = recs[i].lines.map((l) => /first buffer into the file at wall-clock ([\d.]+) ms/.exec(l))
        .find(Boolean);
      s.probeAt = probe ? Number(probe[1]) : NaN;
      s.delayMs = s.fileFirstFrameAt - s.firstEncodedAt;
      s.fromStartMs = s.fileFirstFrameAt - s.startedAt;
      s.encodedFromStartMs = s.firstEncodedAt - s.startedAt;
      s.sessionFromStartMs = s.createdAt - s.startedAt;
      s.connectedFromStartMs = s.connectedAt - s.startedAt;
      s.probeDelayMs = s.probeAt - s.firstEncodedAt;
      s.uncertaintyMs = (s.encodedBy - s.encodedAfter + s.fileBy - s.fileAfter) / 2;
      const d = await discover(t, s.file);
      s.duration = d.duration;
      s.caps = d.video;
      s.valid = d.video === 'video/x-vp8' && d.duration > 0;
      if (!s.valid && !r.error) r.error = `file ${i}: ${d.video} lasting ${d.duration} s`;
    } catch (e) {
      s.valid = false;
      if (!r.error) r.error = `file ${i}: ${e.message.split('\n')[0]}`;
    }
    if (!KEEP_FILES) fs.rmSync(s.file, { force: true });
  }
  const st = r.streams;
  info(`${label}: first frame in the file after the first encoded frame ${st.map((s) => fx(s.delayMs, 0)).join(' ')} ms` +
       ` (recorder start → session ${st.map((s) => fx(s.sessionFromStartMs, 0)).join(' ')}, → encoded ` +
       `${st.map((s) => fx(s.encodedFromStartMs, 0)).join(' ')}, → file ${st.map((s) => fx(s.fromStartMs, 0)).join(' ')} ms` +
       `${kind === 'plain' ? `; probe after encoded ${st.map((s) => fx(s.probeDelayMs, 0)).join(' ')} ms` : ''})`);
  if (measure && r.cpu !== undefined) {
    info(`${label}: recorders' CPU ${r.cpu.toFixed(3)} core (${r.cpuPerStream.toFixed(4)} per stream), RSS ` +
         `${r.rssMB.toFixed(1)} MB (PSS ${r.pssMB.toFixed(1)}), Chromium etc. ${r.chromiumCpu.toFixed(2)}, others ${r.other.toFixed(2)} cores, ` +
         `sent fps ${st.map((s) => fx(s.sentFps, 1)).join(' ')}, file kbit/s ${st.map((s) => fx(s.fileKbps, 0)).join(' ')}, ` +
         `durations ${st.map((s) => fx(s.duration, 1)).join(' ')} s`);
  }
  return r;
}

// ---------------------------------------------------------------- report

const pct = (xs) => {
  const s = xs.filter(Number.isFinite);
  return s.length ? `${fx(median(s), 0)} [${fx(Math.min(...s), 0)}–${fx(Math.max(...s), 0)}]` : '–';
};

function tables(runs, ffRuns) {
  const out = [];
  out.push('| publishers | recorder | first frame in file after first encoded frame (ms): median [min–max] (streams) | from recorder start: session / connected / encoded / in file (ms, medians) | recorders\' CPU (core) | CPU per stream (core) | RSS / PSS per stream (MB) | publisher fps min / mean | files valid | Chromium etc. (core) | others (core) |');
  out.push('|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const n of PUBLISHERS) {
    for (const kind of KINDS) {
      const rs = runs.filter((r) => r.n === n && r.kind === kind);
      if (!rs.length) continue;
      const ok = rs.filter((r) => !r.error);
      if (!ok.length) {
        out.push(`| ${n} | ${KIND_LABEL[kind]} | failed: ${rs[0].error.replace(/\|/g, '/')} |||||||||`);
        continue;
      }
      const st = ok.flatMap((r) => r.streams);
      const nClean = ok.filter(clean).length;
      const fps = st.map((s) => s.sentFps);
      out.push(`| ${n}${nClean === ok.length ? '' : ` (${nClean}/${ok.length} clean)`} | ${KIND_LABEL[kind]} | ` +
               `${pct(st.map((s) => s.delayMs))} (${st.length}) | ` +
               `${['sessionFromStartMs', 'connectedFromStartMs', 'encodedFromStartMs', 'fromStartMs'].map((k) => fx(median(st.map((s) => s[k])), 0)).join(' / ')} | ` +
               `${fx(median(ok.map((r) => r.cpu)), 3)} | ${fx(median(ok.map((r) => r.cpuPerStream)), 4)} | ` +
               `${fx(median(ok.map((r) => r.rssPerStream)), 1)} / ${fx(median(ok.map((r) => r.pssPerStream)), 1)} | ` +
               `${fx(Math.min(...fps), 1)} / ` +
               `${fx(fps.reduce((p, q) => p + q, 0) / fps.length, 1)} | ${st.filter((s) => s.valid).length}/${st.length} | ` +
               `${fx(median(ok.map((r) => r.chromiumCpu)), 2)} | ${fx(median(ok.map((r) => r.other)), 2)} |`);
    }
  }
  out.push('');

  const summary = [];
  const lo = Math.min(...PUBLISHERS);
  const hi = Math.max(...PUBLISHERS);
  out.push(`| recorder | first frame in file after first encoded frame, all runs (ms): median [min–max] (streams) | ± (ms, median) | plain: pad probe instead of file polling (ms) | CPU per stream at N=${PUBLISHERS.join(' / ')} (core) | CPU per extra stream (core): (N${hi}·c${hi}−N${lo}·c${lo})/${hi - lo} [fit] | RSS per stream at N=${PUBLISHERS.join(' / ')} (MB) | PSS per stream at N=${PUBLISHERS.join(' / ')} (MB) |`);
  out.push('|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const kind of KINDS) {
    const mine = runs.filter((r) => !r.error && r.kind === kind);
    const all = [...mine, ...ffRuns.filter((r) => !r.error && r.kind === kind)].flatMap((r) => r.streams);
    const at = (n, key) => median(mine.filter((r) => r.n === n).map((r) => r[key]));
    const s = {
      kind,
      delay: median(all.map((x) => x.delayMs)),
      delayMin: Math.min(...all.map((x) => x.delayMs).filter(Number.isFinite)),
      delayMax: Math.max(...all.map((x) => x.delayMs).filter(Number.isFinite)),
      count: all.length,
      probe: median(all.map((x) => x.probeDelayMs)),
      pm: median(all.map((x) => x.uncertaintyMs)),
      perStream: PUBLISHERS.map((n) => at(n, 'cpuPerStream')),
      rss: PUBLISHERS.map((n) => at(n, 'rssPerStream')),
      pss: PUBLISHERS.map((n) => at(n, 'pssPerStream')),
      extra: hi > lo ? (at(hi, 'cpu') - at(lo, 'cpu')) / (hi - lo) : NaN,
      fit: slope(mine.map((r) => [r.n, r.cpu])),
    };
    summary.push(s);
    out.push(`| ${KIND_LABEL[kind]} | ${fx(s.delay, 0)} [${fx(s.delayMin, 0)}–${fx(s.delayMax, 0)}] (${s.count}) | ${fx(s.pm, 0)} | ` +
             `${kind === 'plain' ? fx(s.probe, 0) : '–'} | ${s.perStream.map((x) => fx(x, 4)).join(' / ')} | ` +
             `${fx(s.extra, 4)} [${fx(s.fit, 4)}] | ${s.rss.map((x) => fx(x, 1)).join(' / ')} | ` +
             `${s.pss.map((x) => fx(x, 1)).join(' / ')} |`);
  }
  return { text: out.join('\n'), summary };
}

function reading(summary, runs) {
  const lines = [];
  const ours = summary.find((s) => s.kind === 'ours');
  const plain = summary.find((s) => s.kind === 'plain');
  if (ours && plain) {
    PUBLISHERS.forEach((n, i) => {
      const d = ours.perStream[i] - plain.perStream[i];
      lines.push(`- N=${n}: CPU per recorded stream ${fx(ours.perStream[i], 4)} core for webrtcrecv against ` +
                 `${fx(plain.perStream[i], 4)} for the plain receiver (${d <= 0.005 ? 'no worse, within 0.005 core' : `worse by ${fx(d, 4)} core`}); ` +
                 `RSS per stream ${fx(ours.rss[i], 1)} against ${fx(plain.rss[i], 1)} MB (PSS ${fx(ours.pss[i], 1)} against ` +
                 `${fx(plain.pss[i], 1)} MB).`);
    });
    lines.push(`- Each extra stream (medians, N=${Math.max(...PUBLISHERS)} minus N=${Math.min(...PUBLISHERS)}; ` +
               `least-squares fit over all runs in brackets): ${fx(ours.extra, 4)} [${fx(ours.fit, 4)}] core for webrtcrecv, ` +
               `${fx(plain.extra, 4)} [${fx(plain.fit, 4)}] for plain.`);
    lines.push(`- First frame in the file after the browser's first encoded frame (every stream of every run): ` +
               `webrtcrecv ${fx(ours.delay, 0)} ms median [${fx(ours.delayMin, 0)}–${fx(ours.delayMax, 0)}], ` +
               `plain ${fx(plain.delay, 0)} ms [${fx(plain.delayMin, 0)}–${fx(plain.delayMax, 0)}]; the plain ` +
               `receiver's pad probe gives ${fx(plain.probe, 0)} ms (file polling every ${FILE_POLL_MS} ms gives ${fx(plain.delay, 0)}).`);
  }
  const failed = runs.filter((r) => r.error);
  if (failed.length) lines.push(`- Failed runs: ${failed.map((r) => `${r.label} (${r.error})`).join('; ')}.`);
  const noisy = runs.filter((r) => r.measure && !r.error && !clean(r));
  if (noisy.length) {
    lines.push(`- Runs not clean after ${ATTEMPTS} attempts (other processes ≥ ${OTHER_MAX} core, or a publisher ` +
               `below ${FPS * 0.9} fps), kept in the medians: ${noisy.map((r) => `${r.label} (others ` +
               `${fx(r.other, 2)}, slowest publisher ${fx(Math.min(...r.streams.map((s) => s.sentFps)), 1)} fps)`).join('; ')}.`);
  } else if (runs.length) {
    lines.push(`- Every measured run was clean (other processes < ${OTHER_MAX} core, every publisher ≥ ${FPS * 0.9} fps, every file growing).`);
  }
  return lines.join('\n');
}

// ------------------------------------------------------------------ main

async function openPublishers(t, browser, server, n, tag) {
  const pubs = [];
  for (let i = 0; i < n; i++) {
    pubs.push(await openPublisher(t, browser, server.httpUrl, {
      name: `${tag}-${i}`, video: 'vp8', only: true, audio: false, label: `${tag}-pub${i}`,
      query: { width: String(WIDTH), height: String(HEIGHT), fps: String(FPS) },
    }));
  }
  const vis = await Promise.all(pubs.map((p) => p.page.evaluate(() => document.visibilityState)));
  if (vis.some((v) => v !== 'visible')) info(`publish pages' visibility: ${vis.join(' ')} (timers may be throttled)`);
  return pubs;
}

const runsPerN = KINDS.length * ROUNDS * ATTEMPTS;
const totalRuns = PUBLISHERS.length * runsPerN + KINDS.length * (FF_REPS + 1);
runTest('bench-recorders', async (t) => {
  if (KINDS.includes('plain') && !fs.existsSync(PLAIN)) {
    throw new Error(`${PLAIN} does not exist: build it (ninja -C ${BUILD_ROOT})`);
  }
  const started = new Date();
  // Build the registry once, so that no measured start-up pays for it.
  execFileSync('gst-inspect-1.0', ['webrtcrecv'], { env: t.env, stdio: 'ignore', timeout: 60000 });
  const browser = await t.launchBrowser();
  const runs = [];
  const ffRuns = [];
  let flip = false;
  for (let round = 0; round < ROUNDS; round++) {
    for (const n of PUBLISHERS) {
      const server = await t.startServer();
      const tag = `r${round}n${n}`;
      const pubs = await openPublishers(t, browser, server, n, tag);
      try {
        if (round === 0 && n === PUBLISHERS[0]) {
          info('warm-up run of each kind (not counted)');
          for (const kind of KINDS) await oneRun(t, pubs, server, { kind, measure: false });
        }
        // ABBA: the kind that goes first alternates.
        const kinds = flip ? [...KINDS].reverse() : KINDS;
        flip = !flip;
        for (const kind of kinds) runs.push(await measuredRun(t, pubs, server, { kind }));
        if (round === 0 && n === Math.min(...PUBLISHERS)) {
          for (let i = 0; i < FF_REPS; i++) {
            for (const kind of i % 2 ? [...KINDS].reverse() : KINDS) {
              ffRuns.push(await oneRun(t, pubs, server, { kind, measure: false }));
            }
          }
        }
      } finally {
        for (const p of pubs) { try { await withTimeout(p.page.close(), 5000, 'closing a page'); } catch (e) { /* ignore */ } }
        await server.child.stop();
      }
    }
  }

  const raw = path.join(os.tmpdir(), `gstsig-bench-recorders-${started.toISOString().replace(/[:.]/g, '-')}.json`);
  fs.writeFileSync(raw, JSON.stringify({ runs, ffRuns }, null, 1));
  info(`raw results: ${raw}`);
  const { text, summary } = tables(runs, ffRuns);
  const read = reading(summary, runs);
  console.log(`\n${text}\n\n${read}\n`);
  if (RESULTS) {
    writeSection(RESULTS, 'recorders.mjs', [
      '# Receiving (webrtcrecv)',
      '',
      'webrtcrecv recorders against plain webrtcbin receivers, written by `bench/recorders.mjs` (see',
      'bench/README.md for what it measures).',
      '',
      ...runHeader(fileURLToPath(import.meta.url), started),
      `- publishers: N tabs of the publish page in one headless Chromium, fake camera ${WIDTH}x${HEIGHT} @ ${FPS} fps, ` +
      `VP8 only, no audio; recorders: one process per stream, video only into Matroska (filesink unbuffered); ` +
      `CPU window ${WINDOW_S} s; ${ROUNDS} round(s), medians across rounds; ${FF_REPS} extra start-up runs per kind at N=${Math.min(...PUBLISHERS)}`,
      '',
      text,
      '',
      '## Reading (generated)',
      '',
      read,
      '',
    ].join('\n'));
  }
}, { timeoutMs: totalRuns * 60000 + PUBLISHERS.length * ROUNDS * 60000 + 120000 });
