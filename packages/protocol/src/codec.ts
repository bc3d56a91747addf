/**
 * The codec: one frame ⇄ one validated `Message`, plus the nested encoding of
 * user values. One `WireCodec` per limits configuration; it reuses one
 * msgpackr `Packr`/`Unpackr` pair for frames and one for values.
 *
 * Decoding is the trust boundary. Its steps, in order:
 *   1. frame length ≤ frameBytesMax, before anything is read;
 *   1b. the common requests and replies are read in one pass by `HotDecoder`
 *      (hot-decode.ts), which checks every field as it reads and declines
 *      anything it is not sure of; a declined frame takes steps 2–4, which
 *      alone refuse frames (so every typed error comes from them);
 *   2. structural pre-scan (scan.ts): exactly one value, every declared length
 *      within the frame, nesting, lengths and container count within the
 *      envelope bounds, string map keys, no extension types;
 *   3. msgpackr decodes (its allocations are now bounded by step 2);
 *   4. envelope (`v`, `k`) and schema validation (validate.ts) build a fresh
 *      typed message from own properties only.
 *
 * Invariants:
 *   1. `decode` never throws: every bad frame is a `DecodeResult` with a
 *      `ProtocolError` whose close code comes from `errorCodeTable`.
 *   2. `encode` only produces frames `decode` (with the same limits) accepts;
 *      it validates the message with the same schema code first.
 *   3. No record/structure extension is used, so encoder and decoder share no
 *      state across frames: any frame can be decoded on its own.
 *   4. Decoded byte fields are views into the frame (no copy).
 */

import { Packr, Unpackr } from 'msgpackr';
import { protocolError, type ProtocolError } from './errors.js';
import { isWireMap, own, type WireMap } from './fields.js';
import {
  envelopeContainerLengthMax,
  envelopeContainersMax,
  envelopeDepthMax,
  resolveLimits,
  valueBytesOf,
  type ProtocolLimits,
} from './limits.js';
import { FRAME_VERSION, MessageKind, type Message, type ValueEncoding } from './messages.js';
import { HotDecoder } from './hot-decode.js';
import { StructureScanner, type ScanIssue } from './scan.js';
import { peekId, validateBody } from './validate.js';
import { plainValue, unpackableReason } from './value.js';

/** The outcome of `decode`: a bad frame is a value, not an exception. */
export type DecodeResult = { readonly ok: true; readonly message: Message } | { readonly ok: false; readonly error: ProtocolError };

/** The outcome of `unpackValue`. */
export type ValueResult = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: ProtocolError };

/** A value ready for a `put` or a sibling: spread it into the message. */
export interface PackedValue {
  readonly value: Uint8Array;
  readonly valueEncoding?: 'msgpack';
}

/** Options of `new WireCodec`. */
export interface WireCodecOptions {
  /** Overrides of `defaultLimits`; see limits.ts for each bound. */
  readonly limits?: Partial<ProtocolLimits>;
  /**
   * False turns off the one-pass decoding of the common frames (hot-decode.ts),
   * so every frame takes the scan, msgpackr and validate.ts: for tests that
   * compare the two paths. Default true.
   */
  readonly hotPath?: boolean;
}

const scanCodes = { malformed: 'malformed-frame', limit: 'limit-exceeded', invalid: 'invalid-message' } as const;

/**
 * Encodes and decodes client-protocol frames under one set of limits.
 *
 * When to use: one per process side (node or SDK), shared by all its
 * connections; the node builds it from its configured limits and advertises
 * them in `hello-ok`.
 *
 * Gotchas: `encode` and `packValue` throw `ProtocolError` (the caller gave
 * a bad message, such as a key over `keyBytesMax`); `decode` and
 * `unpackValue` never throw. Frames returned by `encode` may share an
 * ArrayBuffer with other frames: send them, do not write to them.
 */
export class WireCodec {
  /** The limits in force, after defaults. */
  readonly limits: ProtocolLimits;
  private readonly framePackr = new Packr({ useRecords: false, encodeUndefinedAsNil: true });
  // Envelope integers beyond 2^53 are out of every field's range anyway, so numbers suffice.
  private readonly frameUnpackr = new Unpackr({ useRecords: false, mapsAsObjects: true, int64AsType: 'number' });
  private readonly valuePackr = new Packr({ useRecords: false, encodeUndefinedAsNil: true });
  // 'auto' (numbers when safe, bigints beyond 2^53) exists at runtime since msgpackr 1.10 but is missing from its typings.
  private readonly valueUnpackr = new Unpackr({ useRecords: false, mapsAsObjects: false, int64AsType: 'auto' as 'bigint' });
  private readonly frameScanner: StructureScanner;
  private readonly valueScanner: StructureScanner;
  private readonly hot: HotDecoder | undefined;

