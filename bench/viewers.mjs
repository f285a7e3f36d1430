// Benchmark: webrtcsend against a plain webrtcbin sender (bench/plain-sender),
// to 1, 2, 4 and 8 headless Chromium viewers on loopback, in the same run.
//
// For each size, viewer count N and sender kind (alternated, so that drift of
// the machine hits both kinds alike):
//   - start gst-webrtc-serve and open the viewer page (registered as listener)
//   - start the sender process; from that moment, time until the first tile
//     presents its first frame (the page watches the producer as soon as it is
//     listed; the frame is the tile's first requestVideoFrameCallback. Runs
//     before 2026-12-07 polled getStats every 10 ms instead, which came up to
//     50 ms later: Chromium reuses a stats report that long)
//   - once all N tiles decode, sample the sender's CPU (utime+stime of the
//     process and its descendants, /proc) over a window and its VmRSS; over
//     the same window, the CPU of each of its threads, grouped (encoder,
//     source, per-viewer send and receive, webrtcbin pc/ice, other; see
//     groupThreads below) to show the per-viewer threads without the
//     encoder's noise
//   - check that every tile decoded frames during the window, and at what rate
//
// Prints a markdown table and writes bench/RESULTS.md (the command, the date,
// the machine, the tables, a reading). Runs in a loopback-only namespace:
//
//   tests/browser/run-in-netns.sh node bench/viewers.mjs
//
// Knobs (environment): BENCH_VIEWERS=1,2,4,8  BENCH_KINDS=ours,plain
// BENCH_SIZES=1280x720  BENCH_WINDOW_S=10  BENCH_ROUNDS=1
// BENCH_FIRST_FRAME_REPS=5 (extra N=1 start-up runs per kind)
// BENCH_OURS_PROPS="stats-interval=0 ..." (more webrtcsend properties)
// BENCH_OTHER_MAX=0.3 BENCH_QUIET_WAIT_S=90 BENCH_ATTEMPTS=3 (shared machine: a run
// during which other processes used more than BENCH_OTHER_MAX cores is redone)
// BENCH_RESULTS=bench/RESULTS.md (BENCH_RESULTS= to not write)
// BENCH_PLAIN_SENDER=BUILD/bench/plain-sender, GST_WEBRTCSIGNAL_BUILD_ROOT=build
// SPDX-License-Identifier: LGPL-2.1-or-later
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  runTest, info, waitFor, sleep, withTimeout, viewerReady, BUILD_ROOT,
} from '../tests/browser/lib.mjs';
import {
  BENCH_DIR, list, rssMB, snapshot, loadBetween, OTHER_MAX, ATTEMPTS, waitQuiet, median, slope, fx,
  runHeader, writeSection, startSender as startBenchSender, threadCpuSeconds,
} from './bench-lib.mjs';

const env = process.env;
const VIEWERS = list(env.BENCH_VIEWERS, '1,2,4,8').map(Number);
const KINDS = list(env.BENCH_KINDS, 'ours,plain');
const SIZES = list(env.BENCH_SIZES, '1280x720').map((s) => s.split('x').map(Number));
const WINDOW_S = Number(env.BENCH_WINDOW_S || 10);
const ROUNDS = Number(env.BENCH_ROUNDS || 1);
const FF_REPS = Number(env.BENCH_FIRST_FRAME_REPS ?? 5);
const RESULTS = env.BENCH_RESULTS === undefined ? path.join(BENCH_DIR, 'RESULTS.md') : env.BENCH_RESULTS;
const PLAIN = env.BENCH_PLAIN_SENDER || path.join(BUILD_ROOT, 'bench', 'plain-sender');
const FPS = 30;
const KBPS = 2000;
const OURS_EXTRA = (env.BENCH_OURS_PROPS || '').split(' ').filter(Boolean);
const KIND_LABEL = { ours: 'webrtcsend', plain: 'plain webrtcbin' };

// ------------------------------------------------------------- the page

