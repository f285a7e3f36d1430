// Shared helpers of the browser tests: child processes (gst-webrtc-serve,
// gst-launch-1.0), headless Chromium through playwright-core, bounded waits,
// clean-up by PID, and clear failure reports.
//
// Every test is a node script that calls runTest(); it exits 0 on success,
// 1 on failure (with the reason and the logs of what it started).
// Tests must run inside a loopback-only network namespace (run-in-netns.sh),
// or make their own namespaces (runTest's ownNamespaces, lan-tls.mjs).
//
// SPDX-License-Identifier: LGPL-2.1-or-later

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const HERE = path.dirname(fileURLToPath(import.meta.url));
export const SOURCE_ROOT = process.env.GST_WEBRTCSIGNAL_SOURCE_ROOT || path.resolve(HERE, '..', '..');
export const BUILD_ROOT = process.env.GST_WEBRTCSIGNAL_BUILD_ROOT || path.join(SOURCE_ROOT, 'build');
export const CHROMIUM = process.env.GST_WEBRTCSIGNAL_CHROMIUM || '/usr/bin/chromium';
export const SERVE_BIN = path.join(BUILD_ROOT, 'tools', 'gst-webrtc-serve');
export const GST_LAUNCH = process.env.GST_LAUNCH || 'gst-launch-1.0';

// How the programs announce where they listen. The one place to change
// should their wording change.
export const ANNOUNCE = {
  // gst-webrtc-serve: listening on http://127.0.0.1:PORT/
  serve: /gst-webrtc-serve: listening on (https?:\/\/[^\s/]+)/,
  // webrtcsend serve=127.0.0.1:0 posts an INFO message that gst-launch-1.0
  // (without -q) prints: "Serving the web app and signalling on http://127.0.0.1:PORT/"
  // with the debug text "webrtcsend: serving http://127.0.0.1:PORT/".
  element: /(?:\bwebrtcsend\b[^\n]*?\b(?:serving|listening)\b|\bServing the web app\b)[^\n]*?(https?:\/\/[^\s/]+)/,
};

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--use-fake-ui-for-media-stream',
  '--use-fake-device-for-media-stream=fps=30',
  '--allow-loopback-in-peer-connection',
  '--autoplay-policy=no-user-gesture-required',
  // Literal 127.0.0.1 host candidates instead of .local mDNS names, which
  // libnice 0.1.21 cannot resolve.
  '--disable-features=WebRtcHideLocalIpsWithMdns',
];

export class TestFailure extends Error {}

export function fail(message) {
  throw new TestFailure(message);
}

