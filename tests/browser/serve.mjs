// webrtcsend serve=127.0.0.1:0 embeds the signalling server and the web app:
// the page it serves lists the element's own stream and plays it.
// SPDX-License-Identifier: LGPL-2.1-or-later
import {
  runTest, info, viewerReady, viewerProducer, viewerDecoding, measureTile, assertMedia,
} from './lib.mjs';

runTest('serve', async (t) => {
  const producer = t.startProducer({ serve: '127.0.0.1:0', name: 'embedded', audio: false });
  const { httpUrl } = await t.elementUrl(producer);
  info(`webrtcsend serves ${httpUrl}`);
  const browser = await t.launchBrowser();
  const page = await t.openPage(browser, httpUrl, 'viewer');
  await viewerReady(page);
  const p = await viewerProducer(page, 'embedded');
  await page.locator(`button.producer[data-peer-id="${p.id}"]`).click();
  const tileId = await page.evaluate(() => window.gstsig.tiles()[0].id);
  await viewerDecoding(page, tileId);
  const m = await measureTile(page, tileId, { fps: 30 });
  t.checkAlive(producer);
  info(`${m.after.stats.width}x${m.after.stats.height} ${m.fps.toFixed(1)} fps ${m.after.stats.videoCodec}`);
  assertMedia(m, { width: 640, height: 480, fps: 30, audio: false });
}, { timeoutMs: 100000 });
