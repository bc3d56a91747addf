// Load on one node from separate client processes over loopback (plain ESM:
// Node 20 cannot run .ts). Build first: `npx tsc -b packages/node-server`.
//   node packages/node-server/bench/loopback-load.mjs [connections=50] [inFlight=1] [seconds=5] [durability=interval] [processes=2]
// Half gets, half puts of 100-byte values (puts to fresh keys, so sets keep one sibling).
// Prints ops/s and p50/p99/p99.9 latency. The app's `ringkv bench` is the full tool.
// CLUSTER=3 runs three node processes (N=3, W=2, R=2; test/fixtures/node-process.mjs)
// instead of one in-process node; client process p talks to node p mod 3.
import { fork, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WireCodec } from '@ringkv/protocol';
import WebSocket from 'ws';

const [connections = 50, inFlight = 1, seconds = 5] = process.argv.slice(2, 5).map(Number);
const durability = process.argv[5] ?? 'interval';
const processes = Number(process.argv[6] ?? 2);

if (process.env.LOAD_URL) runClient(process.env.LOAD_URL, Number(process.env.LOAD_CONNS), process.env.LOAD_TAG);
else await runParent();

/** Starts one node process (the test fixture) and resolves with its url and a stop function. */
function nodeProcess(options) {
  const prof = process.env.PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.PROFILE_DIR}`] : [];
  const child = spawn(process.execPath, [...prof, new URL('../test/fixtures/node-process.mjs', import.meta.url).pathname, JSON.stringify(options)], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      if (out.includes('\n')) resolve({ url: JSON.parse(out.split('\n')[0]).url, stop: () => new Promise((r) => { child.once('exit', r); child.kill('SIGTERM'); }) });
    });
  });
}

async function startTargets(dir) {
  const size = Number(process.env.CLUSTER ?? 1);
  if (size <= 1) {
    const { startNode } = await import('../dist/index.js');
    const node = await startNode({ id: 'load', dataDir: dir, logLevel: 'silent', durability });
    return { urls: [node.url], stop: () => node.stop() };
  }
  const common = { durability, n: 3, r: 2, w: 2, gossipIntervalMs: 200 };
  const first = await nodeProcess({ id: 'n0', dataDir: join(dir, 'n0'), seeds: [], ...common });
  const rest = await Promise.all(Array.from({ length: size - 1 }, (_, i) => nodeProcess({ id: `n${i + 1}`, dataDir: join(dir, `n${i + 1}`), seeds: [first.url], ...common })));
  const all = [first, ...rest];
  await new Promise((r) => setTimeout(r, 3000)); // gossip agrees within a few rounds of 200 ms
  return { urls: all.map((n) => n.url), stop: () => Promise.all(all.map((n) => n.stop())) };
}

async function runParent() {
  const dir = mkdtempSync(join(tmpdir(), 'ringkv-load-'));
  const targets = await startTargets(dir);
  const node = { stop: targets.stop };
  const per = Math.ceil(connections / processes);
  const results = await Promise.all(
    Array.from({ length: processes }, (_, p) => new Promise((resolve) => {
      const url = targets.urls[p % targets.urls.length];
      const child = fork(process.argv[1], process.argv.slice(2), { env: { ...process.env, LOAD_URL: url, LOAD_CONNS: String(per), LOAD_TAG: `c${p}` } });
      child.once('message', resolve);
    })),
  );
  const ops = results.reduce((a, r) => a + r.ops, 0);
  const errors = results.reduce((a, r) => a + r.errors, 0);
  const lat = results.flatMap((r) => r.latenciesUs).sort((a, b) => a - b);
  const q = (p) => (lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] / 1000).toFixed(2);
  console.log(`${processes * per} connections × ${inFlight} in flight, durability ${durability}: ${Math.round(ops / seconds)} ops/s, p50 ${q(0.5)} ms, p99 ${q(0.99)} ms, p99.9 ${q(0.999)} ms, ${errors} errors${targets.urls.length > 1 ? ` (${targets.urls.length} node processes, N=3 W=2 R=2)` : ''}`);
  await node.stop();
  rmSync(dir, { recursive: true, force: true });
}

function runClient(url, conns, tag) {
  const codec = new WireCodec();
  const value = new Uint8Array(100).fill(1);
  const latenciesUs = [];
  let ops = 0, errors = 0, id = 1, measuring = false;
  const sentAt = new Map();
  for (let c = 0; c < conns; c++) {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    const fire = () => {
      const i = id++;
      sentAt.set(i, performance.now());
      ws.send(codec.encode(i % 2 ? { type: 'get', id: i, key: `${tag}-${i % 1000}` } : { type: 'put', id: i, key: `${tag}-${i}`, value }));
    };
    ws.on('open', () => ws.send(codec.encode({ type: 'hello', protocolVersion: 1, clientName: 'load' })));
    ws.on('message', (data) => {
      const r = codec.decode(data);
      if (r.ok && r.message.type === 'hello-ok') { for (let j = 0; j < inFlight; j++) fire(); return; }
      const rid = r.ok ? r.message.id : undefined;
      if (measuring && r.ok && r.message.type === 'error') errors++;
      else if (measuring && rid !== undefined) { ops++; if (latenciesUs.length < 200_000) latenciesUs.push((performance.now() - sentAt.get(rid)) * 1000); }
      sentAt.delete(rid);
      fire();
    });
  }
  setTimeout(() => (measuring = true), 500); // warm-up
  setTimeout(() => { process.send({ ops, errors, latenciesUs }, () => process.exit(0)); }, 500 + seconds * 1000);
}