// Installed in the viewer page before the sender starts: watches the producer
// n times as soon as it is listed and notes when each tile decodes its first
// frame (Date.now(), the same wall clock as node's).
function pageArm({ name, n }) {
  const B = window.__bench = { listedAt: null, tiles: [], firstFrameAt: [], offerAt: [], connectedAt: [], error: null };
  const iv = setInterval(() => {
    try {
      const p = window.gstsig.producers().find((x) => x.meta && x.meta.name === name);
      if (!p) return;
      clearInterval(iv);
      B.listedAt = Date.now();
      for (let i = 0; i < n; i++) B.tiles.push(window.gstsig.watch(p.id));
      B.firstFrameAt = B.tiles.map(() => null);
      B.offerAt = B.tiles.map(() => null);
      B.connectedAt = B.tiles.map(() => null);
      /* A tile's first frame is the first the page presents (its <video>'s
       * first requestVideoFrameCallback, in Date.now() terms); getStats'
       * framesDecoded came up to 50 ms later (Chromium reuses a report). */
      const videos = [...document.querySelectorAll('#tiles video')].slice(-n);
      videos.forEach((video, i) => {
        video.requestVideoFrameCallback((now, meta) => {
          B.firstFrameAt[i] = Math.round(Date.now() - (performance.now() - meta.presentationTime));
        });
      });
      const poll = () => {
        let pending = false;
        B.tiles.forEach((id, i) => {
          const pc = window.gstsig.peerConnection(id);
          if (!pc) { pending = true; return; }
          if (!B.offerAt[i] && pc.remoteDescription) B.offerAt[i] = Date.now();
          if (!B.connectedAt[i] && pc.connectionState === 'connected') B.connectedAt[i] = Date.now();
          if (!B.connectedAt[i]) pending = true;
        });
        if (pending) setTimeout(poll, 2);
      };
      poll();
    } catch (e) {
      clearInterval(iv);
      B.error = String(e);
    }
  }, 5);
}

// -------------------------------------------------------- sender threads

