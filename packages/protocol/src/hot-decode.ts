/**
 * One-pass decoding of the frames that make up nearly all traffic (issue 12:
 * reply decoding was a tenth of the SDK's CPU): the requests `get`, `put`,
 * `delete` and `batch` without options or conditions, and the replies
 * `get-ok`, `put-ok`, `delete-ok` and `batch-ok` without receipts or error
 * results. The bytes are read once, every field is checked as it is read,
 * and the typed message is built directly: no structure scan, no msgpackr
 * object, no validated copy.
 *
 * It only ever accepts; it never refuses. Anything it does not know for
 * certain (another message type, an unknown, repeated or nil field, a field
 * out of its bounds, a non-ASCII string key, an int64, a trailing byte, a
 * truncated header) makes it decline, and the codec decodes the frame on the
 * full path (scan, msgpackr, validate.ts), which accepts it or returns the
 * typed error. So every refusal, its code and its message come from one
 * place, and this file only has to be right about what it accepts.
 *
 * Concurrency: one instance per codec, synchronous (no state survives a call
 * but the reused fields below).
 * Invariants:
 *   1. A message returned is the one the full path returns for the same
 *      frame and limits (tested against it on random and mutated frames).
 *   2. Nothing is allocated before the bytes it stands for were seen to be
 *      inside the frame: an array's length is checked against the bytes
 *      that remain and against its limit (`batchOpsMax`, `siblingsMax`)
 *      before its elements are read, and elements are pushed one by one.
 *      Nesting is fixed by the schema (at most 5 deep), never by the frame.
 *   3. Every frame accepted here also passes the structure scan of the full
 *      path: one value, no trailing bytes, no extension types, string map
 *      keys, container lengths and counts within the envelope's bounds.
 *   4. Byte fields are views into the frame (no copy), as on the full path.
 */

import { envelopeContainerLengthMax, valueBytesMaxFor, valueBytesOf, type ProtocolLimits } from './limits.js';
import { FRAME_VERSION, MessageKind, type BatchOp, type BatchResult, type Message, type Sibling } from './messages.js';

/** Thrown (never out of this file) to decline a frame; not an Error, so throwing captures no stack. */
const decline = { declined: true } as const;

// Field bits: each known field once per map (a repeat declines, as msgpackr would keep only the last).
const fV = 1;
const fK = 2;
const fType = 4;
const fId = 8;
const fKey = 16;
const fValue = 32;
const fValueEncoding = 64;
const fContext = 128;
const fOps = 256;
const fFound = 512;
const fSiblings = 1024;
const fResults = 2048;
const fTombstone = 4096;

// Message types, by code.
const tGet = 1;
const tPut = 2;
const tDelete = 3;
const tBatch = 4;
const tGetOk = 5;
const tPutOk = 6;
const tDeleteOk = 7;
const tBatchOk = 8;
const typeNames = ['', 'get', 'put', 'delete', 'batch', 'get-ok', 'put-ok', 'delete-ok', 'batch-ok'] as const;

const ascii = (s: string): number[] => Array.from(s, (c) => c.charCodeAt(0));
const typeBytes = typeNames.map(ascii);
/** A field name's bytes and its bit. */
interface FieldName {
  readonly name: readonly number[];
  readonly bit: number;
}

/** The known field names, grouped by length (a name is matched only against those of its length). */
const fieldsByLength: FieldName[][] = [];
for (const [name, bit] of [
  ['v', fV],
  ['k', fK],
  ['type', fType],
  ['id', fId],
  ['key', fKey],
  ['value', fValue],
  ['valueEncoding', fValueEncoding],
  ['context', fContext],
  ['ops', fOps],
  ['found', fFound],
  ['siblings', fSiblings],
  ['results', fResults],
  ['tombstone', fTombstone],
] as const) {
  (fieldsByLength[name.length] ??= []).push({ name: ascii(name), bit });
}
const msgpackName = ascii('msgpack');
const bytesName = ascii('bytes');

const utf8 = new TextDecoder();
const empty = new Uint8Array(0);

/**
 * The fields of one map as read; one instance per nesting level (envelope;
 * op or result; sibling), reused for every map of that level.
 */
class FieldValues {
  v = 0;
  k = 0;
  type = 0;
  id = 0;
  key: string | Uint8Array = '';
  value: Uint8Array = empty;
  msgpack = false;
  context: Uint8Array = empty;
  found = false;
  tombstone = false;
  siblings: Sibling[] = [];
  ops: BatchOp[] = [];
  results: BatchResult[] = [];
}

