// Bytes crossing the WAN per write (issue 14), relay on vs off, with in-process
// nodes in two DCs (plain ESM: build first, `pnpm build`). Both DCs get three
// nodes and three replicas of every key (`replicas dc1:3,dc2:3`); a client
// writes to a dc1 node, `inFlight` writes at a time. The figure is the sum over
// every node of `ringkv_peer_wan_bytes_total` (frames sent to the other DC:
// calls, replies and gossip), before and after, divided by the writes; gossip's
// own share, measured over an idle stretch of the same length, is printed and
// subtracted.
//   node packages/node-server/bench/wan-bytes.mjs [writes=2000] [valueBytes=100] [inFlight=1,50] [values=random|text]
// Random values do not compress: the figure is the relay itself; `text` values
// (a repeating alphabet) show what lz4 adds on top in batches.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadavg } from 'node:os';
import { randomBytes } from 'node:crypto';
import { WireCodec } from '@ringkv/protocol';
import WebSocket from 'ws';
import { startNode } from '../dist/index.js';

const writes = Number(process.argv[2] ?? 2000);
const valueBytes = Number(process.argv[3] ?? 100);
const inFlights = (process.argv[4] ?? '1,50').split(',').map(Number);
const textValues = process.argv[5] === 'text';
const codec = new WireCodec();
const layout = [['a1', 'dc1'], ['a2', 'dc1'], ['a3', 'dc1'], ['b1', 'dc2'], ['b2', 'dc2'], ['b3', 'dc2']];

async function cluster(wanRelay) {
  const dirs = [];
  const common = { logLevel: 'silent', durability: 'none', gossipIntervalMs: 1000, requestTimeoutMs: 10_000, wanRelay };
  const start = (id, dc, seeds) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'ringkv-wan-'));
    dirs.push(dataDir);
    return startNode({ id, dc, machine: id, dataDir, seeds, ...common, ...(seeds.length === 0 ? { replicas: 'dc1:3,dc2:3', w: 6, r: 1 } : {}) });
  };
  const first = await start(layout[0][0], layout[0][1], []);
  const rest = await Promise.all(layout.slice(1).map(([id, dc]) => start(id, dc, [first.url])));
  const nodes = [first, ...rest];
  for (;;) {
    const views = await Promise.all(nodes.map(async (n) => (await (await fetch(`${n.httpUrl}/status`)).json()).cluster.members.length));
    if (views.every((v) => v === nodes.length)) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  return { nodes, stop: async () => { await Promise.all(nodes.map((n) => n.stop())); for (const d of dirs) rmSync(d, { recursive: true, force: true }); } };
}

async function wanBytes(nodes) {
  let sum = 0;
  let relays = 0;
  for (const n of nodes) {
    const text = await (await fetch(`${n.httpUrl}/metrics`)).text();
    for (const line of text.split('\n')) {
      if (line.startsWith('ringkv_peer_wan_bytes_total{')) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
      if (line.startsWith('ringkv_relay_calls_total{') && line.includes('direction="out"')) relays += Number(line.slice(line.lastIndexOf(' ') + 1));
    }
  }
  return { sum, relays };
}

/** Writes `count` fresh keys through `url`, `inFlight` at a time (W=6: every replica acknowledged). */
function load(url, tag, count, inFlight) {
  const value = () => (textValues ? new Uint8Array(valueBytes).map((_, i) => 97 + ((i * 31) % 26)) : randomBytes(valueBytes));
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    let sent = 0;
    let done = 0;
    const fire = () => {
      if (sent >= count) return;
      sent++;
      ws.send(codec.encode({ type: 'put', id: sent, key: `${tag}-${sent}`, value: value(), options: { w: 6 } }));
    };
    ws.on('open', () => ws.send(codec.encode({ type: 'hello', protocolVersion: 1, clientName: 'wan-bytes' })));
    ws.on('message', (data) => {
      const r = codec.decode(data);
      if (!r.ok) return reject(r.error);
      if (r.message.type === 'hello-ok') { for (let j = 0; j < inFlight; j++) fire(); return; }
      if (r.message.type === 'error') return reject(new Error(`${r.message.code}: ${r.message.message}`));
      if (++done === count) { ws.close(); resolve(); } else fire();
    });
    ws.on('error', reject);
  });
}

console.log(`load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}; ${writes} writes of ${valueBytes}-byte ${textValues ? 'text' : 'random'} values per row, replicas dc1:3,dc2:3, W=6`);
console.log('wanRelay  inFlight  WAN bytes/write  (gossip/write)  relay calls/write');
for (const wanRelay of [false, true]) {
  const { nodes, stop } = await cluster(wanRelay);
  try {
    await load(nodes[0].url, 'warm', 50, 1); // links open, relay capability known
    await new Promise((r) => setTimeout(r, 3_000)); // start-up traffic (anti-entropy's first exchanges) settles
    for (const inFlight of inFlights) {
      const before = await wanBytes(nodes);
      const t0 = performance.now();
      await load(nodes[0].url, `w${inFlight}`, writes, inFlight);
      const ms = performance.now() - t0;
      const after = await wanBytes(nodes);
      const idle = await wanBytes(nodes);
      await new Promise((r) => setTimeout(r, ms));
      const idleAfter = await wanBytes(nodes);
      const gossip = (idleAfter.sum - idle.sum) / writes;
      const perWrite = (after.sum - before.sum) / writes;
      console.log(`${String(wanRelay).padEnd(8)}  ${String(inFlight).padStart(8)}  ${(perWrite - gossip).toFixed(1).padStart(15)}  ${gossip.toFixed(1).padStart(14)}  ${((after.relays - before.relays) / writes).toFixed(3).padStart(17)}`);
    }
  } finally {
    await stop();
  }
}
