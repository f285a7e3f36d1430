// The signalling server at scale (issue: 10,000 peers, 1,000 producers, one
// session per consumer, 1,000 relayed messages/s), for gst-webrtc-serve and,
// in the same run, the anchor: bench/anchor-signalling-server.mjs, a minimal
// relay on node's `ws` package.
//
// For each server: start it (ours from the build tree, with its per-address
// and peer limits raised: a benchmark opens every WebSocket from one loopback
// address); open N peers in waves of 200 concurrent connects (each waits for
// `welcome`, 10 s at most); make P of them producers; let every other peer
// start one session with a producer; then, for S seconds, send RATE `peer`
// messages per second (ICE candidates carrying the send time) in random
// sessions and directions, and time each one to its arrival at the other
// peer. Reports connect time and welcome latency, relay latency p50/p99/max
// (one server hop, as the client sees it: it includes node's own event loop
// on this 2-core machine, which the server shares), messages lost, the
// server's peak RSS and its CPU for each phase.
//
//   node --experimental-websocket bench/server-scale.mjs [N] [P] [RATE] [S] [ours,anchor]
// SERVE_ARGS="--io-threads 8" adds options to gst-webrtc-serve's command line.
// SPDX-License-Identifier: LGPL-2.1-or-later
import { spawn } from 'node:child_process';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { cpuSeconds, list, rssMB } from './bench-lib.mjs';

const N = Number(process.argv[2] || 10000);
const PRODUCERS = Number(process.argv[3] || 1000);
const RATE = Number(process.argv[4] || 1000);
const SECONDS = Number(process.argv[5] || 20);
const SERVERS = list(process.argv[6], 'ours,anchor');
const WAVE = 200;
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const build = process.env.GST_WEBRTCSIGNAL_BUILD_ROOT || path.join(root, 'build');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function startServer(kind) {
  const [cmd, args] = kind === 'ours'
    ? [path.join(build, 'tools', 'gst-webrtc-serve'), ['--host', '127.0.0.1', '--port', '0',
      '--max-peers', String(N + 100), '--max-peers-per-address', String(N + 100),
      '--max-sessions', String(N), '-q', ...(process.env.SERVE_ARGS || '').split(' ').filter(Boolean)]]
    : [process.execPath, [path.join(root, 'bench', 'anchor-signalling-server.mjs'), '0']];
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    const look = (d) => {
      out += d;
      const m = out.match(/listening on (?:\S*:)?(\d+)\b/);
      if (m) resolve({ child, port: Number(m[1]) });
    };
    child.stdout.on('data', look);
    child.stderr.on('data', look);
    setTimeout(() => reject(new Error(`${kind} did not start: ${out}`)), 10000);
  });
}

const quantile = (sorted, p) => Number(sorted[Math.floor(p * (sorted.length - 1))]?.toFixed(1));

