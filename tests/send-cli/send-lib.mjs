// Helpers of the gst-webrtc-send tests: start the tool and read its --json
// events, an Xvfb display showing a known picture, media files made with
// GStreamer, and what the viewer page shows (size, colour, codec, audio).
// Process handling, bounded waits and clean-up come from the browser tests'
// lib.mjs; event parsing from the record tests' helpers.
//
// SPDX-License-Identifier: LGPL-2.1-or-later

import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import { BUILD_ROOT, assert, fail, info, sleep, viewerDecoding, viewerProducer, viewerReady,
         waitFor, withTimeout } from '../browser/lib.mjs';
import { events, waitEvent, waitExit } from '../record/record-lib.mjs';

export { events, waitEvent, waitExit };

export const SEND_BIN = path.join(BUILD_ROOT, 'tools', 'gst-webrtc-send');

// The exit codes of gst-webrtc-send (tools/send/send-options.h).
export const EXIT = {
  OK: 0, BAD_OPTIONS: 1, NO_CAMERA: 2, CAMERA_BUSY: 3, NO_DISPLAY: 4, FILE_UNREADABLE: 5,
  NO_VIDEO: 6, UNSUPPORTED_CODEC: 7, SERVER_UNREACHABLE: 8, PORT_IN_USE: 9, OTHER: 10,
};

// gst-webrtc-send --json ARGS; returns the child.
export function startSender(ctx, args, name = 'gst-webrtc-send', env = {}) {
  if (!fs.existsSync(SEND_BIN)) fail(`${SEND_BIN} does not exist: build the project first`);
  return ctx.spawn(name, SEND_BIN, ['--json', ...args], env);
}

// Starts the tool on the embedded server (port 0); resolves to
// { child, url, started } once it plays.
export async function startServing(ctx, args, name, env = {}) {
  const child = startSender(ctx, ['--port', '0', ...args], name, env);
  const serving = await waitEvent(child, 'serving', { timeoutMs: 20000 });
  const started = await waitEvent(child, 'started', { timeoutMs: 20000 });
  info(`${name}: serving ${serving.url}; ${JSON.stringify(started)}`);
  return { child, url: serving.url, started };
}

// Opens the served viewer page, clicks the stream named `name` and waits
// until it decodes. Resolves to { page, tileId, tile }.
export async function watch(ctx, browser, url, name, label = 'viewer') {
  const page = await ctx.openPage(browser, url, label);
  await viewerReady(page);
  const p = await viewerProducer(page, name);
  await page.locator(`button.producer[data-peer-id="${p.id}"]`).click();
  const tileId = await waitFor(() => page.evaluate((id) => {
    const t = window.gstsig.tiles().find((x) => x.peerId === id && x.state !== 'ended');
    return t && t.id;
  }, p.id), { timeoutMs: 5000, what: 'a tile after clicking the stream' });
  const tile = await viewerDecoding(page, tileId, { minFrames: 10, timeoutMs: 25000 });
  return { page, tileId, tile };
}

// The <video> of a tile: its size, play position, and the colour of a few
// points (fractions of the picture) read back through a canvas.
export async function videoPicture(page, tileId, points = [[0.5, 0.5]]) {
  return page.evaluate(({ id, pts }) => {
    const v = document.querySelector(`#${id} video`);
    const out = { width: v.videoWidth, height: v.videoHeight, time: v.currentTime, colours: [] };
    if (!v.videoWidth) return out;
    const c = document.createElement('canvas');
    c.width = v.videoWidth;
    c.height = v.videoHeight;
    const g = c.getContext('2d', { willReadFrequently: true });
    g.drawImage(v, 0, 0);
    for (const [fx, fy] of pts) {
      const d = g.getImageData(Math.floor(fx * c.width), Math.floor(fy * c.height), 1, 1).data;
      out.colours.push([d[0], d[1], d[2]]);
    }
    return out;
  }, { id: tileId, pts: points });
}

export function colourNear(got, want, tolerance = 24) {
  return got.every((v, i) => Math.abs(v - want[i]) <= tolerance);
}

