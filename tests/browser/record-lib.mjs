// Helpers of the recording tests: the publish page (tools/web/publish.html,
// window.gstsigPublish), a webrtcrecv recorder in gst-launch-1.0, and checks
// of the file it writes (gst-discoverer-1.0, a full decode).
// SPDX-License-Identifier: LGPL-2.1-or-later
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { assert, fail, info, sleep, waitFor, withTimeout, GST_LAUNCH } from './lib.mjs';

export const DISCOVERER = process.env.GST_DISCOVERER || 'gst-discoverer-1.0';

// Opens the publish page and waits until it is registered as a producer.
// Resolves to { page, peerId }.
export async function openPublisher(t, browser, httpUrl, { name = 'pub', video = null, only = false, audio = true,
                                                           query = {}, label = 'publisher' } = {}) {
  const q = new URLSearchParams({ autostart: '1', name, ...query });
  if (video) q.set('video', video);
  if (video && only) q.set('only', '1');
  if (!audio) q.set('audio', '0');
  const page = await t.openPage(browser, `${httpUrl}publish.html?${q}`, label);
  const peerId = await waitFor(async () => {
    const s = await page.evaluate(() => window.gstsigPublish &&
      { state: window.gstsigPublish.state(), detail: window.gstsigPublish.detail(),
        peerId: window.gstsigPublish.peerId() });
    if (s && s.state === 'failed') fail(`the publish page failed: ${s.detail}`);
    return s && s.state === 'live' && s.peerId;
  }, { timeoutMs: 15000, what: 'the publish page to capture the fake camera and register as a producer' });
  info(`${label}: live as "${name}", producer ${peerId}`);
  return { page, peerId };
}

// The publisher's consumers, with fresh stats.
export function publisherConsumers(page) {
  return page.evaluate(() => window.gstsigPublish.refresh());
}

// Waits for a consumer of the publish page to be connected and send video.
export async function publisherSending(page, { minFrames = 10, timeoutMs = 20000 } = {}) {
  return waitFor(async () => {
    const list = await publisherConsumers(page);
    const c = list.find((x) => x.state === 'connected' && x.stats.framesSent >= minFrames);
    return c || null;
  }, { timeoutMs, what: `the publish page to connect to its consumer and send ${minFrames} frames` });
}

// gst-launch-1.0 -e webrtcrecv ... matroskamux ! filesink: the recorder of the brief.
export function startRecorder(t, { wsUrl, producerId, file, audio = true, peerTimeout = null, name = 'recorder' }) {
  const u = new URL(wsUrl);
  if (producerId) u.searchParams.set('producer', producerId);
  const uri = u.toString();
  const recv = ['webrtcrecv', `uri=${uri}`, 'name=r'];
  if (peerTimeout) recv.push(`peer-timeout=${peerTimeout}`);
  const pipeline = ['-e', ...recv,
    'r.video_0', '!', 'queue', '!', 'matroskamux', 'name=m', '!', 'filesink', `location=${file}`];
  if (audio) pipeline.push('r.audio_0', '!', 'queue', '!', 'm.audio_0');
  // RECORDER_GST_DEBUG=categories: a debug log of the recorder next to its file.
  const extraEnv = {};
  if (process.env.RECORDER_GST_DEBUG) {
    extraEnv.GST_DEBUG = process.env.RECORDER_GST_DEBUG;
    extraEnv.GST_DEBUG_FILE = `${file}.log`;
    extraEnv.GST_DEBUG_NO_COLOR = '1';
  }
  const child = t.launch(name, pipeline, extraEnv);
  child.startedAt = Date.now();
  return child;
}

// Waits until the file exists and has grown past minBytes.
export async function fileGrowing(file, { minBytes = 20000, timeoutMs = 20000 } = {}) {
  return waitFor(() => {
    try { return fs.statSync(file).size >= minBytes ? fs.statSync(file).size : 0; } catch (e) { return 0; }
  }, { timeoutMs, intervalMs: 100, what: `${path.basename(file)} to grow past ${minBytes} bytes` });
}

// SIGINT (what Ctrl-C does; gst-launch -e turns it into EOS), then waits for
// the process to exit; returns the seconds it took. SIGKILL after timeoutMs.
export async function interruptRecorder(child, timeoutMs = 10000) {
  const t0 = Date.now();
  assert(!child.exited, () => `${child.name} ${child.describeExit()} before it was stopped\n${child.tail()}`);
  process.kill(child.pid, 'SIGINT');
  await Promise.race([child.exitPromise, sleep(timeoutMs)]);
  if (!child.exited) {
    try { process.kill(child.pid, 'SIGKILL'); } catch (e) { /* gone */ }
    await Promise.race([child.exitPromise, sleep(2000)]);
    fail(`${child.name} did not exit within ${timeoutMs} ms of SIGINT\n${child.tail()}`);
  }
  return (Date.now() - t0) / 1000;
}

