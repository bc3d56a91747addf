import { describe, expect, it } from 'vitest';
import { CHECKPOINTS_MAX } from '../limits.js';
import type { SeqTime } from '../manifest/manifest.js';
import { addCheckpoint, dropMaxSeq } from './checkpoints.js';

describe('seq→time checkpoints', () => {
  it('dropMaxSeq is the newest checkpoint at least the grace period old', () => {
    const list: SeqTime[] = [];
    addCheckpoint(list, 10, 1000, 2500);
    addCheckpoint(list, 20, 2000, 2500);
    addCheckpoint(list, 30, 3000, 2500);
    expect(dropMaxSeq(list, 3000, 2500)).toBe(0);
    expect(dropMaxSeq(list, 3500, 2500)).toBe(10);
    expect(dropMaxSeq(list, 4600, 2500)).toBe(20);
    expect(dropMaxSeq(list, 9000, 2500)).toBe(30);
  });

  it('stays bounded and never makes dropMaxSeq larger by thinning', () => {
    const list: SeqTime[] = [];
    const grace = 1_000_000;
    for (let i = 1; i <= 1000; i++) addCheckpoint(list, i * 10, i * 100, grace);
    expect(list.length).toBeLessThanOrEqual(CHECKPOINTS_MAX);
    for (const now of [50_000, 1_050_000, 1_090_000]) {
      const exact = Math.max(0, Math.floor((now - grace) / 100)) * 10;
      expect(dropMaxSeq(list, now, grace)).toBeLessThanOrEqual(exact);
    }
  });

  it('ignores a clock that went backwards', () => {
    const list: SeqTime[] = [];
    addCheckpoint(list, 10, 5000, 0);
    addCheckpoint(list, 20, 4000, 0);
    expect(list).toEqual([{ seq: 10, timeMs: 5000 }]);
  });
});
