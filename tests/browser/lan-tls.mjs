// A browser on another machine of a LAN publishes its camera over https, and
// cannot over plain http (docs/security.md, "Why TLS matters on a LAN").
//
// The test makes two network namespaces joined by a veth pair: "s" (the
// server machine, 10.99.0.1) and "v" (the visitor's machine, 10.99.0.2).
// In s: gst-webrtc-serve --self-signed on 8443 (https/wss), a plain
// gst-webrtc-serve on 8080 (http/ws), and gst-webrtc-record --all over wss,
// trusting the served certificate with --ca-file. In v: headless Chromium
// with its DEFAULT WebRTC settings (mDNS hiding of local addresses on, no
// loopback flag), accepting the self-signed certificate by its key
// (--ignore-certificate-errors-spki-list), as a user accepting the warning
// would. So the media crosses the veth link between two hosts, not loopback.
//
// https: the publish page is a secure context, captures the fake camera and
// microphone and goes live; the recorder reports a started recording; after
// ~6 s SIGINT finalizes the file, which must hold the codec the browser sent
// plus Opus, last as long as the browser published (±10%) and decode to its end.
// http: the same page is not a secure context, has no navigator.mediaDevices,
// and "Start camera" shows the user why; its signalling still connects (it
// could watch).
//
// Needs root (ip netns add); it is not run inside run-in-netns.sh. The
// namespaces are named after this process's PID and are deleted, with
// whatever still runs in them, when the test ends.
//
// SPDX-License-Identifier: LGPL-2.1-or-later

import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

import { assert, fail, info, runTest, sleep, waitFor } from './lib.mjs';
import {
  NS_SERVER, SERVER_IP, fetchCertificate, launchVisitorBrowser, lanSettled, makeLan, spawnIn,
  startServe,
} from './lan-lib.mjs';
import { checkRecording, interruptRecorder, openPublisher, publisherSending } from './record-lib.mjs';
import { RECORD_BIN, events, waitEvent } from '../record/record-lib.mjs';

const RECORD_SECONDS = 6;
const TLS_PORT = 8443;
const PLAIN_PORT = 8080;
const CAPS = { 'video/VP8': 'video/x-vp8', 'video/VP9': 'video/x-vp9', 'video/H264': 'video/x-h264' };

