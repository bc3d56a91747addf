import { describe, expect, it } from 'vitest';
import { nodeRequestBytesSmallShare, smallRequestBytesMax } from '../limits.js';
import { RequestBudget } from './request-budget.js';

const KiB = 1024;

describe('RequestBudget', () => {
  it('lets a request larger than the whole budget run alone, and nothing beside it', () => {
    const b = new RequestBudget(256 * KiB);
    expect(b.fits(1024 * KiB)).toBe(true);
    b.take(1024 * KiB);
    expect(b.fits(1)).toBe(false);
  });

  it('keeps nodeRequestBytesSmallShare of the budget for small requests', () => {
    const max = 1024 * KiB;
    const b = new RequestBudget(max);
    b.take(smallRequestBytesMax);
    const largeRoom = max * (1 - nodeRequestBytesSmallShare) - smallRequestBytesMax;
    expect(b.fits(largeRoom)).toBe(true);
    expect(b.fits(largeRoom + 1)).toBe(false);
    b.take(largeRoom);
    expect(b.fits(smallRequestBytesMax)).toBe(true);
  });

  it('starts no large request while the storage is behind, small ones still', () => {
    let behind = false;
    const b = new RequestBudget(1024 * KiB, () => behind);
    expect(b.fits(600 * KiB)).toBe(true);
    behind = true;
    expect(b.fits(600 * KiB)).toBe(false);
    expect(b.fits(smallRequestBytesMax)).toBe(true);
  });

  it('wakes each waiter once per release, and not after cancel', () => {
    const b = new RequestBudget(1024 * KiB);
    const woken: string[] = [];
    const a = (): void => void woken.push('a');
    const c = (): void => void woken.push('c');
    b.take(10);
    b.wait(a);
    b.wait(a);
    b.wait(c);
    b.cancel(c);
    b.release(10);
    b.release(0);
    expect(woken).toEqual(['a']);
    expect(b.waits).toBe(2);
  });
});
