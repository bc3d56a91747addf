import { describe, expect, it } from 'vitest';
import { barText, bytesText, contextBytes, contextText, countText, getJson, getText, percentText, table, valueText } from './format.js';

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

describe('figures', () => {
  it('prints counts with separators, bytes in decimal units, shares as percentages', () => {
    expect([countText(0), countText(12345), countText(1234567.4)]).toEqual(['0', '12,345', '1,234,567']);
    expect([bytesText(999), bytesText(1000), bytesText(3_200_000), bytesText(999_960), bytesText(2.5e12)]).toEqual(['999 B', '1.0 kB', '3.2 MB', '1.0 MB', '2.5 TB']);
    expect(percentText(0.2514)).toBe('25.1%');
  });

  it('draws bars clamped to their width, full when there is nothing to do', () => {
    expect(barText(1, 4)).toBe(`[#####${'-'.repeat(15)}]`);
    expect(barText(9, 4, 4)).toBe('[####]');
    expect(barText(0, 0, 3)).toBe('[###]');
  });

  it('pads table columns, numbers to the right', () => {
    expect(table(['A', 'N'], [['xyz', '1'], ['b', '1,000']], [false, true])).toEqual(['A        N', 'xyz      1', 'b    1,000']);
  });
});
