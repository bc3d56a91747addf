/**
 * Tombstone sweeps on a real lsm engine: TOMB_BENCH_KEYS keys (default
 * 100,000; 100-byte values) of which half are deleted through the replica
 * store (index kept), on one node whose replica set is itself (N = 1, so the
 * replica rule holds at once).
 *
 *   1. a sweep within grace: reads and judges every mark, removes nothing;
 *   2. a sweep past grace: removes every tombstone-only key;
 * each with the longest event-loop stall meanwhile (1 ms interval probe).
 *
 * Run: pnpm --filter @ringkv/node-server bench tombstones
 * The table is printed after the bench rows.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HashRing } from '@ringkv/hashring';
import { openEngine } from '@ringkv/lsm-engine';
import { context, live, tombstone } from '@ringkv/vclock';
import { afterAll, bench, describe } from 'vitest';
import { AntiEntropy } from '../src/anti-entropy/service.js';
import { systemClock } from '../src/cluster/system-clock.js';
import { ReplicaStore } from '../src/store/replica-store.js';

const keys = Number(process.env['TOMB_BENCH_KEYS'] ?? 100_000);
const graceMs = 3_600_000;
const rows: string[] = [];
const dir = mkdtempSync(join(tmpdir(), 'ringkv-tombbench-'));

/** A clock whose time the bench moves; timers are real (sweep turns). */
const clock = { nowMs: 0, now: () => clock.nowMs, setTimer: systemClock.setTimer, clearTimer: systemClock.clearTimer };

/** Runs `work` with a 1 ms interval probe; resolves with its duration and the longest gap between probe ticks. */
async function probed<T>(work: () => Promise<T>): Promise<{ result: T; ms: number; stallMs: number }> {
  let last = performance.now();
  let stallMs = 0;
  const probe = setInterval(() => {
    const now = performance.now();
    stallMs = Math.max(stallMs, now - last);
    last = now;
  }, 1);
  const start = performance.now();
  const result = await work();
  const ms = performance.now() - start;
  clearInterval(probe);
  return { result, ms, stallMs };
}

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  console.log(`\ntombstone sweep, ${keys.toLocaleString('en')} keys, half deleted (lsm engine, durability none)\n${rows.map((r) => `  ${r}`).join('\n')}`);
});

describe('tombstone sweep', () => {
  bench(
    `sweeps of ${keys / 2} tombstones, within and past grace`,
    async () => {
      const engine = await openEngine(dir, { durability: 'none', keyBytesMax: 1100, valueBytesMax: 1 << 20 });
      const store = new ReplicaStore(engine, { actor: 'a', siblingsMax: 64, setBytesMax: 1 << 20, durability: 'none' });
      store.trackTombstones({ clock, generation: 1 });
      const ring = new HashRing({ vnodes: 64 }).addNode('a');
      const ae = new AntiEntropy({
        selfId: 'a', n: 1, ring: () => ring, down: () => new Set(), addressOf: () => undefined, engine, store, clock, random: { next: () => 0.5 },
        intervalMs: 0, tombstoneGraceMs: graceMs, generation: 1, call: () => Promise.reject(new Error('no peers')),
      });
      store.observe(ae.observe);
      store.observeIntent(ae.intent);
      await ae.start();
      await load(store);
      const within = await probed(() => ae.sweepTombstones());
      rows.push(`within grace: ${within.result.scanned.toLocaleString('en')} marks judged, none removed, in ${Math.round(within.ms)} ms; longest event-loop stall ${within.stallMs.toFixed(1)} ms`);
      clock.nowMs = graceMs;
      const past = await probed(() => ae.sweepTombstones());
      rows.push(`past grace: ${past.result.collected.toLocaleString('en')} keys removed in ${Math.round(past.ms)} ms; longest event-loop stall ${past.stallMs.toFixed(1)} ms`);
      ae.stop();
      await store.settled();
      await engine.close();
    },
    { iterations: 1, warmupIterations: 0, time: 0, warmupTime: 0 },
  );
});

/** Writes every key, then deletes every other one with the context read (index records in the same batches). */
async function load(store: ReplicaStore): Promise<void> {
  const value = new Uint8Array(100).fill(7);
  for (let i = 0; i < keys; i += 500) {
    const batch: Promise<unknown>[] = [];
    for (let j = i; j < Math.min(keys, i + 500); j++) batch.push(store.update(`key-${j}`, [], live(value)));
    await Promise.all(batch);
  }
  const start = performance.now();
  for (let i = 0; i < keys; i += 1000) {
    const batch: Promise<unknown>[] = [];
    for (let j = i; j < Math.min(keys, i + 1000); j += 2) {
      const set = store.readSet(`key-${j}`);
      batch.push(store.update(`key-${j}`, set === undefined ? [] : context(set), tombstone));
    }
    await Promise.all(batch);
  }
  rows.push(`deleting ${(keys / 2).toLocaleString('en')} keys: ${Math.round(performance.now() - start)} ms`);
}