export function assert(cond, message) {
  if (!cond) throw new TestFailure(typeof message === 'function' ? message() : message);
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function now() {
  return (performance.now() / 1000).toFixed(2).padStart(7);
}

export function info(...args) {
  console.log(`[${now()}]`, ...args);
}

// Resolves with fn()'s first truthy value; fails after timeoutMs, saying
// what was awaited and the last value seen.
export async function waitFor(fn, { timeoutMs = 15000, intervalMs = 250, what = 'condition' } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last;
  let lastError;
  for (;;) {
    try {
      last = await fn();
      lastError = undefined;
      if (last) return last;
    } catch (e) {
      if (e instanceof TestFailure) throw e;
      lastError = e;
    }
    if (Date.now() >= deadline) {
      let detail = '';
      if (lastError) detail = `; last error: ${lastError.message}`;
      else if (last !== undefined) detail = `; last value: ${safeJson(last)}`;
      fail(`timed out after ${timeoutMs} ms waiting for ${what}${detail}`);
    }
    await sleep(intervalMs);
  }
}

export function safeJson(v) {
  try {
    const s = JSON.stringify(v);
    return s && s.length > 2000 ? s.slice(0, 2000) + '…' : s;
  } catch (e) {
    return String(v);
  }
}

// Rejects after ms with a TestFailure naming what took too long.
export function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new TestFailure(`timed out after ${ms} ms: ${what}`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

let playwright = null;
async function loadPlaywright() {
  if (playwright) return playwright;
  try {
    playwright = await import('playwright-core');
  } catch (e) {
    fail(`cannot load playwright-core (${e.code || e.message}).\n` +
         `The browser tests need their npm packages; install them once with:\n` +
         `    npm ci --prefix ${HERE}\n` +
         `(it only fetches playwright-core and gstwebrtc-api; no browser is downloaded).`);
  }
  return playwright;
}

export function nodeModule(...parts) {
  const p = path.join(HERE, 'node_modules', ...parts);
  if (!fs.existsSync(p)) {
    fail(`missing ${p}.\nInstall the test packages with:\n    npm ci --prefix ${HERE}`);
  }
  return p;
}

// Refuses to run outside a loopback-only network namespace: test traffic may
// only go to 127.0.0.1/::1. Under tests/janus/run-with-janus-net.sh the
// namespace also has that script's veth pair (jd0 with Janus' address, jd1).
function checkLoopbackOnly() {
  const bad = [];
  const janusNet = process.env.GST_WEBRTCSIGNAL_JANUS_ADDRESS ? ['jd0', 'jd1'] : [];
  for (const [name, addrs] of Object.entries(os.networkInterfaces())) {
    if (janusNet.includes(name)) continue;
    for (const a of addrs || []) {
      if (!a.internal) bad.push(`${name} ${a.address}`);
    }
  }
  if (bad.length) {
    fail(`this test must run in a loopback-only network namespace, but sees: ${bad.join(', ')}.\n` +
         `Run it as: ${path.join(HERE, 'run-in-netns.sh')} node ${process.argv[1]}`);
  }
}

// A child process with captured output.
class Child {
  constructor(name, cmd, args, env) {
    this.name = name;
    this.cmd = cmd;
    this.args = args;
    this.lines = [];
    this.exited = false;
    this.exitCode = null;
    this.signal = null;
    this.watchers = new Set();
    this.proc = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
    this.pid = this.proc.pid;
    this.exitPromise = new Promise((resolve) => {
      this.proc.on('exit', (code, signal) => {
        this.exited = true;
        this.exitCode = code;
        this.signal = signal;
        for (const w of this.watchers) w();
        resolve();
      });
    });
    this.proc.on('error', (e) => {
      this.lines.push(`[spawn error] ${e.message}`);
      this.spawnError = e;
      this.exited = true;
      for (const w of this.watchers) w();
    });
    for (const [stream, tag] of [[this.proc.stdout, 'out'], [this.proc.stderr, 'err']]) {
      let buf = '';
      stream.setEncoding('utf8');
      stream.on('data', (data) => {
        buf += data;
        let i;
        while ((i = buf.indexOf('\n')) >= 0) {
          this.addLine(tag, buf.slice(0, i));
          buf = buf.slice(i + 1);
        }
      });
      stream.on('end', () => { if (buf) this.addLine(tag, buf); buf = ''; });
    }
  }

  addLine(tag, line) {
    this.lines.push(`${tag}: ${line}`);
    if (this.lines.length > 4000) this.lines.splice(0, this.lines.length - 3000);
    for (const w of this.watchers) w();
  }

  describeExit() {
    if (this.spawnError) return `could not start (${this.spawnError.message})`;
    return this.signal ? `was killed by ${this.signal}` : `exited with status ${this.exitCode}`;
  }

  tail(n = 40) {
    return this.lines.slice(-n).map((l) => `    ${l}`).join('\n');
  }

  // Resolves with the first match of re in the output (stdout or stderr).
  waitForLine(re, timeoutMs, what) {
    return new Promise((resolve, reject) => {
      let timer = null;
      const check = () => {
        for (const l of this.lines) {
          const m = re.exec(l.slice(5));
          if (m) { done(); resolve(m); return; }
        }
        if (this.exited) {
          done();
          reject(new TestFailure(`${this.name} ${this.describeExit()} before ${what}\n` +
                                 `  last output of ${this.name}:\n${this.tail()}`));
        }
      };
      const done = () => { clearTimeout(timer); this.watchers.delete(check); };
      timer = setTimeout(() => {
        done();
        reject(new TestFailure(`timed out after ${timeoutMs} ms waiting for ${this.name} to announce ${what}\n` +
                               `  last output of ${this.name}:\n${this.tail()}`));
      }, timeoutMs);
      this.watchers.add(check);
      check();
    });
  }

  // SIGTERM, then SIGKILL if it does not go within graceMs. Only this PID.
  async stop(graceMs = 3000) {
    if (this.exited || !this.pid) return;
    try { process.kill(this.pid, 'SIGTERM'); } catch (e) { return; }
    await Promise.race([this.exitPromise, sleep(graceMs)]);
    if (this.exited) return;
    try { process.kill(this.pid, 'SIGKILL'); } catch (e) { return; }
    await Promise.race([this.exitPromise, sleep(2000)]);
  }
}

// The context handed to a test body.
class TestContext {
  constructor(name) {
    this.name = name;
    this.tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), `gstsig-${name}-`));
    this.children = [];
    this.pages = [];
    this.pageLog = [];
    this.pageErrors = [];
    this.contexts = [];
    this.servers = [];
    this.cleanups = [];
    this.teardowns = [];
    this.env = this.makeEnv();
  }

  makeEnv() {
    const env = { ...process.env };
    if (!env.GST_PLUGIN_PATH_1_0 && !env.GST_PLUGIN_PATH) {
      env.GST_PLUGIN_PATH_1_0 = [path.join(BUILD_ROOT, 'plugins', 'webrtcsignal'),
                                 path.join(BUILD_ROOT, 'plugins', 'rtpdiag')].join(':');
    }
    if (!env.GST_REGISTRY) env.GST_REGISTRY = path.join(this.tmpDir, 'registry.bin');
    if (!env.GST_DEBUG) env.GST_DEBUG = '*:1';
    return env;
  }

  // Starts a child process; it is stopped (by PID) when the test ends.
  spawn(name, cmd, args, extraEnv = {}) {
    info(`start ${name}: ${cmd} ${args.join(' ')}`);
    const child = new Child(name, cmd, args, { ...this.env, ...extraEnv });
    this.children.push(child);
    return child;
  }

  // Fails at once if a child that should still run has gone.
  checkAlive(...children) {
    for (const c of children) {
      if (c.exited) fail(`${c.name} ${c.describeExit()} during the test\n  last output of ${c.name}:\n${c.tail()}`);
    }
  }

  // gst-webrtc-serve on a free loopback port. Resolves to { child, httpUrl, wsUrl }.
  async startServer({ args = [], timeoutMs = 10000 } = {}) {
    if (!fs.existsSync(SERVE_BIN)) {
      fail(`${SERVE_BIN} does not exist: build the project first (ninja -C ${BUILD_ROOT})`);
    }
    const child = this.spawn('gst-webrtc-serve', SERVE_BIN, ['--host', '127.0.0.1', '--port', '0', ...args]);
    const m = await child.waitForLine(ANNOUNCE.serve, timeoutMs, 'its listening address');
    const httpUrl = m[1] + '/';
    const wsUrl = httpUrl.replace(/^http/, 'ws');
    info(`gst-webrtc-serve listens on ${httpUrl}`);
    return { child, httpUrl, wsUrl };
  }

  // gst-launch-1.0 with a pipeline given as an argument list. Not -q: its
  // messages (state changes, INFO such as serve='s URL, errors) go to the log.
  launch(name, pipeline, extraEnv = {}) {
    return this.spawn(name, GST_LAUNCH, pipeline, extraEnv);
  }

  // A live 640x480@30 test pattern and a tone into webrtcsend.
  // opts: { uri, serve, name, videoCodecs, audioCodecs, width, height, fps, audio, extra, env }
  // (extra: more webrtcsend properties; env: more environment variables)
  startProducer(opts) {
    const { uri, serve, name = 'test', videoCodecs, audioCodecs, width = 640, height = 480,
            fps = 30, audio = true, extra = [], env = {} } = opts;
    const sendArgs = ['webrtcsend', 'name=s'];
    if (uri) sendArgs.push(`uri=${uri}`);
    if (serve) sendArgs.push(`serve=${serve}`);
    sendArgs.push(`meta=meta,name=${name}`);
    if (videoCodecs) sendArgs.push(`video-codecs=${videoCodecs}`);
    if (audioCodecs) sendArgs.push(`audio-codecs=${audioCodecs}`);
    sendArgs.push(...extra);
    const pipeline = [
      'videotestsrc', 'is-live=true', 'pattern=ball', '!',
      `video/x-raw,width=${width},height=${height},framerate=${fps}/1`, '!',
      ...sendArgs,
    ];
    if (audio) pipeline.push('audiotestsrc', 'is-live=true', 'wave=sine', '!', 's.');
    return this.launch(`producer ${name}`, pipeline, env);
  }

  // The URL that `webrtcsend serve=127.0.0.1:0` announces.
  async elementUrl(child, timeoutMs = 15000) {
    const m = await child.waitForLine(ANNOUNCE.element, timeoutMs, 'the address of its embedded server');
    const httpUrl = m[1] + '/';
    return { httpUrl, wsUrl: httpUrl.replace(/^http/, 'ws') };
  }

  // A static HTTP server on 127.0.0.1: files maps URL paths to local files.
  async serveFiles(files) {
    const types = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript',
                    '.css': 'text/css', '.map': 'application/json' };
    const server = http.createServer((req, res) => {
      const p = new URL(req.url, 'http://x').pathname;
      const file = files[p];
      if (!file) { res.writeHead(404); res.end('not found'); return; }
      res.writeHead(200, { 'content-type': types[path.extname(file)] || 'application/octet-stream',
                           'cache-control': 'no-store' });
      fs.createReadStream(file).pipe(res);
    });
    await new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', resolve);
    });
    this.servers.push(server);
    return `http://127.0.0.1:${server.address().port}/`;
  }

  // Headless Chromium with a fresh profile. Resolves to a BrowserContext.
  // executablePath: another program in Chromium's place (a wrapper that
  // runs it in a network namespace); args: instead of CHROMIUM_ARGS.
  async launchBrowser({ executablePath = CHROMIUM, args = CHROMIUM_ARGS } = {}) {
    const { chromium } = await loadPlaywright();
    if (!fs.existsSync(CHROMIUM)) fail(`${CHROMIUM} not found: apt-get install chromium`);
    const userDataDir = fs.mkdtempSync(path.join(this.tmpDir, 'chromium-profile-'));
    info(`start chromium (profile ${userDataDir})`);
    // Not the GLib/malloc debugging meant for our GStreamer processes.
    const env = { ...process.env };
    delete env.G_DEBUG;
    delete env.MALLOC_PERTURB_;
    const context = await withTimeout(chromium.launchPersistentContext(userDataDir, {
      executablePath,
      env,
      headless: true,
      args,
      viewport: { width: 1280, height: 860 },
      timeout: 30000,
    }), 40000, 'launching chromium');
    this.contexts.push(context);
    return context;
  }

  // Opens url in a new tab, recording its console and uncaught errors.
  async openPage(context, url, label = `page${this.pages.length + 1}`) {
    const page = await context.newPage();
    page.setDefaultTimeout(15000);
    page.on('console', (m) => this.pageLog.push(`${label} ${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => {
      this.pageLog.push(`${label} UNCAUGHT: ${e.message}`);
      this.pageErrors.push(`${label}: ${e.message}`);
    });
    this.pages.push({ page, label });
    info(`${label}: open ${url}`);
    await page.goto(url, { waitUntil: 'load', timeout: 15000 });
    return page;
  }

  // Fails if a page threw an uncaught exception.
  checkPageErrors() {
    assert(this.pageErrors.length === 0, () => `uncaught exception in the page: ${this.pageErrors.join('; ')}`);
  }

  onCleanup(fn) {
    this.cleanups.push(fn);
  }

  // Runs fn at the very end, after the browsers and child processes are
  // stopped (e.g. to delete network namespaces the test made). Up to 15 s;
  // if it throws, the test fails.
  onTeardown(fn) {
    this.teardowns.push(fn);
  }

  async diagnostics() {
    const out = [];
    for (const { page, label } of this.pages) {
      try {
        const file = path.join(this.tmpDir, `${label}.png`);
        await withTimeout(page.screenshot({ path: file, timeout: 5000 }), 6000, 'screenshot');
        out.push(`  screenshot of ${label}: ${file}`);
      } catch (e) { /* page gone */ }
    }
    for (const c of this.children) {
      out.push(`  ${c.name} (pid ${c.pid}, ${c.exited ? c.describeExit() : 'running'}), last output:`);
      out.push(c.tail(60) || '    (none)');
    }
    if (this.pageLog.length) {
      out.push('  browser console (last lines):');
      out.push(this.pageLog.slice(-60).map((l) => `    ${l}`).join('\n'));
    }
    return out.join('\n');
  }

  async cleanup() {
    for (const fn of this.cleanups.reverse()) {
      try { await withTimeout(Promise.resolve().then(fn), 5000, 'cleanup'); } catch (e) { /* best effort */ }
    }
    for (const context of this.contexts) {
      try { await withTimeout(context.close(), 10000, 'closing chromium'); } catch (e) {
        info(`chromium did not close: ${e.message}`);
      }
    }
    for (const server of this.servers) server.close();
    await Promise.all(this.children.map((c) => c.stop()));
    // A teardown that fails (a namespace left behind) fails the test.
    const failed = [];
    for (const fn of this.teardowns.reverse()) {
      try { await withTimeout(Promise.resolve().then(fn), 15000, 'teardown'); } catch (e) {
        failed.push(e.message);
      }
    }
    if (failed.length) throw new Error(failed.join('; '));
  }
}

let running = false;

// Runs body(ctx) bounded by timeoutMs; prints PASS/FAIL; exits the process.
// ownNamespaces: the test runs in the machine's namespace and puts every
// process that talks to the network in namespaces it makes itself (needs
// root), instead of running inside run-in-netns.sh.
export function runTest(name, body, { timeoutMs = 100000, ownNamespaces = false } = {}) {
  if (running) throw new Error('runTest called twice');
  running = true;
  const ctx = new TestContext(name);
  let finished = false;

  const finish = async (error) => {
    if (finished) return;
    finished = true;
    clearTimeout(globalTimer);
    let code = 0;
    if (error) {
      code = 1;
      const msg = error instanceof TestFailure ? error.message : (error.stack || String(error));
      console.error(`\nFAIL ${name}: ${msg}`);
      try {
        console.error(await withTimeout(ctx.diagnostics(), 20000, 'collecting diagnostics'));
      } catch (e) { console.error(`  (diagnostics: ${e.message})`); }
      console.error(`  files kept in ${ctx.tmpDir}`);
    }
    try { await withTimeout(ctx.cleanup(), 30000, 'cleanup'); } catch (e) {
      console.error(`${error ? '' : `\nFAIL ${name}: `}cleanup: ${e.message}`);
      code = code || 1;
    }
    if (code === 0) {
      try { fs.rmSync(ctx.tmpDir, { recursive: true, force: true }); } catch (e) { /* ignore */ }
      console.log(`PASS ${name}`);
    }
    process.exit(code);
  };

  const globalTimer = setTimeout(() => {
    finish(new TestFailure(`test did not finish within ${timeoutMs / 1000} s`));
  }, timeoutMs);

  process.on('uncaughtException', (e) => finish(e));
  process.on('unhandledRejection', (e) => finish(e instanceof Error ? e : new Error(String(e))));
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(sig, () => finish(new TestFailure(`interrupted by ${sig}`)));
  }

  (async () => {
    if (!ownNamespaces) checkLoopbackOnly();
    await loadPlaywright(); /* fail early, before starting anything */
    await body(ctx);
    ctx.checkPageErrors();
  })().then(() => finish(null), (e) => finish(e));
}

// ---------------------------------------------------------------------------
// Helpers for our viewer page (tools/web, window.gstsig).

// Waits until the viewer lists a producer whose meta name is name; returns it.
export async function viewerProducer(page, name, timeoutMs = 20000) {
  return waitFor(async () => {
    const list = await page.evaluate(() => window.gstsig && window.gstsig.producers());
    return (list || []).find((p) => p.meta && p.meta.name === name);
  }, { timeoutMs, what: `the viewer to list a producer named "${name}"` });
}

export async function viewerReady(page, timeoutMs = 10000) {
  await waitFor(() => page.evaluate(() => window.gstsig && window.gstsig.state() === 'ready'),
                { timeoutMs, what: 'the viewer to register with the signalling server' });
}

export async function viewerTile(page, tileId) {
  const tiles = await page.evaluate(() => window.gstsig.refresh());
  const t = tiles.find((x) => x.id === tileId);
  assert(t, `tile ${tileId} vanished`);
  return t;
}

// Waits for a tile to be connected and to decode at least minFrames frames.
export async function viewerDecoding(page, tileId, { minFrames = 30, timeoutMs = 20000 } = {}) {
  return waitFor(async () => {
    const t = await viewerTile(page, tileId);
    if (t.state === 'failed' || t.state === 'ended') {
      fail(`tile ${tileId} is ${t.state}: ${t.detail}`);
    }
    return t.state === 'connected' && t.stats.framesDecoded >= minFrames ? t : null;
  }, { timeoutMs, what: `tile ${tileId} to be connected and decode ${minFrames} frames` });
}

// Two stats samples `seconds` apart; the decode rate between them. With fps
// given, a window off by more than 20% is measured again, up to `attempts`
// windows in all (a transient stall of a loaded 2-core machine is not what
// the test is about; a sustained wrong rate still fails). m.windows lists
// every window's rate.
export async function measureTile(page, tileId, { seconds = 3, fps = null, attempts = 3 } = {}) {
  const windows = [];
  let m;
  for (let i = 0; i < attempts; i++) {
    const a = await viewerTile(page, tileId);
    await sleep(seconds * 1000);
    const b = await viewerTile(page, tileId);
    const dt = (b.stats.timestamp - a.stats.timestamp) / 1000;
    const rate = dt > 0 ? (b.stats.framesDecoded - a.stats.framesDecoded) / dt : 0;
    windows.push(Number(rate.toFixed(1)));
    m = { before: a, after: b, seconds: dt, fps: rate, windows };
    if (fps === null || Math.abs(rate - fps) <= fps * 0.2) break;
    info(`tile ${tileId}: ${rate.toFixed(1)} fps in this ${seconds} s window, measuring again`);
  }
  return m;
}

// The checks on what a user sees, shared by the tests.
export function assertMedia(m, { width = 640, height = 480, fps = 30, codec = null, audio = true, who = '' }) {
  const s = m.after.stats;
  const p = who ? `${who}: ` : '';
  assert(s.framesDecoded > m.before.stats.framesDecoded,
         `${p}no video frame decoded in ${m.seconds.toFixed(1)} s (framesDecoded stayed ${s.framesDecoded})`);
  assert(s.width === width && s.height === height,
         `${p}decoded resolution is ${s.width}x${s.height}, expected ${width}x${height}`);
  assert(Math.abs(m.fps - fps) <= fps * 0.2,
         `${p}decoded ${m.fps.toFixed(1)} fps over ${m.seconds.toFixed(1)} s, expected ${fps} ± 20%` +
         (m.windows && m.windows.length > 1 ? ` (windows: ${m.windows.join(', ')} fps)` : ''));
  if (codec) {
    assert(s.videoCodec.toLowerCase() === codec.toLowerCase(),
           `${p}video codec is "${s.videoCodec}", expected "${codec}"`);
  }
  if (audio) {
    assert(s.audioPacketsReceived > 0, `${p}no audio packet received`);
    assert(s.audioPacketsReceived > m.before.stats.audioPacketsReceived,
           `${p}audio stopped flowing (${s.audioPacketsReceived} packets, no new ones)`);
  }
}
