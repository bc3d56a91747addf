/**
 * The SDK's own CPU per operation, without a network or a node: clients
 * talk to an in-process fake node (a `webSocket` factory) that decodes each
 * request frame and answers it on the next macrotask, as a socket would.
 * The fake node reads only each frame's id and op types (a minimal
 * MessagePack walk) and writes its reply from prebuilt pieces, so it costs
 * little and the same for any build of the SDK: the process's CPU per
 * operation is the SDK's (issue 12: "the SDK ≤ 15 µs per operation") plus
 * that small constant, and what the ws library and the kernel cost per
 * frame is left out.
 *
 *   node packages/client-sdk/bench/sdk-cpu.mjs [--sdk path/to/client-sdk/dist/index.js] [-c 50] [-P 16] [--ops 200000]
 *
 * `--sdk` lets one sitting compare two builds (another worktree's dist).
 * Prints one JSON line: ops and the process's CPU µs/op (utime + stime
 * from `process.cpuUsage`) over the measured run, after a warm-up. The load is `ringkv bench`'s: 50/50
 * get/put of 100-byte values over 100,000 keys, puts with the last context.
 */
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import { WireCodec } from '@ringkv/protocol';

const { values: args } = parseArgs({
  options: {
    sdk: { type: 'string' },
    c: { type: 'string', default: '50' },
    P: { type: 'string', default: '16' },
    ops: { type: 'string', default: '200000' },
  },
});
const sdk = await import(args.sdk === undefined ? '@ringkv/client-sdk' : pathToFileURL(resolve(args.sdk)).href);
const clientsN = Number(args.c);
const inflight = Number(args.P);
const opsTotal = Number(args.ops);

const codec = new WireCodec();
const context = new Uint8Array(24).fill(3);
const storedValue = codec.packValue(new Uint8Array(100).fill(9));

/** The fake node's answer to one decoded request. */
function result(op) {
  if (op.type === 'get') return { type: 'get-ok', found: true, siblings: [{ value: storedValue.value }], context };
  return { type: op.type === 'put' ? 'put-ok' : 'delete-ok', context };
}

const utf8 = new TextEncoder();
/** MessagePack of a small map of strings, booleans, byte strings and one-level arrays of such maps (enough for the replies). */
function pack(x) {
  if (typeof x === 'string') {
    const b = utf8.encode(x);
    return [0xa0 | b.length, ...b];
  }
  if (typeof x === 'boolean') return [x ? 0xc3 : 0xc2];
  if (typeof x === 'number') return [x]; // small positive ints only
  if (x instanceof Uint8Array) return [0xc4, x.length, ...x];
  if (Array.isArray(x)) return [0x90 | x.length, ...x.flatMap(pack)];
  const entries = Object.entries(x);
  return [0x80 | entries.length, ...entries.flatMap(([k, v]) => [...pack(k), ...pack(v)])];
}
const resultBytes = {
  get: Uint8Array.from(pack(result({ type: 'get' }))),
  put: Uint8Array.from(pack(result({ type: 'put' }))),
  delete: Uint8Array.from(pack(result({ type: 'delete' }))),
};
const batchHead = Uint8Array.from([0x85, ...pack('v'), 1, ...pack('k'), 0, ...pack('type'), ...pack('batch-ok'), ...pack('results')]);

const code = (s) => s.length * 256 + s.charCodeAt(0);
const names = { type: code('type'), id: code('id'), ops: code('ops') };
const typeOf = new Map(['get', 'put', 'delete', 'batch'].map((t) => [code(t), t]));

/** Reads the request's id and op types with a minimal MessagePack walk (no objects). */
function peek(b) {
  let pos = 0;
  const types = [];
  let id = 0;
  const len = (t) => {
    if (t >= 0x80 && t <= 0x8f) return t & 0x0f;
    if (t >= 0x90 && t <= 0x9f) return t & 0x0f;
    if (t >= 0xa0 && t <= 0xbf) return t & 0x1f;
    if (t === 0xc4 || t === 0xd9) return b[pos++];
    if (t === 0xc5 || t === 0xda || t === 0xdc || t === 0xde) return (b[pos++] << 8) | b[pos++];
    return ((b[pos++] << 24) | (b[pos++] << 16) | (b[pos++] << 8) | b[pos++]) >>> 0;
  };
  // A string as a number: its length and first byte tell apart every name and type the walk looks for (no string is made).
  const str = () => {
    const n = len(b[pos++]);
    const code = n * 256 + b[pos];
    pos += n;
    return code;
  };
  const uint = () => {
    const t = b[pos++];
    if (t < 0x80) return t;
    if (t === 0xcc) return b[pos++];
    if (t === 0xcd) return (b[pos++] << 8) | b[pos++];
    return ((b[pos++] << 24) | (b[pos++] << 16) | (b[pos++] << 8) | b[pos++]) >>> 0;
  };
  const skip = () => {
    const t = b[pos++];
    if (t < 0x80 || t >= 0xe0 || t === 0xc0 || t === 0xc2 || t === 0xc3) return;
    if (t === 0xcc) return void pos++;
    if (t === 0xcd) return void (pos += 2);
    if (t === 0xce) return void (pos += 4);
    const n = len(t);
    if ((t >= 0x80 && t <= 0x8f) || t === 0xde || t === 0xdf) for (let i = 0; i < 2 * n; i++) skip();
    else if ((t >= 0x90 && t <= 0x9f) || t === 0xdc || t === 0xdd) for (let i = 0; i < n; i++) skip();
    else pos += n;
  };
  const map = (onField) => {
    const n = len(b[pos++]);
    for (let i = 0; i < n; i++) onField(str());
  };
  let type = 0;
  map((field) => {
    if (field === names.type) type = str();
    else if (field === names.id) id = uint();
    else if (field === names.ops) {
      const n = len(b[pos++]);
      for (let i = 0; i < n; i++) map((f) => (f === names.type ? types.push(typeOf.get(str())) : skip()));
    } else skip();
  });
  return { type: typeOf.get(type) ?? 'other', id, types };
}

