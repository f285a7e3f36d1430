/* gst-webrtcsignal publisher: what the page shows of the publisher (its
 * state, the preview, the buttons) and its form. No logic: publish.js
 * passes the state in and gets the user's actions back.
 *
 * `publisher` below is publish.js' state: { state, detail, stream, source,
 * name }; `options` its options: { name, video, audio }.
 *
 * Loaded with a plain <script defer> after ui.js and before publish.js;
 * everything is in window.gstsigWeb.publishView.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
(function () {
  'use strict';

  const { $ } = window.gstsigWeb.ui;

  /* The overlay of the preview in each state, unless a detail says more. */
  const OVERLAY_TEXT = {
    idle: 'Not publishing. Start the camera or share your screen.',
    capturing: 'Waiting for the camera, microphone or screen…',
    waiting: 'Waiting for the signalling server…',
    stopped: 'Stopped.',
    failed: 'Capture failed.',
  };

  function renderPeerId(peerId) {
    const el = $('pub-peer-id');
    if (el) el.textContent = peerId || '–';
  }

  function renderPublisher(publisher) {
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
      overlay.textContent = publisher.detail || OVERLAY_TEXT[publisher.state] || '';
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
    renderCapture(publisher.stream);
  }

  /* What is captured: "640×480@30 + audio". */
  function renderCapture(s) {
    const el = $('capture-info');
    if (!el) return;
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

  /* Plays publisher.stream in the preview (null: none). */
  function showPreview(publisher) {
    const preview = $('preview');
    if (!preview) return;
    preview.srcObject = publisher.stream;
    if (!publisher.stream) return;
    preview.play().catch(() => {});
    preview.onloadedmetadata = () => renderCapture(publisher.stream);
  }

  /* Takes the form's values: publisher.name, options.video and options.audio. */
  function readForm(publisher, options) {
    const name = $('pub-name');
    publisher.name = (name && name.value.trim()) || options.name;
    const video = $('pub-video');
    if (video) options.video = video.value;
    const audio = $('pub-audio');
    if (audio) options.audio = audio.checked;
  }

  /* Fills the form in from options and calls
   *   onRename(name)   when the stream name changes (options.name if emptied)
   *   onStart(source)  on Start camera ('camera') and Share screen ('screen')
   *   onStop()         on Stop */
  function bindForm(options, { onRename, onStart, onStop }) {
    const name = $('pub-name');
    if (name) {
      name.value = options.name;
      name.addEventListener('change', () => onRename(name.value.trim() || options.name));
    }
    const video = $('pub-video');
    if (video) video.value = options.video;
    const audio = $('pub-audio');
    if (audio) audio.checked = options.audio;
    const form = $('pub-form');
    if (form) form.addEventListener('submit', (ev) => ev.preventDefault());
    const cam = $('btn-camera');
    if (cam) cam.addEventListener('click', () => onStart('camera'));
    const scr = $('btn-screen');
    if (scr) scr.addEventListener('click', () => onStart('screen'));
    const st = $('btn-stop');
    if (st) st.addEventListener('click', () => onStop());
  }

  window.gstsigWeb.publishView = Object.freeze({
    renderPeerId, renderPublisher, renderCapture, showPreview, readForm, bindForm,
  });
})();
