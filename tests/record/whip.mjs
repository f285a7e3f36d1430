// gst-webrtc-record --whip-listen: the recorder is a WHIP endpoint for many
// publishers at once (webrtcsend uri=whip+http://... in gst-launch-1.0 -e).
//   - a wrong or missing bearer token gets 401, a bad request 4xx (from the
//     front: 415, 400, 404, 405; relayed from the recording's endpoint: 400
//     for an offer without media, 422 for an offer without a codec we take),
//     and the recorder keeps running with no file and no event;
//   - two publishers (H264 and VP8) are recorded at once, one file each,
//     named after ?name=;
//   - one publisher stopping (SIGINT on gst-launch-1.0 -e: EOS, an RTCP BYE,
//     then its client DELETEs its resource) finalizes its file at once
//     (--peer-timeout is 20 s, so not by timeout) while the other keeps
//     recording (whip-browser.mjs ends a session by DELETE alone);
//   - a third publisher while two record gets 503 with Retry-After
//     (--max-recordings 2);
//   - SIGINT on the recorder finalizes the other and it exits 0.
//
// SPDX-License-Identifier: LGPL-2.1-or-later

import path from 'node:path';

import { assert, info, runTest, sleep } from '../browser/lib.mjs';
import { EXIT, checkMediaSpan, checkRecording, events, listFiles, makeDir, signal, waitEvent,
         waitExit } from './record-lib.mjs';
import { H265_ONLY, offer, request, startPublisher, startWhipRecorder } from './whip-lib.mjs';

const TOKEN = 'record-whip-secret';

