/**
 * The client's common request frames (a get, put or delete without
 * options, alone or as a `batch`) written as MessagePack straight into a
 * reused slab, without the intermediate objects of `WireCodec.encode`
 * (its validated copy of the message, the envelope spread, the generic
 * packer's key walk). Issue 12: encoding was a tenth of the SDK's CPU.
 *
 * The frame is the one `WireCodec.encode` would send, field for field
 * (tested by decoding both with the node's codec); anything else (a `ring`
 * request, request options, a value or context over its bound, a frame
 * over `frameBytesMax`) is declined and the caller falls back to
 * `WireCodec.encode`, which checks it and throws the typed error.
 *
 * Concurrency: single-threaded; one encoder per dispatcher.
 * Invariants:
 *   1. A returned frame is a view of the slab that is never written again
 *      (later frames go after it; a full slab is replaced, not reused), so
 *      a transport may keep it until it is sent, as with `WireCodec.encode`.
 *   2. `encode` declines (returns undefined) rather than send a frame the
 *      node's codec would refuse: keys were checked by the dispatcher
 *      (non-empty, well-formed, within `keyBytesMax`); values, contexts and
 *      the frame size are checked here against the codec's limits.
 *   3. Writes never pass the slab's end: room for the worst case of the
 *      frame (3 UTF-8 bytes per key code unit) is ensured before writing.
 */

import { FRAME_VERSION, MessageKind, type BatchOp, type ProtocolLimits } from '@ringkv/protocol';
import { requestSlabBytes } from './limits.js';

const encoder = new TextEncoder();

/** Field names and constant strings as MessagePack fixstr bytes, made once. */
function fixstr(s: string): Uint8Array {
  const bytes = encoder.encode(s);
  const out = new Uint8Array(bytes.length + 1);
  out[0] = 0xa0 | bytes.length;
  out.set(bytes, 1);
  return out;
}

const names = {
  v: fixstr('v'),
  k: fixstr('k'),
  type: fixstr('type'),
  id: fixstr('id'),
  key: fixstr('key'),
  value: fixstr('value'),
  valueEncoding: fixstr('valueEncoding'),
  context: fixstr('context'),
  ops: fixstr('ops'),
  msgpack: fixstr('msgpack'),
  batch: fixstr('batch'),
  get: fixstr('get'),
  put: fixstr('put'),
  delete: fixstr('delete'),
};

/** Envelope, field names and headers of one op beyond its key, value and context bytes: a generous bound. */
const opOverheadBytesMax = 64;
/** The frame's envelope (`v`, `k`, `type`, `id`, `ops` header) beyond its ops. */
const envelopeBytesMax = 48;

/**
 * Encodes a request's ops into one frame.
 *
 * When to use: by the dispatcher for every frame; it falls back to
 * `WireCodec.encode` when `encode` returns undefined.
 */
export class RequestFrameEncoder {
  private slab: Uint8Array;
  private pos = 0;

  constructor(private readonly limits: ProtocolLimits) {
    this.slab = new Uint8Array(requestSlabBytes);
  }

  /**
   * The frame of request `id` holding `ops`: the single op itself when
   * `batch` is false (then `ops` has one op), else a `batch` of them. Returns
   * undefined when this encoder does not take the request (invariant 2).
   * The returned bytes must not be written to (invariant 1).
   */
  encode(id: number, ops: readonly BatchOp[], batch: boolean): Uint8Array | undefined {
    let bound = envelopeBytesMax;
    for (let i = 0; i < ops.length; i++) {
      const op = ops[i] as BatchOp;
      if ((op.type !== 'get' && op.type !== 'put' && op.type !== 'delete') || hasRequestOnlyFields(op)) return undefined;
      const key = op.key;
      bound += opOverheadBytesMax + (typeof key === 'string' ? key.length * 3 : key.byteLength);
      if (op.type === 'put') {
        if (!(op.value instanceof Uint8Array) || op.value.byteLength > this.limits.valueBytesMax) return undefined;
        bound += op.value.byteLength;
      }
      if (op.type !== 'get' && op.context !== undefined) {
        if (!(op.context instanceof Uint8Array) || op.context.byteLength > this.limits.contextBytesMax) return undefined;
        bound += op.context.byteLength;
      }
    }
    if (batch ? ops.length === 0 || ops.length > this.limits.batchOpsMax : ops.length !== 1) return undefined;
    this.reserve(bound);
    const start = this.pos;
    if (batch) {
      this.byte(0x85); // v, k, type, id, ops
      this.header();
      this.bytes(names.batch);
      this.bytes(names.id);
      this.uint(id);
      this.bytes(names.ops);
      this.arrayHeader(ops.length);
      for (let i = 0; i < ops.length; i++) this.op(ops[i] as BatchOp, 0);
    } else {
      const op = ops[0] as BatchOp;
      this.op(op, 3); // v, k, id beside the op's own fields
      this.bytes(names.id);
      this.uint(id);
    }
    if (this.pos - start > this.limits.frameBytesMax) {
      this.pos = start;
      return undefined;
    }
    return this.slab.subarray(start, this.pos);
  }

  /** Makes room for `bytes` more: a new slab when this one is short (the old one stays with the frames that view it). */
  private reserve(bytes: number): void {
    if (this.pos + bytes <= this.slab.byteLength) return;
    this.slab = new Uint8Array(Math.max(requestSlabBytes, bytes));
    this.pos = 0;
  }

