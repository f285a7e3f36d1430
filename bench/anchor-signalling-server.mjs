// The anchor for bench/server-scale.mjs: the smallest relay of the signalling
// protocol (shared/PROTOCOL.md) on node's `ws` package and its event loop
// (epoll), without any of gst-webrtc-serve's limits, access control, TLS or
// stats. Enough for the benchmark's traffic: welcome, setPeerStatus, list,
// startSession, peer, endSession, and sessions ending with their peers.
//
//   node bench/anchor-signalling-server.mjs PORT   (0: any; prints "listening on PORT")
// SPDX-License-Identifier: LGPL-2.1-or-later
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';

const require = createRequire(new URL('../tests/browser/package.json', import.meta.url));
const { WebSocketServer } = require('ws');

const peers = new Map();    // id -> { ws, roles, meta, sessions: Set }
const sessions = new Map(); // id -> { producer, consumer }

function send(id, msg) {
  const peer = peers.get(id);
  if (peer) peer.ws.send(JSON.stringify(msg));
}

function endSession(sessionId, by) {
  const s = sessions.get(sessionId);
  if (!s) return;
  sessions.delete(sessionId);
  for (const id of [s.producer, s.consumer]) {
    peers.get(id)?.sessions.delete(sessionId);
    if (id !== by) send(id, { type: 'endSession', sessionId });
  }
}

function handle(id, msg) {
  const peer = peers.get(id);
  switch (msg.type) {
    case 'setPeerStatus':
      peer.roles = msg.roles || [];
      peer.meta = msg.meta ?? null;
      for (const [otherId, other] of peers) {
        if (other.roles.includes('listener'))
          send(otherId, { type: 'peerStatusChanged', peerId: id, roles: peer.roles, meta: peer.meta });
      }
      break;
    case 'startSession': {
      const target = peers.get(msg.peerId);
      if (!target || !target.roles.includes('producer')) {
        send(id, { type: 'error', details: 'no such producer' });
        break;
      }
      const sessionId = randomUUID();
      sessions.set(sessionId, { producer: msg.peerId, consumer: id });
      peer.sessions.add(sessionId);
      target.sessions.add(sessionId);
      send(id, { type: 'sessionStarted', peerId: msg.peerId, sessionId });
      send(msg.peerId, { type: 'startSession', peerId: id, sessionId });
      break;
    }
    case 'peer': {
      const s = sessions.get(msg.sessionId);
      if (!s || (s.producer !== id && s.consumer !== id)) {
        send(id, { type: 'error', details: 'no such session' });
        break;
      }
      send(s.producer === id ? s.consumer : s.producer, msg);
      break;
    }
    case 'list':
      send(id, { type: 'list', producers: [...peers].filter(([, p]) => p.roles.includes('producer'))
        .map(([peerId, p]) => ({ id: peerId, meta: p.meta })) });
      break;
    case 'endSession':
      endSession(msg.sessionId, id);
      break;
    default:
      send(id, { type: 'error', details: 'unsupported message' });
  }
}

const wss = new WebSocketServer({ port: Number(process.argv[2] || 0), host: '127.0.0.1',
  perMessageDeflate: false });
wss.on('connection', (ws) => {
  const id = randomUUID();
  peers.set(id, { ws, roles: [], meta: null, sessions: new Set() });
  ws.on('message', (data) => {
    let msg;
    try {
      msg = JSON.parse(String(data));
    } catch {
      send(id, { type: 'error', details: 'invalid JSON' });
      return;
    }
    handle(id, msg);
  });
  ws.on('close', () => {
    for (const sessionId of [...peers.get(id).sessions]) endSession(sessionId, id);
    peers.delete(id);
  });
  ws.send(JSON.stringify({ type: 'welcome', peerId: id }));
});
wss.on('listening', () => console.log(`listening on ${wss.address().port}`));
