// TURN with a real browser: a coturn the test starts on loopback, the viewer
// page opened with ?turn=...&relay=1 (iceTransportPolicy 'relay'), and a
// webrtcsend producer; then the same with webrtcsend relay-only too
// (ice-transport-policy=relay). Frames decode, and Chromium's selected
// candidate pair says relay where it must (coturn's relay ports).
// SPDX-License-Identifier: LGPL-2.1-or-later
import net from 'node:net';
import {
  runTest, info, assert, waitFor, viewerReady, viewerProducer, viewerDecoding, measureTile,
} from './lib.mjs';

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

runTest('relay', async (t) => {
  const port = await freePort();
  const minRelay = 40000 + Math.floor(Math.random() * 200) * 100;
  const turn = t.spawn('coturn', 'turnserver', ['-n', '--no-cli', '--listening-ip=127.0.0.1',
    `--listening-port=${port}`, '--relay-ip=127.0.0.1', `--min-port=${minRelay}`,
    `--max-port=${minRelay + 99}`, '--allow-loopback-peers', '--lt-cred-mech', '--user=u:p',
    '--realm=gstsig.test', '--no-tls', '--no-dtls', '--log-file=stdout', '--simple-log']);
  await turn.waitForLine(/Relay ports initialization done/, 10000, 'coturn to start');

  const server = await t.startServer();
  const browser = await t.launchBrowser();
  const query = `?turn=${encodeURIComponent(`turn:127.0.0.1:${port}`)}&turn-user=u&turn-pass=p&relay=1`;
  const page = await t.openPage(browser, server.httpUrl + query, 'viewer');
  await viewerReady(page);

  const relayPort = (address) => {
    const p = Number(address.split('/')[0].split(':').pop());
    return p >= minRelay && p <= minRelay + 99;
  };
  const cases = [
    { name: 'browser-relay', extra: [], expect: /^relay <-> (host|prflx|srflx)$/ },
    { name: 'both-relay', expect: /^relay <-> relay$/,
      extra: ['ice-transport-policy=relay', `turn-servers=<"turn://u:p@127.0.0.1:${port}">`] },
  ];
  for (const c of cases) {
    const producer = t.startProducer({ uri: server.wsUrl, name: c.name, videoCodecs: 'vp8', extra: c.extra });
    const p = await viewerProducer(page, c.name);
    await page.locator(`button.producer[data-peer-id="${p.id}"]`).click();
    const tileId = await waitFor(() => page.evaluate((id) => {
      const tile = window.gstsig.tiles().find((x) => x.peerId === id && x.state !== 'ended');
      return tile && tile.id;
    }, p.id), { timeoutMs: 5000, what: 'a tile after clicking the producer' });
    await viewerDecoding(page, tileId);
    const m = await measureTile(page, tileId);
    t.checkAlive(turn, server.child, producer);
    const s = m.after.stats;
    info(`${c.name}: ${s.framesDecoded} frames decoded, ${m.fps.toFixed(1)} fps, ` +
         `${s.candidateTypes}: ${s.localAddress} <-> ${s.remoteAddress}`);
    assert(s.framesDecoded > m.before.stats.framesDecoded, `${c.name}: no frames decoded through the relay`);
    assert(c.expect.test(s.candidateTypes), `${c.name}: the pair is "${s.candidateTypes}", expected ${c.expect}`);
    assert(relayPort(s.localAddress), `${c.name}: the browser's side ${s.localAddress} is not a relay port of coturn`);
    if (c.name === 'both-relay')
      assert(relayPort(s.remoteAddress), `${c.name}: webrtcsend's side ${s.remoteAddress} is not a relay port`);
    await page.locator(`#${tileId} button.stop`).click();
    await producer.stop();
  }
  const errors = await page.evaluate(() => window.gstsig.errors());
  assert(errors.length === 0, `the viewer reported errors: ${errors.join('; ')}`);
}, { timeoutMs: 100000 });
