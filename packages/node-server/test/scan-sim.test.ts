/**
 * Key listing (issue 18) on three cluster cores under @ringkv/sim: every
 * live key exactly once, at every page size, resumable from any cursor,
 * with a node down, and with a prefix; tombstones hidden.
 */
import { decodeCursor, type ScanOkMessage, type ScanRequest } from '@ringkv/protocol';
import { Rng, seedNote, Simulation, testSeed } from '@ringkv/sim';
import { describe, expect, it } from 'vitest';
import type { ClusterSettings } from '../src/cluster/settings.js';
import type { ClusterCore, StorageEngine } from '../src/index.js';
import { openMemoryEngine } from './support/memory-engine.js';
import { runSim, startSimCore } from './support/sim-core.js';

const seed = testSeed(0x5ca7);
const settings: ClusterSettings = { n: 3, r: 2, w: 2, mode: 'sloppy', requestTimeoutMs: 2_000, vnodes: 16, weight: 1, zone: '', gossipIntervalMs: 100, hintTtlMs: 3_600_000, seeds: ['a'], clusterName: 'ringkv' };
const text = new TextDecoder();
const run = runSim;
const startCore = (sim: Simulation, id: string, engine: StorageEngine, s: ClusterSettings = settings): Promise<ClusterCore> => startSimCore(sim, id, engine, s);

/** Settles `p` while simulated time runs (bounded: a request never hangs). */
async function settle<T>(sim: Simulation, p: Promise<T>): Promise<T> {
  let out: { ok: true; value: T } | { ok: false; error: unknown } | undefined;
  p.then((value) => (out = { ok: true, value }), (error: unknown) => (out = { ok: false, error }));
  await run(sim, 10_000, () => out !== undefined);
  if (out === undefined) throw new Error('no answer in 10 s of simulated time');
  if (!out.ok) throw out.error;
  return out.value;
}

async function scanAll(sim: Simulation, core: ClusterCore, request: Omit<ScanRequest, 'type' | 'id'>, pages: ScanOkMessage[] = []): Promise<string[]> {
  const keys: string[] = [];
  let cursor = request.cursor;
  for (let i = 0; i < 10_000; i++) {
    const page = (await settle(sim, core.scan({ type: 'scan', id: i, ...request, ...(cursor === undefined ? {} : { cursor }) }))) as ScanOkMessage;
    pages.push(page);
    keys.push(...page.keys.map((k) => text.decode(k)));
    if (page.cursor === undefined) return keys;
    cursor = page.cursor;
  }
  throw new Error('scan did not end');
}

let clusters = 0;

async function cluster(sim: Simulation, s: ClusterSettings = settings): Promise<ClusterCore[]> {
  const run_ = ++clusters;
  const engines = await Promise.all(['a', 'b', 'c'].map((id) => openMemoryEngine(`scan-${seed}-${run_}-${id}`, { durability: 'sync', syncIntervalMs: 100, keyBytesMax: 2048, valueBytesMax: 1 << 20 })));
  const cores = await Promise.all(['a', 'b', 'c'].map((id, i) => startCore(sim, id, engines[i] as StorageEngine, s)));
  await run(sim, 5_000, () => cores.every((c) => c.view.ring.size === 3));
  expect(cores.map((c) => c.view.ring.size), seedNote(seed)).toEqual([3, 3, 3]);
  return cores;
}

/** Writes `count` keys (`k0`…, a few `p/…`), deletes every fifth; returns the live ones. */
async function populate(sim: Simulation, cores: ClusterCore[], count: number): Promise<Set<string>> {
  const live = new Set<string>();
  const rng = new Rng(seed);
  for (let i = 0; i < count; i++) {
    const key = i % 7 === 0 ? `p/${i}` : `k${i}`;
    const core = cores[Math.floor(rng.next() * cores.length)] as ClusterCore;
    const put = await settle(sim, core.run({ type: 'put', key, value: Uint8Array.of(i & 0xff) }, undefined, false));
    expect(put.type, seedNote(seed)).toBe('put-ok');
    if (i % 5 === 0) {
      const del = await settle(sim, core.run({ type: 'delete', key, context: (put as { context: Uint8Array }).context }, undefined, false));
      expect(del.type, seedNote(seed)).toBe('delete-ok');
    } else live.add(key);
  }
  return live;
}

