// A viewer that vanishes without a word (its peer connection closes, no
// endSession, the signalling stays up) is noticed by webrtcsend through the
// silence of its RTCP (webrtcbin 1.22 has no ICE consent freshness): the
// producer ends the session, and the page sees the endSession.
// SPDX-License-Identifier: LGPL-2.1-or-later
import {
  runTest, info, assert, waitFor, viewerReady, viewerProducer, viewerDecoding, viewerTile,
} from './lib.mjs';

const PEER_TIMEOUT_S = 3;

runTest('vanish', async (t) => {
  const producer = t.startProducer({
    serve: '127.0.0.1:0', name: 'vanish', audio: false, extra: [`peer-timeout=${PEER_TIMEOUT_S}`],
  });
  const { httpUrl } = await t.elementUrl(producer);
  const browser = await t.launchBrowser();
  const page = await t.openPage(browser, httpUrl, 'viewer');
  await viewerReady(page);
  const p = await viewerProducer(page, 'vanish');
  const tileId = await page.evaluate((id) => window.gstsig.watch(id), p.id);
  await viewerDecoding(page, tileId);

  // Close the media path only: no endSession goes out.
  const closedAt = Date.now();
  await page.evaluate((id) => window.gstsig.peerConnection(id).close(), tileId);
  const tile = await waitFor(async () => {
    const tl = await viewerTile(page, tileId);
    return tl && tl.state === 'ended' ? tl : null;
  }, { timeoutMs: (PEER_TIMEOUT_S + 12) * 1000, what: 'the producer to end the silent session' });
  const seconds = (Date.now() - closedAt) / 1000;
  info(`session ended by the producer ${seconds.toFixed(1)} s after the viewer went silent`);
  assert(/producer/.test(tile.detail || ''), `the tile ended for another reason: ${tile.detail}`);
  // The last RTCP may precede the close by up to a report interval.
  assert(seconds >= PEER_TIMEOUT_S - 1.5, `ended after ${seconds} s, before peer-timeout`);
  t.checkAlive(producer);
}, { timeoutMs: 90000 });
