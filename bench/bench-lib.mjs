// What the benchmarks (viewers.mjs, recorders.mjs) share beyond
// tests/browser/lib.mjs: CPU and memory of processes from /proc, the load
// of a shared machine and waiting for it to be quiet, medians and slopes,
// the command line and the machine for the report, and rewriting one
// benchmark's own section of bench/RESULTS.md.
// SPDX-License-Identifier: LGPL-2.1-or-later
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { info, sleep, SOURCE_ROOT, BUILD_ROOT, GST_LAUNCH } from '../tests/browser/lib.mjs';

export const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));
const env = process.env;
export const list = (v, d) => (v === undefined || v === '' ? d : v).split(',').map((s) => s.trim()).filter(Boolean);
const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

// --------------------------------------------------------------- senders

// webrtcsend ('ours') or bench/plain-sender ('plain'), each sending a live
// videotestsrc as VP8, video only, as producer `name` on wsUrl; t is the
// test context of tests/browser/lib.mjs, plain the plain-sender binary,
// oursExtra more webrtcsend properties ("stats-interval=0"); stamp: each
// raw frame gets the wall-clock time written into it (bench/benchstamp.c,
// for glass-to-glass.mjs).
export function startSender(t, kind, { wsUrl, name, width, height, fps, kbps, plain, oursExtra = [], stamp = false }) {
  const stampEnv = stamp
    ? { GST_PLUGIN_PATH_1_0: [t.env.GST_PLUGIN_PATH_1_0, path.join(BUILD_ROOT, 'bench')].filter(Boolean).join(':') }
    : {};
  if (kind === 'ours') {
    return t.launch(`${kind}-sender`, [
      'videotestsrc', 'is-live=true', '!',
      `video/x-raw,${stamp ? 'format=I420,' : ''}width=${width},height=${height},framerate=${fps}/1`,
      ...(stamp ? ['!', 'benchstamp'] : []),
      '!', 'webrtcsend', `uri=${wsUrl}`, 'video-codecs=vp8', `video-bitrate=${kbps}`, `meta=meta,name=${name}`,
      'max-consumers=0', /* the default 50 would refuse the 51st viewer; the plain sender has no limit */
      ...oursExtra,
    ], stampEnv);
  }
  return t.spawn(`${kind}-sender`, plain, [wsUrl, '--name', name, '--width', String(width),
    '--height', String(height), '--fps', String(fps), '--bitrate', String(kbps), ...(stamp ? ['--stamp'] : [])],
  stampEnv);
}

// ------------------------------------------------------------- the page

// Runs in the viewer page (tools/web, page.evaluate): watches the producer
// whose meta name is `name` n times as soon as it is listed. The tile ids go
// to window.__watch.tiles, a failure to window.__watch.error.
export function pageWatch({ name, n }) {
  const B = window.__watch = { tiles: [], error: null };
  const iv = setInterval(() => {
    try {
      const p = window.gstsig.producers().find((x) => x.meta && x.meta.name === name);
      if (!p) return;
      clearInterval(iv);
      for (let i = 0; i < n; i++) B.tiles.push(window.gstsig.watch(p.id));
    } catch (e) {
      clearInterval(iv);
      B.error = String(e);
    }
  }, 5);
}

// ------------------------------------------------------------------ /proc

// pid and its live descendants (this kernel has no /proc/PID/task/TID/children).
function descendants(pid) {
  const kids = new Map();
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const s = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(s.slice(s.lastIndexOf(')') + 2).split(' ')[1]);
      if (!kids.has(ppid)) kids.set(ppid, []);
      kids.get(ppid).push(Number(d));
    } catch (e) { /* gone */ }
  }
  const out = [pid];
  for (let i = 0; i < out.length; i++) out.push(...(kids.get(out[i]) || []));
  return out;
}

// utime+stime in seconds of pid and its live descendants (all threads).
export function cpuSeconds(pid) {
  let ticks = 0;
  for (const p of descendants(pid)) {
    try {
      const s = fs.readFileSync(`/proc/${p}/stat`, 'utf8');
      const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
      ticks += Number(f[11]) + Number(f[12]); // fields 14 and 15 of stat(5)
    } catch (e) { /* gone */ }
  }
  return ticks / CLK_TCK;
}

