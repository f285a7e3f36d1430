// Issue 12 (congestion control), its test 4: a browser publishing to
// webrtcrecv through a link capped at 1 Mbit/s. webrtcrecv negotiates
// transport-cc, so webrtcbin sends transport-wide feedback and the
// browser's own congestion control (libwebrtc's) can find the link's rate:
// its sent bitrate must settle under the cap and the recording must have
// no gap longer than 0.5 s.
//
// Two network namespaces joined by a veth pair (lan-lib.mjs), as in
// lan-tls.mjs: "s", the server's machine (10.99.0.1), runs
// gst-webrtc-serve --self-signed (https/wss) and gst-webrtc-record --all
// over wss (trusting the served certificate); "v", the visitor's machine,
// runs headless Chromium with its DEFAULT WebRTC settings on the publish
// page, which captures the fake camera and the microphone and publishes
// them to the recorder (the codec is what the recorder picks from the
// browser's offer: H264, OpenH264 in Debian's Chromium).
//
// The camera: Chromium's built-in fake picture is so easy to encode that
// at 1280x720 its encoder makes only ~750 kbit/s of an ~1600 kbit/s target
// (measured): under a 1 Mbit/s cap the browser would never meet the cap
// and the test would show nothing. So by default (CAMERA=file) the fake
// camera plays a file the test writes first (2 s, looped):
//   videotestsrc pattern=smpte horizontal-speed=2 ! 1280x720@30 ! y4menc
// (scrolling bars and their noise patch), through
// --use-file-for-fake-video-capture: the encoder is limited by the
// bandwidth estimate all along (qualityLimitationReason "bandwidth") and
// goes up to the link's rate. CAMERA=builtin keeps Chromium's own picture
// (asked for WIDTHxHEIGHT@30).
//
// Before the page is opened the VISITOR's side of the link, i.e. what the
// browser sends, is capped:
//   ip netns exec v tc qdisc add dev lan0 root tbf rate CAP_KBITkbit burst 32kbit latency 400ms
// From the moment the publisher is connected and sending, the test reads
// every second the page's RTCPeerConnection stats: the outbound video
// (bytesSent, headerBytesSent, framesEncoded, frameWidth/Height,
// qualityLimitationReason, targetBitrate), the outbound audio, and the
// selected candidate pair's availableOutgoingBitrate (libwebrtc's estimate
// of the link), and prints a row per second. After SECONDS it SIGINTs the
// recorder, which finalizes the file, and reads the file's video frame
// timestamps twice: as stored (matroskademux ! checksumsink) and as decoded
// (... ! decodebin ! checksumsink).
//
// Checks, with ASSERT=1 (the default; ASSERT=0 only measures and prints
// what would have failed):
//  - the browser's sent video bitrate, RTP payload plus headers (bytesSent +
//    headerBytesSent; padding counts as header), is at most CAP_KBIT in
//    every second from at most SETTLE_S (10 s) after the first sample to
//    the end;
//  - the largest gap between consecutive video frames stored in the
//    recording, or from its last video frame to the file's end, is at most
//    MAX_GAP_S (0.5 s), not counting gaps that start in the file's first
//    START_SKIP_S (2 s: the ramp-up);
//  - the recording decodes to its end and lasts as long as the browser
//    published (record-lib.mjs checkRecording).
// Whatever ASSERT says, the run fails if the cap was not in the way (the
// tbf qdisc carried nothing), the publisher failed, or the negotiated
// session has no transport-cc (unless NO_TWCC asks for that). With ASSERT=0
// the figures of the sending are printed before the recorder is stopped,
// and a recorder that fails then is reported with the checks.
//
// Seen (2026-12-06, Chromium 156, OpenH264; 15 runs of 25 s): the browser
// starts at 320x180-480x270 and stays bandwidth-limited, its video at
// 600-700 kbit/s on average with a sawtooth up to ~900-970: each time the
// tbf queue builds up, the recorder NACKs packets that are only late (the
// tbf dropped nothing), the retransmissions add 150-300 kbit/s, libwebrtc
// backs off to ~450 and climbs again; at these moments the recording lacks
// ~0.35-0.4 s of video (frames the jitterbuffer gave up on). 13 runs met
// every check. One sent 1109 kbit/s for one second at t=19 s (a probe that
// passed in the tbf's burst read 1447 kbit/s). In one the recorder gave
// up on 4 packets at t~18 s, sent one FIR, and put out no video frame for
// the remaining 8 s while packets kept arriving (its own fps 0, no further
// keyframe request, NACKs going on): the file's video ends 7.8 s early.
//
// Since 2026-12-07 the recorder asks only for packets a gap shows missing
// (plugins/webrtcsignal/receive-nack.h): in 10 runs of 45 s it asked for
// none, lost none, and every run met every check (video at 72-76 % of the
// cap on average). The runs above are from before.
//
// Why it works is the transport feedback: availableOutgoingBitrate is
// libwebrtc's estimate, and it follows the link's rate only when feedback
// comes back. NO_TWCC=1 (a manual experiment, with ASSERT=0) strips the
// transport-cc header extension and feedback from the SDP the browser is
// given, in the browser (an init script around setRemoteDescription), so
// that the same run goes without transport feedback: libwebrtc is then left
// with the loss reports of RTCP receiver reports. Seen so: its estimate
// starts at 300 kbit/s and only climbs (past the cap at ~20-25 s, to 1.8
// Mbit/s at 45 s); the sent video crosses the cap at ~30 s, the tbf
// queue drops packets and the recording gets gaps of seconds. Within 25 s
// the browser has not reached the cap yet, so the checks pass without
// feedback too: the default of 45 s tells the two apart.
//
// Knobs (environment): CAP_KBIT (1000), SECONDS (45), ASSERT (1),
// CAMERA (file | builtin), WIDTH/HEIGHT (1280/720: the file's size, or
// what the page asks of the built-in camera), VIDEO (vp8 | h264 | vp9: the
// codec the page offers first; unset: its default order), NO_TWCC (unset),
// KEEP_RECORDINGS=DIR (a copy of the recording).
// e.g. as root:  ASSERT=0 CAP_KBIT=600 node capped-publish.mjs
//
// Needs root (ip netns add, tc: Debian package iproute2); it is not run
// inside run-in-netns.sh.
//
// SPDX-License-Identifier: LGPL-2.1-or-later

