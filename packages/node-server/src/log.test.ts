import { describe, expect, it } from 'vitest';
import { LogThrottle } from './log.js';

describe('LogThrottle', () => {
  it('writes at most linesMax lines per window and reports the dropped count on the next written line', () => {
    let now = 0;
    const throttle = new LogThrottle(3, 1_000, () => now);
    const written: number[] = [];
    for (let i = 0; i < 10; i++) throttle.run((suppressed) => written.push(suppressed));
    expect(written).toEqual([0, 0, 0]);
    now = 999;
    throttle.run((suppressed) => written.push(suppressed));
    expect(written).toHaveLength(3);
    now = 1_000;
    throttle.run((suppressed) => written.push(suppressed));
    expect(written).toEqual([0, 0, 0, 8]);
  });
});
