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
 * This file holds the publisher's state, its registration and the page's
 * main; the pieces it ties together are
 *   ui.js                 the page chrome, the log and the formatting
 *   signalling.js         the signalling connection and what a session does
 *                         in WebRTC
 *   publish-media.js      the capture and the video codec preferences
 *   publish-consumers.js  the consumers: one session and one tile each
 *   publish-view.js       what the page shows of the publisher, and its form
 * A small API for tests and automation lives in window.gstsigPublish.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
(function () {
  'use strict';

  const { shortId, createLog } = window.gstsigWeb.ui;
  const { params, SignallingClient } = window.gstsigWeb.signalling;
  const { VIDEO_CODECS, capture } = window.gstsigWeb.publishMedia;
  const { ConsumerList } = window.gstsigWeb.publishConsumers;
  const { renderPeerId, renderPublisher, showPreview, readForm, bindForm } = window.gstsigWeb.publishView;

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
        renderPeerId(signalling.peerId);
        register();
      },
      /* Only sent to listeners; a producer has no use for it. */
      peerStatusChanged: null,
      startSession: onStartSession,
      error: (msg, details) => {
        /* The protocol does not say which request failed; a refused
         * registration shows in the state's detail. */
        if (publisher.state === 'live' && publisher.registeredAt &&
            Date.now() - publisher.registeredAt < 2000 && consumers.active().length === 0) {
          publisher.detail = 'the server answered the registration with an error: ' + details;
          renderPublisher(publisher);
        }
      },
      list: null,
      listConsumers: null,
      sessionStarted: null,
    },
    onClose: () => {
      publisher.registeredMeta = null;
      /* The server ended our sessions with the connection. */
      for (const c of consumers.all()) c.end('signalling connection lost');
      if (publisher.state === 'live') {
        setPublisherState('waiting', 'signalling connection lost, reconnecting');
      }
      renderPeerId(signalling.peerId);
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
    const c = consumers.add(msg.peerId, sessionId);
    log('info', c.label + ': consumer ' + shortId(msg.peerId) + ' joined');
    consumers.render();
    const offer = typeof msg.offer === 'string' && msg.offer ? msg.offer : null;
    c.start(offer).catch((e) => c.fail('negotiation failed: ' + e.message));
  }

  /* ------------------------------------------------------------ consumers */

  const consumers = new ConsumerList({ signalling, logger, stream: () => publisher.stream, options });

  /* ----------------------------------------------------------- publishing */

  function setPublisherState(state, detail) {
    publisher.state = state;
    publisher.detail = detail || '';
    renderPublisher(publisher);
  }

  /* Starts publishing (source 'camera' or 'screen'), or switches the source
   * of a running publication: the consumers keep their connections and get
   * the new tracks. */
  async function start(source) {
    source = source === 'screen' ? 'screen' : 'camera';
    if (publisher.state === 'capturing') throw new Error('already starting');
    readForm(publisher, options);
    const previous = publisher.state;
    setPublisherState('capturing', '');
    let stream;
    try {
      stream = await capture(source, options, log);
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
    showPreview(publisher);
    if (old) {
      /* Switch: replace the tracks of running consumers. */
      consumers.replaceTracks(stream);
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
    for (const c of consumers.active()) c.stop('stopped publishing');
    unregister();
    if (publisher.stream) {
      for (const t of publisher.stream.getTracks()) t.stop();
    }
    const wasOn = !!publisher.stream;
    publisher.stream = null;
    publisher.source = null;
    showPreview(publisher);
    if (wasOn || publisher.state !== 'idle') {
      setPublisherState('stopped', '');
      log('info', 'stopped publishing');
    }
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
    consumers: () => consumers.active().map((c) => c.snapshot()),
    /* Every consumer still listed, ended ones included. */
    allConsumers: () => consumers.all().map((c) => c.snapshot()),
    /* Takes fresh stats now; resolves to consumers(). */
    refresh: async () => {
      await Promise.all(consumers.active().map((c) => c.refreshStats().catch(() => null)));
      return consumers.active().map((c) => c.snapshot());
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
    for (const c of consumers.active()) c.stop('page closed');
  });

  function main() {
    bindForm(options, {
      /* Renaming while live updates the meta the viewers see. */
      onRename: (name) => {
        publisher.name = name;
        if (publisher.registeredMeta) register();
      },
      onStart: (source) => { start(source).catch(() => {}); },
      onStop: () => stop(),
    });
    renderPublisher(publisher);
    consumers.render();
    renderPeerId(signalling.peerId);
    setInterval(() => consumers.prune(), 10000);
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
