/* gst-webrtcsignal web app: time plots drawn on <canvas>, no library.
 *
 * Loaded with a plain <script defer> before the page's own script;
 * everything is in window.gstsigWeb.plot. Used by the stats dashboard.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
(function () {
  'use strict';

  /* A short axis number: 1.5M, 250k, 12, 0.25. */
  function fmtShort(v) {
    const a = Math.abs(v);
    if (a >= 1e9) return +(v / 1e9).toFixed(1) + 'G';
    if (a >= 1e6) return +(v / 1e6).toFixed(1) + 'M';
    if (a >= 1e3) return +(v / 1e3).toFixed(1) + 'k';
    if (a >= 10 || a === 0) return String(Math.round(v));
    return String(+v.toFixed(2));
  }

  /* The page's colors (style.css variables, light or dark), for drawPlot. */
  function cssColors() {
    const cs = getComputedStyle(document.documentElement);
    const v = (name, fallback) => cs.getPropertyValue(name).trim() || fallback;
    return { bg: v('--panel', '#fff'), grid: v('--border', '#ddd'), text: v('--muted', '#667') };
  }

  /* The smallest round number (1, 1.5, 2, 2.5, 3, 4, 5, 6 or 8 × 10^n)
   * that is at least x. */
  function niceCeil(x) {
    if (!(x > 0)) return 1;
    const e = Math.pow(10, Math.floor(Math.log10(x)));
    for (const m of [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) {
      if (m * e >= x * 0.999999) return m * e;
    }
    return 10 * e;
  }

  /* Draws series [{ color, label, dashed, points: [{t, y}] }] over the last
   * spec.windowMs (default 60 s) up to now (ms, the clock of the points) on
   * canvas, in the colors of cssColors(). spec: { axis: the unit written
   * above the axis, axisFmt: its numbers (default fmtShort) }. compact: a
   * sparkline without axes, grid or legend. Returns the most points a
   * series has in view (also in canvas.dataset.points). */
  function drawPlot(canvas, series, spec, now, colors, compact) {
    const windowMs = spec.windowMs || 60000;
    const dpr = window.devicePixelRatio || 1;
    const cw = canvas.clientWidth;
    const ch = canvas.clientHeight;
    if (!cw || !ch) return 0;
    const w = Math.round(cw * dpr);
    const h = Math.round(ch * dpr);
    if (canvas.width !== w || canvas.height !== h) {
      canvas.width = w;
      canvas.height = h;
    }
    const ctx = canvas.getContext('2d');
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.fillStyle = colors.bg;
    ctx.fillRect(0, 0, cw, ch);

    const pad = compact ? { l: 1, r: 1, t: 3, b: 3 } : { l: 46, r: 8, t: 18, b: 16 };
    const pw = cw - pad.l - pad.r;
    const ph = ch - pad.t - pad.b;
    if (pw <= 4 || ph <= 4) return 0;
    const t0 = now - windowMs;

    /* One point before the window keeps the line going to its left edge. */
    const visible = series.map((s) => {
      let first = s.points.findIndex((p) => p.t >= t0);
      if (first < 0) return [];
      if (first > 0) first--;
      return s.points.slice(first);
    });
    let lo = 0;
    let hi = 0;
    for (const pts of visible) {
      for (const p of pts) {
        if (p.y > hi) hi = p.y;
        if (p.y < lo) lo = p.y;
      }
    }
    /* Four bands of a round size, with some room above the highest point. */
    if (lo < 0) {
      const step = niceCeil((Math.max(hi, -lo) * 1.05) / 2);
      hi = hi > 0 ? 2 * step : 0;
      lo = -2 * step;
    } else {
      hi = 4 * niceCeil((hi * 1.05) / 4);
    }
    const x = (t) => pad.l + Math.max(0, Math.min(1, (t - t0) / windowMs)) * pw;
    const y = (v) => pad.t + ph - ((v - lo) / (hi - lo)) * ph;

    ctx.font = '10px system-ui, sans-serif';
    if (!compact) {
      /* Grid: four bands; a time line every 15 s. */
      ctx.strokeStyle = colors.grid;
      ctx.lineWidth = 1;
      ctx.fillStyle = colors.text;
      ctx.textAlign = 'right';
      ctx.textBaseline = 'middle';
      const fmtAxis = spec.axisFmt || fmtShort;
      for (let i = 0; i <= 4; i++) {
        const v = lo + ((hi - lo) * i) / 4;
        const yy = Math.round(y(v)) + 0.5;
        ctx.beginPath();
        ctx.moveTo(pad.l, yy);
        ctx.lineTo(pad.l + pw, yy);
        ctx.stroke();
        ctx.fillText(fmtAxis(v), pad.l - 4, yy);
      }
      ctx.textAlign = 'center';
      ctx.textBaseline = 'top';
      for (let s = 0; s <= windowMs / 1000; s += 15) {
        const xx = Math.round(pad.l + pw - (s * 1000 / windowMs) * pw) + 0.5;
        ctx.beginPath();
        ctx.moveTo(xx, pad.t);
        ctx.lineTo(xx, pad.t + ph);
        ctx.stroke();
        ctx.fillText(s ? '-' + s + ' s' : 'now', Math.min(xx, pad.l + pw - 10), pad.t + ph + 3);
      }
      /* The unit, then the legend, along the top. */
      ctx.textAlign = 'left';
      ctx.textBaseline = 'top';
      let lx = 2;
      ctx.fillText(spec.axis, lx, 3);
      lx = pad.l;
      for (const s of series) {
        ctx.fillStyle = s.color;
        ctx.fillRect(lx, 5, 8, 8);
        ctx.fillStyle = colors.text;
        const label = s.label || '';
        ctx.fillText(label, lx + 11, 3);
        lx += 11 + ctx.measureText(label).width + 10;
      }
    }

    let most = 0;
    ctx.save();
    ctx.beginPath();
    ctx.rect(pad.l, pad.t - 1, pw, ph + 2);
    ctx.clip();
    series.forEach((s, i) => {
      const pts = visible[i];
      const inView = pts.filter((p) => p.t >= t0).length;
      most = Math.max(most, inView);
      if (!pts.length) return;
      ctx.strokeStyle = s.color;
      ctx.fillStyle = s.color;
      ctx.lineWidth = compact ? 1.5 : 2;
      ctx.lineJoin = 'round';
      ctx.setLineDash(s.dashed ? [5, 3] : []);
      if (pts.length === 1) {
        ctx.beginPath();
        ctx.arc(x(pts[0].t), y(pts[0].y), 2.5, 0, 2 * Math.PI);
        ctx.fill();
        return;
      }
      ctx.beginPath();
      pts.forEach((p, j) => (j ? ctx.lineTo(x(p.t), y(p.y)) : ctx.moveTo(x(p.t), y(p.y))));
      ctx.stroke();
      if (i === 0 && !s.dashed) {
        /* A light fill under the first line. */
        ctx.lineTo(x(pts[pts.length - 1].t), y(Math.max(lo, 0)));
        ctx.lineTo(x(pts[0].t), y(Math.max(lo, 0)));
        ctx.closePath();
        ctx.globalAlpha = 0.1;
        ctx.fill();
        ctx.globalAlpha = 1;
      }
    });
    ctx.restore();
    ctx.setLineDash([]);
    canvas.dataset.points = String(most);
    return most;
  }

  window.gstsigWeb = window.gstsigWeb || {};
  window.gstsigWeb.plot = Object.freeze({ drawPlot, cssColors, niceCeil, fmtShort });
})();
