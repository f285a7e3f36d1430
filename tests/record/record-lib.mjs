// Helpers of the gst-webrtc-record tests: start the recorder, read its
// --json events, and check recorded files with gst-discoverer-1.0 and a
// decode of the whole file. Process handling, bounded waits and clean-up
// come from the browser tests' lib.mjs.
//
// SPDX-License-Identifier: LGPL-2.1-or-later

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import { BUILD_ROOT, assert, fail, info, sleep, withTimeout } from '../browser/lib.mjs';

export const RECORD_BIN = path.join(BUILD_ROOT, 'tools', 'gst-webrtc-record');

// The exit codes of gst-webrtc-record (tools/record/record-options.h).
export const EXIT = {
  OK: 0, BAD_OPTIONS: 1, OUTPUT_NOT_WRITABLE: 2, SERVER_UNREACHABLE: 3,
  PRODUCER_NOT_FOUND: 4, WRITE_ERROR: 5, NO_RECORDABLE_CODEC: 6,
};

// A small live producer (test pattern and tone) into webrtcsend.
export function startProducer(ctx, wsUrl, name, videoCodecs) {
  return ctx.startProducer({ uri: wsUrl, name, videoCodecs, width: 320, height: 240 });
}

// gst-webrtc-record with --json; returns the child.
export function startRecorder(ctx, args, name = 'gst-webrtc-record') {
  if (!fs.existsSync(RECORD_BIN)) fail(`${RECORD_BIN} does not exist: build the project first`);
  return ctx.spawn(name, RECORD_BIN, ['--json', ...args]);
}

// The JSON events printed so far.
export function events(child) {
  const out = [];
  for (const line of child.lines) {
    if (!line.startsWith('out: {')) continue;
    try { out.push(JSON.parse(line.slice(5))); } catch (e) { /* not an event */ }
  }
  return out;
}

// Waits for the n-th event of a kind (optionally matching pred); returns it.
export async function waitEvent(child, kind, { timeoutMs = 20000, count = 1, pred = () => true } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = events(child).filter((e) => e.event === kind && pred(e));
    if (found.length >= count) return found[count - 1];
    if (child.exited) {
      fail(`${child.name} ${child.describeExit()} before its '${kind}' event\n${child.tail()}`);
    }
    if (Date.now() > deadline) {
      fail(`timed out after ${timeoutMs} ms waiting for a '${kind}' event of ${child.name}\n${child.tail()}`);
    }
    await sleep(100);
  }
}

// Waits for the child to exit; returns its exit code.
export async function waitExit(child, timeoutMs, what = 'exit') {
  await withTimeout(child.exitPromise, timeoutMs, `${child.name} to ${what}\n${child.tail()}`);
  return child.exitCode;
}

// SIGINT/SIGTERM/SIGKILL to this child only.
export function signal(child, sig) {
  info(`${sig} to ${child.name} (pid ${child.pid})`);
  process.kill(child.pid, sig);
}

