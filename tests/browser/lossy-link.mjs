// Issue 12 (congestion control), its test 3: a browser on another machine
// watches webrtcsend through a link that loses LOSS_PCT (5) % of the UDP
// packets the sender sends, at random: nftables in the VIEWER's namespace
// drops them as they arrive (`meta l4proto udp numgen random mod 100 < 5
// drop` on input), silently to both sides, as a lossy link does. (Dropped
// on the sender's output instead, sendto() fails with EPERM and a sender
// can tell; bench/RESULTS.md shows Chromium resending at once then.) No cap.
// RTX repairs the losses; congestion control must not read random loss as
// congestion and starve the picture.
//
// Two network namespaces (lan-lib.mjs); the sender is
//   videotestsrc pattern=smpte ! 1280x720@30 ! webrtcsend serve=10.99.0.1:PORT video-codecs=vp8
// and the viewer headless Chromium with its default WebRTC settings. For
// SECONDS (30) from the first decoded frame the test reads the viewer's
// inbound video stats every second.
//
// Checks (ASSERT=0 only measures): >= 25 fps on average, and freezes under
// MAX_FREEZE_S (1) s in all, both as Chromium counts them
// (totalFreezesDuration and pauses) and as seconds without a new frame. Needs root (ip netns add, nft: Debian package nftables).
//
// SPDX-License-Identifier: LGPL-2.1-or-later

import { assert, fail, info, runTest, sleep, waitFor } from './lib.mjs';
import { NS_VISITOR, SERVER_IP, lanSenderAndViewer, makeLan } from './lan-lib.mjs';
import { HEADER, f1, formatRow, framesDecoded, makeRow, mean, nftCounters, nftInVisitor, sample } from './link-lib.mjs';

const NAME = 'lossy-link';
const PORT = 8080;
const LOSS_PCT = Number(process.env.LOSS_PCT || 5);
const SECONDS = Number(process.env.SECONDS_TOTAL || 30);
// The issue asks for freezes under 1 s in 30 s. Before the gentler start
// (start-bitrate 600, the picture sized for it) webrtcsend missed that in
// some runs (bench/RESULTS.md: 0.24-0.79 s in 7 of 12, one of 2.0 s, most
// at the start's size changes); after it, 6 runs had 0-0.26 s. FEC is not
// built (docs/congestion-control.md says what webrtcbin's did).
const MAX_FREEZE_S = Number(process.env.MAX_FREEZE_S || 1);
const ASSERT = !['0', 'no', 'false', 'off'].includes(String(process.env.ASSERT ?? '1').toLowerCase());

function dropRandomly() {
  nftInVisitor(['-f', '-'], `
table inet gsllossy {
  chain input {
    type filter hook input priority 0; policy accept;
    meta l4proto udp numgen random mod 100 < ${LOSS_PCT} counter drop
  }
}
`, `dropping ${LOSS_PCT} % of the UDP packets reaching the viewer`);
}

runTest(NAME, async (t) => {
  makeLan(t, { defaultRoute: true });
  dropRandomly();
  info(`${NS_VISITOR} drops ${LOSS_PCT} % of the UDP packets it receives, at random`);
  const { producer, page, producerId } = await lanSenderAndViewer(t, PORT, NAME, [
    'videotestsrc', 'is-live=true', 'pattern=smpte', '!', 'video/x-raw,width=1280,height=720,framerate=30/1', '!',
    'webrtcsend', `serve=${SERVER_IP}:${PORT}`, `meta=meta,name=${NAME}`, 'video-codecs=vp8',
  ]);
  const clickAt = Date.now();
  await page.locator(`button.producer[data-peer-id="${producerId}"]`).click();
  const tileId = await waitFor(() => page.evaluate(() => window.gstsig.tiles()[0] && window.gstsig.tiles()[0].id),
                               { timeoutMs: 5000, what: 'a tile after clicking the producer' });
  await waitFor(async () => await framesDecoded(page, tileId) > 0,
                { timeoutMs: 20000, intervalMs: 100, what: 'the first decoded frame' });
  const firstAt = Date.now();
  info(`first frame ${((firstAt - clickAt) / 1000).toFixed(2)} s after the click; sampling for ${SECONDS} s`);
  console.log(HEADER);
  const rows = [];
  let prev = await sample(page, tileId);
  for (let i = 1; i <= SECONDS; i++) {
    await sleep(Math.max(0, firstAt + i * 1000 - Date.now()));
    const s = await sample(page, tileId);
    if (s.state === 'failed' || s.state === 'ended' || s.state === 'gone') {
      fail(`the viewer's tile is ${s.state} (${s.detail}) ${i} s after the first frame`);
    }
    const row = makeRow(prev, s, firstAt, false);
    rows.push(row);
    console.log(formatRow(row));
    prev = s;
    t.checkAlive(producer);
  }
  const [drops] = nftCounters('gsllossy');
  assert(drops > 0, 'nftables dropped nothing: the loss was not in the way');
  const fps = mean(rows.map((r) => r.fps));
  const freezeS = rows.reduce((sum, r) => sum + r.freezeS, 0);
  const stalled = rows.filter((r) => r.frames === 0).length;
  const lost = rows.reduce((sum, r) => sum + r.lost, 0);
  const received = rows.reduce((sum, r) => sum + r.received, 0);
  info(`${SECONDS} s at ${LOSS_PCT} % loss: ${f1(mean(rows.map((r) => r.kbit)))} kbit/s, ${f1(fps)} fps, ` +
       `freezes ${freezeS.toFixed(2)} s, ${stalled} s without a new frame; the viewer counted ${lost} packets lost ` +
       `of ${lost + received} (after retransmissions); nftables dropped ${drops}; FEC packets received ` +
       `${(prev.video || {}).fecPacketsReceived ?? 0} (${(prev.video || {}).fecPacketsDiscarded ?? 0} not needed); ` +
       `sizes ${[...new Set(rows.map((r) => r.size))].join(', ')}`);
  const failures = [];
  if (!(fps >= 25)) failures.push(`${f1(fps)} fps on average, expected >= 25`);
  if (!(freezeS < MAX_FREEZE_S)) {
    failures.push(`${freezeS.toFixed(2)} s of freezes in ${SECONDS} s, expected under ${MAX_FREEZE_S} s`);
  }
  if (stalled >= MAX_FREEZE_S) failures.push(`${stalled} s without a new decoded frame`);
  if (failures.length === 0) info('issue 12 test 3: all met');
  else if (ASSERT) fail(`issue 12 test 3, ${failures.length} check(s) failed:\n  - ${failures.join('\n  - ')}`);
  else info(`ASSERT=0: not checked; would fail:\n  - ${failures.join('\n  - ')}`);
}, { timeoutMs: (70 + SECONDS) * 1000, ownNamespaces: true });