import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

import {
  GST_LAUNCH, assert, fail, info, runTest, sleep, withTimeout,
} from './lib.mjs';
import {
  NS_SERVER, NS_VISITOR, fetchCertificate, launchVisitorBrowser, lanSettled, makeLan, spawnIn,
  startServe,
} from './lan-lib.mjs';
import { checkTcInstalled, f1, mean } from './link-lib.mjs';
import { checkRecording, interruptRecorder, openPublisher, publisherSending } from './record-lib.mjs';
import { RECORD_BIN, events, waitEvent } from '../record/record-lib.mjs';

const NAME = 'capped-publish';
const TLS_PORT = 8443;
const CAPS = { 'video/VP8': 'video/x-vp8', 'video/VP9': 'video/x-vp9', 'video/H264': 'video/x-h264' };

// The thresholds of issue 12's test 4.
const SETTLE_S = 10;       // under the cap within this long after the first sample, and staying there
const MAX_GAP_S = 0.5;     // largest gap between video frames in the recording...
// ...not counting gaps that start in the file's first 2 s: the ramp-up. In
// its first second libwebrtc may start above the cap (its first probe
// passes in the tbf's burst) and the recording then lacks 0.7-1.0 s of
// video from 0.7-1.0 s on (seen in 3 of 16 runs); such gaps are printed,
// not counted.
const START_SKIP_S = 2;

function knob(name, def) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return def;
  const v = Number(raw);
  if (!Number.isFinite(v) || v <= 0) {
    console.error(`FAIL ${NAME}: ${name}=${raw} is not a positive number`);
    process.exit(1);
  }
  return v;
}
const flag = (name, def) => !['0', 'no', 'false', 'off'].includes(String(process.env[name] || def).toLowerCase());

const CAP_KBIT = knob('CAP_KBIT', 1000);
const SECONDS = knob('SECONDS', 45);
const WIDTH = knob('WIDTH', 1280);
const HEIGHT = knob('HEIGHT', 720);
const ASSERT = flag('ASSERT', '1');
const NO_TWCC = flag('NO_TWCC', '0');
const CAMERA = process.env.CAMERA || 'file';
const VIDEO = process.env.VIDEO || '';
if (!['file', 'builtin'].includes(CAMERA)) {
  console.error(`FAIL ${NAME}: CAMERA=${CAMERA} is neither "file" nor "builtin"`);
  process.exit(1);
}

const TC_SHAPE = ['root', 'tbf', 'rate', `${CAP_KBIT}kbit`, 'burst', '32kbit', 'latency', '400ms'];

// tc(8) in the visitor's namespace (the browser's egress); fails naming what it was for.
function tcInVisitor(args, what) {
  const r = spawnSync('ip', ['netns', 'exec', NS_VISITOR, 'tc', ...args], { encoding: 'utf8', timeout: 10000 });
  if (r.error) fail(`${what}: cannot run ip netns exec (iproute2): ${r.error.message}`);
  if (r.status !== 0) {
    fail(`${what}: \`ip netns exec ${NS_VISITOR} tc ${args.join(' ')}\` exited with ${r.status}: ` +
         `${(r.stderr || '').trim()}`);
  }
  return r.stdout;
}

// The root qdisc of the visitor's lan0: { kind, bytes, packets, drops, overlimits, backlog }.
function visitorQdisc() {
  const list = JSON.parse(tcInVisitor(['-s', '-j', 'qdisc', 'show', 'dev', 'lan0'],
                                      `reading the qdisc of ${NS_VISITOR}'s lan0`));
  return list.find((q) => q.root) || {};
}


// The fake camera's file (CAMERA=file): 2 s of scrolling SMPTE bars,
// WIDTHxHEIGHT@30, as YUV4MPEG2 (what Chromium's file capture reads).
async function writeCameraFile(t) {
  const file = path.join(t.tmpDir, 'camera.y4m');
  const child = t.spawn('camera file', GST_LAUNCH, ['-q', 'videotestsrc', 'num-buffers=60', 'pattern=smpte',
    'horizontal-speed=2', '!', `video/x-raw,format=I420,width=${WIDTH},height=${HEIGHT},framerate=30/1`, '!',
    'y4menc', '!', 'filesink', `location=${file}`]);
  await withTimeout(child.exitPromise, 20000, 'writing the camera file');
  assert(child.exitCode === 0 && fs.existsSync(file) && fs.statSync(file).size > 0,
         `writing the camera file ${child.describeExit()}:\n${child.tail()}`);
  return file;
}