// gst-discoverer-1.0: { ok, duration (s, or null if unknown), video, audio, text }.
export function discover(file) {
  const r = spawnSync('gst-discoverer-1.0', [file], { encoding: 'utf8', timeout: 30000 });
  const text = `${r.stdout || ''}${r.stderr || ''}`;
  const m = /Duration: (\d+):(\d+):(\d+\.\d+)/.exec(text);
  let duration = m ? (+m[1]) * 3600 + (+m[2]) * 60 + (+m[3]) : null;
  if (m && +m[1] >= 99) duration = null; // 99:99:99.999999999: unknown
  return {
    ok: r.status === 0 && !/error was encountered/i.test(text),
    duration,
    video: (/^\s*video #\d+: (.*)$/m.exec(text) || [])[1] || null,
    audio: (/^\s*audio #\d+: (.*)$/m.exec(text) || [])[1] || null,
    text,
  };
}

// Decodes the whole file (every stream into a fakesink). Returns
// { ok, last: {video, audio} } with the last timestamps decoded, in s.
export function decodeToEnd(file) {
  const r = spawnSync('gst-launch-1.0', ['-v', 'filesrc', `location=${file}`, '!', 'decodebin',
    'name=d', 'd.', '!', 'queue', '!', 'fakesink', 'name=first', 'silent=false',
    'd.', '!', 'queue', '!', 'fakesink', 'name=second', 'silent=false'],
  { encoding: 'utf8', timeout: 60000, maxBuffer: 64 * 1024 * 1024 });
  const last = {};
  const re = /\/GstFakeSink:(first|second): last-message = chain .*?pts: (\d+):(\d+):(\d+\.\d+)/g;
  let m;
  while ((m = re.exec(r.stdout || ''))) {
    if (+m[2] > 1000) continue; // a buffer without timestamp
    last[m[1]] = (+m[2]) * 3600 + (+m[3]) * 60 + (+m[4]);
  }
  const ended = Math.max(...Object.values(last), 0);
  return { ok: r.status === 0, streams: Object.keys(last).length, last: ended,
           text: `${(r.stderr || '').slice(-2000)}` };
}

// The flags of the file's first video frame as the demuxer gives it:
// { ok, keyframe, text }.
export function firstVideoFrame(file) {
  const demux = file.endsWith('.mp4') ? 'qtdemux' : 'matroskademux';
  const r = spawnSync('gst-launch-1.0', ['-v', 'filesrc', `location=${file}`, '!', demux, 'name=d',
    'd.video_0', '!', 'fakesink', 'silent=false', 'num-buffers=1'],
  { encoding: 'utf8', timeout: 30000 });
  const m = /last-message = chain .*?flags: [0-9a-f]+ ([a-z -]*)/.exec(r.stdout || '');
  return { ok: !!m, keyframe: !!m && !/delta-unit/.test(m[1]), text: m ? m[0] : (r.stderr || '').slice(-1000) };
}

// Checks that file holds video and audio, lasts about expected s (within
// tolerance, a share) and decodes to its end.
export function checkRecording(file, expected, { tolerance = 0.15, codec = null } = {}) {
  assert(fs.existsSync(file), `${file} does not exist`);
  const d = discover(file);
  info(`${path.basename(file)}: ${fs.statSync(file).size} bytes, duration ${d.duration} s ` +
       `(expected ${expected.toFixed(2)} s), video ${d.video}, audio ${d.audio}`);
  assert(d.ok, () => `gst-discoverer-1.0 fails on ${file}:\n${d.text}`);
  assert(d.video && d.audio, () => `${file} lacks a track:\n${d.text}`);
  if (codec) assert(d.video.includes(codec), `${file}: video is ${d.video}, not ${codec}`);
  // Frames before the first keyframe cannot be decoded; a file of only
  // those fails in every player (seen once in record-all, 2026-12-07).
  const first = firstVideoFrame(file);
  assert(first.ok && first.keyframe, () => `${file}: the first video frame is not a keyframe: ${first.text}`);
  assert(d.duration !== null && Math.abs(d.duration - expected) <= tolerance * expected,
    () => `${file}: duration ${d.duration} s is not within ${tolerance * 100}% of ${expected.toFixed(2)} s`);
  const dec = decodeToEnd(file);
  info(`${path.basename(file)}: decoded ${dec.streams} streams up to ${dec.last.toFixed(2)} s`);
  assert(dec.ok && dec.streams === 2, () => `${file} does not decode:\n${dec.text}`);
  // mp4mux (1.22) writes a header duration up to ~0.6 s past the last
  // sample when the first audio timestamps step back (it logs "decreasing
  // DTS"); the content itself decodes to its end. Matroska is exact.
  const slack = file.endsWith('.mp4') ? 0.8 : 0.5;
  assert(dec.last >= d.duration - slack,
    `${file}: decoding stops at ${dec.last} s, before its end (${d.duration} s)`);
  return d;
}

// The media span the recorder reports (finished.duration) against the wall
// clock from its 'started' event to the stop: within tolerance (a share),
// allowing for what was held until every stream had its pad (< 1 s).
export function checkMediaSpan(finished, wall, { tolerance = 0.15 } = {}) {
  info(`${path.basename(finished.file)}: ${finished.duration.toFixed(2)} s of media for ` +
       `${wall.toFixed(2)} s recorded`);
  assert(finished.duration >= wall * (1 - tolerance) && finished.duration <= wall * (1 + tolerance) + 0.5,
    `${finished.file}: ${finished.duration} s of media for ${wall.toFixed(2)} s recorded`);
}

// The files in dir, as full paths.
export function listFiles(dir) {
  return fs.readdirSync(dir).map((f) => path.join(dir, f)).sort();
}

export function makeDir(ctx, name) {
  const dir = path.join(ctx.tmpDir, name);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}
