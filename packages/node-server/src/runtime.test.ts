import { describe, expect, it } from 'vitest';
import { RuntimeMonitor } from './runtime.js';

describe('RuntimeMonitor', () => {
  it('buckets GC pauses cumulatively and keeps count, total and max', () => {
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
      const lines: string[] = [];
      m.render({ family: () => {}, sample: (name, value, labels = '') => lines.push(`${name}{${labels}} ${value}`) });
      const bucket = (le: string): number => Number(lines.find((l) => l.startsWith(`ringkv_gc_pause_seconds_bucket{le="${le}"}`))?.split(' ')[1]);
      // Cumulative: a 3 ms pause is under 5 ms, the 400 ms one only under +Inf.
      expect(bucket('0.005') - bucket('0.0025')).toBeGreaterThanOrEqual(1);
      expect(bucket('+Inf') - bucket('0.25')).toBeGreaterThanOrEqual(1);
      expect(bucket('+Inf')).toBe(after.count);
    } finally {
      m.stop();
    }
  });
});
