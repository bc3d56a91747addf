import { describe, expect, it } from 'vitest';
import { Rng, seedNote, testSeed } from '@ringkv/sim';
import { scanLengthMax, WorkloadRunner, workloads, Zipfian, type Workload, type YcsbOp } from './ycsb.js';

function draws(workload: Workload, records: number, n: number, seed: number): { ops: Map<YcsbOp, number>; keys: number[]; runner: WorkloadRunner } {
  const rng = new Rng(seed);
  const runner = new WorkloadRunner(workload, records, () => rng.next());
  const ops = new Map<YcsbOp, number>();
  const keys: number[] = [];
  for (let i = 0; i < n; i++) {
    const op = runner.nextOp();
    ops.set(op, (ops.get(op) ?? 0) + 1);
    keys.push(op === 'insert' ? runner.nextInsert() : runner.nextKey());
  }
  return { ops, keys, runner };
}

describe('YCSB workloads', () => {
  it('mix their operations in the core workloads proportions', () => {
    const seed = testSeed(11);
    for (const [letter, w] of Object.entries(workloads)) {
      const { ops } = draws(w, 1000, 20_000, seed);
      for (const [op, share] of Object.entries(w.proportions)) {
        expect(Math.abs((ops.get(op as YcsbOp) ?? 0) / 20_000 - share), `${seedNote(seed)} workload ${letter} ${op}`).toBeLessThan(0.02);
      }
      expect([...ops.keys()].every((op) => (w.proportions[op] ?? 0) > 0), `workload ${letter}`).toBe(true);
    }
  });

  it('zipfian keys are skewed: the most popular 1 % of keys takes a large share, and every key is in range', () => {
    const seed = testSeed(12);
    const { keys } = draws(workloads.c as Workload, 10_000, 50_000, seed);
    expect(keys.every((k) => k >= 0 && k < 10_000), seedNote(seed)).toBe(true);
    const counts = new Map<number, number>();
    for (const k of keys) counts.set(k, (counts.get(k) ?? 0) + 1);
    const top = [...counts.values()].sort((a, b) => b - a).slice(0, 100).reduce((t, c) => t + c, 0);
    // Uniform would give the top 100 of 10,000 keys about 1 % (plus noise); zipfian 0.99 gives tens of percent.
    expect(top / keys.length, seedNote(seed)).toBeGreaterThan(0.2);
  });

  it('the zipfian rank 0 is the most frequent', () => {
    const seed = testSeed(13);
    const rng = new Rng(seed);
    const z = new Zipfian(1000);
    const counts = new Array<number>(1000).fill(0);
    for (let i = 0; i < 20_000; i++) counts[z.next(rng.next())]!++;
    expect(Math.max(...counts), seedNote(seed)).toBe(counts[0]);
  });

  it('D reads favour the latest inserts: most reads hit one of the 100 newest keys at the time', () => {
    const seed = testSeed(14);
    const rng = new Rng(seed);
    const runner = new WorkloadRunner(workloads.d as Workload, 1000, () => rng.next());
    let reads = 0;
    let recent = 0;
    for (let i = 0; i < 20_000; i++) {
      if (runner.nextOp() === 'insert') {
        runner.nextInsert();
        continue;
      }
      const k = runner.nextKey();
      reads++;
      if (runner.keyCount - 1 - k < 100) recent++;
    }
    expect(recent / reads, seedNote(seed)).toBeGreaterThan(0.3);
  });

  it('E scans are 1 to scanLengthMax keys long', () => {
    const seed = testSeed(15);
    const rng = new Rng(seed);
    const runner = new WorkloadRunner(workloads.e as Workload, 100, () => rng.next());
    const lengths = Array.from({ length: 2000 }, () => runner.nextScanLength());
    expect(Math.min(...lengths), seedNote(seed)).toBe(1);
    expect(Math.max(...lengths), seedNote(seed)).toBe(scanLengthMax);
  });
});