// Waits for a child to exit by itself; resolves to the seconds waited.
export async function recorderExits(child, timeoutMs) {
  const t0 = Date.now();
  await withTimeout(child.exitPromise, timeoutMs, `${child.name} to finish by itself (EOS)`);
  return (Date.now() - t0) / 1000;
}

function runToEnd(t, name, cmd, args, timeoutMs) {
  const child = t.spawn(name, cmd, args);
  return withTimeout(child.exitPromise, timeoutMs, `${name} to finish`).then(() => child);
}

function parseClock(s) {
  const m = /(\d+):(\d+):(\d+(?:\.\d+)?)/.exec(s);
  return m ? Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]) : NaN;
}

// gst-discoverer-1.0 -v: { duration (s), video: caps name, audio: caps name,
// videoCaps, audioCaps, width, height }.
export async function discover(t, file) {
  const child = await runToEnd(t, `discoverer ${path.basename(file)}`, DISCOVERER, ['-v', file], 20000);
  const out = child.lines.map((l) => l.slice(5)).join('\n');
  assert(child.exitCode === 0, `gst-discoverer-1.0 ${child.describeExit()} on ${file}:\n${child.tail(30)}`);
  const d = /^\s*Duration:\s*(\S+)/m.exec(out);
  const r = { duration: d ? parseClock(d[1]) : NaN, video: null, audio: null, videoCaps: '', audioCaps: '', raw: out };
  for (const m of out.matchAll(/^\s*(video|audio) #\d+:\s*([^,\s]+)(.*)$/gm)) {
    if (!r[m[1]]) {
      r[m[1]] = m[2];
      r[m[1] + 'Caps'] = m[2] + m[3];
    }
  }
  const w = /width=\(int\)(\d+)/.exec(r.videoCaps);
  const h = /height=\(int\)(\d+)/.exec(r.videoCaps);
  r.width = w ? Number(w[1]) : 0;
  r.height = h ? Number(h[1]) : 0;
  return r;
}

// Decodes every stream of the Matroska file together (as a player would)
// and counts the decoded buffers of one of them with checksumsink, which
// prints one "PTS CHECKSUM" line per buffer (gst-launch -v's last-message
// notifications lose buffers). Two passes: video counted, then audio.
// Resolves to { video: {frames, first, last}, audio: {...} } (pts in s).
// Fails unless gst-launch-1.0 exits 0 after EOS.
export async function decodeToEnd(t, file, { audio = true, timeoutMs = 30000 } = {}) {
  const res = { video: { frames: 0, first: NaN, last: NaN }, audio: { frames: 0, first: NaN, last: NaN } };
  for (const kind of audio ? ['video', 'audio'] : ['video']) {
    const sink = (k) => (k === kind ? ['checksumsink', 'sync=false'] : ['fakesink', 'sync=false']);
    const args = ['filesrc', `location=${file}`, '!', 'matroskademux', 'name=d',
      'd.video_0', '!', 'queue', '!', 'decodebin', '!', ...sink('video')];
    if (audio) args.push('d.audio_0', '!', 'queue', '!', 'decodebin', '!', ...sink('audio'));
    info(`decode (${kind} counted): ${GST_LAUNCH} ${args.join(' ')}`);
    const s = res[kind];
    const other = [];
    let eos = false;
    const proc = spawn(GST_LAUNCH, args, { stdio: ['ignore', 'pipe', 'pipe'], env: t.env });
    const onLine = (l) => {
      const m = /^(\d+:\d+:\d+\.\d+) [0-9a-f]+$/.exec(l);
      if (m) {
        const pts = parseClock(m[1]);
        if (s.frames === 0) s.first = pts;
        s.frames++;
        s.last = pts;
        return;
      }
      if (/Got EOS from element/.test(l)) eos = true;
      other.push(l);
      if (other.length > 200) other.shift();
    };
    for (const stream of [proc.stdout, proc.stderr]) {
      let buf = '';
      stream.setEncoding('utf8');
      stream.on('data', (d) => {
        buf += d;
        let i;
        while ((i = buf.indexOf('\n')) >= 0) { onLine(buf.slice(0, i)); buf = buf.slice(i + 1); }
      });
    }
    const code = await withTimeout(new Promise((resolve) => proc.on('exit', (c, sig) => resolve(sig || c))),
                                   timeoutMs, `decoding ${file}`).catch((e) => {
      try { process.kill(proc.pid, 'SIGKILL'); } catch (err) { /* gone */ }
      throw e;
    });
    assert(code === 0, `decoding ${file} exited with ${code}:\n${other.slice(-15).join('\n')}`);
    assert(eos, `decoding ${file} never reached EOS:\n${other.slice(-15).join('\n')}`);
  }
  return res;
}

// Runs discover() and decodeToEnd() and checks codec, audio, duration against
// the publishing time (±tolerance) and that decoding goes to the file's end.
// framesSent: the sender's count shortly before the end, if known: at least
// 90% of those frames must be in the file and decode.
export async function checkRecording(t, file, { videoCaps, audio = true, publishSeconds, tolerance = 0.1,
                                                framesSent = null, who = '' }) {
  const p = who ? `${who}: ` : '';
  assert(fs.existsSync(file) && fs.statSync(file).size > 0, `${p}${file} is missing or empty`);
  // KEEP_RECORDINGS=DIR: a copy of every recording for a closer look.
  if (process.env.KEEP_RECORDINGS) {
    fs.mkdirSync(process.env.KEEP_RECORDINGS, { recursive: true });
    fs.copyFileSync(file, path.join(process.env.KEEP_RECORDINGS, path.basename(file)));
  }
  const d = await discover(t, file);
  const dec = await decodeToEnd(t, file, { audio });
  const v = dec.video;
  const a = dec.audio;
  info(`${p}file ${(fs.statSync(file).size / 1024).toFixed(0)} KiB, duration ${d.duration.toFixed(2)} s ` +
       `(published ${publishSeconds.toFixed(2)} s), video ${d.videoCaps.split(',').slice(0, 1)} ` +
       `${d.width}x${d.height}, audio ${d.audio}; decoded ${v.frames} video frames ` +
       `${v.first.toFixed(2)}-${v.last.toFixed(2)} s, ${a ? a.frames : 0} audio buffers ` +
       `${a ? `${a.first.toFixed(2)}-${a.last.toFixed(2)} s` : ''}`);
  assert(d.video === videoCaps, () => `${p}the file's video is ${d.video}, expected ${videoCaps}\n${d.raw}`);
  if (audio) assert(d.audio === 'audio/x-opus', () => `${p}the file's audio is ${d.audio}, expected audio/x-opus\n${d.raw}`);
  assert(Number.isFinite(d.duration), () => `${p}no duration in gst-discoverer's report:\n${d.raw}`);
  assert(Math.abs(d.duration - publishSeconds) <= publishSeconds * tolerance,
         `${p}the file lasts ${d.duration.toFixed(2)} s, the publisher sent for ${publishSeconds.toFixed(2)} s ` +
         `(allowed ±${(tolerance * 100).toFixed(0)}%)`);
  assert(v.frames > 0, `${p}no video frame decoded`);
  // Decoding reaches the end: the decoded frames span the file's duration
  // (to 0.5 s; the timeline need not start at 0).
  const videoSpan = v.last - v.first;
  if (framesSent) {
    assert(v.frames >= framesSent * 0.9,
           `${p}${v.frames} video frames decoded from the file, the browser sent ${framesSent}`);
  }
  assert(d.duration - videoSpan <= 0.5,
         `${p}decoded video spans ${v.first.toFixed(2)}-${v.last.toFixed(2)} s, the file lasts ${d.duration.toFixed(2)} s`);
  assert(v.frames >= videoSpan * 30 * 0.6,
         `${p}only ${v.frames} video frames decoded over ${videoSpan.toFixed(2)} s (expected about 30 fps)`);
  if (audio) {
    assert(a.frames > 0, `${p}no audio decoded`);
    assert(d.duration - (a.last - a.first) <= 0.5,
           `${p}decoded audio spans ${a.first.toFixed(2)}-${a.last.toFixed(2)} s, the file lasts ${d.duration.toFixed(2)} s`);
  }
  return { discovered: d, decoded: dec };
}

// The PIDs of the Chromium launched by t.launchBrowser(): its browser process
// (found by its unique --user-data-dir under this test's tmpDir) and every
// descendant. Exact PIDs, never names. exclude: browser PIDs of earlier
// launches in the same test.
export function chromiumPids(t, { exclude = [] } = {}) {
  const procs = new Map();  // pid -> { ppid, cmdline }
  for (const e of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${e}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const cmdline = fs.readFileSync(`/proc/${e}/cmdline`, 'utf8').split('\0');
      procs.set(Number(e), { ppid, cmdline });
    } catch (err) { /* gone */ }
  }
  const marker = `--user-data-dir=${t.tmpDir}${path.sep}chromium-profile-`;
  const roots = [...procs].filter(([, p]) => p.cmdline.some((a) => a.startsWith(marker)) &&
                                             !p.cmdline.some((a) => a.startsWith('--type='))).map(([pid]) => pid);
  // The browser process is the root of the tree: no ancestor among the roots.
  const main = roots.find((pid) => !roots.includes(procs.get(pid).ppid) && !exclude.includes(pid));
  if (!main) return { main: null, all: [] };
  const all = [main];
  for (let i = 0; i < all.length; i++) {
    for (const [pid, p] of procs) if (p.ppid === all[i] && !all.includes(pid)) all.push(pid);
  }
  return { main, all };
}

export function pidAlive(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\S+ \(.*\) Z/.test(stat);  // a zombie is dead
  } catch (e) { return false; }
}