/** A put or delete as validate.ts builds it (`id` only at the top level). */
interface WriteFields {
  type: 'put' | 'delete';
  id?: number;
  key: string | Uint8Array;
  value?: Uint8Array;
  valueEncoding?: 'msgpack';
  context?: Uint8Array;
}

/** Decodes the hot frames in one pass; see the module comment. */
export class HotDecoder {
  private b: Uint8Array = new Uint8Array(0);
  private p = 0;
  private end = 0;
  /** Bytes of the last `fixstr` read. */
  private strBytes = 0;
  private readonly levels = [new FieldValues(), new FieldValues(), new FieldValues()];

  constructor(private readonly limits: ProtocolLimits) {}

  /** The message in `frame`, or undefined when the full path must decide. Never throws. */
  decode(frame: Uint8Array): Message | undefined {
    this.b = frame;
    this.p = 0;
    this.end = frame.byteLength;
    try {
      const message = this.envelope();
      return this.p === this.end ? message : undefined;
    } catch (thrown) {
      if (thrown === decline) return undefined;
      throw thrown;
    } finally {
      this.b = empty;
    }
  }

  private envelope(): Message {
    const e = this.levels[0] as FieldValues;
    const seen = this.fields(e, fV | fK | fType | fId | fKey | fValue | fValueEncoding | fContext | fFound | fSiblings | fOps | fResults);
    if ((seen & (fV | fK | fType | fId)) !== (fV | fK | fType | fId) || e.v !== FRAME_VERSION || e.k !== MessageKind.client) throw decline;
    const body = seen & ~(fV | fK | fType | fId);
    const { id, type } = e;
    switch (type) {
      case tGet:
        if (body !== fKey) throw decline;
        return { type: 'get', id, key: e.key };
      case tPut:
      case tDelete:
        return this.write(e, body, id) as Message;
      case tBatch:
        if (body !== fOps) throw decline;
        return { type: 'batch', id, ops: e.ops };
      case tBatchOk:
        if (body !== fResults) throw decline;
        return { type: 'batch-ok', id, results: e.results };
      default:
        return this.result(e, body, id) as unknown as Message;
    }
  }

  /** A get-ok, put-ok or delete-ok: top-level with its `id`, or (`id` < 0) in a batch-ok. */
  private result(r: FieldValues, seen: number, id: number): BatchResult {
    const body = seen & ~fType;
    if (r.type === tGetOk) {
      if (body !== (fFound | fSiblings | fContext)) throw decline;
      const { found, siblings } = r;
      let values = 0;
      for (let i = 0; i < siblings.length; i++) if (!('tombstone' in (siblings[i] as Sibling))) values++;
      if (found !== values > 0) throw decline;
      const context = this.context(r.context);
      return (id < 0 ? { type: 'get-ok', found, siblings, context } : { type: 'get-ok', id, found, siblings, context }) as BatchResult;
    }
    if ((r.type !== tPutOk && r.type !== tDeleteOk) || body !== fContext) throw decline;
    const type = r.type === tPutOk ? 'put-ok' : 'delete-ok';
    const context = this.context(r.context);
    return (id < 0 ? { type, context } : { type, id, context }) as BatchResult;
  }

  /** A top-level put or delete, or (`id` < 0) a batch op; `body` is the set of fields seen beyond `type` and the envelope. */
  private write(w: FieldValues, body: number, id: number): WriteFields {
    const isPut = w.type === tPut;
    const allowed = fKey | fContext | (isPut ? fValue | fValueEncoding : 0);
    if ((w.type !== tPut && w.type !== tDelete) || (body & ~allowed) !== 0 || (body & fKey) === 0 || (isPut && (body & fValue) === 0)) throw decline;
    // Two literals rather than a deleted `id`: every op keeps one object shape.
    const out: WriteFields = id < 0 ? { type: isPut ? 'put' : 'delete', key: w.key } : { type: isPut ? 'put' : 'delete', id, key: w.key };
    if (isPut) this.fillValue(out, w.value, (body & fValueEncoding) !== 0 && w.msgpack);
    if ((body & fContext) !== 0) out.context = this.context(w.context);
    return out;
  }

  /** The value's bounds, as validate.ts `fillValue` checks them. */
  private fillValue(out: { value?: Uint8Array; valueEncoding?: 'msgpack' }, value: Uint8Array, msgpack: boolean): void {
    const encoding = msgpack ? 'msgpack' : 'bytes';
    if (value.byteLength > valueBytesMaxFor(this.limits, encoding) || valueBytesOf(value, encoding) > this.limits.valueBytesMax) throw decline;
    out.value = value;
    if (msgpack) out.valueEncoding = 'msgpack';
  }

