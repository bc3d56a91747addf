// Load on one node from separate client processes over loopback (plain ESM:
// Node 20 cannot run .ts). Build first: `npx tsc -b packages/node-server`.
//   node packages/node-server/bench/loopback-load.mjs [connections=50] [inFlight=1] [seconds=5] [durability=interval] [processes=2]
// Half gets, half puts of 100-byte values (puts to fresh keys, so sets keep one sibling).
// Prints ops/s and p50/p99/p99.9 latency. The app's `ringkv bench` is the full tool.
import { fork } from 'node:child_process';
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

async function runParent() {
  const { startNode } = await import('../dist/index.js');
  const dir = mkdtempSync(join(tmpdir(), 'ringkv-load-'));
  const node = await startNode({ id: 'load', dataDir: dir, logLevel: 'silent', durability });
  const per = Math.ceil(connections / processes);
  const results = await Promise.all(
    Array.from({ length: processes }, (_, p) => new Promise((resolve) => {
      const child = fork(process.argv[1], process.argv.slice(2), { env: { ...process.env, LOAD_URL: node.url, LOAD_CONNS: String(per), LOAD_TAG: `c${p}` } });
      child.once('message', resolve);
    })),
  );
  const ops = results.reduce((a, r) => a + r.ops, 0);
  const lat = results.flatMap((r) => r.latenciesUs).sort((a, b) => a - b);
  const q = (p) => (lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] / 1000).toFixed(2);
  console.log(`${processes * per} connections × ${inFlight} in flight, durability ${durability}: ${Math.round(ops / seconds)} ops/s, p50 ${q(0.5)} ms, p99 ${q(0.99)} ms, p99.9 ${q(0.999)} ms`);
  await node.stop();
  rmSync(dir, { recursive: true, force: true });
}

function runClient(url, conns, tag) {
  const codec = new WireCodec();
  const value = new Uint8Array(100).fill(1);
  const latenciesUs = [];
  let ops = 0, id = 1, measuring = false;
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
      if (measuring && rid !== undefined) { ops++; if (latenciesUs.length < 200_000) latenciesUs.push((performance.now() - sentAt.get(rid)) * 1000); }
      sentAt.delete(rid);
      fire();
    });
  }
  setTimeout(() => (measuring = true), 500); // warm-up
  setTimeout(() => { process.send({ ops, latenciesUs }, () => process.exit(0)); }, 500 + seconds * 1000);
}
