// Benchmark (issue 12): webrtcsend's congestion control against libwebrtc's,
// through the same impaired link, in one run.
//
// The LAN of tests/browser/capped-link.mjs (lan-lib.mjs): two network
// namespaces joined by a veth pair, "s" (the sender's machine, 10.99.0.1)
// and "v" (the visitor's, 10.99.0.2). What s sends is impaired, then the
// impairment is lifted:
//   - a cap (CAP_KBIT, 1000 by default):
//       tc qdisc add dev lan0 root tbf rate CAP_KBITkbit burst 32kbit latency 400ms
//   - and/or random loss of the UDP packets from s to v (LOSS_PCT, off by
//     default; with it the cap is off unless CAP_KBIT is given), nftables:
//       table inet benchloss { chain c { type filter hook HOOK priority 0;
//         meta l4proto udp counter; meta l4proto udp numgen random mod 100 < LOSS_PCT counter drop } }
//     LOSS_AT=viewer (the default): in v, hook input, where the packets
//     arrive: neither side can tell a dropped packet from one lost on the
//     wire. LOSS_AT=sender: in s, hook output (TESTING.md's rule). There
//     the sender's sendto() fails with EPERM for every dropped packet, so a
//     sender that acts on send errors can make up for it at once: Chromium
//     does (its viewer sees almost no loss and sends almost no NACK),
//     webrtcsend (libnice) does not.
// Three senders, one after the other (BENCH_REPEATS rounds; the order is
// reversed every other round), each to a fresh headless Chromium viewer in v with its DEFAULT
// WebRTC settings (mDNS hiding on, no loopback flag):
//   webrtcsend  videotestsrc pattern=smpte ! 1280x720@30 ! webrtcsend
//               serve=10.99.0.1:PORT video-codecs=vp8 (default video-bitrate,
//               2000 kbit/s): webrtcsend's own viewer page, the stream clicked,
//               as capped-link.mjs does;
//   chromium    the anchor, libwebrtc's own congestion control: a headless
//               Chromium in s (default WebRTC settings too) sends its fake
//               camera (--use-fake-device-for-media-stream=fps=30, getUserMedia
//               asking for 1280x720@30), video only, VP8 put first in the
//               codec preferences (the others kept, as the browser offers
//               them), to a page in the viewer's Chromium. No signalling
//               server: both pages are http://localhost/ (a secure context;
//               playwright serves them from node, no network), each makes an
//               RTCPeerConnection, and node carries the offer and answer
//               (complete, after ICE gathering) between them.
//   chromium-smpte  the same anchor sending webrtcsend's picture: its fake
//               camera reads a Y4M file of `videotestsrc pattern=smpte`
//               1280x720@30 (--use-file-for-fake-video-capture; BENCH_Y4M_FRAMES,
//               300 frames = 10 s, looped), made by the benchmark with
//               gst-launch-1.0. The fake camera's own picture (a moving
//               pattern on a flat background) compresses far better than
//               smpte, whose bottom-right sixteenth is fresh noise in every
//               frame, so the two anchors differ in how hard the cap bites.
//               Reading the file costs Chromium's capture process about
//               0.17 of a core, counted in the sender's CPU.
// The impairment is set before anything crosses the link; it lasts
// CAP_SECONDS (20) from the first decoded frame, then is lifted for
// AFTER_SECONDS (15). Every second the viewer's inbound-rtp video stats are
// sampled the same way for both senders (and, for the anchor, the sending
// page's outbound-rtp: target bitrate, size sent, quality limitation).
//
// Figures per run (viewer's getStats unless said):
//   first frame  from the click (webrtcsend) or the offer (chromium) to the
//                first decoded frame;
//   converge     from the first frame until the received bitrate (RTP payload,
//                bytesReceived) stays under the cap to the lift (a tbf queue
//                cannot pass more than its rate: mostly 0); and from the first
//                frame until the tbf queue drops nothing more to the lift (the
//                sender fits the link: the link's counters, read every second);
//   received     mean kbit/s from convergence to the lift (share of the cap);
//                with loss only, from the first frame;
//   fps          mean decoded fps over the impaired phase from the first frame,
//                and from convergence;
//   freezes      Chromium's freezeCount + pauseCount and their duration over
//                the impaired phase from the first frame, and the seconds with
//                no new decoded frame;
//   sizes        frameWidth x frameHeight seen, with the seconds at each;
//   lost         packetsLost over the impaired phase (share of lost + received);
//   recovery     after the lift, the time until a second's bitrate reaches
//                0.9 x the sender's max: video-bitrate (2000) for webrtcsend,
//                CHROMIUM_MAX_KBIT (2500, libwebrtc's default maximum for a
//                1280x720 VP8 stream) for the anchors (the fake camera's picture
//                may never need that much); and the mean of the last 5 s;
//   sender CPU   utime+stime of every process in s (webrtcsend's gst-launch-1.0;
//                all of the sending Chromium's processes) from the first frame
//                to the lift, CPU-seconds and cores; the viewer's likewise, and
//                the load of other processes on the machine;
//   link         what the tbf queue sent and dropped (and what the sender
//                offered: sent + dropped), its backlog as a delay, or what
//                nftables dropped;
//   Chromium     for the anchors, the sending page's outbound-rtp: the
//                sender's bandwidth estimate (availableOutgoingBitrate), its
//                encoder target, the quality limitation, and when the target
//                reaches 0.9 x its max after the lift.
// A run that fails (a sender exits, no frame within 30 s) is a row of the
// table saying so; the sender's output is then kept in the temporary
// directory (always with BENCH_SENDER_LOGS=1).
//
// Knobs (environment): CAP_KBIT (1000; 0 = no cap; 0 by default with
// LOSS_PCT), LOSS_PCT (0), LOSS_AT (viewer), CAP_SECONDS (20), AFTER_SECONDS (15),
// BENCH_REPEATS (1), BENCH_KINDS (webrtcsend,chromium,chromium-smpte),
// BENCH_Y4M_FRAMES (300), VIDEO_KBIT (unset:
// webrtcsend's default 2000, not passed), BENCH_OURS_PROPS (more webrtcsend
// properties, e.g. "congestion-control=none"), CHROMIUM_MAX_KBIT (2500),
// BENCH_SENDER_LOGS (1: keep webrtcsend's output of every run),
// BENCH_RESULTS (bench/RESULTS.md; '' to only print), BENCH_OTHER_MAX and
// BENCH_QUIET_WAIT_S (bench-lib.mjs: wait for a quiet machine before each run).
//
// Needs root (ip netns, tc, nft); it makes its own namespaces and is not run
// inside run-in-netns.sh:
//   GST_PLUGIN_PATH_1_0=$B/plugins/webrtcsignal:$B/plugins/rtpdiag GST_WEBRTCSIGNAL_SOURCE_ROOT=$PWD \
//     GST_WEBRTCSIGNAL_BUILD_ROOT=$B node bench/capped-link.mjs
//   ... LOSS_PCT=5 node bench/capped-link.mjs
// Each scenario (cap, loss) rewrites its own section of bench/RESULTS.md.
// SPDX-License-Identifier: LGPL-2.1-or-later

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { BUILD_ROOT, CHROMIUM, GST_LAUNCH, fail, info, runTest, sleep, waitFor, withTimeout } from '../tests/browser/lib.mjs';
import {
  DEFAULT_WEBRTC_ARGS, NS_SERVER, NS_VISITOR, SERVER_IP, lanSenderAndViewer, lanSettled, launchVisitorBrowser,
  makeLan,
} from '../tests/browser/lan-lib.mjs';
import {
  BENCH_DIR, fx, list, loadBetween, median, runHeader, snapshot, waitQuiet, writeSection,
} from './bench-lib.mjs';

