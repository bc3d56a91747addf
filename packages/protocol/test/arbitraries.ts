// fast-check arbitraries for every message of the client protocol, within the default limits.
import fc from 'fast-check';
import {
  consistencyLevels,
  protocolErrorCodes,
  type BatchOp,
  type BatchResult,
  type ConsistencyLevel,
  type Message,
  type RequestOptions,
  type Sibling,
} from '@ringkv/protocol';

const id = fc.integer({ min: 0, max: 0xffff_ffff });
const bytes = (maxLength: number): fc.Arbitrary<Uint8Array> => fc.uint8Array({ maxLength });
const text = (maxLength: number): fc.Arbitrary<string> => fc.string({ unit: 'binary', maxLength });

/** Keys: strings (any code point) or bytes; short so runs stay fast. */
// Keys are never empty (the codec refuses them); 'binary' units are whole code points, so no lone surrogate.
export const keyArb = fc.oneof(fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }), fc.uint8Array({ minLength: 1, maxLength: 40 }));
const contextArb = bytes(64);
const level: fc.Arbitrary<ConsistencyLevel> = fc.oneof(
  fc.integer({ min: 1, max: 64 }),
  fc.constantFrom(...consistencyLevels),
);
const optionsArb: fc.Arbitrary<RequestOptions> = fc.record(
  { r: level, w: level, timeoutMs: fc.integer({ min: 1, max: 600_000 }), receipt: fc.boolean() },
  { requiredKeys: [] },
);
const packed = fc.oneof(
  fc.record({ value: bytes(200) }),
  fc.record({ value: bytes(200), valueEncoding: fc.constant('msgpack' as const) }),
);

const getOp = fc.record({ type: fc.constant('get' as const), key: keyArb });
const putOp = fc
  .tuple(fc.record({ type: fc.constant('put' as const), key: keyArb }), packed, fc.record({ context: contextArb }, { requiredKeys: [] }))
  .map(([head, value, rest]) => ({ ...head, ...value, ...rest }));
const deleteOp = fc.record({ type: fc.constant('delete' as const), key: keyArb, context: contextArb }, { requiredKeys: ['type', 'key'] });
const opArb: fc.Arbitrary<BatchOp> = fc.oneof(getOp, putOp, deleteOp);

const withRequest = <T extends object>(arb: fc.Arbitrary<T>): fc.Arbitrary<Message> =>
  fc
    .tuple(arb, id, fc.option(optionsArb, { nil: undefined }))
    .map(([op, requestId, options]) => {
      const { type, ...rest } = op as T & { type: string };
      const message = { type, id: requestId, ...rest };
      return (options === undefined ? message : { ...message, options }) as unknown as Message;
    });

const siblingArb: fc.Arbitrary<Sibling> = fc.oneof(packed, fc.constant({ tombstone: true as const }));
const getResultArb = fc
  .record({ siblings: fc.array(siblingArb, { maxLength: 5 }), context: contextArb })
  .map(({ siblings, context }) => ({ found: siblings.some((s) => !('tombstone' in s)), siblings, context }));
const errorBody = fc.record({ code: fc.constantFrom(...protocolErrorCodes), message: text(60) });
const resultArb: fc.Arbitrary<BatchResult> = fc.oneof(
  getResultArb.map((r) => ({ type: 'get-ok' as const, ...r })),
  contextArb.map((context) => ({ type: 'put-ok' as const, context })),
  contextArb.map((context) => ({ type: 'delete-ok' as const, context })),
  errorBody.map((e) => ({ type: 'error' as const, ...e })),
);

const limitsArb = fc.record({
  frameBytesMax: fc.integer({ min: 1, max: 2 ** 32 }),
  keyBytesMax: fc.integer({ min: 1, max: 4096 }),
  valueBytesMax: fc.integer({ min: 1, max: 2 ** 30 }),
  contextBytesMax: fc.integer({ min: 1, max: 65536 }),
  batchOpsMax: fc.integer({ min: 1, max: 4096 }),
  inFlightMax: fc.integer({ min: 1, max: 100_000 }),
});

const nodeName = fc.stringMatching(/^[a-z][a-z0-9-]{0,11}$/);
const ringMemberArb = fc.record({
  id: nodeName,
  url: nodeName.map((h) => `ws://${h}:7000`),
  vnodes: fc.integer({ min: 1, max: 4096 }),
  weight: fc.double({ min: 0.001, max: 64, noNaN: true }),
  zone: fc.constantFrom('', 'a', 'b'),
  dc: fc.constantFrom('', 'dc1', 'dc2'),
  rack: fc.constantFrom('', 'a', 'b'),
  machine: fc.constantFrom('', 'm1', 'm2'),
  status: fc.constantFrom('joining' as const, 'normal' as const, 'leaving' as const, 'suspect' as const, 'down' as const),
}, { requiredKeys: ['id', 'url', 'vnodes', 'weight', 'zone', 'status'] });
const receiptReplicaArb = fc.record(
  {
    node: nodeName,
    role: fc.constantFrom('primary' as const, 'fallback' as const),
    hintFor: nodeName,
    dc: fc.constantFrom('', 'dc1', 'dc2'),
    outcome: fc.constantFrom('ack' as const, 'error' as const, 'timeout' as const, 'not-sent' as const, 'pending' as const),
    latencyMs: fc.integer({ min: 0, max: 600_000 }),
    error: text(40),
  },
  { requiredKeys: ['node', 'role', 'outcome'] },
);
const receiptArb = fc.record(
  {
    coordinator: nodeName,
    forwarded: fc.boolean(),
    op: fc.constantFrom('get' as const, 'put' as const, 'delete' as const),
    n: fc.integer({ min: 1, max: 64 }),
    r: fc.integer({ min: 1, max: 64 }),
    w: fc.integer({ min: 1, max: 64 }),
    mode: fc.constantFrom('sloppy' as const, 'strict' as const),
    level: fc.constantFrom(...consistencyLevels),
    replicas: fc.array(receiptReplicaArb, { maxLength: 6 }),
    siblingsReconciled: fc.nat(),
    readRepair: fc.array(nodeName, { maxLength: 3 }),
    localHints: fc.array(nodeName, { maxLength: 3 }),
    elapsedMs: fc.nat(),
  },
  { requiredKeys: ['coordinator', 'forwarded', 'op', 'n', 'mode', 'replicas', 'siblingsReconciled', 'readRepair', 'localHints', 'elapsedMs'] },
);

