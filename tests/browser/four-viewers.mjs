// Four viewers of one webrtcsend producer at once (two pages with two tiles
// each, so two peer connections share a page and two pages share the
// producer): all four decode 640x480 at the source's rate.
// SPDX-License-Identifier: LGPL-2.1-or-later
import {
  runTest, info, viewerReady, viewerProducer, viewerDecoding, measureTile, assertMedia,
} from './lib.mjs';

runTest('four-viewers', async (t) => {
  const server = await t.startServer();
  const producer = t.startProducer({ uri: server.wsUrl, name: 'four-viewers', videoCodecs: 'vp8' });
  const browser = await t.launchBrowser();
  const pages = [];
  for (let i = 0; i < 2; i++) {
    const page = await t.openPage(browser, server.httpUrl, `viewer${i + 1}`);
    await viewerReady(page);
    pages.push(page);
  }
  const p = await viewerProducer(pages[0], 'four-viewers');
  await viewerProducer(pages[1], 'four-viewers');

  const tiles = [];
  for (const page of pages) {
    for (let i = 0; i < 2; i++) {
      tiles.push({ page, id: await page.evaluate((id) => window.gstsig.watch(id), p.id) });
    }
  }
  for (const [i, tile] of tiles.entries()) {
    await viewerDecoding(tile.page, tile.id, { timeoutMs: 25000 });
    info(`viewer ${i + 1} decodes`);
  }
  // Measure all four over the same 3 s.
  const results = await Promise.all(tiles.map((tile) => measureTile(tile.page, tile.id, { fps: 30 })));
  t.checkAlive(server.child, producer);
  for (const [i, m] of results.entries()) {
    info(`viewer ${i + 1}: ${m.after.stats.width}x${m.after.stats.height} ${m.fps.toFixed(1)} fps, ` +
         `audio ${m.after.stats.audioPacketsReceived} packets`);
  }
  for (const [i, m] of results.entries()) {
    assertMedia(m, { width: 640, height: 480, fps: 30, codec: 'video/VP8', audio: true, who: `viewer ${i + 1}` });
  }
}, { timeoutMs: 105000 });
