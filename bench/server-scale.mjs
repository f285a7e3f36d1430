// How fast gst-webrtc-serve takes WebSocket peers, and what they cost it
// (issue: 10,000 peers). Starts the server from the build tree with limits
// raised for one address, opens N peers in waves of W concurrent connects
// (each waits for `welcome`, 10 s at most), and reports the time to connect
// them all, welcome latency percentiles, failures, the server's peak RSS and
// its CPU time (connects only; the disconnect storm at the end is not
// counted). No anchor server runs in the same run yet (see RESULTS.md).
//
//   node --experimental-websocket bench/server-connect.mjs [N] [W]
// SPDX-License-Identifier: LGPL-2.1-or-later
import { spawn } from 'node:child_process';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { cpuSeconds, rssMB } from './bench-lib.mjs';

const N = Number(process.argv[2] || 2200);
const WAVE = Number(process.argv[3] || 200);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const build = process.env.GST_WEBRTCSIGNAL_BUILD_ROOT || path.join(root, 'build');

const server = spawn(path.join(build, 'tools', 'gst-webrtc-serve'), ['--host', '127.0.0.1',
  '--port', '0', '--max-peers', String(N + 100), '--max-peers-per-address', String(N + 100), '-q'],
{ stdio: ['ignore', 'pipe', 'pipe'] });
const port = await new Promise((resolve, reject) => {
  let out = '';
  const look = (d) => {
    out += d;
    const m = out.match(/listening on http:\/\/127\.0\.0\.1:(\d+)\//);
    if (m) resolve(Number(m[1]));
  };
  server.stdout.on('data', look);
  server.stderr.on('data', look);
  setTimeout(() => reject(new Error(`the server did not start: ${out}`)), 10000);
});

let peakRss = rssMB(server.pid);
const sampler = setInterval(() => { peakRss = Math.max(peakRss, rssMB(server.pid)); }, 200);

const times = [];
let failed = 0;
const sockets = [];
function connectOne() {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const ws = new WebSocket(`ws://127.0.0.1:${port}/`);
    const timer = setTimeout(() => { failed++; resolve(); }, 10000);
    ws.onmessage = (e) => {
      if (String(e.data).includes('"welcome"')) {
        clearTimeout(timer);
        times.push(performance.now() - t0);
        resolve();
      }
    };
    ws.onerror = () => { clearTimeout(timer); failed++; resolve(); };
    sockets.push(ws);
  });
}

const cpu0 = cpuSeconds(server.pid);
const start = performance.now();
for (let i = 0; i < N; i += WAVE)
  await Promise.all(Array.from({ length: Math.min(WAVE, N - i) }, connectOne));
const seconds = (performance.now() - start) / 1000;
const cpu = cpuSeconds(server.pid) - cpu0;
peakRss = Math.max(peakRss, rssMB(server.pid));
clearInterval(sampler);
times.sort((a, b) => a - b);
const q = (p) => Number(times[Math.floor(p * (times.length - 1))]?.toFixed(1));
console.log(JSON.stringify({ peers: N, wave: WAVE, connect_s: Number(seconds.toFixed(2)),
  welcomed: times.length, failed, welcome_p50_ms: q(0.5), welcome_p99_ms: q(0.99),
  server_peak_rss_MB: Number(peakRss.toFixed(1)),
  server_cpu_s: Number(cpu.toFixed(2)) }));
server.kill('SIGTERM');
process.exit(0);
