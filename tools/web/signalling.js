/* gst-webrtcsignal web app: the signalling client (also as a listener, with
 * the peer list) and the WebRTC helpers the pages share.
 *
 * Speaks the WebSocket signalling protocol of gst-plugins-rs'
 * gst-webrtc-signalling-server (one JSON object per text frame,
 * discriminated by "type"); reconnects with a doubling delay. Loaded with a
 * plain <script defer> after ui.js and before the page's own script;
 * everything is in window.gstsigWeb.signalling.
 *
 * Query parameters read here:
 *   ?server=ws://HOST:PORT/PATH  signalling server (default: this page's host)
 *   ?token=SECRET                appended to the signalling URL as ?token=; without it
 *                                the page asks for one when the server refuses it
 *                                (GET /api/access answers 401) and keeps it for the tab
 *   ?stun=stun:HOST:PORT         an ICE server (default: none, host candidates only)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
(function () {
  'use strict';

  const ui = window.gstsigWeb.ui;
  const params = new URLSearchParams(window.location.search);
  const STATS_INTERVAL_MS = 1000;
  const RECONNECT_MIN_MS = 1000;
  const RECONNECT_MAX_MS = 10000;
  const REGISTER_FALLBACK_MS = 3000;
  const TOKEN_KEY = 'gstsig-token';

  /* ------------------------------------------------------------ settings */

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
    const token = params.get('token') || sessionStorage.getItem(TOKEN_KEY);
    if (token) {
      const u = new URL(url);
      u.searchParams.set('token', token);
      url = u.toString();
    }
    return url;
  }

  /* url for people to read: the token is not shown. */
  function shown(url) {
    const u = new URL(url);
    if (u.searchParams.has('token')) u.searchParams.set('token', '…');
    return u.toString();
  }

  /* The server's answer to "will this URL's token do?" (an upgrade that is
   * refused shows the page only a close code, not the 401). */
  async function tokenRefused(wsUrl) {
    const u = new URL(wsUrl);
    u.protocol = u.protocol === 'wss:' ? 'https:' : 'http:';
    u.pathname = '/api/access';
    try {
      const reply = await fetch(u.toString(), { cache: 'no-store' });
      return reply.status === 401;
    } catch (e) {
      return false; /* not our server, or not reachable: keep retrying */
    }
  }

  /* From the page's URL: ?stun=stun:HOST:PORT (repeatable),
   * ?turn=turn:HOST:PORT (repeatable; turns: too) with ?turn-user= and
   * ?turn-pass=, and ?relay=1 to go through the TURN servers only. */
  function rtcConfig() {
    const cfg = { bundlePolicy: 'max-bundle', iceServers: [] };
    for (const stun of params.getAll('stun')) cfg.iceServers.push({ urls: stun });
    for (const turn of params.getAll('turn')) {
      cfg.iceServers.push({
        urls: turn, username: params.get('turn-user') || '', credential: params.get('turn-pass') || '',
      });
    }
    if (params.get('relay') === '1') cfg.iceTransportPolicy = 'relay';
    return cfg;
  }

  /* ---------------------------------------------------------- signalling */

  /* One connection to the signalling server, reopened after it closes.
   *
   * options:
   *   log            a ui.createLog() log function
   *   handlers       { type: fn(msg) } for the server's messages; a type
   *                  without one is warned about once. The client itself
   *                  takes the peer id from "welcome" and logs "error"
   *                  (the handler then gets the details text as a second
   *                  argument).
   *   sessions       { find(sessionId), endReason(msg) }: "peer" messages go
   *                  to find(sessionId).onPeerMessage(msg), "endSession"
   *                  ones to its end(endReason(msg))
   *   openState      [state, text] once the socket is open (before welcome)
   *   needsWelcome   send() drops messages until "welcome" came
   *   onClose        fn() after the connection closed (peerId is cleared)
   *
   * state: 'connecting' | 'registering' | 'ready' | 'closed'; the page sets
   * 'ready' (setState) when it deems itself registered. */
  class SignallingClient {
    constructor(options) {
      this.options = options;
      this.log = options.log;
      this.ws = null;
      this.url = signallingUrl();
      this.state = 'connecting';
      this.peerId = null;
      this.reconnectDelay = RECONNECT_MIN_MS;
      this.reconnectTimer = null;
      this.unknownTypes = new Set();
    }

    setState(state, text) {
      this.state = state;
      ui.renderConn(state, text);
    }

    send(msg) {
      const ws = this.ws;
      if (!ws || ws.readyState !== WebSocket.OPEN || (this.options.needsWelcome && !this.peerId)) {
        this.log('warn', 'not connected, dropped ' + msg.type);
        return false;
      }
      ws.send(JSON.stringify(msg));
      return true;
    }

    askForToken() {
      this.setState('closed', 'this server needs a token');
      const token = window.prompt('This signalling server needs a token:');
      if (!token) {
        this.log('error', 'the server needs a token: open this page with ?token=YOUR_TOKEN');
        return;
      }
      sessionStorage.setItem(TOKEN_KEY, token);
      this.url = signallingUrl();
      this.connect();
    }

    connect() {
      clearTimeout(this.reconnectTimer);
      this.reconnectTimer = null;
      this.setState('connecting', 'connecting to ' + shown(this.url));
      let ws;
      try {
        ws = new WebSocket(this.url);
      } catch (e) {
        this.log('error', 'cannot open ' + shown(this.url) + ': ' + e.message);
        this.scheduleReconnect();
        return;
      }
      this.ws = ws;

      let opened = false;
      ws.onopen = () => {
        if (this.ws !== ws) return;
        opened = true;
        this.reconnectDelay = RECONNECT_MIN_MS;
        this.setState(...this.options.openState);
      };
      ws.onerror = () => {
        if (this.ws !== ws) return;
        this.log('error', 'signalling connection error (' + shown(this.url) + ')');
      };
      ws.onclose = (ev) => {
        if (this.ws !== ws) return;
        this.ws = null;
        this.peerId = null;
        const why = ev.reason ? ' (' + ev.code + ' ' + ev.reason + ')' : ' (' + ev.code + ')';
        this.log('warn', 'signalling connection closed' + why);
        this.setState('closed', 'disconnected' + why + ', retrying…');
        if (this.options.onClose) this.options.onClose();
        if (opened) {
          this.scheduleReconnect();
          return;
        }
        tokenRefused(this.url).then((refused) => {
          if (refused) this.askForToken();
          else this.scheduleReconnect();
        });
      };
      ws.onmessage = (ev) => {
        if (this.ws !== ws) return;
        if (typeof ev.data !== 'string') return; /* binary frames are not part of the protocol */
        let msg;
        try {
          msg = JSON.parse(ev.data);
        } catch (e) {
          this.log('warn', 'unparseable message from server ignored');
          return;
        }
        try {
          this.dispatch(msg);
        } catch (e) {
          this.log('error', 'error handling "' + (msg && msg.type) + '" message: ' + e.message);
        }
      };
    }

    scheduleReconnect() {
      if (this.reconnectTimer) return;
      const delay = this.reconnectDelay;
      this.reconnectDelay = Math.min(delay * 2, RECONNECT_MAX_MS);
      this.reconnectTimer = setTimeout(() => this.connect(), delay);
    }

    dispatch(msg) {
      if (!msg || typeof msg !== 'object') {
        this.log('warn', 'ignored a message that is not an object');
        return;
      }
      const handlers = this.options.handlers;
      const type = msg.type;
      if (type === 'welcome') {
        this.peerId = msg.peerId || msg.peer_id || null;
        this.log('info', 'connected to ' + shown(this.url) + ' as ' + ui.shortId(this.peerId));
      } else if (type === 'error') {
        const details = msg.details !== undefined ? String(msg.details) : JSON.stringify(msg);
        this.log('error', 'server: ' + details);
        if (handlers.error) handlers.error(msg, details);
        return;
      } else if (type === 'peer') {
        const session = this.options.sessions.find(msg.sessionId);
        if (!session) {
          this.log('warn', 'message for unknown session ' + ui.shortId(msg.sessionId) + ' ignored');
          return;
        }
        session.onPeerMessage(msg);
        return;
      } else if (type === 'endSession' || type === 'endSessionV1_1') {
        const session = this.options.sessions.find(msg.sessionId);
        if (session) session.end(this.options.sessions.endReason(msg));
        return;
      }
      if (typeof type === 'string' && Object.prototype.hasOwnProperty.call(handlers, type)) {
        if (handlers[type]) handlers[type](msg);
      } else if (type !== 'welcome' && !this.unknownTypes.has(String(type))) {
        this.unknownTypes.add(String(type));
        this.log('warn', 'ignored unknown message type "' + String(type) + '"');
      }
    }
  }

  /* ------------------------------------------------------------- listener */

  /* meta.name of a peer's meta ('' without one). */
  function metaName(meta) {
    if (meta && typeof meta === 'object' && meta.name !== undefined && meta.name !== null) {
      return String(meta.name);
    }
    return '';
  }

  /* A SignallingClient in the listener role, and the peers the server tells
   * it about. On "welcome" it sends setPeerStatus {roles: ["listener"]};
   * once the server confirms that (our own peerStatusChanged, or after
   * REGISTER_FALLBACK_MS without one) its state is 'ready' and it asks for
   * the producers ("list") and, with options.consumers, the consumers
   * ("listConsumers"). From then on peerStatusChanged, list and
   * listConsumers keep this.peers: id -> { id, meta, roles }. A list adds
   * what it names; a peer goes when it has no role left (the server says so
   * when it disconnects) or when our connection closes.
   *
   * options: those of SignallingClient (openState: 'registering' unless
   * given; handlers for welcome, peerStatusChanged, list and listConsumers
   * are this class's), and
   *   name            meta.name to register with
   *   consumers       also ask for the consumers
   *   onRegistered    fn() once registered, after the lists were asked for
   *   onPeerStatus    fn(peer, previous) for another peer's peerStatusChanged,
   *                   before onPeersChanged: peer is null when it went,
   *                   previous is null when it is new
   *   onPeersChanged  fn() after this.peers changed
   *   onClose         fn() after the connection closed (this.peers is empty) */
  class ListenerClient extends SignallingClient {
    constructor(options) {
      super(Object.assign({ openState: ['registering', 'connected, registering…'] }, options));
      this.peers = new Map();
      this.registerTimer = null;
      this.options.handlers = Object.assign({}, options.handlers, {
        welcome: () => this.onWelcome(),
        peerStatusChanged: (msg) => this.onPeerStatusChanged(msg),
        list: (msg) => this.onList(msg.producers, 'producer'),
        listConsumers: (msg) => this.onList(msg.consumers, 'consumer'),
      });
      this.options.onClose = () => {
        clearTimeout(this.registerTimer);
        this.peers.clear();
        if (options.onClose) options.onClose();
      };
    }

    /* The peers in the producer role, in the order they became known. */
    producers() {
      return [...this.peers.values()].filter((p) => p.roles.includes('producer'));
    }

    isProducer(id) {
      const p = this.peers.get(id);
      return !!p && p.roles.includes('producer');
    }

    /* meta.name of a known peer ('' without one). */
    peerName(id) {
      const p = this.peers.get(id);
      return p ? metaName(p.meta) : '';
    }

    onWelcome() {
      this.send({ type: 'setPeerStatus', roles: ['listener'], meta: { name: this.options.name } });
      /* Servers answer with our own peerStatusChanged; should one not, go on anyway. */
      this.registerTimer = setTimeout(() => this.registered(), REGISTER_FALLBACK_MS);
    }

    registered() {
      clearTimeout(this.registerTimer);
      if (this.state === 'ready') return;
      this.setState('ready', 'connected');
      this.send({ type: 'list' });
      if (this.options.consumers) this.send({ type: 'listConsumers' });
      if (this.options.onRegistered) this.options.onRegistered();
    }

    onPeerStatusChanged(msg) {
      const id = msg.peerId || msg.peer_id;
      if (!id) return;
      const roles = Array.isArray(msg.roles) ? msg.roles : [];
      if (id === this.peerId) {
        if (roles.includes('listener')) this.registered();
        return;
      }
      const previous = this.peers.get(id) || null;
      let peer = null;
      if (roles.length) {
        peer = { id, meta: msg.meta === undefined ? null : msg.meta, roles };
        this.peers.set(id, peer);
      } else {
        this.peers.delete(id);
      }
      if (this.options.onPeerStatus) this.options.onPeerStatus(peer, previous);
      this.changed();
    }

    /* A "list" (role 'producer') or "listConsumers" (role 'consumer'). */
    onList(list, role) {
      for (const p of Array.isArray(list) ? list : []) {
        if (!p || typeof p !== 'object') continue;
        const id = p.id || p.peerId;
        if (typeof id !== 'string' || id === this.peerId) continue;
        const prev = this.peers.get(id);
        const roles = prev ? [...new Set(prev.roles.concat(role))] : [role];
        this.peers.set(id, { id, meta: p.meta === undefined ? null : p.meta, roles });
      }
      this.changed();
    }

    changed() {
      if (this.options.onPeersChanged) this.options.onPeersChanged();
    }
  }

  /* ------------------------------------------------------------------ ICE */

  /* The "ice" of a "peer" message for an icecandidate event; an empty
   * candidate for the end of candidates (max-bundle: everything goes over
   * the first m-line); null for nothing to send. */
  function iceFromEvent(ev) {
    if (ev.candidate && ev.candidate.candidate) {
      return { candidate: ev.candidate.candidate, sdpMLineIndex: ev.candidate.sdpMLineIndex || 0 };
    }
    if (!ev.candidate) return { candidate: '', sdpMLineIndex: 0 }; /* end of candidates */
    return null;
  }

  /* ---------------------------------------------------------------- stats */

  /* Fills in stats s what both pages take from a getStats() report:
   * timestamp; width, height, reportedFps, videoCodec of the video stream;
   * audioCodec of the audio one; localAddress, remoteAddress and
   * candidateTypes ("relay <-> host") of the candidate pair.
   *   rtpType      'inbound-rtp' or 'outbound-rtp'
   *   pick(kind, r, current)  whether r replaces the current video/audio stream
   *   other(r)     called with every report of another type
   *   anyPair      without a selected pair, take a succeeded one
   * Returns { video, audio, pair } for the rest. */
  function readStatsReport(report, s, { rtpType, pick, other, anyPair }) {
    let video = null;
    let audio = null;
    let pair = null;
    let transport = null;
    report.forEach((r) => {
      if (r.type === rtpType && r.kind === 'video') {
        if (pick('video', r, video)) video = r;
      } else if (r.type === rtpType && r.kind === 'audio') {
        if (pick('audio', r, audio)) audio = r;
      } else if (r.type === 'transport') {
        transport = r;
      } else if (other) {
        other(r);
      }
    });
    if (transport && transport.selectedCandidatePairId) pair = report.get(transport.selectedCandidatePairId);
    if (!pair && anyPair) {
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
      s.reportedFps = video.framesPerSecond || 0;
      s.videoCodec = codecOf(video);
    }
    if (audio) s.audioCodec = codecOf(audio);
    if (pair) {
      const l = report.get(pair.localCandidateId);
      const r = report.get(pair.remoteCandidateId);
      if (l) s.localAddress = (l.address || l.ip || '') + ':' + l.port + '/' + l.protocol;
      if (r) s.remoteAddress = (r.address || r.ip || '') + ':' + r.port + '/' + r.protocol;
      if (l && r) s.candidateTypes = `${l.candidateType} <-> ${r.candidateType}`;
    }
    return { video, audio, pair };
  }

  /* kbit/s from two byte counts dt seconds apart. */
  function kbps(bytes, prevBytes, dt) {
    return ((bytes - prevBytes) * 8) / 1000 / dt;
  }

  /* ------------------------------------------------------------- sessions */

  /* What a viewer's tile and a publisher's consumer have in common: one
   * session, one RTCPeerConnection, ICE trickled both ways (remote
   * candidates wait for the remote description), stats every second.
   *
   * A subclass sets this.pc (createPeerConnection()), this.sessionId and
   * this.stats, and provides sendIce(ice), onRemoteSdp(sdp),
   * readStats(report, prev), renderStats() and renderState(); it may
   * override teardown() (calling this one), onFirstConnected() and
   * onRemoteCandidate(ice). */
  class PeerSession {
    constructor(client, logger, label) {
      this.client = client;
      this.logger = logger;
      this.label = label;
      this.sessionId = null;
      this.state = 'connecting';  /* connecting | connected | ended | failed */
      this.detail = '';
      this.pc = null;
      this.remoteDescriptionSet = false;
      this.pendingRemoteCandidates = [];
      this.prevSample = null;
      this.statsTimer = null;
      this.createdAt = Date.now();
      this.connectedAt = null;
    }

    get active() { return this.state === 'connecting' || this.state === 'connected'; }

    log(level, text) { this.logger.log(level, text); }

    send(msg) { return this.client.send(msg); }

    /* A new RTCPeerConnection for this session, as this.pc. */
    createPeerConnection() {
      const pc = new RTCPeerConnection(rtcConfig());
      this.pc = pc;
      pc.onicecandidate = (ev) => {
        if (this.pc !== pc) return;
        const ice = iceFromEvent(ev);
        if (ice) this.sendIce(ice);
      };
      pc.onconnectionstatechange = () => {
        if (this.pc !== pc) return;
        const s = pc.connectionState;
        if (s === 'connected') {
          if (!this.connectedAt) {
            this.connectedAt = Date.now();
            this.onFirstConnected();
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
      return pc;
    }

    onFirstConnected() {}

    startStats() {
      this.statsTimer = setInterval(() => { this.refreshStats().catch(() => {}); }, STATS_INTERVAL_MS);
    }

    /* Takes fresh stats (the subclass's readStats(report, previous sample)),
     * shows them (renderStats()) and resolves to them. */
    async refreshStats() {
      const pc = this.pc;
      if (!pc) return this.stats;
      const s = this.readStats(await pc.getStats(), this.prevSample);
      this.prevSample = s;
      this.stats = s;
      this.renderStats();
      return s;
    }

    onPeerMessage(msg) {
      if (!this.active || !this.pc) return;
      if (msg.sdp) {
        this.onRemoteSdp(msg.sdp).catch((e) => this.fail('negotiation failed: ' + e.message));
      } else if (msg.ice) {
        this.onRemoteIce(msg.ice);
      } else {
        this.log('warn', this.label + ': "peer" message with neither sdp nor ice ignored');
      }
    }

    /* The remote description is set: add the candidates that waited for it. */
    async remoteDescriptionDone() {
      this.remoteDescriptionSet = true;
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
          this.onRemoteCandidate(ice);
          const init = { candidate: ice.candidate,
                         sdpMLineIndex: typeof ice.sdpMLineIndex === 'number' ? ice.sdpMLineIndex : 0 };
          if (typeof ice.sdpMid === 'string') init.sdpMid = ice.sdpMid;
          await pc.addIceCandidate(init);
        }
      } catch (e) {
        /* A candidate we cannot use (e.g. another address family) is not fatal. */
        console.warn(this.logger.prefix + this.label + ': candidate not added: ' + e.message);
      }
    }

    onRemoteCandidate(ice) {}

    setState(state, detail) {
      this.state = state;
      this.detail = detail || '';
      this.renderState();
    }

    teardown() {
      clearInterval(this.statsTimer);
      this.statsTimer = null;
      if (this.pc) {
        /* Keep the last stats visible. */
        try { this.pc.close(); } catch (e) { /* already closed */ }
      }
    }

    sendEnd() {
      if (this.sessionId) this.send({ type: 'endSession', sessionId: this.sessionId });
    }

    /* Ends it for good: state 'ended' or 'failed', logged at `level`. */
    finish(state, detail, level, text) {
      this.teardown();
      this.setState(state, detail);
      this.log(level, text || this.label + ': ' + detail);
    }

    /* The other side or the server ended it. */
    end(reason) {
      if (!this.active) return;
      this.finish('ended', reason, 'info');
    }

    fail(reason) {
      if (!this.active) return;
      this.sendEnd();
      this.finish('failed', reason, 'error');
    }
  }

  window.gstsigWeb.signalling = Object.freeze({
    params, signallingUrl, rtcConfig, SignallingClient, metaName, ListenerClient, iceFromEvent,
    readStatsReport, kbps, PeerSession,
  });
})();