const env = process.env;
const SCRIPT = fileURLToPath(import.meta.url);

function knob(name, def, { zero = false } = {}) {
  const raw = env[name];
  if (raw === undefined || raw === '') return def;
  const v = Number(raw);
  if (!Number.isFinite(v) || v < 0 || (!zero && v === 0)) {
    console.error(`capped-link bench: ${name}=${raw} is not a ${zero ? 'non-negative' : 'positive'} number`);
    process.exit(1);
  }
  return v;
}

const LOSS_PCT = knob('LOSS_PCT', 0, { zero: true });
const CAP_KBIT = knob('CAP_KBIT', LOSS_PCT > 0 ? 0 : 1000, { zero: true });
const CAP_SECONDS = knob('CAP_SECONDS', 20);
const AFTER_SECONDS = knob('AFTER_SECONDS', 15);
const REPEATS = knob('BENCH_REPEATS', 1);
const KINDS = list(env.BENCH_KINDS, 'webrtcsend,chromium,chromium-smpte');
const Y4M_FRAMES = knob('BENCH_Y4M_FRAMES', 300);
const VIDEO_KBIT = knob('VIDEO_KBIT', 2000);
const CHROMIUM_MAX_KBIT = knob('CHROMIUM_MAX_KBIT', 2500);
const OURS_EXTRA = (env.BENCH_OURS_PROPS || '').split(' ').filter(Boolean);
const RESULTS = env.BENCH_RESULTS === undefined ? path.join(BENCH_DIR, 'RESULTS.md') : env.BENCH_RESULTS;
const RECOVER_SHARE = 0.9;
const WIDTH = 1280;
const HEIGHT = 720;
const FPS = 30;
const BASE_PORT = 8080;
const LOSS_TABLE = 'benchloss';
const LOSS_AT = env.LOSS_AT || 'viewer';
if (!['viewer', 'sender'].includes(LOSS_AT)) {
  console.error(`capped-link bench: LOSS_AT=${LOSS_AT}: viewer or sender`);
  process.exit(1);
}

if (CAP_KBIT === 0 && LOSS_PCT === 0) {
  console.error('capped-link bench: neither a cap (CAP_KBIT) nor loss (LOSS_PCT): nothing to measure');
  process.exit(1);
}
for (const k of KINDS) {
  if (!['webrtcsend', 'chromium', 'chromium-smpte'].includes(k)) {
    console.error(`capped-link bench: unknown sender "${k}" in BENCH_KINDS (webrtcsend, chromium, chromium-smpte)`);
    process.exit(1);
  }
}

const SCENARIO = [CAP_KBIT ? `cap ${CAP_KBIT} kbit/s` : '',
  LOSS_PCT ? `${LOSS_PCT} % loss ${LOSS_AT === 'sender' ? 'at the sender\'s output' : 'at the viewer\'s input'}` : '']
  .filter(Boolean).join(' + ');
const LABEL = { webrtcsend: 'webrtcsend', chromium: 'Chromium, fake camera', 'chromium-smpte': 'Chromium, smpte file' };
const maxKbit = (kind) => (kind === 'webrtcsend' ? VIDEO_KBIT : CHROMIUM_MAX_KBIT);

// ------------------------------------------------------------ the link

function inNs(cmd, args, what, { check = true, input, ns = NS_SERVER } = {}) {
  const r = spawnSync('ip', ['netns', 'exec', ns, cmd, ...args], { encoding: 'utf8', timeout: 10000, input });
  if (r.error) fail(`${what}: cannot run ${cmd} in ${ns}: ${r.error.message}`);
  if (check && r.status !== 0) {
    fail(`${what}: \`ip netns exec ${ns} ${cmd} ${args.join(' ')}\` exited with ${r.status}: ` +
         `${(r.stderr || '').trim()}`);
  }
  return r;
}

const TBF = ['root', 'tbf', 'rate', `${CAP_KBIT}kbit`, 'burst', '32kbit', 'latency', '400ms'];
const LOSS_NS = LOSS_AT === 'sender' ? NS_SERVER : NS_VISITOR;
const NFT_RULES = `table inet ${LOSS_TABLE} {
  chain c {
    type filter hook ${LOSS_AT === 'sender' ? 'output' : 'input'} priority 0; policy accept;
    meta l4proto udp counter
    meta l4proto udp numgen random mod 100 < ${LOSS_PCT} counter drop
  }
}
`;

function rootQdisc() {
  const out = inNs('tc', ['-s', '-j', 'qdisc', 'show', 'dev', 'lan0'], 'reading the qdisc of lan0').stdout;
  return JSON.parse(out).find((q) => q.root) || {};
}

// The two counters of the loss table: UDP packets sent, and dropped.
function lossCounters() {
  const r = inNs('nft', ['-j', 'list', 'table', 'inet', LOSS_TABLE], 'reading the loss counters',
                 { check: false, ns: LOSS_NS });
  if (r.status !== 0) return null;
  const counters = JSON.parse(r.stdout).nftables.filter((e) => e.rule)
    .map((e) => (e.rule.expr.find((x) => x.counter) || {}).counter).filter(Boolean);
  return counters.length === 2
    ? { udp: counters[0].packets, udpBytes: counters[0].bytes, dropped: counters[1].packets } : null;
}

