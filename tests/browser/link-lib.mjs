// What a viewer in the web app measures, second by second, for the tests
// of shaped links (capped-link.mjs, capped-two-viewers.mjs): samples of
// the tile's inbound video stats (Chromium's getStats), rows of per-second
// rates from two samples, and a printed table.
//
// SPDX-License-Identifier: LGPL-2.1-or-later

import { spawnSync } from 'node:child_process';

import { fail } from './lib.mjs';
import { NS_SERVER, NS_VISITOR } from './lan-lib.mjs';

// nft(8) in the viewer's namespace (losses as they arrive: lossy-link.mjs,
// fec-without-nack.mjs); fails naming what it was for. Returns its stdout.
export function nftInVisitor(args, input, what) {
  const r = spawnSync('ip', ['netns', 'exec', NS_VISITOR, 'nft', ...args],
                      { input, encoding: 'utf8', timeout: 10000 });
  if (r.error || r.status !== 0) {
    fail(`${what}: nft in ${NS_VISITOR} (Debian package nftables): ` +
         `${r.error ? r.error.message : (r.stderr || '').trim()}`);
  }
  return r.stdout;
}

// The packets counted by each rule of an nft table in the viewer's
// namespace, in the order of its rules.
export function nftCounters(table) {
  const out = JSON.parse(nftInVisitor(['-j', 'list', 'table', 'inet', table], '', `reading the counters of ${table}`));
  return out.nftables.filter((i) => i.rule).map((i) => {
    const counter = i.rule.expr.find((e) => e.counter);
    return counter ? counter.counter.packets : 0;
  });
}

// tc(8) in the sender's namespace; fails naming what it was for.
export function tcInServer(args, what) {
  const r = spawnSync('ip', ['netns', 'exec', NS_SERVER, 'tc', ...args], { encoding: 'utf8', timeout: 10000 });
  if (r.error) fail(`${what}: cannot run ip netns exec (iproute2): ${r.error.message}`);
  if (r.status !== 0) {
    fail(`${what}: \`ip netns exec ${NS_SERVER} tc ${args.join(' ')}\` exited with ${r.status}: ` +
         `${(r.stderr || '').trim()}`);
  }
  return r.stdout;
}

export function checkTcInstalled() {
  const r = spawnSync('tc', ['-V'], { encoding: 'utf8', timeout: 10000 });
  if (r.error || r.status !== 0) {
    fail(`cannot run tc (${r.error ? r.error.message : `exit ${r.status}`}): this test caps the link with ` +
         `tc's tbf qdisc; install it with: apt-get install iproute2`);
  }
}

// The root qdisc of the sender's veth dev: { kind, bytes, packets, drops, overlimits, backlog }.
export function rootQdiscOf(dev) {
  const list = JSON.parse(tcInServer(['-s', '-j', 'qdisc', 'show', 'dev', dev], `reading the qdisc of ${dev}`));
  return list.find((q) => q.root) || {};
}

// One stats sample of the tile: its state, and the inbound video's (and
// audio's, when there is audio) counters.
export function sample(page, tileId) {
  return page.evaluate(async (id) => {
    const tile = window.gstsig.tile(id);
    const pc = window.gstsig.peerConnection(id);
    const out = { wall: Date.now(), state: tile ? tile.state : 'gone', detail: tile ? tile.detail : '' };
    if (!pc || pc.connectionState === 'closed') return out;
    const stats = [...(await pc.getStats()).values()];
    const v = stats.find((s) => s.type === 'inbound-rtp' && s.kind === 'video');
    if (v) {
      out.video = {};
      for (const k of ['timestamp', 'bytesReceived', 'headerBytesReceived', 'packetsReceived', 'packetsLost',
                       'framesDecoded', 'framesDropped', 'keyFramesDecoded', 'freezeCount',
                       'totalFreezesDuration', 'pauseCount', 'totalPausesDuration', 'frameWidth', 'frameHeight',
                       'nackCount', 'pliCount', 'firCount', 'retransmittedPacketsReceived',
                       'retransmittedBytesReceived', 'fecPacketsReceived', 'fecPacketsDiscarded']) {
        out.video[k] = v[k] ?? 0;
      }
    }
    const a = stats.find((s) => s.type === 'inbound-rtp' && s.kind === 'audio');
    if (a) {
      out.audio = {};
      for (const k of ['bytesReceived', 'packetsReceived', 'packetsLost', 'concealedSamples', 'totalSamplesReceived']) {
        out.audio[k] = a[k] ?? 0;
      }
    }
    const transport = stats.find((s) => s.type === 'transport' && s.selectedCandidatePairId);
    const pair = transport && stats.find((s) => s.id === transport.selectedCandidatePairId);
    if (pair && typeof pair.currentRoundTripTime === 'number') out.rttMs = pair.currentRoundTripTime * 1000;
    return out;
  }, tileId);
}