runTest('record-whip', async (ctx) => {
  const dir = makeDir(ctx, 'whip');
  const { rec, url } = await startWhipRecorder(ctx, ['--output', dir, '--auth-token', TOKEN,
    '--peer-timeout', '20', '--max-recordings', '2']);
  const base = new URL(url);

  // ---- refused requests ----
  let r = await request(url, { body: offer(H265_ONLY) });
  assert(r.status === 401 && /Bearer/.test(r.headers.get('www-authenticate') || ''),
    `no token: ${r.status}`);
  r = await request(url, { token: 'wrong', body: offer(H265_ONLY) });
  assert(r.status === 401 && /auth-token/.test(r.text), `wrong token: ${r.status} ${r.text}`);
  r = await request(url, { token: TOKEN, type: 'text/plain', body: 'hello' });
  assert(r.status === 415, `text/plain POST: ${r.status}`);
  r = await request(url, { token: TOKEN, body: 'hello' });
  assert(r.status === 400 && /not SDP/.test(r.text), `non-SDP POST: ${r.status} ${r.text}`);
  // These two reach a recording's own endpoint, whose answer is relayed.
  r = await request(url, { token: TOKEN, body: offer([]) });
  assert(r.status === 400 && /media/.test(r.text), `offer without media: ${r.status} ${r.text}`);
  r = await request(url, { token: TOKEN, body: offer(H265_ONLY) });
  assert(r.status === 422 && /codec/.test(r.text), `H265-only offer: ${r.status} ${r.text}`);
  r = await request(`${url}/00000000-0000-4000-8000-000000000000`, { method: 'DELETE', token: TOKEN });
  assert(r.status === 404, `DELETE of an unknown resource: ${r.status}`);
  r = await request(url, { method: 'GET', token: TOKEN });
  assert(r.status === 405 && /POST/.test(r.headers.get('allow') || ''), `GET: ${r.status}`);
  r = await request(`${base.origin}/elsewhere`, { token: TOKEN, body: offer(H265_ONLY) });
  assert(r.status === 404, `POST elsewhere: ${r.status}`);
  r = await request(url, { method: 'OPTIONS' });
  assert(r.status === 204 && /application\/sdp/.test(r.headers.get('accept-post') || ''),
    `OPTIONS: ${r.status}`);
  await sleep(500);
  ctx.checkAlive(rec);
  assert(listFiles(dir).length === 0, `files after refused requests: ${listFiles(dir).join(', ')}`);
  const early = events(rec).filter((e) => e.event !== 'listening' && e.event !== 'stats');
  assert(early.length === 0, `events after refused requests: ${JSON.stringify(early)}`);
  assert(rec.lines.some((l) => /refused publisher .*HTTP 422/.test(l)), 'no note of the 422');

  // ---- two publishers at once ----
  const cam1 = startPublisher(ctx, url, { name: 'cam1', token: TOKEN, codec: 'h264' });
  const cam2 = startPublisher(ctx, url, { name: 'cam2', token: TOKEN, codec: 'vp8' });
  const s1 = await waitEvent(rec, 'started', { timeoutMs: 20000, pred: (e) => e.meta?.name === 'cam1' });
  const t1 = Date.now();
  const s2 = await waitEvent(rec, 'started', { timeoutMs: 20000, pred: (e) => e.meta?.name === 'cam2' });
  const t2 = Date.now();
  assert(s1.producer !== s2.producer && s1.file !== s2.file, `started: ${JSON.stringify([s1, s2])}`);
  assert(s1.meta.remote === '127.0.0.1', `meta: ${JSON.stringify(s1.meta)}`);
  r = await request(url, { token: TOKEN, body: offer(H265_ONLY) });
  assert(r.status === 503 && r.headers.get('retry-after') && /full/.test(r.text),
    `a third publisher with --max-recordings 2: ${r.status} ${r.text}`);
  await sleep(4000);
  ctx.checkAlive(rec, cam1, cam2);

  // ---- cam1 stops: DELETE ----
  signal(cam1, 'SIGINT');
  const stopped1 = Date.now();
  const cam1Recorded = (stopped1 - t1) / 1000;
  const f1 = await waitEvent(rec, 'finished', { timeoutMs: 8000 });
  const finalizeS = (Date.now() - stopped1) / 1000;
  info(`cam1 finalized ${finalizeS.toFixed(1)} s after its SIGINT`);
  assert(f1.producer === s1.producer && f1.file === s1.file, `finished: ${JSON.stringify(f1)}`);
  assert(finalizeS < 8, `cam1 took ${finalizeS} s to finalize: not by its DELETE`);
  // The publisher ends cleanly too: its session ended because its stream did.
  const cam1Code = await waitExit(cam1, 10000, 'exit after SIGINT');
  info(`publisher cam1 exited with ${cam1Code}`);
  assert(cam1Code === 0, `publisher cam1 (gst-launch-1.0 -e) exited with ${cam1Code} after SIGINT`);
  checkRecording(s1.file, f1.duration, { codec: 'H.264' });
  checkMediaSpan(f1, cam1Recorded);
  await sleep(2000);
  ctx.checkAlive(rec, cam2);
  const statsAfter = events(rec).filter((e) => e.event === 'stats').pop();
  assert(statsAfter && statsAfter.recordings.length === 1 && statsAfter.recordings[0].producer === s2.producer,
    `stats after cam1 left: ${JSON.stringify(statsAfter)}`);

  // ---- the recorder stops: the rest is finalized ----
  signal(rec, 'SIGINT');
  const cam2Recorded = (Date.now() - t2) / 1000;
  const code = await waitExit(rec, 10000, 'finalize and exit after SIGINT');
  assert(code === EXIT.OK, `recorder exited with ${code}`);
  const f2 = await waitEvent(rec, 'finished', { timeoutMs: 1000, count: 2 });
  assert(f2.producer === s2.producer && f2.file === s2.file, `second finished: ${JSON.stringify(f2)}`);
  const errors = events(rec).filter((e) => e.event === 'error');
  assert(errors.length === 0, `error events: ${JSON.stringify(errors)}`);

  const files = listFiles(dir);
  assert(files.length === 2, `expected two files in ${dir}: ${files.join(', ')}`);
  assert(files.some((f) => /^\d{8}-\d{6}-cam1\.mkv$/.test(path.basename(f))) &&
         files.some((f) => /^\d{8}-\d{6}-cam2\.mkv$/.test(path.basename(f))),
  `file names: ${files.join(', ')}`);
  checkMediaSpan(f2, cam2Recorded);
  checkRecording(s2.file, f2.duration, { codec: 'VP8' });
  await cam2.stop();
}, { timeoutMs: 80000 });
