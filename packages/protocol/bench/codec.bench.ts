// Encode+decode of get/put requests and replies with 100-byte values: WireCodec (plain maps,
// scan and validation) against raw msgpackr with plain maps, records and shared structures.
// Run: pnpm --filter @ringkv/protocol bench
import { Packr, Unpackr } from 'msgpackr';
import { Rng } from '@ringkv/sim';
import { afterAll, bench, describe } from 'vitest';
import { StructureScanner, WireCodec, type Message } from '@ringkv/protocol';

const rng = new Rng(42);
const value = rng.bytes(100);
const context = rng.bytes(24);
const codec = new WireCodec();

const messages: Record<string, Message> = {
  'get request': { type: 'get', id: 123_456, key: 'user:00001234', options: { r: 2 } },
  'put request': { type: 'put', id: 123_457, key: 'user:00001234', value, context, options: { w: 2 } },
  'get reply': { type: 'get-ok', id: 123_456, found: true, siblings: [{ value }], context },
  'put reply': { type: 'put-ok', id: 123_457, context },
};
const envelope = (m: Message): Record<string, unknown> => ({ v: 1, k: 0, ...m });

const maps = { packr: new Packr({ useRecords: false }), unpackr: new Unpackr({ useRecords: false, mapsAsObjects: true }) };
// Records with no shared state: each frame carries its own record definitions.
const records = { packr: new Packr({ useRecords: true }), unpackr: new Unpackr({ useRecords: true }) };
// Shared structures: encoder and decoder hold the same structures array, as two sides would if both
// were built with the same predefined list. Across a real socket this needs an agreed, versioned list.
const structures: object[] = [];
const shared = {
  packr: new Packr({ structures, maxSharedStructures: 32 }),
  unpackr: new Unpackr({ structures, maxSharedStructures: 32 }),
};
const scanner = new StructureScanner({ depthMax: 8, containerLengthMax: 4096, containersMax: 20_000, stringKeysOnly: true, allowTimestamp: false });

const sizes: string[] = [];
for (const [name, message] of Object.entries(messages)) {
  const mapsBytes = maps.packr.pack(envelope(message)).length;
  const recordBytes = records.packr.pack(envelope(message)).length;
  const sharedBytes = shared.packr.pack(envelope(message)).length;
  sizes.push(`${name.padEnd(12)} maps ${mapsBytes} B, records ${recordBytes} B, shared structures ${sharedBytes} B`);
}

for (const [name, message] of Object.entries(messages)) {
  const frame = codec.encode(message);
  const wire = envelope(message);
  const mapsFrame = maps.packr.pack(wire);
  describe(`${name}: encode + decode`, () => {
    bench('WireCodec (maps + scan + validate)', () => {
      const result = codec.decode(codec.encode(message));
      if (!result.ok) throw result.error;
    });
    bench('msgpackr maps, no checks', () => {
      maps.unpackr.unpack(maps.packr.pack(wire));
    });
    bench('msgpackr records (per-frame definitions)', () => {
      records.unpackr.unpack(records.packr.pack(wire));
    });
    bench('msgpackr shared structures', () => {
      shared.unpackr.unpack(shared.packr.pack(wire));
    });
  });
  describe(`${name}: cost of the checks alone`, () => {
    bench('WireCodec.decode', () => {
      codec.decode(frame);
    });
    bench('msgpackr unpack only', () => {
      maps.unpackr.unpack(mapsFrame);
    });
    bench('structure scan only', () => {
      scanner.scan(mapsFrame);
    });
  });
}

afterAll(() => {
  console.log(`\nFrame sizes (envelope included):\n  ${sizes.join('\n  ')}`);
});