// The link's counters now (while impaired): the tbf queue's and/or the
// loss table's.
function linkSample() {
  const out = { wall: Date.now() };
  if (CAP_KBIT) {
    const q = rootQdisc();
    if (q.kind === 'tbf') Object.assign(out, { bytes: q.bytes, packets: q.packets, drops: q.drops, backlog: q.backlog });
  }
  if (LOSS_PCT) {
    const l = lossCounters();
    if (l) Object.assign(out, { udp: l.udp, udpBytes: l.udpBytes, dropped: l.dropped });
  }
  return out;
}

// What the sender offered to the link between two samples: kbit/s (for tbf,
// what it sent plus what it dropped, at the mean size of what it sent; for
// nftables, every UDP byte before the drop), packets dropped, and the tbf
// queue's backlog at the end as a delay (ms).
function linkRow(a, b) {
  const dt = (b.wall - a.wall) / 1000;
  if (!(dt > 0)) return null;
  if (CAP_KBIT && a.bytes !== undefined && b.bytes !== undefined) {
    const bytes = b.bytes - a.bytes;
    const packets = b.packets - a.packets;
    const drops = b.drops - a.drops;
    return { offeredKbit: packets ? (packets + drops) * (bytes / packets) * 8 / 1000 / dt : 0,
             sentKbit: bytes * 8 / 1000 / dt, drops, queueMs: (b.backlog || 0) * 8 / CAP_KBIT };
  }
  if (LOSS_PCT && a.udp !== undefined && b.udp !== undefined) {
    return { offeredKbit: (b.udpBytes - a.udpBytes) * 8 / 1000 / dt, drops: b.dropped - a.dropped, queueMs: null };
  }
  return null;
}

function impair() {
  if (CAP_KBIT) inNs('tc', ['qdisc', 'add', 'dev', 'lan0', ...TBF], `capping lan0 to ${CAP_KBIT} kbit/s`);
  if (LOSS_PCT) inNs('nft', ['-f', '-'], `dropping ${LOSS_PCT} % of UDP`, { input: NFT_RULES, ns: LOSS_NS });
}

// Reads the link's counters and lifts the impairment.
function lift() {
  const out = { qdisc: CAP_KBIT ? rootQdisc() : null, loss: LOSS_PCT ? lossCounters() : null };
  unimpair();
  return out;
}

function unimpair() {
  inNs('tc', ['qdisc', 'del', 'dev', 'lan0', 'root'], '', { check: false });
  inNs('nft', ['delete', 'table', 'inet', LOSS_TABLE], '', { check: false, ns: LOSS_NS });
}

// ------------------------------------------------------------ CPU by namespace

const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

// Every process in ns: pid -> { cpu (s, all threads), type (Chromium's
// --type=, or the program's name) }.
function nsCpu(ns) {
  const r = spawnSync('ip', ['netns', 'pids', ns], { encoding: 'utf8', timeout: 10000 });
  const out = new Map();
  for (const pid of (r.stdout || '').split('\n').map(Number).filter((p) => p > 0)) {
    try {
      const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
      // Chromium rewrites its children's command lines into one string.
      const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
      const type = /--type=(\S+)/.exec(cmd);
      const sub = /--utility-sub-type=(?:\w+\.mojom\.)?(\S+)/.exec(cmd);
      const name = type ? type[1] + (sub ? `:${sub[1]}` : '') : path.basename(cmd.split(' ')[0] || '?');
      out.set(pid, { cpu: (Number(f[11]) + Number(f[12])) / CLK_TCK, type: name });
    } catch (e) { /* gone */ }
  }
  return out;
}

// CPU-seconds between two nsCpu() readings: in all, and by process type.
function cpuBetween(a, b) {
  const byType = {};
  let total = 0;
  for (const [pid, p] of b) {
    const d = p.cpu - (a.get(pid) ? a.get(pid).cpu : 0);
    total += d;
    byType[p.type] = (byType[p.type] || 0) + d;
  }
  return { total, byType };
}

// ------------------------------------------------------------ pages

const PAGE = (title) => `<!doctype html><meta charset="utf-8"><title>${title}</title>
<video autoplay muted playsinline width="640"></video>`;

// Serves http://localhost/NAME from node to the pages of context (a secure
// context without a server in the namespace).
async function servePages(context) {
  await context.route('http://localhost/**', (route) => {
    const name = new URL(route.request().url()).pathname.slice(1) || 'page';
    route.fulfill({ status: 200, contentType: 'text/html', body: PAGE(name) });
  });
}

// In the sending page: the fake camera, a sendonly VP8-first peer
// connection, its complete offer.
async function pageOffer({ width, height, fps }) {
  const gathered = (pc) => new Promise((resolve) => {
    if (pc.iceGatheringState === 'complete') { resolve(); return; }
    pc.addEventListener('icegatheringstatechange', () => { if (pc.iceGatheringState === 'complete') resolve(); });
    setTimeout(resolve, 5000);
  });
  const stream = await navigator.mediaDevices.getUserMedia({
    audio: false,
    video: { width: { ideal: width }, height: { ideal: height }, frameRate: { ideal: fps } },
  });
  const track = stream.getVideoTracks()[0];
  const pc = new RTCPeerConnection();
  window.pc = pc;
  const tr = pc.addTransceiver(track, { direction: 'sendonly', streams: [stream] });
  const codecs = RTCRtpSender.getCapabilities('video').codecs;
  const isVp8 = (c) => c.mimeType.toLowerCase() === 'video/vp8';
  tr.setCodecPreferences([...codecs.filter(isVp8), ...codecs.filter((c) => !isVp8(c))]);
  await pc.setLocalDescription();
  await gathered(pc);
  return { sdp: pc.localDescription.sdp, settings: track.getSettings() };
}

// In the viewing page: answers the offer, shows the stream.
async function pageAnswer(offer) {
  const gathered = (pc) => new Promise((resolve) => {
    if (pc.iceGatheringState === 'complete') { resolve(); return; }
    pc.addEventListener('icegatheringstatechange', () => { if (pc.iceGatheringState === 'complete') resolve(); });
    setTimeout(resolve, 5000);
  });
  const pc = new RTCPeerConnection();
  window.pc = pc;
  window.__benchPc = () => window.pc;
  pc.ontrack = (e) => {
    const v = document.querySelector('video');
    v.srcObject = e.streams[0] || new MediaStream([e.track]);
    v.play().catch(() => {});
  };
  await pc.setRemoteDescription({ type: 'offer', sdp: offer });
  await pc.setLocalDescription();
  await gathered(pc);
  return pc.localDescription.sdp;
}