// utime+stime in seconds of each thread of pid (its own threads, not its
// descendants'), by TID: { tid: { comm, s } }. comm is the thread's name as
// the kernel keeps it (15 characters at most). A thread that has exited is
// not listed; its time stays in cpuSeconds(pid).
export function threadCpuSeconds(pid) {
  const out = {};
  let tids = [];
  try { tids = fs.readdirSync(`/proc/${pid}/task`); } catch (e) { return out; }
  for (const tid of tids) {
    try {
      const s = fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
      out[tid] = { comm: s.slice(s.indexOf('(') + 1, s.lastIndexOf(')')),
                   s: (Number(f[11]) + Number(f[12])) / CLK_TCK }; // fields 14 and 15 of stat(5)
    } catch (e) { /* gone */ }
  }
  return out;
}

// VmRSS in MB of pid and its live descendants.
export function rssMB(pid) {
  let kb = 0;
  for (const p of descendants(pid)) {
    try {
      const m = /VmRSS:\s+(\d+)\s+kB/.exec(fs.readFileSync(`/proc/${p}/status`, 'utf8'));
      if (m) kb += Number(m[1]);
    } catch (e) { /* gone */ }
  }
  return kb / 1024;
}

// Proportional set size in MB of pid and its live descendants: shared pages
// (libraries) divided among the processes that map them, so that N processes
// of the same program are not each charged for the whole of their libraries.
export function pssMB(pid) {
  let kb = 0;
  for (const p of descendants(pid)) {
    try {
      const m = /^Pss:\s+(\d+)\s+kB/m.exec(fs.readFileSync(`/proc/${p}/smaps_rollup`, 'utf8'));
      if (m) kb += Number(m[1]);
    } catch (e) { /* gone */ }
  }
  return kb / 1024;
}

// Whole machine: busy and total jiffies (to tell how loaded it was).
function machineTicks() {
  const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const total = f.reduce((a, b) => a + b, 0);
  return { busy: total - f[3] - (f[4] || 0), total };
}

// CPU counters for loadBetween(): the machine, this script and everything
// it started (Chromium, servers, the processes measured), and the measured
// processes: pids, a PID or an array of PIDs (0 or empty: none).
export function snapshot(pids) {
  const measured = [].concat(pids || []).filter(Boolean);
  return { t: performance.now(), machine: machineTicks(), own: cpuSeconds(process.pid),
           sender: measured.reduce((a, p) => a + cpuSeconds(p), 0) };
}

// CPU (in cores) used between two snapshots: by the machine, by this script
// and what it started (own), by the measured processes (sender), by the rest
// of what it started (viewers: Chromium, server, node), by other processes.
export function loadBetween(a, b) {
  const dt = (b.t - a.t) / 1000;
  const machine = ((b.machine.busy - a.machine.busy) / (b.machine.total - a.machine.total)) * os.cpus().length;
  const own = (b.own - a.own) / dt;
  const sender = (b.sender - a.sender) / dt;
  return { machine, own, sender, viewers: own - sender, other: Math.max(0, machine - own) };
}

export const OTHER_MAX = Number(env.BENCH_OTHER_MAX || 0.3);
export const QUIET_WAIT_S = Number(env.BENCH_QUIET_WAIT_S ?? 90);
export const ATTEMPTS = Number(env.BENCH_ATTEMPTS || 3);

// This machine may be shared: wait (bounded) until other processes use less
// than OTHER_MAX of a core over a second. Returns the last load seen.
export async function waitQuiet() {
  const deadline = Date.now() + QUIET_WAIT_S * 1000;
  for (;;) {
    const a = snapshot(0);
    await sleep(1000);
    const l = loadBetween(a, snapshot(0));
    if (l.other < OTHER_MAX || Date.now() >= deadline) {
      if (l.other >= OTHER_MAX) info(`machine still busy (${l.other.toFixed(2)} cores used by others); going on`);
      return l.other;
    }
  }
}

