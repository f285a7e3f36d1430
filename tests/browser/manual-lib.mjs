// The manual (copy-paste) signaller from the browser tests' side: gst-launch-1.0
// with `uri=manual:` reading tokens on stdin and printing its own
// (manual.mjs, lan-mdns.mjs).
//
// SPDX-License-Identifier: LGPL-2.1-or-later
import { spawn } from 'node:child_process';

import { GST_LAUNCH, fail, info, sleep, waitFor } from './lib.mjs';

// A token line: base64 (or z:base64url), nothing else on the line.
const TOKEN_LINE = /^(?:z:[A-Za-z0-9_-]{100,}|[A-Za-z0-9+/]{100,}={0,2})$/;

// gst-launch-1.0 with stdin and stdout as pipes (lib.mjs's children have no
// stdin). Stopped by PID when the test ends. netns: run it in that network
// namespace (`ip netns exec` execs it: the PID is gst-launch-1.0's own);
// env: added to the test's environment.
export function launchPiped(t, name, args, { netns = null, env = {} } = {}) {
  const [cmd, argv] = netns ? ['ip', ['netns', 'exec', netns, GST_LAUNCH, ...args]] : [GST_LAUNCH, args];
  info(`start ${name}: ${cmd} ${argv.join(' ')}`);
  const proc = spawn(cmd, argv, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...t.env, ...env } });
  const c = { name, proc, lines: [], exited: false, status: null };
  proc.on('exit', (code, signal) => { c.exited = true; c.status = signal || code; });
  proc.on('error', (e) => { c.exited = true; c.status = e.message; });
  proc.stdin.on('error', () => {});
  for (const [stream, tag] of [[proc.stdout, 'out'], [proc.stderr, 'err']]) {
    let buf = '';
    stream.setEncoding('utf8');
    stream.on('data', (d) => {
      buf += d;
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        c.lines.push({ tag, text: buf.slice(0, i) });
        if (c.lines.length > 4000) c.lines.splice(0, 1000);
        buf = buf.slice(i + 1);
      }
    });
  }
  c.tail = (n = 30) => c.lines.slice(-n).map((l) => `    ${l.tag}: ${l.text.length > 300 ? l.text.slice(0, 300) + '…' : l.text}`).join('\n');
  c.alive = () => { if (c.exited) fail(`${name} ended (${c.status})\n  last output:\n${c.tail()}`); };
  t.onCleanup(async () => {
    if (c.exited) return;
    try { process.kill(proc.pid, 'SIGTERM'); } catch (e) { return; }
    for (let i = 0; i < 30 && !c.exited; i++) await sleep(100);
    if (!c.exited) try { process.kill(proc.pid, 'SIGKILL'); } catch (e) { /* gone */ }
  });
  return c;
}

export async function tokenFrom(c, what, timeoutMs = 20000) {
  const line = await waitFor(() => {
    c.alive();
    const l = c.lines.find((x) => x.tag === 'out' && TOKEN_LINE.test(x.text.trim()));
    return l && l.text.trim();
  }, { timeoutMs, what: `${c.name} to print ${what}` }).catch((e) => {
    fail(`${e.message}\n  last output of ${c.name}:\n${c.tail()}`);
  });
  return line;
}
