// A browser on another machine of a LAN watches webrtcsend, when only OUR
// connectivity checks can reach the browser: webrtcsend must resolve the
// browser's ".local" host candidate itself (a one-shot mDNS query).
//
// Two network namespaces joined by a veth pair (lan-lib.mjs): "s", the
// sender's machine, runs `webrtcsend serve=10.99.0.1:PORT` (the embedded
// web app and signalling); "v", the visitor's, runs headless Chromium with
// its DEFAULT WebRTC settings, watching the page of that server. The page
// has no camera access, so Chromium hides its host address behind a random
// "<uuid>.local" name and answers mDNS queries for it (its MdnsResponder).
// The sender's machine has a stateful firewall (nftables): it accepts the
// signalling port, mDNS (as firewalld's "mdns" service does) and what
// belongs to connections it began, and drops every other inbound packet.
// The browser's checks are dropped until webrtcsend has sent its own to the
// browser's address, which it knows only through mDNS. Without the
// resolution no connection forms (no peer-reflexive rescue either).
//
// Checks: the browser's candidates are .local only; frames decode within
// 20 s; the browser received and answered our checks on the pair it uses
// (requestsReceived, responsesSent); webrtcsend logged what it resolved;
// the firewall dropped something (it was in the way). Figures: time from
// the click to the first decoded frame, and mDNS resolution time.
//
// Then the same through the manual signaller (the manual page, from the
// first webrtcsend's server: from a file:// URL Chromium 156 gives literal
// addresses; a second webrtcsend uri=manual:): no trickle there, the
// browser's .local candidates come inside its answer SDP.
//
// Last, a browser on the sender's OTHER link: a second visitor namespace
// "w" on a second veth (10.98.0.0/24), while the sender's default route
// goes out of the first. Multicast leaves by the default route unless sent
// out of each link, so the query must go out of both (before that fix, this
// viewer's name was never resolved and, behind this firewall, it never
// connected; without the firewall libnice sometimes sat in "checking" for
// 17 s on the browser's peer-reflexive candidate: capped-two-viewers).
//
// Needs root (ip netns add, nft); it is not run inside run-in-netns.sh.
//
// SPDX-License-Identifier: LGPL-2.1-or-later

import { spawnSync } from 'node:child_process';

import {
  assert, fail, info, runTest, viewerDecoding, viewerProducer, viewerReady, waitFor,
} from './lib.mjs';
import {
  NS_SERVER, NS_VISITOR2, SERVER_IP, VISITOR2_IP, VISITOR_IP, addSecondVisitor, lanSenderAndViewer,
  lanSettled, launchVisitorBrowser, makeLan,
} from './lan-lib.mjs';
import { launchPiped, tokenFrom } from './manual-lib.mjs';

const PORT = 8080;
const NAME = 'lan-mdns';
const SESSION_INFO = { GST_DEBUG: '*:1,webrtcsignal-session:4', GST_DEBUG_NO_COLOR: '1' };
// webrtcsend's INFO line for a resolved name: [name, address, ms].
const RESOLVED = /the peer's (\S+\.local) is (\S+) \(mDNS, (\d+) ms\)/;

// The sender's firewall: inbound, only the signalling port, mDNS and what
// belongs to connections the machine began.
function firewall() {
  const rules = `
table inet gsltest {
  chain input {
    type filter hook input priority 0; policy accept;
    iif "lo" accept
    ct state established,related accept
    tcp dport ${PORT} accept
    udp dport 5353 accept
    meta l4proto udp counter drop
    meta l4proto tcp counter drop
  }
}
`;
  const r = spawnSync('ip', ['netns', 'exec', NS_SERVER, 'nft', '-f', '-'],
                      { input: rules, encoding: 'utf8', timeout: 10000 });
  if (r.error || r.status !== 0) {
    fail(`cannot load the firewall rules in ${NS_SERVER} (nft, Debian package nftables): ` +
         `${r.error ? r.error.message : (r.stderr || '').trim()}`);
  }
}

// Packets the firewall dropped so far: { udp, tcp }.
function dropped() {
  const r = spawnSync('ip', ['netns', 'exec', NS_SERVER, 'nft', '-j', 'list', 'table', 'inet', 'gsltest'],
                      { encoding: 'utf8', timeout: 10000 });
  const out = { udp: 0, tcp: 0 };
  if (r.status !== 0) return out;
  for (const item of JSON.parse(r.stdout).nftables) {
    const rule = item.rule;
    if (!rule) continue;
    const proto = rule.expr.map((e) => e.match && e.match.right).find((v) => v === 'udp' || v === 'tcp');
    const counter = rule.expr.find((e) => e.counter);
    if (proto && counter) out[proto] = counter.counter.packets;
  }
  return out;
}

