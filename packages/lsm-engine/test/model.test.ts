/**
 * Model-based test: random sequences of put/delete/batch/flush/compact/reopen
 * against an in-memory Map, on MemVfs and on the real disk. Replay a failure
 * with SEED=<n>.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Rng, seedNote, testSeed } from '@ringkv/sim';
import { MemVfs, NodeVfs, openEngine, type Engine, type EngineOptions, type Vfs } from '../src/index.js';
import { ManualClock } from './helpers.js';

const hex = (x: Uint8Array): string => Buffer.from(x).toString('hex');

const options: EngineOptions = {
  memtableBytes: 64 * 1024,
  blockSizeBytes: 512,
  l0CompactionTrigger: 3,
  levelSizeBaseBytes: 128 * 1024,
  levelSizeMultiplier: 4,
  targetFileSizeBytes: 32 * 1024,
  durability: 'none',
};

async function runModel(vfs: Vfs, dir: string, seed: number, steps: number, extra: EngineOptions = {}): Promise<void> {
  const rng = new Rng(seed);
  const clock = new ManualClock();
  const model = new Map<string, string>();
  const keySpace = Array.from({ length: 400 }, (_, i) => new TextEncoder().encode(`key-${(i * 7919) % 1000}`));
  let work = 0;
  let db: Engine = await openEngine(dir, { ...options, ...extra, vfs, clock });
  const value = (): Uint8Array => rng.bytes(rng.pick([0, 8, 100, 700]));
  const check = (why: string): void => {
    const got = new Map([...db.iterate()].map(([k, v]) => [hex(k), hex(v)]));
    expect(got.size, `${why} ${seedNote(seed)}`).toBe(model.size);
    for (const [k, v] of model) expect(got.get(k), `${why} key ${k} ${seedNote(seed)}`).toBe(v);
  };
  try {
    for (let step = 0; step < steps; step++) {
      const r = rng.int(1000);
      if (r < 450) {
        const k = rng.pick(keySpace);
        const v = value();
        await db.put(k, v);
        model.set(hex(k), hex(v));
      } else if (r < 650) {
        const k = rng.pick(keySpace);
        await db.delete(k);
        model.delete(hex(k));
      } else if (r < 800) {
        const ops = Array.from({ length: rng.between(1, 30) }, () => {
          const key = rng.pick(keySpace);
          return rng.chance(0.7) ? { type: 'put' as const, key, value: value() } : { type: 'del' as const, key };
        });
        await db.batch(ops);
        for (const op of ops) {
          if (op.type === 'put') model.set(hex(op.key), hex(op.value));
          else model.delete(hex(op.key));
        }
      } else if (r < 960) {
        const k = rng.pick(keySpace);
        const got = await db.get(k);
        expect(got && hex(got), `get at step ${step} ${seedNote(seed)}`).toBe(model.get(hex(k)));
      } else if (r < 975) {
        await db.flush();
      } else if (r < 985) {
        await db.compact();
        check(`after compact at step ${step}`);
      } else {
        work += db.stats().flushes + db.stats().compactions;
        await db.close();
        db = await openEngine(dir, { ...options, ...extra, vfs, clock });
        check(`after reopen at step ${step}`);
      }
    }
    check('at the end');
    work += db.stats().flushes + db.stats().compactions;
    expect(work, `background flushes and compactions happened ${seedNote(seed)}`).toBeGreaterThan(3);
  } finally {
    await db.close();
  }
}

describe('engine against a Map model', () => {
  it('random put/delete/batch/flush/compact/reopen sequences agree with the model on MemVfs', async () => {
    const seed = testSeed(2024);
    for (let run = 0; run < 3; run++) await runModel(new MemVfs(), 'db', seed + run, 2500);
  });

  // The real disk builds tables in the table worker by default; the second run builds them in the engine's thread.
  for (const tableWorker of [true, false]) {
    it(`the same holds on the real disk (tableWorker: ${tableWorker})`, async () => {
      const seed = testSeed(2025);
      const dir = mkdtempSync(join(tmpdir(), 'lsm-model-'));
      try {
        await runModel(new NodeVfs(), join(dir, 'db'), seed, tableWorker ? 2000 : 1000, { tableWorker });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
