// A "LAN" for the browser tests that need a browser on another machine
// (lan-tls.mjs, lan-mdns.mjs): two network namespaces joined by a veth pair,
// "s" (the server machine, 10.99.0.1) and "v" (the visitor's, 10.99.0.2),
// made inside them (nothing is added to this machine's own namespace),
// named after the test's PID and deleted, with whatever still runs in them,
// when the test ends. Needs root (ip netns add).
//
// SPDX-License-Identifier: LGPL-2.1-or-later

import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

import {
  ANNOUNCE, CHROMIUM, CHROMIUM_ARGS, GST_LAUNCH, SERVE_BIN, assert, fail, info, sleep, viewerProducer, viewerReady,
  waitFor,
} from './lib.mjs';

export const NS_SERVER = `gsl${process.pid}s`;
export const NS_VISITOR = `gsl${process.pid}v`;
// A second visitor's machine (addSecondVisitor): 10.98.0.2, reaching the
// server at 10.98.0.1 over a veth of its own (lan1 on the server's side).
export const NS_VISITOR2 = `gsl${process.pid}w`;
export const SERVER_IP2 = '10.98.0.1';
export const VISITOR2_IP = '10.98.0.2';
export const SERVER_IP = '10.99.0.1';
export const VISITOR_IP = '10.99.0.2';

// Chromium as a user has it: the shared flags without the two that the
// loopback tests need (literal host candidates, loopback candidates).
const LOOPBACK_ONLY_FLAGS = ['--allow-loopback-in-peer-connection',
                             '--disable-features=WebRtcHideLocalIpsWithMdns'];
export const DEFAULT_WEBRTC_ARGS = CHROMIUM_ARGS.filter((a) => !LOOPBACK_ONLY_FLAGS.includes(a));

// ip(8), synchronously; fails naming what it was for.
export function ip(args, what, { check = true } = {}) {
  const r = spawnSync('ip', args, { encoding: 'utf8', timeout: 10000 });
  if (r.error) fail(`${what}: cannot run ip (iproute2): ${r.error.message}`);
  if (check && r.status !== 0) {
    fail(`${what}: \`ip ${args.join(' ')}\` exited with ${r.status}: ${(r.stderr || '').trim()}`);
  }
  return r;
}

function pidAlive(pid) {
  try { process.kill(pid, 0); return true; } catch (e) { return e.code === 'EPERM'; }
}

// Namespaces of earlier runs of these tests that were killed before their
// clean-up (the PID in the name is gone). Only the namespaces are deleted.
function removeStaleNamespaces() {
  const r = ip(['netns', 'list'], 'listing network namespaces', { check: false });
  for (const line of (r.stdout || '').split('\n')) {
    const m = /^(gsl(\d+)[svw])\b/.exec(line);
    if (m && Number(m[2]) !== process.pid && !pidAlive(Number(m[2]))) {
      info(`deleting namespace ${m[1]} left by an earlier run`);
      ip(['netns', 'del', m[1]], `deleting stale namespace ${m[1]}`, { check: false });
    }
  }
}

// SIGKILLs what still runs in namespace ns (the namespace is this run's own,
// so all of it was started by this test), then deletes it.
async function deleteNamespace(ns) {
  if (!ip(['netns', 'list'], 'listing network namespaces').stdout.split('\n')
    .some((l) => l.split(' ')[0] === ns)) return;
  for (let i = 0; i < 20; i++) {
    const pids = ip(['netns', 'pids', ns], `listing the processes in ${ns}`, { check: false }).stdout
      .split('\n').map(Number).filter((p) => p > 0 && p !== process.pid);
    if (pids.length === 0) break;
    if (i === 0) info(`${ns}: killing what still runs in it: ${pids.join(' ')}`);
    for (const p of pids) { try { process.kill(p, 'SIGKILL'); } catch (e) { /* gone */ } }
    await sleep(100);
  }
  ip(['netns', 'del', ns], `deleting namespace ${ns}`);
  info(`deleted namespace ${ns}`);
}

