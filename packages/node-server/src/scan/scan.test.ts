import { empty, live, tombstone, update, context as contextOf } from '@ringkv/vclock';
import { positionMax } from '@ringkv/hashring';
import { describe, expect, it } from 'vitest';
import { encodeEntries, decodeEntries } from '../anti-entropy/entries.js';
import { encodeSet, type StoredSet, type StoredValue } from '../store/set-codec.js';
import { storageKey } from '../store/keys.js';
import { TokenBucket } from '../topology/token-bucket.js';
import { mergeRound, pointOfKey } from './key-scan.js';
import { HashRing } from '@ringkv/hashring';
import { comparePoints, intervalAt, pointAfterPosition, replicaIntervals, successorOf } from './points.js';
import { serveScanRange } from './serve.js';
import { isLive, strippedSet } from './stripped-set.js';

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
const text = (b: Uint8Array): string => new TextDecoder().decode(b);

function written(value: string): StoredSet {
  return update(empty(), [], 'a', live(bytes(value)));
}

function deletedAfter(set: StoredSet): StoredSet {
  return update(set, contextOf(set), 'b', tombstone);
}

const reply = (sets: [string, StoredSet][], more?: Uint8Array) => ({
  entries: decodeEntries(encodeEntries(sets.map(([k, s]) => ({ key: bytes(k), set: encodeSet(strippedSet(s)) })))).map((e) => ({ key: e.key, set: e.set })),
  more,
});

describe('scan points', () => {
  it('successorOf a key point sorts after it and before every longer key it prefixes', () => {
    const k = pointOfKey(bytes('ab'));
    const next = successorOf(k);
    expect(comparePoints(k, next)).toBeLessThan(0);
    const longer = new Uint8Array([...k, 0x00]);
    expect(comparePoints(next, longer)).toBe(0);
    expect(comparePoints(next, new Uint8Array([...k, 0x01]))).toBeLessThan(0);
  });

  it('replicaIntervals end at the last position, hold one replica set per position, and merge neighbours with the same set', () => {
    const ring = new HashRing({ vnodes: 8 }).addNode('a').addNode('b').addNode('c').addNode('d');
    const intervals = replicaIntervals(ring, 2);
    expect((intervals[intervals.length - 1] as { end: bigint }).end).toBe(positionMax);
    for (let i = 1; i < intervals.length; i++) expect([...(intervals[i]?.replicas ?? [])].sort()).not.toEqual([...(intervals[i - 1]?.replicas ?? [])].sort());
    for (const p of [0n, 1n, 12345678901234567n, positionMax - 1n, positionMax]) {
      expect([...intervalAt(intervals, p).replicas].sort(), String(p)).toEqual([...ring.preferenceListAt(p, 2)].sort());
    }
    expect(replicaIntervals(new HashRing({ vnodes: 8 }).addNode('a').addNode('b').addNode('c'), 3)).toHaveLength(1);
    expect(pointAfterPosition(positionMax)).toBeUndefined();
  });
});

describe('stripped sets', () => {
  it('keep liveness: a value is live, a superseding tombstone is not, and values are gone', () => {
    const set = written('a large value');
    expect(isLive(strippedSet(set), 0)).toBe(true);
    expect(isLive(strippedSet(deletedAfter(set)), 0)).toBe(false);
    expect(encodeSet(strippedSet(set)).length).toBeLessThan(encodeSet(set).length);
  });
});

describe('expiry', () => {
  it('hides a key whose only value expired by the coordinator\'s clock, and keeps its deadline through stripping and the wire', () => {
    const set: StoredSet = update(empty<StoredValue>(), [], 'a', live<StoredValue>(bytes('x'), 1_000));
    expect(mergeRound([reply([['ttl', set]])], 10, 999).keys.map(text)).toEqual(['ttl']);
    expect(mergeRound([reply([['ttl', set]])], 10, 1_000).keys).toEqual([]);
  });
});

describe('mergeRound', () => {
  it('hides a key one replica still holds live when another holds the tombstone that supersedes it', () => {
    const set = written('x');
    const merged = mergeRound([reply([['gone', set]]), reply([['gone', deletedAfter(set)]])], 10, 0);
    expect(merged.keys).toEqual([]);
  });

  it('lists a key held by one replica only once, merged with another replica listing it too', () => {
    const merged = mergeRound([reply([['a', written('1')], ['b', written('2')]]), reply([['a', written('1')]])], 10, 0);
    expect(merged.keys.map(text).sort()).toEqual(['a', 'b']);
    expect(merged.next).toBeUndefined();
  });

  it('lists nothing at or past the least more of a replica that stopped early, and resumes there', () => {
    const keys = ['k1', 'k2', 'k3', 'k4'].sort((x, y) => comparePoints(pointOfKey(bytes(x)), pointOfKey(bytes(y))));
    const [first, second, third] = keys as [string, string, string];
    const stopped = successorOf(pointOfKey(bytes(first)));
    const merged = mergeRound([reply([[first, written('1')]], stopped), reply([[first, written('1')], [second, written('2')], [third, written('3')]])], 10, 0);
    expect(merged.keys.map(text)).toEqual([first]);
    expect(merged.next).toEqual(stopped);
  });

  it('stops at the limit with a cursor right after the last key listed', () => {
    const merged = mergeRound([reply([['a', written('1')], ['b', written('2')], ['c', written('3')]])], 2, 0);
    expect(merged.keys.length).toBe(2);
    expect(merged.next).toEqual(successorOf(pointOfKey(merged.keys[1] as Uint8Array)));
  });
});

describe('serveScanRange', () => {
  const engine = (keys: string[]) => {
    const rows = keys.map((k) => [storageKey(k), encodeSet(written(`value of ${k}`))] as [Uint8Array, Uint8Array]).sort((a, b) => Buffer.compare(a[0], b[0]));
    return {
      *iterate(bounds: { gte?: Uint8Array; lt?: Uint8Array }) {
        for (const row of rows) if ((bounds.gte === undefined || Buffer.compare(row[0], bounds.gte) >= 0) && (bounds.lt === undefined || Buffer.compare(row[0], bounds.lt) < 0)) yield row;
      },
    };
  };
  const clock = { now: () => 0, setTimer: (_ms: number, fn: () => void) => (fn(), 0), clearTimer: () => {} };

  it('returns every key of the interval after the point with the prefix, in chunks that resume without gaps, and meters every byte read', async () => {
    const keys = Array.from({ length: 50 }, (_, i) => (i % 2 === 0 ? `p/${i}` : `q/${i}`));
    const e = engine(keys);
    const bucket = new TokenBucket(clock as never, 1 << 30);
    const counters = { calls: 0, keysExamined: 0, bytesRead: 0, corruptSkipped: 0 };
    const seen: string[] = [];
    let from: Uint8Array | undefined = new Uint8Array(8);
    const end = new Uint8Array(8).fill(0xff);
    while (from !== undefined) {
      const chunk = await serveScanRange(e, bucket, clock as never, counters, { from, end, prefix: bytes('p/'), keysMax: 4, bytesMax: 1 << 20 });
      seen.push(...decodeEntries(chunk.entries).map((x) => text(x.key)));
      from = chunk.more;
    }
    expect(seen.sort()).toEqual(keys.filter((k) => k.startsWith('p/')).sort());
    expect(counters.keysExamined).toBe(50);
    expect(bucket.taken).toBe(counters.bytesRead);
  });
});
