import { Rng, seedNote, testSeed } from '@ringkv/sim';
import { describe, expect, it } from 'vitest';
import { DeadlineQueue, type DeadlineEntry } from './deadlines.js';
import type { Clock } from './ports.js';

/** A clock whose timers fire only when the test advances it, in due order. */
class ManualClock implements Clock {
  nowMs = 1_000;
  private nextHandle = 1;
  readonly timers = new Map<number, { atMs: number; callback: () => void }>();

  now(): number {
    return this.nowMs;
  }

  setTimer(callback: () => void, delayMs: number): unknown {
    const handle = this.nextHandle++;
    this.timers.set(handle, { atMs: this.nowMs + delayMs, callback });
    return handle;
  }

  clearTimer(handle: unknown): void {
    this.timers.delete(handle as number);
  }

  /** Moves time to `toMs`, firing each due timer at its own time. */
  advanceTo(toMs: number): void {
    for (;;) {
      let due: [number, { atMs: number; callback: () => void }] | undefined;
      for (const t of this.timers) if (t[1].atMs <= toMs && (due === undefined || t[1].atMs < due[1].atMs)) due = t;
      if (due === undefined) break;
      this.timers.delete(due[0]);
      this.nowMs = Math.max(this.nowMs, due[1].atMs);
      due[1].callback();
    }
    this.nowMs = toMs;
  }
}

interface Item extends DeadlineEntry {
  readonly n: number;
  expiredAtMs: number | undefined;
}

function item(n: number): Item {
  return { n, expiredAtMs: undefined, deadlineMs: 0, deadlineList: undefined, deadlinePrev: undefined, deadlineNext: undefined };
}

describe('DeadlineQueue', () => {
  it('expires each entry once, never before its deadline and at most the granularity after it, like a naive timer per entry (seeded)', () => {
    const seed = testSeed(1212);
    const rng = new Rng(seed);
    for (let round = 0; round < 30; round++) {
      const clock = new ManualClock();
      const granularityMs = [1, 5, 10, 25][rng.int(4)] as number;
      const timeouts = [1, 7, 50, 100, 5_000].slice(0, 1 + rng.int(5));
      const expired: Item[] = [];
      const q = new DeadlineQueue<Item>(clock, granularityMs, (e) => {
        expect(e.expiredAtMs, `entry ${e.n} expired twice ${seedNote(seed)}`).toBeUndefined();
        e.expiredAtMs = clock.nowMs;
        expired.push(e);
      });
      /** The naive model: each live entry's deadline. */
      const model = new Map<Item, number>();
      for (let step = 0, n = 0; step < 400; step++) {
        const roll = rng.int(10);
        if (roll < 5) {
          const e = item(n++);
          const timeoutMs = timeouts[rng.int(timeouts.length)] as number;
          q.add(e, timeoutMs);
          model.set(e, clock.nowMs + timeoutMs);
        } else if (roll < 8 && model.size > 0) {
          const live = [...model.keys()];
          const e = live[rng.int(live.length)] as Item;
          q.remove(e);
          model.delete(e);
        } else {
          clock.advanceTo(clock.nowMs + rng.int(3 * granularityMs + 20));
        }
        for (const e of expired.splice(0)) {
          const deadline = model.get(e);
          expect(deadline, `entry ${e.n} expired after its removal ${seedNote(seed)}`).toBeDefined();
          expect(e.expiredAtMs as number, `entry ${e.n} early ${seedNote(seed)}`).toBeGreaterThanOrEqual(deadline as number);
          expect(e.expiredAtMs as number, `entry ${e.n} late ${seedNote(seed)}`).toBeLessThan((deadline as number) + granularityMs);
          model.delete(e);
        }
        for (const [e, deadline] of model) {
          expect(deadline + granularityMs > clock.nowMs, `entry ${e.n} overdue ${seedNote(seed)}`).toBe(true);
        }
        expect(q.size, seedNote(seed)).toBe(model.size);
        expect(clock.timers.size, `one timer at most ${seedNote(seed)}`).toBeLessThanOrEqual(1);
      }
      clock.advanceTo(clock.nowMs + 10_000);
      expect(model.size - expired.length, seedNote(seed)).toBe(0);
      expect(clock.timers.size, `no timer once empty ${seedNote(seed)}`).toBe(0);
    }
  });

  it('lets an expiry callback add entries, which still expire on time', () => {
    const clock = new ManualClock();
    const seen: number[] = [];
    const q: DeadlineQueue<Item> = new DeadlineQueue<Item>(clock, 10, (e) => {
      seen.push(e.n);
      if (e.n < 3) q.add(item(e.n + 1), 100);
    });
    q.add(item(0), 100);
    q.add(item(10), 1_050);
    clock.advanceTo(clock.nowMs + 1_000);
    expect(seen).toEqual([0, 1, 2, 3]);
    clock.advanceTo(clock.nowMs + 60);
    expect(seen).toEqual([0, 1, 2, 3, 10]);
    expect(q.size).toBe(0);
    expect(clock.timers.size).toBe(0);
  });

  it('clear removes every entry without expiring it and leaves no timer armed', () => {
    const clock = new ManualClock();
    const seen: number[] = [];
    const q = new DeadlineQueue<Item>(clock, 10, (e) => seen.push(e.n));
    const a = item(1);
    q.add(a, 50);
    q.add(item(2), 70);
    q.clear();
    expect(q.armed).toBe(false);
    expect(clock.timers.size).toBe(0);
    clock.advanceTo(clock.nowMs + 1_000);
    expect(seen).toEqual([]);
    q.remove(a); // not queued any more: a no-op
    expect(q.size).toBe(0);
  });

  it('refuses a granularity that is not a positive integer', () => {
    expect(() => new DeadlineQueue(new ManualClock(), 0, () => {})).toThrow(/assertion failed/);
  });
});
