// The bytes shown in docs/format/wire.md are the bytes the codec writes and reads.
import { describe, expect, it } from 'vitest';
import { WireCodec } from '@ringkv/protocol';

const codec = new WireCodec();
const fromHex = (hex: string): Uint8Array => Uint8Array.from(hex.trim().split(/\s+/).map((b) => Number.parseInt(b, 16)));
const toHex = (bytes: Uint8Array): string => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');

// docs/format/wire.md, "Example: a get request, byte by byte".
const documentedGet = 'de 00 05 a1 76 01 a1 6b 00 a4 74 79 70 65 a3 67 65 74 a2 69 64 07 a3 6b 65 79 a7 75 73 65 72 3a 34 32';

describe('wire.md example', () => {
  it('encodes the documented get request byte for byte', () => {
    expect(toHex(codec.encode({ type: 'get', id: 7, key: 'user:42' }))).toBe(documentedGet);
  });

  it('decodes the same request written with a fixmap header, as the document promises', () => {
    const fixmap = fromHex(`85 ${documentedGet.slice('de 00 05 '.length)}`);
    expect(codec.decode(fixmap)).toEqual({ ok: true, message: { type: 'get', id: 7, key: 'user:42' } });
  });

  it('decodes a byte key written as bin', () => {
    const binKey = fromHex(`${documentedGet.slice(0, -'a7 75 73 65 72 3a 34 32'.length)} c4 07 75 73 65 72 3a 34 32`);
    const result = codec.decode(binKey);
    expect(result.ok && result.message.type === 'get' ? Array.from(result.message.key as Uint8Array) : result).toEqual(
      Array.from(new TextEncoder().encode('user:42')),
    );
  });

  it('encodes the documented get-ok reply', () => {
    const reply = codec.encode({ type: 'get-ok', id: 7, found: true, siblings: [{ value: Uint8Array.from([0x68, 0x69]) }], context: Uint8Array.from([1, 2, 3]) });
    expect(toHex(reply)).toBe(
      'de 00 07 a1 76 01 a1 6b 00 a4 74 79 70 65 a6 67 65 74 2d 6f 6b a2 69 64 07 a5 66 6f 75 6e 64 c3 ' +
        'a8 73 69 62 6c 69 6e 67 73 91 de 00 01 a5 76 61 6c 75 65 c4 02 68 69 a7 63 6f 6e 74 65 78 74 c4 03 01 02 03',
    );
  });
});