// In the page, before any of its scripts: every remote description loses
// the transport-cc header extension and feedback (NO_TWCC).
function stripTransportCc() {
  const orig = RTCPeerConnection.prototype.setRemoteDescription;
  RTCPeerConnection.prototype.setRemoteDescription = function (desc, ...rest) {
    if (desc && desc.sdp) {
      const sdp = desc.sdp.split('\r\n')
        .filter((l) => !/^a=extmap:\d+(\/\w+)? \S*transport-wide-cc/.test(l) && !/^a=rtcp-fb:\S+ transport-cc/.test(l))
        .join('\r\n');
      desc = { type: desc.type, sdp };
    }
    return orig.call(this, desc, ...rest);
  };
}

// One stats sample of the publisher's session with the recorder.
function sample(page, sessionId) {
  return page.evaluate(async (id) => {
    const pc = window.gstsigPublish.peerConnection(id);
    const out = { wall: Date.now(), state: pc ? pc.connectionState : 'gone' };
    if (!pc || pc.connectionState === 'closed') return out;
    const stats = [...(await pc.getStats()).values()];
    const pick = (s, keys) => Object.fromEntries(keys.map((k) => [k, s[k]]));
    const v = stats.find((s) => s.type === 'outbound-rtp' && s.kind === 'video');
    if (v) {
      out.video = pick(v, ['timestamp', 'bytesSent', 'headerBytesSent', 'packetsSent', 'framesEncoded',
                           'framesSent', 'keyFramesEncoded', 'frameWidth', 'frameHeight', 'qualityLimitationReason',
                           'targetBitrate', 'retransmittedBytesSent', 'retransmittedPacketsSent', 'nackCount',
                           'pliCount', 'firCount', 'qualityLimitationResolutionChanges', 'encoderImplementation']);
      const codec = stats.find((s) => s.id === v.codecId);
      out.video.codec = codec ? codec.mimeType : '';
      out.video.qualityLimitationDurations = v.qualityLimitationDurations;
    }
    const a = stats.find((s) => s.type === 'outbound-rtp' && s.kind === 'audio');
    if (a) out.audio = pick(a, ['timestamp', 'bytesSent', 'headerBytesSent']);
    const rv = stats.find((s) => s.type === 'remote-inbound-rtp' && s.kind === 'video');
    if (rv) out.remote = pick(rv, ['packetsLost', 'fractionLost', 'roundTripTime', 'reportsReceived']);
    const ra = stats.find((s) => s.type === 'remote-inbound-rtp' && s.kind === 'audio');
    if (ra) out.remoteAudio = pick(ra, ['packetsLost', 'reportsReceived']);
    const transport = stats.find((s) => s.type === 'transport' && s.selectedCandidatePairId);
    const pair = transport && stats.find((s) => s.id === transport.selectedCandidatePairId);
    if (pair) {
      out.pair = pick(pair, ['availableOutgoingBitrate', 'currentRoundTripTime', 'bytesSent']);
      const cand = (cid) => stats.find((s) => s.id === cid);
      const desc = (c) => c && `${c.candidateType} ${c.address}:${c.port}`;
      out.route = `${desc(cand(pair.localCandidateId))} -> ${desc(cand(pair.remoteCandidateId))}`;
    }
    return out;
  }, sessionId);
}

// The recorder's own view: webrtcrecv sends its session's stats (role
// "consumer": packets received and lost, NACKs, PLIs and FIRs it sent, the
// frames per second coming out of its depayloader and parser) to the
// server every second, and gst-webrtc-serve logs every message it relays.
// The latest of them for sessionId, or null.
function recorderStats(serve, sessionId) {
  for (let i = serve.lines.length - 1; i >= 0; i--) {
    const l = serve.lines[i];
    const k = l.indexOf(': {"type":"stats"');
    if (k < 0 || !l.includes(sessionId) || !/ <- /.test(l)) continue;
    try {
      const msg = JSON.parse(l.slice(k + 2));
      if (msg.sessionId === sessionId && msg.stats && msg.stats.role === 'consumer') return msg.stats;
    } catch (e) { /* cut or not ours */ }
  }
  return null;
}

