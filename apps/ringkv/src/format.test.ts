import { describe, expect, it } from 'vitest';
import { contextBytes, contextText, getJson, getText, valueText } from './format.js';

const context = new Uint8Array([0, 1, 2, 250]);

describe('format', () => {
  it('prints a single value alone and (not found) for none', () => {
    expect(getText({ found: true, values: ['hi'], siblings: [{ tombstone: false, value: 'hi' }], context })).toBe('hi');
    expect(getText({ found: false, values: [], siblings: [{ tombstone: true }], context })).toBe('(not found)');
  });

  it('lists siblings with an index and the context to resolve them', () => {
    const text = getText({
      found: true,
      values: ['a', { n: 1 }],
      siblings: [
        { tombstone: false, value: 'a' },
        { tombstone: false, value: { n: 1 } },
      ],
      context,
    });
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/2 siblings/);
    expect(lines[1]).toBe('[0] a');
    expect(lines[2]).toBe('[1] {"n":1}');
    expect(lines[3]).toBe(`context: ${contextText(context)}`);
    expect(contextBytes(contextText(context))).toEqual(context);
  });

  it('shows bytes as hex and keeps tombstones in --json', () => {
    expect(valueText(new Uint8Array([0xab, 0x01]))).toBe('0xab01');
    const json = JSON.parse(getJson('k', { found: true, values: [new Uint8Array([1])], siblings: [{ tombstone: true }, { tombstone: false, value: new Uint8Array([1]) }], context }));
    expect(json.siblings).toEqual([{ tombstone: true }, { value: { $bytes: '01' } }]);
  });
});
