// Benchmark: what a Janus VideoRoom buys the sender. One webrtcsend
// (640x480 @ 30 VP8 + Opus) with N webrtcrecv subscribers, either directly
// (webrtcsend serve=, one webrtcbin per viewer in the sender) or through
// Janus (janus+ws://: one peer connection to Janus, Janus fans out). The
// sender's CPU and RSS over a window once every subscriber receives, and
// Janus' CPU, for N = 1, 4, 8. Every process runs on this 2-core machine,
// so the subscribers' and Janus' load is in the same run: the sender's
// figures are what matters. Run in the namespace of the Janus tests:
//
//   tests/janus/run-with-janus-net.sh node bench/janus-fanout.mjs
//
// BENCH_VIEWERS=1,4,8, BENCH_WINDOW_S=10. Writes its section of
// bench/RESULTS.md.
// SPDX-License-Identifier: LGPL-2.1-or-later

import path from 'node:path';

import { info, runTest, sleep } from '../tests/browser/lib.mjs';
import { startJanus } from '../tests/janus/janus-lib.mjs';
import {
  BENCH_DIR, commandLine, cpuSeconds, fx, list, machine, rssMB, writeSection,
} from './bench-lib.mjs';

const VIEWERS = list(process.env.BENCH_VIEWERS, '1,4,8').map(Number);
const WINDOW_S = Number(process.env.BENCH_WINDOW_S || 10);
const ROOM = 4321;

// A subscriber that counts its video buffers: gst-launch -v prints a line
// per buffer reaching the fakesink.
function subscriber(t, uri, i) {
  return t.launch(`subscriber ${i}`, ['-v', 'webrtcrecv', `uri=${uri}`, 'name=r', 'r.video_0', '!',
    'fakesink', 'silent=false']);
}

const received = (child) => child.lines.filter((l) => l.includes('chain')).length;

async function measure(t, mode, janus, n) {
  const uri = mode === 'janus' ? janus.uri(`room=${ROOM}&display=bench`) : undefined;
  const producer = t.startProducer({ uri, serve: mode === 'direct' ? '127.0.0.1:0' : undefined,
    name: 'bench', videoCodecs: 'vp8' });
  let subscribeUri = janus.uri(`room=${ROOM}`);
  if (mode === 'direct') subscribeUri = (await t.elementUrl(producer)).wsUrl;
  else await sleep(1500); /* joined the room */
  const subs = [];
  for (let i = 0; i < n; i++) subs.push(subscriber(t, subscribeUri, i));
  const deadline = Date.now() + 30000;
  while (subs.some((s) => received(s) < 30) && Date.now() < deadline) await sleep(200);
  const receiving = subs.filter((s) => received(s) >= 30).length;
  await sleep(2000);
  const c0 = cpuSeconds(producer.pid);
  const j0 = mode === 'janus' ? cpuSeconds(janus.child.pid) : 0;
  const b0 = subs.map(received);
  await sleep(WINDOW_S * 1000);
  const cpu = (cpuSeconds(producer.pid) - c0) / WINDOW_S;
  const janusCpu = mode === 'janus' ? (cpuSeconds(janus.child.pid) - j0) / WINDOW_S : NaN;
  const fps = subs.map((s, i) => (received(s) - b0[i]) / WINDOW_S);
  const rss = rssMB(producer.pid);
  t.checkAlive(producer, ...subs);
  await Promise.all([...subs, producer].map((c) => c.stop()));
  const row = { mode, n, receiving, cpu, rss, janusCpu, fpsMin: Math.min(...fps) };
  info(`${mode} N=${n}: sender ${fx(cpu, 3)} core, ${fx(rss, 1)} MB; Janus ${fx(janusCpu, 3)} core; ` +
       `${receiving}/${n} receiving, min ${fx(row.fpsMin, 1)} buffers/s`);
  return row;
}

runTest('janus-fanout', async (t) => {
  const janus = await startJanus(t, { rooms: `room-${ROOM}: { description = "bench" publishers = 4 ` +
                                             'videocodec = "vp8" audiocodec = "opus" }' });
  const rows = [];
  for (const n of VIEWERS) {
    for (const mode of ['direct', 'janus']) rows.push(await measure(t, mode, janus, n));
  }
  const lines = [
    '# Benchmark: the sender with and without a Janus VideoRoom',
    '',
    'Written by `bench/janus-fanout.mjs`.',
    '',
    '```sh',
    commandLine(path.join(BENCH_DIR, 'janus-fanout.mjs'))
      .replace('tests/browser/run-in-netns.sh', 'tests/janus/run-with-janus-net.sh'),
    '```',
    '',
    `- date: ${new Date().toISOString().replace(/\.\d+Z$/, 'Z')}`,
    `- machine: ${machine()}`,
    `- source: videotestsrc 640x480 @ 30 fps VP8 + Opus; subscribers are \`webrtcrecv ! fakesink\`` +
      ` (no decoding); CPU window ${WINDOW_S} s; one run per row`,
    '',
    '| viewers | path | receiving | sender CPU (core) | sender RSS (MB) | Janus CPU (core) | min video buffers/s per viewer |',
    '|---:|---|---:|---:|---:|---:|---:|',
    ...rows.map((r) => `| ${r.n} | ${r.mode === 'janus' ? 'through Janus' : 'direct (serve=)'} | ` +
      `${r.receiving}/${r.n} | ${fx(r.cpu, 3)} | ${fx(r.rss, 1)} | ${fx(r.janusCpu, 3)} | ${fx(r.fpsMin, 1)} |`),
    '',
  ];
  writeSection(path.join(BENCH_DIR, 'RESULTS.md'), 'janus-fanout.mjs', lines.join('\n'));
  info(lines.join('\n'));
}, { timeoutMs: 600000 });
