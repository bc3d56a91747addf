/**
 * A structural size estimate of a plain-data message: the bytes its
 * MessagePack encoding would take, computed without encoding it.
 *
 * Invariants:
 *   1. Deterministic: the same value has the same size on every run.
 *   2. Exact for what MessagePack encodes exactly (nil, booleans, integers,
 *      float64, UTF-8 strings, binary, arrays, maps with string keys); other
 *      values get a documented approximation (undefined counts as nil; object
 *      keys whose value is undefined are skipped, as msgpackr does).
 */
import { SimError } from './errors.js';
import { sizeDepthMax } from './limits.js';

/**
 * Bytes the MessagePack encoding of `value` would take.
 *
 * When to use: the default `sizeOf` of `SimNetwork`, so per-node byte counts
 * mean "bytes on the wire" for msgpack-framed protocols.
 * Details: integers take 1, 2, 3, 5 or 9 bytes by magnitude; non-integers 9
 * (float64); strings their UTF-8 length plus a 1–5 byte header; `Uint8Array`
 * its length plus a 2–5 byte header; arrays and objects a 1–5 byte header plus
 * their elements (object keys as strings). Maps and Sets count like arrays of
 * entries.
 * Gotchas: throws `invalid-argument` for values nested deeper than
 * `sizeDepthMax` (cycles), and for functions and symbols, which no wire carries.
 */
export function estimateSize(value: unknown): number {
  return sizeAt(value, 0);
}

function sizeAt(value: unknown, depth: number): number {
  if (depth > sizeDepthMax) throw new SimError('invalid-argument', `estimateSize: nesting deeper than ${sizeDepthMax} (a cycle?)`);
  switch (typeof value) {
    case 'undefined':
    case 'boolean':
      return 1;
    case 'number':
      return numberSize(value);
    case 'bigint':
      return 9;
    case 'string':
      return stringSize(value);
    case 'object':
      return value === null ? 1 : objectSize(value, depth);
    default:
      throw new SimError('invalid-argument', `estimateSize: a ${typeof value} has no wire form`);
  }
}

function numberSize(n: number): number {
  if (!Number.isInteger(n)) return 9;
  if (n >= -32 && n <= 127) return 1;
  if (n < 0) return n >= -0x80 ? 2 : n >= -0x8000 ? 3 : n >= -0x8000_0000 ? 5 : 9;
  return n <= 0xff ? 2 : n <= 0xffff ? 3 : n <= 0xffff_ffff ? 5 : 9;
}

function utf8Length(s: string): number {
  let bytes = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

function stringSize(s: string): number {
  const len = utf8Length(s);
  return len + (len < 32 ? 1 : len <= 0xff ? 2 : len <= 0xffff ? 3 : 5);
}

function containerHeader(count: number): number {
  return count < 16 ? 1 : count <= 0xffff ? 3 : 5;
}

function objectSize(value: object, depth: number): number {
  if (value instanceof Uint8Array) {
    const len = value.byteLength;
    return len + (len <= 0xff ? 2 : len <= 0xffff ? 3 : 5);
  }
  if (Array.isArray(value)) {
    let total = containerHeader(value.length);
    for (const item of value) total += sizeAt(item, depth + 1);
    return total;
  }
  if (value instanceof Map) return sizeAt([...value.entries()], depth);
  if (value instanceof Set) return sizeAt([...value], depth);
  let count = 0;
  let total = 0;
  const record = value as Record<string, unknown>;
  // for-in over own keys rather than Object.entries: no array per object on this hot path.
  for (const key in record) {
    if (!Object.prototype.hasOwnProperty.call(record, key)) continue;
    const item = record[key];
    if (item === undefined) continue;
    count++;
    total += stringSize(key) + sizeAt(item, depth + 1);
  }
  return total + containerHeader(count);
}
