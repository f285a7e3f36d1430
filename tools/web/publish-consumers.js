/* gst-webrtcsignal publisher: its consumers. One session per consumer,
 * each with its own RTCPeerConnection (max-bundle, sendonly transceivers):
 * we make the offer and apply the answer, or answer the consumer's offer;
 * ICE is trickled both ways (signalling.js' PeerSession). Each consumer
 * has a tile in #consumers (from <template id="consumer-template">) with
 * its state and its stats.
 *
 * Loaded with a plain <script defer> after ui.js, signalling.js and
 * publish-media.js and before publish.js; everything is in
 * window.gstsigWeb.publishConsumers.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
(function () {
  'use strict';

  const { $, fmtKbps, renderBasicStats, cloneTile, shortId } = window.gstsigWeb.ui;
  const { readStatsReport, kbps, PeerSession } = window.gstsigWeb.signalling;
  const { setVideoPreferences } = window.gstsigWeb.publishMedia;
  const KEEP_ENDED = 8;

  function emptyStats() {
    return {
      width: 0, height: 0, fps: 0, framesSent: 0, framesEncoded: 0,
      videoBytesSent: 0, videoPacketsSent: 0, videoKbps: 0,
      audioBytesSent: 0, audioPacketsSent: 0, audioKbps: 0,
      videoCodec: '', audioCodec: '', encoder: '', qualityLimitation: '',
      remotePacketsLost: 0, rtt: null, localAddress: '', remoteAddress: '', candidateTypes: '', timestamp: 0,
    };
  }

  /* One consumer of the ConsumerList `list`. */
  class Consumer extends PeerSession {
    constructor(list, peerId, sessionId) {
      const number = list.nextNumber++;
      super(list.signalling, list.logger, 'consumer ' + number);
      this.list = list;
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

    /* Negotiates: answers remoteOffer, or (null) makes the offer. */
    async start(remoteOffer) {
      const pc = this.createPeerConnection();
      const stream = this.list.stream();
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
        this.send({ type: 'peer', sessionId: this.sessionId, sdp: { type: 'answer', sdp: pc.localDescription.sdp } });
      } else {
        /* Audio first, then video, as most receivers expect. */
        const tracks = stream.getTracks().slice().sort((a, b) => (a.kind === 'audio' ? -1 : 1) - (b.kind === 'audio' ? -1 : 1));
        for (const track of tracks) {
          const t = pc.addTransceiver(track, { direction: 'sendonly', streams: [stream] });
          if (track.kind === 'video') setVideoPreferences(t, this.list.options, this.list.logger.log);
        }
        this.detail = 'offering';
        this.renderState();
        const offer = await pc.createOffer();
        await pc.setLocalDescription(offer);
        if (this.pc !== pc || !this.active) return;
        this.send({ type: 'peer', sessionId: this.sessionId, sdp: { type: 'offer', sdp: pc.localDescription.sdp } });
        this.detail = 'waiting for the answer';
        this.renderState();
      }
      this.startStats();
    }

    onFirstConnected() {
      this.log('info', this.label + ': connected after ' + (this.connectedAt - this.createdAt) + ' ms');
    }

    sendIce(ice) {
      if (!this.active) return;
      if (ice.candidate) this.localCandidates++;
      this.send({ type: 'peer', sessionId: this.sessionId, ice });
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
      const stream = this.list.stream();
      renderBasicStats(e, s, s.framesSent, s.videoBytesSent);
      e.audioBitrate.textContent = s.audioBytesSent ? fmtKbps(s.audioKbps) : (stream &&
        stream.getAudioTracks().length ? '–' : 'none');
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
      this.list.render();
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
      this.list.forget(this);
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

  /* Every consumer still listed (sessionId -> Consumer), and the count of
   * the active ones in #consumer-count and #consumer-count-stat.
   *   signalling  the page's SignallingClient
   *   logger      the page's ui.createLog()
   *   stream      fn() -> the MediaStream being published (null: none)
   *   options     the page's options (video codec, only) */
  class ConsumerList {
    constructor({ signalling, logger, stream, options }) {
      this.signalling = signalling;
      this.logger = logger;
      this.stream = stream;
      this.options = options;
      this.consumers = new Map();
      this.nextNumber = 1;
    }

    get(sessionId) { return this.consumers.get(sessionId); }

    has(sessionId) { return this.consumers.has(sessionId); }

    /* Ended ones included. */
    all() { return [...this.consumers.values()]; }

    /* Connecting or connected. */
    active() { return this.all().filter((c) => c.active); }

    /* A new consumer, its tile added; start() negotiates. */
    add(peerId, sessionId) {
      const c = new Consumer(this, peerId, sessionId);
      this.consumers.set(sessionId, c);
      return c;
    }

    /* Drops c and its tile. */
    forget(c) {
      c.el.remove();
      this.consumers.delete(c.sessionId);
      this.render();
    }

    /* Forget ended consumers beyond the last few, so a long session's page stays small. */
    prune() {
      const ended = this.all().filter((c) => !c.active);
      for (const c of ended.slice(0, Math.max(0, ended.length - KEEP_ENDED))) {
        c.el.remove();
        this.consumers.delete(c.sessionId);
      }
    }

    /* A new source: the running consumers keep their connections and send
     * the tracks of `stream`. */
    replaceTracks(stream) {
      for (const c of this.active()) {
        for (const sender of c.pc ? c.pc.getSenders() : []) {
          const kind = sender.track ? sender.track.kind : null;
          const next = kind ? stream.getTracks().find((t) => t.kind === kind) : null;
          if (next) sender.replaceTrack(next).catch((e) => this.logger.log('warn', c.label + ': ' + e.message));
        }
      }
    }

    render() {
      const n = this.active().length;
      const count = $('consumer-count');
      if (count) count.textContent = String(n);
      const stat = $('consumer-count-stat');
      if (stat) stat.textContent = String(n);
      const empty = $('consumers-empty');
      if (empty) empty.hidden = this.consumers.size > 0;
    }
  }

  window.gstsigWeb.publishConsumers = Object.freeze({ ConsumerList });
})();