  /** Throws a RangeError for limits that are not positive safe integers (see `resolveLimits`). */
  constructor(options: WireCodecOptions = {}) {
    this.limits = resolveLimits(options.limits);
    this.hot = options.hotPath === false ? undefined : new HotDecoder(this.limits);
    this.frameScanner = new StructureScanner({
      depthMax: envelopeDepthMax,
      containerLengthMax: envelopeContainerLengthMax,
      containersMax: envelopeContainersMax(this.limits),
      stringKeysOnly: true,
      allowTimestamp: false,
    });
    this.valueScanner = new StructureScanner({
      depthMax: this.limits.valueDepthMax,
      containerLengthMax: this.limits.valueBytesMax,
      containersMax: this.limits.valueContainersMax,
      stringKeysOnly: false,
      allowTimestamp: true,
    });
  }

  /**
   * One binary frame holding `message`.
   *
   * The message is validated first with the decoder's own rules, so a frame
   * this returns is one the peer accepts. Throws `ProtocolError` with
   * `key-too-large`, `value-too-large`, `context-too-large`, `invalid-message`
   * or `frame-too-large`; the message is never partly sent.
   */
  encode(message: Message): Uint8Array {
    if (!isWireMap(message)) throw protocolError('invalid-message', 'a message must be a plain object');
    const body = validateBody(message as unknown as WireMap, this.limits);
    const frame: Uint8Array = this.framePackr.pack({ v: FRAME_VERSION, k: MessageKind.client, ...body });
    if (frame.byteLength > this.limits.frameBytesMax) {
      throw protocolError('frame-too-large', `${message.type} frame of ${frame.byteLength} bytes exceeds ${this.limits.frameBytesMax}`, {
        requestId: peekId(message as unknown as WireMap),
      });
    }
    return frame;
  }

  /**
   * The message in `input` (one binary WebSocket frame, as a `Uint8Array`
   * or an `ArrayBuffer`), validated, or the reason it is refused.
   *
   * Never throws. When the frame is refused but still named a readable
   * request id, `error.requestId` carries it so the node can answer that
   * request with an `error` frame. `error.closeCode` says whether the
   * connection must be closed.
   */
  decode(input: Uint8Array | ArrayBuffer): DecodeResult {
    // Browsers' WebSocket delivers ArrayBuffers (binaryType 'arraybuffer'); wrapping one copies nothing.
    const frame = input instanceof ArrayBuffer ? new Uint8Array(input) : input;
    if (!(frame instanceof Uint8Array)) return refuse(protocolError('malformed-frame', 'a frame must be bytes'));
    if (frame.byteLength > this.limits.frameBytesMax) {
      return refuse(protocolError('frame-too-large', `frame of ${frame.byteLength} bytes exceeds ${this.limits.frameBytesMax}`));
    }
    const hot = this.hot?.decode(frame);
    if (hot !== undefined) return { ok: true, message: hot };
    const issue = this.frameScanner.scan(frame);
    if (issue !== undefined) return refuse(scanError(issue));
    let decoded: unknown;
    try {
      decoded = this.frameUnpackr.unpack(frame);
    } catch (cause) {
      return refuse(protocolError('malformed-frame', 'MessagePack decoding failed', { cause }));
    }
    return this.validateFrame(decoded);
  }

  private validateFrame(decoded: unknown): DecodeResult {
    try {
      if (!isWireMap(decoded)) throw protocolError('invalid-message', 'a frame must hold a map');
      checkEnvelope(decoded);
      return { ok: true, message: validateBody(decoded, this.limits) };
    } catch (error) {
      return refuse(asProtocolError(error));
    }
  }

