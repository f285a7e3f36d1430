// Helpers of the gst-webrtc-record --whip-listen tests: the recorder as a
// WHIP endpoint, publishers (webrtcsend uri=whip+http://... in
// gst-launch-1.0 -e) and plain HTTP requests to the endpoint.
//
// SPDX-License-Identifier: LGPL-2.1-or-later

import { info } from '../browser/lib.mjs';
import { startRecorder, waitEvent } from './record-lib.mjs';

// gst-webrtc-record --json --whip-listen 127.0.0.1:0/whip ARGS; resolves to
// { rec, url } once its 'listening' event came.
export async function startWhipRecorder(ctx, args, name = 'gst-webrtc-record') {
  const rec = startRecorder(ctx, ['--whip-listen', '127.0.0.1:0/whip', ...args], name);
  const ev = await waitEvent(rec, 'listening', { timeoutMs: 10000 });
  // The same URL is printed for people.
  await rec.waitForLine(/WHIP endpoint on (http:\/\/\S+)/, 2000, 'its WHIP endpoint');
  info(`recorder listens on ${ev.url}`);
  return { rec, url: ev.url };
}

// A 320x240 test pattern and a tone published with WHIP; gst-launch -e, so
// SIGINT ends it with EOS and the client DELETEs its resource.
export function startPublisher(ctx, url, { name = '', token = '', codec = 'vp8' } = {}) {
  const uri = `whip+${url}${name ? `?name=${encodeURIComponent(name)}` : ''}`;
  const args = ['-e', 'videotestsrc', 'is-live=true', 'pattern=ball', '!',
    'video/x-raw,width=320,height=240,framerate=30/1', '!',
    'webrtcsend', 'name=s', `uri=${uri}`, `video-codecs=${codec}`];
  if (token) args.push(`signaller::auth-token=${token}`);
  args.push('audiotestsrc', 'is-live=true', 'wave=sine', '!', 's.');
  return ctx.launch(`publisher ${name || codec}`, args);
}

// One HTTP request: { status, text, headers }.
export async function request(url, { method = 'POST', token = '', type = 'application/sdp',
  body = undefined, headers = {} } = {}) {
  const h = { ...headers };
  if (token) h.Authorization = `Bearer ${token}`;
  if (type && body !== undefined) h['Content-Type'] = type;
  const res = await fetch(url, { method, headers: h, body, signal: AbortSignal.timeout(20000) });
  const text = await res.text();
  info(`${method} ${url}${token ? ' (token)' : ''}: ${res.status} ${text.trim().slice(0, 160)}`);
  return { status: res.status, text, headers: res.headers };
}

// An SDP offer that parses and has ICE credentials, with the m= lines given.
export function offer(media) {
  const lines = ['v=0', 'o=- 4611731400430051336 2 IN IP4 127.0.0.1', 's=-', 't=0 0',
    'a=group:BUNDLE 0', 'a=ice-ufrag:abcd', 'a=ice-pwd:abcdefghijklmnopqrstuvwx',
    'a=fingerprint:sha-256 ' + Array(32).fill('AB').join(':')];
  return [...lines, ...media, ''].join('\r\n');
}

// A video section offering only H265 (no codec the recorder takes).
export const H265_ONLY = ['m=video 9 UDP/TLS/RTP/SAVPF 96', 'c=IN IP4 0.0.0.0', 'a=mid:0',
  'a=sendonly', 'a=rtcp-mux', 'a=setup:actpass', 'a=rtpmap:96 H265/90000'];