// Xvfb on a display number it picks itself (-displayfd), unix socket only.
// Resolves to ':N'. Stopped by PID at the end of the test.
export async function startXvfb(ctx, size = '1024x768') {
  const proc = spawn('Xvfb', ['-displayfd', '3', '-nolisten', 'tcp', '-screen', '0', `${size}x24`,
    '-noreset'], { stdio: ['ignore', 'ignore', 'pipe', 'pipe'] });
  let stderr = '';
  proc.stderr.on('data', (d) => { stderr += d; });
  const exited = new Promise((resolve) => proc.on('exit', resolve));
  ctx.onCleanup(async () => {
    try { process.kill(proc.pid, 'SIGTERM'); } catch (e) { return; }
    await Promise.race([exited, sleep(2000)]);
  });
  const display = await withTimeout(new Promise((resolve, reject) => {
    let buf = '';
    proc.stdio[3].on('data', (d) => {
      buf += d;
      if (buf.includes('\n')) resolve(`:${buf.trim()}`);
    });
    proc.on('error', (e) => reject(new Error(`cannot start Xvfb (${e.message}): apt-get install xvfb`)));
    proc.on('exit', (code) => reject(new Error(`Xvfb exited (${code}): ${stderr.slice(-500)}`)));
  }), 15000, 'Xvfb to report its display number');
  info(`Xvfb ${size} on ${display} (pid ${proc.pid})`);
  return display;
}

// A window at the top left of display showing a solid colour (0xRRGGBB),
// drawn by GStreamer's ximagesink.
export function drawColour(ctx, display, rgb, width, height) {
  return ctx.launch('picture', ['videotestsrc', 'pattern=solid-color',
    `foreground-color=${0xff000000 + rgb}`, '!',
    `video/x-raw,width=${width},height=${height},framerate=10/1`, '!',
    'ximagesink', `display=${display}`, 'sync=false', 'force-aspect-ratio=false']);
}

// Makes a test file with gst-launch-1.0: kind 'mp4' (H264 constrained
// baseline + AAC), 'webm' (VP8 + Opus), 'mp4-high' (H264 High + AAC).
export function makeFile(ctx, kind, { seconds = 4, width = 640, height = 480, fps = 30 } = {}) {
  const frames = seconds * fps;
  const file = path.join(ctx.tmpDir, `made-${kind}.${kind.startsWith('mp4') ? 'mp4' : 'webm'}`);
  const video = ['videotestsrc', `num-buffers=${frames}`, 'pattern=ball', '!',
    `video/x-raw,width=${width},height=${height},framerate=${fps}/1`, '!'];
  const audio = ['audiotestsrc', `num-buffers=${Math.ceil(seconds * 48000 / 1024)}`,
    'samplesperbuffer=1024', '!', 'audio/x-raw,rate=48000,channels=2', '!'];
  let args;
  if (kind === 'webm') {
    args = [...video, 'vp8enc', 'deadline=1', 'keyframe-max-dist=30', '!', 'queue', '!',
      'webmmux', 'name=m', '!', 'filesink', `location=${file}`,
      ...audio, 'opusenc', '!', 'queue', '!', 'm.'];
  } else {
    const profile = kind === 'mp4-high' ? 'high' : 'constrained-baseline';
    // ultrafast leaves out every High-profile tool: x264 then writes a
    // baseline stream whatever the caps say.
    const enc = kind === 'mp4-high' ? ['speed-preset=veryfast', 'bframes=2']
      : ['speed-preset=ultrafast', 'bframes=0'];
    args = [...video, 'x264enc', ...enc, 'key-int-max=30', '!', `video/x-h264,profile=${profile}`, '!',
      'h264parse', '!', 'queue', '!', 'mp4mux', 'name=m', '!', 'filesink', `location=${file}`,
      ...audio, 'avenc_aac', '!', 'aacparse', '!', 'queue', '!', 'm.'];
  }
  const r = spawnSync('gst-launch-1.0', ['-q', ...args], { encoding: 'utf8', timeout: 60000,
    env: ctx.env });
  assert(r.status === 0 && fs.existsSync(file), () => `could not make ${file}: ${r.stderr}`);
  info(`made ${file} (${fs.statSync(file).size} bytes, ${seconds} s ${width}x${height})`);
  return file;
}

// The last JSON 'status' event of the tool.
export function lastStatus(child) {
  const s = events(child).filter((e) => e.event === 'status');
  return s[s.length - 1];
}

// SIGINT, then the exit code and the 'stopped' event.
export async function interrupt(child, timeoutMs = 15000) {
  info(`SIGINT to ${child.name} (pid ${child.pid})`);
  process.kill(child.pid, 'SIGINT');
  const code = await waitExit(child, timeoutMs, 'stop after SIGINT');
  const stopped = events(child).find((e) => e.event === 'stopped');
  assert(code === EXIT.OK && stopped, `${child.name}: after SIGINT exit ${code}, stopped event ` +
    `${JSON.stringify(stopped)}\n${child.tail()}`);
  assert(events(child).some((e) => e.event === 'stopping'), `${child.name}: no 'stopping' event`);
}