  private context(context: Uint8Array): Uint8Array {
    if (context.byteLength > this.limits.contextBytesMax) throw decline;
    return context;
  }

  /** The ops of a batch request: 1…batchOpsMax maps of a get, put or delete. */
  private ops(): BatchOp[] {
    return this.list(this.limits.batchOpsMax, 1, 1, fType | fKey | fValue | fValueEncoding | fContext, this.op);
  }

  /** The results of a batch-ok: get-ok, put-ok or delete-ok maps (an error result declines). */
  private results(): BatchResult[] {
    return this.list(this.limits.batchOpsMax, 0, 1, fType | fFound | fSiblings | fContext, this.result);
  }

  /** 0…siblingsMax siblings: `{ tombstone: true }` or a value with its encoding. */
  private siblings(): Sibling[] {
    return this.list(this.limits.siblingsMax, 0, 2, fTombstone | fValue | fValueEncoding, this.sibling);
  }

  /**
   * An array of `minLength`…`lengthMax` maps with fields in `allowed`, each
   * read into the reused record of nesting level `depth` (ops and results 1,
   * siblings 2) and made into an item by `item` (a method of this class).
   * Ops and results need their `type`: the record's is another map's otherwise.
   */
  private list<T>(lengthMax: number, minLength: number, depth: number, allowed: number, item: (this: HotDecoder, v: FieldValues, seen: number, id: number) => T): T[] {
    const n = this.arrayHeader(lengthMax);
    if (n < minLength) throw decline;
    const level = this.levels[depth] as FieldValues;
    const required = depth === 1 ? fType : 0;
    const out: T[] = [];
    for (let i = 0; i < n; i++) {
      const seen = this.fields(level, allowed);
      if ((seen & required) !== required) throw decline;
      out.push(item.call(this, level, seen, -1));
    }
    return out;
  }

  private op(o: FieldValues, seen: number): BatchOp {
    const body = seen & ~fType;
    if (o.type !== tGet) return this.write(o, body, -1) as BatchOp;
    if (body !== fKey) throw decline;
    return { type: 'get', key: o.key };
  }

  private sibling(s: FieldValues, seen: number): Sibling {
    if ((seen & fTombstone) !== 0 && s.tombstone) {
      if (seen !== fTombstone) throw decline;
      return { tombstone: true };
    }
    if ((seen & fValue) === 0) throw decline;
    const sibling = {} as { value: Uint8Array; valueEncoding?: 'msgpack' };
    this.fillValue(sibling, s.value, (seen & fValueEncoding) !== 0 && s.msgpack);
    return sibling;
  }

  /**
   * One map whose keys are all in `allowed`, each at most once, read into
   * `into` (the returned bits say which of its fields are this map's; the
   * others hold an earlier map's values and are never read).
   */
  private fields(into: FieldValues, allowed: number): number {
    const n = this.mapHeader();
    let seen = 0;
    for (let i = 0; i < n; i++) {
      const f = this.field(seen);
      if ((f & allowed) === 0) throw decline;
      seen |= f;
      if (f === fV) into.v = this.uint();
      else if (f === fK) into.k = this.uint();
      else if (f === fType) into.type = this.type();
      else if (f === fId) into.id = this.uint();
      else if (f === fKey) into.key = this.key();
      else if (f === fValue) into.value = this.bin();
      else if (f === fValueEncoding) into.msgpack = this.valueEncoding();
      else if (f === fContext) into.context = this.bin();
      else if (f === fFound) into.found = this.bool();
      else if (f === fTombstone) into.tombstone = this.bool();
      else if (f === fSiblings) into.siblings = this.siblings();
      else if (f === fOps) into.ops = this.ops();
      else into.results = this.results();
    }
    return seen;
  }

  /** A fixmap or map16 header. */
  private mapHeader(): number {
    const h = this.byte();
    let n: number;
    if (h >= 0x80 && h <= 0x8f) n = h & 0x0f;
    else if (h === 0xde) n = this.u16();
    else throw decline;
    // Every entry takes at least two bytes (invariant 2).
    if (2 * n > this.end - this.p || n > envelopeContainerLengthMax) throw decline;
    return n;
  }

  /** A fixarray or array16 header of at most `lengthMax` elements. */
  private arrayHeader(lengthMax: number): number {
    const h = this.byte();
    let n: number;
    if (h >= 0x90 && h <= 0x9f) n = h & 0x0f;
    else if (h === 0xdc) n = this.u16();
    else throw decline;
    if (n > this.end - this.p || n > lengthMax || n > envelopeContainerLengthMax) throw decline;
    return n;
  }

