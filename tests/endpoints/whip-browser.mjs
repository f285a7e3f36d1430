// Chromium publishes its fake camera and microphone to webrtcrecv's WHIP
// endpoint (uri=whip-listen://127.0.0.1:0/whip) from a page on another
// origin (CORS), with fetch(): POST the offer, PATCH its candidates, DELETE
// at the end. gst-launch-1.0 records into Matroska without re-encoding; the
// DELETE alone must end the recording (EOS, the file finalized, gst-launch
// exits 0). The file must hold VP8 and Opus, last as long as the browser
// published (±10%) and decode to its end.
// SPDX-License-Identifier: LGPL-2.1-or-later
import path from 'node:path';
import { runTest, info, assert, sleep, waitFor } from '../browser/lib.mjs';
import { fileGrowing, recorderExits, checkRecording } from '../browser/record-lib.mjs';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const PUBLISH_SECONDS = 6;
// gst-launch-1.0 prints the element's INFO message with the URL.
const ENDPOINT_URL = /(?:WHIP endpoint listening on|whip-listen: listening on) (http:\/\/\S+)/;

runTest('whip-browser', async (t) => {
  const file = path.join(t.tmpDir, 'whip.mkv');
  const recorder = t.launch('recorder', ['-e', 'webrtcrecv', 'uri=whip-listen://127.0.0.1:0/whip',
    'signaller::auth-token=t0ken', 'name=r',
    'r.video_0', '!', 'queue', '!', 'matroskamux', 'name=m', '!', 'filesink', `location=${file}`,
    'r.audio_0', '!', 'queue', '!', 'm.audio_0']);
  const endpoint = (await recorder.waitForLine(ENDPOINT_URL, 15000, 'its WHIP endpoint'))[1];
  info(`WHIP endpoint: ${endpoint}`);

  const pageUrl = await t.serveFiles({ '/': path.join(HERE, 'whip-whep-page.html') });
  const browser = await t.launchBrowser();
  const page = await t.openPage(browser, pageUrl, 'publisher');
  const log = await page.evaluate(([url]) => window.whip.publish(url, 't0ken'), [endpoint]);
  info(`publisher: ${log.join('; ')}`);

  const sending = await waitFor(async () => {
    const s = await page.evaluate(() => window.whip.state());
    return s.ice === 'connected' || s.ice === 'completed' ? (s.framesSent >= 10 ? s : null) : null;
  }, { timeoutMs: 20000, what: 'the browser to connect and send 10 frames' });
  const connectedAt = Date.now();
  info(`browser sends ${sending.codec} ${sending.width}x${sending.height}; PATCH statuses ${sending.patches}`);
  assert(sending.patches.length > 0 && sending.patches.every((s) => s === 204),
         `the endpoint did not take the browser's candidates: PATCH statuses ${sending.patches}`);
  await fileGrowing(file);
  await sleep(Math.max(0, PUBLISH_SECONDS * 1000 - (Date.now() - connectedAt)));
  t.checkAlive(recorder);
  const last = await page.evaluate(() => window.whip.state());

  const deletedAt = Date.now();
  const status = await page.evaluate(() => window.whip.stop());
  assert(status === 200, `DELETE of the WHIP session gave HTTP ${status}, expected 200`);
  const seconds = await recorderExits(recorder, 10000);
  assert(recorder.exitCode === 0, `the recorder ${recorder.describeExit()} after DELETE\n${recorder.tail()}`);
  info(`recorder finished ${seconds.toFixed(2)} s after DELETE`);
  t.checkPageErrors();

  const publishSeconds = (deletedAt - connectedAt) / 1000;
  const r = await checkRecording(t, file, { videoCaps: 'video/x-vp8', audio: true, publishSeconds,
                                            framesSent: last.framesSent, who: 'whip' });
  info(`recorded ${r.discovered.duration.toFixed(2)} s of ${publishSeconds.toFixed(2)} s, ` +
       `${r.decoded.video.frames} frames decoded (${last.framesSent} sent)`);
}, { timeoutMs: 110000 });