// The sender's CPU (cores) over the window by group of threads, told apart by
// their names: GStreamer names a streaming thread after the pad that drives
// it ("queue3:src"), and Linux keeps the first 15 characters. a, b:
// threadCpuSeconds() at both ends of the window, dt seconds apart; total: the
// whole process's CPU over the same window. Groups:
//   encoder  ours: the busiest queueN:src (vp8enc runs on the thread of the
//            queue in front of it; assumes one encoder, i.e. one tier);
//            plain: videotestsrc0:src (source, videoconvert and vp8enc on
//            one thread, no queue between them)
//   source   ours: videotestsrc* and the input's pace queue (video_0-pace-qu);
//            plain: none, it is in encoder
//   send     per viewer, the queueN:src of its branch: payloader, webrtcbin,
//            rtpbin and rtprtxsend, srtpenc, DTLS and nicesink run on it
//   recv     per viewer, webrtcbin's receive queue (also a queueN:src) and
//            nicesrcN:src: DTLS/SRTP decryption, RTCP and TWCC feedback (and
//            ours' congestion controller, fed from there)
//   pcIce    webrtcbin's pc and ICE threads: plain's webrtcbinN:pc / :ice;
//            ours' are named "webrtcsend" (an inference: they keep the name
//            of the thread that creates them, webrtcsend's control thread,
//            as webrtcbin's own name for them is too long), so this group
//            also holds that control thread (one per sender, not per viewer)
//   other    the rest: total minus the groups above, so that the groups add up
//            to total. Main, signalling and GstSystemClock threads, the
//            per-viewer threads that are idle on loopback (dtlsencN:src,
//            rtpsession-rtcp, rtprtxsendN:src), threads that exited during
//            the window; it can be a little negative, since each thread's
//            figure is rounded to a clock tick (0.001 core over 10 s)
//   perViewer  total minus encoder and source: every thread a viewer adds,
//            plus the fixed ones in pcIce and other
// Send and receive queues are told apart by a HEURISTIC, their number (queue
// elements are numbered in the order they are created, across the process).
// The bench watches all N tiles at once, and so far: ours' webrtcbins all
// make their receive queues (when the offers are made) before the first
// viewer's branch queue (made once that viewer's negotiation is done), and
// plain makes its N branch queues (one per viewer as it asks) before the
// receive queues. So, of the queues other than ours' encoder's, taken by
// number: ours, the lowest N are receive queues and the rest send queues;
// plain, the lowest N are send queues and the rest receive queues. (Where
// ours' encoder queue comes among them has changed between versions, so it
// is not used.) A viewer that joined later could break this. splitOk checks
// what can be checked: N send and N receive queues, and every send queue
// busier than every receive queue (each send queue carries the whole video
// stream, a receive queue only RTCP).
function groupThreads(kind, n, a, b, dt, total) {
  const threads = Object.entries(b).map(([tid, x]) => ({
    tid: Number(tid), comm: x.comm, cpu: (x.s - (a[tid] ? a[tid].s : 0)) / dt, isNew: !a[tid], group: 'other',
  }));
  const queues = threads.map((t) => [t, /^queue(\d+):src$/.exec(t.comm)]).filter(([, m]) => m)
    .map(([t, m]) => ({ t, q: Number(m[1]) }));
  if (kind === 'ours' && queues.length) queues.reduce((p, x) => (x.t.cpu > p.t.cpu ? x : p)).t.group = 'encoder';
  const rest = queues.filter((x) => x.t.group !== 'encoder').sort((x, y) => x.q - y.q);
  rest.forEach(({ t }, i) => { t.group = (kind === 'ours') === (i < n) ? 'recv' : 'send'; });
  for (const t of threads) {
    const c = t.comm;
    if (/^queue\d+:src$/.test(c)) continue;
    if (/^videotestsrc/.test(c)) t.group = kind === 'ours' ? 'source' : 'encoder';
    else if (/-pace-qu/.test(c)) t.group = 'source';
    else if (/^nicesrc/.test(c)) t.group = 'recv';
    else if (/^webrtcbin\d*:(pc|ice)$/.test(c) || c === 'webrtcsend') t.group = 'pcIce';
  }
  const g = { encoder: 0, source: 0, send: 0, recv: 0, pcIce: 0 };
  for (const t of threads) if (t.group in g) g[t.group] += t.cpu;
  g.other = total - g.encoder - g.source - g.send - g.recv - g.pcIce;
  g.perViewer = total - g.encoder - g.source;
  const send = queues.filter((x) => x.t.group === 'send').map((x) => x.t.cpu);
  const recvQ = queues.filter((x) => x.t.group === 'recv').map((x) => x.t.cpu);
  g.splitOk = send.length === n && recvQ.length === n && Math.min(...send) > Math.max(...recvQ);
  g.gone = Object.keys(a).filter((tid) => !b[tid]).length;
  return { groups: g, threads };
}

// ------------------------------------------------------------------ runs

function startSender(t, kind, { wsUrl, name, width, height }) {
  return startBenchSender(t, kind, { wsUrl, name, width, height, fps: FPS, kbps: KBPS, plain: PLAIN,
                                     oursExtra: OURS_EXTRA });
}

let runCounter = 0;

// Clean: other processes stayed under OTHER_MAX and every viewer decoded at
// 90% of the source rate or more, i.e. the sender was not starved.
const clean = (r) => !r.error && r.other < OTHER_MAX && r.decoding === r.n && Math.min(...r.fps) >= FPS * 0.9;

// A measured run, redone (up to ATTEMPTS in all) until it is clean; keeps
// the first clean one, else the one with the least load from others.
async function measuredRun(t, browser, opts) {
  let best = null;
  for (let i = 0; i < ATTEMPTS; i++) {
    const r = await oneRun(t, browser, opts);
    r.attempts = i + 1;
    if (!best || (best.error && !r.error) || (!r.error && r.other < best.other)) best = r;
    if (clean(r)) { best = r; break; }
    info(`${r.label}: ${r.error ? 'failed' : `not clean (others used ${r.other.toFixed(2)} cores, ` +
         `slowest viewer ${Math.min(...r.fps).toFixed(1)} fps)`}; measuring again`);
  }
  return best;
}

