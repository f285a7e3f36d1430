// The stats dashboard (tools/web/dashboard.html) served by gst-webrtc-serve,
// fed by fake peers: a page of the same Chromium opens a producer and a
// consumer WebSocket, starts a session between them and sends "stats"
// reports (docs/protocol-stats.md) every 500 ms with changing figures, as
// webrtcsend/webrtcrecv do. The dashboard, opened late, gets the latest
// reports at once, plots bitrate, loss, RTT and frame rate of the session
// (pixels are read back from its canvases), shows codec, resolution and
// candidate pair, plots an unknown figure on its own, and drops the session
// when it ends. A plain listener and gstwebrtc-api (which throws on unknown
// types) on the same server never get a stats message.
//
// GST_WEBRTCSIGNAL_SCREENSHOT=FILE.png saves a screenshot of the dashboard
// (20 s later, with some history in its plots).
// SPDX-License-Identifier: LGPL-2.1-or-later
import fs from 'node:fs';
import path from 'node:path';
import { runTest, info, assert, sleep, waitFor, nodeModule, HERE } from './lib.mjs';

// Runs in the fake peers' page: window.fake.
function installFakePeers(url) {
  const fake = {
    ids: {}, sessionId: null, sent: 0, paused: false, errors: [], listenerTypes: {}, timer: null,
  };
  window.fake = fake;
  const conns = {};

  function open(name, onMessage) {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      ws.onerror = () => reject(new Error(`${name}: WebSocket error`));
      ws.onclose = () => fake.errors.push(`${name}: connection closed`);
      ws.onmessage = (ev) => {
        const m = JSON.parse(ev.data);
        if (m.type === 'error') fake.errors.push(`${name}: ${m.details}`);
        if (onMessage) onMessage(m);
        if (m.type === 'welcome') {
          fake.ids[name] = m.peerId;
          conns[name] = ws;
          resolve(ws);
        }
      };
    });
  }
  const send = (name, msg) => conns[name].send(JSON.stringify(msg));
  const until = async (cond, what) => {
    for (let i = 0; i < 100 && !cond(); i++) await new Promise((r) => setTimeout(r, 50));
    if (!cond()) throw new Error(`fake peers: no ${what}`);
  };

  // Changing figures, like the elements report them.
  let lost = 0;
  let nacks = 0;
  function figures(side, k) {
    const t = k / 2;
    lost += k % 4 === 0 ? 3 : 0;
    nacks += k % 3 === 0 ? 1 : 0;
    const producer = side === 'producer';
    const out = {
      'role': side,
      'peer-id': producer ? fake.ids.consumer : fake.ids.producer,
      'codec': 'VP8',
      'frame-width': 1280,
      'frame-height': 720,
      'fps': 30 - 4 * Math.abs(Math.sin(t / 2)) - (producer ? 0 : 1),
      'packets-lost': lost,
      'fraction-lost': 0.02 + 0.015 * Math.sin(t),
      'rtt': 0.025 + 0.01 * Math.sin(t / 3) + (producer ? 0 : 0.002),
      'jitter': 0.004 + 0.002 * Math.cos(t),
      'nack-count': nacks,
      'pli-count': Math.floor(k / 8),
      'candidate-pair': producer ? '127.0.0.1:40000 host udp <-> 127.0.0.1:50000 host udp'
                                 : '127.0.0.1:50000 host udp <-> 127.0.0.1:40000 host udp',
    };
    const rate = 1500000 + 500000 * Math.sin(t / 4);
    if (producer) {
      out['bitrate-out'] = Math.round(rate);
      out['target-bitrate'] = 2000000; // not a name the dashboard knows
    } else {
      out['bitrate-in'] = Math.round(rate * 0.97);
    }
    return out;
  }

  fake.start = async () => {
    // A gstwebrtc-api-style listener: registers, then lists.
    await open('listener', (m) => {
      fake.listenerTypes[m.type] = (fake.listenerTypes[m.type] || 0) + 1;
      if (m.type === 'peerStatusChanged' && m.peerId === fake.ids.listener) {
        send('listener', { type: 'list' });
        send('listener', { type: 'listConsumers' });
      }
      if (m.type === 'peerStatusChanged' && m.roles.includes('producer')) fake.producerListed = true;
    });
    send('listener', { type: 'setPeerStatus', roles: ['listener'], meta: null });

    await open('producer');
    send('producer', { type: 'setPeerStatus', roles: ['producer'], meta: { name: 'dash-cam' } });
    await until(() => fake.producerListed, 'producer registration');
    await open('consumer', (m) => { if (m.type === 'sessionStarted') fake.sessionId = m.sessionId; });
    send('consumer', { type: 'startSession', peerId: fake.ids.producer, offer: null });
    await until(() => fake.sessionId, 'sessionStarted');

    let k = 0;
    fake.timer = setInterval(() => {
      if (fake.paused) return;
      k++;
      for (const side of ['producer', 'consumer']) {
        send(side, { type: 'stats', sessionId: fake.sessionId, stats: figures(side, k) });
        fake.sent++;
      }
      // The producer's own figures (its encoder), with no session.
      if (k % 2 === 0) send('producer', { type: 'stats', stats: { 'role': 'producer', 'encoder': 'vp8enc', 'encode-ms': 4 + (k % 5) } });
    }, 500);
    return { ids: fake.ids, sessionId: fake.sessionId };
  };
  fake.endSession = () => send('consumer', { type: 'endSession', sessionId: fake.sessionId });
  fake.stop = () => clearInterval(fake.timer);
}

