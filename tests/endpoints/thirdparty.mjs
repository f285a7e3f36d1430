// Interop with a WHIP/WHEP client nobody here wrote: the npm package
// whip-whep (medooze), in headless Chromium, against our endpoints.
// 1. Its WHIPClient publishes the fake camera and microphone to
//    webrtcrecv uri=whip-listen:// (bearer token); gst-launch-1.0 records
//    into Matroska; its stop() (DELETE) finalizes the file, which must hold
//    VP8 and Opus and decode.
// 2. Its WHEPClient plays webrtcsend uri=whep-listen://: video frames decoded
//    at the source's size, audio packets received.
// SPDX-License-Identifier: LGPL-2.1-or-later
import path from 'node:path';
import { runTest, info, assert, sleep, waitFor, nodeModule } from '../browser/lib.mjs';
import { fileGrowing, recorderExits, checkRecording } from '../browser/record-lib.mjs';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const WHIP_URL = /(?:WHIP endpoint listening on|whip-listen: listening on) (http:\/\/\S+)/;
const WHEP_URL = /(?:WHEP endpoint listening on|whep-listen: listening on) (http:\/\/\S+)/;

runTest('thirdparty-whip-whep', async (t) => {
  const pageUrl = await t.serveFiles({
    '/': path.join(HERE, 'thirdparty-page.html'),
    '/whip.js': nodeModule('whip-whep', 'whip.js'),
    '/whep.js': nodeModule('whip-whep', 'whep.js'),
  });
  const browser = await t.launchBrowser();

  // ---- 1. WHIPClient -> whip-listen, recorded.
  const file = path.join(t.tmpDir, 'thirdparty.mkv');
  const recorder = t.launch('recorder', ['-e', 'webrtcrecv', 'uri=whip-listen://127.0.0.1:0/whip',
    'signaller::auth-token=s3cret', 'name=r',
    'r.video_0', '!', 'queue', '!', 'matroskamux', 'name=m', '!', 'filesink', `location=${file}`,
    'r.audio_0', '!', 'queue', '!', 'm.audio_0']);
  const whipUrl = (await recorder.waitForLine(WHIP_URL, 15000, 'its WHIP endpoint'))[1];
  info(`WHIP endpoint: ${whipUrl}`);
  const publisher = await t.openPage(browser, pageUrl, 'whip-whep publisher');
  await waitFor(() => publisher.evaluate(() => window.thirdPartyReady === true),
                { timeoutMs: 10000, what: 'the page to load whip-whep' });
  await publisher.evaluate(([url]) => window.thirdParty.publish(url, 's3cret'), [whipUrl]);
  const publishedAt = Date.now(); // the answer is applied: media starts now
  const sending = await waitFor(async () => {
    const s = await publisher.evaluate(() => window.thirdParty.publishing());
    return (s.ice === 'connected' || s.ice === 'completed') && s.framesSent >= 30 ? s : null;
  }, { timeoutMs: 20000, what: 'WHIPClient to connect and send 30 frames' });
  info(`WHIPClient: ${JSON.stringify(sending)}`);
  await fileGrowing(file);
  await sleep(4000);
  t.checkAlive(recorder);
  const last = await publisher.evaluate(() => window.thirdParty.publishing());
  const stoppedAt = Date.now();
  await publisher.evaluate(() => window.thirdParty.stopPublishing());
  await recorderExits(recorder, 10000);
  assert(recorder.exitCode === 0, `the recorder ${recorder.describeExit()} after WHIPClient.stop()\n${recorder.tail()}`);
  const r = await checkRecording(t, file, { videoCaps: 'video/x-vp8', audio: true,
                                            publishSeconds: (stoppedAt - publishedAt) / 1000,
                                            framesSent: last.framesSent, who: 'whip-whep' });
  info(`recorded ${r.discovered.duration.toFixed(2)} s, ${r.decoded.video.frames} frames decoded ` +
       `(${last.framesSent} sent)`);

  // ---- 2. WHEPClient <- whep-listen.
  const producer = t.startProducer({ uri: 'whep-listen://127.0.0.1:0/whep', videoCodecs: 'vp8' });
  const whepUrl = (await producer.waitForLine(WHEP_URL, 15000, 'its WHEP endpoint'))[1];
  info(`WHEP endpoint: ${whepUrl}`);
  const viewer = await t.openPage(browser, pageUrl, 'whip-whep viewer');
  await waitFor(() => viewer.evaluate(() => window.thirdPartyReady === true),
                { timeoutMs: 10000, what: 'the page to load whip-whep' });
  await viewer.evaluate(([url]) => window.thirdParty.view(url), [whepUrl]);
  const first = await waitFor(async () => {
    const s = await viewer.evaluate(() => window.thirdParty.viewing());
    return s.framesDecoded >= 30 && s.audioReceived > 0 ? s : null;
  }, { timeoutMs: 20000, what: 'WHEPClient to decode 30 frames and receive audio' });
  await sleep(2000);
  const later = await viewer.evaluate(() => window.thirdParty.viewing());
  info(`WHEPClient: ${JSON.stringify(first)} -> ${JSON.stringify(later)}`);
  assert(later.framesDecoded > first.framesDecoded + 20, 'WHEPClient stopped decoding');
  assert(later.audioReceived > first.audioReceived, 'WHEPClient stopped receiving audio');
  assert(later.videoWidth === 640 && later.videoHeight === 480,
         `WHEPClient shows ${later.videoWidth}x${later.videoHeight}, expected 640x480`);
  t.checkAlive(producer);
  t.checkPageErrors();
}, { timeoutMs: 110000 });