/** The reply frame of a peeked get/put/delete/batch request, from prebuilt pieces. */
function replyFrame({ type, id, types }) {
  const idBytes = [0xce, id >>> 24, (id >>> 16) & 0xff, (id >>> 8) & 0xff, id & 0xff];
  if (type === 'batch') {
    const parts = types.map((t) => resultBytes[t]);
    const out = new Uint8Array(batchHead.length + 3 + parts.reduce((a, p) => a + p.length, 0) + 3 + idBytes.length);
    let at = 0;
    out.set(batchHead, at);
    at += batchHead.length;
    out.set([0xdc, parts.length >> 8, parts.length & 0xff], at);
    at += 3;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    out.set([0xa2, 0x69, 0x64, ...idBytes], at); // "id"
    return out;
  }
  // A single reply: the result's own map with v, k and id added (its header counts them).
  const body = resultBytes[type];
  const out = Uint8Array.from([0x80 | ((body[0] & 0x0f) + 3), ...body.subarray(1), ...pack('v'), 1, ...pack('k'), 0, 0xa2, 0x69, 0x64, ...idBytes]);
  return out;
}

/** A WebSocketLike whose peer is the fake node. */
function fakeSocket() {
  const socket = {
    binaryType: 'arraybuffer',
    readyState: 0,
    bufferedAmount: 0,
    onopen: null,
    onmessage: null,
    onclose: null,
    onerror: null,
    send(frame) {
      const peeked = peek(frame);
      if (peeked.type === 'get' || peeked.type === 'put' || peeked.type === 'delete' || peeked.type === 'batch') {
        const bytes = replyFrame(peeked);
        setImmediate(() => socket.onmessage?.({ data: bytes }));
        return;
      }
      const decoded = codec.decode(frame);
      if (!decoded.ok) throw new Error(`bad frame: ${decoded.error.message}`);
      const m = decoded.message;
      let reply;
      if (m.type === 'hello') {
        const l = codec.limits;
        reply = {
          type: 'hello-ok',
          nodeId: 'fake',
          protocolVersion: 1,
          limits: { frameBytesMax: l.frameBytesMax, keyBytesMax: l.keyBytesMax, valueBytesMax: l.valueBytesMax, contextBytesMax: l.contextBytesMax, batchOpsMax: l.batchOpsMax, inFlightMax: 1024 },
        };
      } else if (m.type === 'batch') reply = { type: 'batch-ok', id: m.id, results: m.ops.map(result) };
      else if (m.type === 'ring') reply = { type: 'error', id: m.id, code: 'unknown-type', message: 'no ring here' };
      else reply = { ...result(m), id: m.id };
      const bytes = Uint8Array.from(codec.encode(reply));
      setImmediate(() => socket.onmessage?.({ data: bytes }));
    },
    close() {
      socket.readyState = 3;
      setImmediate(() => socket.onclose?.({ code: 1000, reason: '' }));
    },
  };
  setImmediate(() => {
    socket.readyState = 1;
    socket.onopen?.({});
  });
  return socket;
}

const clients = await Promise.all(Array.from({ length: clientsN }, () => sdk.connect('ws://fake:1', { webSocket: fakeSocket, routing: 'any' })));
const value = new Uint8Array(100).fill(7);
const contexts = new Map();

async function run(n) {
  let started = 0;
  const worker = async (client) => {
    while (started < n) {
      started++;
      const k = Math.floor(Math.random() * 100_000);
      const key = `bench:${k}`;
      if (Math.random() < 0.5) {
        const read = await client.get(key);
        if (read.found) contexts.set(k, read.context);
      } else {
        const ctx = contexts.get(k);
        const put = await client.put(key, value, ctx === undefined ? undefined : { context: ctx });
        contexts.set(k, put.context);
      }
    }
  };
  const workers = [];
  for (const c of clients) for (let j = 0; j < inflight; j++) workers.push(worker(c));
  await Promise.all(workers);
}

await run(Math.min(20_000, opsTotal)); // warm-up: JIT, caches
const cpu0 = process.cpuUsage();
await run(opsTotal);
const cpu = process.cpuUsage(cpu0);
const processUs = (cpu.user + cpu.system) / opsTotal;
await Promise.all(clients.map((c) => c.close()));
console.log(
  JSON.stringify({
    clients: clientsN,
    inflight,
    ops: opsTotal,
    processCpuUsPerOp: Math.round(processUs * 10) / 10,
  }),
);
