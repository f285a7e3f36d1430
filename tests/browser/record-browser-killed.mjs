// A recorded browser that dies without a goodbye: Chromium publishes its fake
// camera and microphone with the publish page, webrtcrecv in
// gst-launch-1.0 -e records it, and after ~6 s the browser is
//   1. killed: SIGKILL to the browser process (by PID), then to what is left
//      of its process tree. No endSession, no RTCP BYE, no close frame: the
//      kernel closes its sockets, the server tells the recorder the
//      producer left.
//   2. frozen: SIGSTOP to every process of the browser (by PID). Its TCP
//      connection stays open and nothing at all arrives any more: only
//      webrtcrecv's peer-timeout can notice.
// Either way the recorder must end by itself (EOS on every pad, exit status
// 0) within peer-timeout + 5 s, and its file must be complete: both tracks,
// the duration the browser sent (±10%), decodable to its end.
// SPDX-License-Identifier: LGPL-2.1-or-later
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { runTest, info, assert, fail, sleep } from './lib.mjs';
import {
  openPublisher, publisherSending, startRecorder, fileGrowing, recorderExits, checkRecording,
  chromiumPids, pidAlive,
} from './record-lib.mjs';

const RECORD_SECONDS = 6;
const PEER_TIMEOUT = 5;  // webrtcrecv's default, given explicitly

function killPids(pids, signal) {
  for (const pid of pids) {
    try { process.kill(pid, signal); } catch (e) { /* gone */ }
  }
}

runTest('record-browser-killed', async (t) => {
  const server = await t.startServer();
  const results = [];
  const earlier = [];

  // RECORD_KILL_MODES=killed or =frozen runs one of the two.
  const modes = (process.env.RECORD_KILL_MODES || 'killed,frozen').split(',');
  for (const how of ['killed', 'frozen'].filter((m) => modes.includes(m))) {
    const browser = await t.launchBrowser();
    const { page, peerId } = await openPublisher(t, browser, server.httpUrl,
                                                 { name: 'pub', video: 'vp8', only: true, label: `publisher-${how}` });
    const pids = chromiumPids(t, { exclude: earlier });
    assert(pids.main, 'cannot find the PID of the Chromium browser process');
    earlier.push(pids.main);
    // Whatever happens next, none of these survives the test.
    t.onCleanup(() => killPids(pids.all.filter(pidAlive), 'SIGKILL'));

    const file = path.join(t.tmpDir, `rec-${how}.mkv`);
    const recorder = startRecorder(t, { wsUrl: server.wsUrl, producerId: peerId, file,
                                        peerTimeout: PEER_TIMEOUT, name: `recorder ${how}` });
    const c = await publisherSending(page);
    await fileGrowing(file);
    await sleep(Math.max(0, RECORD_SECONDS * 1000 - (Date.now() - c.connectedAt)));
    t.checkAlive(server.child, recorder);
    const [before] = await page.evaluate(() => window.gstsigPublish.refresh());
    assert(before && before.state === 'connected', `${how}: the publisher's session is not connected: ` +
           JSON.stringify(before));

    // The page is now beyond reach: stop using it (and the screenshots of
    // the diagnostics) before the browser goes.
    t.pages = t.pages.filter((p) => p.page !== page);
    const all = chromiumPids(t, { exclude: earlier.slice(0, -1) }).all;
    const goneAt = Date.now();
    if (how === 'killed') {
      info(`${how}: SIGKILL to the browser process ${pids.main}`);
      process.kill(pids.main, 'SIGKILL');
    } else {
      info(`${how}: SIGSTOP to the ${all.length} processes of the browser (${all.join(' ')})`);
      killPids(all, 'SIGSTOP');
    }
    const publishSeconds = (goneAt - c.connectedAt) / 1000;
    let waited;
    try {
      waited = await recorderExits(recorder, (PEER_TIMEOUT + 5) * 1000);
    } catch (e) {
      // Where is it stuck? The threads' stacks, if gdb is there.
      let stacks = '';
      try {
        stacks = execFileSync('gdb', ['-p', String(recorder.pid), '-batch', '-ex', 'thread apply all bt 12'],
                              { encoding: 'utf8', timeout: 30000, stdio: ['ignore', 'pipe', 'ignore'] });
        stacks = '\n  threads of the stuck recorder:\n' +
          stacks.split('\n').filter((l) => /^Thread|^#/.test(l)).map((l) => `    ${l}`).join('\n');
      } catch (err) { /* no gdb or not allowed */ }
      fail(`${how}: ${e.message}\n${recorder.tail()}${stacks}`);
    }
    info(`${how}: the recorder ended by itself ${waited.toFixed(2)} s after the browser was ${how} ` +
         `(${recorder.describeExit()})`);
    assert(recorder.exitCode === 0, `${how}: the recorder ${recorder.describeExit()}\n${recorder.tail()}`);
    assert(recorder.lines.some((l) => /EOS/.test(l)), `${how}: the recorder did not report EOS\n${recorder.tail()}`);

    // Whatever is left of that browser goes now (by PID).
    killPids(all, 'SIGKILL');
    await sleep(300);
    const left = all.filter(pidAlive);
    if (how === 'killed') info(`killed: ${left.length} of the browser's ${all.length} processes still there after the recorder finished`);
    t.contexts = t.contexts.filter((x) => x !== browser);
    browser.close().catch(() => {});

    const r = await checkRecording(t, file, { videoCaps: 'video/x-vp8', audio: true, publishSeconds,
                                              framesSent: before.stats.framesSent, who: how });
    results.push(`${how}: recorder done ${waited.toFixed(2)} s after; ${r.discovered.duration.toFixed(2)} s recorded ` +
                 `of ${publishSeconds.toFixed(2)} s, ${r.decoded.video.frames} video frames ` +
                 `(${before.stats.framesSent} sent a moment before)`);
  }
  for (const r of results) info(r);
}, { timeoutMs: 110000 });