// Makes the two namespaces and the veth pair; deleted at the end, whatever
// happens. defaultRoute: each machine gets a default route on the veth, as
// a machine on a real LAN has (Chromium picks the address of its host
// candidates from it when the page may not enumerate interfaces, and a
// multicast query needs a route).
export function makeLan(t, { defaultRoute = false } = {}) {
  removeStaleNamespaces();
  const r = ip(['netns', 'add', NS_SERVER], '', { check: false });
  if (r.status !== 0) {
    fail(`cannot create the network namespace ${NS_SERVER}: ${(r.stderr || '').trim()}\n` +
         `This test makes two network namespaces and a veth pair between them, which needs root ` +
         `(CAP_SYS_ADMIN and CAP_NET_ADMIN); run it as root, as CI does. It is not skipped.`);
  }
  t.onTeardown(async () => {
    for (const ns of [NS_VISITOR, NS_SERVER]) await deleteNamespace(ns);
  });
  ip(['netns', 'add', NS_VISITOR], 'creating the visitor namespace');
  ip(['link', 'add', 'lan0', 'netns', NS_SERVER, 'type', 'veth', 'peer', 'name', 'lan0', 'netns', NS_VISITOR],
     'creating the veth pair between the namespaces');
  for (const [ns, addr] of [[NS_SERVER, SERVER_IP], [NS_VISITOR, VISITOR_IP]]) {
    ip(['-n', ns, 'addr', 'add', `${addr}/24`, 'dev', 'lan0'], `giving ${ns} its address`);
    ip(['-n', ns, 'link', 'set', 'lan0', 'up'], `bringing up ${ns}'s veth`);
    ip(['-n', ns, 'link', 'set', 'lo', 'up'], `bringing up ${ns}'s loopback`);
    if (defaultRoute) ip(['-n', ns, 'route', 'add', 'default', 'dev', 'lan0'], `giving ${ns} a default route`);
  }
  info(`LAN: ${NS_SERVER} ${SERVER_IP}/24 <-> ${NS_VISITOR} ${VISITOR_IP}/24` +
       (defaultRoute ? ', default routes on the veth' : ''));
}

// After makeLan: a second visitor's machine on a link of its own, so that
// each visitor's link can be shaped apart (tc on lan0 or lan1 in the
// server's namespace). Deleted at the end with the others.
export function addSecondVisitor(t) {
  t.onTeardown(async () => { await deleteNamespace(NS_VISITOR2); });
  ip(['netns', 'add', NS_VISITOR2], 'creating the second visitor namespace');
  ip(['link', 'add', 'lan1', 'netns', NS_SERVER, 'type', 'veth', 'peer', 'name', 'lan0', 'netns', NS_VISITOR2],
     'creating the veth pair to the second visitor');
  for (const [ns, dev, addr] of [[NS_SERVER, 'lan1', SERVER_IP2], [NS_VISITOR2, 'lan0', VISITOR2_IP]]) {
    ip(['-n', ns, 'addr', 'add', `${addr}/24`, 'dev', dev], `giving ${ns} its address on ${dev}`);
    ip(['-n', ns, 'link', 'set', dev, 'up'], `bringing up ${ns}'s ${dev}`);
  }
  ip(['-n', NS_VISITOR2, 'link', 'set', 'lo', 'up'], `bringing up ${NS_VISITOR2}'s loopback`);
  ip(['-n', NS_VISITOR2, 'route', 'add', 'default', 'dev', 'lan0'], `giving ${NS_VISITOR2} a default route`);
  info(`second visitor: ${NS_VISITOR2} ${VISITOR2_IP}/24 <-> ${NS_SERVER} ${SERVER_IP2}/24 (lan1)`);
}

// Waits until the kernel has finished duplicate address detection of the
// veth's IPv6 link-local addresses. Chromium watches the addresses of its
// machine: one that changes state while a page loads aborts the load with
// net::ERR_NETWORK_CHANGED.
export async function lanSettled() {
  const t0 = Date.now();
  const links = [[NS_SERVER, 'lan0'], [NS_VISITOR, 'lan0']];
  const second = ip(['netns', 'list'], 'listing network namespaces').stdout.split('\n')
    .some((l) => l.split(' ')[0] === NS_VISITOR2);
  if (second) links.push([NS_SERVER, 'lan1'], [NS_VISITOR2, 'lan0']);
  await waitFor(() => links.every(([ns, dev]) => {
    const out = ip(['-n', ns, '-6', 'addr', 'show', 'dev', dev], `reading ${ns}'s addresses`).stdout;
    return /inet6 fe80:/.test(out) && !/tentative/.test(out);
  }), { timeoutMs: 10000, intervalMs: 100,
        what: 'the IPv6 link-local addresses of the veth pair to be there and leave "tentative"' });
  info(`LAN settled (IPv6 duplicate address detection done) after ${((Date.now() - t0) / 1000).toFixed(2)} s`);
}