// The viewer's inbound video, from window.__benchPc() (both kinds).
function viewerSample(page) {
  return page.evaluate(async () => {
    const pc = window.__benchPc && window.__benchPc();
    const out = { wall: Date.now(), state: pc ? pc.connectionState : 'none' };
    if (!pc || pc.connectionState === 'closed') return out;
    const stats = [...(await pc.getStats()).values()];
    const v = stats.find((s) => s.type === 'inbound-rtp' && s.kind === 'video');
    if (v) {
      out.video = {};
      for (const k of ['timestamp', 'bytesReceived', 'headerBytesReceived', 'packetsReceived', 'packetsLost',
                       'framesDecoded', 'framesDropped', 'keyFramesDecoded', 'freezeCount', 'totalFreezesDuration',
                       'pauseCount', 'totalPausesDuration', 'frameWidth', 'frameHeight', 'nackCount', 'pliCount',
                       'firCount', 'retransmittedPacketsReceived', 'retransmittedBytesReceived',
                       'fecPacketsReceived', 'jitterBufferDelay', 'jitterBufferEmittedCount']) {
        out.video[k] = v[k] ?? 0;
      }
      const codec = stats.find((s) => s.id === v.codecId);
      out.codec = codec ? codec.mimeType : '?';
    }
    const transport = stats.find((s) => s.type === 'transport' && s.selectedCandidatePairId);
    const pair = transport && stats.find((s) => s.id === transport.selectedCandidatePairId);
    if (pair && typeof pair.currentRoundTripTime === 'number') out.rttMs = pair.currentRoundTripTime * 1000;
    return out;
  });
}

// The anchor's sending side: what libwebrtc aims at and sends.
function senderSample(page) {
  return page.evaluate(async () => {
    const pc = window.pc;
    if (!pc || pc.connectionState === 'closed') return null;
    const stats = [...(await pc.getStats()).values()];
    const o = stats.find((s) => s.type === 'outbound-rtp' && s.kind === 'video');
    const pair = stats.find((s) => s.type === 'candidate-pair' && s.nominated && s.state === 'succeeded');
    if (!o) return null;
    return {
      targetKbit: (o.targetBitrate || 0) / 1000,
      availableKbit: pair && pair.availableOutgoingBitrate ? pair.availableOutgoingBitrate / 1000 : null,
      size: o.frameWidth ? `${o.frameWidth}x${o.frameHeight}` : '-',
      fps: o.framesPerSecond || 0,
      limitation: o.qualityLimitationReason,
      bytesSent: o.bytesSent, retransmittedBytesSent: o.retransmittedBytesSent || 0,
    };
  });
}

async function framesDecoded(page) {
  const s = await viewerSample(page);
  return s.video ? s.video.framesDecoded : 0;
}

// ------------------------------------------------------------ senders

// webrtcsend and webrtcsend's viewer page, the stream clicked. Resolves to
// { page, start, stop }.
async function startOurs(t, port, name) {
  const sendArgs = ['webrtcsend', `serve=${SERVER_IP}:${port}`, `meta=meta,name=${name}`, 'video-codecs=vp8'];
  if (env.VIDEO_KBIT) sendArgs.push(`video-bitrate=${VIDEO_KBIT}`);
  sendArgs.push(...OURS_EXTRA);
  const { producer, browser, page, producerId } = await lanSenderAndViewer(t, port, name, [
    'videotestsrc', 'is-live=true', 'pattern=smpte', '!', `video/x-raw,width=${WIDTH},height=${HEIGHT},framerate=${FPS}/1`,
    '!', ...sendArgs,
  ]);
  const start = Date.now();
  await page.locator(`button.producer[data-peer-id="${producerId}"]`).click();
  const tileId = await waitFor(() => page.evaluate(() => window.gstsig.tiles()[0] && window.gstsig.tiles()[0].id),
                               { timeoutMs: 5000, what: 'a tile after clicking the producer' });
  await page.evaluate((id) => { window.__benchPc = () => window.gstsig.peerConnection(id); }, tileId);
  return {
    page, start, senderPage: null, alive: () => t.checkAlive(producer), lines: () => producer.lines,
    stop: async () => { await closeContext(t, browser); await producer.stop(); },
  };
}

// The Y4M file of chromium-smpte, made once.
let y4mFile = null;
function smpteY4m(t) {
  if (y4mFile) return y4mFile;
  const file = path.join(t.tmpDir, 'smpte-1280x720-30.y4m');
  const t0 = Date.now();
  const r = spawnSync(GST_LAUNCH, ['-q', 'videotestsrc', 'pattern=smpte', `num-buffers=${Y4M_FRAMES}`, '!',
    `video/x-raw,format=I420,width=${WIDTH},height=${HEIGHT},framerate=${FPS}/1`, '!', 'y4menc', '!',
    'filesink', `location=${file}`], { encoding: 'utf8', env: t.env, timeout: 120000 });
  if (r.status !== 0) fail(`making ${file} failed: ${(r.stderr || r.error || '').toString().trim()}`);
  info(`made ${file} (${Y4M_FRAMES} frames, ${(fs.statSync(file).size / 2 ** 20).toFixed(0)} MB) in ` +
       `${((Date.now() - t0) / 1000).toFixed(1)} s`);
  y4mFile = file;
  return file;
}

// The anchor: Chromium in s sends its fake camera (or the frames of the Y4M
// file) to Chromium in v.
async function startChromium(t, file = null) {
  await lanSettled();
  const wrapper = path.join(t.tmpDir, 'chromium-in-sender-netns.sh');
  fs.writeFileSync(wrapper, `#!/bin/sh\nexec ip netns exec ${NS_SERVER} ${CHROMIUM} "$@"\n`, { mode: 0o755 });
  const args = [...DEFAULT_WEBRTC_ARGS, ...(file ? [`--use-file-for-fake-video-capture=${file}`] : [])];
  const sender = await t.launchBrowser({ executablePath: wrapper, args });
  const viewer = await launchVisitorBrowser(t);
  await servePages(sender);
  await servePages(viewer);
  const senderPage = await t.openPage(sender, 'http://localhost/sender', 'chromium-sender');
  const page = await t.openPage(viewer, 'http://localhost/viewer', 'chromium-viewer');
  const start = Date.now();
  const offer = await withTimeout(senderPage.evaluate(pageOffer, { width: WIDTH, height: HEIGHT, fps: FPS }), 15000,
                                  'the sending page\'s offer');
  info(`chromium sender: camera ${offer.settings.width}x${offer.settings.height}@${offer.settings.frameRate}`);
  const answer = await withTimeout(page.evaluate(pageAnswer, offer.sdp), 15000, 'the viewing page\'s answer');
  await senderPage.evaluate((sdp) => window.pc.setRemoteDescription({ type: 'answer', sdp }), answer);
  return {
    page, start, senderPage, camera: offer.settings, alive: () => {},
    stop: async () => { await closeContext(t, viewer); await closeContext(t, sender); },
  };
}

