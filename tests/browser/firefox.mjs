// Firefox ESR (Debian's firefox-esr) with our own web pages, both ways:
// 1. Firefox views webrtcsend: `webrtcsend serve=127.0.0.1:0` (640x480@30
//    test pattern + tone) serves the viewer page; Firefox opens it, clicks
//    the producer and must decode VP8 at the source's size and rate (getStats
//    framesDecoded, ±20% as the Chromium tests) and receive Opus packets.
// 2. Firefox publishes its fake camera and microphone with publish.html to
//    gst-webrtc-serve; webrtcrecv records it into Matroska: the file must
//    hold VP8 and Opus, last as long as Firefox sent and decode to its end.
//
// Playwright cannot drive Debian's Firefox, but Firefox speaks WebDriver
// BiDi: it runs headless with a profile this test writes (fake devices, no
// permission prompt, nothing that reaches the internet), and the test drives
// it over BiDi's WebSocket (node's WebSocket: `--experimental-websocket` on
// node 20) through a page object with the few playwright Page methods that
// lib.mjs and record-lib.mjs call (goto, evaluate, on, screenshot, close), so
// the helpers of the Chromium tests read window.gstsig/window.gstsigPublish
// here too. No change to the product pages.
//
// Firefox gathers host candidates only on its "default address" (a page
// without camera permission, as the viewer, gets no other), which it takes
// from the routing table: in run-in-netns.sh's namespace (lo only, no route)
// it offers no UDP candidate and ICE fails. `ip route add default dev lo` is
// not enough: that route's source address is 0.0.0.0; with `src 127.0.0.1`
// Firefox offers 127.0.0.1. The test adds that route inside the namespace.
// SPDX-License-Identifier: LGPL-2.1-or-later
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {
  runTest, info, assert, fail, sleep, waitFor, withTimeout, safeJson,
  viewerReady, viewerProducer, viewerDecoding, measureTile, assertMedia,
} from './lib.mjs';
import {
  openPublisher, publisherSending, startRecorder, fileGrowing, interruptRecorder, checkRecording, pidAlive,
} from './record-lib.mjs';

const FIREFOX = process.env.GST_WEBRTCSIGNAL_FIREFOX || '/usr/bin/firefox-esr';
const RECORD_SECONDS = 6;

// The profile's user.js. Fake devices without a prompt, autoplay, and every
// service that would try the network off. ICE: without ice.loopback Firefox
// never connects on loopback; with obfuscate_host_addresses on (its default)
// it offers a .local name that libnice 0.1.21 cannot resolve and connects only
// because its checks reach us (peer-reflexive): off, as the Chromium tests
// turn mDNS hiding off, so that the pair is 127.0.0.1 on both ends.
const PREFS = {
  'media.navigator.streams.fake': true,
  'media.navigator.permission.disabled': true,
  'media.autoplay.default': 0,
  'media.autoplay.blocking_policy': 0,
  'media.peerconnection.ice.loopback': true,
  'media.peerconnection.ice.obfuscate_host_addresses': false,
  'app.update.enabled': false,
  'app.update.auto': false,
  'app.normandy.enabled': false,
  'browser.shell.checkDefaultBrowser': false,
  'browser.startup.homepage_override.mstone': 'ignore',
  'browser.startup.page': 0,
  'browser.aboutwelcome.enabled': false,
  'browser.newtabpage.enabled': false,
  'browser.newtabpage.activity-stream.feeds.topsites': false,
  'browser.newtabpage.activity-stream.feeds.section.topstories': false,
  'browser.search.update': false,
  'browser.safebrowsing.malware.enabled': false,
  'browser.safebrowsing.phishing.enabled': false,
  'browser.safebrowsing.downloads.enabled': false,
  'browser.safebrowsing.blockedURIs.enabled': false,
  'browser.safebrowsing.provider.mozilla.updateURL': '',
  'browser.ping-centre.telemetry': false,
  'browser.discovery.enabled': false,
  'datareporting.policy.dataSubmissionEnabled': false,
  'datareporting.healthreport.uploadEnabled': false,
  'toolkit.telemetry.enabled': false,
  'toolkit.telemetry.unified': false,
  'toolkit.telemetry.archive.enabled': false,
  'toolkit.telemetry.server': '',
  'extensions.update.enabled': false,
  'extensions.getAddons.cache.enabled': false,
  'extensions.systemAddon.update.enabled': false,
  'extensions.blocklist.enabled': false,
  'network.captive-portal-service.enabled': false,
  'network.connectivity-service.enabled': false,
  'network.dns.disablePrefetch': true,
  'network.prefetch-next': false,
  'network.http.speculative-parallel-limit': 0,
  'services.settings.server': 'http://127.0.0.1:9/',
  'media.gmp-manager.updateEnabled': false,
  'media.gmp-gmpopenh264.enabled': false,
  'geo.enabled': false,
  'dom.push.enabled': false,
  'identity.fxaccounts.enabled': false,
  'remote.log.level': 'Warn',
};

