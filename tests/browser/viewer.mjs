// The viewer page served by gst-webrtc-serve plays a webrtcsend producer
// (640x480@30 test pattern + tone), once with VP8 and once with H264: the
// producer is listed, a click starts a tile, frames decode at the source's
// size and rate, audio flows, and the codec is the one asked for.
// SPDX-License-Identifier: LGPL-2.1-or-later
import {
  runTest, info, assert, waitFor, viewerReady, viewerProducer, viewerDecoding, measureTile, assertMedia,
} from './lib.mjs';

runTest('viewer', async (t) => {
  const server = await t.startServer();
  const browser = await t.launchBrowser();
  const page = await t.openPage(browser, server.httpUrl, 'viewer');
  await viewerReady(page);

  for (const [codec, mime] of [['vp8', 'video/VP8'], ['h264', 'video/H264']]) {
    const name = `viewer-${codec}`;
    const producer = t.startProducer({ uri: server.wsUrl, name, videoCodecs: codec });
    const p = await viewerProducer(page, name);
    info(`${codec}: listed producer ${p.id}`);

    // What a user does: click the stream in the list.
    const button = page.locator(`button.producer[data-peer-id="${p.id}"]`);
    await button.waitFor({ state: 'visible', timeout: 5000 });
    assert((await button.innerText()).includes(name), `the producer button does not show its name "${name}"`);
    await button.click();
    const tileId = await waitFor(() => page.evaluate((id) => {
      const tile = window.gstsig.tiles().find((x) => x.peerId === id && x.state !== 'ended');
      return tile && tile.id;
    }, p.id), { timeoutMs: 5000, what: 'a tile after clicking the producer' });

    const first = await viewerDecoding(page, tileId);
    info(`${codec}: decoding after ${(first.stats.framesDecoded)} frames; measuring`);
    const m = await measureTile(page, tileId, { fps: 30 });
    t.checkAlive(server.child, producer);
    info(`${codec}: ${m.after.stats.width}x${m.after.stats.height} ${m.fps.toFixed(1)} fps ` +
         `${m.after.stats.videoCodec} audio ${m.after.stats.audioPacketsReceived} packets ` +
         `${m.after.stats.audioCodec} via ${m.after.stats.localAddress} <-> ${m.after.stats.remoteAddress}`);
    assertMedia(m, { width: 640, height: 480, fps: 30, codec: mime, audio: true, who: codec });

    // The <video> element itself plays at the source's size.
    const video = await page.evaluate((id) => {
      const v = document.querySelector(`#${id} video`);
      return { w: v.videoWidth, h: v.videoHeight, t: v.currentTime, paused: v.paused };
    }, tileId);
    assert(video.w === 640 && video.h === 480 && !video.paused && video.t > 0,
           `${codec}: the video element does not play 640x480: ${JSON.stringify(video)}`);
    const badge = await page.locator(`#${tileId} .badge`).innerText();
    assert(/connected/i.test(badge), `${codec}: tile badge says "${badge}", expected connected`);

    // Stop: the tile ends; the producer going away leaves the list.
    await page.locator(`#${tileId} button.stop`).click();
    await waitFor(() => page.evaluate((id) => window.gstsig.tile(id).state === 'ended', tileId),
                  { timeoutMs: 5000, what: 'the tile to end after Stop' });
    await producer.stop();
    await waitFor(() => page.evaluate((id) => !window.gstsig.producers().some((x) => x.id === id), p.id),
                  { timeoutMs: 10000, what: 'the stopped producer to leave the list' });
  }
  const errors = await page.evaluate(() => window.gstsig.errors());
  assert(errors.length === 0, `the viewer reported errors: ${errors.join('; ')}`);
}, { timeoutMs: 105000 });
