// gst-webrtc-record --whip-listen with Chromium as the WHIP client: a page
// on another origin (CORS) publishes its fake camera and microphone with
// fetch() (tests/endpoints/whip-whep-page.html: POST, Location resolved
// against the recorder's URL, PATCH trickle fragments with If-Match, DELETE).
// Two pages publish at once; every PATCH through the recorder must get 204;
// the DELETE of one (200) alone finalizes its file (--peer-timeout is 20 s)
// while the other goes on; SIGINT finalizes the other, exit 0. Both files
// hold H264 (Matroska takes it first) and Opus and last as long as the pages published.
//
// SPDX-License-Identifier: LGPL-2.1-or-later

import path from 'node:path';

import { SOURCE_ROOT, assert, info, runTest, sleep, waitFor } from '../browser/lib.mjs';
import { EXIT, checkMediaSpan, checkRecording, events, listFiles, makeDir, signal, waitEvent,
         waitExit } from './record-lib.mjs';
import { startWhipRecorder } from './whip-lib.mjs';

const TOKEN = 'browser-secret';
const PAGE = path.join(SOURCE_ROOT, 'tests', 'endpoints', 'whip-whep-page.html');

async function publish(ctx, browser, pageUrl, endpoint, label) {
  const page = await ctx.openPage(browser, pageUrl, label);
  const log = await page.evaluate(([url, token]) => window.whip.publish(url, token), [endpoint, TOKEN]);
  info(`${label}: ${log.join('; ')}`);
  assert(log.some((l) => l.includes(`201 Location ${endpoint}/`)), `${label}: Location not under ${endpoint}: ${log}`);
  const s = await waitFor(async () => {
    const st = await page.evaluate(() => window.whip.state());
    return (st.ice === 'connected' || st.ice === 'completed') && st.framesSent >= 10 ? st : null;
  }, { timeoutMs: 20000, what: `${label} to connect and send 10 frames` });
  info(`${label} sends ${s.codec} ${s.width}x${s.height}`);
  return page;
}

runTest('record-whip-browser', async (ctx) => {
  const dir = makeDir(ctx, 'whip-browser');
  const { rec, url } = await startWhipRecorder(ctx, ['--output', dir, '--auth-token', TOKEN,
    '--peer-timeout', '20']);
  const pageUrl = await ctx.serveFiles({ '/': PAGE });
  const browser = await ctx.launchBrowser();
  const pageA = await publish(ctx, browser, pageUrl, url, 'pageA');
  const sA = await waitEvent(rec, 'started', { timeoutMs: 15000 });
  const tA = Date.now();
  const pageB = await publish(ctx, browser, pageUrl, url, 'pageB');
  const sB = await waitEvent(rec, 'started', { timeoutMs: 15000, count: 2 });
  const tB = Date.now();
  assert(sA.producer !== sB.producer, 'one recording for both pages');
  await sleep(4000);

  for (const [label, page] of [['pageA', pageA], ['pageB', pageB]]) {
    const st = await page.evaluate(() => window.whip.state());
    info(`${label}: PATCH statuses ${st.patches}`);
    assert(st.patches.length > 0 && st.patches.every((s) => s === 204),
      `${label}: the recorder did not take the candidates: PATCH statuses ${st.patches}`);
  }

  const deleted = Date.now();
  const status = await pageA.evaluate(() => window.whip.stop());
  assert(status === 200, `DELETE gave HTTP ${status}, expected 200`);
  const fA = await waitEvent(rec, 'finished', { timeoutMs: 8000 });
  const after = (Date.now() - deleted) / 1000;
  info(`pageA finalized ${after.toFixed(1)} s after its DELETE`);
  assert(fA.producer === sA.producer, `finished: ${JSON.stringify(fA)}`);
  checkMediaSpan(fA, (deleted - tA) / 1000, { tolerance: 0.2 });
  await sleep(1500);
  ctx.checkAlive(rec);
  const st = await pageB.evaluate(() => window.whip.state());
  assert(st.ice === 'connected' || st.ice === 'completed', `pageB: ICE ${st.ice} after pageA left`);

  signal(rec, 'SIGINT');
  const recordedB = (Date.now() - tB) / 1000;
  const code = await waitExit(rec, 10000, 'finalize and exit after SIGINT');
  assert(code === EXIT.OK, `recorder exited with ${code}`);
  const fB = await waitEvent(rec, 'finished', { timeoutMs: 1000, count: 2 });
  assert(fB.producer === sB.producer, `second finished: ${JSON.stringify(fB)}`);
  const errors = events(rec).filter((e) => e.event === 'error');
  assert(errors.length === 0, `error events: ${JSON.stringify(errors)}`);
  checkMediaSpan(fB, recordedB, { tolerance: 0.2 });
  assert(listFiles(dir).length === 2, `files: ${listFiles(dir).join(', ')}`);
  checkRecording(sA.file, fA.duration, { codec: 'H.264' }); // mkv: H264 first
  checkRecording(sB.file, fB.duration, { codec: 'H.264' });
  ctx.checkPageErrors();
}, { timeoutMs: 110000 });
