import { describe, expect, it } from 'vitest';
import { Publisher } from './publisher.js';

describe('Publisher', () => {
  it('holds visibility at the first pending sync write and releases in order', async () => {
    const p = new Publisher(10);
    p.holdFor(11);
    p.appendedThrough(11);
    p.appendedThrough(12); // a 'none' write after the pending sync write
    expect(p.visibleSeq()).toBe(10);
    let seen12 = false;
    const w = p.whenVisible(12).then(() => {
      seen12 = true;
    });
    p.holdFor(13);
    p.appendedThrough(13);
    p.release(13); // out of order: 11 still pending
    await Promise.resolve();
    expect(p.visibleSeq()).toBe(10);
    expect(seen12).toBe(false);
    p.release(11);
    await w;
    expect(p.visibleSeq()).toBe(13);
  });

  it('failAll rejects waiters and every later wait', async () => {
    const p = new Publisher(0);
    p.holdFor(1);
    p.appendedThrough(1);
    const w = p.whenVisible(1);
    p.failAll(new Error('boom'));
    await expect(w).rejects.toThrow('boom');
    await expect(p.whenVisible(1)).rejects.toThrow('boom');
  });
});
