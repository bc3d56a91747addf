/**
 * When anti-entropy passes run: periodic passes on the injected clock, none
 * at all with `intervalMs: 0` (the node option `antiEntropyIntervalMs`);
 * tombstone sweeps run on their own interval either way.
 */
import { HashRing } from '@ringkv/hashring';
import type { PeerMessage } from '@ringkv/protocol';
import { describe, expect, it } from 'vitest';
import { AntiEntropy } from '../../src/anti-entropy/service.js';
import { MemoryEngine } from '../support/memory-engine.js';

/** A clock whose timers fire only when the test advances it. */
class ManualClock {
  nowMs = 0;
  timers: { at: number; fn: () => void; live: boolean }[] = [];
  now(): number {
    return this.nowMs;
  }
  setTimer(delayMs: number, fn: () => void): unknown {
    const t = { at: this.nowMs + delayMs, fn, live: true };
    this.timers.push(t);
    return t;
  }
  clearTimer(handle: unknown): void {
    (handle as { live: boolean }).live = false;
  }
  /** Moves time forward, firing due timers in order. */
  async advance(ms: number): Promise<void> {
    this.nowMs += ms;
    for (;;) {
      const due = this.timers.filter((t) => t.live && t.at <= this.nowMs).sort((a, b) => a.at - b.at)[0];
      if (due === undefined) break;
      due.live = false;
      due.fn();
      for (let i = 0; i < 20; i++) await Promise.resolve();
    }
  }
}

let seq = 0;

function node(intervalMs: number, clock: ManualClock): { ae: AntiEntropy; calls: string[] } {
  const ring = new HashRing({ vnodes: 16 }).addNode('a').addNode('b');
  const calls: string[] = [];
  const ae = new AntiEntropy({
    selfId: 'a', n: 2, ring: () => ring, down: () => new Set(), addressOf: (id) => id,
    engine: new MemoryEngine(`schedule-${seq++}`, new Map()), store: { syncIn: () => Promise.reject(new Error('no sync in this test')), collect: async () => false, committedBatchSeq: 0, markIfUnindexed: async () => false, mutate: () => Promise.reject(new Error('no writes in this test')), tracksTombstones: false },
    call: async (address, body): Promise<PeerMessage> => {
      calls.push(`${address}:${body.type}`);
      throw new Error('peer unreachable in this test');
    },
    clock, random: { next: () => 0.5 }, intervalMs,
  });
  return { ae, calls };
}

describe('anti-entropy schedule', () => {
  it('runs no periodic pass when the interval is 0, however much time passes', async () => {
    const clock = new ManualClock();
    const { ae, calls } = node(0, clock);
    await ae.start();
    await clock.advance(30 * 24 * 3_600_000);
    // Only the tombstone sweep keeps a timer (hourly at the default 10-day grace); it calls no peer.
    expect(clock.timers.filter((t) => t.live)).toHaveLength(1);
    expect(ae.tombstones.stats.sweeps).toBeGreaterThan(0);
    expect(calls).toEqual([]);
    expect(ae.stats.passes).toBe(0);
    ae.stop();
    expect(clock.timers.filter((t) => t.live)).toHaveLength(0);
  });

  it('runs a pass each interval when the interval is set, and stops scheduling after stop()', async () => {
    const clock = new ManualClock();
    const { ae, calls } = node(60_000, clock);
    await ae.start();
    await clock.advance(59_000);
    expect(ae.stats.passes).toBe(0);
    await clock.advance(2_000);
    expect(ae.stats.passes).toBe(1);
    expect(calls).toEqual(['b:tree-nodes']);
    await clock.advance(60_000);
    expect(ae.stats.passes).toBe(2);
    ae.stop();
    await clock.advance(10 * 60_000);
    expect(ae.stats.passes).toBe(2);
  });
});
