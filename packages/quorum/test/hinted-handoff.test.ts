import { describe, expect, it } from 'vitest';
import { SimClock } from '@ringkv/sim';
import { empty, live, update, type DvvSet } from '@ringkv/vclock';
import { HintedHandoff, MemoryHintStore, type HintedHandoffOptions, type Key } from '@ringkv/quorum';
import { advance, settle } from './support/drive.js';

type Mode = 'ack' | 'error' | 'hang';

/** A handoff over a memory store, with a scripted target side that records what it received. */
function world(options: Partial<HintedHandoffOptions<string>> = {}, delayOf: (key: Key) => number = () => 2) {
  const clock = new SimClock();
  const store = new MemoryHintStore<string>();
  const received: { node: string; key: Key }[] = [];
  const modes = new Map<string, Mode>();
  const down = new Set<string>();
  let inFlight = 0;
  let peak = 0;
  const busyTargets = new Map<string, number>();
  let targetsPeak = 0;
  const onSend: Array<(node: string, key: Key) => void> = [];
  const replicas = {
    apply: (node: string, key: Key, _set: DvvSet<string>) => {
      const mode = modes.get(node) ?? 'ack';
      if (mode === 'hang') return new Promise<void>(() => undefined);
      inFlight++;
      peak = Math.max(peak, inFlight);
      busyTargets.set(node, (busyTargets.get(node) ?? 0) + 1);
      targetsPeak = Math.max(targetsPeak, busyTargets.size);
      for (const f of onSend) f(node, key);
      return new Promise<void>((resolve, reject) => {
        clock.setTimer(delayOf(key), () => {
          inFlight--;
          const left = (busyTargets.get(node) ?? 1) - 1;
          if (left === 0) busyTargets.delete(node);
          else busyTargets.set(node, left);
          if (mode === 'error') reject(new Error('refused'));
          else {
            received.push({ node, key });
            resolve();
          }
        });
      });
    },
  };
  const handoff = new HintedHandoff<string>({ store, replicas, clock, down: () => down, ...options });
  const sim = { clock, step: () => clock.step() };
  return { clock, store, received, modes, down, handoff, sim, onSend, peaks: () => ({ sends: peak, targets: targetsPeak }) };
}

const set = (value: string): DvvSet<string> => update(empty<string>(), [], 'c', live(value));

async function fill(store: MemoryHintStore<string>, target: string, count: number, atMs = 0): Promise<void> {
  for (let i = 0; i < count; i++) await store.put(target, `k${String(i).padStart(3, '0')}`, set(`v${i}`), atMs);
}

