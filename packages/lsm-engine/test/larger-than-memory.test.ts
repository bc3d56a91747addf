/**
 * Data larger than memory: writes many times the memtable plus block cache
 * bound to the real disk, reads all of it back, and checks that the memory
 * the process retains (heap + ArrayBuffers after a full GC, sampled during
 * the writes and the scan) grew by far less than the data written. Retained
 * memory rather than RSS, because RSS also counts garbage the collector has
 * not got round to, which says nothing about the engine's bounds.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { Rng, seedNote, testSeed } from '@ringkv/sim';
import { openEngine } from '../src/index.js';

const MiB = 1024 * 1024;
const VALUE_BYTES = 1024;
const DATA_BYTES = 96 * MiB;
const MEMTABLE_BYTES = 1 * MiB;
const CACHE_BYTES = 1 * MiB;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function retainedBytes(): number {
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

function keyOf(i: number): Uint8Array {
  return new TextEncoder().encode(`key-${String(i).padStart(8, '0')}`);
}

/** Deterministic incompressible value of key i: a seeded generator per key, so it can be recomputed to check. */
function valueOf(seed: number, i: number): Uint8Array {
  return new Rng(seed ^ Math.imul(i, 0x9e3779b1)).bytes(VALUE_BYTES);
}

describe('data larger than memory', () => {
  it('writes 48x the memtable and cache bounds, reads it all back, and retained memory stays bounded', async () => {
    const seed = testSeed(808);
    const dir = mkdtempSync(join(tmpdir(), 'lsm-big-'));
    const count = DATA_BYTES / VALUE_BYTES;
    const before = retainedBytes();
    let peak = before;
    const sample = (): void => {
      peak = Math.max(peak, retainedBytes());
    };
    // Tables of 1 MiB, the default bound on open tables (500, more than this run makes): evicted cache blocks are not pinned by readers.
    const options = { memtableBytes: MEMTABLE_BYTES, blockCacheBytes: CACHE_BYTES, targetFileSizeBytes: MiB, compression: 'none' as const };
    try {
      let db = await openEngine(join(dir, 'db'), { ...options, durability: 'none' });
      for (let i = 0; i < count; i += 256) {
        const ops = [];
        for (let j = i; j < i + 256; j++) ops.push({ type: 'put' as const, key: keyOf(j), value: valueOf(seed, j) });
        await db.batch(ops);
        if (i % 8192 === 0) sample();
      }
      await db.close();
      db = await openEngine(join(dir, 'db'), options);
      let n = 0;
      for (const [k, v] of db.iterate()) {
        if (n % 97 === 0) {
          expect(Buffer.from(k).equals(Buffer.from(keyOf(n))), `key ${n} ${seedNote(seed)}`).toBe(true);
          expect(Buffer.from(v).equals(Buffer.from(valueOf(seed, n))), `value ${n} ${seedNote(seed)}`).toBe(true);
        }
        if (n % 4096 === 0) sample();
        n++;
      }
      expect(n).toBe(count);
      const rng = new Rng(seed);
      for (let r = 0; r < 2000; r++) {
        const i = rng.int(count);
        const v = db.getSync(keyOf(i));
        expect(v !== undefined && Buffer.from(v).equals(Buffer.from(valueOf(seed, i))), `get ${i} ${seedNote(seed)}`).toBe(true);
      }
      sample();
      const stats = db.stats();
      await db.close();
      const growthBytes = peak - before;
      // Holding the data in memory would need more than DATA_BYTES; the engine's bounds are a few MiB.
      expect(growthBytes, `retained memory grew ${(growthBytes / MiB).toFixed(1)} MiB; levels ${JSON.stringify(stats.levels)}`).toBeLessThan(DATA_BYTES / 2);
      console.log(`larger-than-memory: wrote ${DATA_BYTES / MiB} MiB, peak retained growth ${(growthBytes / MiB).toFixed(1)} MiB`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
