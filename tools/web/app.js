/* gst-webrtcsignal viewer.
 *
 * Speaks the WebSocket signalling protocol of gst-plugins-rs'
 * gst-webrtc-signalling-server as a listener (to follow the producers) and
 * as a consumer (one session and one RTCPeerConnection per tile). The
 * producer makes the offer; we answer and trickle ICE both ways.
 *
 * Query parameters:
 *   ?server=ws://HOST:PORT/PATH  signalling server (default: this page's host)
 *   ?token=SECRET                appended to the signalling URL as ?token=
 *   ?stun=stun:HOST:PORT         an ICE server (default: none, host candidates only)
 *   ?watch=ID|first|all          start watching at once (when listed)
 *
 * The page chrome, the log and the formatting come from ui.js; the
 * signalling connection, the listener handshake with the producer list
 * (ListenerClient) and what a session does in WebRTC from signalling.js. A
 * small API for tests and automation lives in window.gstsig.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
(function () {
  'use strict';

  const { $, shortId, fmtKbps, renderBasicStats, createLog, cloneTile } = window.gstsigWeb.ui;
  const { params, metaName, ListenerClient, readStatsReport, kbps, PeerSession } = window.gstsigWeb.signalling;
  const SESSION_START_TIMEOUT_MS = 15000;

  /* ---------------------------------------------------------------- utils */

  function metaExtras(meta) {
    const out = [];
    if (!meta || typeof meta !== 'object') return out;
    for (const [k, v] of Object.entries(meta)) {
      if (k === 'name') continue;
      let text;
      try {
        text = typeof v === 'object' ? JSON.stringify(v) : String(v);
      } catch (e) {
        text = '?';
      }
      out.push([k, text]);
    }
    return out;
  }

  /* ----------------------------------------------------------- status log */

  const logger = createLog('[gstsig] ');
  const log = logger.log;

  /* ---------------------------------------------------------- signalling */

  /* The producers are signalling.producers(). */
  const signalling = new ListenerClient({
    log,
    name: 'gst-webrtcsignal viewer',
    sessions: {
      find: tileBySession,
      endReason: (msg) => (msg.error ? 'ended by peer: ' + msg.error : 'ended by the producer'),
    },
    handlers: {
      sessionStarted: (msg) => {
        const tile = pendingTileFor(msg.peerId);
        if (!tile) {
          /* Not ours (or stopped meanwhile and already forgotten): end it. */
          if (msg.sessionId) send({ type: 'endSession', sessionId: msg.sessionId });
          return;
        }
        tile.onSessionStarted(msg.sessionId);
      },
      error: (msg, details) => {
        /* The protocol does not say which request failed. A pending watch of
         * a producer that is no longer listed is the likely one: fail it now
         * rather than at its timeout. */
        for (const t of tiles.values()) {
          if (t.awaitingSession && !signalling.isProducer(t.peerId)) t.fail('refused by the server: ' + details);
        }
      },
      /* Not meant for a consumer/listener; harmless. */
      startSession: null,
    },
    onPeerStatus: (peer, previous) => {
      const isProducer = (p) => !!p && p.roles.includes('producer');
      if (isProducer(peer) && !isProducer(previous)) {
        log('info', 'producer ' + (metaName(peer.meta) || shortId(peer.id)) + ' joined');
      } else if (!isProducer(peer) && isProducer(previous)) {
        log('info', 'producer ' + (metaName(previous.meta) || shortId(previous.id)) + ' left');
      }
    },
    onPeersChanged: () => {
      renderProducers();
      autoWatch();
    },
    onClose: () => {
      renderProducers();
      for (const tile of tiles.values()) tile.end('signalling connection lost');
    },
  });

  function send(msg) {
    return signalling.send(msg);
  }

  /* ----------------------------------------------------------- producers */

  function renderProducers() {
    const list = $('producers');
    if (!list) return;
    const items = signalling.producers().sort((a, b) =>
      (metaName(a.meta) || a.id).localeCompare(metaName(b.meta) || b.id));
    list.replaceChildren();
    for (const p of items) {
      const li = document.createElement('li');
      const btn = document.createElement('button');
      btn.type = 'button';
      btn.className = 'producer';
      btn.dataset.peerId = p.id;
      btn.title = 'Watch ' + p.id;

      const name = document.createElement('span');
      name.className = 'producer-name';
      name.textContent = metaName(p.meta) || 'unnamed stream';
      const id = document.createElement('span');
      id.className = 'producer-id';
      id.textContent = p.id;
      btn.append(name, id);

      const extras = metaExtras(p.meta);
      if (extras.length) {
        const dl = document.createElement('dl');
        dl.className = 'producer-meta';
        for (const [k, v] of extras) {
          const dt = document.createElement('dt');
          dt.textContent = k;
          const dd = document.createElement('dd');
          dd.textContent = v;
          dl.append(dt, dd);
        }
        btn.append(dl);
      }
      const watching = [...tiles.values()].filter(t => t.peerId === p.id && t.active).length;
      if (watching) {
        const w = document.createElement('span');
        w.className = 'watching';
        w.textContent = watching === 1 ? 'watching' : 'watching ×' + watching;
        btn.append(w);
      }
      btn.addEventListener('click', () => watch(p.id));
      li.append(btn);
      list.append(li);
    }
    const count = $('producer-count');
    if (count) count.textContent = String(items.length);
    const empty = $('producers-empty');
    if (empty) empty.hidden = items.length > 0;
  }

  let autoWatchDone = false;
  function autoWatch() {
    const want = params.get('watch');
    const producers = signalling.producers();
    if (!want || autoWatchDone || producers.length === 0) return;
    if (want === 'all') {
      for (const p of producers) watch(p.id);
      autoWatchDone = true;
    } else if (want === 'first') {
      watch(producers[0].id);
      autoWatchDone = true;
    } else if (signalling.isProducer(want)) {
      watch(want);
      autoWatchDone = true;
    }
  }

  /* --------------------------------------------------------------- tiles */

  let audioContext = null;

  /* tile id -> Tile */
  const tiles = new Map();
  let nextTileId = 1;

  function pendingTileFor(peerId) {
    /* startSession requests are answered in order: the oldest pending one. */
    for (const t of tiles.values()) {
      if (t.peerId === peerId && !t.sessionId && t.awaitingSession) return t;
    }
    return null;
  }

  function tileBySession(sessionId) {
    if (!sessionId) return null;
    for (const t of tiles.values()) {
      if (t.sessionId === sessionId) return t;
    }
    return null;
  }

  function emptyStats() {
    return {
      width: 0, height: 0, framesDecoded: 0, framesReceived: 0, framesDropped: 0,
      fps: 0, reportedFps: 0, videoBytesReceived: 0, videoPacketsReceived: 0, videoKbps: 0,
      codec: '', videoCodec: '', audioCodec: '',
      audioPacketsReceived: 0, audioBytesReceived: 0, audioKbps: 0, audioLevel: 0,
      audioFlowing: false, packetsLost: 0, jitter: 0, rtt: null,
      localAddress: '', remoteAddress: '', candidateTypes: '', timestamp: 0,
    };
  }

  class Tile extends PeerSession {
    constructor(peerId) {
      const id = 'tile-' + nextTileId++;
      super(signalling, logger, id);
      this.id = id;
      this.peerId = peerId;
      this.meta = signalling.isProducer(peerId) ? signalling.peers.get(peerId).meta : null;
      this.awaitingSession = true;
      this.detail = 'requesting session';
      this.pendingLocalCandidates = [];
      this.stats = emptyStats();
      this.startTimer = null;
      this.stream = new MediaStream();
      this.buildDom();
    }

    buildDom() {
      Object.assign(this, cloneTile('tile-template', {
        name: metaName(this.meta) || 'unnamed stream',
        idText: shortId(this.peerId),
        idTitle: this.peerId,
        onStop: () => {
          if (this.active) this.stop();
          else this.remove();
        },
      }));
      this.el.id = this.id;
      this.el.dataset.peerId = this.peerId;
      this.video = this.el.querySelector('video');
      this.video.muted = true;
      this.video.srcObject = this.stream;
      this.overlay = this.el.querySelector('.overlay');
      this.muteBtn = this.el.querySelector('.mute');
      this.muteBtn.addEventListener('click', () => {
        this.video.muted = !this.video.muted;
        this.muteBtn.textContent = this.video.muted ? 'Unmute' : 'Mute';
        if (!this.video.muted) this.video.play().catch(() => {});
      });
      $('tiles').append(this.el);
      this.renderState();
    }

    start() {
      if (!send({ type: 'startSession', peerId: this.peerId, offer: null })) {
        this.fail('not connected to the signalling server');
        return;
      }
      this.startTimer = setTimeout(() => {
        if (this.awaitingSession) this.fail('no answer to startSession (producer gone or refused?)');
      }, SESSION_START_TIMEOUT_MS);
    }

    onSessionStarted(sessionId) {
      clearTimeout(this.startTimer);
      this.awaitingSession = false;
      this.sessionId = sessionId;
      this.el.dataset.sessionId = sessionId;
      this.detail = 'waiting for offer';
      this.renderState();
      const pc = this.createPeerConnection();
      pc.ontrack = (ev) => {
        if (this.pc !== pc) return;
        if (!this.stream.getTracks().includes(ev.track)) this.stream.addTrack(ev.track);
        if (ev.track.kind === 'audio' && !this.analyser) this.attachAudioMeter(ev.track);
        /* Re-assign so the element picks up late tracks (audio after video). */
        this.video.srcObject = this.stream;
        this.video.play().catch(() => {});
      };
      this.startStats();
    }

    /* Chromium reports no audioLevel for a track that is not played out
     * (muted element, no audio device): measure it with an analyser, which
     * is not connected to the speakers. */
    attachAudioMeter(track) {
      try {
        if (!audioContext) audioContext = new AudioContext();
        if (audioContext.state === 'suspended') audioContext.resume().catch(() => {});
        this.audioSource = audioContext.createMediaStreamSource(new MediaStream([track]));
        this.analyser = audioContext.createAnalyser();
        this.analyser.fftSize = 2048;
        this.audioSource.connect(this.analyser);
      } catch (e) {
        this.analyser = null;
      }
    }

    meterLevel() {
      if (!this.analyser) return 0;
      const buf = new Float32Array(this.analyser.fftSize);
      this.analyser.getFloatTimeDomainData(buf);
      let sum = 0;
      for (const v of buf) sum += v * v;
      return Math.sqrt(sum / buf.length);
    }

    sendIce(ice) {
      if (!this.sessionId) {
        this.pendingLocalCandidates.push(ice);
        return;
      }
      send({ type: 'peer', sessionId: this.sessionId, ice });
    }

    async onRemoteSdp(sdp) {
      const pc = this.pc;
      if (!sdp || typeof sdp !== 'object' || typeof sdp.sdp !== 'string') {
        throw new Error('malformed sdp');
      }
      if (sdp.type !== 'offer') {
        throw new Error('expected an offer from the producer, got "' + sdp.type + '"');
      }
      this.detail = 'answering';
      this.renderState();
      await pc.setRemoteDescription({ type: 'offer', sdp: sdp.sdp });
      await this.remoteDescriptionDone();
      const answer = await pc.createAnswer();
      await pc.setLocalDescription(answer);
      if (this.pc !== pc || !this.active) return;
      send({ type: 'peer', sessionId: this.sessionId,
             sdp: { type: 'answer', sdp: pc.localDescription.sdp } });
      this.detail = 'ICE/DTLS connecting';
      this.renderState();
    }

    readStats(report, prev) {
      const s = emptyStats();
      const { video, audio, pair } = readStatsReport(report, s, {
        rtpType: 'inbound-rtp',
        pick: (kind, r, cur) => !cur || (kind === 'video'
          ? (r.framesDecoded || 0) > (cur.framesDecoded || 0)
          : (r.packetsReceived || 0) > (cur.packetsReceived || 0)),
        anyPair: true,
      });
      if (video) {
        s.framesDecoded = video.framesDecoded || 0;
        s.framesReceived = video.framesReceived || 0;
        s.framesDropped = video.framesDropped || 0;
        s.videoBytesReceived = video.bytesReceived || 0;
        s.videoPacketsReceived = video.packetsReceived || 0;
        s.codec = s.videoCodec;
        s.packetsLost += video.packetsLost || 0;
        s.jitter = video.jitter || 0;
        s.keyFramesDecoded = video.keyFramesDecoded || 0;
        s.freezeCount = video.freezeCount || 0;
      }
      if (audio) {
        s.audioPacketsReceived = audio.packetsReceived || 0;
        s.audioBytesReceived = audio.bytesReceived || 0;
        s.audioLevel = audio.audioLevel || this.meterLevel();
        s.packetsLost += audio.packetsLost || 0;
        s.totalSamplesReceived = audio.totalSamplesReceived || 0;
      }
      if (pair) {
        s.rtt = typeof pair.currentRoundTripTime === 'number' ? pair.currentRoundTripTime : null;
      }
      if (prev && s.timestamp > prev.timestamp) {
        const dt = (s.timestamp - prev.timestamp) / 1000;
        s.fps = (s.framesDecoded - prev.framesDecoded) / dt;
        s.videoKbps = kbps(s.videoBytesReceived, prev.videoBytesReceived, dt);
        s.audioKbps = kbps(s.audioBytesReceived, prev.audioBytesReceived, dt);
        s.audioFlowing = s.audioPacketsReceived > prev.audioPacketsReceived;
      } else {
        s.audioFlowing = false;
      }
      return s;
    }

    renderStats() {
      const s = this.stats;
      const e = this.statEls;
      renderBasicStats(e, s, s.framesDecoded, s.videoBytesReceived);
      if (!s.audioPacketsReceived) {
        e.audio.textContent = 'none';
      } else {
        e.audio.textContent = (s.audioFlowing ? 'flowing, ' : 'stalled, ') + fmtKbps(s.audioKbps);
      }
      const meter = e.audioLevel.querySelector('meter');
      if (meter) meter.value = s.audioLevel;
      e.loss.textContent = (s.videoPacketsReceived || s.audioPacketsReceived)
        ? s.packetsLost + ', ' + (s.jitter * 1000).toFixed(1) + ' ms' : '–';
    }

    renderState() {
      this.el.dataset.state = this.state;
      this.el.querySelector('.badge').textContent = this.state;
      this.overlay.textContent = this.state === 'connected' ? '' : (this.detail || this.state);
      this.overlay.hidden = this.state === 'connected';
      this.stopBtn.textContent = this.active ? 'Stop' : 'Remove';
      updateTilesEmpty();
      renderProducers();
    }

    teardown() {
      this.awaitingSession = false;
      clearTimeout(this.startTimer);
      /* Keep the last stats visible; stop the media. */
      super.teardown();
      for (const t of this.stream.getTracks()) t.stop();
      if (this.audioSource) {
        try { this.audioSource.disconnect(); } catch (e) { /* gone */ }
        this.audioSource = null;
        this.analyser = null;
      }
    }

    stop() {
      if (!this.active) return;
      /* Without a session yet, the late sessionStarted is ended on arrival. */
      this.sendEnd();
      this.finish('ended', 'stopped', 'info',
                  this.id + ': stopped watching ' + (metaName(this.meta) || shortId(this.peerId)));
    }

    remove() {
      this.stop();
      this.el.remove();
      tiles.delete(this.id);
      updateTilesEmpty();
      renderProducers();
    }

    snapshot() {
      return {
        id: this.id,
        peerId: this.peerId,
        sessionId: this.sessionId,
        meta: this.meta,
        state: this.state,
        detail: this.detail,
        connectionState: this.pc ? this.pc.connectionState : 'new',
        iceConnectionState: this.pc ? this.pc.iceConnectionState : 'new',
        stats: Object.assign({}, this.stats),
      };
    }
  }

  function updateTilesEmpty() {
    const empty = $('tiles-empty');
    if (empty) empty.hidden = tiles.size > 0;
  }

  function watch(peerId) {
    if (!peerId) throw new Error('watch: no producer id');
    if (signalling.state !== 'ready') throw new Error('watch: not connected to the signalling server');
    const tile = new Tile(peerId);
    tiles.set(tile.id, tile);
    log('info', tile.id + ': watching ' + (metaName(tile.meta) || shortId(peerId)));
    tile.start();
    renderProducers();
    return tile.id;
  }

  /* ------------------------------------------------------- test/automation */

  window.gstsig = Object.freeze({
    /* 'connecting' | 'registering' | 'ready' | 'closed' */
    state: () => signalling.state,
    peerId: () => signalling.peerId,
    url: () => signalling.url,
    producers: () => signalling.producers().map(p => ({ id: p.id, meta: p.meta })),
    watch: (peerId) => watch(peerId),
    stop: (tileId) => { const t = tiles.get(tileId); if (t) t.stop(); return !!t; },
    remove: (tileId) => { const t = tiles.get(tileId); if (t) t.remove(); return !!t; },
    stopAll: () => { for (const t of tiles.values()) t.stop(); },
    tiles: () => [...tiles.values()].map(t => t.snapshot()),
    tile: (tileId) => { const t = tiles.get(tileId); return t ? t.snapshot() : null; },
    /* Takes fresh stats now; resolves to tiles(). */
    refresh: async () => {
      await Promise.all([...tiles.values()].filter(t => t.active).map(t => t.refreshStats().catch(() => null)));
      return [...tiles.values()].map(t => t.snapshot());
    },
    errors: () => logger.errors(),
    log: () => logger.entries(),
    /* Raw access for tests: the RTCPeerConnection of a tile. */
    peerConnection: (tileId) => { const t = tiles.get(tileId); return t ? t.pc : null; },
  });

  /* ------------------------------------------------------------------ main */

  window.addEventListener('pagehide', () => {
    for (const t of tiles.values()) t.stop();
  });

  function main() {
    renderProducers();
    updateTilesEmpty();
    log('info', 'connecting to ' + signalling.url);
    signalling.connect();
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', main);
  else main();
})();
