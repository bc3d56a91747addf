import { describe, expect, it } from 'vitest';
import { RuntimeMonitor } from './runtime.js';

describe('RuntimeMonitor', () => {
  it('keeps the count, total and max of GC pauses', () => {
    const m = new RuntimeMonitor();
    try {
      const before = m.gc();
      m.recordGc(0.2);
      m.recordGc(3);
      m.recordGc(400);
      const after = m.gc();
      expect(after.count - before.count).toBe(3);
      expect(after.maxMs).toBeGreaterThanOrEqual(400);
      expect(after.totalMs - before.totalMs).toBeCloseTo(403.2, 3);
    } finally {
      m.stop();
    }
  });
});
