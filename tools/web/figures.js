/* gst-webrtcsignal web app: the figures of the "stats" reports
 * (docs/protocol-stats.md) that webrtcsend and webrtcrecv send: how each is
 * shown and plotted, and one peer's reports over time.
 *
 * Loaded with a plain <script defer> after ui.js and plot.js and before the
 * dashboard's script; everything is in window.gstsigWeb.figures.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
(function () {
  'use strict';

  const { fmtKbps } = window.gstsigWeb.ui;
  const { fmtShort } = window.gstsigWeb.plot;

  /* Figures the four plots and the latest values cover; the rest become extras. */
  const MAIN_KEYS = new Set(['bitrate-out', 'bitrate-in', 'packets-lost', 'fraction-lost', 'rtt',
                             'fps', 'frame-width', 'frame-height', 'codec', 'candidate-pair',
                             'role', 'peer-id', 'session-id']);
  /* Never plotted on their own (shown as resolution, or identities). */
  const NO_EXTRA = new Set(['frame-width', 'frame-height', 'role', 'peer-id', 'session-id']);

  const fmtBps = (v) => fmtKbps(v / 1000);
  const fmtMs = (v) => (v < 10 ? v.toFixed(1) : Math.round(v)) + ' ms';
  const fmtPct = (v) => (v < 10 ? v.toFixed(1) : Math.round(v)) + ' %';
  const fmtRate = (unit) => (v) => (v < 10 ? v.toFixed(1) : Math.round(v)) + unit;
  function fmtNumber(v) {
    if (Number.isInteger(v)) return String(v);
    const a = Math.abs(v);
    if (a >= 1000 || a === 0) return v.toFixed(0);
    if (a >= 1) return v.toFixed(2);
    return v.toPrecision(3);
  }
  /* How a figure is plotted and shown: scale (applied to the value), rate
   * (per second, from a cumulative count), fmt (of the scaled value), axis
   * (its unit after the axis numbers). */
  function specOf(key) {
    switch (key) {
      case 'bitrate-out':
      case 'bitrate-in': return { label: key, fmt: fmtBps, axis: 'bit/s', axisFmt: fmtShort };
      case 'fraction-lost': return { label: 'loss', scale: 100, fmt: fmtPct, axis: '%' };
      case 'packets-lost': return { label: 'lost', rate: true, fmt: fmtRate(' pkt/s'), axis: 'pkt/s' };
      case 'rtt': return { label: 'RTT', scale: 1000, fmt: fmtMs, axis: 'ms' };
      case 'jitter': return { label: 'jitter', scale: 1000, fmt: fmtMs, axis: 'ms' };
      case 'fps': return { label: 'fps', fmt: (v) => v.toFixed(1) + ' fps', axis: 'fps' };
      case 'nack-count': return { label: 'NACK', rate: true, fmt: fmtRate('/s'), axis: '/s' };
      case 'pli-count': return { label: 'PLI', rate: true, fmt: fmtRate('/s'), axis: '/s' };
      /* Other cumulative counts the elements report, as rates. */
      case 'fir-count': return { label: 'FIR', rate: true, fmt: fmtRate('/s'), axis: '/s' };
      case 'packets-sent':
      case 'packets-received': return { label: key, rate: true, fmt: fmtRate(' pkt/s'), axis: 'pkt/s' };
      default: return { label: key, fmt: fmtNumber, axis: '' };
    }
  }

  /* -------------------------------------------------------------- samples */

  /* One peer's reports on one session (sessionId null: on itself).
   *   peers   id -> { roles } of the registered peers (for role)
   *   keepMs  how long samples are kept */
  class Stream {
    constructor(sessionId, peerId, { peers, keepMs }) {
      this.key = (sessionId || '') + '|' + peerId;
      this.sessionId = sessionId;
      this.peerId = peerId;
      this.peers = peers;
      this.keepMs = keepMs;
      this.samples = [];   /* { t: ms (performance.now() at arrival), s: figures } */
      this.latest = {};
      this.lastAt = 0;
    }

    add(figures, t) {
      this.samples.push({ t, s: figures });
      while (this.samples.length && this.samples[0].t < t - this.keepMs) this.samples.shift();
      this.latest = figures;
      this.lastAt = t;
    }

    /* 'producer' | 'consumer' | 'other': as the peer says, else as it registered. */
    get role() {
      const r = this.latest.role;
      if (r === 'producer' || r === 'consumer') return r;
      const p = this.peers.get(this.peerId);
      if (p && p.roles.includes('producer')) return 'producer';
      if (p && p.roles.includes('consumer')) return 'consumer';
      return 'other';
    }

    get remote() {
      const r = this.latest['peer-id'];
      return typeof r === 'string' && r ? r : null;
    }

    has(key) {
      return this.samples.some((x) => typeof x.s[key] === 'number' && isFinite(x.s[key]));
    }

    /* The points {t, y} of a numeric figure, scaled, or as a rate per second. */
    points(key, { scale = 1, rate = false } = {}) {
      const out = [];
      let prev = null;
      for (const { t, s } of this.samples) {
        const v = s[key];
        if (typeof v !== 'number' || !isFinite(v)) { prev = null; continue; }
        if (!rate) {
          out.push({ t, y: v * scale });
        } else {
          /* A count that went down was reset: start again from it. */
          if (prev && t > prev.t && v >= prev.v) out.push({ t, y: ((v - prev.v) * scale * 1000) / (t - prev.t) });
          prev = { t, v };
        }
      }
      return out;
    }
  }

  window.gstsigWeb.figures = Object.freeze({
    MAIN_KEYS, NO_EXTRA, fmtBps, fmtMs, fmtPct, specOf, Stream,
  });
})();
