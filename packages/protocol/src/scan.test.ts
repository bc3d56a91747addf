import fc from 'fast-check';
import { Packr } from 'msgpackr';
import { seedNote, testSeed } from '@ringkv/sim';
import { describe, expect, it } from 'vitest';
import { StructureScanner, type ScanLimits } from './scan.js';

const open: ScanLimits = { depthMax: 64, containerLengthMax: 2 ** 32, containersMax: 2 ** 32, stringKeysOnly: false, allowTimestamp: true };
const scanner = new StructureScanner(open);
const packr = new Packr({ useRecords: false, variableMapSize: true });
const seed = testSeed(0x5ca9);

function scan(bytes: number[] | Uint8Array, limits: Partial<ScanLimits> = {}) {
  const s = Object.keys(limits).length === 0 ? scanner : new StructureScanner({ ...open, ...limits });
  return s.scan(Uint8Array.from(bytes));
}

const plainValue = fc.jsonValue({ maxDepth: 6 }).map((v) => v as unknown);

describe('StructureScanner', () => {
  it('accepts every value msgpackr encodes without extensions', () => {
    const extra = fc.oneof(fc.uint8Array({ maxLength: 300 }), fc.string({ minLength: 30, maxLength: 70000 }), fc.double(), fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }));
    fc.assert(
      fc.property(fc.oneof(plainValue, extra, fc.array(extra, { maxLength: 70 })), (value) => {
        expect(scanner.scan(packr.pack(value)), seedNote(seed)).toBeUndefined();
      }),
      { seed, numRuns: 300 },
    );
  });

  it('refuses every strict prefix of a valid value as malformed', () => {
    fc.assert(
      fc.property(plainValue, (value) => {
        const bytes = packr.pack(value);
        for (let end = 0; end < bytes.length; end++) {
          expect(scanner.scan(bytes, 0, end)?.kind, `${seedNote(seed)} prefix ${end}/${bytes.length}`).toBe('malformed');
        }
      }),
      { seed, numRuns: 100 },
    );
  });

  it('refuses trailing bytes after the value', () => {
    expect(scan([0x01, 0x02])).toMatchObject({ kind: 'malformed', offset: 1 });
    expect(scan([0x90, 0xc0])).toMatchObject({ kind: 'malformed' });
  });

  it('refuses the reserved byte 0xc1', () => {
    expect(scan([0xc1])).toMatchObject({ kind: 'malformed', detail: 'reserved byte 0xc1' });
  });

  it.each([
    ['array32', [0xdd, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0]],
    ['map32', [0xdf, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0]],
    ['array16', [0xdc, 0xff, 0xff, 0x01]],
    ['str32', [0xdb, 0xff, 0xff, 0xff, 0xff, 0x61, 0x61]],
    ['bin32', [0xc6, 0xff, 0xff, 0xff, 0xff, 0x00]],
    ['str8', [0xd9, 0x20, 0x61]],
    ['ext32', [0xc9, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]],
  ])('refuses a %s declaring more than the frame holds, without allocating for it', (_name, bytes) => {
    // Checked against the tightest limits too: the lie is reported as such, before any limit.
    expect(scan(bytes)?.kind).toMatch(/malformed|invalid/);
    expect(scan(bytes, { containerLengthMax: 4 })?.kind).toMatch(/malformed|invalid/);
  });

  it('counts a map entry as two slots, so a map declaring n entries needs 2n bytes', () => {
    // fixmap of 2 entries needs 4 one-byte items; 3 bytes are refused before reading them.
    expect(scan([0x82, 0x01, 0x02, 0x03])).toMatchObject({ kind: 'malformed', offset: 0 });
    expect(scan([0x82, 0x01, 0x02, 0x03, 0x04])).toBeUndefined();
  });

  it('bounds nesting depth exactly at depthMax', () => {
    const nested = (depth: number) => [...Array<number>(depth).fill(0x91), 0x01];
    expect(scan(nested(8), { depthMax: 8 })).toBeUndefined();
    expect(scan(nested(9), { depthMax: 8 })).toMatchObject({ kind: 'limit', offset: 8 });
  });

  it('refuses 10,000 levels of nesting without recursion', () => {
    const deep = new Uint8Array(10_001).fill(0x91);
    deep[10_000] = 0xc0;
    expect(scanner.scan(deep)).toMatchObject({ kind: 'limit' });
    const deepMaps = new Uint8Array(20_001);
    for (let i = 0; i < 10_000; i++) deepMaps.set([0x81, 0xa0], i * 2);
    expect(scanner.scan(deepMaps)).toMatchObject({ kind: 'limit' });
  });

  it('bounds one container length and the number of containers', () => {
    expect(scan([0x93, 1, 2, 3], { containerLengthMax: 3 })).toBeUndefined();
    expect(scan([0x94, 1, 2, 3, 4], { containerLengthMax: 3 })).toMatchObject({ kind: 'limit' });
    expect(scan([0x92, 0x90, 0x90], { containersMax: 3 })).toBeUndefined();
    expect(scan([0x93, 0x90, 0x90, 0x90], { containersMax: 3 })).toMatchObject({ kind: 'limit', offset: 3 });
  });

  it('refuses non-string map keys when stringKeysOnly is set, and only then', () => {
    const intKey = [0x81, 0x01, 0x02];
    expect(scan(intKey)).toBeUndefined();
    expect(scan(intKey, { stringKeysOnly: true })).toMatchObject({ kind: 'invalid', offset: 1 });
    expect(scan([0x81, 0xa1, 0x61, 0x02], { stringKeysOnly: true })).toBeUndefined();
    // The value position of a map entry may be anything.
    expect(scan([0x81, 0xa1, 0x61, 0x81, 0xa1, 0x62, 0x90], { stringKeysOnly: true })).toBeUndefined();
  });

  it('allows only the timestamp extension, and only when asked', () => {
    const timestamp = [0xd6, 0xff, 0, 0, 0, 1];
    expect(scan(timestamp)).toBeUndefined();
    expect(scan(timestamp, { allowTimestamp: false })).toMatchObject({ kind: 'invalid' });
    expect(scan([0xc7, 12, 0xff, ...Array<number>(12).fill(0)])).toBeUndefined();
    expect(scan([0xd5, 0xff, 0, 0])).toMatchObject({ kind: 'invalid' }); // timestamps are 4, 8 or 12 bytes
    for (const type of [0x00, 0x42, 0x65, 0x69, 0x70, 0x72, 0x73, 0x74, 0x78, 0x62]) {
      expect(scan([0xd4, type, 0]), `type ${type}`).toMatchObject({ kind: 'invalid' });
    }
  });

  it('never throws on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const issue = scanner.scan(bytes);
        expect(issue === undefined || ['malformed', 'limit', 'invalid'].includes(issue.kind), seedNote(seed)).toBe(true);
      }),
      { seed, numRuns: 2000 },
    );
  });
});