// One measured run. measure=false: start-up time only.
async function oneRun(t, browser, { kind, n, width, height, measure = true }) {
  const label = `${kind}-${width}x${height}-n${n}-${++runCounter}`;
  const name = `bench-${label}`;
  const r = { kind, n, width, height, label };
  const server = await t.startServer();
  let page = null;
  let sender = null;
  try {
    page = await t.openPage(browser, server.httpUrl, label);
    await viewerReady(page);
    await page.evaluate(pageArm, { name, n });
    r.otherBefore = await waitQuiet();

    const s0 = snapshot(0);
    const tStart = Date.now();
    sender = startSender(t, kind, { wsUrl: server.wsUrl, name, width, height });
    const b = await waitFor(async () => {
      if (sender.exited) throw new Error(`sender ${sender.describeExit()}:\n${sender.tail()}`);
      const v = await page.evaluate(() => window.__bench);
      if (v.error) throw new Error(`page: ${v.error}`);
      return v.firstFrameAt.length === n && v.firstFrameAt.every(Boolean) ? v : null;
    }, { timeoutMs: 30000, intervalMs: 50, what: `${label}: all ${n} tiles to decode a first frame` });
    r.listedMs = b.listedAt - tStart;
    r.firstFrameMs = Math.min(...b.firstFrameAt) - tStart;
    r.allFramesMs = Math.max(...b.firstFrameAt) - tStart;
    const first = b.firstFrameAt.indexOf(Math.min(...b.firstFrameAt));
    r.offerMs = b.offerAt[first] - tStart;
    r.connectedMs = b.connectedAt[first] ? b.connectedAt[first] - tStart : NaN;
    r.startupOther = loadBetween(s0, snapshot(0)).other;
    info(`${label}: listed after ${r.listedMs} ms, offer in the page ${r.offerMs} ms, connected ` +
         `${r.connectedMs} ms, first frame ${r.firstFrameMs} ms, all ${n} after ${r.allFramesMs} ms ` +
         `(others used ${r.startupOther.toFixed(2)} cores meanwhile)`);
    if (!measure) return r;

    // Steady state: every tile has decoded a second's worth; then settle.
    await waitFor(async () => {
      const tiles = await page.evaluate(() => window.gstsig.refresh());
      return tiles.length === n && tiles.every((x) => x.stats.framesDecoded >= FPS);
    }, { timeoutMs: 30000, what: `${label}: all ${n} tiles to decode ${FPS} frames` });
    await sleep(2000);

    const a = await page.evaluate(() => window.gstsig.refresh());
    const th0 = threadCpuSeconds(sender.pid);
    const w0 = snapshot(sender.pid);
    await sleep(WINDOW_S * 1000);
    const w1 = snapshot(sender.pid);
    const th1 = threadCpuSeconds(sender.pid);
    const load = loadBetween(w0, w1);
    r.rssMB = rssMB(sender.pid);
    const z = await page.evaluate(() => window.gstsig.refresh());
    if (sender.exited) throw new Error(`sender ${sender.describeExit()} during the window`);
    r.cpu = load.sender;
    ({ groups: r.threadCpu, threads: r.threads } = groupThreads(kind, n, th0, th1, (w1.t - w0.t) / 1000, r.cpu));
    r.viewersCpu = load.viewers;
    r.other = load.other;
    r.machineBusy = load.machine;
    r.fps = z.map((after) => {
      const before = a.find((x) => x.id === after.id);
      const dt = (after.stats.timestamp - before.stats.timestamp) / 1000;
      return dt > 0 ? (after.stats.framesDecoded - before.stats.framesDecoded) / dt : 0;
    });
    r.decoding = r.fps.filter((f) => f > 0).length;
    r.sizesOk = z.every((x) => x.stats.width === width && x.stats.height === height);
    info(`${label}: sender CPU ${r.cpu.toFixed(3)} core, RSS ${r.rssMB.toFixed(1)} MB, ` +
         `viewers' side ${r.viewersCpu.toFixed(2)}, others ${r.other.toFixed(2)} cores, fps ${r.fps.map((f) => f.toFixed(1)).join(' ')}`);
    const g = r.threadCpu;
    info(`${label}: sender threads: ${GROUPS.slice(0, -1).map(([k]) => `${k} ${g[k].toFixed(3)}`).join(', ')}; ` +
         `per-viewer threads ${g.perViewer.toFixed(3)} core${g.splitOk ? '' : ' (send/receive queue split doubtful)'}`);
    return r;
  } catch (e) {
    r.error = e.message.split('\n')[0];
    info(`${label}: FAILED: ${e.message}`);
    return r;
  } finally {
    if (sender) await sender.stop();
    if (page) { try { await withTimeout(page.close(), 5000, 'closing the page'); } catch (e) { /* ignore */ } }
    await server.child.stop();
  }
}

