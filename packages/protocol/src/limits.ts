/**
 * Every bound the protocol enforces, in one place, shared by the encoder and
 * the decoder so both sides refuse exactly the same frames.
 *
 * Invariants:
 *   1. Each limit is a positive safe integer; `resolveLimits` refuses anything else.
 *   2. Defaults are the values documented in docs/format/wire.md and the README.
 *   3. A decoder never allocates more than a small multiple of `frameBytesMax`
 *      for one frame, because the pre-scan bounds every declared length by the
 *      bytes actually present (see scan.ts) before msgpackr runs.
 */

/** Bounds a codec instance enforces. Units are last in every name. */
export interface ProtocolLimits {
  /** Largest frame accepted or produced; also the WebSocket `maxPayload`. */
  readonly frameBytesMax: number;
  /** Largest key, counted in encoded bytes (UTF-8 for strings). */
  readonly keyBytesMax: number;
  /** Largest value: raw bytes, or a MessagePack value's encoding less its top-level header (see `valueHeaderBytesMax`). */
  readonly valueBytesMax: number;
  /** Largest causal context (opaque bytes produced by the node). */
  readonly contextBytesMax: number;
  /** Most operations in one `batch` request (and results in its response). */
  readonly batchOpsMax: number;
  /** Most siblings in one `get` result. */
  readonly siblingsMax: number;
  /** Deepest nesting of arrays and maps inside a value decoded by `unpackValue`. */
  readonly valueDepthMax: number;
  /** Most arrays and maps inside one value decoded by `unpackValue`. */
  readonly valueContainersMax: number;
}

/**
 * Frames are one value of ≤ 1 MiB plus room for a few siblings and the
 * envelope; 4 MiB keeps a get with several large siblings in one frame while
 * bounding what one frame can make a peer buffer.
 */
export const frameBytesMaxDefault = 4 * 1024 * 1024;

/** Keys are ≤ 1 KiB (docs/architecture.md, "Data model"); they are stored in every index entry and hint. */
export const keyBytesMaxDefault = 1024;

/** Values are ≤ 1 MiB by default (docs/architecture.md, "Data model"); the common case is ≤ 10 KiB. */
export const valueBytesMaxDefault = 1024 * 1024;

/**
 * MessagePack's longest header of a top-level string, byte string, array or
 * map (a type byte and a 32-bit length). A `msgpack`-encoded value may be
 * this much longer than `valueBytesMax`, so the bound applies to the value
 * (a string of exactly `valueBytesMax` UTF-8 bytes fits), not to its encoding.
 */
export const valueHeaderBytesMax = 5;

/** Largest value field for an encoding: `valueBytesMax`, plus the header allowance for `msgpack` (a cheap first bound; `valueBytesOf` is exact). */
export function valueBytesMaxFor(limits: Pick<ProtocolLimits, 'valueBytesMax'>, valueEncoding: 'bytes' | 'msgpack' | undefined): number {
  return valueEncoding === 'msgpack' ? limits.valueBytesMax + valueHeaderBytesMax : limits.valueBytesMax;
}

/**
 * The size `valueBytesMax` bounds: raw bytes as they are; a MessagePack
 * value less the header of its top-level string, byte string, array or map
 * (so the UTF-8 bytes of a string value, the bytes of a byte string).
 */
export function valueBytesOf(value: Uint8Array, valueEncoding: 'bytes' | 'msgpack' | undefined): number {
  if (valueEncoding !== 'msgpack' || value.byteLength === 0) return value.byteLength;
  const b = value[0] as number;
  let header = 0;
  if ((b >= 0x80 && b <= 0x9f) || (b >= 0xa0 && b <= 0xbf)) header = 1; // fixmap, fixarray, fixstr
  else if (b === 0xc4 || b === 0xd9) header = 2; // bin8, str8
  else if (b === 0xc5 || b === 0xda || b === 0xdc || b === 0xde) header = 3; // bin16, str16, array16, map16
  else if (b === 0xc6 || b === 0xdb || b === 0xdd || b === 0xdf) header = valueHeaderBytesMax; // bin32, str32, array32, map32
  return Math.max(0, value.byteLength - header);
}

/**
 * A causal context is a version vector with one entry per replica that wrote
 * the key; vclock prunes it far below this, so 16 KiB only stops abuse.
 */
export const contextBytesMaxDefault = 16 * 1024;

/** Enough operations to amortise a round trip; more belongs in several frames. */
export const batchOpsMaxDefault = 256;

/** Matches @ringkv/vclock's `siblingsMax`: a node never stores more siblings. */
export const siblingsMaxDefault = 64;

/** Real documents rarely nest beyond a dozen levels; 64 leaves room and keeps recursion shallow. */
export const valueDepthMaxDefault = 64;

/**
 * Each decoded container costs tens of heap bytes while it can take one byte
 * on the wire; 100,000 bounds that amplification to a few MiB per value.
 */
