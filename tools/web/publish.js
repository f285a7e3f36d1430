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
 * The page chrome, the log and the formatting come from ui.js; the
 * signalling connection and what a session does in WebRTC from
 * signalling.js. A small API for tests and automation lives in
 * window.gstsigPublish.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
(function () {
  'use strict';

  const { $, shortId, fmtKbps, renderBasicStats, createLog, cloneTile } = window.gstsigWeb.ui;
  const { params, SignallingClient, readStatsReport, kbps, PeerSession } = window.gstsigWeb.signalling;
  const VIDEO_CODECS = { vp8: 'video/VP8', h264: 'video/H264', vp9: 'video/VP9' };

  /* ---------------------------------------------------------------- utils */

  function intParam(name, def) {
    const v = parseInt(params.get(name), 10);
    return Number.isFinite(v) && v > 0 ? v : def;
  }

  /* ----------------------------------------------------------- status log */

  const logger = createLog('[gstsig-publish] ');
  const log = logger.log;

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

  /* state: 'connecting' | 'ready' | 'closed' */
  const signalling = new SignallingClient({
    log,
    openState: ['connecting', 'connected, waiting for welcome…'],
    needsWelcome: true,
    sessions: {
      find: (sessionId) => consumers.get(sessionId),
      endReason: (msg) => (msg.error ? 'ended by the consumer: ' + msg.error : 'ended by the consumer'),
    },
    handlers: {
      welcome: () => {
        signalling.setState('ready', 'connected');
        renderPeerId();
        register();
      },
      /* Only sent to listeners; a producer has no use for it. */
      peerStatusChanged: null,
      startSession: onStartSession,
      error: (msg, details) => {
        /* The protocol does not say which request failed; a refused
         * registration shows in the state's detail. */
        if (publisher.state === 'live' && publisher.registeredAt &&
            Date.now() - publisher.registeredAt < 2000 && activeConsumers().length === 0) {
          publisher.detail = 'the server answered the registration with an error: ' + details;
          renderPublisher();
        }
      },
      list: null,
      listConsumers: null,
      sessionStarted: null,
    },
    onClose: () => {
      publisher.registeredMeta = null;
      /* The server ended our sessions with the connection. */
      for (const c of consumers.values()) c.end('signalling connection lost');
      if (publisher.state === 'live') {
        setPublisherState('waiting', 'signalling connection lost, reconnecting');
      }
      renderPeerId();
    },
  });

  function send(msg) {
    return signalling.send(msg);
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

  class Consumer extends PeerSession {
    constructor(peerId, sessionId) {
      const number = nextConsumerNumber++;
      super(signalling, logger, 'consumer ' + number);
      this.number = number;
      this.peerId = peerId || '';
      this.sessionId = sessionId;
      this.detail = 'creating offer';
      this.stats = emptyStats();
      this.endedAt = null;
      this.localCandidates = 0;
      this.remoteCandidates = 0;
      this.buildDom();
    }

    buildDom() {
      Object.assign(this, cloneTile('consumer-template', {
        name: this.label,
        idText: shortId(this.peerId),
        idTitle: 'consumer ' + this.peerId + ', session ' + this.sessionId,
        onStop: () => {
          if (this.active) this.stop();
          else this.remove();
        },
      }));
      this.el.id = 'consumer-' + this.number;
      this.el.dataset.sessionId = this.sessionId;
      this.el.dataset.peerId = this.peerId;
      $('consumers').append(this.el);
      this.renderState();
    }

    async start(remoteOffer) {
      const pc = this.createPeerConnection();
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
        await this.remoteDescriptionDone();
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
      this.startStats();
    }

    onFirstConnected() {
      log('info', this.label + ': connected after ' + (this.connectedAt - this.createdAt) + ' ms');
    }

    sendIce(ice) {
      if (!this.active) return;
      if (ice.candidate) this.localCandidates++;
      send({ type: 'peer', sessionId: this.sessionId, ice });
    }

    onRemoteCandidate() {
      this.remoteCandidates++;
    }

    async onRemoteSdp(sdp) {
      const pc = this.pc;
      if (!sdp || typeof sdp !== 'object' || typeof sdp.sdp !== 'string') throw new Error('malformed sdp');
      if (sdp.type !== 'answer') throw new Error('expected an answer from the consumer, got "' + sdp.type + '"');
      if (pc.signalingState !== 'have-local-offer') {
        throw new Error('an answer arrived in signalling state ' + pc.signalingState);
      }
      await pc.setRemoteDescription({ type: 'answer', sdp: sdp.sdp });
      await this.remoteDescriptionDone();
      this.detail = 'ICE/DTLS connecting';
      this.renderState();
    }

    readStats(report, prev) {
      const s = emptyStats();
      const { video, audio, pair } = readStatsReport(report, s, {
        rtpType: 'outbound-rtp',
        /* Simulcast is not used: one layer. Take the busiest anyway. */
        pick: (kind, r, cur) => kind === 'audio' || !cur || (r.bytesSent || 0) > (cur.bytesSent || 0),
        other: (r) => {
          if (r.type === 'remote-inbound-rtp') {
            s.remotePacketsLost += r.packetsLost || 0;
            if (typeof r.roundTripTime === 'number' && s.rtt === null) s.rtt = r.roundTripTime;
          }
        },
      });
      if (video) {
        s.framesSent = video.framesSent || 0;
        s.framesEncoded = video.framesEncoded || 0;
        s.videoBytesSent = video.bytesSent || 0;
        s.videoPacketsSent = video.packetsSent || 0;
        s.encoder = video.encoderImplementation || '';
        s.qualityLimitation = video.qualityLimitationReason || '';
      }
      if (audio) {
        s.audioBytesSent = audio.bytesSent || 0;
        s.audioPacketsSent = audio.packetsSent || 0;
      }
      if (pair) {
        if (s.rtt === null && typeof pair.currentRoundTripTime === 'number') s.rtt = pair.currentRoundTripTime;
      }
      if (prev && s.timestamp > prev.timestamp) {
        const dt = (s.timestamp - prev.timestamp) / 1000;
        s.fps = (s.framesSent - prev.framesSent) / dt;
        s.videoKbps = kbps(s.videoBytesSent, prev.videoBytesSent, dt);
        s.audioKbps = kbps(s.audioBytesSent, prev.audioBytesSent, dt);
      } else {
        s.fps = s.reportedFps || 0;
      }
      return s;
    }

    renderStats() {
      const s = this.stats;
      const e = this.statEls;
      renderBasicStats(e, s, s.framesSent, s.videoBytesSent);
      e.audioBitrate.textContent = s.audioBytesSent ? fmtKbps(s.audioKbps) : (publisher.stream &&
        publisher.stream.getAudioTracks().length ? '–' : 'none');
      e.codec.title = s.encoder ? 'encoder: ' + s.encoder : '';
      e.limit.textContent = s.qualityLimitation || '–';
      e.loss.textContent = s.videoPacketsSent || s.audioPacketsSent ? String(s.remotePacketsLost) : '–';
    }

    renderState() {
      this.el.dataset.state = this.state;
      const badge = this.el.querySelector('.badge');
      badge.textContent = this.state;
      badge.title = this.detail || '';
      this.stopBtn.textContent = this.active ? 'Disconnect' : 'Remove';
      renderConsumers();
    }

    /* The tracks are shared: the base class does not stop them. */
    teardown() {
      super.teardown();
      this.endedAt = Date.now();
    }

    /* We end it (Disconnect, Stop). */
    stop(reason) {
      if (!this.active) return;
      this.sendEnd();
      this.finish('ended', reason || 'disconnected', 'info');
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
    errors: () => logger.errors(),
    log: () => logger.entries(),
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
    signalling.connect();
    const auto = params.get('autostart');
    if (auto === '1' || auto === 'true' || auto === 'camera' || auto === 'screen') {
      start(auto === 'screen' ? 'screen' : 'camera').catch(() => {});
    }
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', main);
  else main();
})();