runTest(NAME, async (t) => {
  makeLan(t, { defaultRoute: true });
  firewall();
  info(`firewall in ${NS_SERVER}: inbound tcp ${PORT}, udp 5353 (mDNS), established/related; the rest dropped`);

  // The sender: webrtcsend with its embedded server, INFO of the sessions
  // (what mDNS resolved) in its log.
  const { producer, url, browser, page, producerId } = await lanSenderAndViewer(t, PORT, NAME, [
    'videotestsrc', 'is-live=true', 'pattern=ball', '!', 'video/x-raw,width=640,height=480,framerate=30/1', '!',
    'webrtcsend', 'name=s', `serve=${SERVER_IP}:${PORT}`, `meta=meta,name=${NAME}`, 'video-codecs=vp8',
  ], SESSION_INFO);
  const clickedAt = Date.now();
  await page.locator(`button.producer[data-peer-id="${producerId}"]`).click();
  const tileId = await waitFor(() => page.evaluate(() => window.gstsig.tiles()[0] && window.gstsig.tiles()[0].id),
                               { timeoutMs: 5000, what: 'a tile after clicking the producer' });

  // The first frame, then 30: within 20 s of the click.
  const first = await waitFor(async () => {
    const [tile] = (await page.evaluate(() => window.gstsig.refresh())).filter((x) => x.id === tileId);
    if (tile && (tile.state === 'failed' || tile.state === 'ended')) fail(`the tile is ${tile.state}: ${tile.detail}`);
    return tile && tile.stats.framesDecoded > 0 && Date.now();
  }, { timeoutMs: 20000, intervalMs: 100,
       what: 'the first decoded frame (without mDNS resolution by webrtcsend, the firewall keeps every ' +
             'connectivity check of the browser out and no connection forms)' });
  const firstFrameS = (first - clickedAt) / 1000;
  const tile = await viewerDecoding(page, tileId, { minFrames: 30, timeoutMs: Math.max(1000, 20000 - (first - clickedAt)) });
  info(`first frame ${firstFrameS.toFixed(2)} s after the click; ${tile.stats.framesDecoded} frames ` +
       `${tile.stats.width}x${tile.stats.height} ${tile.stats.videoCodec} via ${tile.stats.localAddress} <-> ` +
       `${tile.stats.remoteAddress} (${tile.stats.candidateTypes})`);

  // What the browser said about itself, and the pair it uses.
  const ice = await page.evaluate(async (id) => {
    const pc = window.gstsig.peerConnection(id);
    const sdp = pc.localDescription ? pc.localDescription.sdp : '';
    const stats = [...(await pc.getStats()).values()];
    const byId = new Map(stats.map((s) => [s.id, s]));
    const transport = stats.find((s) => s.type === 'transport' && s.selectedCandidatePairId);
    const pair = transport && byId.get(transport.selectedCandidatePairId);
    const desc = (s) => s && `${s.candidateType} ${s.address}:${s.port}/${s.protocol}`;
    return {
      candidates: sdp.split(/\r?\n/).filter((l) => l.startsWith('a=candidate:')).map((l) => l.split(' ')[4]),
      pair: pair && { state: pair.state, requestsReceived: pair.requestsReceived, responsesSent: pair.responsesSent,
                      requestsSent: pair.requestsSent, responsesReceived: pair.responsesReceived,
                      local: desc(byId.get(pair.localCandidateId)), remote: desc(byId.get(pair.remoteCandidateId)) },
    };
  }, tileId);
  info(`browser's candidates: ${ice.candidates.join(', ')}; selected pair ${JSON.stringify(ice.pair)}`);
  assert(ice.candidates.length > 0 && ice.candidates.every((a) => a.endsWith('.local')),
         `the browser's candidates are not all .local names (${ice.candidates.join(', ')}): this test is about ` +
         `a browser hiding its address`);
  assert(ice.pair && ice.pair.state === 'succeeded' && ice.pair.remote.includes(SERVER_IP),
         `the browser's selected pair does not go to ${SERVER_IP}: ${JSON.stringify(ice.pair)}`);
  assert(ice.pair.requestsReceived > 0 && ice.pair.responsesSent > 0,
         `the browser neither received nor answered a check of webrtcsend on its pair: ${JSON.stringify(ice.pair)}`);

  // What webrtcsend resolved (its INFO log), and the firewall at work.
  const resolved = producer.lines.map((l) => RESOLVED.exec(l)).filter(Boolean);
  assert(resolved.some((r) => r[2] === VISITOR_IP),
         `webrtcsend did not log resolving the browser's name to ${VISITOR_IP}:\n${producer.tail()}`);
  const drops = dropped();
  info(`webrtcsend resolved ${resolved.map((r) => `${r[1]} -> ${r[2]} in ${r[3]} ms`).join(', ')}; ` +
       `the firewall dropped ${drops.udp} UDP and ${drops.tcp} TCP packets`);
  assert(drops.udp + drops.tcp > 0, 'the firewall dropped nothing: the browser\'s checks were not kept out, ' +
         'so this run does not show that our own checks were needed');
  t.checkAlive(producer);
  await page.close();

  await watchManual(t, browser, `${url}manual.html`);
  await watchFromTheOtherLink(t, producer);
}, { timeoutMs: 130000, ownNamespaces: true });

