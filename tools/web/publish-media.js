/* gst-webrtcsignal publisher: the media it sends. Captures the camera and
 * microphone, or the screen, and orders the video codecs of a transceiver
 * so that the wanted one comes first.
 *
 * Loaded with a plain <script defer> after ui.js and signalling.js and
 * before the publish page's other scripts; everything is in
 * window.gstsigWeb.publishMedia.
 *
 * `options` below is the page's: { video: ''|'vp8'|'h264'|'vp9', only,
 * audio } (see publish.js).
 *
 * Query parameters read here:
 *   ?width=W&height=H&fps=N      camera constraints (default 640x480@30)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
(function () {
  'use strict';

  const { params } = window.gstsigWeb.signalling;
  const VIDEO_CODECS = { vp8: 'video/VP8', h264: 'video/H264', vp9: 'video/VP9' };

  function intParam(name, def) {
    const v = parseInt(params.get(name), 10);
    return Number.isFinite(v) && v > 0 ? v : def;
  }

  /* ------------------------------------------------------------- capture */

  /* A MediaStream of source 'camera' or 'screen', with the microphone
   * unless options.audio is off. */
  async function capture(source, options, log) {
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

  /* -------------------------------------------------------------- codecs */

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

  /* The codec alone, with the helpers that go with it. */
  function onlyCodec(codecs, mime) {
    return codecs.filter((c) => c.mimeType.toLowerCase() === mime.toLowerCase() ||
                                /\/(rtx|red|ulpfec|flexfec-03)$/i.test(c.mimeType));
  }

  /* Puts options.video first in the offer of a video transceiver (alone
   * with options.only); nothing without options.video. */
  function setVideoPreferences(transceiver, options, log) {
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
    if (options.only) ordered = onlyCodec(ordered, mime);
    try {
      transceiver.setCodecPreferences(ordered);
    } catch (e) {
      /* Older browsers accept receiver capabilities only. */
      try {
        const recv = (RTCRtpReceiver.getCapabilities('video') || {}).codecs || [];
        let list = preferCodec(recv, mime);
        if (options.only) list = onlyCodec(list, mime);
        transceiver.setCodecPreferences(list);
      } catch (e2) {
        log('warn', 'cannot set codec preferences: ' + e2.message);
      }
    }
  }

  window.gstsigWeb.publishMedia = Object.freeze({ VIDEO_CODECS, capture, setVideoPreferences });
})();