  /** `v` and `k` of the envelope, then `type` (its value follows). */
  private header(): void {
    this.bytes(names.v);
    this.uint(FRAME_VERSION);
    this.bytes(names.k);
    this.uint(MessageKind.client);
    this.bytes(names.type);
  }

  /** One op as a map of its fields, with `extra` more fields the caller writes after it. */
  private op(op: BatchOp, extra: number): void {
    const isPut = op.type === 'put';
    const msgpack = isPut && op.valueEncoding === 'msgpack';
    const context = op.type === 'get' ? undefined : op.context;
    const fields = 2 + (isPut ? 1 : 0) + (msgpack ? 1 : 0) + (context === undefined ? 0 : 1) + extra;
    this.byte(0x80 | fields);
    if (extra > 0) {
      // The single-request layout: the envelope's `type` is the op's, written by `header`.
      this.header();
    } else {
      this.bytes(names.type);
    }
    this.bytes(op.type === 'get' ? names.get : op.type === 'put' ? names.put : names.delete);
    this.bytes(names.key);
    const key = op.key;
    if (typeof key === 'string') this.str(key);
    else this.bin(key);
    if (isPut) {
      this.bytes(names.value);
      this.bin(op.value);
      if (msgpack) {
        this.bytes(names.valueEncoding);
        this.bytes(names.msgpack);
      }
    }
    if (context !== undefined) {
      this.bytes(names.context);
      this.bin(context);
    }
  }

  private byte(b: number): void {
    this.slab[this.pos++] = b;
  }

  private bytes(b: Uint8Array): void {
    const n = b.byteLength;
    if (n > 16) this.slab.set(b, this.pos);
    // A field name: a loop beats `set`'s fixed cost for a few bytes.
    else for (let i = 0; i < n; i++) this.slab[this.pos + i] = b[i] as number;
    this.pos += n;
  }

  private uint(n: number): void {
    const s = this.slab;
    if (n < 0x80) s[this.pos++] = n;
    else if (n < 0x100) {
      s[this.pos++] = 0xcc;
      s[this.pos++] = n;
    } else if (n < 0x10000) {
      s[this.pos++] = 0xcd;
      s[this.pos++] = n >>> 8;
      s[this.pos++] = n & 0xff;
    } else {
      s[this.pos++] = 0xce;
      s[this.pos++] = n >>> 24;
      s[this.pos++] = (n >>> 16) & 0xff;
      s[this.pos++] = (n >>> 8) & 0xff;
      s[this.pos++] = n & 0xff;
    }
  }

  /** A big-endian length of 2 or 4 bytes after its type byte. */
  private length(type: number, n: number): void {
    const s = this.slab;
    s[this.pos++] = type;
    if (type === 0xc4 || type === 0xd9) {
      s[this.pos++] = n;
      return;
    }
    if (type === 0xc5 || type === 0xda || type === 0xdc) {
      s[this.pos++] = n >>> 8;
      s[this.pos++] = n & 0xff;
      return;
    }
    s[this.pos++] = n >>> 24;
    s[this.pos++] = (n >>> 16) & 0xff;
    s[this.pos++] = (n >>> 8) & 0xff;
    s[this.pos++] = n & 0xff;
  }

  private arrayHeader(n: number): void {
    if (n < 16) this.byte(0x90 | n);
    else this.length(n < 0x10000 ? 0xdc : 0xdd, n);
  }

  private bin(b: Uint8Array): void {
    const n = b.byteLength;
    this.length(n < 0x100 ? 0xc4 : n < 0x10000 ? 0xc5 : 0xc6, n);
    this.bytes(b);
  }

  /** The header of a string of `n` UTF-8 bytes. */
  private strHeader(n: number): void {
    if (n < 32) this.byte(0xa0 | n);
    else this.length(n < 0x100 ? 0xd9 : n < 0x10000 ? 0xda : 0xdb, n);
  }

  /** A string (well-formed UTF-16, checked by the caller) as str8/16/32 or fixstr: ASCII copied by hand, anything else through `TextEncoder.encodeInto`. */
  private str(s: string): void {
    const n = s.length;
    const at = this.pos;
    // Optimistic: an ASCII string (the usual key) is its own UTF-8, n bytes after an n-byte header.
    const asciiHeader = headerBytes(n);
    let i = 0;
    for (; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) break;
      this.slab[at + asciiHeader + i] = c;
    }
    if (i === n) {
      this.strHeader(n);
      this.pos = at + asciiHeader + n;
      return;
    }
    // Otherwise: encode after the widest header the worst case (3 bytes per code unit) needs, then move the bytes down to the real header.
    const reserved = headerBytes(n * 3);
    const written = encoder.encodeInto(s, this.slab.subarray(at + reserved)).written;
    this.strHeader(written);
    const actual = this.pos - at;
    if (actual !== reserved) this.slab.copyWithin(at + actual, at + reserved, at + reserved + written);
    this.pos = at + actual + written;
  }
}

/** The size of a MessagePack string header for `n` bytes. */
function headerBytes(n: number): number {
  return n < 32 ? 1 : n < 0x100 ? 2 : n < 0x10000 ? 3 : 5;
}

/**
 * True for a put or delete with fields only a request of its own carries
 * (`ttlMs`, `ifAbsent`, `ifMatch`: batch ops have none): the dispatcher sends
 * it alone, through the codec, and this encoder declines it.
 */
export function hasRequestOnlyFields(op: object): boolean {
  const o = op as { ttlMs?: unknown; ifAbsent?: unknown; ifMatch?: unknown };
  return o.ttlMs !== undefined || o.ifAbsent !== undefined || o.ifMatch !== undefined;
}