async function closeContext(t, context) {
  try { await withTimeout(context.close(), 10000, 'closing chromium'); } catch (e) { info(`chromium: ${e.message}`); }
  t.contexts = t.contexts.filter((c) => c !== context);
}

// ------------------------------------------------------------ one run

function makeRow(prev, cur, t0, impaired) {
  const a = prev.video || {};
  const b = cur.video || {};
  const dtS = prev.video && cur.video ? (b.timestamp - a.timestamp) / 1000 : (cur.wall - prev.wall) / 1000;
  const delta = (k) => (b[k] ?? 0) - (a[k] ?? 0);
  const per = (k) => (dtS > 0 ? delta(k) / dtS : 0);
  return {
    start: prev.wall, end: cur.wall, t: (cur.wall - t0) / 1000, impaired,
    kbit: per('bytesReceived') * 8 / 1000,
    kbitHdr: (per('bytesReceived') + per('headerBytesReceived')) * 8 / 1000,
    rtxKbit: per('retransmittedBytesReceived') * 8 / 1000,
    fps: per('framesDecoded'), frames: delta('framesDecoded'),
    lost: delta('packetsLost'), received: delta('packetsReceived'),
    freezes: delta('freezeCount') + delta('pauseCount'),
    freezeS: delta('totalFreezesDuration') + delta('totalPausesDuration'),
    size: cur.video && cur.video.frameWidth ? `${cur.video.frameWidth}x${cur.video.frameHeight}` : '-',
    rttMs: cur.rttMs, video: !!cur.video,
  };
}

const HEADER = '    t(s) link   kbit/s   +hdr    rtx   fps  lost  frz  frz-s       size  rtt-ms | offered drops q-ms ' +
               '| sender: target  avail      size limit';
function formatRow(r, snd) {
  const l = r.link ? `${fx(r.link.offeredKbit, 0).padStart(8)}${String(r.link.drops).padStart(6)}` +
                     `${fx(r.link.queueMs ?? NaN, 0).padStart(5)} ` : ' '.repeat(20);
  const s = snd ? `${fx(snd.targetKbit, 0).padStart(7)}${fx(snd.availableKbit ?? NaN, 0).padStart(7)} ` +
                  `${snd.size.padStart(9)} ${snd.limitation}` : '';
  return `  ${r.t.toFixed(1).padStart(6)} ${(r.impaired ? 'imp' : 'free').padEnd(5)}` +
         `${r.kbit.toFixed(0).padStart(7)}${r.kbitHdr.toFixed(0).padStart(7)}${r.rtxKbit.toFixed(0).padStart(7)}` +
         `${r.fps.toFixed(1).padStart(6)}${String(r.lost).padStart(6)}${String(r.freezes).padStart(5)}` +
         `${r.freezeS.toFixed(2).padStart(7)}${r.size.padStart(11)}${fx(r.rttMs ?? NaN, 0).padStart(8)} |${l}|${s}`;
}

const mean = (xs) => (xs.length ? xs.reduce((s, x) => s + x, 0) / xs.length : NaN);
const sum = (xs) => xs.reduce((s, x) => s + x, 0);

// Consecutive equal sizes as [size, seconds].
function sizeRuns(rows) {
  const runs = [];
  for (const r of rows) {
    if (r.size === '-') continue;
    const last = runs[runs.length - 1];
    if (last && last[0] === r.size) last[1] += (r.end - r.start) / 1000;
    else runs.push([r.size, (r.end - r.start) / 1000]);
  }
  return runs;
}

async function measure(t, kind, round, index) {
  const id = `${kind}-${round}`;
  info(`=== run ${id}: ${LABEL[kind]} through ${SCENARIO}`);
  await waitQuiet();
  unimpair();
  impair();
  const run = { id, kind, round, scenario: SCENARIO, error: null };
  let sender = null;
  const rows = [];
  try {
    if (kind === 'webrtcsend') sender = await startOurs(t, BASE_PORT + index, `bench-${id}`);
    else sender = await startChromium(t, kind === 'chromium-smpte' ? smpteY4m(t) : null);
    if (sender.camera) run.camera = sender.camera;
    const { page, start, senderPage } = sender;
    const q0 = CAP_KBIT ? rootQdisc() : null;
    const l0 = LOSS_PCT ? lossCounters() : null;
    console.log(HEADER);
    const senderRows = [];
    let prev = { wall: start };
    let prevLink = linkSample();
    let firstFrameAt = null;
    let liftAt = null;
    let link = null;
    let cpu0 = null;
    let cpu1 = null;
    for (let i = 1; ; i++) {
      const tick = start + i * 1000;
      while (firstFrameAt === null && Date.now() < tick - 100) {
        if (await framesDecoded(page) > 0) {
          firstFrameAt = Date.now();
          cpu0 = { s: nsCpu(NS_SERVER), v: nsCpu(NS_VISITOR), m: snapshot(0) };
        } else await sleep(100);
      }
      await sleep(Math.max(0, tick - Date.now()));
      const s = await viewerSample(page);
      const snd = senderPage ? await senderSample(senderPage) : null;
      sender.alive();
      if (firstFrameAt === null && s.video && s.video.framesDecoded > 0) {
        firstFrameAt = s.wall;
        cpu0 = { s: nsCpu(NS_SERVER), v: nsCpu(NS_VISITOR), m: snapshot(0) };
      }
      if (s.codec) run.codec = s.codec;
      const row = makeRow(prev, s, start, liftAt === null);
      const ls = liftAt === null ? linkSample() : null;
      row.link = prevLink && ls ? linkRow(prevLink, ls) : null;
      prevLink = ls;
      rows.push(row);
      if (snd) senderRows.push({ ...snd, t: row.t, impaired: row.impaired });
      console.log(formatRow(row, snd));
      prev = s;
      if (s.state === 'failed' || s.state === 'closed') fail(`the viewer's peer connection is ${s.state}`);
      if (firstFrameAt === null && s.wall - start > 30000) fail(`no frame decoded within 30 s (${s.state})`);
      if (liftAt === null && firstFrameAt !== null && s.wall >= firstFrameAt + CAP_SECONDS * 1000) {
        cpu1 = { s: nsCpu(NS_SERVER), v: nsCpu(NS_VISITOR), m: snapshot(0) };
        link = lift();
        liftAt = Date.now();
        console.log(`  -- ${SCENARIO} lifted at t=${((liftAt - start) / 1000).toFixed(1)} s`);
      }
      if (liftAt !== null && s.wall >= liftAt + AFTER_SECONDS * 1000 - 50) break;
    }
    run.last = prev.video;
    Object.assign(run, figures(kind, { rows, senderRows, start, firstFrameAt, liftAt, cpu0, cpu1, q0, l0, link }));
  } catch (e) {
    run.error = e.message.split('\n')[0];
    if (sender && rows.length) {
      run.failedAtS = (Date.now() - sender.start) / 1000;
      run.rows = rows;
      run.sizesSeen = sizeRuns(rows);
    }
    info(`run ${id} failed: ${e.message}`);
  } finally {
    unimpair();
    if (sender) await sender.stop();
  }
  // The sender's output (gst-launch-1.0's messages; GST_DEBUG for more)
  // when the run failed, or always with BENCH_SENDER_LOGS=1.
  if (sender && sender.lines && (run.error || env.BENCH_SENDER_LOGS === '1')) {
    const lines = sender.lines();
    run.senderLog = path.join(os.tmpdir(), `capped-link-bench-${Date.now()}-${id}-sender.log`);
    fs.writeFileSync(run.senderLog, lines.join('\n') + '\n');
    const why = lines.filter((l) => /(ERROR|WARNING): from element|reason \S+ \(-?\d+\)|: not negotiated$/.test(l))
      .map((l) => l.replace(/^(out|err): /, '').trim());
    if (run.error && why.length) run.error += ` (${[...new Set(why)].slice(0, 3).join('; ')})`;
    info(`run ${id}: the sender's output is in ${run.senderLog}`);
  }
  info(`run ${id}: ${JSON.stringify(summaryOf(run))}`);
  return run;
}

