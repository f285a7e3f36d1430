// The dashboard with real elements: webrtcsend reports the figures of its
// session (stats-interval=500) while our viewer page watches it in
// Chromium; the dashboard plots bitrate, loss, RTT and frame rate of that
// session (pixels read back from its canvases via plotsNonEmpty).
// SPDX-License-Identifier: LGPL-2.1-or-later
import {
  runTest, info, assert, fail, waitFor, viewerReady, viewerProducer, viewerDecoding,
} from './lib.mjs';

runTest('dashboard-live', async (t) => {
  const server = await t.startServer();
  const producer = t.startProducer({
    uri: server.wsUrl, name: 'live', audio: false, extra: ['stats-interval=500'],
  });
  const browser = await t.launchBrowser();
  const viewer = await t.openPage(browser, server.httpUrl, 'viewer');
  await viewerReady(viewer);
  const p = await viewerProducer(viewer, 'live');
  const tileId = await viewer.evaluate((id) => window.gstsig.watch(id), p.id);
  await viewerDecoding(viewer, tileId);

  const dashboard = await t.openPage(browser, server.httpUrl + 'dashboard.html', 'dashboard');
  const sessions = await waitFor(async () => {
    const ok = await dashboard.evaluate(() => window.gstsigDashboard &&
        window.gstsigDashboard.plotsNonEmpty());
    return ok ? dashboard.evaluate(() => window.gstsigDashboard.sessions()) : null;
  }, { timeoutMs: 20000, what: 'the dashboard to plot the live session' });
  const live = sessions.find((s) => s.role === 'producer');
  assert(live, `no producer report among ${JSON.stringify(sessions).slice(0, 300)}`);
  const latest = live.latest || {};
  info(`dashboard: ${sessions.length} report(s); producer: ${JSON.stringify(latest).slice(0, 300)}`);
  assert(latest['bitrate-out'] > 10000, `bitrate-out ${latest['bitrate-out']}`);
  // The first report may cover the viewer's start-up: the frame rate must
  // reach the source's range in one of the next reports (one a second).
  const steady = await waitFor(async () => {
    const all = await dashboard.evaluate(() => window.gstsigDashboard.sessions());
    const fps = ((all.find((s) => s.role === 'producer') || {}).latest || {}).fps;
    return fps > 10 ? fps : null;
  }, { timeoutMs: 15000, what: 'the dashboard to show the producer above 10 fps' })
    .catch((e) => fail(`${e.message} (first report: fps ${latest.fps})`));
  info(`dashboard fps: ${steady}`);
  t.checkAlive(producer);
}, { timeoutMs: 90000 });
