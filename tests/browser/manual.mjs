// The manual (copy-paste) signalling page, tools/web/manual.html, opened from
// a file:// URL (no server at all), against gst-launch-1.0 with `manual:` on
// stdin/stdout:
//  * token decoding in the page: all four forms, and a bad paste gets a
//    message, not a dead page;
//  * Watch: webrtcsend uri=manual: prints an offer token; pasted into the
//    page, the page's answer token goes to webrtcsend's stdin; the page then
//    decodes 320x240 frames;
//  * Publish: the page offers its (fake) camera; webrtcrecv uri=manual:
//    reads that offer on stdin and prints the answer, pasted into the page;
//    the page connects and fakesink receives buffers.
// SPDX-License-Identifier: LGPL-2.1-or-later
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  runTest, info, assert, fail, waitFor, sleep, SOURCE_ROOT,
} from './lib.mjs';
import { launchPiped, tokenFrom } from './manual-lib.mjs';

async function pageState(page) {
  return page.evaluate(async () => ({
    state: window.gstsigManual.state(),
    error: window.gstsigManual.error(),
    stats: await window.gstsigManual.stats(),
  }));
}

runTest('manual', async (t) => {
  const url = pathToFileURL(path.join(SOURCE_ROOT, 'tools', 'web', 'manual.html')).href;
  const browser = await t.launchBrowser();
  const page = await t.openPage(browser, url, 'manual');
  await waitFor(() => page.evaluate(() => !!window.gstsigManual), { timeoutMs: 5000, what: 'window.gstsigManual' });

  // --- Token decoding in the page.
  const dec = await page.evaluate(async () => {
    const m = window.gstsigManual;
    const sdp = 'v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\n';
    const desc = { type: 'offer', sdp };
    const b64 = await m.encodeToken(desc, false);
    const z = await m.encodeToken(desc, true);
    const out = {};
    for (const [k, tok] of [['b64', b64], ['z', z], ['json', JSON.stringify(desc)], ['raw', sdp.replace(/\r\n/g, '\n')],
                            ['b64wrapped', b64.replace(/(.{20})/g, '$1\n')]]) {
      try { out[k] = (await m.decodeToken(tok, 'offer')).sdp === sdp; } catch (e) { out[k] = e.message; }
    }
    out.zPrefix = z.startsWith('z:');
    out.b64IsPion = JSON.parse(atob(b64)).type === 'offer';
    const bad = await m.paste('this is not a token');
    const cut = await m.paste(b64.slice(0, 40));
    return { out, bad, cut, state: m.state(), error: m.error() };
  });
  info(`decoding: ${JSON.stringify(dec.out)}; bad paste: ${dec.bad.error}`);
  for (const [k, v] of Object.entries(dec.out)) assert(v === true, `token form ${k}: ${v}`);
  assert(!dec.bad.ok && /not accepted/.test(dec.bad.error), `a bad paste was not refused with a message: ${JSON.stringify(dec.bad)}`);
  assert(!dec.cut.ok, `a cut base64 token was accepted: ${JSON.stringify(dec.cut)}`);
  const shown = await page.locator('#error').innerText();
  assert(/not accepted/.test(shown), `the page does not show the bad paste's message (shows "${shown}")`);

  // --- Watch: webrtcsend offers (compressed, "z:"), the page answers.
  const send = launchPiped(t, 'webrtcsend', ['-q', 'videotestsrc', 'is-live=true', '!',
    'video/x-raw,width=320,height=240,framerate=30/1', '!', 'webrtcsend', 'uri=manual:?compress=1',
    'video-codecs=vp8']);
  const offer = await tokenFrom(send, 'its offer token');
  info(`webrtcsend offer token: ${offer.length} characters`);
  assert(offer.startsWith('z:'), `webrtcsend with ?compress=1 printed no "z:" token: ${offer.slice(0, 40)}`);
  const r = await page.evaluate((tok) => window.gstsigManual.paste(tok), offer);
  assert(r.ok, `the page refused webrtcsend's offer: ${r.error}`);
  const answer = await waitFor(() => page.evaluate(() => window.gstsigManual.localToken()),
                               { timeoutMs: 15000, what: 'the page\'s answer token' });
  const shownToken = await page.locator('#local').inputValue();
  assert(shownToken === answer, 'the answer textarea does not hold the answer token');
  info(`page answer token: ${answer.length} characters; state ${await page.evaluate(() => window.gstsigManual.state())}`);
  send.proc.stdin.write(answer + '\n');

  const first = await waitFor(async () => {
    send.alive();
    const s = await pageState(page);
    if (s.state === 'failed') fail(`the page failed: ${s.error}`);
    return s.state === 'connected' && s.stats.framesDecoded >= 10 ? s : null;
  }, { timeoutMs: 25000, what: 'the page to connect and decode frames' });
  await sleep(2000);
  const later = await pageState(page);
  info(`watch: ${JSON.stringify(first.stats)} -> ${JSON.stringify(later.stats)}`);
  assert(later.stats.framesDecoded > first.stats.framesDecoded, 'framesDecoded stopped growing');
  assert(later.stats.width === 320 && later.stats.height === 240,
         `decoded ${later.stats.width}x${later.stats.height}, expected 320x240`);
  send.alive();
  const video = await page.evaluate(() => { const v = document.getElementById('video');
    return { w: v.videoWidth, h: v.videoHeight, paused: v.paused }; });
  assert(video.w === 320 && video.h === 240 && !video.paused, `the video element does not play 320x240: ${JSON.stringify(video)}`);

  // --- Publish: the page offers, webrtcrecv answers.
  await page.evaluate(() => window.gstsigManual.mode('publish'));
  await page.locator('#pub-audio').uncheck();
  await page.locator('#compress').check();
  const started = await page.evaluate(() => window.gstsigManual.start());
  assert(started, `the page did not make an offer: ${await page.evaluate(() => window.gstsigManual.error())}`);
  const pageOffer = await waitFor(() => page.evaluate(() => window.gstsigManual.localToken()),
                                  { timeoutMs: 15000, what: 'the page\'s offer token' });
  info(`page offer token: ${pageOffer.length} characters`);
  assert(pageOffer.startsWith('z:'), `the page's offer is not compressed though "compress" is checked: ${pageOffer.slice(0, 40)}`);
  const recv = launchPiped(t, 'webrtcrecv', ['-v', 'webrtcrecv', 'uri=manual:', '!', 'fakesink', 'silent=false']);
  recv.proc.stdin.write(pageOffer + '\n');
  const recvAnswer = await tokenFrom(recv, 'its answer token');
  info(`webrtcrecv answer token: ${recvAnswer.length} characters`);
  const r2 = await page.evaluate((tok) => window.gstsigManual.paste(tok), recvAnswer);
  assert(r2.ok, `the page refused webrtcrecv's answer: ${r2.error}`);
  await waitFor(async () => {
    recv.alive();
    const s = await pageState(page);
    if (s.state === 'failed') fail(`the page failed: ${s.error}`);
    return s.state === 'connected' && s.stats.packetsSent > 0;
  }, { timeoutMs: 25000, what: 'the publishing page to connect and send' });
  const chains = () => recv.lines.filter((l) => l.tag === 'out' && /last-message = chain/.test(l.text)).length;
  await waitFor(() => { recv.alive(); return chains() >= 10; },
               { timeoutMs: 20000, what: 'fakesink after webrtcrecv to receive 10 buffers' })
    .catch((e) => fail(`${e.message}\n  last output of webrtcrecv:\n${recv.tail()}`));
  const n1 = chains();
  await sleep(2000);
  recv.alive();
  info(`publish: fakesink got ${n1} then ${chains()} buffers`);
  assert(chains() > n1, 'buffers stopped arriving at fakesink');
}, { timeoutMs: 110000 });