// ---------------------------------------------------------------- report

// groupThreads()'s groups, and their column headings.
const GROUPS = [['encoder', 'encoder'], ['source', 'source'], ['send', 'send'],
  ['recv', 'receive (queue + nicesrc)'], ['pcIce', 'webrtcbin pc/ice'], ['other', 'other'],
  ['perViewer', 'per-viewer threads (all but encoder + source)']];

function tables(runs, ffRuns) {
  const out = [];
  const sizes = [...new Set(runs.map((r) => `${r.width}x${r.height}`))];
  out.push('| size | viewers | sender | first frame (ms) | all decoding (ms) | sender CPU (core) | sender RSS (MB) | viewers decoding | decoded fps min / mean | Chromium etc. (core) | others (core) |');
  out.push('|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const size of sizes) {
    for (const n of VIEWERS) {
      for (const kind of KINDS) {
        const rs = runs.filter((r) => `${r.width}x${r.height}` === size && r.n === n && r.kind === kind);
        if (!rs.length) continue;
        const ok = rs.filter((r) => !r.error);
        if (!ok.length) {
          out.push(`| ${size} | ${n} | ${KIND_LABEL[kind]} | failed: ${rs[0].error.replace(/\|/g, '/')} ||||||||`);
          continue;
        }
        const fpsAll = ok.flatMap((r) => r.fps);
        const nClean = ok.filter(clean).length;
        out.push(`| ${size} | ${n}${nClean === ok.length ? '' : ` (${nClean}/${ok.length} clean)`} | ${KIND_LABEL[kind]} | ${fx(median(ok.map((r) => r.firstFrameMs)), 0)} | ` +
                 `${fx(median(ok.map((r) => r.allFramesMs)), 0)} | ${fx(median(ok.map((r) => r.cpu)), 3)} | ` +
                 `${fx(median(ok.map((r) => r.rssMB)), 1)} | ${Math.min(...ok.map((r) => r.decoding))}/${n}` +
                 `${ok.every((r) => r.sizesOk) ? '' : ' (wrong size)'} | ` +
                 `${fx(Math.min(...fpsAll), 1)} / ${fx(fpsAll.reduce((p, q) => p + q, 0) / fpsAll.length, 1)} | ` +
                 `${fx(median(ok.map((r) => r.viewersCpu)), 2)} | ${fx(median(ok.map((r) => r.other)), 2)} |`);
      }
    }
  }
  out.push('');

  // Summary per kind and size: start-up, CPU and memory at N=1, slopes.
  const summary = [];
  const lo = Math.min(...VIEWERS);
  const hi = Math.max(...VIEWERS);
  const two = `(N${hi}−N${lo})/${hi - lo}`;
  out.push(`| size | sender | first frame, N=1 (ms): median [min–max] (runs) | listed / offer / connected, N=1 (ms, medians) | CPU at N=1 (core) | CPU per extra viewer (core): ${two} [fit] | per-viewer threads, per extra viewer (core): ${two} [fit] | RSS at N=1 (MB) | RSS per extra viewer (MB): ${two} [fit] |`);
  out.push('|---|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const size of sizes) {
    for (const kind of KINDS) {
      const at = (n, key) => median(runs.filter((r) => !r.error && `${r.width}x${r.height}` === size &&
                                                      r.n === n && r.kind === kind).map((r) => r[key]));
      const pvt = (r) => (r.threadCpu ? r.threadCpu.perViewer : NaN);
      const n1 = [...runs, ...ffRuns].filter((r) => !r.error && r.n === 1 && r.kind === kind &&
                                                   `${r.width}x${r.height}` === size);
      const ff = n1.map((r) => r.firstFrameMs);
      const s = {
        size, kind, ffMedian: median(ff), ffMin: Math.min(...ff), ffMax: Math.max(...ff), ffCount: ff.length,
        cpu1: at(lo, 'cpu'), rss1: at(lo, 'rssMB'),
        cpuSlope: hi > lo ? (at(hi, 'cpu') - at(lo, 'cpu')) / (hi - lo) : NaN,
        rssSlope: hi > lo ? (at(hi, 'rssMB') - at(lo, 'rssMB')) / (hi - lo) : NaN,
      };
      const mine = runs.filter((r) => !r.error && `${r.width}x${r.height}` === size && r.kind === kind);
      const pvtAt = (n) => median(mine.filter((r) => r.n === n).map(pvt));
      s.pvtSlope = hi > lo ? (pvtAt(hi) - pvtAt(lo)) / (hi - lo) : NaN;
      s.cpuFit = slope(mine.map((r) => [r.n, r.cpu]));
      s.pvtFit = slope(mine.map((r) => [r.n, pvt(r)]));
      s.rssFit = slope(mine.map((r) => [r.n, r.rssMB]));
      summary.push(s);
      out.push(`| ${size} | ${KIND_LABEL[kind]} | ${fx(s.ffMedian, 0)} [${fx(s.ffMin, 0)}–${fx(s.ffMax, 0)}] (${s.ffCount}) | ` +
               `${['listedMs', 'offerMs', 'connectedMs'].map((k) => fx(median(n1.map((r) => r[k])), 0)).join(' / ')} | ` +
               `${fx(s.cpu1, 3)} | ${fx(s.cpuSlope, 4)} [${fx(s.cpuFit, 4)}] | ${fx(s.pvtSlope, 4)} [${fx(s.pvtFit, 4)}] | ` +
               `${fx(s.rss1, 1)} | ${fx(s.rssSlope, 2)} [${fx(s.rssFit, 2)}] |`);
    }
  }
  out.push('');

  // The sender's CPU by group of threads (groupThreads): medians per cell,
  // then per kind the per-extra-viewer slopes of each group.
  out.push(`| size | viewers | sender | ${GROUPS.map(([, h]) => `${h} (core)`).join(' | ')} |`);
  out.push(`|---|---:|---|${GROUPS.map(() => '---:|').join('')}`);
  let doubtful = false;
  for (const size of sizes) {
    for (const kind of KINDS) {
      const mine = runs.filter((r) => !r.error && r.threadCpu && `${r.width}x${r.height}` === size && r.kind === kind);
      if (!mine.length) continue;
      const at = (n, k) => median(mine.filter((r) => r.n === n).map((r) => r.threadCpu[k]));
      for (const n of VIEWERS) {
        const rs = mine.filter((r) => r.n === n);
        if (!rs.length) continue;
        const split = rs.every((r) => r.threadCpu.splitOk) ? '' : ' *';
        if (split) doubtful = true;
        out.push(`| ${size} | ${n} | ${KIND_LABEL[kind]} | ${GROUPS.map(([k]) => `${fx(at(n, k), 3)}` +
          `${k === 'send' || k === 'recv' ? split : ''}`).join(' | ')} |`);
      }
      out.push(`| ${size} | per extra viewer: ${two} [fit] | ${KIND_LABEL[kind]} | ${GROUPS.map(([k]) =>
        `${fx(hi > lo ? (at(hi, k) - at(lo, k)) / (hi - lo) : NaN, 4)} [${fx(slope(mine.map((r) => [r.n, r.threadCpu[k]])), 4)}]`).join(' | ')} |`);
    }
  }
  if (doubtful) {
    out.push('', '\\* send and receive queues told apart by their numbers, which did not come out as expected in ' +
             'at least one run of the cell (see groupThreads in bench/viewers.mjs); their sum is still right.');
  }
  return { text: out.join('\n'), summary };
}