// A browser on the sender's second link watches the first webrtcsend: its
// name must be resolved on that link.
async function watchFromTheOtherLink(t, producer) {
  addSecondVisitor(t);
  await lanSettled();
  const browser = await launchVisitorBrowser(t, [], NS_VISITOR2);
  const page = await t.openPage(browser, `http://${SERVER_IP}:${PORT}/`, 'other link');
  await viewerReady(page);
  const p = await viewerProducer(page, NAME);
  const clickedAt = Date.now();
  await page.locator(`button.producer[data-peer-id="${p.id}"]`).click();
  const tileId = await waitFor(() => page.evaluate(() => window.gstsig.tiles()[0] && window.gstsig.tiles()[0].id),
                               { timeoutMs: 5000, what: 'a tile after clicking the producer (other link)' });
  const tile = await viewerDecoding(page, tileId, { minFrames: 10, timeoutMs: 20000 });
  const resolved = producer.lines.map((l) => RESOLVED.exec(l)).filter(Boolean);
  info(`other link: 10 frames ${((Date.now() - clickedAt) / 1000).toFixed(2)} s after the click, via ` +
       `${tile.stats.localAddress} <-> ${tile.stats.remoteAddress}; webrtcsend resolved ` +
       `${resolved.map((r) => `${r[1]} -> ${r[2]} in ${r[3]} ms`).join(', ')}`);
  assert(resolved.some((r) => r[2] === VISITOR2_IP),
         `webrtcsend did not log resolving the second link's browser to ${VISITOR2_IP}:\n${producer.tail()}`);
}

// The browser answers webrtcsend uri=manual: with one token: its .local
// candidates are in the SDP.
async function watchManual(t, browser, url) {
  const page = await t.openPage(browser, url, 'manual');
  await waitFor(() => page.evaluate(() => !!window.gstsigManual), { timeoutMs: 5000, what: 'window.gstsigManual' });
  const send = launchPiped(t, 'webrtcsend manual', ['-q', 'videotestsrc', 'is-live=true', '!',
    'video/x-raw,width=320,height=240,framerate=30/1', '!', 'webrtcsend', 'uri=manual:', 'video-codecs=vp8'],
  { netns: NS_SERVER, env: SESSION_INFO });
  const offer = await tokenFrom(send, 'its offer token');
  const r = await page.evaluate((tok) => window.gstsigManual.paste(tok), offer);
  assert(r.ok, `the page refused webrtcsend's offer: ${r.error}`);
  const answer = await waitFor(() => page.evaluate(() => window.gstsigManual.localToken()),
                               { timeoutMs: 15000, what: 'the page\'s answer token' });
  const candidates = await page.evaluate(async (tok) => (await window.gstsigManual.decodeToken(tok, 'answer')).sdp
    .split(/\r?\n/).filter((l) => l.startsWith('a=candidate:')).map((l) => l.split(' ')[4]), answer);
  info(`manual: the page's answer SDP has the candidates ${candidates.join(', ')}`);
  assert(candidates.length > 0 && candidates.every((a) => a.endsWith('.local')),
         `the page's answer SDP does not carry .local candidates only: ${candidates.join(', ')}`);
  const pastedAt = Date.now();
  send.proc.stdin.write(answer + '\n');
  const state = await waitFor(async () => {
    send.alive();
    const s = await page.evaluate(async () => ({ state: window.gstsigManual.state(), error: window.gstsigManual.error(),
                                                 stats: await window.gstsigManual.stats() }));
    if (s.state === 'failed') fail(`the manual page failed: ${s.error}`);
    return s.state === 'connected' && s.stats.framesDecoded >= 10 ? s : null;
  }, { timeoutMs: 20000, what: 'the manual page to connect and decode 10 frames (only if webrtcsend resolved the ' +
                               '.local candidates of the answer SDP)' });
  const resolved = send.lines.map((l) => RESOLVED.exec(l.text)).filter(Boolean);
  info(`manual: 10 frames decoded ${((Date.now() - pastedAt) / 1000).toFixed(2)} s after the answer was pasted ` +
       `(${state.stats.width}x${state.stats.height}); webrtcsend resolved ` +
       `${resolved.map((m) => `${m[1]} -> ${m[2]} in ${m[3]} ms`).join(', ')}`);
  assert(resolved.some((m) => m[2] === VISITOR_IP && candidates.includes(m[1])),
         `webrtcsend did not log resolving the answer's name to ${VISITOR_IP}:\n${send.tail()}`);
}
