// Chromium plays webrtcsend's WHEP endpoint (uri=whep-listen://127.0.0.1:0/whep)
// from a page on another origin, with fetch(): POST a recvonly offer, PATCH
// its candidates. Two players (two tabs) decode frames of the 640x480 test
// pattern (requestVideoFrameCallback counts, videoWidth) from one encoder;
// DELETE ends one and the other plays on.
// SPDX-License-Identifier: LGPL-2.1-or-later
import path from 'node:path';
import { runTest, info, assert, sleep, waitFor } from '../browser/lib.mjs';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ENDPOINT_URL = /(?:WHEP endpoint listening on|whep-listen: listening on) (http:\/\/\S+)/;

runTest('whep-browser', async (t) => {
  const producer = t.startProducer({ uri: 'whep-listen://127.0.0.1:0/whep', videoCodecs: 'vp8' });
  const endpoint = (await producer.waitForLine(ENDPOINT_URL, 15000, 'its WHEP endpoint'))[1];
  info(`WHEP endpoint: ${endpoint}`);
  const pageUrl = await t.serveFiles({ '/': path.join(HERE, 'whip-whep-page.html') });
  const browser = await t.launchBrowser();

  const players = [];
  for (const label of ['player1', 'player2']) {
    const page = await t.openPage(browser, pageUrl, label);
    const log = await page.evaluate(([url]) => window.whep.play(url), [endpoint]);
    info(`${label}: ${log.join('; ')}`);
    players.push({ label, page });
  }
  for (const { label, page } of players) {
    const s = await waitFor(async () => {
      const st = await page.evaluate(() => window.whep.state());
      return st.frames >= 30 ? st : null;
    }, { timeoutMs: 20000, what: `${label} to decode 30 frames` });
    info(`${label}: ${s.frames} frames decoded at ${s.width}x${s.height}, PATCH statuses ${s.patches}`);
    assert(s.width === 640 && s.height === 480, `${label} shows ${s.width}x${s.height}, expected 640x480`);
    assert(s.patches.length > 0 && s.patches.every((x) => x === 204), `${label}: PATCH statuses ${s.patches}`);
  }

  // DELETE ends the first player's session; the second keeps decoding.
  const status = await players[0].page.evaluate(() => window.whep.stop());
  assert(status === 200, `DELETE gave HTTP ${status}, expected 200`);
  const before = (await players[1].page.evaluate(() => window.whep.state())).frames;
  await sleep(2000);
  const after = (await players[1].page.evaluate(() => window.whep.state())).frames;
  info(`player2 decoded ${after - before} frames in the 2 s after player1 left`);
  assert(after - before >= 30, `player2 decoded only ${after - before} frames in 2 s after player1 left`);
  t.checkAlive(producer);
  t.checkPageErrors();
}, { timeoutMs: 100000 });