function figures(kind, { rows, senderRows, start, firstFrameAt, liftAt, cpu0, cpu1, q0, l0, link }) {
  const f = { firstFrameS: (firstFrameAt - start) / 1000, rows, senderRows };
  const imp = rows.filter((r) => r.impaired);
  const free = rows.filter((r) => !r.impaired);
  const fromFirst = imp.filter((r) => r.end > firstFrameAt);
  const fullFromFirst = imp.filter((r) => r.start >= firstFrameAt - 50);
  if (CAP_KBIT) {
    let settledAt = null;
    for (let k = fromFirst.length - 1; k >= 0 && fromFirst[k].kbit <= CAP_KBIT; k--) {
      settledAt = Math.max(fromFirst[k].start, firstFrameAt);
    }
    f.convergeS = settledAt === null ? null : (settledAt - firstFrameAt) / 1000;
    let lossFreeAt = null;
    for (let k = fromFirst.length - 1; k >= 0 && fromFirst[k].lost <= 0; k--) {
      lossFreeAt = Math.max(fromFirst[k].start, firstFrameAt);
    }
    f.lossFreeS = lossFreeAt === null ? null : (lossFreeAt - firstFrameAt) / 1000;
    // The sender fits the link once the tbf queue stops dropping.
    let dropFreeAt = null;
    for (let k = fromFirst.length - 1; k >= 0 && fromFirst[k].link && fromFirst[k].link.drops === 0; k--) {
      dropFreeAt = Math.max(fromFirst[k].start, firstFrameAt);
    }
    f.dropFreeS = dropFreeAt === null ? null : (dropFreeAt - firstFrameAt) / 1000;
    const after = settledAt === null ? [] : imp.filter((r) => r.start >= settledAt - 50);
    f.convRows = after.length;
    f.kbit = mean(after.map((r) => r.kbit));
    f.kbitHdr = mean(after.map((r) => r.kbitHdr));
    f.share = f.kbit / CAP_KBIT;
    f.fpsConv = mean(after.map((r) => r.fps));
    f.offeredKbit = mean(after.filter((r) => r.link).map((r) => r.link.offeredKbit));
    f.queueMeanMs = mean(after.filter((r) => r.link).map((r) => r.link.queueMs));
  } else {
    f.kbit = mean(fullFromFirst.map((r) => r.kbit));
    f.kbitHdr = mean(fullFromFirst.map((r) => r.kbitHdr));
    f.offeredKbit = mean(fullFromFirst.filter((r) => r.link).map((r) => r.link.offeredKbit));
  }
  const linked = fromFirst.filter((r) => r.link);
  f.offeredPeakKbit = linked.length ? Math.max(...linked.map((r) => r.link.offeredKbit)) : NaN;
  f.queueMaxMs = linked.some((r) => typeof r.link.queueMs === 'number')
    ? Math.max(...linked.map((r) => r.link.queueMs ?? 0)) : NaN;
  f.fps = mean(fullFromFirst.map((r) => r.fps));
  f.fpsMin = fullFromFirst.length ? Math.min(...fullFromFirst.map((r) => r.fps)) : NaN;
  f.freezes = sum(fullFromFirst.map((r) => r.freezes));
  f.freezeS = sum(fullFromFirst.map((r) => r.freezeS));
  f.noFrameS = fullFromFirst.filter((r) => r.frames === 0).length;
  f.lost = sum(imp.map((r) => r.lost));
  f.received = sum(imp.map((r) => r.received));
  f.rtxKbit = mean(fullFromFirst.map((r) => r.rtxKbit));
  const rtts = fromFirst.map((r) => r.rttMs).filter((x) => typeof x === 'number');
  f.rttMaxMs = rtts.length ? Math.max(...rtts) : NaN;
  f.sizesImpaired = sizeRuns(imp);
  f.sizesFree = sizeRuns(free);
  f.maxKbit = maxKbit(kind);
  const rec = free.find((r) => r.kbit >= RECOVER_SHARE * f.maxKbit);
  f.recoverS = rec ? (rec.end - liftAt) / 1000 : null;
  f.freeTailKbit = mean(free.slice(-5).map((r) => r.kbit));
  f.freeTailFps = mean(free.slice(-5).map((r) => r.fps));
  f.freeMaxKbit = free.length ? Math.max(...free.map((r) => r.kbit)) : NaN;
  const phaseS = (cpu1.m.t - cpu0.m.t) / 1000;
  const sc = cpuBetween(cpu0.s, cpu1.s);
  const vc = cpuBetween(cpu0.v, cpu1.v);
  f.phaseS = phaseS;
  f.senderCpuS = sc.total;
  f.senderCpuByType = sc.byType;
  f.viewerCpuS = vc.total;
  f.otherCores = loadBetween(cpu0.m, cpu1.m).other;
  const capPhaseS = (liftAt - start) / 1000;
  if (q0 && link.qdisc) {
    const d = (k) => (link.qdisc[k] || 0) - (q0[k] || 0);
    const packets = d('packets');
    const bytes = d('bytes');
    f.tbf = { packets, bytes, drops: d('drops'), sentKbit: bytes * 8 / 1000 / capPhaseS,
              offeredKbit: packets ? (packets + d('drops')) * (bytes / packets) * 8 / 1000 / capPhaseS : NaN };
  }
  if (l0 && link.loss) f.nft = { udp: link.loss.udp - l0.udp, dropped: link.loss.dropped - l0.dropped };
  if (senderRows.length) {
    const sImp = senderRows.filter((r) => r.impaired && r.t >= (firstFrameAt - start) / 1000);
    const lim = {};
    for (const r of sImp) lim[r.limitation] = (lim[r.limitation] || 0) + 1;
    f.senderLimitation = lim;
    f.senderBweKbit = mean(sImp.map((r) => r.availableKbit).filter((x) => typeof x === 'number'));
    f.senderTargetKbit = mean(sImp.map((r) => r.targetKbit));
    const liftT = (liftAt - start) / 1000;
    const up = senderRows.find((r) => !r.impaired && r.targetKbit >= RECOVER_SHARE * f.maxKbit);
    f.senderTargetRecoverS = up ? up.t - liftT : null;
    f.senderSizes = [...new Set(senderRows.map((r) => r.size))];
  }
  return f;
}

