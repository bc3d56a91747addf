/**
 * Field readers for validation: each checks one field of an untrusted map and
 * returns it typed, or throws a `ProtocolError` that the codec turns into a
 * `DecodeResult` (never out of the package).
 *
 * Invariants:
 *   1. Fields are read as own properties only, so `constructor`, `toString`
 *      or a renamed `__proto__` in a frame can never stand in for a field.
 *   2. A reader never returns a value of the wrong type; optional readers
 *      return `undefined` only when the field is absent (or nil).
 */

import { protocolError, type ProtocolErrorCode } from './errors.js';
import { isWellFormedUtf16, utf8ByteLength } from './utf8.js';

/** A decoded MessagePack map (msgpackr with `mapsAsObjects`). */
export type WireMap = Readonly<Record<string, unknown>>;

/** Context for error messages: the request id once known. */
export interface FieldContext {
  requestId: number | undefined;
  /** Path prefix for messages, such as `ops[3].`. */
  path: string;
}

/** Throws `invalid-message` (or `code`) for `field`. */
export function fail(ctx: FieldContext, field: string, detail: string, code: ProtocolErrorCode = 'invalid-message'): never {
  throw protocolError(code, `${ctx.path}${field} ${detail}`, { requestId: ctx.requestId });
}

/** True for a plain decoded map (not an array, bytes, date or anything with another prototype). */
export function isWireMap(value: unknown): value is WireMap {
  if (typeof value !== 'object' || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** The own property `field` of `map`, or `undefined`. */
export function own(map: WireMap, field: string): unknown {
  const value = map[field];
  // One lookup in the common cases (absent, or own); the ownership check only guards a present value.
  return value === undefined || hasOwnProperty.call(map, field) ? value : undefined;
}

const hasOwnProperty = Object.prototype.hasOwnProperty;

/** A required nested map. */
export function readMap(ctx: FieldContext, map: WireMap, field: string): WireMap {
  const value = own(map, field);
  if (!isWireMap(value)) fail(ctx, field, 'must be a map');
  return value;
}

/** An optional nested map; nil counts as absent. */
export function readOptionalMap(ctx: FieldContext, map: WireMap, field: string): WireMap | undefined {
  const value = own(map, field);
  if (value === undefined || value === null) return undefined;
  if (!isWireMap(value)) fail(ctx, field, 'must be a map');
  return value;
}

/** A required array of at most `lengthMax` elements (the elements are checked by the caller). */
export function readArray(ctx: FieldContext, map: WireMap, field: string, lengthMax: number): readonly unknown[] {
  const value = own(map, field);
  if (!Array.isArray(value)) fail(ctx, field, 'must be an array');
  if (value.length > lengthMax) fail(ctx, field, `has ${value.length} elements, more than ${lengthMax}`);
  return value;
}

/** A required boolean. */
export function readBoolean(ctx: FieldContext, map: WireMap, field: string): boolean {
  const value = own(map, field);
  if (typeof value !== 'boolean') fail(ctx, field, 'must be a boolean');
  return value;
}

/** An optional boolean; nil counts as absent. */
export function readOptionalBoolean(ctx: FieldContext, map: WireMap, field: string): boolean | undefined {
  const value = own(map, field);
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') fail(ctx, field, 'must be a boolean');
  return value;
}

/** An integer in [min, max]; rejects floats, NaN, infinities and bigints. */
export function readInteger(ctx: FieldContext, map: WireMap, field: string, min: number, max: number): number {
  const value = own(map, field);
  if (typeof value !== 'number' || !Number.isInteger(value)) fail(ctx, field, 'must be an integer');
  if (value < min || value > max) fail(ctx, field, `must be in [${min}, ${max}], got ${value}`);
  return value;
}

/** An optional integer in [min, max]; nil counts as absent. */
export function readOptionalInteger(
  ctx: FieldContext,
  map: WireMap,
  field: string,
  min: number,
  max: number,
): number | undefined {
  const value = own(map, field);
  if (value === undefined || value === null) return undefined;
  return readInteger(ctx, map, field, min, max);
}

/** A string of at most `bytesMax` UTF-8 bytes. */
export function readString(ctx: FieldContext, map: WireMap, field: string, bytesMax: number): string {
  const value = own(map, field);
  if (typeof value !== 'string') fail(ctx, field, 'must be a string');
  // A JS string never has more UTF-8 bytes than 3 × its length: skip the count when it cannot matter.
  if (value.length * 3 > bytesMax && utf8ByteLength(value) > bytesMax) {
    fail(ctx, field, `is longer than ${bytesMax} bytes`);
  }
  return value;
}

/** An optional string of at most `bytesMax` UTF-8 bytes; nil counts as absent. */
export function readOptionalString(ctx: FieldContext, map: WireMap, field: string, bytesMax: number): string | undefined {
  const value = own(map, field);
  if (value === undefined || value === null) return undefined;
  return readString(ctx, map, field, bytesMax);
}

/** Bytes of at most `bytesMax`; `code` is the error for a too-long field. */
export function readBytes(
  ctx: FieldContext,
  map: WireMap,
  field: string,
  bytesMax: number,
  code: ProtocolErrorCode = 'invalid-message',
): Uint8Array {
  const value = own(map, field);
  if (!(value instanceof Uint8Array)) fail(ctx, field, 'must be bytes');
  if (value.byteLength > bytesMax) fail(ctx, field, `is ${value.byteLength} bytes, more than ${bytesMax}`, code);
  return value;
}

/** Optional bytes of at most `bytesMax`; nil counts as absent. */
export function readOptionalBytes(
  ctx: FieldContext,
  map: WireMap,
  field: string,
  bytesMax: number,
  code: ProtocolErrorCode = 'invalid-message',
): Uint8Array | undefined {
  const value = own(map, field);
  if (value === undefined || value === null) return undefined;
  return readBytes(ctx, map, field, bytesMax, code);
}

/** A key: a non-empty, well-formed string of ≤ `bytesMax` UTF-8 bytes or 1…`bytesMax` bytes; longer is `key-too-large`, empty or a lone surrogate `invalid-message`. */
export function readKey(ctx: FieldContext, map: WireMap, bytesMax: number): string | Uint8Array {
  const value = own(map, 'key');
  if (value instanceof Uint8Array) {
    const bytes = readBytes(ctx, map, 'key', bytesMax, 'key-too-large');
    if (bytes.byteLength === 0) fail(ctx, 'key', 'must not be empty');
    return bytes;
  }
  if (typeof value !== 'string') fail(ctx, 'key', 'must be a string or bytes');
  if (value.length === 0) fail(ctx, 'key', 'must not be empty');
  if (value.length * 3 > bytesMax && utf8ByteLength(value) > bytesMax) {
    fail(ctx, 'key', `is longer than ${bytesMax} bytes`, 'key-too-large');
  }
  // A lone surrogate would be sent as U+FFFD: two different keys would name one stored key.
  if (!isWellFormedUtf16(value)) fail(ctx, 'key', 'holds a lone surrogate (not well-formed Unicode)');
  return value;
}