runTest('lan-tls', async (t) => {
  if (!fs.existsSync(RECORD_BIN)) fail(`${RECORD_BIN} does not exist: build the project first`);
  makeLan(t);

  // The server machine.
  const tls = await startServe(t, 'gst-webrtc-serve https', ['--port', String(TLS_PORT), '--self-signed']);
  const fpLine = await tls.child.waitForLine(/certificate SHA-256 ([0-9A-Fa-f:]+)/, 5000, 'its certificate fingerprint');
  const fingerprint = fpLine[1].toUpperCase();
  assert(tls.url === `https://${SERVER_IP}:${TLS_PORT}/`, `gst-webrtc-serve --self-signed announced ${tls.url}, ` +
         `expected https://${SERVER_IP}:${TLS_PORT}/`);
  const plain = await startServe(t, 'gst-webrtc-serve http', ['--port', String(PLAIN_PORT)]);
  assert(plain.url === `http://${SERVER_IP}:${PLAIN_PORT}/`, `gst-webrtc-serve announced ${plain.url}, ` +
         `expected http://${SERVER_IP}:${PLAIN_PORT}/`);
  info(`${tls.url} (certificate SHA-256 ${fingerprint}) and ${plain.url}`);

  // What the visitor's machine is shown: the certificate the server printed,
  // naming the LAN address.
  const cert = fetchCertificate(tls.url);
  assert(cert.fingerprint256 === fingerprint, `the certificate served on ${tls.url} has SHA-256 ` +
         `${cert.fingerprint256}, gst-webrtc-serve printed ${fingerprint}`);
  assert(cert.checkIP(SERVER_IP), `the self-signed certificate does not name ${SERVER_IP} (its names: ` +
         `${cert.subjectAltName}): a browser reaching the server by that address gets a name mismatch`);
  const certFile = path.join(t.tmpDir, 'served-cert.pem');
  fs.writeFileSync(certFile, cert.toString());
  const spki = crypto.createHash('sha256')
    .update(cert.publicKey.export({ type: 'spki', format: 'der' })).digest('base64');

  // The recorder, on the server machine, over wss, trusting that certificate.
  const outDir = path.join(t.tmpDir, 'recordings');
  fs.mkdirSync(outDir);
  const wssUrl = tls.url.replace(/^https/, 'wss');
  // RECORDER_GST_DEBUG=categories: a debug log of the recorder in the test's
  // tmp dir (kept when the test fails).
  const recorderEnv = process.env.RECORDER_GST_DEBUG
    ? { GST_DEBUG: process.env.RECORDER_GST_DEBUG, GST_DEBUG_FILE: path.join(t.tmpDir, 'recorder.log'),
        GST_DEBUG_NO_COLOR: '1' }
    : {};
  const recorder = spawnIn(t, NS_SERVER, 'gst-webrtc-record', RECORD_BIN,
                           ['--server', wssUrl, '--ca-file', certFile, '--all', '--output', outDir, '--json'],
                           recorderEnv);
  await recorder.waitForLine(/waiting for a producer on wss:/, 10000,
                             `that it is connected to ${wssUrl} and waiting for producers`);

  // The visitor's machine: Chromium with default WebRTC settings.
  await lanSettled();
  const browser = await launchVisitorBrowser(t, [`--ignore-certificate-errors-spki-list=${spki}`]);

  // https: publish the camera; the recorder records it.
  const { page, peerId } = await openPublisher(t, browser, tls.url, { name: 'lan-visitor', label: 'https-publisher' });
  const secure = await page.evaluate(() => ({ secure: window.isSecureContext, media: !!navigator.mediaDevices,
                                              state: document.getElementById('pub-state').textContent }));
  assert(secure.secure && secure.media, `the https publish page: isSecureContext ${secure.secure}, ` +
         `navigator.mediaDevices ${secure.media ? 'present' : 'missing'}`);
  assert(secure.state === 'live', `the https publish page shows "${secure.state}", expected "live"`);
  const started = await waitEvent(recorder, 'started', { timeoutMs: 20000, pred: (e) => e.producer === peerId });
  const c = await publisherSending(page);
  const connectedAt = c.connectedAt;
  info(`the recorder started ${started.file}; the page sends ${c.stats.width}x${c.stats.height} ` +
       `${c.stats.videoCodec} to it`);
  const caps = CAPS[c.stats.videoCodec];
  assert(caps, `the browser sends ${c.stats.videoCodec}, which this test does not know`);

  // How the browser reached the recorder across the link. (Chromium hides
  // its addresses behind .local names only from pages without camera or
  // microphone access: this page has it, so its host candidates are
  // literal, mDNS hiding on or not.)
  const route = await page.evaluate(async (sessionId) => {
    const pc = window.gstsigPublish.peerConnection(sessionId);
    const stats = [...(await pc.getStats()).values()];
    const byId = new Map(stats.map((s) => [s.id, s]));
    const transport = stats.find((s) => s.type === 'transport' && s.selectedCandidatePairId);
    const pair = transport && byId.get(transport.selectedCandidatePairId);
    const desc = (s) => s && `${s.candidateType} ${s.address}:${s.port}`;
    return pair && { local: desc(byId.get(pair.localCandidateId)), remote: desc(byId.get(pair.remoteCandidateId)),
                     locals: stats.filter((s) => s.type === 'local-candidate').map(desc) };
  }, c.sessionId);
  info(`selected candidate pair: browser ${route && route.local} -> recorder ${route && route.remote}; ` +
       `browser's candidates: ${route && route.locals.join(', ')}`);
  assert(route && route.remote && route.remote.includes(SERVER_IP),
         `the browser's media does not go to the recorder at ${SERVER_IP}: ${JSON.stringify(route)}`);

  await sleep(Math.max(0, RECORD_SECONDS * 1000 - (Date.now() - connectedAt)));
  t.checkAlive(tls.child, plain.child, recorder);
  const [last] = await page.evaluate(() => window.gstsigPublish.refresh());
  assert(last && last.state === 'connected', `the publisher's session with the recorder is not connected ` +
         `any more: ${JSON.stringify(last)}`);
  const badge = await page.evaluate(() => [...document.querySelectorAll('#consumers .tile.consumer .badge')]
    .map((b) => b.textContent));
  assert(badge.length === 1 && badge[0] === 'connected', `the https publish page shows its consumers as ` +
         `${JSON.stringify(badge)}, expected one "connected"`);
  const stoppedAt = Date.now();
  const exitSeconds = await interruptRecorder(recorder);
  assert(recorder.exitCode === 0, `the recorder ${recorder.describeExit()} after SIGINT\n${recorder.tail()}`);
  const publishSeconds = (stoppedAt - connectedAt) / 1000;
  const finished = events(recorder).find((e) => e.event === 'finished' && e.producer === peerId);
  assert(finished, `the recorder exited without a 'finished' event for ${peerId}\n${recorder.tail()}`);
  const errors = events(recorder).filter((e) => e.event === 'error');
  assert(errors.length === 0, `the recorder reported errors: ${JSON.stringify(errors)}`);
  info(`recorder exited ${exitSeconds.toFixed(2)} s after SIGINT: ${finished.file}, ${finished.bytes} bytes, ` +
       `${finished.duration.toFixed(2)} s`);
  await page.evaluate(() => window.gstsigPublish.stop());

  // http: the same page, from the same browser, has no camera.
  const httpPage = await t.openPage(browser, `${plain.url}publish.html?name=lan-visitor-http`, 'http-publisher');
  await waitFor(() => httpPage.evaluate(() => window.gstsigPublish && window.gstsigPublish.connection() === 'ready'),
                { timeoutMs: 10000, what: `the http publish page to connect to ${plain.url} (ws://)` });
  const insecure = await httpPage.evaluate(() => ({ secure: window.isSecureContext,
                                                    media: typeof navigator.mediaDevices }));
  assert(insecure.secure === false, `the page from ${plain.url} is a secure context: it should not be (plain http, ` +
         `not localhost)`);
  assert(insecure.media === 'undefined', `the page from ${plain.url} has navigator.mediaDevices (${insecure.media}): ` +
         `a browser should give no camera to a plain http page of another machine`);
  await httpPage.click('#btn-camera');
  const shown = await waitFor(() => httpPage.evaluate(() => {
    const st = document.getElementById('pub-state').textContent;
    return st === 'failed' && { state: st, overlay: document.getElementById('preview-overlay').textContent };
  }), { timeoutMs: 5000, what: 'the http publish page to show that "Start camera" failed' });
  assert(/secure context/.test(shown.overlay), `after "Start camera" the http page says "${shown.overlay}", ` +
         `which does not tell the user that a secure context (https) is needed`);
  info(`http page: isSecureContext false, no navigator.mediaDevices; "Start camera" shows "${shown.overlay}"`);

  // The file.
  const file = path.resolve(started.file);
  assert(finished.file === started.file, `the recorder started ${started.file} but finished ${finished.file}`);
  const r = await checkRecording(t, file, { videoCaps: caps, audio: true, publishSeconds,
                                            framesSent: last.stats.framesSent, who: 'lan' });
  info(`recorded ${r.discovered.duration.toFixed(2)} s of ${publishSeconds.toFixed(2)} s published over the LAN, ` +
       `${r.decoded.video.frames} video frames (${last.stats.framesSent} sent), ` +
       `${r.discovered.width}x${r.discovered.height} ${caps}`);
}, { timeoutMs: 90000, ownNamespaces: true });
