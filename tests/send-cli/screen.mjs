// gst-webrtc-send --screen: an Xvfb display shows a known picture (a
// solid-colour 640x480 window at the top left of a 1024x768 screen); the
// tool captures the region 0,0,640,480 and headless Chromium, on the page
// of the tool's embedded server, decodes 640x480 frames of that colour.
// Then the whole screen: 1024x768. A region outside the screen is refused
// (exit 1); SIGINT stops the tool with exit 0.
//
// SPDX-License-Identifier: LGPL-2.1-or-later

import { assert, fail, info, runTest, waitFor } from '../browser/lib.mjs';
import { EXIT, colourNear, drawColour, events, interrupt, lastStatus, startSender, startServing,
         startXvfb, videoPicture, waitExit, watch } from './send-lib.mjs';

const COLOUR = 0xe03020; // a warm red, far from grey and from the black root window
const RGB = [0xe0, 0x30, 0x20];

runTest('send-cli-screen', async (ctx) => {
  const display = await startXvfb(ctx, '1024x768');
  const env = { DISPLAY: display };
  drawColour(ctx, display, COLOUR, 640, 480);

  // A region that does not fit the screen.
  const bad = startSender(ctx, ['--screen', '--region', '600,400,640,480', '--port', '0'], 'send (bad region)', env);
  assert(await waitExit(bad, 20000) === EXIT.BAD_OPTIONS, `bad region: exit ${bad.exitCode}\n${bad.tail()}`);
  const err = events(bad).find((e) => e.event === 'error');
  assert(err && /does not fit the 1024x768 screen/.test(err.message), `bad region: ${JSON.stringify(err)}`);

  const browser = await ctx.launchBrowser();

  // The region: the window with the known colour.
  const region = await startServing(ctx, ['--screen', '--region', '0,0,640,480', '--no-cursor',
    '--name', 'xvfb-region', '--status'], 'send (region)', env);
  assert(region.started.width === 640 && region.started.height === 480,
    `started event: ${JSON.stringify(region.started)}`);
  const v1 = await watch(ctx, browser, region.url, 'xvfb-region', 'region');
  const pic = await waitFor(async () => {
    const p = await videoPicture(v1.page, v1.tileId, [[0.5, 0.5], [0.05, 0.05], [0.95, 0.95], [0.05, 0.95]]);
    return p.width && p.colours.every((c) => colourNear(c, RGB)) ? p : null;
  }, { timeoutMs: 15000, what: `the picture to show rgb(${RGB}) everywhere`,
       intervalMs: 500 });
  info(`region: ${pic.width}x${pic.height}, colours ${JSON.stringify(pic.colours)}`);
  assert(pic.width === 640 && pic.height === 480, `region: the browser shows ${pic.width}x${pic.height}`);
  // The tool's own view: a viewer, bytes going out.
  const st = await waitFor(() => {
    const s = lastStatus(region.child);
    return s && s.viewers === 1 && s.state === 'streaming' && s.bitrate > 0 && s.estimates.length === 1 &&
      s.fec.length === 1 ? s : null;
  }, { timeoutMs: 8000, what: 'a status event with 1 viewer, a bitrate, the viewer\'s link estimate and FEC share' });
  info(`region: status ${JSON.stringify(st)}`);
  // Congestion control: the viewer's estimate within webrtcsend's bounds
  // (100-2000 kbit/s), and the picture size the encoder works at.
  assert(st.estimates[0] >= 100000 && st.estimates[0] <= 2000000, `estimate ${st.estimates[0]} bit/s`);
  assert(st.width === 640 && st.height === 480, `status: ${st.width}x${st.height}`);
  // FEC negotiated (webrtcsend's fec=auto) but not sent: nothing is lost here.
  assert(st.fec[0] === 0, `FEC share ${st.fec[0]} % on a link that loses nothing`);
  assert(region.child.lines.some((l) => /^err: streaming \| 1 viewer \| \d.* \| links \d.* \| 640x480 \| /.test(l)),
    'no status line "streaming | 1 viewer | ... | links ... | 640x480 | ..." on stderr');
  await interrupt(region.child);

  // The whole screen: its size.
  const whole = await startServing(ctx, ['--screen', '--name', 'xvfb-screen'], 'send (screen)', env);
  const v2 = await watch(ctx, browser, whole.url, 'xvfb-screen', 'screen');
  // webrtcsend may start it smaller (picture-size.h: the first target's
  // size is guessed for hard content) and grows it once the encoder shows
  // that the desktop needs little: the screen's size within 25 s, and its
  // colours once the encoder has settled at that size. Mostly it takes
  // 6-8 s; in about 1 run in 10 the encoder sends 0.64 of its target at
  // 512x384 and the picture climbs one size per 6 s (15.7 and 16.4 s seen;
  // docs/congestion-control.md, "What it does not do yet").
  let shown = null;
  const full = await waitFor(async () => {
    const p = await videoPicture(v2.page, v2.tileId, [[0.25, 0.25], [0.9, 0.9]]);
    if (p.width) shown = p;
    return p.width === 1024 && p.height === 768 && colourNear(p.colours[0], RGB) &&
      colourNear(p.colours[1], [0, 0, 0], 40) ? p : null;
  }, { timeoutMs: 25000, intervalMs: 500, what: 'the whole screen to show at 1024x768 with the window in place' })
    .catch((e) => {
      fail(`screen: the browser shows ${shown ? `${shown.width}x${shown.height}, colours ` +
        `${JSON.stringify(shown.colours)}` : 'nothing'} after 25 s (${e.message})`);
    });
  info(`screen: ${full.width}x${full.height}, colours ${JSON.stringify(full.colours)}`);
  assert(full.width === 1024 && full.height === 768, `screen: the browser shows ${full.width}x${full.height}`);
  assert(colourNear(full.colours[0], RGB), `screen: the window is not where it should be: ${full.colours[0]}`);
  assert(colourNear(full.colours[1], [0, 0, 0], 40), `screen: outside the window is not black: ${full.colours[1]}`);
  await interrupt(whole.child);
}, { timeoutMs: 140000 });
