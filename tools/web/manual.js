/* gst-webrtcsignal manual (copy-paste) signalling: the browser side of
 * `manual:` (docs/manual-signalling.md). Works from file:// (no fetches).
 *
 * Tokens we print: base64 of the UTF-8 JSON {"type":..,"sdp":..} (pion's
 * convention), or with "compress" "z:" + base64url (no padding) of the raw
 * DEFLATE of that JSON. Tokens we read: those two, the JSON itself, and raw
 * SDP (starting with v=0). Vanilla ICE: we wait for gathering to complete
 * (at most GATHER_TIMEOUT_MS) and put every candidate in the token.
 *
 * The page chrome, the log and $ come from ui.js; the RTCPeerConnection
 * configuration (?stun=) from signalling.js, which makes no connection here.
 *
 * Test hook: window.gstsigManual = { mode(m?), start(), localToken(),
 * paste(token), state(), error(), stats() }.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
(function () {
  'use strict';

  const { $, createLog } = window.gstsigWeb.ui;
  const { rtcConfig } = window.gstsigWeb.signalling;
  const GATHER_TIMEOUT_MS = 10000;
  const MAX_INFLATED = 1 << 20;

  let mode = 'watch';
  let pc = null;
  let stream = null;
  let token = '';
  let state = 'idle';
  let lastError = '';
  let generation = 0; /* bumped by reset: stale async work gives up */

  /* ------------------------------------------------------------- log/ui */

  const log = createLog('[manual] ').log;

  function setState(s) {
    state = s;
    $('state').textContent = s;
    log('info', 'state: ' + s);
  }

  function showError(text) {
    lastError = text || '';
    $('error').textContent = lastError;
    if (text) log('error', text);
  }

  function updateLabels() {
    const watch = mode === 'watch';
    $('watch-help').classList.toggle('man-hidden', !watch);
    $('publish-help').classList.toggle('man-hidden', watch);
    $('paste-label').textContent = watch ? '1. Paste the offer token' : '2. Paste the answer token';
    $('paste').placeholder = (watch ? 'offer' : 'answer') + ' token (base64, JSON, raw SDP or z:...)';
    $('local-label').textContent = watch ? '2. Your answer token: copy it to the other side'
                                         : '1. Your offer token: copy it to the other side';
  }

  /* ------------------------------------------------------------- tokens */

  function bytesToBase64(bytes, url) {
    let bin = '';
    for (let i = 0; i < bytes.length; i += 0x8000) {
      bin += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
    }
    let b = btoa(bin);
    if (url) b = b.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
    return b;
  }

  function base64ToBytes(text, url) {
    let t = text;
    if (url) {
      t = t.replace(/-/g, '+').replace(/_/g, '/');
      while (t.length % 4) t += '=';
    }
    const bin = atob(t);
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }

  async function pipeThrough(bytes, transform, limit) {
    const reader = new Blob([bytes]).stream().pipeThrough(transform).getReader();
    const chunks = [];
    let size = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.length;
      if (limit && size > limit) { reader.cancel().catch(() => {}); throw new Error('inflates to too much'); }
      chunks.push(value);
    }
    const out = new Uint8Array(size);
    let o = 0;
    for (const c of chunks) { out.set(c, o); o += c.length; }
    return out;
  }

  function canCompress() {
    try { new CompressionStream('deflate-raw'); return true; } catch (e) { return false; }
  }

  async function encodeToken(desc, compress) {
    const json = JSON.stringify({ type: desc.type, sdp: desc.sdp });
    const bytes = new TextEncoder().encode(json);
    if (compress && canCompress()) {
      const packed = await pipeThrough(bytes, new CompressionStream('deflate-raw'));
      return 'z:' + bytesToBase64(packed, true);
    }
    return bytesToBase64(bytes, false);
  }

  function fromJson(text) {
    let obj;
    try { obj = JSON.parse(text); } catch (e) {
      throw new Error('it looks like JSON but does not parse (was it cut short?)');
    }
    if (!obj || typeof obj !== 'object' || typeof obj.type !== 'string' || typeof obj.sdp !== 'string') {
      throw new Error('the JSON is not an object {"type":...,"sdp":...}');
    }
    return { type: obj.type, sdp: obj.sdp };
  }

  /* Decodes any of the four forms; expected: the type a raw SDP is taken as. */
  async function decodeToken(raw, expected) {
    const text = String(raw || '').trim();
    if (!text) throw new Error('the token is empty');
    let desc;
    if (text.startsWith('v=0')) {
      const lines = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l);
      desc = { type: expected, sdp: lines.join('\r\n') + '\r\n' };
    } else if (text.startsWith('{')) {
      desc = fromJson(text);
    } else if (text.startsWith('z:')) {
      const body = text.slice(2).replace(/\s+/g, '');
      if (!/^[A-Za-z0-9_-]+={0,2}$/.test(body)) throw new Error('it starts with "z:" but the rest is not base64url');
      if (typeof DecompressionStream === 'undefined') throw new Error('this browser cannot inflate "z:" tokens (no DecompressionStream)');
      let json;
      try {
        json = await pipeThrough(base64ToBytes(body.replace(/=+$/, ''), true),
                                 new DecompressionStream('deflate-raw'), MAX_INFLATED);
      } catch (e) {
        throw new Error('it starts with "z:" but does not inflate (was it cut short?)');
      }
      desc = fromJson(new TextDecoder().decode(json));
    } else {
      const body = text.replace(/\s+/g, '');
      if (!/^[A-Za-z0-9+/]+={0,2}$/.test(body)) {
        throw new Error('it is neither SDP (v=0...), JSON ({...}), base64 nor a "z:" compressed token');
      }
      let json;
      try { json = new TextDecoder().decode(base64ToBytes(body, false)); } catch (e) { json = ''; }
      if (!json.startsWith('{')) throw new Error('it is base64, but not of a JSON {"type":...,"sdp":...} (was it cut short?)');
      desc = fromJson(json);
    }
    if (desc.type !== expected) {
      throw new Error(`it is an ${desc.type}, but an ${expected} is expected here` +
                      (desc.type === 'answer' || desc.type === 'offer' ? ' (our own token pasted back?)' : ''));
    }
    if (!/^m=/m.test(desc.sdp)) throw new Error('the SDP has no media section (m=)');
    return desc;
  }

  /* ---------------------------------------------------------------- pc */

  function waitGathering(p) {
    return new Promise((resolve) => {
      if (p.iceGatheringState === 'complete') { resolve(true); return; }
      const timer = setTimeout(() => { cleanup(); log('warn', 'ICE gathering not complete after ' +
                                                       GATHER_TIMEOUT_MS / 1000 + ' s: using what was gathered'); resolve(false); }, GATHER_TIMEOUT_MS);
      const check = () => { if (p.iceGatheringState === 'complete') { cleanup(); resolve(true); } };
      const onCand = (e) => { if (!e.candidate) { cleanup(); resolve(true); } };
      function cleanup() {
        clearTimeout(timer);
        p.removeEventListener('icegatheringstatechange', check);
        p.removeEventListener('icecandidate', onCand);
      }
      p.addEventListener('icegatheringstatechange', check);
      p.addEventListener('icecandidate', onCand);
    });
  }

  function newPc() {
    const p = new RTCPeerConnection(rtcConfig());
    p.addEventListener('connectionstatechange', () => {
      if (p !== pc) return;
      const s = p.connectionState;
      if (s === 'connected') { setState('connected'); showError(''); }
      else if (s === 'failed') { setState('failed'); showError('the connection failed (ICE or DTLS): reset and try again with fresh tokens'); }
      else if (s === 'disconnected') setState('disconnected');
      else if (s === 'closed') setState('closed');
    });
    p.addEventListener('track', (e) => {
      if (p !== pc) return;
      const v = $('video');
      const ms = e.streams && e.streams[0] ? e.streams[0] : null;
      if (ms) v.srcObject = ms;
      else {
        if (!(v.srcObject instanceof MediaStream) || v.srcObject === stream) v.srcObject = new MediaStream();
        v.srcObject.addTrack(e.track);
      }
      v.play().catch(() => {});
      log('info', 'receiving ' + e.track.kind);
    });
    return p;
  }

  async function showLocalToken(p, gen) {
    setState('gathering');
    await waitGathering(p);
    if (gen !== generation) return;
    token = await encodeToken(p.localDescription, $('compress').checked);
    if (gen !== generation) return;
    $('local').value = token;
    $('btn-copy').disabled = false;
    const n = (p.localDescription.sdp.match(/^a=candidate:/mg) || []).length;
    $('local-info').textContent = `${token.length} characters, ${n} candidate${n === 1 ? '' : 's'}`;
  }

  function reset() {
    generation++;
    if (pc) { try { pc.close(); } catch (e) { /* ignore */ } }
    pc = null;
    if (stream) for (const t of stream.getTracks()) t.stop();
    stream = null;
    token = '';
    $('local').value = '';
    $('local-info').textContent = '';
    $('btn-copy').disabled = true;
    $('video').srcObject = null;
    showError('');
    setState('idle');
  }

  /* Watch: answer the pasted offer. */
  async function answerOffer(offer) {
    reset();
    const gen = generation;
    pc = newPc();
    const p = pc;
    await p.setRemoteDescription(offer);
    for (const t of p.getTransceivers()) {
      try { t.direction = 'recvonly'; } catch (e) { /* stopped */ }
    }
    await p.setLocalDescription(await p.createAnswer());
    await showLocalToken(p, gen);
    if (gen === generation && state === 'gathering') setState('answer-ready');
  }

  /* Publish: capture and offer. */
  async function start() {
    mode = 'publish';
    $('mode-publish').checked = true;
    updateLabels();
    reset();
    const gen = generation;
    const wantVideo = $('pub-video').checked;
    const wantAudio = $('pub-audio').checked;
    if (!wantVideo && !wantAudio) { showError('choose the camera, the microphone or both'); return false; }
    setState('capturing');
    let s;
    try {
      s = await navigator.mediaDevices.getUserMedia({ video: wantVideo, audio: wantAudio });
    } catch (e) {
      if (gen === generation) { setState('failed'); showError('cannot get the camera/microphone: ' + (e.message || e.name)); }
      return false;
    }
    if (gen !== generation) { for (const t of s.getTracks()) t.stop(); return false; }
    stream = s;
    $('video').srcObject = s;
    $('video').play().catch(() => {});
    pc = newPc();
    const p = pc;
    for (const t of s.getTracks()) p.addTransceiver(t, { direction: 'sendonly', streams: [s] });
    await p.setLocalDescription(await p.createOffer());
    await showLocalToken(p, gen);
    if (gen === generation && state === 'gathering') setState('waiting-answer');
    return gen === generation;
  }

  /* A pasted token: never throws; { ok, error }. */
  async function paste(raw) {
    try {
      if (mode === 'watch') {
        const offer = await decodeToken(raw, 'offer');
        await answerOffer(offer);
      } else {
        const answer = await decodeToken(raw, 'answer');
        if (!pc || pc.signalingState !== 'have-local-offer') {
          throw new Error('no offer of ours is waiting for an answer: start the camera first (or reset)');
        }
        await pc.setRemoteDescription(answer);
        showError('');
        if (pc.connectionState !== 'connected') setState('connecting');
      }
      return { ok: true };
    } catch (e) {
      const msg = 'this token was not accepted: ' + (e && e.message ? e.message : String(e));
      showError(msg);
      return { ok: false, error: msg };
    }
  }

  function setMode(m) {
    if (m !== 'watch' && m !== 'publish') return mode;
    if (m !== mode) {
      mode = m;
      $('mode-' + m).checked = true;
      updateLabels();
      reset();
    }
    return mode;
  }

  async function stats() {
    const out = { framesDecoded: 0, width: 0, height: 0, framesEncoded: 0, packetsSent: 0,
                  packetsReceived: 0, connectionState: pc ? pc.connectionState : 'none' };
    if (!pc) return out;
    const report = await pc.getStats();
    report.forEach((r) => {
      if (r.kind !== 'video') return;
      if (r.type === 'inbound-rtp') {
        out.framesDecoded = r.framesDecoded || 0;
        out.width = r.frameWidth || 0;
        out.height = r.frameHeight || 0;
        out.packetsReceived = r.packetsReceived || 0;
      } else if (r.type === 'outbound-rtp') {
        out.framesEncoded += r.framesEncoded || 0;
        out.packetsSent += r.packetsSent || 0;
        if (!out.width) { out.width = r.frameWidth || 0; out.height = r.frameHeight || 0; }
      }
    });
    return out;
  }

  /* ------------------------------------------------------------- wiring */

  function wire() {
    updateLabels();
    log('info', 'state: ' + state); /* the status bar's first line */
    if (!canCompress()) {
      $('compress').disabled = true;
      $('compress').parentElement.title = 'this browser has no CompressionStream("deflate-raw")';
    }
    for (const r of document.querySelectorAll('input[name="mode"]')) {
      r.addEventListener('change', () => { if (r.checked) setMode(r.value); });
    }
    $('btn-start').addEventListener('click', () => { start().catch((e) => showError(String(e && e.message || e))); });
    $('btn-paste').addEventListener('click', () => paste($('paste').value));
    $('paste').addEventListener('paste', () => setTimeout(() => paste($('paste').value), 0));
    $('btn-reset').addEventListener('click', () => { $('paste').value = ''; reset(); });
    $('compress').addEventListener('change', async () => {
      if (pc && pc.localDescription && token) {
        token = await encodeToken(pc.localDescription, $('compress').checked);
        $('local').value = token;
        $('local-info').textContent = `${token.length} characters`;
      }
    });
    $('btn-copy').addEventListener('click', async () => {
      const t = $('local');
      try { await navigator.clipboard.writeText(t.value); $('local-info').textContent = 'copied'; } catch (e) {
        t.select();
        try { document.execCommand('copy'); $('local-info').textContent = 'copied'; } catch (e2) {
          $('local-info').textContent = 'select the text and copy it by hand';
        }
      }
    });
    $('btn-unmute').addEventListener('click', () => { const v = $('video'); v.muted = !v.muted;
      $('btn-unmute').textContent = v.muted ? 'Unmute' : 'Mute'; });
    setInterval(async () => {
      if (!pc) { $('stats').textContent = ''; return; }
      try {
        const s = await stats();
        $('stats').textContent = mode === 'watch'
          ? `${s.width}×${s.height}, ${s.framesDecoded} frames decoded`
          : `${s.width}×${s.height}, ${s.framesEncoded} frames sent`;
      } catch (e) { /* closed */ }
    }, 1000);
  }

  window.gstsigManual = {
    mode: (m) => (m === undefined ? mode : setMode(m)),
    start,
    localToken: () => token,
    paste,
    state: () => state,
    error: () => lastError,
    stats,
    decodeToken,
    encodeToken,
  };

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', wire);
  else wire();
})();