// Runs in the dashboard: colored pixels (series lines and fills, not the
// gray grid, text or background) of each canvas of a session card.
function coloredPixels(sessionId) {
  const card = document.querySelector(`.dash-session[data-session-id="${sessionId}"]`);
  if (!card) return null;
  const out = {};
  for (const c of card.querySelectorAll('canvas')) {
    const name = c.dataset.plot || c.closest('.dash-extra').dataset.figure;
    if (!c.width || !c.height) { out[name] = { colored: 0, blue: 0, orange: 0 }; continue; }
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let colored = 0;
    let blue = 0;
    let orange = 0;
    for (let i = 0; i < d.length; i += 4) {
      const [r, g, b] = [d[i], d[i + 1], d[i + 2]];
      if (Math.max(r, g, b) - Math.min(r, g, b) < 60) continue;
      colored++;
      if (b > r + 60) blue++;
      if (r > b + 60) orange++;
    }
    out[name] = { colored, blue, orange };
  }
  return out;
}

runTest('dashboard', async (t) => {
  const server = await t.startServer();
  const browser = await t.launchBrowser();

  // The peers, then gstwebrtc-api as a listener on the same server. The
  // peers' page comes from 127.0.0.1 too: Chromium blocks about:blank from
  // opening loopback connections.
  const blank = path.join(t.tmpDir, 'fake-peers.html');
  fs.writeFileSync(blank, '<!DOCTYPE html><title>fake peers</title>');
  const peersUrl = await t.serveFiles({ '/': blank });
  const peersPage = await t.openPage(browser, peersUrl, 'fake-peers');
  await peersPage.evaluate(installFakePeers, server.wsUrl);
  const { ids, sessionId } = await peersPage.evaluate(() => window.fake.start());
  info(`fake producer ${ids.producer}, consumer ${ids.consumer}, session ${sessionId}`);

  const apiUrl = await t.serveFiles({
    '/': path.join(HERE, 'gstwebrtc-api.html'),
    '/gstwebrtc-api.min.js': nodeModule('gstwebrtc-api', 'dist', 'gstwebrtc-api-3.0.0.min.js'),
  });
  const apiPage = await t.openPage(browser, apiUrl, 'gstwebrtc-api');
  await apiPage.evaluate((url) => window.apiTest.connect(url), server.wsUrl);
  await waitFor(() => apiPage.evaluate(() => window.apiTest.status().producers.some((p) => p.meta && p.meta.name === 'dash-cam')),
                { timeoutMs: 10000, what: 'gstwebrtc-api to list the fake producer' });

  // Reports have gone out; pause them: what the dashboard shows at first
  // can only come from the snapshot the server sends on subscribeStats.
  await waitFor(() => peersPage.evaluate(() => window.fake.sent >= 6), { timeoutMs: 10000, what: 'a few reports' });
  await peersPage.evaluate(() => { window.fake.paused = true; });
  await sleep(600);

  const page = await t.openPage(browser, `${server.httpUrl}dashboard.html`, 'dashboard');
  await waitFor(() => page.evaluate(() => window.gstsigDashboard && window.gstsigDashboard.state() === 'ready'),
                { timeoutMs: 10000, what: 'the dashboard to register' });
  const snapshot = await waitFor(async () => {
    const list = await page.evaluate(() => window.gstsigDashboard.sessions());
    const mine = list.filter((s) => s.sessionId === sessionId);
    return mine.length === 2 && list.some((s) => s.sessionId === null && s.peerId === ids.producer) ? list : null;
  }, { timeoutMs: 3000, what: 'the snapshot of the session (both sides) and of the producer itself' });
  info(`snapshot: ${snapshot.map((s) => `${s.role} ${s.sessionId ? 'session' : 'itself'} ${s.samples} sample(s)`).join(', ')}`);
  for (const s of snapshot) assert(s.samples === 1, `the snapshot gave ${s.samples} samples of ${s.peerId}, expected 1`);

  // Live again: the plots fill.
  await peersPage.evaluate(() => { window.fake.paused = false; });
  await waitFor(() => page.evaluate(() => window.gstsigDashboard.plotsNonEmpty()),
                { timeoutMs: 6000, what: 'the four plots of the session to show a line' });
  const first = await page.evaluate(() => window.gstsigDashboard.sessions());
  await sleep(2000);
  const later = await page.evaluate(() => window.gstsigDashboard.sessions());
  const sideOf = (list, role) => list.find((s) => s.sessionId === sessionId && s.role === role);
  for (const role of ['producer', 'consumer']) {
    const a = sideOf(first, role);
    const b = sideOf(later, role);
    assert(a && b, `no ${role} side of the session in the dashboard`);
    assert(b.producerId === ids.producer, `the session is filed under ${b.producerId}, expected the producer ${ids.producer}`);
    assert(b.samples >= a.samples + 3, `${role}: samples went from ${a.samples} to ${b.samples} in 2 s`);
    const key = role === 'producer' ? 'bitrate-out' : 'bitrate-in';
    assert(b.latest[key] !== a.latest[key], `${role}: ${key} stayed ${b.latest[key]}`);
  }
  const plots = await page.evaluate(() => window.gstsigDashboard.plots());
  info(`plotted points: ${JSON.stringify(plots)}`);

  // What a user sees: the card under its producer, the latest values, and
  // colored lines on every canvas (both sides in the bitrate plot).
  const card = page.locator(`.dash-producer[data-peer-id="${ids.producer}"] .dash-session[data-session-id="${sessionId}"]`);
  await card.waitFor({ state: 'visible', timeout: 5000 });
  const producerName = await page.locator(`.dash-producer[data-peer-id="${ids.producer}"] .dash-producer-head .tile-name`).innerText();
  assert(producerName === 'dash-cam', `the producer section is titled "${producerName}"`);
  const stat = (name) => card.locator(`[data-stat="${name}"]`).innerText();
  assert(await stat('codec') === 'VP8', `codec shows "${await stat('codec')}"`);
  assert(await stat('resolution') === '1280×720', `resolution shows "${await stat('resolution')}"`);
  assert((await stat('pair')).includes('127.0.0.1:40000'), `candidate pair shows "${await stat('pair')}"`);
  assert(/Mbit\/s|kbit\/s/.test(await stat('bitrate')), `bitrate shows "${await stat('bitrate')}"`);
  assert(/ms/.test(await stat('rtt')), `RTT shows "${await stat('rtt')}"`);

  const pixels = await page.evaluate(coloredPixels, sessionId);
  info(`colored pixels: ${JSON.stringify(pixels)}`);
  // A few seconds of a 60 s window: short lines at the right edge.
  for (const p of ['bitrate', 'loss', 'rtt', 'fps']) {
    assert(pixels[p] && pixels[p].colored > 60, `the ${p} plot has ${pixels[p] && pixels[p].colored} colored pixels`);
    assert(pixels[p].blue > 20 && pixels[p].orange > 20,
           `the ${p} plot does not show both sides: ${JSON.stringify(pixels[p])}`);
  }
  for (const extra of ['target-bitrate', 'jitter', 'nack-count']) {
    assert(pixels[extra] && pixels[extra].colored > 4, `the ${extra} figure is not plotted: ${JSON.stringify(pixels[extra])}`);
  }
  const own = await page.locator(`.dash-producer[data-peer-id="${ids.producer}"] .dash-own`).innerText();
  assert(own.includes('vp8enc') && own.includes('encode-ms'), `the producer's own figures are not shown: "${own}"`);

  const shot = process.env.GST_WEBRTCSIGNAL_SCREENSHOT;
  if (shot) {
    await sleep(20000); // some history in the plots
    await page.screenshot({ path: shot, fullPage: true });
    info(`screenshot: ${shot}`);
  }

  // The session ends: it leaves the dashboard. The fake peers stop
  // reporting first: a report for a session the server has just ended is
  // (rightly) answered with an error, and the producer's reports travel on
  // another connection than the consumer's endSession.
  await peersPage.evaluate(async () => {
    window.fake.stop();
    await new Promise((resolve) => setTimeout(resolve, 300)); // reports in flight land first
    window.fake.endSession();
  });
  await waitFor(() => page.evaluate((id) => !window.gstsigDashboard.sessions().some((s) => s.sessionId === id) &&
                                    !document.querySelector(`.dash-session[data-session-id="${id}"]`), sessionId),
                { timeoutMs: 3000, what: 'the ended session to leave the dashboard' });

  // Nobody else heard of stats.
  const fake = await peersPage.evaluate(() => ({ types: window.fake.listenerTypes, errors: window.fake.errors }));
  info(`the plain listener got: ${JSON.stringify(fake.types)}`);
  assert(fake.types.peerStatusChanged >= 3 && fake.types.list === 1, `the plain listener missed messages: ${JSON.stringify(fake.types)}`);
  const allowed = new Set(['welcome', 'peerStatusChanged', 'list', 'listConsumers']);
  const unexpected = Object.keys(fake.types).filter((type) => !allowed.has(type));
  assert(unexpected.length === 0, `the plain listener got ${unexpected.join(', ')}`);
  assert(fake.errors.length === 0, `the fake peers got errors: ${fake.errors.join('; ')}`);
  const apiComplaints = t.pageLog.filter((l) => l.startsWith('gstwebrtc-api') && /cannot parse|unknown message/i.test(l));
  assert(apiComplaints.length === 0, `gstwebrtc-api complained: ${apiComplaints.join('; ')}`);
  const apiStatus = await apiPage.evaluate(() => window.apiTest.status());
  assert(apiStatus.connected && apiStatus.errors.length === 0, `gstwebrtc-api: ${JSON.stringify(apiStatus)}`);
  const errors = await page.evaluate(() => window.gstsigDashboard.errors());
  assert(errors.length === 0, `the dashboard reported errors: ${errors.join('; ')}`);
  t.checkAlive(server.child);
}, { timeoutMs: 90000 });