// A row from two samples: the interval (start, end] in wall-clock ms.
function makeRow(prev, cur, t0, prevQ, q, prevRec, rec) {
  const qS = (q.wall - prevQ.wall) / 1000;
  const a = prev.video || {};
  const b = cur.video || {};
  const dtS = prev.video && cur.video ? (b.timestamp - a.timestamp) / 1000 : (cur.wall - prev.wall) / 1000;
  const d = (x, y, k) => (y[k] ?? 0) - (x[k] ?? 0);
  const per = (x, y, k) => (dtS > 0 ? d(x, y, k) / dtS : 0);
  const aa = prev.audio || {};
  const ab = cur.audio || {};
  return {
    start: prev.wall,
    end: cur.wall,
    t: (cur.wall - t0) / 1000,
    kbit: per(a, b, 'bytesSent') * 8 / 1000,
    kbitHdr: (per(a, b, 'bytesSent') + per(a, b, 'headerBytesSent')) * 8 / 1000,
    rtxKbit: per(a, b, 'retransmittedBytesSent') * 8 / 1000,
    audioKbitHdr: (per(aa, ab, 'bytesSent') + per(aa, ab, 'headerBytesSent')) * 8 / 1000,
    fps: per(a, b, 'framesEncoded'),
    frames: d(a, b, 'framesEncoded'),
    size: b.frameWidth ? `${b.frameWidth}x${b.frameHeight}` : '-',
    targetKbit: typeof b.targetBitrate === 'number' ? b.targetBitrate / 1000 : undefined,
    aobKbit: cur.pair && typeof cur.pair.availableOutgoingBitrate === 'number'
      ? cur.pair.availableOutgoingBitrate / 1000 : undefined,
    qlr: b.qualityLimitationReason || '-',
    lost: cur.remote ? cur.remote.packetsLost : undefined,
    fracLost: cur.remote ? cur.remote.fractionLost : undefined,
    rttMs: cur.pair && typeof cur.pair.currentRoundTripTime === 'number'
      ? cur.pair.currentRoundTripTime * 1000 : undefined,
    video: !!cur.video,
    linkKbit: qS > 0 ? (q.bytes - prevQ.bytes) * 8 / 1000 / qS : undefined,
    drops: q.drops - prevQ.drops,
    recFps: rec && typeof rec.fps === 'number' ? rec.fps : undefined,
    recLost: rec ? rec['packets-lost'] : undefined,
    recNacks: rec ? (rec['nack-count'] ?? 0) - ((prevRec && prevRec['nack-count']) ?? 0) : undefined,
    recKeyReq: rec ? (rec['pli-count'] ?? 0) + (rec['fir-count'] ?? 0) -
      ((prevRec && (prevRec['pli-count'] ?? 0) + (prevRec['fir-count'] ?? 0)) ?? 0) : undefined,
  };
}

// kbit/s: the video's RTP payload (bytesSent, retransmissions included);
// +hdr: with RTP headers and padding (what the check compares with the
// cap); rtx: retransmitted payload; audio: the audio with its headers;
// target: the encoder's targetBitrate; avail: the candidate pair's
// availableOutgoingBitrate; lost/frac: the recorder's last receiver report
// (cumulative packets lost, fraction lost); link: what the tbf queue
// passed (IP packets, everything the visitor's machine sent), drop: the
// packets it dropped; then the recorder's own figures (its last stats
// message): r-fps: video frames per second out of its depayloader, r-lost:
// packets it gave up on (cumulative), nack: NACKs it sent in that second,
// key: keyframe requests (PLI + FIR) it sent in that second.
const HEADER = '    t(s)  kbit/s   +hdr   rtx  audio  target  avail   fps       size  limited     lost  frac  rtt-ms' +
               '  link  drop | r-fps r-lost nack key';
const opt = (x, w, digits = 0) => (x === undefined || !Number.isFinite(x) ? '-' : x.toFixed(digits)).padStart(w);
function formatRow(r) {
  return `  ${r.t.toFixed(1).padStart(6)}${opt(r.kbit, 8)}${opt(r.kbitHdr, 7)}${opt(r.rtxKbit, 6)}` +
         `${opt(r.audioKbitHdr, 7)}${opt(r.targetKbit, 8)}${opt(r.aobKbit, 7)}${opt(r.fps, 6, 1)}` +
         `${r.size.padStart(11)}  ${r.qlr.padEnd(9)}${opt(r.lost, 6)}${opt(r.fracLost, 6, 2)}${opt(r.rttMs, 8)}` +
         `${opt(r.linkKbit, 6)}${String(r.drops).padStart(6)} |${opt(r.recFps, 6, 1)}${opt(r.recLost, 7)}` +
         `${opt(r.recNacks, 5)}${opt(r.recKeyReq, 4)}`;
}

function parseClock(s) {
  const m = /(\d+):(\d+):(\d+(?:\.\d+)?)/.exec(s);
  return m ? Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]) : NaN;
}