  /** A fixstr (the only string header of field names and constants): moves past it and returns where its bytes start; `strBytes` is their count. */
  private fixstr(): number {
    const h = this.byte();
    if ((h & 0xe0) !== 0xa0) throw decline;
    const n = h & 0x1f;
    const at = this.p;
    if (n > this.end - at) throw decline;
    this.p = at + n;
    this.strBytes = n;
    return at;
  }

  /** A map key naming a known field not yet in `seen`; its bit. */
  private field(seen: number): number {
    const at = this.fixstr();
    const n = this.strBytes;
    let f = 0;
    const candidates = fieldsByLength[n];
    if (candidates !== undefined) {
      for (let i = 0; i < candidates.length && f === 0; i++) {
        const c = candidates[i] as FieldName;
        if (this.is(at, c.name)) f = c.bit;
      }
    }
    if (f === 0 || (seen & f) !== 0) throw decline;
    return f;
  }

  /** True when the bytes at `at` are `name` (its length was matched by the caller). */
  private is(at: number, name: readonly number[]): boolean {
    const b = this.b;
    for (let i = 0; i < name.length; i++) if (b[at + i] !== name[i]) return false;
    return true;
  }

  /** A message type as a fixstr; its code. */
  private type(): number {
    const at = this.fixstr();
    const n = this.strBytes;
    for (let t = 1; t < typeBytes.length; t++) {
      const name = typeBytes[t] as number[];
      if (name.length === n && this.is(at, name)) return t;
    }
    throw decline;
  }

  /** `valueEncoding`: true for "msgpack", false for "bytes". */
  private valueEncoding(): boolean {
    const at = this.fixstr();
    if (this.strBytes === msgpackName.length && this.is(at, msgpackName)) return true;
    if (this.strBytes === bytesName.length && this.is(at, bytesName)) return false;
    throw decline;
  }

  /** A non-negative integer of at most 32 bits (fixint, uint8/16/32). */
  private uint(): number {
    const h = this.byte();
    if (h <= 0x7f) return h;
    if (h === 0xcc) return this.byte();
    if (h === 0xcd) return this.u16();
    if (h === 0xce) return this.u32();
    throw decline;
  }

  private bool(): boolean {
    const h = this.byte();
    if (h === 0xc3) return true;
    if (h === 0xc2) return false;
    throw decline;
  }

  /** bin8/16/32: a view into the frame (invariant 4). */
  private bin(): Uint8Array {
    const h = this.byte();
    const n = h === 0xc4 ? this.byte() : h === 0xc5 ? this.u16() : h === 0xc6 ? this.u32() : -1;
    const at = this.p;
    if (n < 0 || n > this.end - at) throw decline;
    this.p = at + n;
    return this.b.subarray(at, at + n);
  }

  /**
   * A key: bytes (1…keyBytesMax) or an ASCII string (1…keyBytesMax chars).
   * Other strings decline: the full path's UTF-8 decoding and
   * well-formedness check decide them.
   */
  private key(): string | Uint8Array {
    const h = this.b[this.p];
    if (h === 0xc4 || h === 0xc5 || h === 0xc6) {
      const bytes = this.bin();
      if (bytes.byteLength === 0 || bytes.byteLength > this.limits.keyBytesMax) throw decline;
      return bytes;
    }
    this.p++;
    let n: number;
    if (h !== undefined && h >= 0xa0 && h <= 0xbf) n = h & 0x1f;
    else if (h === 0xd9) n = this.byte();
    else if (h === 0xda) n = this.u16();
    else throw decline;
    const at = this.p;
    if (n === 0 || n > this.end - at || n > this.limits.keyBytesMax) throw decline;
    const b = this.b;
    for (let i = at; i < at + n; i++) if ((b[i] as number) >= 0x80) throw decline;
    this.p = at + n;
    return n <= 32 ? String.fromCharCode.apply(null, b.subarray(at, at + n) as unknown as number[]) : utf8.decode(b.subarray(at, at + n));
  }

  private byte(): number {
    if (this.p >= this.end) throw decline;
    return this.b[this.p++] as number;
  }

  private u16(): number {
    const at = this.p;
    if (at + 2 > this.end) throw decline;
    this.p = at + 2;
    const b = this.b;
    return ((b[at] as number) << 8) | (b[at + 1] as number);
  }

  private u32(): number {
    const at = this.p;
    if (at + 4 > this.end) throw decline;
    this.p = at + 4;
    const b = this.b;
    return (b[at] as number) * 0x1000000 + (((b[at + 1] as number) << 16) | ((b[at + 2] as number) << 8) | (b[at + 3] as number));
  }
}