function summaryOf(r) {
  if (r.error) return { id: r.id, error: r.error };
  const { rows, senderRows, last, ...rest } = r;
  return rest;
}

// ------------------------------------------------------------ report

const sizesCell = (runs) => runs.map(([s, n]) => `${s} (${Math.round(n)} s)`).join(' → ') || '–';

const COLUMNS = CAP_KBIT ? 11 : 10;
function tableRow(r) {
  if (r.error) {
    const when = r.failedAtS === undefined ? '' : ` ${fx(r.failedAtS, 1)} s after the start` +
      (r.sizesSeen && r.sizesSeen.length ? ` (sizes ${sizesCell(r.sizesSeen)})` : '');
    const cells = [r.id, LABEL[r.kind], `**failed**${when}: ${r.error.replace(/\|/g, '/')}`];
    while (cells.length < COLUMNS) cells.push('');
    return `| ${cells.join(' | ')} |`;
  }
  const lostPct = 100 * r.lost / Math.max(1, r.lost + r.received);
  const cells = [
    r.id, LABEL[r.kind], fx(r.firstFrameS, 1),
  ];
  if (CAP_KBIT) {
    cells.push(`${r.convergeS === null ? 'never' : fx(r.convergeS, 1)}; ${r.dropFreeS === null ? 'never' : fx(r.dropFreeS, 1)}`);
    cells.push(`${fx(r.kbit, 0)} (${fx(100 * r.share, 0)} %)`);
    cells.push(`${fx(r.fps, 1)} / ${fx(r.fpsConv, 1)}`);
  } else {
    cells.push(fx(r.kbit, 0));
    cells.push(`${fx(r.fps, 1)} (min ${fx(r.fpsMin, 0)})`);
  }
  cells.push(`${r.freezes}, ${fx(r.freezeS, 2)} s; ${r.noFrameS} s`);
  cells.push(`${sizesCell(r.sizesImpaired)}; after: ${r.sizesFree.length ? r.sizesFree[r.sizesFree.length - 1][0] : '–'}`);
  cells.push(`${r.lost} (${fx(lostPct, 1)} %)`);
  cells.push(`${r.recoverS === null ? `not in ${AFTER_SECONDS} s` : fx(r.recoverS, 1)} (${fx(RECOVER_SHARE * r.maxKbit, 0)}); ` +
             `${fx(r.freeTailKbit, 0)}`);
  cells.push(`${fx(r.senderCpuS, 1)} (${fx(r.senderCpuS / r.phaseS, 2)})`);
  return `| ${cells.join(' | ')} |`;
}