async function run(kind) {
  const { child, port } = await startServer(kind);
  let peakRss = rssMB(child.pid);
  const sampler = setInterval(() => { peakRss = Math.max(peakRss, rssMB(child.pid)); }, 200);

  /* Each peer: its socket, its id, and a handler per message type. */
  const peers = [];
  const relayTimes = [];
  let relayed = 0;
  function open() {
    return new Promise((resolve) => {
      const t0 = performance.now();
      const peer = { ws: new WebSocket(`ws://127.0.0.1:${port}/`), waiters: new Map() };
      const timer = setTimeout(() => resolve(null), 10000);
      peer.ws.onmessage = (e) => {
        const msg = JSON.parse(String(e.data));
        if (msg.type === 'welcome') {
          clearTimeout(timer);
          peer.id = msg.peerId;
          resolve({ peer, ms: performance.now() - t0 });
        } else if (msg.type === 'peer' && msg.ice) {
          relayTimes.push(performance.now() - Number(msg.ice.candidate.split(' ')[2]));
          relayed++;
        } else {
          peer.waiters.get(msg.type)?.(msg);
        }
      };
      peer.ws.onerror = () => { clearTimeout(timer); resolve(null); };
    });
  }
  const expect = (peer, type) => new Promise((resolve) => {
    const timer = setTimeout(() => { peer.waiters.delete(type); resolve(null); }, 10000);
    peer.waiters.set(type, (msg) => { clearTimeout(timer); peer.waiters.delete(type); resolve(msg); });
  });
  const send = (peer, msg) => peer.ws.send(JSON.stringify(msg));

  /* Connect. */
  let cpu = cpuSeconds(child.pid);
  let start = performance.now();
  const welcomeTimes = [];
  let failed = 0;
  for (let i = 0; i < N; i += WAVE) {
    const wave = await Promise.all(Array.from({ length: Math.min(WAVE, N - i) }, open));
    for (const r of wave) {
      if (!r) { failed++; continue; }
      peers.push(r.peer);
      welcomeTimes.push(r.ms);
    }
  }
  const connect = { s: (performance.now() - start) / 1000, cpu: cpuSeconds(child.pid) - cpu };
  welcomeTimes.sort((a, b) => a - b);

  /* Producers, then one session per consumer. */
  const producers = peers.slice(0, PRODUCERS);
  for (const p of producers) send(p, { type: 'setPeerStatus', roles: ['producer'], meta: null });
  for (let tries = 0; tries < 100; tries++) {
    const reply = expect(producers[0], 'list');
    send(producers[0], { type: 'list' });
    if ((await reply)?.producers?.length >= producers.length) break;
    await sleep(100);
  }
  cpu = cpuSeconds(child.pid);
  start = performance.now();
  const sessions = [];
  const consumers = peers.slice(PRODUCERS);
  for (let i = 0; i < consumers.length; i += WAVE) {
    const wave = consumers.slice(i, i + WAVE).map(async (c, j) => {
      const started = expect(c, 'sessionStarted');
      send(c, { type: 'startSession', peerId: producers[(i + j) % producers.length].id });
      const msg = await started;
      if (msg) sessions.push({ producer: producers[(i + j) % producers.length], consumer: c, id: msg.sessionId });
    });
    await Promise.all(wave);
  }
  const sessionSetup = { s: (performance.now() - start) / 1000, cpu: cpuSeconds(child.pid) - cpu };

  /* Relay. */
  await sleep(1000);
  cpu = cpuSeconds(child.pid);
  let sent = 0;
  const perTick = RATE / 100;
  let owed = 0;
  const ticker = setInterval(() => {
    owed += perTick;
    for (; owed >= 1; owed--) {
      const s = sessions[Math.floor(Math.random() * sessions.length)];
      const from = sent % 2 ? s.producer : s.consumer;
      send(from, { type: 'peer', sessionId: s.id,
        ice: { candidate: `bench ${sent} ${performance.now()}`, sdpMLineIndex: 0 } });
      sent++;
    }
  }, 10);
  await sleep(SECONDS * 1000);
  clearInterval(ticker);
  const relayCpu = cpuSeconds(child.pid) - cpu;
  await sleep(2000); /* stragglers */
  relayTimes.sort((a, b) => a - b);
  peakRss = Math.max(peakRss, rssMB(child.pid));
  clearInterval(sampler);

  const result = {
    server: kind, peers: N, producers: PRODUCERS, welcomed: peers.length, failed,
    connect_s: Number(connect.s.toFixed(2)), connect_cpu_s: Number(connect.cpu.toFixed(2)),
    welcome_p50_ms: quantile(welcomeTimes, 0.5), welcome_p99_ms: quantile(welcomeTimes, 0.99),
    sessions: sessions.length, sessions_s: Number(sessionSetup.s.toFixed(2)),
    sessions_cpu_s: Number(sessionSetup.cpu.toFixed(2)),
    relay_rate: Number((sent / SECONDS).toFixed(0)), relayed, lost: sent - relayed,
    relay_p50_ms: quantile(relayTimes, 0.5), relay_p99_ms: quantile(relayTimes, 0.99),
    relay_max_ms: quantile(relayTimes, 1), relay_cpu_per_s: Number((relayCpu / SECONDS).toFixed(3)),
    peak_rss_MB: Number(peakRss.toFixed(1)),
  };
  console.log(JSON.stringify(result));
  for (const p of peers) p.ws.close();
  await sleep(500);
  child.kill('SIGTERM');
  await sleep(500);
  return result;
}

const results = [];
for (const kind of SERVERS) results.push(await run(kind));
console.log('\n| server | connect N | welcome p50/p99 | sessions | relay msg/s | relay p50/p99/max | lost | CPU: connect / sessions / relay per s | peak RSS |');
console.log('|---|---|---|---|---|---|---|---|---|');
for (const r of results) {
  console.log(`| ${r.server} | ${r.welcomed} in ${r.connect_s} s (${r.failed} failed) | ${r.welcome_p50_ms} / ${r.welcome_p99_ms} ms `
    + `| ${r.sessions} in ${r.sessions_s} s | ${r.relay_rate} | ${r.relay_p50_ms} / ${r.relay_p99_ms} / ${r.relay_max_ms} ms `
    + `| ${r.lost} | ${r.connect_cpu_s} / ${r.sessions_cpu_s} / ${r.relay_cpu_per_s} s | ${r.peak_rss_MB} MB |`);
}
process.exit(0);