export const valueContainersMaxDefault = 100_000;

/** Request ids are unsigned 32-bit: the SDK wraps around, and the wire encodes them in ≤ 5 bytes. */
export const requestIdMax = 0xffff_ffff;

/** A `rate-limited` error's `retryAfterMs` is at most an hour: a longer wait means the token's rate is misconfigured, not that the client should sleep. */
export const retryAfterMsMax = 3_600_000;

/** Messages one `peer-batch` may carry: a turn's replica calls to one peer under load, well under the envelope's container bounds. */
export const peerBatchMessagesMax = 256;

/** Protocol versions are small positive integers. */
export const protocolVersionMax = 0xffff;

/** `clientName` and `nodeId` are labels for logs and metrics, not documents. */
export const nameBytesMax = 256;

/** Bearer tokens (including JWTs) fit well below this. */
export const authTokenBytesMax = 4096;

/** An error's human-readable message; longer text is truncated by `errorFrame`. */
export const errorMessageBytesMax = 1024;

/** Error codes are short identifiers such as `quorum-not-met`. */
export const errorCodeBytesMax = 64;

/** A request cannot ask for more replies than any sane replication factor. */
export const replicasMax = 64;

/** A request's own timeout may not exceed ten minutes; longer is a stuck request. */
export const timeoutMsMax = 600_000;

/**
 * Longest ttl of a put: 10 years (315,360,000,000 ms). Deadlines are epoch
 * ms, so any bound far below 2^53 would do; a longer one is a mistake (a
 * value meant to live for ever needs no ttl).
 */
export const ttlMsMax = 315_360_000_000;

/** Members a `ring-ok` may list; hashring's own node bound is far above any real cluster, 1024 is above any ringkv one. */
export const ringMembersMax = 1024;

/** Replicas a receipt may list: N primaries plus as many stand-ins. */
export const receiptReplicasMax = 2 * replicasMax;

/**
 * The envelope's deepest legal nesting is 5 (batch-ok → results → result →
 * siblings → sibling); 8 leaves room for additions without allowing abuse.
 */
export const envelopeDepthMax = 8;

/** No envelope array or map is legitimately longer than the batch and sibling bounds allow. */
export const envelopeContainerLengthMax = 4096;

/**
 * Most arrays and maps in one envelope: every op or result of the largest
 * batch with all its siblings, plus a little room for the top-level maps.
 */
export function envelopeContainersMax(limits: ProtocolLimits): number {
  return limits.batchOpsMax * (limits.siblingsMax + 3) + 16;
}

/** The defaults, frozen. */
export const defaultLimits: ProtocolLimits = Object.freeze({
  frameBytesMax: frameBytesMaxDefault,
  keyBytesMax: keyBytesMaxDefault,
  valueBytesMax: valueBytesMaxDefault,
  contextBytesMax: contextBytesMaxDefault,
  batchOpsMax: batchOpsMaxDefault,
  siblingsMax: siblingsMaxDefault,
  valueDepthMax: valueDepthMaxDefault,
  valueContainersMax: valueContainersMaxDefault,
});

/**
 * The defaults overridden by `overrides`.
 *
 * Throws a RangeError (a programming error, not an operating condition) when a
 * limit is not a positive safe integer, when `batchOpsMax` or `siblingsMax`
 * exceed what the envelope scan admits, or when `valueBytesMax` or
 * `keyBytesMax` exceed `frameBytesMax` (such a value could never be sent).
 */
export function resolveLimits(overrides: Partial<ProtocolLimits> = {}): ProtocolLimits {
  const limits: ProtocolLimits = { ...defaultLimits, ...overrides };
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isSafeInteger(value) || (value as number) <= 0) {
      throw new RangeError(`protocol: limit ${name} must be a positive safe integer, got ${String(value)}`);
    }
  }
  if (limits.batchOpsMax > envelopeContainerLengthMax || limits.siblingsMax > envelopeContainerLengthMax) {
    throw new RangeError(`protocol: batchOpsMax and siblingsMax must be ≤ ${envelopeContainerLengthMax}`);
  }
  if (limits.valueBytesMax > limits.frameBytesMax || limits.keyBytesMax > limits.frameBytesMax) {
    throw new RangeError('protocol: valueBytesMax and keyBytesMax must be ≤ frameBytesMax');
  }
  return Object.freeze(limits);
}

/** Longest anti-entropy tree name (a comma-separated replica set): room for 16 node ids of 256 bytes. */
export const treeGroupBytesMax = 16 * 257;

/** Most node indices (or buckets) in one `tree-nodes`/`range-sets` call: 2^16 keeps the answer at 512 KiB of hashes. */
export const treeIndicesMax = 65_536;

/** Largest tree shape a peer may name; matches @ringkv/merkle's `bucketsLog2Max`. */
export const treeBucketsLog2Max = 20;