describe('HintedHandoff', () => {
  it('replays every hint of a target that comes up, in bounded batches and throttled, and deletes them once acked', async () => {
    const w = world({ batchCountMax: 10, sendsInFlightMax: 3 });
    await fill(w.store, 'n2', 25);
    await settle(w.sim, w.handoff.onUp('n2'));
    expect(w.received).toHaveLength(25);
    expect(await w.store.count()).toBe(0);
    expect(w.handoff.stats).toMatchObject({ replayed: 25, batches: 3, expired: 0, sendFailures: 0 });
    expect(w.peaks().sends).toBe(3);
  });

  it('keeps its window full: a slow send does not hold back the sends after it', async () => {
    // k000 takes 100 ms, every other send 2 ms. Sent in waves of three, k001 and k002 would
    // wait for k000; through a window, the other nine are acked while k000 is in flight.
    const w = world({ batchCountMax: 10, sendsInFlightMax: 3 }, (key) => (key === 'k000' ? 100 : 2));
    await fill(w.store, 'n2', 10);
    await settle(w.sim, w.handoff.onUp('n2'));
    expect(w.received.map((r) => r.key)).toEqual([...Array.from({ length: 9 }, (_, i) => `k00${i + 1}`), 'k000']);
    expect(w.peaks().sends).toBe(3);
    expect(await w.store.count()).toBe(0);
  });

  it('sends 64 hints at a time by default, and refuses a window wider than 256', async () => {
    const w = world();
    await fill(w.store, 'n2', 150);
    await settle(w.sim, w.handoff.onUp('n2'));
    expect(w.received).toHaveLength(150);
    expect(w.peaks().sends).toBe(64);
    expect(() => world({ sendsInFlightMax: 257 })).toThrow(/sendsInFlightMax must be an integer in \[1, 256\]/);
  });

  it('bounds a batch by estimated bytes but always takes one hint', async () => {
    const w = world({ sizeOf: () => 100, batchBytesMax: 250 });
    await fill(w.store, 'n2', 5);
    await settle(w.sim, w.handoff.replay('n2'));
    expect(w.handoff.stats.batches).toBe(3);
    const huge = world({ sizeOf: () => 10_000, batchBytesMax: 250 });
    await fill(huge.store, 'n2', 2);
    await settle(huge.sim, huge.handoff.replay('n2'));
    expect(huge.handoff.stats).toMatchObject({ batches: 2, replayed: 2 });
  });

  it('deletes and counts hints older than the TTL instead of sending them, even for a target that is down', async () => {
    const w = world({ hintTtlMs: 1_000 });
    await fill(w.store, 'n2', 3, 0);
    await w.store.put('n2', 'fresh', set('f'), 900);
    w.down.add('n2');
    await advance(w.sim, 1_500);
    await settle(w.sim, w.handoff.sweep());
    expect(w.handoff.stats.expired).toBe(3);
    expect(w.received).toEqual([]);
    expect((await w.store.list('n2', 10)).map((h) => h.key)).toEqual(['fresh']);
    w.down.delete('n2');
    await settle(w.sim, w.handoff.sweep());
    expect(w.received.map((r) => r.key)).toEqual(['fresh']);
  });

  it('expires old hints of a down target beyond the first batch', async () => {
    const w = world({ hintTtlMs: 1_000, batchCountMax: 3 });
    await w.store.put('n2', 'a-fresh', set('f'), 900);
    await fill(w.store, 'n2', 7, 0);
    w.down.add('n2');
    await advance(w.sim, 1_500);
    await settle(w.sim, w.handoff.sweep());
    expect(w.handoff.stats.expired).toBe(7);
    expect(w.received).toEqual([]);
    expect(await w.store.count()).toBe(1);
  });

  it('stops a replay at the first refused send and keeps the hints for the next attempt', async () => {
    const w = world({ sendsInFlightMax: 2, batchCountMax: 10 });
    await fill(w.store, 'n2', 6);
    w.modes.set('n2', 'error');
    await settle(w.sim, w.handoff.replay('n2'));
    expect(await w.store.count()).toBe(6);
    expect(w.handoff.stats.sendFailures).toBe(2);
    w.modes.set('n2', 'ack');
    await settle(w.sim, w.handoff.replay('n2'));
    expect(await w.store.count()).toBe(0);
  });

  it('gives up on a send that never answers at its own deadline', async () => {
    const w = world({ sendTimeoutMs: 500 });
    await fill(w.store, 'n2', 1);
    w.modes.set('n2', 'hang');
    await settle(w.sim, w.handoff.replay('n2'));
    expect(w.handoff.stats.sendFailures).toBe(1);
    expect(await w.store.count()).toBe(1);
  });

  it('keeps a hint that grew while it was being replayed and sends the rest on the next pass', async () => {
    const w = world();
    await w.store.put('n2', 'k', set('a'), 0);
    w.onSend.push((_node, key) => void w.store.put('n2', key, update(empty<string>(), [], 'd', live('b')), 1));
    await settle(w.sim, w.handoff.replay('n2'));
    expect(await w.store.count()).toBe(1);
    w.onSend.length = 0;
    await settle(w.sim, w.handoff.replay('n2'));
    expect(await w.store.count()).toBe(0);
  });

  it('a new instance over the same store (a restart) replays what the old one left', async () => {
    const w = world();
    await fill(w.store, 'n2', 4);
    w.handoff.stop();
    const again = new HintedHandoff<string>({
      store: w.store,
      replicas: { apply: async () => undefined },
      clock: w.clock,
      down: () => new Set(),
    });
    await settle(w.sim, again.onUp('n2'));
    expect(again.stats.replayed).toBe(4);
    expect(await again.pending()).toBe(0);
  });

  it('sweeps periodically once started, replaying only to targets that are not down, a bounded number of targets at a time', async () => {
    const w = world({ sweepIntervalMs: 1_000, replayTargetsMax: 2 });
    for (const t of ['a', 'b', 'c', 'd']) await fill(w.store, t, 3);
    w.down.add('d');
    w.handoff.start();
    await advance(w.sim, 999);
    expect(w.received).toEqual([]);
    await advance(w.sim, 200);
    await advance(w.sim, 100);
    expect(new Set(w.received.map((r) => r.node))).toEqual(new Set(['a', 'b', 'c']));
    expect(w.peaks().targets).toBe(2);
    expect([...w.store.countsByTarget()]).toEqual([['d', 3]]);
    w.handoff.stop();
    expect(w.clock.pendingTimers()).toBe(0);
  });

  it('refuses out-of-range settings with invalid-argument', () => {
    expect(() => world({ hintTtlMs: 0 })).toThrow(/quorum: hintTtlMs/);
    expect(() => world({ batchCountMax: 10_000 })).toThrow(/batchCountMax/);
  });
});