function userJs(prefs) {
  return Object.entries(prefs).map(([k, v]) => `user_pref(${JSON.stringify(k)}, ${JSON.stringify(v)});`)
    .join('\n') + '\n';
}

function ip(args, what) {
  const r = spawnSync('ip', args, { encoding: 'utf8', timeout: 5000 });
  if (r.error) fail(`${what}: cannot run ip (iproute2): ${r.error.message}`);
  return r;
}

// Firefox's default address comes from the routing table; the namespace has
// none. Only inside the test's own namespace (run-in-netns.sh marks it).
function giveDefaultRoute() {
  if (ip(['route', 'show', 'default'], 'reading the routes').stdout.trim()) return;
  assert(process.env.GST_WEBRTCSIGNAL_NETNS === '1',
         'no default route and not in run-in-netns.sh\'s namespace: refusing to add one here');
  const r = ip(['route', 'add', 'default', 'dev', 'lo', 'src', '127.0.0.1'], 'adding a default route');
  assert(r.status === 0, `ip route add default dev lo src 127.0.0.1 failed: ${r.stderr}`);
  info('added "default dev lo src 127.0.0.1" to the namespace\'s routes (Firefox\'s default address)');
}

// PID -> parent PID, from /proc.
function parents() {
  const out = new Map();
  for (const e of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${e}/stat`, 'utf8');
      out.set(Number(e), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch (err) { /* gone */ }
  }
  return out;
}

// pid and every descendant of it (Firefox's content, socket, RDD... processes).
function processTree(pid) {
  const pp = parents();
  const all = [pid];
  for (let i = 0; i < all.length; i++) {
    for (const [p, parent] of pp) if (parent === all[i] && !all.includes(p)) all.push(p);
  }
  return all;
}

// A WebDriver BiDi session over a WebSocket.
class Bidi {
  constructor(url, onEvent) {
    this.url = url;
    this.nextId = 1;
    this.pending = new Map();
    this.onEvent = onEvent;
  }

  async open() {
    if (typeof WebSocket !== 'function') {
      fail('this node has no global WebSocket: run it with --experimental-websocket (node 20) or use node 22+');
    }
    this.ws = new WebSocket(this.url);
    await withTimeout(new Promise((resolve, reject) => {
      this.ws.onopen = resolve;
      this.ws.onerror = (e) => reject(new Error(`WebSocket error: ${e.message || e.type}`));
    }), 10000, `connecting to Firefox's WebDriver BiDi at ${this.url}`);
    this.ws.onerror = null;
    this.ws.onclose = () => {
      for (const [, p] of this.pending) p.reject(new Error('the BiDi connection closed'));
      this.pending.clear();
    };
    this.ws.onmessage = (e) => {
      const m = JSON.parse(e.data);
      const p = m.id !== undefined && this.pending.get(m.id);
      if (p) {
        this.pending.delete(m.id);
        if (m.type === 'error') p.reject(new Error(`${p.method}: ${m.error}: ${m.message}`));
        else p.resolve(m.result);
      } else if (m.type === 'event') {
        this.onEvent(m.method, m.params);
      }
    };
  }

  send(method, params = {}, timeoutMs = 20000) {
    const id = this.nextId++;
    const reply = new Promise((resolve, reject) => this.pending.set(id, { resolve, reject, method }));
    this.ws.send(JSON.stringify({ id, method, params }));
    return withTimeout(reply, timeoutMs, `Firefox to answer ${method}`)
      .finally(() => this.pending.delete(id));
  }

  close() {
    try { this.ws.close(); } catch (e) { /* closed */ }
  }
}

