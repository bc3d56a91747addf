/** The set checker: lost, never-attempted and failed-but-present elements are anomalies; indeterminate ones are not. */
import { describe, expect, it } from 'vitest';
import { checkSets, type AddRecord, type FinalRead } from '../src/index.js';

const read = (...elements: string[]): FinalRead => ({ ok: true, elements: new Set(elements), siblings: 1 });
const adds: AddRecord[] = [
  { key: 'k1', element: 'c0-0', outcome: 'ok' },
  { key: 'k1', element: 'c1-0', outcome: 'ok' },
  { key: 'k2', element: 'c0-1', outcome: 'info', code: 'timeout' },
  { key: 'k2', element: 'c1-1', outcome: 'info', code: 'connection-closed' },
  { key: 'k2', element: 'c0-2', outcome: 'fail', code: 'unavailable' },
];

describe('checkSets', () => {
  it('accepts a history whose acknowledged elements all survived, and indeterminate ones either way', () => {
    const r = checkSets(adds, new Map([['k1', read('c0-0', 'c1-0')], ['k2', read('c0-1')]]));
    expect(r.valid).toBe(true);
    expect([r.adds, r.ok, r.failed, r.indeterminate]).toEqual([5, 2, 1, 2]);
    expect([r.indeterminatePresent, r.indeterminateAbsent]).toEqual([1, 1]);
  });

  it('reports an acknowledged element missing from the final set as lost', () => {
    const r = checkSets(adds, new Map([['k1', read('c0-0')], ['k2', read()]]));
    expect(r.valid).toBe(false);
    expect(r.lost).toEqual([{ key: 'k1', element: 'c1-0' }]);
  });

  it('reports an element nobody added to that key as never attempted', () => {
    const r = checkSets(adds, new Map([['k1', read('c0-0', 'c1-0', 'c0-1')], ['k2', read()]]));
    expect(r.valid).toBe(false);
    expect(r.neverAttempted).toEqual([{ key: 'k1', element: 'c0-1' }]);
  });

  it('reports a definitely failed element that shows up anyway', () => {
    const r = checkSets(adds, new Map([['k1', read('c0-0', 'c1-0')], ['k2', read('c0-2')]]));
    expect(r.valid).toBe(false);
    expect(r.failedPresent).toEqual([{ key: 'k2', element: 'c0-2' }]);
  });

  it('counts a key it could not read, or did not read, as unread', () => {
    const r = checkSets(adds, new Map<string, FinalRead>([['k1', { ok: false, error: 'timeout' }]]));
    expect(r.valid).toBe(false);
    expect(r.unread).toEqual([{ key: 'k1', error: 'timeout' }, { key: 'k2', error: 'not read' }]);
  });

  it('reports the most siblings a final read returned', () => {
    const r = checkSets([], new Map<string, FinalRead>([['k1', { ok: true, elements: new Set(), siblings: 3 }], ['k2', read()]]));
    expect(r.siblingsMax).toBe(3);
  });
});