// What the viewer's transport got, for a viewer that decoded nothing: the
// DTLS and ICE states, the bytes and packets on the transport and on the
// selected pair, and the inbound RTP streams there are (kind, packets).
export function transportSummary(page, tileId) {
  return page.evaluate(async (id) => {
    const pc = window.gstsig.peerConnection(id);
    if (!pc) return 'no peer connection';
    const stats = [...(await pc.getStats()).values()];
    const parts = [`connection ${pc.connectionState}`];
    for (const tr of stats.filter((s) => s.type === 'transport')) {
      const pair = stats.find((s) => s.id === tr.selectedCandidatePairId);
      parts.push(`transport: dtls ${tr.dtlsState}, ice ${tr.iceState}, ${tr.bytesReceived} bytes / ` +
                 `${tr.packetsReceived} packets received, srtp ${tr.srtpCipher || 'none'}` +
                 (pair ? `; pair ${pair.state}, ${pair.bytesReceived} bytes received` : '; no pair'));
    }
    const inbound = stats.filter((s) => s.type === 'inbound-rtp');
    parts.push(inbound.length
      ? inbound.map((s) => `inbound ${s.kind} ssrc ${s.ssrc}: ${s.packetsReceived} packets, ${s.framesDecoded ?? '-'} frames`)
          .join('; ')
      : 'no inbound-rtp');
    return parts.join('; ');
  }, tileId);
}

export function framesDecoded(page, tileId) {
  return page.evaluate(async (id) => {
    const pc = window.gstsig.peerConnection(id);
    if (!pc) return 0;
    const v = [...(await pc.getStats()).values()].find((s) => s.type === 'inbound-rtp' && s.kind === 'video');
    return v ? v.framesDecoded || 0 : 0;
  }, tileId);
}

// A table row from two samples: the interval (start, end] in wall-clock ms.
export function makeRow(prev, cur, t0, capped) {
  const a = prev.video || {};
  const b = cur.video || {};
  const dtS = prev.video && cur.video ? (b.timestamp - a.timestamp) / 1000 : (cur.wall - prev.wall) / 1000;
  const delta = (k) => (b[k] ?? 0) - (a[k] ?? 0);
  const per = (k) => (dtS > 0 ? delta(k) / dtS : 0);
  return {
    start: prev.wall,
    end: cur.wall,
    t: (cur.wall - t0) / 1000,
    capped,
    kbit: per('bytesReceived') * 8 / 1000,
    kbitHdr: (per('bytesReceived') + per('headerBytesReceived')) * 8 / 1000,
    fps: per('framesDecoded'),
    frames: delta('framesDecoded'),
    lost: delta('packetsLost'),
    received: delta('packetsReceived'),
    rtxPackets: delta('retransmittedPacketsReceived'),
    rtxKbit: per('retransmittedBytesReceived') * 8 / 1000,
    // Chromium counts a gap of more than 5 s as a pause, not a freeze.
    freezes: delta('freezeCount') + delta('pauseCount'),
    freezeS: delta('totalFreezesDuration') + delta('totalPausesDuration'),
    size: cur.video && cur.video.frameWidth ? `${cur.video.frameWidth}x${cur.video.frameHeight}` : '-',
    rttMs: cur.rttMs,
    video: !!cur.video,
  };
}

// kbit/s: RTP payload (bytesReceived, retransmissions included); +hdr: with
// the RTP headers; rtx: retransmitted payload; frz, frz-s: freezes and
// pauses that ended in that second and their length.
export const HEADER = '    t(s) link   kbit/s   +hdr    rtx   fps  lost  frz  frz-s       size  rtt-ms';
export function formatRow(r) {
  return `  ${r.t.toFixed(1).padStart(6)} ${(r.capped ? 'cap' : 'free').padEnd(5)}` +
         `${r.kbit.toFixed(0).padStart(7)}${r.kbitHdr.toFixed(0).padStart(7)}${r.rtxKbit.toFixed(0).padStart(7)}` +
         `${r.fps.toFixed(1).padStart(6)}` +
         `${String(r.lost).padStart(6)}${String(r.freezes).padStart(5)}${r.freezeS.toFixed(2).padStart(7)}` +
         `${r.size.padStart(11)}${(r.rttMs === undefined ? '-' : r.rttMs.toFixed(0)).padStart(8)}`;
}

export const mean = (xs) => (xs.length ? xs.reduce((s, x) => s + x, 0) / xs.length : NaN);
export const f1 = (x) => (Number.isFinite(x) ? x.toFixed(1) : 'n/a');