function reading(summary, runs) {
  const lines = [];
  const lo = Math.min(...VIEWERS);
  const hi = Math.max(...VIEWERS);
  for (const size of [...new Set(summary.map((s) => s.size))]) {
    const ours = summary.find((s) => s.size === size && s.kind === 'ours');
    const plain = summary.find((s) => s.size === size && s.kind === 'plain');
    if (!ours || !plain) continue;
    const cpuVerdict = ours.cpuSlope <= plain.cpuSlope + 0.005 ? 'no worse than' : 'worse than';
    const rssVerdict = ours.rssSlope <= plain.rssSlope + 0.25 ? 'no worse than' : 'worse than';
    lines.push(`- ${size}, per extra viewer (medians: N=${hi} minus N=${lo}, over ${hi - lo}; least-squares fit ` +
               `over all runs in brackets): CPU ${fx(ours.cpuSlope, 4)} [${fx(ours.cpuFit, 4)}] core for webrtcsend ` +
               `against ${fx(plain.cpuSlope, 4)} [${fx(plain.cpuFit, 4)}] for the plain sender; memory ` +
               `${fx(ours.rssSlope, 2)} [${fx(ours.rssFit, 2)}] MB against ${fx(plain.rssSlope, 2)} ` +
               `[${fx(plain.rssFit, 2)}] MB.`);
    lines.push(`- ${size}, per extra viewer, the threads a viewer adds only (the whole process minus the encoder ` +
               `and source threads, whose run-to-run noise can be larger than a viewer's cost): ` +
               `${fx(ours.pvtSlope, 4)} [${fx(ours.pvtFit, 4)}] core for webrtcsend against ` +
               `${fx(plain.pvtSlope, 4)} [${fx(plain.pvtFit, 4)}] for the plain sender.`);
    lines.push(`- ${size}, by the two-point slopes webrtcsend's per-viewer CPU is ${cpuVerdict} plain's ` +
               `(within 0.005 core) and its per-viewer memory ${rssVerdict} plain's (within 0.25 MB). At N=${lo}: CPU ` +
               `${fx(ours.cpu1, 3)} against ${fx(plain.cpu1, 3)} core, RSS ${fx(ours.rss1, 1)} against ` +
               `${fx(plain.rss1, 1)} MB.`);
    lines.push(`- ${size}, first decoded frame from process start (N=1, median of ${ours.ffCount} and ` +
               `${plain.ffCount} runs): webrtcsend ${fx(ours.ffMedian, 0)} ms ` +
               `(${ours.ffMax <= 1000 ? 'every run' : ours.ffMedian <= 1000 ? 'median, not every run,' : 'not'} within 1 s), ` +
               `plain ${fx(plain.ffMedian, 0)} ms.`);
  }
  const failed = runs.filter((r) => r.error);
  const short = runs.filter((r) => !r.error && (r.decoding < r.n || Math.min(...r.fps) < FPS * 0.8));
  if (failed.length) lines.push(`- Failed runs: ${failed.map((r) => `${r.label} (${r.error})`).join('; ')}.`);
  if (short.length) {
    lines.push(`- Runs where a viewer decoded below ${FPS * 0.8} fps (the 2-core machine also runs Chromium's ` +
               `decoders): ${short.map((r) => `${r.label} (min ${fx(Math.min(...r.fps), 1)} fps; machine ` +
               `${fx(r.machineBusy, 2)} cores busy, of which Chromium etc. ${fx(r.viewersCpu, 2)}, ` +
               `others ${fx(r.other, 2)})`).join('; ')}.`);
  } else if (runs.length) {
    lines.push(`- Every viewer of every run decoded at ${FPS * 0.8} fps or more during the window.`);
  }
  const noisy = runs.filter((r) => !r.error && !clean(r));
  if (noisy.length) {
    lines.push(`- Runs not clean after ${ATTEMPTS} attempts (other processes ≥ ${OTHER_MAX} core, or a viewer ` +
               `below ${FPS * 0.9} fps), kept in the medians: ` +
               `${noisy.map((r) => `${r.label} (others ${fx(r.other, 2)})`).join('; ')}.`);
  } else if (runs.length) {
    lines.push(`- Every measured run was clean (other processes < ${OTHER_MAX} core, every viewer ≥ ${FPS * 0.9} fps).`);
  }
  return lines.join('\n');
}