function detailRow(r) {
  if (r.error) return null;
  const link = r.tbf
    ? `tbf sent ${fx(r.tbf.sentKbit, 0)} kbit/s, offered ≈ ${fx(r.tbf.offeredKbit, 0)}, dropped ${r.tbf.drops} ` +
      `(${fx(100 * r.tbf.drops / Math.max(1, r.tbf.packets + r.tbf.drops), 1)} %)`
    : '';
  const loss = r.nft ? `nft dropped ${r.nft.dropped} of ${r.nft.udp} UDP (${fx(100 * r.nft.dropped / Math.max(1, r.nft.udp), 1)} %)` : '';
  const byType = Object.entries(r.senderCpuByType).filter(([, v]) => v >= 0.05).sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${fx(v, 1)}`).join(', ');
  const lim = r.senderLimitation
    ? `BWE ${fx(r.senderBweKbit, 0)}, target ${fx(r.senderTargetKbit, 0)} kbit/s; limited by ` +
      Object.entries(r.senderLimitation).map(([k, v]) => `${k} ${v} s`).join(', ') +
      `; target ≥ ${fx(RECOVER_SHARE * r.maxKbit, 0)} ${r.senderTargetRecoverS === null
        ? `not in ${AFTER_SECONDS} s` : `${fx(r.senderTargetRecoverS, 1)} s`} after the lift`
    : '–';
  const last = r.last || {};
  const offered = `${fx(r.offeredKbit, 0)} / ${fx(r.offeredPeakKbit, 0)}` +
    (CAP_KBIT ? `; queue ${fx(r.queueMeanMs, 0)} / ${fx(r.queueMaxMs, 0)} ms` : '');
  return `| ${r.id} | ${r.codec || '?'} | ${[link, loss].filter(Boolean).join('; ') || '–'} | ${offered} | ${fx(r.rtxKbit, 0)} | ` +
         `${last.nackCount ?? 0} / ${last.pliCount ?? 0} | ${byType || '–'} | ${fx(r.viewerCpuS / r.phaseS, 2)} | ` +
         `${fx(r.otherCores, 2)} | ${fx(r.rttMaxMs, 0)} | ${lim} |`;
}

function medianRows(runs) {
  const out = [];
  for (const kind of KINDS) {
    const ok = runs.filter((r) => r.kind === kind && !r.error);
    if (ok.length < 2) continue;
    const m = (k) => median(ok.map((r) => r[k]));
    out.push(`| median of ${ok.length} | ${LABEL[kind]} | ${fx(m('firstFrameS'), 1)} | ` +
      (CAP_KBIT
        ? `${fx(median(ok.map((r) => (r.convergeS === null ? Infinity : r.convergeS))), 1)}; ` +
          `${fx(median(ok.map((r) => (r.dropFreeS === null ? Infinity : r.dropFreeS))), 1)} | ` +
          `${fx(m('kbit'), 0)} (${fx(100 * m('share'), 0)} %) | ${fx(m('fps'), 1)} / ${fx(m('fpsConv'), 1)} | `
        : `${fx(m('kbit'), 0)} | ${fx(m('fps'), 1)} | `) +
      `${fx(m('freezes'), 1)}, ${fx(m('freezeS'), 2)} s; ${fx(m('noFrameS'), 1)} s | | ${fx(m('lost'), 0)} | ` +
      `${fx(median(ok.map((r) => (r.recoverS === null ? Infinity : r.recoverS))), 1)}; ${fx(m('freeTailKbit'), 0)} | ` +
      `${fx(m('senderCpuS'), 1)} (${fx(median(ok.map((r) => r.senderCpuS / r.phaseS)), 2)}) |`);
  }
  return out;
}

function report(runs, started, rawFile) {
  const impairment = [
    CAP_KBIT ? `\`tc qdisc add dev lan0 root ${TBF.slice(1).join(' ')}\`` : '',
    LOSS_PCT ? `nftables dropping ${LOSS_PCT} % of the UDP packets ` +
               (LOSS_AT === 'sender' ? 'the sender\'s namespace sends (hook output: the sender\'s sendto() fails with EPERM)'
                 : 'arriving in the viewer\'s namespace (hook input: silent to both sides)') +
               ' (`meta l4proto udp numgen random mod 100 < ' + LOSS_PCT + ' drop`)' : '',
  ].filter(Boolean).join(' and ');
  const cam = runs.find((r) => r.camera);
  const plugin = (env.GST_PLUGIN_PATH_1_0 || path.join(BUILD_ROOT, 'plugins', 'webrtcsignal')).split(':')
    .map((d) => path.join(d, 'libgstwebrtcsignal.so')).find((f) => fs.existsSync(f));
  const lines = [
    `# Benchmark: congestion control through ${SCENARIO}, webrtcsend against Chromium`,
    '',
    'Written by `bench/capped-link.mjs` (what it measures: the comment at its top).',
    '',
    ...runHeader(SCRIPT, started, { runner: '', vars: ['CAP_KBIT', 'LOSS_PCT', 'LOSS_AT', 'CAP_SECONDS', 'AFTER_SECONDS', 'VIDEO_KBIT', 'CHROMIUM_MAX_KBIT'] }),
    `- link: veth between two namespaces; what the sender sends impaired by ${impairment} for ${CAP_SECONDS} s from ` +
      `the first decoded frame, then lifted for ${AFTER_SECONDS} s`,
    `- senders: webrtcsend (videotestsrc pattern=smpte 1280x720@30, VP8, video-bitrate ${VIDEO_KBIT}` +
      `${OURS_EXTRA.length ? `, ${OURS_EXTRA.join(' ')}` : ''}); Chromium sending its fake camera ` +
      `(${cam ? `${cam.camera.width}x${cam.camera.height}@${cam.camera.frameRate}` : '1280x720@30 asked'}, VP8 first) ` +
      `and the same smpte picture from a Y4M file of ${Y4M_FRAMES} frames; ` +
      'viewer: headless Chromium, default WebRTC settings, a fresh one per run',
    `- webrtcsend: ${plugin ? `${plugin}, built ${fs.statSync(plugin).mtime.toISOString().replace(/\.\d+Z$/, 'Z')}` : '?'}`,
    '',
    `| run | sender | first frame (s) | ${CAP_KBIT
      ? 'converge (s): received under the cap; the link stops dropping | kbit/s after convergence (% of cap) | fps: impaired / after convergence'
      : 'kbit/s | fps'} | freezes: count, duration; s without a new frame | frame sizes (impaired; after) | ` +
      'packets lost (%) | after the lift: s to 0.9 × max (kbit/s); last 5 s kbit/s | sender CPU: s (cores) |',
    `|---|---|---:|${CAP_KBIT ? '---:|---:|---:|' : '---:|---:|'}---:|---|---:|---:|---:|`,
    ...runs.map(tableRow),
    ...medianRows(runs),
    '',
    `| run | codec | link under the impairment (totals) | offered kbit/s: mean${CAP_KBIT ? ' after convergence' : ''} / ` +
      `peak second${CAP_KBIT ? '; tbf queue mean / max' : ''} | rtx kbit/s received | NACKs / PLIs sent by the viewer | ` +
      'sender CPU by process (s) | viewer CPU (cores) | others (cores) | max RTT (ms) | ' +
      'Chromium sender (impaired, mean; its target after the lift) |',
    '|---|---|---|---:|---:|---:|---|---:|---:|---:|---|',
    ...runs.map(detailRow).filter(Boolean),
    '',
    `Raw runs: ${rawFile} (not kept).`,
  ];
  return lines.join('\n');
}

// ------------------------------------------------------------ main

runTest('capped-link-bench', async (t) => {
  for (const [cmd, args] of [['tc', ['-V']], ['nft', ['--version']]]) {
    const r = spawnSync(cmd, args, { encoding: 'utf8' });
    if (r.error || r.status !== 0) fail(`cannot run ${cmd}: apt-get install ${cmd === 'tc' ? 'iproute2' : 'nftables'}`);
  }
  const started = new Date();
  makeLan(t, { defaultRoute: true });
  info(`scenario: ${SCENARIO} for ${CAP_SECONDS} s from the first frame, then ${AFTER_SECONDS} s free; ` +
       `${REPEATS} round(s) of ${KINDS.join(', ')}`);
  const runs = [];
  let index = 0;
  for (let round = 1; round <= REPEATS; round++) {
    const order = round % 2 ? KINDS : [...KINDS].reverse();
    for (const kind of order) runs.push(await measure(t, kind, round, index++));
  }
  const rawFile = path.join(os.tmpdir(), `capped-link-bench-${started.toISOString().replace(/[:.]/g, '-')}.json`);
  fs.writeFileSync(rawFile, JSON.stringify(runs, null, 1));
  const text = report(runs, started, rawFile);
  console.log(`\n${text}\n`);
  if (RESULTS) writeSection(RESULTS, 'capped-link.mjs', text, SCENARIO);
  if (runs.every((r) => r.error)) fail('every run failed');
}, { timeoutMs: (KINDS.length * REPEATS * (CAP_SECONDS + AFTER_SECONDS + 160) + 60) * 1000, ownNamespaces: true });
