/* gst-webrtcsignal stats dashboard.
 *
 * Registers as a listener (signalling.js' ListenerClient: the producers,
 * the consumers and their names), then sends "subscribeStats": from then on
 * the server (gst-webrtc-serve; the messages are our protocol addition,
 * docs/protocol-stats.md) sends every "stats" report of a peer, first the
 * latest of each live session, and "sessionEnded" when a session goes. A
 * report is
 *   {"type":"stats","peerId":"<reporting peer>","sessionId":"<id>"|null,"stats":{...}}
 * with flat figures whose names the elements define; these are known:
 *   bitrate-out, bitrate-in (bit/s), packets-lost (cumulative),
 *   fraction-lost (0..1), rtt, jitter (s), fps, frame-width, frame-height,
 *   codec, nack-count, pli-count (cumulative), candidate-pair, role
 *   ("producer"|"consumer"), peer-id (the remote peer).
 * Every other numeric figure gets a small plot of its own.
 *
 * For each producer and each of its sessions the page plots the last 60 s
 * of bitrate, loss, RTT and frame rate on <canvas> (both sides of a session
 * in one plot: producer blue, consumer orange; drawn by plot.js) and shows the latest codec,
 * resolution and candidate pair. How each figure is shown, and the samples
 * kept, are in figures.js. Query parameters: those of signalling.js.
 *
 * Test hook: window.gstsigDashboard (see the end of this file).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
(function () {
  'use strict';

  const { $, shortId, createLog } = window.gstsigWeb.ui;
  const { ListenerClient } = window.gstsigWeb.signalling;
  const { drawPlot: drawOn, cssColors } = window.gstsigWeb.plot;
  const { MAIN_KEYS, NO_EXTRA, fmtBps, fmtMs, fmtPct, specOf, Stream } = window.gstsigWeb.figures;

  const WINDOW_MS = 60000;            /* what the plots show (plot.js) */
  const KEEP_MS = WINDOW_MS + 5000;   /* samples kept (a little more, for rates) */
  const STALE_MS = 5000;              /* a session with no report for this long is "stale" */
  const FORGET_OWN_MS = WINDOW_MS;    /* a peer's own figures, unreported this long, go */
  const REDRAW_MS = 250;

  const SIDE_COLORS = { producer: '#2f6fdb', consumer: '#e8590c', other: '#16a05a' };
  const PLOTS = ['bitrate', 'loss', 'rtt', 'fps'];

  /* ----------------------------------------------------------- status log */

  const logger = createLog('[gstsig-dash] ');
  const log = logger.log;

  /* --------------------------------------------------------------- state */

  /* The peers the listener role tells about are signalling.peers. */
  /* "<sessionId or empty>|<peerId>" -> Stream (figures.js): one peer's reports on one session (or on itself) */
  const streams = new Map();
  /* sessionId -> SessionView */
  const sessionViews = new Map();
  /* producer id ('' for "other peers") -> ProducerView */
  const producerViews = new Map();
  let reportsReceived = 0;
  let lastReportAt = 0;
  let subscribed = false;

  function sideOrder(stream) {
    return { producer: 0, consumer: 1, other: 2 }[stream.role];
  }

  /* ------------------------------------------------------------ the views */

  /* Extra figures (not in the four plots) of some streams: one small plot,
   * or a text, per (stream, figure), in a .dash-extras container. */
  class Extras {
    /* own: a peer's own figures: every number, and no text (shown apart). */
    constructor(container, { own = false } = {}) {
      this.container = container;
      this.own = own;
      this.items = new Map();    /* "<stream key>#<figure>" -> { el, value, canvas } */
    }

    keysOf(stream) {
      return Object.keys(stream.latest).filter((k) => {
        if (NO_EXTRA.has(k)) return false;
        if (this.own) return typeof stream.latest[k] === 'number';
        return !MAIN_KEYS.has(k);
      });
    }

    render(streamList, now, colors, showSide) {
      const seen = new Set();
      for (const stream of streamList) {
        for (const key of this.keysOf(stream)) {
          const id = stream.key + '#' + key;
          seen.add(id);
          let item = this.items.get(id);
          const v = stream.latest[key];
          const numeric = typeof v === 'number';
          if (!item) {
            const el = document.createElement('div');
            el.className = 'dash-extra';
            el.dataset.figure = key;
            const label = document.createElement('span');
            label.className = 'dash-extra-label';
            label.textContent = specOf(key).label + (showSide ? ' · ' + stream.role : '');
            label.title = key + ' reported by ' + stream.peerId;
            const value = document.createElement('span');
            value.className = 'dash-extra-value';
            el.append(label, value);
            let canvas = null;
            if (numeric) {
              canvas = document.createElement('canvas');
              canvas.className = 'spark';
              el.append(canvas);
            }
            this.container.append(el);
            item = { el, value, canvas };
            this.items.set(id, item);
          }
          const spec = specOf(key);
          if (numeric && item.canvas) {
            const pts = stream.points(key, spec);
            const last = pts.length ? pts[pts.length - 1].y : null;
            item.value.textContent = last === null ? '–' : spec.fmt(last);
            drawPlot(item.canvas, [{ color: SIDE_COLORS[stream.role], points: pts }], spec, now, colors, true);
          } else {
            item.value.textContent = v === undefined || v === null ? '–' : String(v);
            item.value.title = item.value.textContent;
          }
        }
      }
      for (const [id, item] of this.items) {
        if (!seen.has(id)) {
          item.el.remove();
          this.items.delete(id);
        }
      }
      this.container.hidden = this.items.size === 0;
    }
  }

  /* One producer: its own figures and a card per session. */
  class ProducerView {
    constructor(id) {
      this.id = id;
      this.el = $('dash-producer-template').content.firstElementChild.cloneNode(true);
      this.el.dataset.peerId = id;
      this.nameEl = this.el.querySelector('.tile-name');
      this.idEl = this.el.querySelector('.tile-id');
      this.countEl = this.el.querySelector('.dash-session-count');
      this.ownEl = this.el.querySelector('.dash-own');
      this.ownLatest = this.ownEl.querySelector('.dash-latest');
      this.ownExtras = new Extras(this.ownEl.querySelector('.dash-extras'), { own: true });
      this.sessionsEl = this.el.querySelector('.dash-sessions');
      this.noSessionsEl = this.el.querySelector('.dash-no-sessions');
      $('dash-producers').append(this.el);
    }

    /* Own streams: the producer's, or, for "other peers", everyone's. */
    ownStreams() {
      return [...streams.values()].filter((s) => !s.sessionId && ownerOf(s) === this.id);
    }

    sessions() {
      return [...sessionViews.values()].filter((v) => v.producerId === this.id);
    }

    render(now, colors) {
      if (this.id) {
        this.nameEl.textContent = signalling.peerName(this.id) || 'unnamed producer';
        this.idEl.textContent = shortId(this.id);
        this.idEl.title = this.id;
      } else {
        this.nameEl.textContent = 'Other peers';
        this.idEl.textContent = '';
      }
      const sessions = this.sessions();
      this.countEl.textContent = sessions.length === 1 ? '1 session' : sessions.length + ' sessions';
      this.noSessionsEl.hidden = sessions.length > 0;

      const own = this.ownStreams();
      this.ownEl.hidden = own.length === 0;
      const rows = [];
      for (const s of own) {
        for (const [k, v] of Object.entries(s.latest)) {
          if (typeof v === 'number') continue; /* plotted below */
          if (k === 'role' && this.id) continue;
          rows.push([this.id ? k : shortId(s.peerId) + ' ' + k, String(v)]);
        }
      }
      renderRows(this.ownLatest, rows);
      this.ownExtras.render(own, now, colors, !this.id);
    }
  }

  /* A <dl class="stats"> with the rows [name, value]. */
  function renderRows(dl, rows) {
    const text = JSON.stringify(rows);
    if (dl.dataset.rows === text) return;
    dl.dataset.rows = text;
    dl.replaceChildren(...rows.map(([k, v]) => {
      const div = document.createElement('div');
      const dt = document.createElement('dt');
      dt.textContent = k;
      const dd = document.createElement('dd');
      dd.textContent = v;
      dd.title = v;
      div.append(dt, dd);
      return div;
    }));
    dl.hidden = rows.length === 0;
  }

  /* One session: what both of its sides report. */
  class SessionView {
    constructor(id) {
      this.id = id;
      this.streams = new Map();  /* peerId -> Stream */
      this.producerId = null;
      this.drawn = { bitrate: 0, loss: 0, rtt: 0, fps: 0 };
      this.el = $('dash-session-template').content.firstElementChild.cloneNode(true);
      this.el.dataset.sessionId = id;
      this.nameEl = this.el.querySelector('.tile-name');
      this.idEl = this.el.querySelector('.tile-id');
      this.badge = this.el.querySelector('.badge');
      this.statEls = {};
      for (const dd of this.el.querySelectorAll('[data-stat]')) this.statEls[dd.dataset.stat] = dd;
      this.canvases = {};
      for (const c of this.el.querySelectorAll('canvas[data-plot]')) this.canvases[c.dataset.plot] = c;
      this.lossCaption = this.el.querySelector('[data-caption="loss"]');
      this.extras = new Extras(this.el.querySelector('.dash-extras'));
    }

    sorted() {
      return [...this.streams.values()].sort((a, b) => sideOrder(a) - sideOrder(b));
    }

    /* The producer: the side that says it is one, or the remote of the side
     * that says it is the consumer ('' when nobody says). */
    findProducer() {
      for (const s of this.streams.values()) {
        if (s.role === 'producer') return s.peerId;
      }
      for (const s of this.streams.values()) {
        if (s.role === 'consumer' && s.remote) return s.remote;
      }
      return '';
    }

    findConsumer() {
      for (const s of this.streams.values()) {
        if (s.role === 'consumer') return s.peerId;
      }
      for (const s of this.streams.values()) {
        if (s.role === 'producer' && s.remote) return s.remote;
      }
      return '';
    }

    lastAt() {
      return Math.max(0, ...[...this.streams.values()].map((s) => s.lastAt));
    }

    /* The latest value of a figure on each side: [{ role, v }]. */
    latest(key) {
      const out = [];
      for (const s of this.sorted()) {
        const v = s.latest[key];
        if (v !== undefined && v !== null && v !== '') out.push({ role: s.role, v });
      }
      return out;
    }

    show(name, values, fmt) {
      const dd = this.statEls[name];
      if (!values.length) {
        dd.textContent = '–';
        dd.title = '';
        return;
      }
      const texts = values.map((x) => (typeof x.v === 'number' ? fmt(x.v) : String(x.v)));
      const unique = [...new Set(texts)];
      dd.textContent = unique.join(' / ');
      dd.title = values.map((x, i) => x.role + ': ' + texts[i]).join(', ');
    }

    /* The series of one of the four plots, and how to show their values. */
    plotSeries(which) {
      const series = [];
      const add = (stream, key, spec, label, dashed) => {
        if (!stream.has(key)) return;
        series.push({ label, dashed, color: SIDE_COLORS[stream.role], points: stream.points(key, spec) });
      };
      const list = this.sorted();
      if (which === 'bitrate') {
        const spec = specOf('bitrate-out');
        for (const s of list) {
          add(s, 'bitrate-out', spec, 'out · ' + s.role, false);
          add(s, 'bitrate-in', spec, 'in · ' + s.role, s.role === 'producer');
        }
        return { series, spec };
      }
      if (which === 'loss') {
        /* Fraction lost where anyone reports it; else packets lost per second. */
        const key = list.some((s) => s.has('fraction-lost')) ? 'fraction-lost' : 'packets-lost';
        const spec = specOf(key);
        for (const s of list) add(s, key, spec, s.role, false);
        return { series, spec, caption: key === 'fraction-lost' ? 'Loss (fraction lost)' : 'Loss (packets lost/s)' };
      }
      const spec = specOf(which);
      for (const s of list) add(s, which, spec, s.role, false);
      return { series, spec };
    }

    render(now, colors) {
      const consumer = this.findConsumer();
      this.nameEl.textContent = consumer
        ? '→ ' + (signalling.peerName(consumer) || 'consumer ' + shortId(consumer))
        : '→ unknown consumer';
      this.nameEl.title = consumer ? 'consumer ' + consumer : '';
      this.idEl.textContent = 'session ' + shortId(this.id);
      this.idEl.title = this.id;
      const stale = now - this.lastAt() > STALE_MS;
      this.el.dataset.state = stale ? 'stale' : 'live';
      this.badge.textContent = stale ? 'stale' : 'live';

      this.show('codec', this.latest('codec'), String);
      const sizes = [];
      for (const s of this.sorted()) {
        const w = s.latest['frame-width'];
        const h = s.latest['frame-height'];
        if (typeof w === 'number' && typeof h === 'number' && w > 0) sizes.push({ role: s.role, v: w + '×' + h });
      }
      this.show('resolution', sizes, String);
      this.show('pair', this.latest('candidate-pair'), String);
      this.show('bitrate', this.latest('bitrate-out').concat(this.latest('bitrate-in')), fmtBps);
      const fraction = this.latest('fraction-lost');
      if (fraction.length) this.show('loss', fraction, (v) => fmtPct(v * 100));
      else this.show('loss', this.latest('packets-lost'), (v) => v + ' lost');
      this.show('rtt', this.latest('rtt'), (v) => fmtMs(v * 1000));
      this.show('jitter', this.latest('jitter'), (v) => fmtMs(v * 1000));
      this.show('fps', this.latest('fps'), (v) => v.toFixed(1));
      const nacks = this.latest('nack-count');
      const plis = this.latest('pli-count');
      this.show('feedback', nacks.length || plis.length
        ? [{ role: 'NACK, PLI', v: (nacks.map((x) => x.v).join('/') || '–') + ', ' + (plis.map((x) => x.v).join('/') || '–') }]
        : [], String);

      for (const which of PLOTS) {
        const { series, spec, caption } = this.plotSeries(which);
        if (caption && this.lossCaption.textContent !== caption) this.lossCaption.textContent = caption;
        this.drawn[which] = drawPlot(this.canvases[which], series, spec, now, colors, false);
      }
      this.extras.render(this.sorted(), now, colors, true);
    }
  }

  /* Which producer view a peer's own figures go to. */
  function ownerOf(stream) {
    return stream.role === 'producer' ? stream.peerId : '';
  }

  function drawPlot(canvas, series, spec, now, colors, compact) {
    return drawOn(canvas, series, { ...spec, windowMs: WINDOW_MS }, now, colors, compact);
  }

  /* ------------------------------------------------------------ structure */

  /* Puts every session card under its producer, and creates or removes the
   * producer sections: a registered producer, a producer of a session, a
   * producer reporting its own figures; "other peers" for the rest. */
  function syncStructure() {
    const now = performance.now();
    /* A peer's own figures that stopped coming (it left, or stopped reporting) go. */
    for (const [key, s] of streams) {
      if (!s.sessionId && now - s.lastAt > FORGET_OWN_MS) streams.delete(key);
    }

    const wanted = new Set();
    for (const p of signalling.producers()) wanted.add(p.id);
    for (const v of sessionViews.values()) {
      v.producerId = v.findProducer();
      wanted.add(v.producerId);
    }
    for (const s of streams.values()) {
      if (!s.sessionId) wanted.add(ownerOf(s));
    }

    for (const id of wanted) {
      if (!producerViews.has(id)) producerViews.set(id, new ProducerView(id));
    }
    for (const [id, view] of producerViews) {
      if (!wanted.has(id)) {
        view.el.remove();
        producerViews.delete(id);
      }
    }
    /* Named producers first, "other peers" last. */
    const order = [...producerViews.values()].sort((a, b) => {
      if (!a.id || !b.id) return a.id ? -1 : (b.id ? 1 : 0);
      return (signalling.peerName(a.id) || a.id).localeCompare(signalling.peerName(b.id) || b.id);
    });
    const container = $('dash-producers');
    order.forEach((view, i) => {
      if (container.children[i] !== view.el) container.insertBefore(view.el, container.children[i] || null);
    });
    for (const v of sessionViews.values()) {
      const parent = producerViews.get(v.producerId).sessionsEl;
      if (v.el.parentNode !== parent) parent.append(v.el);
    }
    $('dash-empty').hidden = producerViews.size > 0;
    scheduleRedraw();
  }

  let redrawPending = false;
  function scheduleRedraw() {
    if (redrawPending) return;
    redrawPending = true;
    setTimeout(() => {
      redrawPending = false;
      redraw();
    }, 0);
  }

  function redraw() {
    const now = performance.now();
    const colors = cssColors();
    for (const view of producerViews.values()) view.render(now, colors);
    for (const view of sessionViews.values()) view.render(now, colors);
    renderSummary(now);
  }

  function renderSummary(now) {
    const nProducers = [...producerViews.keys()].filter(Boolean).length;
    let text = nProducers + (nProducers === 1 ? ' producer, ' : ' producers, ') +
      sessionViews.size + (sessionViews.size === 1 ? ' session with stats' : ' sessions with stats');
    if (!subscribed) text = 'Waiting for the server…';
    else if (!reportsReceived) text += '. No stats reported yet: they come from webrtcsend and webrtcrecv through gst-webrtc-serve.';
    else text += '; last report ' + ((now - lastReportAt) / 1000).toFixed(1) + ' s ago.';
    const el = $('dash-summary');
    if (el.textContent !== text) el.textContent = text;
  }

  /* ------------------------------------------------------------ signalling */

  const signalling = new ListenerClient({
    log,
    name: 'gst-webrtcsignal dashboard',
    consumers: true,
    /* No WebRTC session of its own. */
    sessions: { find: () => null, endReason: () => '' },
    handlers: {
      stats: onStats,
      sessionEnded: onSessionEnded,
      /* Not meant for a listener; harmless. */
      startSession: null,
      sessionStarted: null,
    },
    onRegistered: () => {
      /* After the lists: the snapshot of live sessions follows at once. */
      subscribed = signalling.send({ type: 'subscribeStats', addresses: true });
      scheduleRedraw();
    },
    onPeerStatus: (peer, previous) => {
      /* It left (or dropped its roles): its own figures go. */
      if (!peer && previous) streams.delete('|' + previous.id);
    },
    onPeersChanged: syncStructure,
    onClose: () => {
      subscribed = false;
      streams.clear();
      for (const v of sessionViews.values()) v.el.remove();
      sessionViews.clear();
      syncStructure();
    },
  });

  function onStats(msg) {
    const peerId = msg.peerId;
    const sessionId = typeof msg.sessionId === 'string' && msg.sessionId ? msg.sessionId : null;
    if (typeof peerId !== 'string' || !msg.stats || typeof msg.stats !== 'object' || Array.isArray(msg.stats)) {
      log('warn', 'ignored a malformed stats message');
      return;
    }
    const now = performance.now();
    const key = (sessionId || '') + '|' + peerId;
    let stream = streams.get(key);
    const fresh = !stream;
    if (fresh) {
      stream = new Stream(sessionId, peerId, { peers: signalling.peers, keepMs: KEEP_MS });
      streams.set(key, stream);
    }
    stream.add(msg.stats, now);
    reportsReceived++;
    lastReportAt = now;

    if (sessionId) {
      let view = sessionViews.get(sessionId);
      if (!view) {
        view = new SessionView(sessionId);
        sessionViews.set(sessionId, view);
        log('info', 'stats of session ' + shortId(sessionId));
      }
      view.streams.set(peerId, stream);
    }
    /* The producer of a session can change with its first reports. */
    if (fresh || sessionId) syncStructure();
  }

  function onSessionEnded(msg) {
    const id = msg.sessionId;
    const view = sessionViews.get(id);
    if (!view) return;
    for (const s of view.streams.values()) streams.delete(s.key);
    view.el.remove();
    sessionViews.delete(id);
    log('info', 'session ' + shortId(id) + ' ended');
    syncStructure();
  }

  /* ------------------------------------------------------------ test hook */

  window.gstsigDashboard = Object.freeze({
    state: () => signalling.state,
    peerId: () => signalling.peerId,
    errors: logger.errors,
    log: logger.entries,
    /* Every reporting peer of every session (and, with sessionId null,
     * peers reporting on themselves): samples kept, latest figures. */
    sessions: () => [...streams.values()].map((s) => ({
      sessionId: s.sessionId,
      peerId: s.peerId,
      role: s.role,
      producerId: s.sessionId ? (sessionViews.get(s.sessionId) || {}).producerId || null : ownerOf(s) || null,
      samples: s.samples.length,
      latest: Object.assign({}, s.latest),
    })),
    /* Per session: how many points the last redraw put in each plot. */
    plots: () => [...sessionViews.values()].map((v) => ({
      sessionId: v.id, producerId: v.producerId, points: Object.assign({}, v.drawn),
    })),
    /* Whether there is a session and each session's four plots show a line. */
    plotsNonEmpty: () => sessionViews.size > 0 &&
      [...sessionViews.values()].every((v) => PLOTS.every((p) => v.drawn[p] >= 2)),
    redraw,
  });

  setInterval(redraw, REDRAW_MS);
  syncStructure();
  signalling.connect();
})();
