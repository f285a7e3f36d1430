/* gst-webrtcsignal web app: the page chrome and helpers the pages share.
 *
 * Loaded with a plain <script defer> before signalling.js and the page's
 * own script; everything is in window.gstsigWeb.ui.
 *
 * The top bar and the status bar are built here, from the attributes of
 * <body>: data-subtitle (after the title), data-page (the entry of the
 * navigation that is the current page) and data-conn="none" (no signalling
 * connection to show: the manual page). A page holds empty
 * <header class="topbar" id="topbar"> and <footer class="statusbar"
 * id="statusbar"> elements for them.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
(function () {
  'use strict';

  const LOG_MAX = 200;

  /* The pages of the app, in the order of the navigation. */
  const PAGES = [
    { href: 'index.html', label: 'Watch' },
    { href: 'publish.html', label: 'Publish' },
    { href: 'dashboard.html', label: 'Stats' },
    { href: 'manual.html', label: 'Manual' },
  ];

  /* ---------------------------------------------------------------- utils */

  function $(id) { return document.getElementById(id); }

  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    e.append(...children);
    return e;
  }

  function shortId(id) {
    return typeof id === 'string' && id.length > 8 ? id.slice(0, 8) : String(id);
  }

  /* ----------------------------------------------------------- formatting */

  function fmtKbps(kbps) {
    if (kbps === null || kbps === undefined || !isFinite(kbps)) return '–';
    if (kbps >= 1000) return (kbps / 1000).toFixed(2) + ' Mbit/s';
    return Math.round(kbps) + ' kbit/s';
  }

  function fmtResolution(width, height) {
    return width ? width + '×' + height : '–';
  }

  /* frames: how many frames went through so far (none yet: no rate). */
  function fmtFps(fps, frames) {
    return frames ? fps.toFixed(1) + ' fps' : '–';
  }

  /* "VP8 + opus" from "video/VP8" and "audio/opus" (either may be empty). */
  function fmtCodecs(videoCodec, audioCodec) {
    const codecs = [videoCodec, audioCodec].filter(Boolean).map((c) => c.replace(/^(video|audio)\//, ''));
    return codecs.length ? codecs.join(' + ') : '–';
  }

  /* A round-trip time in seconds (null: unknown). */
  function fmtRtt(rtt) {
    return rtt !== null ? (rtt * 1000).toFixed(1) + ' ms' : '–';
  }

  /* What a viewer's tile and a publisher's consumer both show of their
   * stats s in their [data-stat] elements e; frames and videoBytes: how
   * many went through so far. */
  function renderBasicStats(e, s, frames, videoBytes) {
    e.resolution.textContent = fmtResolution(s.width, s.height);
    e.fps.textContent = fmtFps(s.fps, frames);
    e.videoBitrate.textContent = videoBytes ? fmtKbps(s.videoKbps) : '–';
    e.codec.textContent = fmtCodecs(s.videoCodec, s.audioCodec);
    e.rtt.textContent = fmtRtt(s.rtt);
  }

  /* --------------------------------------------------------------- chrome */

  function renderChrome() {
    const body = document.body;
    const header = $('topbar');
    if (header && !header.childElementCount) {
      const nav = el('nav', { class: 'nav', 'aria-label': 'Pages' });
      for (const p of PAGES) {
        const a = el('a', { href: p.href }, p.label);
        if (p.href === body.dataset.page) a.setAttribute('aria-current', 'page');
        nav.append(a);
      }
      header.append(
        el('h1', {}, 'gst-webrtcsignal ', el('span', { class: 'subtitle' }, body.dataset.subtitle || '')),
        nav);
      if (body.dataset.conn !== 'none') {
        header.append(
          el('div', { class: 'conn', id: 'conn', 'data-state': 'connecting', title: 'Signalling connection' },
             el('span', { class: 'dot', 'aria-hidden': 'true' }),
             el('span', { id: 'conn-text' }, 'connecting…')));
      }
    }
    const footer = $('statusbar');
    if (footer && !footer.childElementCount) {
      footer.append(el('details', { id: 'log-details' },
                       el('summary', {}, el('span', { id: 'status-text' }, 'Starting…')),
                       el('ol', { class: 'log', id: 'log' })));
    }
  }

  /* The signalling connection in the top bar. */
  function renderConn(state, text) {
    const c = $('conn');
    if (c) c.dataset.state = state;
    const t = $('conn-text');
    if (t) t.textContent = text;
  }

  /* ----------------------------------------------------------- status log */

  /* A log shown in the status bar (the last line) and its list (the last
   * LOG_MAX entries), and on the console with `prefix`. */
  function createLog(prefix) {
    const entries = [];
    const errors = [];

    function log(level, text) {
      const entry = { time: new Date(), level, text: String(text) };
      entries.push(entry);
      if (entries.length > LOG_MAX) entries.shift();
      if (level === 'error') errors.push(entry.text);

      const status = $('status-text');
      if (status) {
        status.textContent = entry.text;
        status.dataset.level = level;
      }
      const list = $('log');
      if (list) {
        const li = document.createElement('li');
        li.dataset.level = level;
        const t = document.createElement('time');
        t.textContent = entry.time.toLocaleTimeString();
        li.append(t, ' ', entry.text);
        list.prepend(li);
        while (list.childElementCount > LOG_MAX) list.lastElementChild.remove();
      }
      const fn = level === 'error' ? console.error : (level === 'warn' ? console.warn : console.log);
      fn.call(console, prefix + entry.text);
    }

    return {
      prefix,
      log,
      /* For the test hooks. */
      errors: () => errors.slice(),
      entries: () => entries.map((e) => ({ time: e.time.getTime(), level: e.level, text: e.text })),
    };
  }

  /* ---------------------------------------------------------------- tiles */

  /* Clones the first element of <template id=templateId> as a tile: its
   * .tile-name and .tile-id filled in, its [data-stat] elements collected
   * by name, its .stop button calling onStop. */
  function cloneTile(templateId, { name, idText, idTitle, onStop }) {
    const tile = $(templateId).content.firstElementChild.cloneNode(true);
    tile.querySelector('.tile-name').textContent = name;
    const idEl = tile.querySelector('.tile-id');
    idEl.textContent = idText;
    idEl.title = idTitle;
    const statEls = {};
    for (const dd of tile.querySelectorAll('[data-stat]')) statEls[dd.dataset.stat] = dd;
    const stopBtn = tile.querySelector('.stop');
    stopBtn.addEventListener('click', onStop);
    return { el: tile, statEls, stopBtn };
  }

  window.gstsigWeb = window.gstsigWeb || {};
  window.gstsigWeb.ui = Object.freeze({
    $, shortId, fmtKbps, renderBasicStats,
    renderChrome, renderConn, createLog, cloneTile,
  });

  /* Deferred scripts run once the document is parsed: the chrome is in
   * place before the page's script looks for it. */
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', renderChrome);
  else renderChrome();
})();
