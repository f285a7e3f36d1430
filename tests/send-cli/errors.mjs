// gst-webrtc-send's errors: each gives its documented exit code, a message
// on stderr that says what went wrong and what to do, and (with --json) an
// error event with the same code. Nothing here needs a browser.
//   no source / bad option combination -> 1; unknown --to scheme -> 1;
//   no camera -> 2; $DISPLAY unset or unreachable -> 4; file missing or not
//   media -> 5; file without video -> 6; --codec av1 -> 7; server not
//   running -> 8; port of the embedded server in use -> 9.
// (A busy camera, 3, needs a real camera: not tested here.)
//
// SPDX-License-Identifier: LGPL-2.1-or-later

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

import { assert, info, runTest } from '../browser/lib.mjs';
import { EXIT, events, startSender, waitExit } from './send-lib.mjs';

async function freePort() {
  const server = net.createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

// Runs the tool; checks exit code, stderr text (every regexp) and the JSON
// error event (unless the options could not even be parsed).
async function expectError(ctx, label, args, code, patterns, { env = {}, json = true } = {}) {
  const child = startSender(ctx, args, `send (${label})`, env);
  const got = await waitExit(child, 30000, 'exit');
  const stderr = child.lines.filter((l) => l.startsWith('err: ')).map((l) => l.slice(5)).join('\n');
  const errorLine = stderr.split('\n').find((l) => l.includes('error:')) || '';
  info(`${label}: exit ${got}: ${errorLine}`);
  assert(got === code, `${label}: expected exit ${code}, got ${got}\n${child.tail()}`);
  for (const re of patterns) {
    assert(re.test(errorLine), `${label}: the error message "${errorLine}" does not match ${re}`);
  }
  if (json) {
    const errs = events(child).filter((e) => e.event === 'error');
    assert(errs.length === 1 && errs[0].code === code && errs[0].message === errorLine.replace(/^gst-webrtc-send: error: /, ''),
      `${label}: error events ${JSON.stringify(errs)}`);
  }
  assert(!events(child).some((e) => e.event === 'started'), `${label}: it started anyway`);
}

runTest('send-cli-errors', async (ctx) => {
  await expectError(ctx, 'no source', [], EXIT.BAD_OPTIONS, [/--camera, --screen, --file PATH or --test/],
    { json: false });
  await expectError(ctx, '--loop without --file', ['--test', '--loop'], EXIT.BAD_OPTIONS,
    [/--loop only goes with --file/], { json: false });
  await expectError(ctx, 'bad --size', ['--test', '--size', 'big'], EXIT.BAD_OPTIONS,
    [/--size 'big' is not WxH/], { json: false });
  await expectError(ctx, 'unknown --to scheme', ['--test', '--to', 'carrier-pigeon://x/'],
    EXIT.BAD_OPTIONS, [/No signaller for URI scheme 'carrier-pigeon'/, /known schemes: .*ws:\/\//]);
  await expectError(ctx, 'unsupported codec', ['--test', '--codec', 'av1'], EXIT.UNSUPPORTED_CODEC,
    [/unsupported codec 'av1'/, /use --codec vp8, h264 or vp9/]);

  // Cameras: none on this machine (or a device that does not exist).
  const cameras = fs.readdirSync('/dev').filter((d) => /^video\d+$/.test(d));
  if (cameras.length === 0) {
    await expectError(ctx, 'no camera', ['--camera'], EXIT.NO_CAMERA,
      [/no camera found/, /--screen, --file PATH, --test/]);
  } else {
    info(`cameras here (${cameras.join(', ')}): the "no camera at all" case is skipped`);
  }
  await expectError(ctx, 'missing camera', ['--camera', '/dev/video97'], EXIT.NO_CAMERA,
    [/no camera at \/dev\/video97/, /gst-device-monitor-1.0 Video\/Source/]);

  // Displays.
  await expectError(ctx, 'DISPLAY unset', ['--screen'], EXIT.NO_DISPLAY,
    [/\$DISPLAY is not set/, /set DISPLAY/], { env: { DISPLAY: '' } });
  let unused = 90;
  while (fs.existsSync(`/tmp/.X11-unix/X${unused}`) || fs.existsSync(`/tmp/.X${unused}-lock`)) unused++;
  await expectError(ctx, 'no X server', ['--screen'], EXIT.NO_DISPLAY,
    [new RegExp(`cannot open the display ':${unused}'`), /Is the X server running/],
    { env: { DISPLAY: `:${unused}` } });

  // Files.
  await expectError(ctx, 'missing file', ['--file', path.join(ctx.tmpDir, 'nothing.mp4')],
    EXIT.FILE_UNREADABLE, [/file not found: .*nothing\.mp4/, /Check the path/]);
  const junk = path.join(ctx.tmpDir, 'junk.mp4');
  fs.writeFileSync(junk, Buffer.alloc(40000, 7));
  await expectError(ctx, 'not media', ['--file', junk], EXIT.FILE_UNREADABLE,
    [/cannot read .*junk\.mp4 as media/, /Is it an audio\/video file/]);
  await expectError(ctx, 'a folder', ['--file', ctx.tmpDir], EXIT.FILE_UNREADABLE,
    [/is a folder; give a media file/]);
  const ogg = path.join(ctx.tmpDir, 'sound.ogg');
  const r = spawnSync('gst-launch-1.0', ['-q', 'audiotestsrc', 'num-buffers=50', '!', 'vorbisenc', '!',
    'oggmux', '!', 'filesink', `location=${ogg}`], { encoding: 'utf8', env: ctx.env });
  assert(r.status === 0, `could not make ${ogg}: ${r.stderr}`);
  await expectError(ctx, 'audio only', ['--file', ogg], EXIT.NO_VIDEO,
    [/sound\.ogg has no video stream \(only audio\)/, /Give a file with video/]);

  // Network: a server that is not there, a port that is taken.
  const closed = await freePort();
  await expectError(ctx, 'server unreachable', ['--test', '--to', `ws://127.0.0.1:${closed}/`],
    EXIT.SERVER_UNREACHABLE, [new RegExp(`Could not connect to the signalling server at ws://127.0.0.1:${closed}/`),
      /running there\?/, /fix --to/]);
  const blocker = net.createServer();
  await new Promise((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  const taken = blocker.address().port;
  await expectError(ctx, 'port in use', ['--test', '--port', String(taken)], EXIT.PORT_IN_USE,
    [new RegExp(`cannot serve on 127.0.0.1:${taken}: the port is in use`), /--port 0 for any free one/]);
  blocker.close();
}, { timeoutMs: 110000 });
