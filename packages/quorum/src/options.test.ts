import { describe, expect, it } from 'vitest';
import { codeOf } from '../test/support/code-of.js';
import { checkDefaults, resolveRead, resolveWrite } from './options.js';

const defaults = checkDefaults({});


describe('request options', () => {
  it('cluster defaults are N=3, R=2, W=2, sloppy', () => {
    expect(defaults).toMatchObject({ n: 3, r: 2, w: 2, mode: 'sloppy' });
  });

  it('per-request overrides win over the defaults', () => {
    expect(resolveRead(defaults, { n: 5, r: 4, mode: 'strict', timeoutMs: 100 })).toEqual({ n: 5, r: 4, mode: 'strict', timeoutMs: 100 });
    expect(resolveWrite(defaults, { w: 3 })).toMatchObject({ n: 3, w: 3 });
  });

  it('an N override below the default R clamps R to N', () => {
    expect(resolveRead(defaults, { n: 1 })).toMatchObject({ n: 1, r: 1 });
  });

  it.each([
    ['r = 0', () => resolveRead(defaults, { r: 0 })],
    ['r > n', () => resolveRead(defaults, { n: 3, r: 4 })],
    ['w > n', () => resolveWrite(defaults, { n: 2, w: 3 })],
    ['w fractional', () => resolveWrite(defaults, { w: 1.5 })],
    ['n = 0', () => resolveWrite(defaults, { n: 0 })],
    ['n > nMax', () => resolveWrite(defaults, { n: 17, w: 1 })],
    ['a bad mode', () => resolveRead(defaults, { mode: 'eventual' as never })],
    ['a zero timeout', () => resolveRead(defaults, { timeoutMs: 0 })],
    ['an infinite timeout', () => resolveRead(defaults, { timeoutMs: Infinity })],
    ['bad defaults', () => checkDefaults({ n: 2, w: 3 })],
  ])('refuses %s with invalid-argument', (_name, fn) => {
    expect(codeOf(fn)).toBe('invalid-argument');
  });
});
