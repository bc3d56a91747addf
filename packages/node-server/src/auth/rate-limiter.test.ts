import { describe, expect, it } from 'vitest';
import { RateLimiter } from './rate-limiter.js';

describe('RateLimiter', () => {
  it('admits a second of its request rate at once, then one request per 1/rate seconds', () => {
    const r = new RateLimiter(4, undefined, 0);
    expect([0, 0, 0, 0].map(() => r.admit(10, 0))).toEqual([0, 0, 0, 0]);
    expect(r.admit(10, 0)).toBeCloseTo(250);
    expect(r.admit(10, 100)).toBeCloseTo(150); // a refusal took nothing: the wait shrinks with time alone
    expect(r.admit(10, 250)).toBe(0);
    expect(r.admit(10, 250)).toBeCloseTo(250);
  });

  it('bounds bytes per second and still admits a request larger than a second of them when full', () => {
    const r = new RateLimiter(undefined, 1000, 0);
    expect(r.admit(600, 0)).toBe(0);
    expect(r.admit(600, 0)).toBeCloseTo(200);
    const big = new RateLimiter(undefined, 1000, 0);
    expect(big.admit(5000, 0)).toBe(0); // leaves the bucket in debt
    expect(big.admit(1, 1000)).toBeGreaterThan(0);
    expect(big.admit(1, 5000)).toBe(0);
  });

  it('waits for the slower of its two buckets', () => {
    const r = new RateLimiter(100, 100, 0);
    expect(r.admit(100, 0)).toBe(0);
    expect(r.admit(50, 0)).toBeCloseTo(500);
  });
});

describe('RateLimiter with batches', () => {
  it('charges a batch one request per op, and admits a batch larger than a second of requests when full', () => {
    const r = new RateLimiter(10, undefined, 0);
    expect(r.admit(0, 0, 6)).toBe(0);
    expect(r.admit(0, 0, 6)).toBeCloseTo(200); // 4 left, 6 needed
    const small = new RateLimiter(2, undefined, 0);
    expect(small.admit(0, 0, 50)).toBe(0);
    expect(small.admit(0, 0, 1)).toBeGreaterThan(0);
  });
});