/** One arbitrary per message type, keyed by type, so a test can cover each by name. */
export const messageArbs: Record<Message['type'], fc.Arbitrary<Message>> = {
  hello: fc.record(
    { type: fc.constant('hello' as const), protocolVersion: fc.integer({ min: 1, max: 0xffff }), clientName: text(40), authToken: text(100) },
    { requiredKeys: ['type', 'protocolVersion', 'clientName'] },
  ),
  'hello-ok': fc.record({
    type: fc.constant('hello-ok' as const),
    nodeId: text(40),
    protocolVersion: fc.integer({ min: 1, max: 0xffff }),
    limits: limitsArb,
  }),
  get: withRequest(getOp),
  put: withRequest(putOp),
  delete: withRequest(deleteOp),
  batch: withRequest(fc.record({ type: fc.constant('batch' as const), ops: fc.array(opArb, { minLength: 1, maxLength: 8 }) })),
  'get-ok': fc
    .tuple(getResultArb, id, fc.option(receiptArb, { nil: undefined }))
    .map(([r, requestId, receipt]) => ({ type: 'get-ok' as const, id: requestId, ...r, ...(receipt === undefined ? {} : { receipt }) })),
  'put-ok': fc.record({ type: fc.constant('put-ok' as const), id, context: contextArb, receipt: receiptArb }, { requiredKeys: ['type', 'id', 'context'] }),
  'delete-ok': fc.record({ type: fc.constant('delete-ok' as const), id, context: contextArb, receipt: receiptArb }, { requiredKeys: ['type', 'id', 'context'] }),
  'batch-ok': fc.record({ type: fc.constant('batch-ok' as const), id, results: fc.array(resultArb, { maxLength: 8 }) }),
  ring: fc.record({ type: fc.constant('ring' as const), id, watch: fc.boolean() }, { requiredKeys: ['type', 'id'] }),
  'ring-changed': fc.record({ type: fc.constant('ring-changed' as const), version: fc.integer({ min: 0, max: 0xffff_ffff }) }),
  'ring-ok': fc.record({
    type: fc.constant('ring-ok' as const),
    id,
    version: fc.integer({ min: 0, max: 0xffff_ffff }),
    n: fc.integer({ min: 1, max: 64 }),
    replicas: fc.dictionary(fc.constantFrom('dc1', 'dc2', 'dc3'), fc.integer({ min: 1, max: 64 }), { minKeys: 1, maxKeys: 3 }),
    members: fc.array(ringMemberArb, { maxLength: 6 }),
  }, { requiredKeys: ['type', 'id', 'version', 'n', 'members'] }),
  scan: fc.record(
    {
      type: fc.constant('scan' as const),
      id,
      cursor: fc.uint8Array({ minLength: 8, maxLength: 40 }).map((p) => Uint8Array.of(1, ...p)),
      prefix: keyArb,
      limit: fc.integer({ min: 1, max: 1000 }),
      options: optionsArb,
    },
    { requiredKeys: ['type', 'id'] },
  ),
  'scan-ok': fc.record(
    { type: fc.constant('scan-ok' as const), id, keys: fc.array(fc.uint8Array({ minLength: 1, maxLength: 40 }), { maxLength: 10 }), cursor: fc.uint8Array({ minLength: 1, maxLength: 40 }) },
    { requiredKeys: ['type', 'id', 'keys'] },
  ),
  error: fc
    .tuple(errorBody, fc.option(id, { nil: undefined }))
    .map(([e, requestId]) => (requestId === undefined ? { type: 'error' as const, ...e } : { type: 'error' as const, id: requestId, ...e })),
};

/** Any message. */
export const messageArb: fc.Arbitrary<Message> = fc.oneof(...Object.values(messageArbs));

/**
 * A deep copy with every byte array as a plain `Uint8Array`, so equality
 * ignores Buffer-vs-Uint8Array and properties msgpackr attaches to buffers,
 * and -0 as 0 (MessagePack integers have no negative zero; documented).
 */
export function normalize(value: unknown): unknown {
  if (Object.is(value, -0)) return 0;
  if (value instanceof Uint8Array) return Uint8Array.from(value);
  if (Array.isArray(value)) return value.map(normalize);
  if (value instanceof Map) return new Map([...value].map(([k, v]) => [normalize(k), normalize(v)]));
  if (value instanceof Date) return value;
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) {
      // defineProperty, not assignment: a `__proto__` key must stay a key here too.
      Object.defineProperty(out, key, {
        value: normalize((value as Record<string, unknown>)[key]),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  }
  return value;
}