const sorted = (xs: Iterable<string>): string[] => [...xs].sort();

describe('scan on a simulated three-node cluster', () => {
  it('lists every live key exactly once at every page size, hides deleted keys, and resumes from any cursor', async () => {
    const sim = new Simulation({ seed, link: { latencyMs: 2, jitterMs: 3 } });
    const cores = await cluster(sim);
    const live = await populate(sim, cores, 120);
    for (const limit of [1, 7, 100, 1000]) {
      const pages: ScanOkMessage[] = [];
      const keys = await scanAll(sim, cores[limit % 3] as ClusterCore, { limit }, pages);
      expect(sorted(keys), `limit ${limit} ${seedNote(seed)}`).toEqual(sorted(live));
      expect(new Set(keys).size, seedNote(seed)).toBe(keys.length);
      for (const page of pages) expect(page.keys.length, seedNote(seed)).toBeLessThanOrEqual(limit);
      if (limit === 7) {
        // Resume from the middle on another node: the rest of the pass, nothing before the cursor.
        const at = Math.floor(pages.length / 2);
        const before = pages.slice(0, at + 1).flatMap((p) => p.keys.map((k) => text.decode(k)));
        const rest = await scanAll(sim, cores[(limit + 1) % 3] as ClusterCore, { limit, cursor: (pages[at] as ScanOkMessage).cursor });
        expect(sorted([...before, ...rest]), seedNote(seed)).toEqual(sorted(live));
      }
    }
    for (const c of cores) c.stop();
  });

  it('with N = 2 of three nodes (many replica intervals) still lists every live key exactly once', async () => {
    const sim = new Simulation({ seed, link: { latencyMs: 2, jitterMs: 3 } });
    const cores = await cluster(sim, { ...settings, n: 2 });
    const live = await populate(sim, cores, 80);
    const keys = await scanAll(sim, cores[1] as ClusterCore, { limit: 5 });
    expect(sorted(keys), seedNote(seed)).toEqual(sorted(live));
    expect(new Set(keys).size, seedNote(seed)).toBe(keys.length);
    for (const c of cores) c.stop();
  });

  it('lists only the keys with the prefix', async () => {
    const sim = new Simulation({ seed, link: { latencyMs: 2, jitterMs: 3 } });
    const cores = await cluster(sim);
    const live = await populate(sim, cores, 60);
    const keys = await scanAll(sim, cores[0] as ClusterCore, { prefix: 'p/', limit: 3 });
    expect(sorted(keys), seedNote(seed)).toEqual(sorted([...live].filter((k) => k.startsWith('p/'))));
    for (const c of cores) c.stop();
  });

  it('with one of three nodes down still lists every live key (sloppy, R = 2 of the two up)', async () => {
    const sim = new Simulation({ seed, link: { latencyMs: 2, jitterMs: 3 } });
    const cores = await cluster(sim);
    const live = await populate(sim, cores, 60);
    (cores[2] as ClusterCore).stop();
    sim.network.crash('c');
    await run(sim, 10_000, () => cores.slice(0, 2).every((c) => c.view.down.has('c')));
    const keys = await scanAll(sim, cores[0] as ClusterCore, { limit: 9 });
    expect(sorted(keys), seedNote(seed)).toEqual(sorted(live));
    for (const c of cores.slice(0, 2)) c.stop();
  });

  it('answers a cursor no node wrote with invalid-argument, and an R above N with unavailable', async () => {
    const sim = new Simulation({ seed, link: { latencyMs: 2, jitterMs: 3 } });
    const cores = await cluster(sim);
    const core = cores[0] as ClusterCore;
    await expect(settle(sim, core.scan({ type: 'scan', id: 1, cursor: Uint8Array.of(7, 1, 2) }))).rejects.toMatchObject({ code: 'invalid-argument' });
    await expect(settle(sim, core.scan({ type: 'scan', id: 2, options: { r: 4 } }))).rejects.toMatchObject({ code: 'unavailable' });
    expect(() => decodeCursor(Uint8Array.of(7), 1024)).toThrow();
    for (const c of cores) c.stop();
  });
});
