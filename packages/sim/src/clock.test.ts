import { describe, expect, it } from 'vitest';
import { SimClock } from './clock.js';
import { isSimError } from './errors.js';

describe('SimClock', () => {
  it('fires timers due at the same instant in the order they were set', () => {
    const clock = new SimClock();
    const fired: string[] = [];
    for (const name of ['c', 'a', 'b', 'e', 'd']) clock.setTimer(10, () => fired.push(name));
    clock.advance(10);
    expect(fired).toEqual(['c', 'a', 'b', 'e', 'd']);
  });

  it('fires timers in due-time order regardless of the order they were set', () => {
    const clock = new SimClock();
    const fired: number[] = [];
    for (const delay of [50, 10, 40, 20, 30]) clock.setTimer(delay, () => fired.push(clock.now()));
    clock.runUntilIdle();
    expect(fired).toEqual([10, 20, 30, 40, 50]);
  });

  it('advance ends exactly at the requested time and leaves later timers pending', () => {
    const clock = new SimClock(100);
    let fired = 0;
    clock.setTimer(5, () => fired++);
    clock.setTimer(50, () => fired++);
    expect(clock.advance(20)).toBe(1);
    expect(clock.now()).toBe(120);
    expect(fired).toBe(1);
    expect(clock.pendingTimers()).toBe(1);
  });

  it('never fires a cleared timer, and clearing twice or an unknown handle is a no-op', () => {
    const clock = new SimClock();
    let fired = 0;
    const h = clock.setTimer(5, () => fired++);
    clock.clearTimer(h);
    clock.clearTimer(h);
    clock.clearTimer(12345);
    clock.clearTimer('not a handle');
    clock.advance(10);
    expect(fired).toBe(0);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('runs a zero-delay timer set inside a callback after that callback, not inside it', () => {
    const clock = new SimClock();
    const log: string[] = [];
    clock.setTimer(1, () => {
      clock.setTimer(0, () => log.push('inner'));
      log.push('outer-end');
    });
    clock.setTimer(1, () => log.push('sibling'));
    clock.runUntilIdle();
    expect(log).toEqual(['outer-end', 'sibling', 'inner']);
  });

  it('runUntilIdle jumps time to each next timer', () => {
    const clock = new SimClock();
    clock.setTimer(1_000_000, () => undefined);
    expect(clock.runUntilIdle()).toBe(1);
    expect(clock.now()).toBe(1_000_000);
  });

  it('runUntil a predicate stops as soon as it holds and reports idleness otherwise', () => {
    const clock = new SimClock();
    let n = 0;
    const tick = (): void => {
      n++;
      if (n < 100) clock.setTimer(10, tick);
    };
    clock.setTimer(10, tick);
    expect(clock.runUntil(() => n >= 7)).toBe(true);
    expect(clock.now()).toBe(70);
    expect(clock.runUntil(() => n >= 1000)).toBe(false);
    expect(n).toBe(100);
  });

  it('runUntil a time fires what is due and moves time there', () => {
    const clock = new SimClock();
    let fired = 0;
    clock.setTimer(30, () => fired++);
    expect(clock.runUntil(25)).toBe(true);
    expect(fired).toBe(0);
    clock.runUntil(30);
    expect(fired).toBe(1);
    expect(clock.now()).toBe(30);
  });

  it('runUntilIdle on a world that never idles stops at its step bound with step-limit', () => {
    const clock = new SimClock();
    const tick = (): void => void clock.setTimer(1, tick);
    clock.setTimer(1, tick);
    let caught: unknown;
    try {
      clock.runUntilIdle(500);
    } catch (error) {
      caught = error;
    }
    expect(isSimError(caught) && caught.code).toBe('step-limit');
    expect(clock.now()).toBe(500);
  });

  it('rejects negative and non-finite delays as invalid-argument', () => {
    const clock = new SimClock();
    for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
      let caught: unknown;
      try {
        clock.setTimer(bad, () => undefined);
      } catch (error) {
        caught = error;
      }
      expect(isSimError(caught) && caught.code).toBe('invalid-argument');
    }
  });

  it('tells listeners about every firing with its label and time', () => {
    const clock = new SimClock();
    const seen: string[] = [];
    const off = clock.onFire((label, at) => seen.push(`${label}@${at}`));
    clock.setTimer(3, () => undefined, 'x');
    clock.setTimer(4, () => undefined);
    clock.advance(3);
    off();
    clock.advance(3);
    expect(seen).toEqual(['x@3']);
  });
});
