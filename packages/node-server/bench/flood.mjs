// Issue 15, item 4: a flood of large puts against one node while a well-behaved
// client measures its latency (plain ESM; build first: `npx tsc -b packages/node-server`).
//   node packages/node-server/bench/flood.mjs [floodConnections=4] [putsPerConnection=500] [valueBytes=1048576]
// The node runs in its own process (test/fixtures/node-process.mjs, default limits unless
// NODE_OPTS='{"requestBytesInFlightMax":…}' overrides them). A flood process opens the
// connections and pipelines random (incompressible) values as fast as the node reads them
// (it keeps 8 MiB queued in its own socket, so the client's memory stays bounded while the
// node always has more to read). Meanwhile one polite client alternates 100-byte puts and
// gets, one at a time, and this prints its p50/p99 during the flood and for 10 s after,
// the node's peak RSS and request bytes in flight (from /status), and the flood's outcome.
import { fork, spawn } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WireCodec } from '@ringkv/protocol';
import WebSocket from 'ws';

const [floodConnections = 4, putsPerConnection = 500, valueBytes = 1024 * 1024] = process.argv.slice(2, 5).map(Number);
const clientQueueBytes = 8 * 1024 * 1024;

if (process.env.FLOOD_URL) await flood(process.env.FLOOD_URL);
else await main();

function hello(ws, codec) {
  return new Promise((resolve, reject) => {
    ws.once('error', reject);
    ws.on('open', () => ws.send(codec.encode({ type: 'hello', protocolVersion: 1, clientName: 'flood-bench' })));
    ws.once('message', () => resolve());
  });
}

/** The flood process: `floodConnections` connections, each `putsPerConnection` puts, pipelined. */
async function flood(url) {
  const codec = new WireCodec({ limits: { frameBytesMax: 2 * valueBytes + 1024 * 1024, valueBytesMax: valueBytes } });
  const value = randomFillSync(new Uint8Array(valueBytes));
  let ok = 0, errors = 0, done = 0;
  const codes = {};
  await Promise.all(Array.from({ length: floodConnections }, async (_, c) => {
    const ws = new WebSocket(url, { perMessageDeflate: false, maxPayload: 64 * 1024 * 1024 });
    await hello(ws, codec);
    let sent = 0, answered = 0;
    await new Promise((resolve) => {
      const pump = () => {
        while (sent < putsPerConnection && ws.bufferedAmount < clientQueueBytes) {
          value[0] = c; value[1] = sent & 0xff; value[2] = sent >> 8; // every value distinct
          ws.send(codec.encode({ type: 'put', id: ++sent, key: `flood-${c}-${sent}`, value }));
        }
        if (sent < putsPerConnection) setTimeout(pump, 1);
      };
      ws.on('message', (data) => {
        const r = codec.decode(data);
        if (!r.ok) return;
        if (r.message.type === 'put-ok') ok++;
        else { errors++; codes[r.message.code] = (codes[r.message.code] ?? 0) + 1; }
        if (++answered === putsPerConnection) resolve();
      });
      ws.on('close', resolve);
      pump();
    });
    done++;
    ws.close();
  }));
  process.send({ ok, errors, codes, done });
}