// The timestamps (s) of the file's video buffers: as stored (decoded false:
// matroskademux's output) or as decoded. checksumsink prints one
// "PTS CHECKSUM" line per buffer. Fails unless the pipeline reaches EOS.
async function videoTimestamps(t, file, { decoded = false, timeoutMs = 30000 } = {}) {
  const args = ['filesrc', `location=${file}`, '!', 'matroskademux', 'name=d',
    'd.video_0', '!', 'queue', '!', ...(decoded ? ['decodebin', '!'] : []), 'checksumsink', 'sync=false',
    'd.audio_0', '!', 'queue', '!', 'fakesink', 'sync=false'];
  info(`video timestamps (${decoded ? 'decoded' : 'stored'}): ${GST_LAUNCH} ${args.join(' ')}`);
  const pts = [];
  const other = [];
  let eos = false;
  const proc = spawn(GST_LAUNCH, args, { stdio: ['ignore', 'pipe', 'pipe'], env: t.env });
  const onLine = (l) => {
    const m = /^(\d+:\d+:\d+\.\d+) [0-9a-f]+$/.exec(l);
    if (m) { pts.push(parseClock(m[1])); return; }
    if (/Got EOS from element/.test(l)) eos = true;
    other.push(l);
    if (other.length > 200) other.shift();
  };
  for (const stream of [proc.stdout, proc.stderr]) {
    let buf = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk) => {
      buf += chunk;
      let i;
      while ((i = buf.indexOf('\n')) >= 0) { onLine(buf.slice(0, i)); buf = buf.slice(i + 1); }
    });
  }
  const code = await withTimeout(new Promise((resolve) => proc.on('exit', (c, sig) => resolve(sig || c))),
                                 timeoutMs, `reading the video timestamps of ${file}`).catch((e) => {
    try { process.kill(proc.pid, 'SIGKILL'); } catch (err) { /* gone */ }
    throw e;
  });
  assert(code === 0 && eos, `reading the video timestamps of ${file}: exited with ${code}` +
         `${eos ? '' : ', no EOS'}:\n${other.slice(-15).join('\n')}`);
  assert(pts.every(Number.isFinite), `a video buffer of ${file} has no timestamp`);
  return pts.sort((x, y) => x - y);
}

// The gaps between consecutive timestamps: { largest, at, skipped (the
// largest one starting in the first skipS), count over limit }.
// end: the file's end (s): the time from the last frame to it counts as a
// gap too (a recording whose video stops early).
function gapsOf(pts, skipS, limit, end) {
  const first = pts[0];
  let largest = 0;
  let at = NaN;
  let skipped = 0;
  let skippedAt = NaN;
  let over = 0;
  const long = [];  // gaps over 0.2 s: [start, length]
  for (let i = 1; i < pts.length; i++) {
    const g = pts[i] - pts[i - 1];
    if (g > 0.2) long.push([pts[i - 1], g]);
    if (pts[i - 1] - first < skipS) {
      if (g > skipped) { skipped = g; skippedAt = pts[i - 1]; }
      continue;
    }
    if (g > limit) over++;
    if (g > largest) { largest = g; at = pts[i - 1]; }
  }
  // The last frame lasts a frame (1/30 s); what follows it to the end is a gap.
  const trailing = pts.length ? Math.max(0, end - pts[pts.length - 1] - 1 / 30) : end;
  if (trailing > 0.2) long.push([pts[pts.length - 1], trailing]);
  if (trailing > limit) over++;
  if (trailing > largest) { largest = trailing; at = pts.length ? pts[pts.length - 1] : 0; }
  return { trailing, largest, at, skipped, skippedAt, over, long, frames: pts.length, first, last: pts[pts.length - 1] };
}