// ---------------------------------------------------------------- numbers

export const median = (xs) => {
  const s = xs.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((p, q) => p - q);
  if (!s.length) return NaN;
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

// Least-squares slope of y over x.
export function slope(points) {
  const p = points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
  if (new Set(p.map(([x]) => x)).size < 2) return NaN;
  const mx = p.reduce((a, [x]) => a + x, 0) / p.length;
  const my = p.reduce((a, [, y]) => a + y, 0) / p.length;
  const sxy = p.reduce((a, [x, y]) => a + (x - mx) * (y - my), 0);
  const sxx = p.reduce((a, [x]) => a + (x - mx) ** 2, 0);
  return sxy / sxx;
}

export const fx = (x, d) => (Number.isFinite(x) ? x.toFixed(d) : '–');

// ----------------------------------------------------------------- report

// The command that ran script (a path): BENCH_* and the build root, relative,
// plus the variables named in opts.vars that are set; opts.runner: what runs
// node ('' for nothing: a benchmark that makes its own namespaces as root).
export function commandLine(script, { vars: more = [], runner = 'tests/browser/run-in-netns.sh' } = {}) {
  const keep = Object.keys(env).filter((k) => k.startsWith('BENCH_') || k === 'GST_WEBRTCSIGNAL_BUILD_ROOT' ||
                                              (more.includes(k) && env[k] !== '')).sort();
  const rel = (p) => {
    const r = path.relative(SOURCE_ROOT, p) || '.';
    return r.startsWith('..') ? path.resolve(p) : r;
  };
  const vars = keep.map((k) => `${k}=${k === 'GST_WEBRTCSIGNAL_BUILD_ROOT' ? rel(env[k]) : env[k]}`);
  return [...vars, ...(runner ? [runner] : []), 'node', rel(script)].join(' ');
}

export function machine() {
  let model = 'unknown';
  try { model = /^model name\s*:\s*(.*)$/m.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'))[1]; } catch (e) { /* ignore */ }
  const ver = (cmd, args) => { try { return execFileSync(cmd, args, { timeout: 10000, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim().split('\n')[0]; } catch (e) { return '?'; } };
  return `nproc ${os.cpus().length}, ${model}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM, ` +
         `Linux ${os.release()}; ${ver(GST_LAUNCH, ['--version']).replace(/^gst-launch-1.0 version /, 'gst-launch-1.0 ')}` +
         `, ${ver('/usr/bin/chromium', ['--version'])}`;
}

// Each benchmark owns one section of RESULTS.md, between its two markers;
// it rewrites that section only. Text outside every section (notes by
// hand) is kept. A section not in the file yet is appended.
// The lines under a section's title in RESULTS.md: the command that ran
// script, the date the run started and the machine.
// opts: as for commandLine().
export function runHeader(script, started, opts = {}) {
  return [
    '```sh',
    commandLine(script, opts),
    '```',
    '',
    `- date: ${started.toISOString().replace(/\.\d+Z$/, 'Z')}`,
    `- machine: ${machine()}`,
  ];
}

// part: a benchmark with several sections (one per scenario) names the
// one it writes.
export function writeSection(file, owner, body, part = '') {
  const key = part ? `${owner} (${part})` : owner;
  const begin = `<!-- begin ${key}: generated, rewritten by each run of bench/${owner}${part ? ` for ${part}` : ''} -->`;
  const end = `<!-- end ${key}: text below is kept -->`;
  let old = '';
  try { old = fs.readFileSync(file, 'utf8'); } catch (e) { /* new file */ }
  const i = old.indexOf(begin);
  const j = old.indexOf(end);
  const section = `${begin}\n${body.replace(/\n+$/, '')}\n${end}`;
  let text;
  if (i >= 0 && j > i) text = old.slice(0, i) + section + old.slice(j + end.length);
  else text = `${old.replace(/\n*$/, old ? '\n\n' : '')}${section}\n`;
  fs.writeFileSync(file, text);
  info(`wrote ${file} (section of bench/${key})`);
}
