/**
 * The compressed-or-plain wrapper of node-server's peer chunks (the
 * anti-entropy and streaming `entries`, the relay `entries`;
 * docs/format/wire.md): one format byte (0 plain, 1 lz4), for lz4 the u32 BE
 * uncompressed length and lz4-napi's block (with its own u32 LE size prefix),
 * else the body itself.
 *
 * Invariants:
 *   1. A body of `compressBytesMin` bytes or more is compressed only when
 *      that makes it smaller.
 *   2. Nothing is allocated for a compressed chunk before its sizes agree:
 *      the declared length, lz4-napi's own prefix (what `uncompressSync`
 *      allocates) and the most the compressed bytes can expand to
 *      (`lz4ExpansionMax`) must all allow it, and it must be at most the
 *      caller's `bytesMax`. A peer must send at least 1/255 of what it makes
 *      this node decompress.
 */
import { compressSync, uncompressSync } from 'lz4-napi';
import { protocolError } from '@ringkv/protocol';
import { lz4ExpansionMax } from './anti-entropy/limits.js';

/** `body` in the chunk format (module comment); a new buffer the caller owns. */
export function wrapChunk(body: Uint8Array, compressBytesMin: number): Uint8Array {
  if (body.length >= compressBytesMin) {
    const packed = compressSync(Buffer.from(body.buffer, body.byteOffset, body.length));
    if (packed.length + 5 < body.length) {
      const out = new Uint8Array(5 + packed.length);
      out[0] = 1;
      new DataView(out.buffer).setUint32(1, body.length);
      out.set(packed, 5);
      return out;
    }
  }
  const out = new Uint8Array(1 + body.length);
  out.set(body, 1);
  return out;
}

/**
 * The body of chunk `bytes` (a view into it when plain), at most `bytesMax`
 * bytes. Throws ProtocolError: `invalid-message` (named `what` in the
 * message) for a bad format, `limit-exceeded` past `bytesMax`.
 */
export function unwrapChunk(bytes: Uint8Array, bytesMax: number, what: string): Uint8Array {
  if (bytes.length === 0) throw protocolError('invalid-message', `empty ${what}`);
  if (bytes[0] === 0) return bytes.subarray(1);
  if (bytes[0] !== 1 || bytes.length < 9) throw protocolError('invalid-message', `unknown ${what} format ${bytes[0]}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const length = view.getUint32(1);
  if (length > bytesMax) throw protocolError('limit-exceeded', `${what}: a chunk of ${length} bytes exceeds ${bytesMax}`);
  const packed = Buffer.from(bytes.buffer, bytes.byteOffset + 5, bytes.length - 5);
  checkLz4Size(packed, length, what);
  let out: Buffer;
  try {
    out = uncompressSync(packed);
  } catch (error) {
    throw protocolError('invalid-message', `${what} do not decompress`, { cause: error });
  }
  if (out.length !== length) throw protocolError('invalid-message', `${what} decompress to ${out.length} bytes, not ${length}`);
  return out;
}

/** Invariant 2; throws ProtocolError('invalid-message'); allocates nothing. */
function checkLz4Size(packed: Uint8Array, declared: number, what: string): void {
  const prefixed = new DataView(packed.buffer, packed.byteOffset, packed.length).getUint32(0, true);
  if (prefixed !== declared) throw protocolError('invalid-message', `${what}: the lz4 body claims ${prefixed} bytes, the chunk ${declared}`);
  if (declared > (packed.length - 4) * lz4ExpansionMax) {
    throw protocolError('invalid-message', `${what}: ${packed.length - 4} lz4 bytes cannot expand to ${declared}`);
  }
}
