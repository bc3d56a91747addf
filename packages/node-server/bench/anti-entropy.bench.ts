/**
 * Anti-entropy between two replicas of AE_BENCH_KEYS keys (default 100,000;
 * 100-byte values) on real lsm engines in temp dirs, every peer call through
 * the real PeerCodec (no sockets: the figures are the exchange's own cost).
 *
 *   1. in sync: one pass from a to b — bytes exchanged and time;
 *   2. 1 % of the keys given a newer version on b — one pass from a: time to
 *      converge and bytes moved relative to the diverged data (the encoded
 *      sets of the diverged keys on b).
 *
 * Run: pnpm --filter @ringkv/node-server bench anti-entropy
 * The table is printed after the bench rows.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HashRing } from '@ringkv/hashring';
import { openEngine } from '@ringkv/lsm-engine';
import { PeerCodec, type PeerMessage } from '@ringkv/protocol';
import { empty, live, update } from '@ringkv/vclock';
import { afterAll, bench, describe } from 'vitest';
import type { ExchangeCall } from '../src/anti-entropy/exchange.js';
import { AntiEntropy, type RepairSummary } from '../src/anti-entropy/service.js';
import { systemClock } from '../src/cluster/system-clock.js';
import type { StorageEngine } from '../src/store/engine-port.js';
import { storageKey } from '../src/store/keys.js';
import { ReplicaStore } from '../src/store/replica-store.js';
import { encodeSet, type StoredValue } from '../src/store/set-codec.js';

const keys = Number(process.env['AE_BENCH_KEYS'] ?? 100_000);
const bucketsLog2 = Number(process.env['AE_BENCH_BUCKETS_LOG2'] ?? 16);
const codec = new PeerCodec();
const dirs: string[] = [];
const rows: string[] = [];

interface Side {
  readonly engine: StorageEngine;
  readonly store: ReplicaStore;
  readonly ae: AntiEntropy;
}

async function side(id: string, ring: HashRing, peer: () => Side): Promise<Side> {
  const dir = mkdtempSync(join(tmpdir(), `ringkv-aebench-${id}-`));
  dirs.push(dir);
  const engine = await openEngine(dir, { durability: 'none', keyBytesMax: 1100, valueBytesMax: 1 << 20 });
  const store = new ReplicaStore(engine, { actor: id, siblingsMax: 64, setBytesMax: 1 << 20, durability: 'none' });
  let callId = 1;
  const ae = new AntiEntropy({
    selfId: id, n: 2, ring: () => ring, down: () => new Set(), addressOf: (x) => x, engine, store, clock: systemClock, random: { next: () => 0.5 },
    intervalMs: 0, bytesPerSecond: 2 ** 40, bucketsLog2,
    call: async (_address: string, body: ExchangeCall): Promise<PeerMessage> => {
      const m = codec.decode(codec.encode({ ...body, id: callId++, timeoutMs: 30_000 } as PeerMessage));
      if (!m.ok || (m.message.type !== 'tree-nodes' && m.message.type !== 'range-sets' && m.message.type !== 'key-sets' && m.message.type !== 'sync-sets')) throw new Error('bad call');
      const r = codec.decode(codec.encode(await peer().ae.onCall(m.message)));
      if (!r.ok) throw r.error;
      return r.message;
    },
  });
  store.observe(ae.observe);
  return { engine, store, ae };
}

/** The same `keys` sets written straight into both engines (what two in-sync replicas hold). */
async function load(sides: readonly Side[]): Promise<void> {
  // Random (incompressible) values: lz4 must not flatter the figures.
  let x = 0x9e3779b9;
  const randomValue = (): Uint8Array => Uint8Array.from({ length: 100 }, () => ((x = (Math.imul(x, 1664525) + 1013904223) >>> 0) >>> 24));
  for (let start = 0; start < keys; start += 5_000) {
    const ops = [];
    for (let i = start; i < Math.min(keys, start + 5_000); i++) {
      const set = update(empty<StoredValue>(), [], 'a', live<StoredValue>(randomValue()));
      ops.push({ type: 'put' as const, key: storageKey(`user:${i}`), value: encodeSet(set) });
    }
    for (const s of sides) await s.engine.batch(ops, { durability: 'none' });
  }
}

function line(what: string, s: RepairSummary, extra = ''): string {
  const moved = s.bytesSent + s.bytesReceived;
  return `| ${what} | ${s.durationMs} ms | ${moved.toLocaleString('en')} B (${s.roundTrips} round trips, ${s.bucketsDiffering} buckets differing, ${s.keysRepaired} keys repaired) ${extra}|`;
}

afterAll(() => {
  console.log(`\nanti-entropy, two replicas of ${keys.toLocaleString('en')} keys (one tree of 2^${bucketsLog2} buckets, PeerCodec, no sockets)\n| Case | Time | Bytes exchanged |\n|---|---|---|\n${rows.join('\n')}`);
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('anti-entropy', () => {
  bench(
    `in sync, then 1% diverged (${keys} keys)`,
    async () => {
      let ring = new HashRing({ vnodes: 64 });
      ring = ring.addNode('a').addNode('b');
      const sides: Side[] = [];
      sides.push(await side('a', ring, () => sides[1] as Side), await side('b', ring, () => sides[0] as Side));
      const [a, b] = sides as [Side, Side];
      await load(sides);
      // The longest event-loop stall while both nodes build their trees (chunked: it should be one chunk's work, not the whole scan).
      let stallMs = 0;
      let last = performance.now();
      const probe = setInterval(() => {
        const now = performance.now();
        stallMs = Math.max(stallMs, now - last);
        last = now;
      }, 1);
      const t0 = performance.now();
      await Promise.all([a.ae.start(), b.ae.start()]);
      const buildMs = performance.now() - t0;
      clearInterval(probe);
      const inSync = await a.ae.repair();
      rows.push(line('in sync', inSync, `(trees of both nodes built in ${Math.round(buildMs)} ms, chunked; longest event-loop stall meanwhile ${Math.round(stallMs)} ms) `));
      let divergedBytes = 0;
      const newer = new Uint8Array(100).fill(9);
      for (let i = 0; i < keys; i += 100) {
        const set = await b.store.update(`user:${i}`, [{ actor: 'a', counter: 1 }] as never, live<StoredValue>(newer));
        divergedBytes += encodeSet(set).length + `user:${i}`.length;
      }
      const tDiv = performance.now();
      const diverged = await a.ae.repair();
      if (process.env["AE_BENCH_DEBUG"]) console.log("diverge writes ms", tDiv - t0, "repair ms", performance.now() - tDiv);
      const moved = diverged.bytesSent + diverged.bytesReceived;
      rows.push(line('1% diverged', diverged, `= ${(moved / divergedBytes).toFixed(2)}× the ${divergedBytes.toLocaleString('en')} B of diverged sets `));
      const after = await a.ae.repair();
      rows.push(line('after repair', after));
      await Promise.all(sides.map((s) => s.engine.close()));
    },
    { iterations: 1, warmupIterations: 0, time: 0, warmupTime: 0 },
  );
});