function nodeProcess(options) {
  const child = spawn(process.execPath, [new URL('../test/fixtures/node-process.mjs', import.meta.url).pathname, JSON.stringify(options)], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      if (out.includes('\n')) resolve({ ...JSON.parse(out.split('\n')[0]), stop: () => new Promise((r) => { child.once('exit', r); child.kill('SIGTERM'); }) });
    });
  });
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'ringkv-flood-'));
  const extra = process.env.NODE_OPTS ? JSON.parse(process.env.NODE_OPTS) : {};
  const node = await nodeProcess({ id: 'flood', dataDir: dir, valueBytesMax: Math.max(valueBytes, 1024 * 1024), ...extra });
  const codec = new WireCodec();
  const polite = new WebSocket(node.url, { perMessageDeflate: false });
  await hello(polite, codec);
  const pending = new Map();
  polite.on('message', (data) => {
    const r = codec.decode(data);
    if (r.ok && pending.has(r.message.id)) { pending.get(r.message.id)(r.message); pending.delete(r.message.id); }
  });
  let id = 0;
  const small = new Uint8Array(100).fill(1);
  const request = (body) => new Promise((resolve) => { const i = ++id; pending.set(i, resolve); polite.send(codec.encode({ ...body, id: i })); });

  let peakRss = 0, peakRequestBytes = 0, pausedMax = 0, status = {};
  const poll = setInterval(async () => {
    try {
      status = await (await fetch(`${node.httpUrl}/status`)).json();
      peakRss = Math.max(peakRss, status.runtime?.rssBytes ?? status.runtime?.memory?.rssBytes ?? 0);
      peakRequestBytes = Math.max(peakRequestBytes, status.requestBytes?.inFlightBytes ?? 0);
      pausedMax = Math.max(pausedMax, status.requestBytes?.pausedConnections ?? 0);
    } catch { /* the node is busy; next poll */ }
  }, 250);

  const phase = { name: 'flood' };
  const lat = { flood: { get: [], put: [] }, after: { get: [], put: [] } };
  const politeErrors = { flood: 0, after: 0 };
  let stop = false;
  const politeLoop = (async () => {
    for (let i = 0; !stop; i++) {
      const t = performance.now();
      const op = i % 2 ? 'get' : 'put';
      const r = await request(op === 'get' ? { type: 'get', key: `p-${i - 1}` } : { type: 'put', key: `p-${i}`, value: small });
      lat[phase.name][op].push(performance.now() - t);
      if (r.type === 'error') politeErrors[phase.name]++;
      await new Promise((res) => setTimeout(res, 5));
    }
  })();

  const started = performance.now();
  const flooder = fork(process.argv[1], process.argv.slice(2), { env: { ...process.env, FLOOD_URL: node.url } });
  const result = await new Promise((resolve) => flooder.once('message', resolve));
  const floodSeconds = (performance.now() - started) / 1000;
  phase.name = 'after';
  await new Promise((res) => setTimeout(res, 10_000));
  stop = true;
  await politeLoop;
  clearInterval(poll);
  const q = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s.length === 0 ? NaN : s[Math.min(s.length - 1, Math.floor(p * s.length))]; };
  const fmt = (xs) => `p50 ${q(xs, 0.5).toFixed(1)} ms, p99 ${q(xs, 0.99).toFixed(1)} ms, max ${q(xs, 1).toFixed(1)} ms (${xs.length} requests)`;
  const MiB = 1024 * 1024;
  console.log(`flood: ${floodConnections} connections × ${putsPerConnection} puts of ${(valueBytes / MiB).toFixed(2)} MiB in ${floodSeconds.toFixed(1)} s: ${result.ok} ok, ${result.errors} errors ${JSON.stringify(result.codes)}`);
  console.log(`node: peak RSS ${(peakRss / MiB).toFixed(0)} MiB, peak request bytes in flight ${(peakRequestBytes / MiB).toFixed(1)} MiB (bound ${((status.requestBytes?.maxBytes ?? 0) / MiB).toFixed(0)} MiB; /status peak ${((status.requestBytes?.peakBytes ?? 0) / MiB).toFixed(1)} MiB), up to ${pausedMax} connections paused, engine stalls ${JSON.stringify(status.storage?.stalls)}, L0 tables ${status.storage?.levels?.[0]?.tables}`);
  for (const p of ['flood', 'after']) {
    const all = [...lat[p].get, ...lat[p].put];
    console.log(`polite client ${p === 'flood' ? 'during the flood' : '10 s after      '}: all ${fmt(all)}, ${politeErrors[p]} errors; gets ${fmt(lat[p].get)}; puts ${fmt(lat[p].put)}`);
  }
  polite.close();
  await node.stop();
  rmSync(dir, { recursive: true, force: true });
}
