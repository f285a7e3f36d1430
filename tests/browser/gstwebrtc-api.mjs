// Interop with gst-plugins-rs' reference browser client, gstwebrtc-api 3.0.0
// (npm): connected to gst-webrtc-serve (with a token, ?token= in its
// signalingServerUrl) through its signalingServerUrl, it lists
// our webrtcsend producer through its peer listener, consumes it with
// createConsumerSession and decodes 640x480 video at the source's rate.
// The library throws on any message type it does not know, so a clean run
// also says our server sends it nothing unexpected.
// SPDX-License-Identifier: LGPL-2.1-or-later
import path from 'node:path';
import { runTest, info, assert, fail, sleep, waitFor, nodeModule, HERE } from './lib.mjs';

const TOKEN = 'api-secret';

runTest('gstwebrtc-api', async (t) => {
  const lib = nodeModule('gstwebrtc-api', 'dist', 'gstwebrtc-api-3.0.0.min.js');
  const pageUrl = await t.serveFiles({
    '/': path.join(HERE, 'gstwebrtc-api.html'),
    '/gstwebrtc-api.min.js': lib,
  });
  // A server that needs a token; the library and webrtcsend pass it in their URLs.
  const server = await t.startServer({ args: ['--token', TOKEN] });
  const wsUrl = `${server.wsUrl}?token=${TOKEN}`;
  const producer = t.startProducer({ uri: wsUrl, name: 'gstwebrtc-api-interop', videoCodecs: 'vp8' });
  const browser = await t.launchBrowser();
  const page = await t.openPage(browser, pageUrl, 'gstwebrtc-api');
  await page.evaluate((url) => window.apiTest.connect(url), wsUrl);

  await waitFor(() => page.evaluate(() => window.apiTest.status().connected),
                { timeoutMs: 10000, what: 'gstwebrtc-api to connect (welcome + listener registration)' });
  const p = await waitFor(async () => {
    const s = await page.evaluate(() => window.apiTest.status());
    if (s.errors.length) fail(`gstwebrtc-api reported errors: ${s.errors.join('; ')}`);
    return s.producers.find((x) => x.meta && x.meta.name === 'gstwebrtc-api-interop');
  }, { timeoutMs: 20000, what: 'gstwebrtc-api to list our producer' });
  info(`gstwebrtc-api lists producer ${p.id} ${JSON.stringify(p.meta)}`);

  const index = await page.evaluate((id) => window.apiTest.consume(id), p.id);
  const stats = () => page.evaluate((i) => window.apiTest.stats(i), index);
  await waitFor(async () => {
    const s = await stats();
    if (s.errors.length || s.closed) fail(`consumer session failed: ${JSON.stringify(s)}`);
    return s.framesDecoded >= 30 ? s : null;
  }, { timeoutMs: 25000, what: 'gstwebrtc-api\'s consumer session to decode 30 frames' });

  // 3 s windows; one off by more than 20% is measured again (up to 3 in all).
  let a, b, fps;
  const windows = [];
  for (let i = 0; i < 3; i++) {
    a = await stats();
    await sleep(3000);
    b = await stats();
    fps = (b.framesDecoded - a.framesDecoded) / ((b.timestamp - a.timestamp) / 1000);
    windows.push(fps.toFixed(1));
    if (Math.abs(fps - 30) <= 6) break;
  }
  t.checkAlive(server.child, producer);
  info(`gstwebrtc-api: ${b.width}x${b.height} ${fps.toFixed(1)} fps ${b.videoCodec} ` +
       `audio ${b.audioPacketsReceived} packets, states ${b.states.join(',')}`);
  assert(b.framesDecoded > a.framesDecoded, 'no frame decoded during 3 s');
  assert(b.width === 640 && b.height === 480, `decoded ${b.width}x${b.height}, expected 640x480`);
  assert(b.videoWidth === 640 && b.videoHeight === 480,
         `the <video> element shows ${b.videoWidth}x${b.videoHeight}, expected 640x480`);
  assert(Math.abs(fps - 30) <= 6, `decoded ${fps.toFixed(1)} fps, expected 30 ± 20% (windows: ${windows.join(', ')})`);
  assert(b.videoCodec === 'video/VP8', `codec ${b.videoCodec}, expected video/VP8`);
  assert(b.audioPacketsReceived > 0, 'no audio packet received');

  // Ending the session from the browser side must not upset either end.
  await page.evaluate((i) => window.apiTest.close(i), index);
  await sleep(1000);
  t.checkAlive(server.child, producer);
  const s = await page.evaluate(() => window.apiTest.status());
  assert(s.connected, 'gstwebrtc-api lost its signalling connection after closing the session');
  const errors = s.errors.filter((e) => !/closed/i.test(e));
  assert(errors.length === 0, `gstwebrtc-api reported errors: ${errors.join('; ')}`);
}, { timeoutMs: 100000 });
