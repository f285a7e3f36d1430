// Records a browser: Chromium publishes its fake camera and microphone with
// the web app's publish page (tools/web/publish.html) to gst-webrtc-serve;
// webrtcrecv in gst-launch-1.0 -e records that producer into Matroska without
// re-encoding; after ~6 s the recorder is stopped with SIGINT. The file must
// have the video codec the page was asked for and Opus audio, last as long
// as the publisher sent (±10%), and decode to its end. Once with VP8, once
// with H264 (Chromium ramps its resolution up: the H264 track must survive
// the change, see TESTING.md).
// SPDX-License-Identifier: LGPL-2.1-or-later
import path from 'node:path';
import { runTest, info, assert, sleep } from './lib.mjs';
import {
  openPublisher, publisherSending, startRecorder, fileGrowing, interruptRecorder, checkRecording,
} from './record-lib.mjs';

const RECORD_SECONDS = 6;
const CODECS = [['vp8', 'video/x-vp8', 'video/VP8'], ['h264', 'video/x-h264', 'video/H264']];

runTest('record', async (t) => {
  const server = await t.startServer();
  const browser = await t.launchBrowser();
  const results = [];

  for (const [codec, caps, mime] of CODECS) {
    // only=1: the offer carries that video codec alone. webrtcrecv answers
    // with the first codec of its own video-codecs list that the offer has
    // (vp8 first by default), whatever the offer's order.
    const { page, peerId } = await openPublisher(t, browser, server.httpUrl, { name: 'pub', video: codec, only: true });
    const file = path.join(t.tmpDir, `rec-${codec}.mkv`);
    const recorder = startRecorder(t, { wsUrl: server.wsUrl, producerId: peerId, file, name: `recorder ${codec}` });

    const c = await publisherSending(page);
    const connectedAt = c.connectedAt;
    info(`${codec}: publisher connected to the recorder ${((connectedAt - recorder.startedAt) / 1000).toFixed(2)} s ` +
         `after the recorder started; sending ${c.stats.width}x${c.stats.height} ${c.stats.videoCodec}`);
    assert(c.stats.videoCodec === mime, `${codec}: the publisher sends ${c.stats.videoCodec}, expected ${mime}`);
    await fileGrowing(file);
    const firstBytesAt = Date.now();
    info(`${codec}: the file grows ${((firstBytesAt - recorder.startedAt) / 1000).toFixed(2)} s after the recorder started`);

    await sleep(Math.max(0, RECORD_SECONDS * 1000 - (Date.now() - connectedAt)));
    t.checkAlive(server.child, recorder);
    const [last] = (await page.evaluate(() => window.gstsigPublish.refresh()));
    assert(last && last.state === 'connected', `${codec}: the publisher's session is not connected any more: ` +
           JSON.stringify(last));
    const stoppedAt = Date.now();
    const exitSeconds = await interruptRecorder(recorder);
    assert(recorder.exitCode === 0, `${codec}: the recorder ${recorder.describeExit()} after SIGINT\n${recorder.tail()}`);
    const publishSeconds = (stoppedAt - connectedAt) / 1000;
    info(`${codec}: recorder exited ${exitSeconds.toFixed(2)} s after SIGINT; publisher sent ` +
         `${last.stats.framesSent} frames at ${last.stats.width}x${last.stats.height}`);

    const r = await checkRecording(t, file, { videoCaps: caps, audio: true, publishSeconds,
                                              framesSent: last.stats.framesSent, who: codec });
    results.push(`${codec}: ${r.discovered.duration.toFixed(2)} s recorded of ${publishSeconds.toFixed(2)} s, ` +
                 `first video pts ${r.decoded.video.first.toFixed(2)} s, ${r.decoded.video.frames} frames ` +
                 `(${last.stats.framesSent} sent), ` +
                 `${r.discovered.width}x${r.discovered.height}`);

    // The recorder left: the publisher's session ends, the page stays live.
    await page.evaluate(() => window.gstsigPublish.stop());
    await page.close();
  }
  for (const r of results) info(r);
}, { timeoutMs: 110000 });
