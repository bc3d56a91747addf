import { SimClock } from '@ringkv/sim';
import { describe, expect, it } from 'vitest';
import { TokenBucket } from './token-bucket.js';

function settled(p: Promise<void>): () => boolean {
  let done = false;
  void p.then(() => (done = true));
  return () => done;
}

describe('TokenBucket', () => {
  it('lets a burst of one second of bytes through at once', async () => {
    const clock = new SimClock();
    const bucket = new TokenBucket(clock, 1000);
    const done = settled(bucket.take(1000));
    await Promise.resolve();
    expect(done()).toBe(true);
    expect(bucket.waitMsFor(1)).toBeGreaterThan(0);
  });

  it('makes a take beyond the tokens wait exactly until the debt is repaid at the rate', async () => {
    const clock = new SimClock();
    const bucket = new TokenBucket(clock, 1000);
    await bucket.take(1000);
    const done = settled(bucket.take(500));
    clock.advance(499);
    await Promise.resolve();
    expect(done()).toBe(false);
    clock.advance(1);
    await Promise.resolve();
    expect(done()).toBe(true);
  });

  it('passes a chunk larger than the burst, at the configured rate on average', async () => {
    const clock = new SimClock();
    const bucket = new TokenBucket(clock, 1000);
    const takes: (() => boolean)[] = [];
    for (let i = 0; i < 4; i++) takes.push(settled(bucket.take(2500)));
    // 10,000 bytes at 1,000 B/s with a 1,000-byte burst: the last is done at 9 s, not before.
    clock.advance(8999);
    await Promise.resolve();
    expect(takes.slice(0, 3).every((t) => t())).toBe(true);
    expect(takes[3]?.()).toBe(false);
    clock.advance(1);
    await Promise.resolve();
    expect(takes[3]?.()).toBe(true);
    expect(bucket.taken).toBe(10_000);
  });

  it('refills only up to one second of tokens after a long idle time', () => {
    const clock = new SimClock();
    const bucket = new TokenBucket(clock, 1000);
    clock.advance(60_000);
    expect(bucket.waitMsFor(1000)).toBe(0);
    expect(bucket.waitMsFor(1500)).toBe(500);
  });
});