// A program inside a namespace: `ip netns exec` execs it, so the child's PID
// is the program's own.
export function spawnIn(t, ns, name, cmd, args, extraEnv = {}) {
  return t.spawn(name, 'ip', ['netns', 'exec', ns, cmd, ...args], extraEnv);
}

// Headless Chromium on the visitor's machine with its DEFAULT WebRTC
// settings (mDNS hiding of local addresses on, no loopback flag), plus args.
export async function launchVisitorBrowser(t, args = [], ns = NS_VISITOR) {
  const loopbackFlags = DEFAULT_WEBRTC_ARGS.filter((a) => /WebRtcHideLocalIpsWithMdns|allow-loopback/.test(a));
  if (loopbackFlags.length) {
    fail(`Chromium would get ${loopbackFlags.join(' ')}: these tests are about its default WebRTC settings`);
  }
  const wrapper = path.join(t.tmpDir, `chromium-in-${ns}.sh`);
  fs.writeFileSync(wrapper, `#!/bin/sh\nexec ip netns exec ${ns} ${CHROMIUM} "$@"\n`, { mode: 0o755 });
  return t.launchBrowser({ executablePath: wrapper, args: [...DEFAULT_WEBRTC_ARGS, ...args] });
}

// webrtcsend on the server's machine with its embedded server on
// SERVER_IP:port (pipeline: the gst-launch-1.0 arguments, which must end in
// webrtcsend ... serve=SERVER_IP:port); then, once the LAN has settled,
// headless Chromium on the visitor's machine with the viewer page, the
// producer NAME listed. Resolves to { producer, url, browser, page,
// producerId }; the stream is not clicked yet.
export async function lanSenderAndViewer(t, port, name, pipeline, extraEnv = {}) {
  const producer = spawnIn(t, NS_SERVER, 'webrtcsend', GST_LAUNCH, pipeline, extraEnv);
  const m = await producer.waitForLine(ANNOUNCE.element, 15000, 'the address of its embedded server');
  const url = `${m[1]}/`;
  assert(url === `http://${SERVER_IP}:${port}/`, `webrtcsend announced ${url}`);
  await lanSettled();
  const browser = await launchVisitorBrowser(t);
  const page = await t.openPage(browser, url, 'viewer');
  await viewerReady(page);
  const p = await viewerProducer(page, name);
  return { producer, url, browser, page, producerId: p.id };
}

// gst-webrtc-serve in the server's namespace on its LAN address: { child, url }.
export async function startServe(t, name, args) {
  if (!fs.existsSync(SERVE_BIN)) fail(`${SERVE_BIN} does not exist: build the project first`);
  const child = spawnIn(t, NS_SERVER, name, SERVE_BIN, ['--host', SERVER_IP, ...args]);
  const m = await child.waitForLine(ANNOUNCE.serve, 10000, 'its listening address');
  return { child, url: m[1] + '/' };
}

// The certificate the https server presents, as seen from the visitor's
// namespace (a TLS handshake by node run there). Resolves to an X509Certificate.
export function fetchCertificate(url) {
  const u = new URL(url);
  const script = `
    const s = require('tls').connect({ host: ${JSON.stringify(u.hostname)}, port: ${Number(u.port)},
                                       rejectUnauthorized: false }, () => {
      process.stdout.write(s.getPeerCertificate().raw.toString('base64')); s.end(); });
    s.on('error', (e) => { console.error(e.message); process.exit(1); });
    setTimeout(() => { console.error('no TLS handshake within 5 s'); process.exit(1); }, 5000).unref();`;
  const r = spawnSync('ip', ['netns', 'exec', NS_VISITOR, process.execPath, '-e', script],
                      { encoding: 'utf8', timeout: 10000 });
  assert(r.status === 0 && r.stdout, `no certificate from ${url} seen from ${NS_VISITOR}: ` +
         `${(r.stderr || '').trim() || `status ${r.status}`}`);
  return new crypto.X509Certificate(Buffer.from(r.stdout, 'base64'));
}