// ------------------------------------------------------------------ main

const totalRuns = SIZES.length * VIEWERS.length * KINDS.length * ROUNDS + KINDS.length * FF_REPS + 1;
runTest('bench-viewers', async (t) => {
  if (KINDS.includes('plain') && !fs.existsSync(PLAIN)) {
    throw new Error(`${PLAIN} does not exist: build it (ninja -C ${BUILD_ROOT})`);
  }
  const started = new Date();
  // Build the registry once, so that no measured start-up pays for it.
  execFileSync('gst-inspect-1.0', ['webrtcsend'], { env: t.env, stdio: 'ignore', timeout: 60000 });
  const browser = await t.launchBrowser();
  info('warm-up run (not counted)');
  await oneRun(t, browser, { kind: KINDS[0], n: 1, width: SIZES[0][0], height: SIZES[0][1], measure: false });

  const runs = [];
  let flip = false;
  for (let round = 0; round < ROUNDS; round++) {
    flip = round % 2 === 1;
    for (const [width, height] of SIZES) {
      for (const n of VIEWERS) {
        // ABBA: the kind that goes first alternates.
        const kinds = flip ? [...KINDS].reverse() : KINDS;
        flip = !flip;
        for (const kind of kinds) runs.push(await measuredRun(t, browser, { kind, n, width, height }));
      }
    }
  }
  const ffRuns = [];
  for (let i = 0; i < FF_REPS; i++) {
    const kinds = i % 2 ? [...KINDS].reverse() : KINDS;
    for (const kind of kinds) {
      ffRuns.push(await oneRun(t, browser, { kind, n: 1, width: SIZES[0][0], height: SIZES[0][1], measure: false }));
    }
  }

  const raw = path.join(os.tmpdir(), `gstsig-bench-viewers-${started.toISOString().replace(/[:.]/g, '-')}.json`);
  fs.writeFileSync(raw, JSON.stringify({ runs, ffRuns }, null, 1));
  info(`raw results: ${raw}`);
  const { text, summary } = tables(runs, ffRuns);
  const read = reading(summary, runs);
  console.log(`\n${text}\n\n${read}\n`);
  if (RESULTS) {
    writeSection(RESULTS, 'viewers.mjs', [
      '# Benchmark: webrtcsend against a plain webrtcbin sender',
      '',
      'Written by `bench/viewers.mjs` (see bench/README.md for what it measures).',
      '',
      ...runHeader(fileURLToPath(import.meta.url), started),
      `- source: videotestsrc ${SIZES.map((s) => s.join('x')).join(', ')} @ ${FPS} fps, VP8 ${KBPS} kbit/s, ` +
      `video only; CPU window ${WINDOW_S} s; ${ROUNDS} round(s), medians across rounds; ` +
      `${FF_REPS} extra start-up runs per kind` +
      `${OURS_EXTRA.length ? `; webrtcsend with ${OURS_EXTRA.join(' ')}` : ''}`,
      '',
      text,
      '',
      '## Reading (generated)',
      '',
      read,
      '',
    ].join('\n'));
  }
}, { timeoutMs: totalRuns * 90000 + 120000 });