runTest(NAME, async (t) => {
  checkTcInstalled();
  if (!fs.existsSync(RECORD_BIN)) fail(`${RECORD_BIN} does not exist: build the project first`);
  makeLan(t);

  // The cap on what the visitor's machine sends, before anything crosses the link.
  tcInVisitor(['qdisc', 'add', 'dev', 'lan0', ...TC_SHAPE], `capping ${NS_VISITOR}'s lan0 to ${CAP_KBIT} kbit/s`);
  const q0 = visitorQdisc();
  assert(q0.kind === 'tbf', `the root qdisc of ${NS_VISITOR}'s lan0 is "${q0.kind}" after adding tbf`);
  info(`cap: ${NS_VISITOR} lan0: tc qdisc add dev lan0 ${TC_SHAPE.join(' ')}`);

  // The server machine: https/wss signalling and the recorder.
  const tls = await startServe(t, 'gst-webrtc-serve https', ['--port', String(TLS_PORT), '--self-signed']);
  const fpLine = await tls.child.waitForLine(/certificate SHA-256 ([0-9A-Fa-f:]+)/, 5000, 'its certificate fingerprint');
  const cert = fetchCertificate(tls.url);
  assert(cert.fingerprint256 === fpLine[1].toUpperCase(), `the certificate served on ${tls.url} has SHA-256 ` +
         `${cert.fingerprint256}, gst-webrtc-serve printed ${fpLine[1]}`);
  const certFile = path.join(t.tmpDir, 'served-cert.pem');
  fs.writeFileSync(certFile, cert.toString());
  const spki = crypto.createHash('sha256')
    .update(cert.publicKey.export({ type: 'spki', format: 'der' })).digest('base64');
  const outDir = path.join(t.tmpDir, 'recordings');
  fs.mkdirSync(outDir);
  const wssUrl = tls.url.replace(/^https/, 'wss');
  const recorderEnv = process.env.RECORDER_GST_DEBUG
    ? { GST_DEBUG: process.env.RECORDER_GST_DEBUG, GST_DEBUG_FILE: path.join(t.tmpDir, 'recorder.log'),
        GST_DEBUG_NO_COLOR: '1' }
    : {};
  const recorder = spawnIn(t, NS_SERVER, 'gst-webrtc-record', RECORD_BIN,
                           ['--server', wssUrl, '--ca-file', certFile, '--all', '--output', outDir, '--json'],
                           recorderEnv);
  await recorder.waitForLine(/waiting for a producer on wss:/, 10000,
                             `that it is connected to ${wssUrl} and waiting for producers`);

  // The visitor's machine: Chromium with default WebRTC settings publishes.
  await lanSettled();
  const browserArgs = [`--ignore-certificate-errors-spki-list=${spki}`];
  if (CAMERA === 'file') browserArgs.push(`--use-file-for-fake-video-capture=${await writeCameraFile(t)}`);
  const browser = await launchVisitorBrowser(t, browserArgs);
  if (NO_TWCC) {
    await browser.addInitScript(stripTransportCc);
    info('NO_TWCC: the browser is given remote descriptions without transport-cc (no transport feedback)');
  }
  const qOpen = visitorQdisc();
  const { page, peerId } = await openPublisher(t, browser, tls.url, {
    name: NAME, label: 'publisher', video: VIDEO || null,
    query: { width: String(WIDTH), height: String(HEIGHT), fps: '30' },
  });
  const started = await waitEvent(recorder, 'started', { timeoutMs: 20000, pred: (e) => e.producer === peerId });
  const c = await publisherSending(page, { minFrames: 1 });
  const connectedAt = c.connectedAt;
  const sessionId = c.sessionId;
  info(`the recorder started ${started.file}; the page sends ${c.stats.videoCodec} to it`);
  const caps = CAPS[c.stats.videoCodec];
  assert(caps, `the browser sends ${c.stats.videoCodec}, which this test does not know`);

  // Did the session negotiate transport-cc (what lets webrtcbin send feedback)?
  const sdp = await page.evaluate((id) => {
    const pc = window.gstsigPublish.peerConnection(id);
    const video = (d) => {
      if (!d) return '';
      const sections = d.sdp.split(/\r\nm=/);
      return sections.find((s) => s.startsWith('video')) || '';
    };
    return { localType: pc.localDescription && pc.localDescription.type,
             local: video(pc.localDescription), remote: video(pc.remoteDescription) };
  }, sessionId);
  const twcc = (s) => ({ ext: /a=extmap:\d+(\/\w+)? \S*transport-wide-cc/.test(s),
                         fb: /a=rtcp-fb:\S+ transport-cc/.test(s) });
  const twccLocal = twcc(sdp.local);
  const twccRemote = twcc(sdp.remote);
  const negotiatedTwcc = twccLocal.ext && twccRemote.ext;
  info(`transport-cc in the video section: the browser's ${sdp.localType} extmap ${twccLocal.ext} rtcp-fb ` +
       `${twccLocal.fb}; the recorder's (as given to the browser) extmap ${twccRemote.ext} rtcp-fb ${twccRemote.fb}`);
  if (NO_TWCC) {
    assert(!twccRemote.ext, 'NO_TWCC: the remote description still has transport-cc');
  } else {
    assert(negotiatedTwcc, `the session does not negotiate transport-cc (browser's ${sdp.localType}: ` +
           `${JSON.stringify(twccLocal)}, recorder's: ${JSON.stringify(twccRemote)}): webrtcbin sends no transport ` +
           `feedback, so this run does not test what issue 12 is about`);
  }

  // Sampling: SECONDS rows, one a second, from the first sample; with
  // each, what the tbf queue passed and dropped.
  const first = await sample(page, sessionId);
  const t0 = first.wall;
  const qStart = visitorQdisc();
  info(`sampling the publisher every second for ${SECONDS} s under the cap of ${CAP_KBIT} kbit/s ` +
       `(first sample ${((t0 - connectedAt) / 1000).toFixed(2)} s after connected); route ${first.route}`);
  console.log(HEADER);
  const rows = [];
  let prev = first;
  let prevQ = { ...qStart, wall: Date.now() };
  let prevRec = recorderStats(tls.child, sessionId);
  for (let i = 1; i <= SECONDS; i++) {
    await sleep(Math.max(0, t0 + i * 1000 - Date.now()));
    const s = await sample(page, sessionId);
    const q = { ...visitorQdisc(), wall: Date.now() };
    t.checkAlive(tls.child, recorder);
    if (s.state !== 'connected') {
      fail(`the publisher's peer connection is ${s.state} ${((s.wall - t0) / 1000).toFixed(1)} s into the sampling`);
    }
    const rec = recorderStats(tls.child, sessionId);
    const row = makeRow(prev, s, t0, prevQ, q, prevRec, rec);
    rows.push(row);
    console.log(formatRow(row));
    prev = s;
    prevQ = q;
    prevRec = rec;
  }
  const qEnd = prevQ;
  const last = prev;
  const lastRec = prevRec;

  // The figures of the sending.
  let settledAt = null;
  for (let k = rows.length - 1; k >= 0 && rows[k].kbitHdr <= CAP_KBIT; k--) settledAt = rows[k].start;
  const settleS = settledAt === null ? null : (settledAt - t0) / 1000;
  const after = settledAt === null ? [] : rows.filter((r) => r.start >= settledAt);
  const over = rows.filter((r) => r.kbitHdr > CAP_KBIT);
  const maxKbitHdr = Math.max(...rows.map((r) => r.kbitHdr));
  const tbf = { bytes: qEnd.bytes - qStart.bytes, packets: qEnd.packets - qStart.packets,
                drops: qEnd.drops - qStart.drops, overlimits: qEnd.overlimits - qStart.overlimits };
  const tbfAll = { bytes: qEnd.bytes - qOpen.bytes, packets: qEnd.packets - qOpen.packets,
                   drops: qEnd.drops - qOpen.drops };
  const sampleS = (last.wall - t0) / 1000;
  const lv = last.video || {};
  const fv = first.video || {};
  const sizes = [];
  for (const r of rows) if (r.size !== '-' && sizes[sizes.length - 1] !== r.size) sizes.push(r.size);
  const qld = lv.qualityLimitationDurations || {};
  const aobAfter = after.map((r) => r.aobKbit).filter(Number.isFinite);
  const aobAll = rows.map((r) => r.aobKbit).filter(Number.isFinite);
  const aobTail = rows.slice(-5).map((r) => r.aobKbit).filter(Number.isFinite);
  const tail = rows.slice(-10);

  console.log(`\n  summary (${NAME}: the browser's egress capped at ${CAP_KBIT} kbit/s; ${SECONDS} s sampled` +
              `${NO_TWCC ? '; NO_TWCC: transport-cc stripped in the browser' : ''})`);
  const line = (label, value) => console.log(`    ${label.padEnd(48)} ${value}`);
  line('video', `${fv.codec || '?'} (${lv.encoderImplementation || '?'}), camera ${CAMERA === 'file'
    ? `file (scrolling SMPTE bars) ${WIDTH}x${HEIGHT}@30` : `built-in, asked ${WIDTH}x${HEIGHT}@30`}; ` +
       `sizes sent: ${sizes.join(' -> ') || 'none'}`);
  line('transport-cc negotiated', `${negotiatedTwcc ? 'yes' : 'no'} (browser's ${sdp.localType}: extmap ` +
       `${twccLocal.ext}, recorder's: extmap ${twccRemote.ext}, rtcp-fb ${twccRemote.fb})`);
  line('first sample after connected', `${f1((t0 - connectedAt) / 1000)} s`);
  line('sent video (+hdr) under the cap for good from',
       settleS === null ? `never (over the cap in the last second: ${f1(rows[rows.length - 1].kbitHdr)} kbit/s)`
                        : `${f1(settleS)} s after the first sample`);
  line('seconds over the cap', over.length ? over.map((r) => `t=${f1(r.t)}: ${r.kbitHdr.toFixed(0)}`).join(', ')
                                           : `none (max ${maxKbitHdr.toFixed(0)} kbit/s)`);
  line('mean sent kbit/s after that (payload / +hdr)',
       after.length ? `${f1(mean(after.map((r) => r.kbit)))} / ${f1(mean(after.map((r) => r.kbitHdr)))} = ` +
                      `${f1(100 * mean(after.map((r) => r.kbitHdr)) / CAP_KBIT)} % of the cap (${after.length} s)`
                    : 'n/a');
  line('  + audio (with headers)', `${f1(mean(after.map((r) => r.audioKbitHdr)))} kbit/s`);
  line('last 10 s: video +hdr kbit/s, fps', `${f1(mean(tail.map((r) => r.kbitHdr)))}, ` +
       `${f1(mean(tail.map((r) => r.fps)))}`);
  line('availableOutgoingBitrate (kbit/s)',
       aobAll.length ? `first ${f1(aobAll[0])}, max ${f1(Math.max(...aobAll))}, last ${f1(aobAll[aobAll.length - 1])}, ` +
                       `mean after settling ${f1(mean(aobAfter))}, max of the last 5 s ${f1(Math.max(...aobTail))}`
                     : 'not reported');
  line('qualityLimitationDurations (s, whole session)',
       Object.entries(qld).map(([k, v]) => `${k} ${Number(v).toFixed(1)}`).join(', ') || 'n/a');
  line('encoded', `${(lv.framesEncoded ?? 0) - (fv.framesEncoded ?? 0)} frames in ${f1(sampleS)} s ` +
       `(${f1(((lv.framesEncoded ?? 0) - (fv.framesEncoded ?? 0)) / sampleS)} fps), ` +
       `${(lv.keyFramesEncoded ?? 0)} key frames in all; ${lv.nackCount ?? 0} NACKs, ${lv.pliCount ?? 0} PLIs, ` +
       `${lv.firCount ?? 0} FIRs received; ${lv.retransmittedPacketsSent ?? 0} packets retransmitted`);
  const rr = (r) => (r ? `${r.packetsLost} lost` + (r.reportsReceived === undefined ? '' : ` (${r.reportsReceived} ` +
                           'reports)') : 'no report');
  line('recorder\'s receiver reports', `video: ${rr(last.remote)} of ${lv.packetsSent ?? 'n/a'} packets sent; ` +
       `audio: ${rr(last.remoteAudio)}`);
  line('the recorder\'s own count (webrtcrecv stats)', lastRec
    ? `${lastRec['packets-received']} packets received, ${lastRec['packets-lost']} lost, ${lastRec['nack-count']} ` +
      `NACKs, ${lastRec['pli-count']} PLIs, ${lastRec['fir-count']} FIRs sent; ` +
      `seconds with r-fps < 5: ${rows.filter((r) => r.recFps !== undefined && r.recFps < 5).length}`
    : 'no stats message seen in the server\'s log');
  line('tbf on the visitor\'s lan0, while sampling', `sent ${tbf.packets} packets, ${tbf.bytes} bytes ` +
       `(${f1(tbf.bytes * 8 / 1000 / sampleS)} kbit/s); dropped ${tbf.drops} ` +
       `(${f1(100 * tbf.drops / Math.max(1, tbf.packets + tbf.drops))} %), ${tbf.overlimits} overlimits`);
  line('tbf, from the page opening to the end', `sent ${tbfAll.packets} packets, dropped ${tbfAll.drops}`);

  // Was the cap in the way at all?
  assert(qEnd.kind === 'tbf', `the root qdisc of ${NS_VISITOR}'s lan0 was "${qEnd.kind}" at the end, not tbf`);
  assert(tbf.packets > 0, `the tbf qdisc on ${NS_VISITOR}'s lan0 sent nothing: the media did not cross the cap`);
  assert(rows.some((r) => r.video), 'the publisher never had outbound video stats');

  // Issue 12's checks (test 4), the sending.
  const failures = [];
  if (settleS === null || settleS > SETTLE_S) {
    failures.push(`the sent video bitrate (payload + headers) did not settle under the cap of ${CAP_KBIT} kbit/s ` +
                  `within ${SETTLE_S} s of the first sample and stay there: ${settleS === null
                    ? 'over the cap in the last second' : `under it for good only from ${f1(settleS)} s`} ` +
                  `(seconds over: ${over.map((r) => `t=${f1(r.t)} ${r.kbitHdr.toFixed(0)}`).join(', ')} kbit/s)`);
  }

  // The recording: SIGINT, then its gaps and a full decode. With ASSERT=0
  // a failure here is reported with the others.
  const [cons] = await page.evaluate(() => window.gstsigPublish.refresh());
  const stoppedAt = Date.now();
  const publishSeconds = (stoppedAt - connectedAt) / 1000;
  try {
    const exitSeconds = await interruptRecorder(recorder);
    assert(recorder.exitCode === 0, `the recorder ${recorder.describeExit()} after SIGINT\n${recorder.tail()}`);
    const finished = events(recorder).find((e) => e.event === 'finished' && e.producer === peerId);
    assert(finished, `the recorder exited without a 'finished' event for ${peerId}\n${recorder.tail()}`);
    const errors = events(recorder).filter((e) => e.event === 'error');
    assert(errors.length === 0, `the recorder reported errors: ${JSON.stringify(errors)}`);
    info(`recorder exited ${exitSeconds.toFixed(2)} s after SIGINT: ${finished.file}, ${finished.bytes} bytes, ` +
         `${finished.duration.toFixed(2)} s`);
    await page.evaluate(() => window.gstsigPublish.stop());
    const file = path.resolve(finished.file);

    const stored = gapsOf(await videoTimestamps(t, file), START_SKIP_S, MAX_GAP_S, finished.duration);
    const decodedGaps = gapsOf(await videoTimestamps(t, file, { decoded: true }), START_SKIP_S, MAX_GAP_S,
                               finished.duration);
    const gapLine = (g) => `${g.frames} frames ${f1(g.first)}-${f1(g.last)} s; largest gap ${g.largest.toFixed(3)} s ` +
      `at ${f1(g.at)} s, ${g.over} over ${MAX_GAP_S} s; in the first ${START_SKIP_S} s (not counted) ` +
      `${g.skipped.toFixed(3)} s at ${f1(g.skippedAt)} s; to the file's end (${f1(finished.duration)} s) ` +
      `${g.trailing.toFixed(3)} s; gaps over 0.2 s (at s: length): ` +
      `${g.long.map(([a, l]) => `${a.toFixed(2)}: ${l.toFixed(3)}`).join(', ') || 'none'}`;
    line('recording: video as stored', gapLine(stored));
    line('recording: video as decoded', gapLine(decodedGaps));
    if (stored.largest > MAX_GAP_S) {
      failures.push(`the recording has a gap of ${stored.largest.toFixed(3)} s between video frames at ` +
                    `${f1(stored.at)} s (${stored.over} over ${MAX_GAP_S} s after its first ${START_SKIP_S} s), ` +
                    `expected none longer than ${MAX_GAP_S} s`);
    }
    const rec = await checkRecording(t, file, { videoCaps: caps, audio: true, publishSeconds,
                                                framesSent: cons ? cons.stats.framesSent : null, who: 'capped' });
    line('recording', `${rec.discovered.duration.toFixed(2)} s of ${publishSeconds.toFixed(2)} s published, ` +
         `${rec.decoded.video.frames} video frames decoded (${cons ? cons.stats.framesSent : '?'} sent), ` +
         `${rec.discovered.width}x${rec.discovered.height}`);
  } catch (e) {
    if (ASSERT) throw e;
    failures.push(`the recording: ${e.message}`);
  }

  if (failures.length === 0) {
    info('issue 12 test 4 checks: all met');
  } else if (ASSERT) {
    fail(`issue 12 (congestion control) test 4, ${failures.length} check(s) failed:\n  - ${failures.join('\n  - ')}`);
  } else {
    info(`ASSERT=0: not checked; would fail:\n  - ${failures.join('\n  - ')}`);
  }
}, { timeoutMs: (90 + SECONDS) * 1000, ownNamespaces: true });
