// webrtcrecv records a producer made with gst-plugins-rs' reference browser
// client, gstwebrtc-api 3.0.0 (npm), through a server that needs a token
// (?token= in both URLs): Chromium publishes its fake camera and
// microphone with createProducerSession() to gst-webrtc-serve (the library
// registers as listener+producer, offers with addTrack'ed sendrecv
// transceivers and trickles candidates as RTCIceCandidate.toJSON(), without
// end-of-candidates); gst-launch-1.0 -e webrtcrecv records it for ~6 s and
// is stopped with SIGINT. The file must hold VP8 video and Opus audio for as
// long as the browser sent (±10%) and decode to its end; the library must
// see its consumer come and go without an error.
// SPDX-License-Identifier: LGPL-2.1-or-later
import path from 'node:path';
import { runTest, info, assert, fail, sleep, waitFor, nodeModule, HERE } from './lib.mjs';
import { startRecorder, fileGrowing, interruptRecorder, checkRecording } from './record-lib.mjs';

const RECORD_SECONDS = 6;
const NAME = 'gstwebrtc-api-producer';
const TOKEN = 'api-secret';

runTest('record-gstwebrtc-api', async (t) => {
  const lib = nodeModule('gstwebrtc-api', 'dist', 'gstwebrtc-api-3.0.0.min.js');
  const pageUrl = await t.serveFiles({
    '/': path.join(HERE, 'gstwebrtc-api-producer.html'),
    '/gstwebrtc-api.min.js': lib,
  });
  // gst-webrtc-serve with a token: the library passes it in its URL.
  const server = await t.startServer({ args: ['--token', TOKEN] });
  const wsUrl = `${server.wsUrl}?token=${TOKEN}`;
  const browser = await t.launchBrowser();
  const page = await t.openPage(browser, pageUrl, 'gstwebrtc-api');
  const status = () => page.evaluate(() => window.apiProducer.status());

  await page.evaluate(([url, name]) => window.apiProducer.connect(url, name), [wsUrl, NAME]);
  await waitFor(async () => (await status()).connected,
                { timeoutMs: 10000, what: 'gstwebrtc-api to connect (welcome + listener registration)' });
  const kinds = await page.evaluate(() => window.apiProducer.publish(true));
  info(`gstwebrtc-api publishes ${kinds.join(' + ')}`);
  const s0 = await waitFor(async () => {
    const s = await status();
    if (s.errors.length || s.closed) fail(`the producer session failed: ${JSON.stringify(s)}`);
    return s.sessionState === 'streaming' ? s : null;
  }, { timeoutMs: 10000, what: 'the gstwebrtc-api producer session to be registered (state streaming)' })
    .catch(async (e) => { fail(`${e.message}; status ${JSON.stringify(await status())}`); });
  info(`gstwebrtc-api producer ${s0.clientId} is registered (states ${s0.states.join(',')})`);

  const file = path.join(t.tmpDir, 'rec-gstwebrtc-api.mkv');
  const recorder = startRecorder(t, { wsUrl, producerId: s0.clientId, file });
  const stats = () => page.evaluate(() => window.apiProducer.stats());
  const first = await waitFor(async () => {
    const s = await status();
    if (s.errors.length) fail(`gstwebrtc-api reported errors: ${s.errors.join('; ')}`);
    t.checkAlive(recorder);
    const st = await stats();
    return st.connectionState === 'connected' ? st : null;
  }, { timeoutMs: 20000, intervalMs: 100, what: 'gstwebrtc-api\'s session with the recorder to connect' });
  const connectedAt = Date.now();
  info(`connected ${((connectedAt - recorder.startedAt) / 1000).toFixed(2)} s after the recorder started ` +
       `(${first.videoCodec || 'no video yet'})`);
  await fileGrowing(file);
  info(`the file grows ${((Date.now() - recorder.startedAt) / 1000).toFixed(2)} s after the recorder started`);

  await sleep(Math.max(0, RECORD_SECONDS * 1000 - (Date.now() - connectedAt)));
  t.checkAlive(server.child, recorder);
  const last = await stats();
  assert(last.connectionState === 'connected', `the session is ${last.connectionState} before the end`);
  const stoppedAt = Date.now();
  const exitSeconds = await interruptRecorder(recorder);
  assert(recorder.exitCode === 0, `the recorder ${recorder.describeExit()} after SIGINT\n${recorder.tail()}`);
  const publishSeconds = (stoppedAt - connectedAt) / 1000;
  info(`recorder exited ${exitSeconds.toFixed(2)} s after SIGINT; gstwebrtc-api sent ${last.framesSent} frames ` +
       `${last.width}x${last.height} ${last.videoCodec}, ${last.audioPacketsSent} audio packets`);
  assert(last.audioPacketsSent > 0, 'gstwebrtc-api sent no audio');

  const r = await checkRecording(t, file, { videoCaps: 'video/x-vp8', audio: true, publishSeconds,
                                            framesSent: last.framesSent, who: 'gstwebrtc-api' });

  // The recorder left: the library sees its consumer go, and nothing else.
  const s1 = await waitFor(async () => {
    const s = await status();
    return s.consumers.length === 1 && s.consumers[0].removed ? s : null;
  }, { timeoutMs: 10000, what: 'gstwebrtc-api to see its consumer (the recorder) leave' });
  assert(s1.errors.length === 0, `gstwebrtc-api reported errors: ${s1.errors.join('; ')}`);
  assert(s1.sessionState === 'streaming' && !s1.closed,
         `the producer session is ${s1.sessionState} after its consumer left, expected streaming`);
  info(`gstwebrtc-api: ${r.discovered.duration.toFixed(2)} s recorded of ${publishSeconds.toFixed(2)} s, ` +
       `first video pts ${r.decoded.video.first.toFixed(2)} s, ${r.decoded.video.frames} frames ` +
       `(${last.framesSent} sent)`);
}, { timeoutMs: 90000 });
