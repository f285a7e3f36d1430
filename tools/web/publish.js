/* gst-webrtcsignal publisher.
 *
 * Speaks the WebSocket signalling protocol of gst-plugins-rs'
 * gst-webrtc-signalling-server as a *producer*: it registers with
 * setPeerStatus {roles: ["producer"], meta: {name}}, and for every
 * startSession from a consumer it creates one RTCPeerConnection
 * (max-bundle, sendonly transceivers), makes the offer, applies the answer
 * and trickles ICE both ways. Several consumers are served at once.
 *
 * Query parameters:
 *   ?server=ws://HOST:PORT/PATH  signalling server (default: this page's host)
 *   ?token=SECRET                appended to the signalling URL as ?token=
 *   ?stun=stun:HOST:PORT         an ICE server (default: none, host candidates only)
 *   ?name=NAME                   stream name sent as meta.name (default "browser")
 *   ?video=vp8|h264|vp9          preferred video codec (listed first in the offer)
 *   ?only=1                      offer that video codec alone (for receivers that
 *                                pick by their own order, not by the offer's)
 *   ?audio=0                     no microphone
 *   ?autostart=1                 publish the camera at once (autostart=screen: the screen)
 *   ?width=W&height=H&fps=N      camera constraints (default 640x480@30)
 *
 * A small API for tests and automation lives in window.gstsigPublish.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
(function () {
  'use strict';

  const params = new URLSearchParams(window.location.search);
  const STATS_INTERVAL_MS = 1000;
  const RECONNECT_MIN_MS = 1000;
  const RECONNECT_MAX_MS = 10000;
  const LOG_MAX = 200;
  const VIDEO_CODECS = { vp8: 'video/VP8', h264: 'video/H264', vp9: 'video/VP9' };

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
    for (const stun of params.getAll('stun')) cfg.iceServers.push({ urls: stun });
    return cfg;
  }

  function fmtKbps(kbps) {
    if (kbps === null || kbps === undefined || !isFinite(kbps)) return '–';
    if (kbps >= 1000) return (kbps / 1000).toFixed(2) + ' Mbit/s';
    return Math.round(kbps) + ' kbit/s';
  }

  function intParam(name, def) {
    const v = parseInt(params.get(name), 10);
    return Number.isFinite(v) && v > 0 ? v : def;
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
    fn.call(console, '[gstsig-publish] ' + entry.text);
  }

  /* ------------------------------------------------------------- options */

  const options = {
    name: params.get('name') || 'browser',
    video: (params.get('video') || '').toLowerCase(),
    audio: params.get('audio') !== '0',
    only: params.get('only') === '1',
  };
  if (options.video && !VIDEO_CODECS[options.video]) {
    log('warn', 'unknown video codec "' + options.video + '" ignored (vp8, h264 or vp9)');
    options.video = '';
  }

  /* ---------------------------------------------------------- signalling */

  const signalling = {
    ws: null,
    url: signallingUrl(),
    state: 'connecting',   /* connecting | ready | closed */
    peerId: null,
    reconnectDelay: RECONNECT_MIN_MS,
    reconnectTimer: null,
  };

  /* What the publisher does:
   *   idle       nothing captured
   *   capturing  asking for camera/microphone/screen
   *   waiting    captured, waiting for the signalling connection
   *   live       registered as a producer: consumers may connect
   *   stopped    stopped by the user (or the source ended)
   *   failed     capture failed */
  const publisher = {
    state: 'idle',
    detail: '',
    stream: null,
    source: null,          /* 'camera' | 'screen' */
    registeredMeta: null,  /* meta of the last setPeerStatus sent */
    startedAt: null,
  };

  const unknownTypes = new Set();

  function setConnState(state, text) {
    signalling.state = state;
    const el = $('conn');
    if (el) el.dataset.state = state;
    const t = $('conn-text');
    if (t) t.textContent = text;
  }

  function send(msg) {
    const ws = signalling.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN || !signalling.peerId) {
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
      setConnState('connecting', 'connected, waiting for welcome…');
    };
    ws.onerror = () => {
      if (signalling.ws !== ws) return;
      log('error', 'signalling connection error (' + signalling.url + ')');
    };
    ws.onclose = (ev) => {
      if (signalling.ws !== ws) return;
      signalling.ws = null;
      signalling.peerId = null;
      publisher.registeredMeta = null;
      const why = ev.reason ? ' (' + ev.code + ' ' + ev.reason + ')' : ' (' + ev.code + ')';
      log('warn', 'signalling connection closed' + why);
      setConnState('closed', 'disconnected' + why + ', retrying…');
      /* The server ended our sessions with the connection. */
      for (const c of consumers.values()) c.end('signalling connection lost');
      if (publisher.state === 'live') {
        setPublisherState('waiting', 'signalling connection lost, reconnecting');
      }
      renderPeerId();
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

  function currentMeta() {
    return { name: publisher.name || options.name };
  }

  /* Registers as a producer when we have media and a connection. */
  function register() {
    if (!publisher.stream || !signalling.peerId) return;
    if (publisher.state !== 'waiting' && publisher.state !== 'live') return;
    const meta = currentMeta();
    if (publisher.registeredMeta && JSON.stringify(publisher.registeredMeta) === JSON.stringify(meta)) return;
    if (send({ type: 'setPeerStatus', roles: ['producer'], meta })) {
      publisher.registeredMeta = meta;
      publisher.registeredAt = Date.now();
      /* The server confirms a status to listeners only, and a producer is
       * none: it answers an error if it refuses, else we are registered. */
      if (publisher.state !== 'live') {
        setPublisherState('live', '');
        log('info', 'publishing as "' + meta.name + '" (' + shortId(signalling.peerId) + ')');
      } else {
        log('info', 'renamed to "' + meta.name + '"');
      }
    }
  }

  function unregister() {
    if (!publisher.registeredMeta) return;
    publisher.registeredMeta = null;
    /* Dropping the producer role ends our sessions on the server too. */
    if (signalling.peerId) send({ type: 'setPeerStatus', roles: [], meta: currentMeta() });
  }

  function handleMessage(msg) {
    if (!msg || typeof msg !== 'object') {
      log('warn', 'ignored a message that is not an object');
      return;
    }
    switch (msg.type) {
      case 'welcome': {
        signalling.peerId = msg.peerId || msg.peer_id || null;
        setConnState('ready', 'connected');
        log('info', 'connected to ' + signalling.url + ' as ' + shortId(signalling.peerId));
        renderPeerId();
        register();
        break;
      }
      case 'peerStatusChanged':
        /* Only sent to listeners; a producer has no use for it. */
        break;
      case 'startSession': {
        onStartSession(msg);
        break;
      }
      case 'peer': {
        const c = consumers.get(msg.sessionId);
        if (!c) {
          log('warn', 'message for unknown session ' + shortId(msg.sessionId) + ' ignored');
          break;
        }
        c.onPeerMessage(msg);
        break;
      }
      case 'endSession':
      case 'endSessionV1_1': {
        const c = consumers.get(msg.sessionId);
        if (c) c.end(msg.error ? 'ended by the consumer: ' + msg.error : 'ended by the consumer');
        break;
      }
      case 'error': {
        const details = msg.details !== undefined ? String(msg.details) : JSON.stringify(msg);
        log('error', 'server: ' + details);
        /* The protocol does not say which request failed; a refused
         * registration shows in the state's detail. */
        if (publisher.state === 'live' && publisher.registeredAt &&
            Date.now() - publisher.registeredAt < 2000 && activeConsumers().length === 0) {
          publisher.detail = 'the server answered the registration with an error: ' + details;
          renderPublisher();
        }
        break;
      }
      case 'list':
      case 'listConsumers':
      case 'sessionStarted':
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

  function onStartSession(msg) {
    const sessionId = msg.sessionId;
    if (!sessionId) {
      log('warn', 'startSession without a sessionId ignored');
      return;
    }
    if (consumers.has(sessionId)) return;
    if (publisher.state !== 'live' || !publisher.stream) {
      /* Not (or no longer) publishing: refuse politely. */
      send({ type: 'endSession', sessionId });
      return;
    }
    const c = new Consumer(msg.peerId, sessionId);
    consumers.set(sessionId, c);
    log('info', c.label + ': consumer ' + shortId(msg.peerId) + ' joined');
    renderConsumers();
    const offer = typeof msg.offer === 'string' && msg.offer ? msg.offer : null;
    c.start(offer).catch((e) => c.fail('negotiation failed: ' + e.message));
  }

  /* ------------------------------------------------------------ consumers */

  /* sessionId -> Consumer */
  const consumers = new Map();
  let nextConsumerNumber = 1;

  function emptyStats() {
    return {
      width: 0, height: 0, fps: 0, framesSent: 0, framesEncoded: 0,
      videoBytesSent: 0, videoPacketsSent: 0, videoKbps: 0,
      audioBytesSent: 0, audioPacketsSent: 0, audioKbps: 0,
      videoCodec: '', audioCodec: '', encoder: '', qualityLimitation: '',
      remotePacketsLost: 0, rtt: null, localAddress: '', remoteAddress: '', timestamp: 0,
    };
  }

  /* Reorders the codecs so that the wanted one comes first; for H264,
   * constrained baseline with packetization-mode=1 first (what every
   * receiver decodes). The others stay, so negotiation can fall back. */
  function preferCodec(codecs, mime) {
    const score = (c) => {
      if (c.mimeType.toLowerCase() !== mime.toLowerCase()) return 100;
      const f = c.sdpFmtpLine || '';
      if (mime === 'video/H264') {
        let s = 0;
        if (!/packetization-mode=1/.test(f)) s += 2;
        if (!/profile-level-id=42e0/i.test(f)) s += 1;
        return s;
      }
      if (mime === 'video/VP9') return /profile-id=0/.test(f) || !/profile-id/.test(f) ? 0 : 1;
      return 0;
    };
    return codecs.map((c, i) => [score(c), i, c]).sort((a, b) => a[0] - b[0] || a[1] - b[1]).map((x) => x[2]);
  }

  function setVideoPreferences(transceiver) {
    if (!options.video || typeof transceiver.setCodecPreferences !== 'function') return;
    const mime = VIDEO_CODECS[options.video];
    /* Capabilities of both directions: setCodecPreferences accepts codecs
     * that either side knows (sender ones are what matters for sendonly). */
    const seen = new Set();
    const all = [];
    for (const caps of [RTCRtpSender.getCapabilities('video'), RTCRtpReceiver.getCapabilities('video')]) {
      for (const c of (caps && caps.codecs) || []) {
        const key = c.mimeType + '|' + c.clockRate + '|' + (c.sdpFmtpLine || '');
        if (!seen.has(key)) { seen.add(key); all.push(c); }
      }
    }
    if (!all.some((c) => c.mimeType.toLowerCase() === mime.toLowerCase())) {
      log('warn', 'this browser cannot send ' + mime + '; using its default codecs');
      return;
    }
    let ordered = preferCodec(all, mime);
    if (options.only) {
      /* The codec alone, with the helpers that go with it. */
      ordered = ordered.filter((c) => c.mimeType.toLowerCase() === mime.toLowerCase() ||
                                      /\/(rtx|red|ulpfec|flexfec-03)$/i.test(c.mimeType));
    }
    try {
      transceiver.setCodecPreferences(ordered);
    } catch (e) {
      /* Older browsers accept receiver capabilities only. */
      try {
        const recv = (RTCRtpReceiver.getCapabilities('video') || {}).codecs || [];
        let list = preferCodec(recv, mime);
        if (options.only) {
          list = list.filter((c) => c.mimeType.toLowerCase() === mime.toLowerCase() ||
                                    /\/(rtx|red|ulpfec|flexfec-03)$/i.test(c.mimeType));
        }
        transceiver.setCodecPreferences(list);
      } catch (e2) {
        log('warn', 'cannot set codec preferences: ' + e2.message);
      }
    }
  }

  class Consumer {
    constructor(peerId, sessionId) {
      this.number = nextConsumerNumber++;
      this.label = 'consumer ' + this.number;
      this.peerId = peerId || '';
      this.sessionId = sessionId;
      this.state = 'connecting';  /* connecting | connected | ended | failed */
      this.detail = 'creating offer';
      this.pc = null;
      this.remoteDescriptionSet = false;
      this.pendingRemoteCandidates = [];
      this.stats = emptyStats();
      this.prevSample = null;
      this.statsTimer = null;
      this.createdAt = Date.now();
      this.connectedAt = null;
      this.endedAt = null;
      this.localCandidates = 0;
      this.remoteCandidates = 0;
      this.buildDom();
    }

    get active() { return this.state === 'connecting' || this.state === 'connected'; }

    buildDom() {
      const tpl = $('consumer-template');
      this.el = tpl.content.firstElementChild.cloneNode(true);
      this.el.id = 'consumer-' + this.number;
      this.el.dataset.sessionId = this.sessionId;
      this.el.dataset.peerId = this.peerId;
      this.el.querySelector('.tile-name').textContent = this.label;
      this.el.querySelector('.tile-id').textContent = shortId(this.peerId);
      this.el.querySelector('.tile-id').title = 'consumer ' + this.peerId + ', session ' + this.sessionId;
      this.statEls = {};
      for (const dd of this.el.querySelectorAll('[data-stat]')) this.statEls[dd.dataset.stat] = dd;
      this.stopBtn = this.el.querySelector('.stop');
      this.stopBtn.addEventListener('click', () => {
        if (this.active) this.stop();
        else this.remove();
      });
      $('consumers').append(this.el);
      this.renderState();
    }

    async start(remoteOffer) {
      const pc = new RTCPeerConnection(rtcConfig());
      this.pc = pc;
      pc.onicecandidate = (ev) => {
        if (this.pc !== pc || !this.active) return;
        if (ev.candidate && ev.candidate.candidate) {
          this.localCandidates++;
          /* max-bundle: everything goes over the first m-line. */
          send({ type: 'peer', sessionId: this.sessionId,
                 ice: { candidate: ev.candidate.candidate, sdpMLineIndex: ev.candidate.sdpMLineIndex || 0 } });
        } else if (!ev.candidate) {
          send({ type: 'peer', sessionId: this.sessionId, ice: { candidate: '', sdpMLineIndex: 0 } });
        }
      };
      pc.onconnectionstatechange = () => {
        if (this.pc !== pc) return;
        const s = pc.connectionState;
        if (s === 'connected') {
          if (!this.connectedAt) {
            this.connectedAt = Date.now();
            log('info', this.label + ': connected after ' + (this.connectedAt - this.createdAt) + ' ms');
          }
          this.setState('connected', '');
        } else if (s === 'failed') {
          this.fail('ICE/DTLS connection failed');
        } else if (s === 'disconnected') {
          if (this.state === 'connected') this.setState('connecting', 'connection interrupted');
        } else if (s === 'connecting') {
          if (this.state === 'connecting') this.setState('connecting', 'ICE/DTLS connecting');
        }
      };

      const stream = publisher.stream;
      if (remoteOffer) {
        /* The consumer made the offer: fill its transceivers with our tracks. */
        await pc.setRemoteDescription({ type: 'offer', sdp: remoteOffer });
        this.remoteDescriptionSet = true;
        for (const track of stream.getTracks()) {
          const t = pc.getTransceivers().find((x) => !x.sender.track && x.receiver.track &&
                                                     x.receiver.track.kind === track.kind);
          if (t) {
            t.direction = 'sendonly';
            await t.sender.replaceTrack(track);
            t.sender.setStreams && t.sender.setStreams(stream);
          }
        }
        await this.addQueuedCandidates();
        const answer = await pc.createAnswer();
        await pc.setLocalDescription(answer);
        if (this.pc !== pc || !this.active) return;
        send({ type: 'peer', sessionId: this.sessionId, sdp: { type: 'answer', sdp: pc.localDescription.sdp } });
      } else {
        /* Audio first, then video, as most receivers expect. */
        const tracks = stream.getTracks().slice().sort((a, b) => (a.kind === 'audio' ? -1 : 1) - (b.kind === 'audio' ? -1 : 1));
        for (const track of tracks) {
          const t = pc.addTransceiver(track, { direction: 'sendonly', streams: [stream] });
          if (track.kind === 'video') setVideoPreferences(t);
        }
        this.detail = 'offering';
        this.renderState();
        const offer = await pc.createOffer();
        await pc.setLocalDescription(offer);
        if (this.pc !== pc || !this.active) return;
        send({ type: 'peer', sessionId: this.sessionId, sdp: { type: 'offer', sdp: pc.localDescription.sdp } });
        this.detail = 'waiting for the answer';
        this.renderState();
      }
      this.statsTimer = setInterval(() => { this.refreshStats().catch(() => {}); }, STATS_INTERVAL_MS);
    }

    onPeerMessage(msg) {
      if (!this.active || !this.pc) return;
      if (msg.sdp) {
        this.onRemoteSdp(msg.sdp).catch((e) => this.fail('negotiation failed: ' + e.message));
      } else if (msg.ice) {
        this.onRemoteIce(msg.ice);
      } else {
        log('warn', this.label + ': "peer" message with neither sdp nor ice ignored');
      }
    }

    async onRemoteSdp(sdp) {
      const pc = this.pc;
      if (!sdp || typeof sdp !== 'object' || typeof sdp.sdp !== 'string') throw new Error('malformed sdp');
      if (sdp.type !== 'answer') throw new Error('expected an answer from the consumer, got "' + sdp.type + '"');
      if (pc.signalingState !== 'have-local-offer') {
        throw new Error('an answer arrived in signalling state ' + pc.signalingState);
      }
      await pc.setRemoteDescription({ type: 'answer', sdp: sdp.sdp });
      this.remoteDescriptionSet = true;
      await this.addQueuedCandidates();
      this.detail = 'ICE/DTLS connecting';
      this.renderState();
    }

    async addQueuedCandidates() {
      const queued = this.pendingRemoteCandidates;
      this.pendingRemoteCandidates = [];
      for (const ice of queued) await this.addRemoteIce(ice);
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
          /* An empty candidate: end of candidates. */
          await pc.addIceCandidate({ candidate: '', sdpMLineIndex: 0 });
        } else {
          this.remoteCandidates++;
          const init = { candidate: ice.candidate,
                         sdpMLineIndex: typeof ice.sdpMLineIndex === 'number' ? ice.sdpMLineIndex : 0 };
          if (typeof ice.sdpMid === 'string') init.sdpMid = ice.sdpMid;
          await pc.addIceCandidate(init);
        }
      } catch (e) {
        /* A candidate we cannot use (e.g. another address family) is not fatal. */
        console.warn('[gstsig-publish] ' + this.label + ': candidate not added: ' + e.message);
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
        if (r.type === 'outbound-rtp' && r.kind === 'video') {
          /* Simulcast is not used: one layer. Take the busiest anyway. */
          if (!video || (r.bytesSent || 0) > (video.bytesSent || 0)) video = r;
        } else if (r.type === 'outbound-rtp' && r.kind === 'audio') {
          audio = r;
        } else if (r.type === 'remote-inbound-rtp') {
          s.remotePacketsLost += r.packetsLost || 0;
          if (typeof r.roundTripTime === 'number' && s.rtt === null) s.rtt = r.roundTripTime;
        } else if (r.type === 'transport') {
          transport = r;
        }
      });
      if (transport && transport.selectedCandidatePairId) pair = report.get(transport.selectedCandidatePairId);
      const codecOf = (r) => {
        const c = r && r.codecId ? report.get(r.codecId) : null;
        return c && c.mimeType ? c.mimeType : '';
      };
      s.timestamp = (video || audio || {}).timestamp || performance.timeOrigin + performance.now();
      if (video) {
        s.width = video.frameWidth || 0;
        s.height = video.frameHeight || 0;
        s.framesSent = video.framesSent || 0;
        s.framesEncoded = video.framesEncoded || 0;
        s.reportedFps = video.framesPerSecond || 0;
        s.videoBytesSent = video.bytesSent || 0;
        s.videoPacketsSent = video.packetsSent || 0;
        s.videoCodec = codecOf(video);
        s.encoder = video.encoderImplementation || '';
        s.qualityLimitation = video.qualityLimitationReason || '';
      }
      if (audio) {
        s.audioBytesSent = audio.bytesSent || 0;
        s.audioPacketsSent = audio.packetsSent || 0;
        s.audioCodec = codecOf(audio);
      }
      if (pair) {
        if (s.rtt === null && typeof pair.currentRoundTripTime === 'number') s.rtt = pair.currentRoundTripTime;
        const l = report.get(pair.localCandidateId);
        const r = report.get(pair.remoteCandidateId);
        if (l) s.localAddress = (l.address || l.ip || '') + ':' + l.port + '/' + l.protocol;
        if (r) s.remoteAddress = (r.address || r.ip || '') + ':' + r.port + '/' + r.protocol;
      }
      const prev = this.prevSample;
      if (prev && s.timestamp > prev.timestamp) {
        const dt = (s.timestamp - prev.timestamp) / 1000;
        s.fps = (s.framesSent - prev.framesSent) / dt;
        s.videoKbps = ((s.videoBytesSent - prev.videoBytesSent) * 8) / 1000 / dt;
        s.audioKbps = ((s.audioBytesSent - prev.audioBytesSent) * 8) / 1000 / dt;
      } else {
        s.fps = s.reportedFps || 0;
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
      e.fps.textContent = s.framesSent ? s.fps.toFixed(1) + ' fps' : '–';
      e.videoBitrate.textContent = s.videoBytesSent ? fmtKbps(s.videoKbps) : '–';
      e.audioBitrate.textContent = s.audioBytesSent ? fmtKbps(s.audioKbps) : (publisher.stream &&
        publisher.stream.getAudioTracks().length ? '–' : 'none');
      const codecs = [s.videoCodec, s.audioCodec].filter(Boolean).map((c) => c.replace(/^(video|audio)\//, ''));
      e.codec.textContent = codecs.length ? codecs.join(' + ') : '–';
      e.codec.title = s.encoder ? 'encoder: ' + s.encoder : '';
      e.limit.textContent = s.qualityLimitation || '–';
      e.loss.textContent = s.videoPacketsSent || s.audioPacketsSent ? String(s.remotePacketsLost) : '–';
      e.rtt.textContent = s.rtt !== null ? (s.rtt * 1000).toFixed(1) + ' ms' : '–';
    }

    setState(state, detail) {
      this.state = state;
      this.detail = detail || '';
      this.renderState();
    }

    renderState() {
      this.el.dataset.state = this.state;
      const badge = this.el.querySelector('.badge');
      badge.textContent = this.state;
      badge.title = this.detail || '';
      this.stopBtn.textContent = this.active ? 'Disconnect' : 'Remove';
      renderConsumers();
    }

    teardown() {
      clearInterval(this.statsTimer);
      this.statsTimer = null;
      if (this.pc) {
        /* Keep the last stats visible; the tracks are shared: do not stop them. */
        try { this.pc.close(); } catch (e) { /* already closed */ }
      }
      this.endedAt = Date.now();
    }

    /* We end it (Disconnect, Stop). */
    stop(reason) {
      if (!this.active) return;
      send({ type: 'endSession', sessionId: this.sessionId });
      this.teardown();
      this.setState('ended', reason || 'disconnected');
      log('info', this.label + ': ' + (reason || 'disconnected'));
    }

    /* The other side or the server ended it. */
    end(reason) {
      if (!this.active) return;
      this.teardown();
      this.setState('ended', reason);
      log('info', this.label + ': ' + reason);
    }

    fail(reason) {
      if (!this.active) return;
      send({ type: 'endSession', sessionId: this.sessionId });
      this.teardown();
      this.setState('failed', reason);
      log('error', this.label + ': ' + reason);
    }

    remove() {
      this.stop();
      this.el.remove();
      consumers.delete(this.sessionId);
      renderConsumers();
    }

    snapshot() {
      return {
        id: this.el.id,
        peerId: this.peerId,
        sessionId: this.sessionId,
        state: this.state,
        detail: this.detail,
        connectionState: this.pc ? this.pc.connectionState : 'new',
        iceConnectionState: this.pc ? this.pc.iceConnectionState : 'new',
        localCandidates: this.localCandidates,
        remoteCandidates: this.remoteCandidates,
        createdAt: this.createdAt,
        connectedAt: this.connectedAt,
        stats: Object.assign({}, this.stats),
      };
    }
  }

  /* Forget ended consumers beyond the last few, so a long session's page stays small. */
  function pruneEnded() {
    const ended = [...consumers.values()].filter((c) => !c.active);
    for (const c of ended.slice(0, Math.max(0, ended.length - 8))) {
      c.el.remove();
      consumers.delete(c.sessionId);
    }
  }

  function activeConsumers() {
    return [...consumers.values()].filter((c) => c.active);
  }

  function renderConsumers() {
    const n = activeConsumers().length;
    const count = $('consumer-count');
    if (count) count.textContent = String(n);
    const stat = $('consumer-count-stat');
    if (stat) stat.textContent = String(n);
    const empty = $('consumers-empty');
    if (empty) empty.hidden = consumers.size > 0;
  }

  /* ----------------------------------------------------------- publishing */

  function setPublisherState(state, detail) {
    publisher.state = state;
    publisher.detail = detail || '';
    renderPublisher();
  }

  function renderPeerId() {
    const el = $('pub-peer-id');
    if (el) el.textContent = signalling.peerId || '–';
  }

  function renderPublisher() {
    const st = $('pub-state');
    if (st) {
      st.dataset.state = publisher.state;
      st.textContent = publisher.state;
      st.title = publisher.detail;
    }
    const tile = $('preview-tile');
    if (tile) tile.dataset.state = publisher.state;
    const badge = $('preview-badge');
    if (badge) badge.textContent = publisher.state;
    const overlay = $('preview-overlay');
    if (overlay) {
      let text = publisher.detail;
      if (!text) {
        text = { idle: 'Not publishing. Start the camera or share your screen.',
                 capturing: 'Waiting for the camera, microphone or screen…',
                 waiting: 'Waiting for the signalling server…',
                 stopped: 'Stopped.',
                 failed: 'Capture failed.' }[publisher.state] || '';
      }
      overlay.textContent = text;
      overlay.hidden = publisher.state === 'live' && !publisher.detail;
    }
    const src = $('preview-source');
    if (src) src.textContent = publisher.source || 'no source';
    const busy = publisher.state === 'capturing';
    const on = !!publisher.stream;
    const btnStop = $('btn-stop');
    if (btnStop) btnStop.disabled = !on && !busy;
    const btnCam = $('btn-camera');
    if (btnCam) {
      btnCam.disabled = busy || publisher.source === 'camera';
    }
    const btnScreen = $('btn-screen');
    if (btnScreen) {
      btnScreen.disabled = busy || publisher.source === 'screen' || !navigator.mediaDevices ||
        typeof navigator.mediaDevices.getDisplayMedia !== 'function';
    }
    for (const id of ['pub-video', 'pub-audio']) {
      const el = $(id);
      if (el) el.disabled = on || busy;
    }
    renderCapture();
  }

  function renderCapture() {
    const el = $('capture-info');
    if (!el) return;
    const s = publisher.stream;
    if (!s) { el.textContent = '–'; return; }
    const parts = [];
    const v = s.getVideoTracks()[0];
    if (v) {
      const st = v.getSettings ? v.getSettings() : {};
      parts.push((st.width && st.height ? st.width + '×' + st.height : 'video') +
                 (st.frameRate ? '@' + Math.round(st.frameRate) : ''));
    }
    if (s.getAudioTracks().length) parts.push('audio');
    el.textContent = parts.join(' + ') || 'nothing';
  }

  async function capture(source) {
    if (!navigator.mediaDevices) throw new Error('media capture needs a secure context (https or localhost)');
    if (source === 'screen') {
      const screen = await navigator.mediaDevices.getDisplayMedia({
        video: { frameRate: { ideal: 30 } },
        audio: options.audio,
      });
      /* No screen audio (most platforms): add the microphone instead. */
      if (options.audio && screen.getAudioTracks().length === 0) {
        try {
          const mic = await navigator.mediaDevices.getUserMedia({ audio: true });
          for (const t of mic.getAudioTracks()) screen.addTrack(t);
        } catch (e) {
          log('warn', 'no microphone: ' + e.message);
        }
      }
      return screen;
    }
    const video = {
      width: { ideal: intParam('width', 640) },
      height: { ideal: intParam('height', 480) },
      frameRate: { ideal: intParam('fps', 30) },
    };
    return navigator.mediaDevices.getUserMedia({ video, audio: options.audio });
  }

  /* Starts publishing (source 'camera' or 'screen'), or switches the source
   * of a running publication: the consumers keep their connections and get
   * the new tracks. */
  async function start(source) {
    source = source === 'screen' ? 'screen' : 'camera';
    if (publisher.state === 'capturing') throw new Error('already starting');
    readForm();
    const previous = publisher.state;
    setPublisherState('capturing', '');
    let stream;
    try {
      stream = await capture(source);
    } catch (e) {
      const msg = 'cannot capture the ' + source + ': ' + (e.name ? e.name + ': ' : '') + e.message;
      log('error', msg);
      if (publisher.stream) setPublisherState(previous, '');
      else setPublisherState('failed', msg);
      throw new Error(msg);
    }
    const old = publisher.stream;
    publisher.stream = stream;
    publisher.source = source;
    for (const t of stream.getTracks()) {
      /* The user ended the screen share from the browser's own UI, or the camera went away. */
      t.addEventListener('ended', () => {
        if (publisher.stream !== stream) return;
        if (t.kind === 'video') {
          log('warn', 'the ' + source + ' stopped');
          stop();
        }
      });
    }
    const preview = $('preview');
    if (preview) {
      preview.srcObject = stream;
      preview.play().catch(() => {});
      preview.onloadedmetadata = renderCapture;
    }
    if (old) {
      /* Switch: replace the tracks of running consumers. */
      for (const c of activeConsumers()) {
        for (const sender of c.pc ? c.pc.getSenders() : []) {
          const kind = sender.track ? sender.track.kind : null;
          const next = kind ? stream.getTracks().find((t) => t.kind === kind) : null;
          if (next) sender.replaceTrack(next).catch((e) => log('warn', c.label + ': ' + e.message));
        }
      }
      for (const t of old.getTracks()) t.stop();
      setPublisherState(previous === 'capturing' ? 'waiting' : previous, '');
      log('info', 'now publishing the ' + source);
      return;
    }
    publisher.startedAt = Date.now();
    log('info', 'captured the ' + source + ' (' + stream.getTracks().map((t) => t.kind).join(' + ') + ')');
    setPublisherState('waiting', signalling.peerId ? '' : 'waiting for the signalling server');
    register();
  }

  /* Stops publishing: ends every session, unregisters, releases the devices. */
  function stop() {
    for (const c of activeConsumers()) c.stop('stopped publishing');
    unregister();
    if (publisher.stream) {
      for (const t of publisher.stream.getTracks()) t.stop();
    }
    const wasOn = !!publisher.stream;
    publisher.stream = null;
    publisher.source = null;
    const preview = $('preview');
    if (preview) preview.srcObject = null;
    if (wasOn || publisher.state !== 'idle') {
      setPublisherState('stopped', '');
      log('info', 'stopped publishing');
    }
  }

  function readForm() {
    const name = $('pub-name');
    publisher.name = (name && name.value.trim()) || options.name;
    const video = $('pub-video');
    if (video) options.video = video.value;
    const audio = $('pub-audio');
    if (audio) options.audio = audio.checked;
  }

  function bindUi() {
    const name = $('pub-name');
    if (name) {
      name.value = options.name;
      /* Renaming while live updates the meta the viewers see. */
      name.addEventListener('change', () => {
        publisher.name = name.value.trim() || options.name;
        if (publisher.registeredMeta) register();
      });
    }
    const video = $('pub-video');
    if (video) video.value = options.video;
    const audio = $('pub-audio');
    if (audio) audio.checked = options.audio;
    const form = $('pub-form');
    if (form) form.addEventListener('submit', (ev) => ev.preventDefault());
    const cam = $('btn-camera');
    if (cam) cam.addEventListener('click', () => { start('camera').catch(() => {}); });
    const scr = $('btn-screen');
    if (scr) scr.addEventListener('click', () => { start('screen').catch(() => {}); });
    const st = $('btn-stop');
    if (st) st.addEventListener('click', () => stop());
  }

  /* ------------------------------------------------------- test/automation */

  window.gstsigPublish = Object.freeze({
    /* 'idle' | 'capturing' | 'waiting' | 'live' | 'stopped' | 'failed' */
    state: () => publisher.state,
    detail: () => publisher.detail,
    /* The signalling connection: 'connecting' | 'ready' | 'closed'. */
    connection: () => signalling.state,
    peerId: () => signalling.peerId,
    url: () => signalling.url,
    name: () => currentMeta().name,
    source: () => publisher.source,
    /* Active consumers (connecting or connected). */
    consumers: () => activeConsumers().map((c) => c.snapshot()),
    /* Every consumer still listed, ended ones included. */
    allConsumers: () => [...consumers.values()].map((c) => c.snapshot()),
    /* Takes fresh stats now; resolves to consumers(). */
    refresh: async () => {
      await Promise.all(activeConsumers().map((c) => c.refreshStats().catch(() => null)));
      return activeConsumers().map((c) => c.snapshot());
    },
    start: (source) => start(source || 'camera').then(() => publisher.state),
    stop: () => { stop(); return publisher.state; },
    disconnect: (sessionId) => { const c = consumers.get(sessionId); if (c) c.stop(); return !!c; },
    errors: () => errors.slice(),
    log: () => logEntries.map((e) => ({ time: e.time.getTime(), level: e.level, text: e.text })),
    /* Raw access for tests: the RTCPeerConnection of a session. */
    peerConnection: (sessionId) => { const c = consumers.get(sessionId); return c ? c.pc : null; },
  });

  /* ------------------------------------------------------------------ main */

  window.addEventListener('pagehide', () => {
    for (const c of activeConsumers()) c.stop('page closed');
  });

  function main() {
    bindUi();
    renderPublisher();
    renderConsumers();
    renderPeerId();
    setInterval(pruneEnded, 10000);
    log('info', 'connecting to ' + signalling.url);
    connect();
    const auto = params.get('autostart');
    if (auto === '1' || auto === 'true' || auto === 'camera' || auto === 'screen') {
      start(auto === 'screen' ? 'screen' : 'camera').catch(() => {});
    }
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', main);
  else main();
})();
