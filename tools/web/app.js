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
 * A small API for tests and automation lives in window.gstsig.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
(function () {
  'use strict';

  const params = new URLSearchParams(window.location.search);
  const STATS_INTERVAL_MS = 1000;
  const SESSION_START_TIMEOUT_MS = 15000;
  const RECONNECT_MIN_MS = 1000;
  const RECONNECT_MAX_MS = 10000;
  const LOG_MAX = 200;

  /* ---------------------------------------------------------------- utils */

  function $(id) { return document.getElementById(id); }

  function shortId(id) {
    return typeof id === 'string' && id.length > 8 ? id.slice(0, 8) : String(id);
  }

  function signallingUrl() {
    let url = params.get('server');
    if (!url) {
      if (window.location.protocol === 'http:' || window.location.protocol === 'https:') {
        const scheme = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
        url = scheme + '//' + window.location.host + '/';
      } else {
        url = 'ws://127.0.0.1:8443/';
      }
    }
    const token = params.get('token');
    if (token) {
      const u = new URL(url);
      u.searchParams.set('token', token);
      url = u.toString();
    }
    return url;
  }

  function rtcConfig() {
    const cfg = { bundlePolicy: 'max-bundle', iceServers: [] };
    for (const stun of params.getAll('stun')) {
      cfg.iceServers.push({ urls: stun });
    }
    return cfg;
  }

  function fmtKbps(kbps) {
    if (kbps === null || kbps === undefined || !isFinite(kbps)) return '–';
    if (kbps >= 1000) return (kbps / 1000).toFixed(2) + ' Mbit/s';
    return Math.round(kbps) + ' kbit/s';
  }

  function metaName(meta) {
    if (meta && typeof meta === 'object' && meta.name !== undefined && meta.name !== null) {
      return String(meta.name);
    }
    return '';
  }

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

  const logEntries = [];
  const errors = [];

  function log(level, text) {
    const entry = { time: new Date(), level, text: String(text) };
    logEntries.push(entry);
    if (logEntries.length > LOG_MAX) logEntries.shift();
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
    fn.call(console, '[gstsig] ' + entry.text);
  }

  /* ---------------------------------------------------------- signalling */

  const signalling = {
    ws: null,
    url: signallingUrl(),
    state: 'connecting',   /* connecting | registering | ready | closed */
    peerId: null,
    reconnectDelay: RECONNECT_MIN_MS,
    reconnectTimer: null,
    listFallbackTimer: null,
  };

  const unknownTypes = new Set();

  /* id -> { id, meta, roles } */
  const producers = new Map();

  function setConnState(state, text) {
    signalling.state = state;
    const el = $('conn');
    if (el) el.dataset.state = state;
    const t = $('conn-text');
    if (t) t.textContent = text;
  }

  function send(msg) {
    const ws = signalling.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) {
      log('warn', 'not connected, dropped ' + msg.type);
      return false;
    }
    ws.send(JSON.stringify(msg));
    return true;
  }

  function connect() {
    clearTimeout(signalling.reconnectTimer);
    signalling.reconnectTimer = null;
    setConnState('connecting', 'connecting to ' + signalling.url);
    let ws;
    try {
      ws = new WebSocket(signalling.url);
    } catch (e) {
      log('error', 'cannot open ' + signalling.url + ': ' + e.message);
      scheduleReconnect();
      return;
    }
    signalling.ws = ws;

    ws.onopen = () => {
      if (signalling.ws !== ws) return;
      signalling.reconnectDelay = RECONNECT_MIN_MS;
      setConnState('registering', 'connected, registering…');
    };
    ws.onerror = () => {
      if (signalling.ws !== ws) return;
      log('error', 'signalling connection error (' + signalling.url + ')');
    };
    ws.onclose = (ev) => {
      if (signalling.ws !== ws) return;
      signalling.ws = null;
      signalling.peerId = null;
      clearTimeout(signalling.listFallbackTimer);
      const why = ev.reason ? ' (' + ev.code + ' ' + ev.reason + ')' : ' (' + ev.code + ')';
      log('warn', 'signalling connection closed' + why);
      setConnState('closed', 'disconnected' + why + ', retrying…');
      producers.clear();
      renderProducers();
      for (const tile of tiles.values()) tile.end('signalling connection lost');
      scheduleReconnect();
    };
    ws.onmessage = (ev) => {
      if (signalling.ws !== ws) return;
      if (typeof ev.data !== 'string') return; /* binary frames are not part of the protocol */
      let msg;
      try {
        msg = JSON.parse(ev.data);
      } catch (e) {
        log('warn', 'unparseable message from server ignored');
        return;
      }
      try {
        handleMessage(msg);
      } catch (e) {
        log('error', 'error handling "' + (msg && msg.type) + '" message: ' + e.message);
      }
    };
  }

  function scheduleReconnect() {
    if (signalling.reconnectTimer) return;
    const delay = signalling.reconnectDelay;
    signalling.reconnectDelay = Math.min(delay * 2, RECONNECT_MAX_MS);
    signalling.reconnectTimer = setTimeout(connect, delay);
  }

  function requestList() {
    clearTimeout(signalling.listFallbackTimer);
    send({ type: 'list' });
  }

  function handleMessage(msg) {
    if (!msg || typeof msg !== 'object') {
      log('warn', 'ignored a message that is not an object');
      return;
    }
    switch (msg.type) {
      case 'welcome': {
        signalling.peerId = msg.peerId || msg.peer_id || null;
        log('info', 'connected to ' + signalling.url + ' as ' + shortId(signalling.peerId));
        send({ type: 'setPeerStatus', roles: ['listener'], meta: { name: 'gst-webrtcsignal viewer' } });
        /* Servers answer with our own peerStatusChanged; should one not, list anyway. */
        signalling.listFallbackTimer = setTimeout(requestList, 3000);
        break;
      }
      case 'peerStatusChanged': {
        const id = msg.peerId || msg.peer_id;
        const roles = Array.isArray(msg.roles) ? msg.roles : [];
        if (!id) break;
        if (id === signalling.peerId) {
          if (roles.includes('listener') && signalling.state !== 'ready') {
            setConnState('ready', 'connected');
            requestList();
          }
          break;
        }
        if (roles.includes('producer')) {
          const known = producers.has(id);
          producers.set(id, { id, meta: msg.meta === undefined ? null : msg.meta, roles });
          if (!known) log('info', 'producer ' + (metaName(msg.meta) || shortId(id)) + ' joined');
        } else if (producers.has(id)) {
          const p = producers.get(id);
          producers.delete(id);
          log('info', 'producer ' + (metaName(p.meta) || shortId(id)) + ' left');
        }
        renderProducers();
        autoWatch();
        break;
      }
      case 'list': {
        producers.clear();
        for (const p of Array.isArray(msg.producers) ? msg.producers : []) {
          if (!p || typeof p !== 'object') continue;
          const id = p.id || p.peerId;
          if (typeof id !== 'string' || id === signalling.peerId) continue;
          producers.set(id, { id, meta: p.meta === undefined ? null : p.meta, roles: ['producer'] });
        }
        renderProducers();
        autoWatch();
        break;
      }
      case 'sessionStarted': {
        const tile = pendingTileFor(msg.peerId);
        if (!tile) {
          /* Not ours (or stopped meanwhile and already forgotten): end it. */
          if (msg.sessionId) send({ type: 'endSession', sessionId: msg.sessionId });
          break;
        }
        tile.onSessionStarted(msg.sessionId);
        break;
      }
      case 'peer': {
        const tile = tileBySession(msg.sessionId);
        if (!tile) {
          log('warn', 'message for unknown session ' + shortId(msg.sessionId) + ' ignored');
          break;
        }
        tile.onPeerMessage(msg);
        break;
      }
      case 'endSession':
      case 'endSessionV1_1': {
        const tile = tileBySession(msg.sessionId);
        if (tile) tile.end(msg.error ? 'ended by peer: ' + msg.error : 'ended by the producer');
        break;
      }
      case 'error': {
        const details = msg.details !== undefined ? String(msg.details) : JSON.stringify(msg);
        log('error', 'server: ' + details);
        /* The protocol does not say which request failed. A pending watch of
         * a producer that is no longer listed is the likely one: fail it now
         * rather than at its timeout. */
        for (const t of tiles.values()) {
          if (t.awaitingSession && !producers.has(t.peerId)) t.fail('refused by the server: ' + details);
        }
        break;
      }
      case 'listConsumers':
      case 'startSession':
        /* Not meant for a consumer/listener; harmless. */
        break;
      default: {
        const type = String(msg.type);
        if (!unknownTypes.has(type)) {
          unknownTypes.add(type);
          log('warn', 'ignored unknown message type "' + type + '"');
        }
      }
    }
  }

  /* ----------------------------------------------------------- producers */

  function renderProducers() {
    const list = $('producers');
    if (!list) return;
    const items = [...producers.values()].sort((a, b) =>
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
    if (!want || autoWatchDone || producers.size === 0) return;
    if (want === 'all') {
      for (const id of producers.keys()) watch(id);
      autoWatchDone = true;
    } else if (want === 'first') {
      watch(producers.keys().next().value);
      autoWatchDone = true;
    } else if (producers.has(want)) {
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
      localAddress: '', remoteAddress: '', timestamp: 0,
    };
  }

  class Tile {
    constructor(peerId) {
      this.id = 'tile-' + nextTileId++;
      this.peerId = peerId;
      this.meta = producers.has(peerId) ? producers.get(peerId).meta : null;
      this.sessionId = null;
      this.awaitingSession = true;
      this.state = 'connecting';
      this.detail = 'requesting session';
      this.pc = null;
      this.remoteDescriptionSet = false;
      this.pendingRemoteCandidates = [];
      this.pendingLocalCandidates = [];
      this.stats = emptyStats();
      this.prevSample = null;
      this.statsTimer = null;
      this.startTimer = null;
      this.stream = new MediaStream();
      this.createdAt = Date.now();
      this.connectedAt = null;
      this.buildDom();
    }

    get active() { return this.state === 'connecting' || this.state === 'connected'; }

    buildDom() {
      const tpl = $('tile-template');
      this.el = tpl.content.firstElementChild.cloneNode(true);
      this.el.id = this.id;
      this.el.dataset.peerId = this.peerId;
      this.el.querySelector('.tile-name').textContent = metaName(this.meta) || 'unnamed stream';
      const idEl = this.el.querySelector('.tile-id');
      idEl.textContent = shortId(this.peerId);
      idEl.title = this.peerId;
      this.video = this.el.querySelector('video');
      this.video.muted = true;
      this.video.srcObject = this.stream;
      this.overlay = this.el.querySelector('.overlay');
      this.stopBtn = this.el.querySelector('.stop');
      this.stopBtn.addEventListener('click', () => {
        if (this.active) this.stop();
        else this.remove();
      });
      this.muteBtn = this.el.querySelector('.mute');
      this.muteBtn.addEventListener('click', () => {
        this.video.muted = !this.video.muted;
        this.muteBtn.textContent = this.video.muted ? 'Unmute' : 'Mute';
        if (!this.video.muted) this.video.play().catch(() => {});
      });
      this.statEls = {};
      for (const dd of this.el.querySelectorAll('[data-stat]')) this.statEls[dd.dataset.stat] = dd;
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
      this.createPeerConnection();
    }

    createPeerConnection() {
      const pc = new RTCPeerConnection(rtcConfig());
      this.pc = pc;
      pc.ontrack = (ev) => {
        if (this.pc !== pc) return;
        if (!this.stream.getTracks().includes(ev.track)) this.stream.addTrack(ev.track);
        if (ev.track.kind === 'audio' && !this.analyser) this.attachAudioMeter(ev.track);
        /* Re-assign so the element picks up late tracks (audio after video). */
        this.video.srcObject = this.stream;
        this.video.play().catch(() => {});
      };
      pc.onicecandidate = (ev) => {
        if (this.pc !== pc) return;
        let ice;
        if (ev.candidate && ev.candidate.candidate) {
          ice = { candidate: ev.candidate.candidate, sdpMLineIndex: ev.candidate.sdpMLineIndex || 0 };
        } else if (!ev.candidate) {
          ice = { candidate: '', sdpMLineIndex: 0 }; /* end of candidates */
        } else {
          return;
        }
        this.sendIce(ice);
      };
      pc.onconnectionstatechange = () => {
        if (this.pc !== pc) return;
        const s = pc.connectionState;
        if (s === 'connected') {
          if (!this.connectedAt) this.connectedAt = Date.now();
          this.setState('connected', '');
        } else if (s === 'failed') {
          this.fail('ICE/DTLS connection failed');
        } else if (s === 'disconnected') {
          if (this.state === 'connected') this.setState('connecting', 'connection interrupted');
        } else if (s === 'connecting') {
          if (this.state === 'connecting') this.setState('connecting', 'ICE/DTLS connecting');
        }
      };
      this.statsTimer = setInterval(() => { this.refreshStats().catch(() => {}); }, STATS_INTERVAL_MS);
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

    onPeerMessage(msg) {
      if (!this.active || !this.pc) return;
      if (msg.sdp) {
        this.onRemoteSdp(msg.sdp).catch((e) => this.fail('negotiation failed: ' + e.message));
      } else if (msg.ice) {
        this.onRemoteIce(msg.ice);
      } else {
        log('warn', this.id + ': "peer" message with neither sdp nor ice ignored');
      }
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
      this.remoteDescriptionSet = true;
      const queued = this.pendingRemoteCandidates;
      this.pendingRemoteCandidates = [];
      for (const ice of queued) await this.addRemoteIce(ice);
      const answer = await pc.createAnswer();
      await pc.setLocalDescription(answer);
      if (this.pc !== pc || !this.active) return;
      send({ type: 'peer', sessionId: this.sessionId,
             sdp: { type: 'answer', sdp: pc.localDescription.sdp } });
      this.detail = 'ICE/DTLS connecting';
      this.renderState();
    }

    onRemoteIce(ice) {
      if (!ice || typeof ice !== 'object') return;
      if (!this.remoteDescriptionSet) {
        this.pendingRemoteCandidates.push(ice);
        return;
      }
      this.addRemoteIce(ice);
    }

    async addRemoteIce(ice) {
      const pc = this.pc;
      if (!pc) return;
      try {
        if (!ice.candidate) {
          /* End of candidates. */
          await pc.addIceCandidate({ candidate: '', sdpMLineIndex: 0 });
        } else {
          const init = { candidate: ice.candidate,
                         sdpMLineIndex: typeof ice.sdpMLineIndex === 'number' ? ice.sdpMLineIndex : 0 };
          if (typeof ice.sdpMid === 'string') init.sdpMid = ice.sdpMid;
          await pc.addIceCandidate(init);
        }
      } catch (e) {
        /* A candidate we cannot use (e.g. another address family) is not fatal. */
        console.warn('[gstsig] ' + this.id + ': candidate not added: ' + e.message);
      }
    }

    async refreshStats() {
      const pc = this.pc;
      if (!pc) return this.stats;
      const report = await pc.getStats();
      const s = emptyStats();
      let video = null;
      let audio = null;
      let pair = null;
      let transport = null;
      report.forEach((r) => {
        if (r.type === 'inbound-rtp' && r.kind === 'video') {
          if (!video || (r.framesDecoded || 0) > (video.framesDecoded || 0)) video = r;
        } else if (r.type === 'inbound-rtp' && r.kind === 'audio') {
          if (!audio || (r.packetsReceived || 0) > (audio.packetsReceived || 0)) audio = r;
        } else if (r.type === 'transport') {
          transport = r;
        }
      });
      if (transport && transport.selectedCandidatePairId) pair = report.get(transport.selectedCandidatePairId);
      if (!pair) {
        report.forEach((r) => {
          if (r.type === 'candidate-pair' && r.state === 'succeeded' && (r.nominated || !pair)) pair = r;
        });
      }
      const codecOf = (r) => {
        const c = r && r.codecId ? report.get(r.codecId) : null;
        return c && c.mimeType ? c.mimeType : '';
      };
      s.timestamp = (video || audio || {}).timestamp || performance.timeOrigin + performance.now();
      if (video) {
        s.width = video.frameWidth || 0;
        s.height = video.frameHeight || 0;
        s.framesDecoded = video.framesDecoded || 0;
        s.framesReceived = video.framesReceived || 0;
        s.framesDropped = video.framesDropped || 0;
        s.reportedFps = video.framesPerSecond || 0;
        s.videoBytesReceived = video.bytesReceived || 0;
        s.videoPacketsReceived = video.packetsReceived || 0;
        s.videoCodec = codecOf(video);
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
        s.audioCodec = codecOf(audio);
        s.packetsLost += audio.packetsLost || 0;
        s.totalSamplesReceived = audio.totalSamplesReceived || 0;
      }
      if (pair) {
        s.rtt = typeof pair.currentRoundTripTime === 'number' ? pair.currentRoundTripTime : null;
        const l = report.get(pair.localCandidateId);
        const r = report.get(pair.remoteCandidateId);
        if (l) s.localAddress = (l.address || l.ip || '') + ':' + l.port + '/' + l.protocol;
        if (r) s.remoteAddress = (r.address || r.ip || '') + ':' + r.port + '/' + r.protocol;
      }
      const prev = this.prevSample;
      if (prev && s.timestamp > prev.timestamp) {
        const dt = (s.timestamp - prev.timestamp) / 1000;
        s.fps = (s.framesDecoded - prev.framesDecoded) / dt;
        s.videoKbps = ((s.videoBytesReceived - prev.videoBytesReceived) * 8) / 1000 / dt;
        s.audioKbps = ((s.audioBytesReceived - prev.audioBytesReceived) * 8) / 1000 / dt;
        s.audioFlowing = s.audioPacketsReceived > prev.audioPacketsReceived;
      } else {
        s.audioFlowing = false;
      }
      this.prevSample = s;
      this.stats = s;
      this.renderStats();
      return s;
    }

    renderStats() {
      const s = this.stats;
      const e = this.statEls;
      e.resolution.textContent = s.width ? s.width + '×' + s.height : '–';
      e.fps.textContent = s.framesDecoded ? s.fps.toFixed(1) + ' fps' : '–';
      e.videoBitrate.textContent = s.videoBytesReceived ? fmtKbps(s.videoKbps) : '–';
      const codecs = [s.videoCodec, s.audioCodec].filter(Boolean).map(c => c.replace(/^(video|audio)\//, ''));
      e.codec.textContent = codecs.length ? codecs.join(' + ') : '–';
      if (!s.audioPacketsReceived) {
        e.audio.textContent = 'none';
      } else {
        e.audio.textContent = (s.audioFlowing ? 'flowing, ' : 'stalled, ') + fmtKbps(s.audioKbps);
      }
      const meter = e.audioLevel.querySelector('meter');
      if (meter) meter.value = s.audioLevel;
      e.loss.textContent = (s.videoPacketsReceived || s.audioPacketsReceived)
        ? s.packetsLost + ', ' + (s.jitter * 1000).toFixed(1) + ' ms' : '–';
      e.rtt.textContent = s.rtt !== null ? (s.rtt * 1000).toFixed(1) + ' ms' : '–';
    }

    setState(state, detail) {
      this.state = state;
      this.detail = detail || '';
      this.renderState();
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
      clearTimeout(this.startTimer);
      clearInterval(this.statsTimer);
      this.statsTimer = null;
      if (this.pc) {
        /* Keep the last stats visible; stop the media. */
        try { this.pc.close(); } catch (e) { /* already closed */ }
      }
      for (const t of this.stream.getTracks()) t.stop();
      if (this.audioSource) {
        try { this.audioSource.disconnect(); } catch (e) { /* gone */ }
        this.audioSource = null;
        this.analyser = null;
      }
    }

    stop() {
      if (!this.active) return;
      if (this.sessionId) send({ type: 'endSession', sessionId: this.sessionId });
      /* Without a session yet, the late sessionStarted is ended on arrival. */
      this.awaitingSession = false;
      this.teardown();
      this.setState('ended', 'stopped');
      log('info', this.id + ': stopped watching ' + (metaName(this.meta) || shortId(this.peerId)));
    }

    end(reason) {
      if (!this.active) return;
      this.awaitingSession = false;
      this.teardown();
      this.setState('ended', reason);
      log('info', this.id + ': ' + reason);
    }

    fail(reason) {
      if (!this.active) return;
      if (this.sessionId) send({ type: 'endSession', sessionId: this.sessionId });
      this.awaitingSession = false;
      this.teardown();
      this.setState('failed', reason);
      log('error', this.id + ': ' + reason);
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
    producers: () => [...producers.values()].map(p => ({ id: p.id, meta: p.meta })),
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
    errors: () => errors.slice(),
    log: () => logEntries.map(e => ({ time: e.time.getTime(), level: e.level, text: e.text })),
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
    connect();
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', main);
  else main();
})();