// The subset of playwright's Page that lib.mjs and record-lib.mjs use, on a
// Firefox tab. evaluate(fn, arg) runs fn in the page; what it returns goes
// through JSON (as with playwright, for the plain data the helpers read).
class FirefoxPage {
  constructor(firefox, context) {
    this.firefox = firefox;
    this.context = context;
    this.listeners = { console: [], pageerror: [] };
  }

  setDefaultTimeout() {}

  on(event, fn) {
    if (this.listeners[event]) this.listeners[event].push(fn);
  }

  // A JavaScript error (log type "javascript", level "error") is what
  // playwright calls a pageerror; the rest is console output.
  emitLog(entry) {
    if (entry.type === 'javascript' && entry.level === 'error') {
      for (const fn of this.listeners.pageerror) fn(new Error(entry.text));
    } else {
      const m = { type: () => entry.level, text: () => entry.text };
      for (const fn of this.listeners.console) fn(m);
    }
  }

  async goto(url, { timeout = 15000 } = {}) {
    await this.firefox.bidi.send('browsingContext.navigate', { context: this.context, url, wait: 'complete' },
                                 timeout);
  }

  async evaluate(fn, arg) {
    const body = typeof fn === 'function' ? fn.toString() : `() => (${fn})`;
    const r = await this.firefox.bidi.send('script.callFunction', {
      functionDeclaration: `async function (argJson) {
        const v = await (${body})(argJson === undefined ? undefined : JSON.parse(argJson));
        return v === undefined ? undefined : JSON.stringify(v);
      }`,
      arguments: arg === undefined ? [] : [{ type: 'string', value: JSON.stringify(arg) }],
      target: { context: this.context },
      awaitPromise: true,
      resultOwnership: 'none',
    });
    if (r.type === 'exception') throw new Error(`in the page: ${r.exceptionDetails.text}`);
    return r.result.type === 'string' ? JSON.parse(r.result.value) : undefined;
  }

  async screenshot({ path: file }) {
    const r = await this.firefox.bidi.send('browsingContext.captureScreenshot', { context: this.context }, 5000);
    fs.writeFileSync(file, Buffer.from(r.data, 'base64'));
  }

  async close() {
    await this.firefox.bidi.send('browsingContext.close', { context: this.context }, 5000);
  }
}

// Headless Firefox with a fresh profile under the test's tmpDir, stopped
// (with every process it forked, by PID) when the test ends. Its newPage()
// lets t.openPage() use it as it uses a playwright context.
class Firefox {
  static async launch(t) {
    if (!fs.existsSync(FIREFOX)) fail(`${FIREFOX} not found: apt-get install firefox-esr`);
    const profile = fs.mkdtempSync(path.join(t.tmpDir, 'firefox-profile-'));
    fs.writeFileSync(path.join(profile, 'user.js'), userJs(PREFS));
    const home = path.join(profile, 'home');
    fs.mkdirSync(home);
    const ff = new Firefox();
    ff.pages = new Map();
    // Not the GLib/malloc debugging meant for our GStreamer processes; a
    // HOME of its own so that nothing lands in the user's.
    ff.child = t.spawn('firefox', FIREFOX, ['--headless', '--no-remote', '--profile', profile,
      '--remote-debugging-port', '0', 'about:blank'],
    { G_DEBUG: '', MALLOC_PERTURB_: '', HOME: home, XDG_CACHE_HOME: path.join(home, '.cache'),
      MOZ_CRASHREPORTER_DISABLE: '1' });
    t.onCleanup(() => ff.close());
    t.onTeardown(() => ff.checkGone());
    // The first start on a freshly installed machine is slow: 24 s to this
    // line on a new bookworm root (a few seconds on later runs).
    const m = await ff.child.waitForLine(/WebDriver BiDi listening on (ws:\/\/\S+)/, 90000, 'its WebDriver BiDi address');
    ff.bidi = new Bidi(`${m[1]}/session`, (method, params) => ff.onEvent(method, params));
    await ff.bidi.open();
    const s = await ff.bidi.send('session.new', { capabilities: {} });
    info(`firefox ${s.capabilities.browserVersion} (pid ${ff.child.pid}, profile ${profile})`);
    await ff.bidi.send('session.subscribe', { events: ['log.entryAdded'] });
    return ff;
  }

