import { describe, expect, it } from 'vitest';
import { Rng, seedNote, testSeed } from '@ringkv/sim';
import { compareInternal, KIND_DELETE, KIND_PUT } from '../format/internal.js';
import { Memtable } from './memtable.js';

const k = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('Memtable', () => {
  it('get returns the newest version at or below the snapshot, tombstones included', () => {
    const m = new Memtable(1);
    m.insert(k('a'), 1, KIND_PUT, k('v1'));
    m.insert(k('a'), 3, KIND_PUT, k('v3'));
    m.insert(k('a'), 5, KIND_DELETE, new Uint8Array(0));
    expect(m.get(k('a'), 4)?.value).toEqual(k('v3'));
    expect(m.get(k('a'), 2)?.value).toEqual(k('v1'));
    expect(m.get(k('a'), 9)?.kind).toBe(KIND_DELETE);
    expect(m.get(k('a'), 0)).toBeUndefined();
    expect(m.get(k('b'), 9)).toBeUndefined();
    expect(m.tombstones).toBe(1);
  });

  it('iterates in internal order whatever the insertion order, and accounts bytes', () => {
    const seed = testSeed(42);
    const rng = new Rng(seed);
    const m = new Memtable(1);
    let bytes = 0;
    for (let seq = 1; seq <= 2000; seq++) {
      const key = rng.bytes(rng.between(0, 6));
      const value = rng.bytes(rng.between(0, 20));
      m.insert(key, seq, KIND_PUT, value);
      bytes += key.length + value.length;
    }
    expect(m.approximateBytes, seedNote(seed)).toBeGreaterThanOrEqual(bytes);
    const it = m.iterator();
    let n = 0;
    let prev: [Uint8Array, number] | undefined;
    for (it.seekToFirst(); it.valid(); it.next()) {
      if (prev) expect(compareInternal(prev[0], prev[1], it.key(), it.seq()), seedNote(seed)).toBeLessThan(0);
      prev = [it.key(), it.seq()];
      n++;
    }
    expect(n).toBe(2000);
  });

  it('an iterator stays valid while inserts continue', () => {
    const m = new Memtable(1);
    for (let i = 0; i < 10; i++) m.insert(k(`k${i}`), i + 1, KIND_PUT, k('x'));
    const it = m.iterator();
    it.seek(k('k5'));
    m.insert(k('k55'), 100, KIND_PUT, k('y'));
    const seen: string[] = [];
    for (; it.valid(); it.next()) seen.push(new TextDecoder().decode(it.key()));
    expect(seen).toEqual(['k5', 'k55', 'k6', 'k7', 'k8', 'k9']);
  });

  it("keeps a key's versions in seq order when an older seq arrives after a newer one", () => {
    const m = new Memtable(1);
    m.insert(k('a'), 5, KIND_PUT, k('v5'));
    m.insert(k('a'), 2, KIND_PUT, k('v2'));
    m.insert(k('a'), 9, KIND_PUT, k('v9'));
    m.insert(k('a'), 7, KIND_PUT, k('v7'));
    expect(m.get(k('a'), 8)?.value).toEqual(k('v7'));
    expect(m.get(k('a'), 6)?.value).toEqual(k('v5'));
    expect(m.get(k('a'), 4)?.value).toEqual(k('v2'));
    const it = m.iterator();
    const seqs: number[] = [];
    for (it.seekToFirst(); it.valid(); it.next()) seqs.push(it.seq());
    expect(seqs).toEqual([9, 7, 5, 2]);
  });

  it("an iterator inside a key's versions walks every older version while newer ones are added", () => {
    const m = new Memtable(1);
    m.insert(k('a'), 1, KIND_PUT, k('a1'));
    m.insert(k('a'), 2, KIND_PUT, k('a2'));
    m.insert(k('b'), 3, KIND_PUT, k('b3'));
    const it = m.iterator();
    it.seekToFirst();
    expect(it.seq()).toBe(2);
    m.insert(k('a'), 4, KIND_PUT, k('a4'));
    m.insert(k('b'), 5, KIND_PUT, k('b5'));
    const seen: string[] = [];
    for (; it.valid(); it.next()) seen.push(`${new TextDecoder().decode(it.key())}@${it.seq()}`);
    // Already past a@4; b's chain is entered at its head, so b@5 (newer than the snapshot the caller filters by) shows.
    expect(seen).toEqual(['a@2', 'a@1', 'b@5', 'b@3']);
  });

  it('matches a sorted model of (key, seq) for random inserts and lookups at random snapshots', () => {
    const seed = testSeed(7);
    const rng = new Rng(seed);
    const m = new Memtable(1);
    const model: { key: string; seq: number; value: string }[] = [];
    for (let seq = 1; seq <= 3000; seq++) {
      const key = `k${rng.between(0, 200)}`;
      const value = `v${seq}`;
      m.insert(k(key), seq, KIND_PUT, k(value));
      model.push({ key, seq, value });
    }
    for (let i = 0; i < 500; i++) {
      const key = `k${rng.between(0, 210)}`;
      const snap = rng.between(0, 3001);
      const want = model.filter((e) => e.key === key && e.seq <= snap).sort((x, y) => y.seq - x.seq)[0];
      const got = m.get(k(key), snap);
      expect(got === undefined ? undefined : new TextDecoder().decode(got.value), seedNote(seed)).toBe(want?.value);
    }
  });
});

