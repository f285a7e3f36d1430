// Test helper: a real Janus (Debian's janus 1.1) that the test starts from
// a configuration it writes into its tmpDir (the VideoRoom plugin and the
// WebSocket transport only), on a free port of the address that
// run-with-janus-net.sh gave the namespace. The test's context stops it by
// PID. The same configuration as janus-server.h, for the node tests.
// SPDX-License-Identifier: LGPL-2.1-or-later

import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

import { fail, waitFor } from '../browser/lib.mjs';

const LIB = '/usr/lib/x86_64-linux-gnu/janus';

function freePort(address) {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, address, () => {
      const { port } = server.address();
      server.close(() => resolve(port > 65000 ? port - 1000 : port));
    });
  });
}

function listening(address, port) {
  return new Promise((resolve) => {
    const socket = net.connect(port, address);
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
  });
}

// rooms: VideoRoom room sections (jcfg). Resolves to { child, uri(query) }.
export async function startJanus(t, { rooms }) {
  const address = process.env.GST_WEBRTCSIGNAL_JANUS_ADDRESS;
  if (!address) fail('run me through tests/janus/run-with-janus-net.sh');
  if (!fs.existsSync('/usr/bin/janus')) fail('janus is missing: apt-get install janus');
  const dir = fs.mkdtempSync(path.join(t.tmpDir, 'janus-'));
  const port = await freePort(address);
  const disabledPlugins = ['audiobridge', 'duktape', 'echotest', 'lua', 'nosip', 'recordplay', 'sip',
    'streaming', 'textroom', 'videocall', 'voicemail'].map((p) => `libjanus_${p}.so`).join(',');
  const disabledTransports = ['http', 'mqtt', 'nanomsg', 'pfunix', 'rabbitmq']
    .map((p) => `libjanus_${p}.so`).join(',');
  fs.writeFileSync(path.join(dir, 'janus.jcfg'), `general: {
  configs_folder = "${dir}"
  plugins_folder = "${LIB}/plugins"
  transports_folder = "${LIB}/transports"
  events_folder = "${LIB}/events"
  loggers_folder = "${LIB}/loggers"
}
media: { rtp_port_range = "${port + 1}-${port + 200}" }
nat: { ice_enforce_list = "jd0" }
plugins: { disable = "${disabledPlugins}" }
transports: { disable = "${disabledTransports}" }
events: { broadcast = false }
loggers: { disable = "libjanus_jsonlog.so" }
`);
  fs.writeFileSync(path.join(dir, 'janus.transport.websockets.jcfg'),
    `general: { json = "compact" ws = true ws_port = ${port} ws_ip = "${address}" wss = false }\n` +
    'admin: { admin_ws = false admin_wss = false }\n');
  fs.writeFileSync(path.join(dir, 'janus.plugin.videoroom.jcfg'), `general: { }\n${rooms}\n`);
  const child = t.spawn('janus', 'janus', ['-F', dir, '-C', path.join(dir, 'janus.jcfg'), '-i', address, '-o']);
  await waitFor(async () => (child.exited ? fail(`janus ${child.describeExit()}\n${child.tail()}`)
                                           : listening(address, port)),
                { timeoutMs: 10000, what: 'Janus to open its WebSocket port' });
  return {
    child,
    wsUrl: `ws://${address}:${port}/`,
    uri: (query) => `janus+ws://${address}:${port}/?${query}`,
  };
}