  onEvent(method, params) {
    if (method !== 'log.entryAdded') return;
    const page = this.pages.get(params.source && params.source.context);
    if (page) page.emitLog(params);
  }

  async newPage() {
    const { context } = await this.bidi.send('browsingContext.create', { type: 'tab' });
    const page = new FirefoxPage(this, context);
    this.pages.set(context, page);
    return page;
  }

  // browser.close over BiDi (a cleanup, at most 5 s); the tree of processes
  // is taken first, as its children outlive a killed parent.
  async close() {
    if (this.closed || !this.child) return;
    this.closed = true;
    this.tree = processTree(this.child.pid);
    info(`firefox: closing (${this.tree.length} processes: ${this.tree.join(', ')})`);
    if (!this.bidi) return;
    try { await this.bidi.send('browser.close', {}, 3000); } catch (e) { /* killed below */ }
    this.bidi.close();
  }

  // A teardown, after lib.mjs has stopped the main process: whatever of the
  // tree is left after 8 s gets SIGKILL, by PID; one that survives that
  // fails the test.
  async checkGone() {
    const tree = this.tree || [];
    const deadline = Date.now() + 8000;
    while (tree.some(pidAlive) && Date.now() < deadline) await sleep(100);
    for (const pid of tree.filter(pidAlive)) {
      info(`firefox process ${pid} still runs: SIGKILL`);
      try { process.kill(pid, 'SIGKILL'); } catch (e) { /* gone */ }
    }
    await sleep(500);
    const left = tree.filter(pidAlive);
    if (left.length) throw new Error(`firefox processes still running after SIGKILL: ${left.join(', ')}`);
  }
}

// Part 1: Firefox watches webrtcsend through the viewer page it serves.
async function viewWebrtcsend(t, firefox) {
  const name = 'firefox-view';
  const producer = t.startProducer({ serve: '127.0.0.1:0', name });
  const { httpUrl } = await t.elementUrl(producer);
  const page = await t.openPage(firefox, httpUrl, 'viewer');
  await viewerReady(page);
  const p = await viewerProducer(page, name);
  info(`viewer: listed producer ${p.id}; clicking it`);
  // What a user does: click the stream in the list.
  const clicked = await page.evaluate((id) => {
    const b = document.querySelector(`button.producer[data-peer-id="${id}"]`);
    if (!b) return null;
    const text = b.innerText;
    b.click();
    return text;
  }, p.id);
  assert(clicked !== null, `the viewer shows no button for producer ${p.id}`);
  assert(clicked.includes(name), `the producer button does not show its name "${name}": "${clicked}"`);
  const tileId = await waitFor(() => page.evaluate((id) => {
    const tile = window.gstsig.tiles().find((x) => x.peerId === id && x.state !== 'ended');
    return tile && tile.id;
  }, p.id), { timeoutMs: 5000, what: 'a tile after clicking the producer' });

  const first = await viewerDecoding(page, tileId);
  info(`viewer: decoding (${first.stats.framesDecoded} frames); measuring`);
  const m = await measureTile(page, tileId, { fps: 30 });
  t.checkAlive(producer, firefox.child);
  const s = m.after.stats;
  info(`viewer: ${s.width}x${s.height} ${m.fps.toFixed(1)} fps (windows ${m.windows.join(', ')}) ` +
       `${s.videoCodec} audio ${s.audioPacketsReceived} packets ${s.audioCodec} ` +
       `via ${s.localAddress} <-> ${s.remoteAddress}`);
  assertMedia(m, { width: 640, height: 480, fps: 30, codec: 'video/VP8', audio: true, who: 'firefox viewer' });
  assert(/opus/i.test(s.audioCodec), `firefox viewer: audio codec is "${s.audioCodec}", expected Opus`);

  // The <video> element itself plays at the source's size.
  const video = await page.evaluate((id) => {
    const v = document.querySelector(`#${id} video`);
    return { w: v.videoWidth, h: v.videoHeight, t: v.currentTime, paused: v.paused };
  }, tileId);
  assert(video.w === 640 && video.h === 480 && !video.paused && video.t > 0,
         `firefox viewer: the video element does not play 640x480: ${safeJson(video)}`);
  const errors = await page.evaluate(() => window.gstsig.errors());
  assert(errors.length === 0, `the viewer reported errors: ${errors.join('; ')}`);
  await page.evaluate(() => window.gstsig.stopAll());
  await page.close();
  await producer.stop();
  return `viewer: ${s.width}x${s.height} ${s.videoCodec} at ${m.fps.toFixed(1)} fps ` +
         `(${s.framesDecoded} frames decoded), ${s.audioPacketsReceived} ${s.audioCodec} packets`;
}