  /**
   * A user value as bytes for a `put`: a `Uint8Array` is sent as is (raw
   * bytes), anything else is MessagePack-encoded and marked `msgpack`.
   *
   * Values may hold null, booleans, numbers, 64-bit bigints, strings,
   * `Uint8Array`s, `Date`s, arrays, plain objects and `Map`s; `undefined`
   * becomes null, -0 becomes 0, string-keyed `Map`s come back as objects.
   * Throws `ProtocolError` `value-too-large` or `invalid-message` (a Set, a
   * class instance, another typed array, a function, a bigint beyond 64 bits,
   * nesting deeper than `valueDepthMax` or a cycle).
   */
  packValue(value: unknown): PackedValue {
    if (value instanceof Uint8Array) {
      checkValueSize(value.byteLength, this.limits.valueBytesMax);
      return { value };
    }
    const reason = unpackableReason(value, this.limits.valueDepthMax);
    if (reason !== undefined) throw protocolError('invalid-message', `value cannot be sent: ${reason}`);
    let bytes: Uint8Array;
    try {
      bytes = this.valuePackr.pack(value);
    } catch (cause) {
      throw protocolError('invalid-message', `value cannot be encoded: ${String(cause)}`, { cause });
    }
    checkValueSize(valueBytesOf(bytes, 'msgpack'), this.limits.valueBytesMax);
    const issue = this.valueScanner.scan(bytes);
    if (issue !== undefined) throw protocolError('invalid-message', `value cannot be sent: ${issue.detail}`);
    return { value: bytes, valueEncoding: 'msgpack' };
  }

  /**
   * Why a value as received in a `put` cannot be read back, or `undefined`:
   * over `valueBytesMax` (`value-too-large`), or, for `msgpack` values, not
   * one well-formed MessagePack value within `valueDepthMax` and
   * `valueContainersMax` (`invalid-message`). Scans only, decodes nothing:
   * cheap enough for a node to refuse garbage before storing it. Never throws.
   */
  checkValue(value: Uint8Array, valueEncoding: ValueEncoding = 'bytes'): ProtocolError | undefined {
    const bytes = valueBytesOf(value, valueEncoding);
    if (bytes > this.limits.valueBytesMax) {
      return protocolError('value-too-large', `value of ${bytes} bytes exceeds valueBytesMax ${this.limits.valueBytesMax}`);
    }
    if (valueEncoding === 'bytes') return undefined;
    const issue = this.valueScanner.scan(value);
    return issue === undefined ? undefined : protocolError('invalid-message', `value: ${issue.detail} at byte ${issue.offset}`);
  }

  /**
   * The user value in a `put` or a sibling. Raw bytes come back as the same
   * `Uint8Array`; MessagePack values are scanned under `valueDepthMax` and
   * `valueContainersMax`, decoded, and their string-keyed maps returned as
   * plain objects (other maps as `Map`). Never throws.
   */
  unpackValue(value: Uint8Array, valueEncoding: ValueEncoding = 'bytes'): ValueResult {
    const problem = this.checkValue(value, valueEncoding);
    if (problem !== undefined) return refuse(problem);
    if (valueEncoding === 'bytes') return { ok: true, value };
    try {
      return { ok: true, value: plainValue(this.valueUnpackr.unpack(value)) };
    } catch (cause) {
      return refuse(protocolError('invalid-message', 'value: MessagePack decoding failed', { cause }));
    }
  }
}

function refuse(error: ProtocolError): { ok: false; error: ProtocolError } {
  return { ok: false, error };
}

function scanError(issue: ScanIssue): ProtocolError {
  return protocolError(scanCodes[issue.kind], `${issue.detail} at byte ${issue.offset}`);
}

/** `v` must be this frame version and `k` the client kind. */
function checkEnvelope(map: WireMap): void {
  const v = own(map, 'v');
  if (typeof v !== 'number' || !Number.isInteger(v)) throw protocolError('invalid-message', 'v (frame version) must be an integer');
  if (v !== FRAME_VERSION) {
    throw protocolError('unsupported-version', `frame version ${v} is not supported (this side speaks ${FRAME_VERSION})`);
  }
  const k = own(map, 'k');
  if (k === MessageKind.client) return;
  if (k === MessageKind.peer) throw protocolError('unknown-type', 'peer messages (kind 1) are not part of this protocol version');
  throw protocolError('unknown-type', `unknown message kind ${typeof k === 'number' ? k : typeof k}`);
}

function checkValueSize(bytes: number, bytesMax: number): void {
  if (bytes > bytesMax) throw protocolError('value-too-large', `value of ${bytes} bytes exceeds valueBytesMax ${bytesMax}`);
}

/** Validation throws only `ProtocolError`s; anything else is a bug, reported as `internal` rather than thrown out of `decode`. */
function asProtocolError(error: unknown): ProtocolError {
  if (error instanceof Error && error.name === 'ProtocolError') return error as ProtocolError;
  return protocolError('internal', `validation failed unexpectedly: ${String(error)}`, { cause: error });
}