// Part 2: Firefox publishes with publish.html; webrtcrecv records it.
async function recordFirefox(t, firefox) {
  const server = await t.startServer();
  const { page, peerId } = await openPublisher(t, firefox, server.httpUrl, { name: 'firefox-pub', video: 'vp8' });
  const file = path.join(t.tmpDir, 'rec-firefox.mkv');
  const recorder = startRecorder(t, { wsUrl: server.wsUrl, producerId: peerId, file, name: 'recorder' });

  const c = await publisherSending(page);
  const connectedAt = c.connectedAt;
  info(`publisher: connected to the recorder ${((connectedAt - recorder.startedAt) / 1000).toFixed(2)} s after ` +
       `it started; sending ${c.stats.width}x${c.stats.height} ${c.stats.videoCodec}`);
  assert(c.stats.videoCodec === 'video/VP8', `the publisher sends ${c.stats.videoCodec}, expected video/VP8`);
  await fileGrowing(file);

  await sleep(Math.max(0, RECORD_SECONDS * 1000 - (Date.now() - connectedAt)));
  t.checkAlive(server.child, recorder, firefox.child);
  const [last] = await page.evaluate(() => window.gstsigPublish.refresh());
  assert(last && last.state === 'connected', `the publisher's session is not connected any more: ${safeJson(last)}`);
  const stoppedAt = Date.now();
  const exitSeconds = await interruptRecorder(recorder);
  assert(recorder.exitCode === 0, `the recorder ${recorder.describeExit()} after SIGINT\n${recorder.tail()}`);
  const publishSeconds = (stoppedAt - connectedAt) / 1000;
  info(`publisher: recorder exited ${exitSeconds.toFixed(2)} s after SIGINT; Firefox sent ` +
       `${last.stats.framesSent} frames at ${last.stats.width}x${last.stats.height}, ` +
       `${last.stats.audioPacketsSent} audio packets`);
  assert(last.stats.audioPacketsSent > 0, 'Firefox sent no audio packet');

  const r = await checkRecording(t, file, { videoCaps: 'video/x-vp8', audio: true, publishSeconds,
                                            framesSent: last.stats.framesSent, who: 'firefox publisher' });
  await page.evaluate(() => window.gstsigPublish.stop());
  await page.close();
  return `publisher: ${r.discovered.duration.toFixed(2)} s recorded of ${publishSeconds.toFixed(2)} s, ` +
         `${r.decoded.video.frames} VP8 frames decoded (${last.stats.framesSent} sent) at ` +
         `${r.discovered.width}x${r.discovered.height}, ${r.decoded.audio.frames} Opus buffers`;
}

runTest('firefox', async (t) => {
  giveDefaultRoute();
  const firefox = await Firefox.launch(t);
  const results = [await viewWebrtcsend(t, firefox), await recordFirefox(t, firefox)];
  for (const r of results) info(r);
}, { timeoutMs: 170000 });
