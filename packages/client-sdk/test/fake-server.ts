/**
 * A small scripted ringkv node for SDK tests: ws + the protocol codec, an
 * in-memory store with simplified sibling rules (the context is the key's
 * version number; a write carrying the current version replaces the
 * siblings, any other write adds one), and hooks to misbehave: hold
 * replies, drop connections, send garbage.
 */

import type { AddressInfo } from 'node:net';
import { WireCodec, type BatchResult, type ClientRequest, type Message, type NodeReply, type RingMember, type Sibling } from '@ringkv/protocol';
import { WebSocketServer, type WebSocket } from 'ws';

export interface FakeRequest {
  readonly message: ClientRequest;
  readonly socket: WebSocket;
  /** Answers with the store's reply (the default behaviour). */
  answer(): void;
  /** Sends any reply. */
  reply(message: NodeReply): void;
}

export interface FakeServerOptions {
  readonly nodeId?: string;
  /** Port to listen on (default: a free one). */
  readonly port?: number;
  readonly inFlightMax?: number;
  /** Decides what to do with each request; default: `req.answer()`. */
  readonly onRequest?: (req: FakeRequest) => void;
  /** Advertised batchOpsMax (default the protocol's). */
  readonly batchOpsMax?: number;
  /** The ring this node reports (`ring-ok`); without it, `ring` is refused with `unknown-type`. Read at each request. */
  readonly ring?: () => { readonly version: number; readonly n: number; readonly members: readonly RingMember[] };
  /** Answer to hello; default hello-ok. */
  readonly onHello?: (socket: WebSocket, send: (m: Message) => void) => void;
}

export interface FakeServer {
  readonly url: string;
  readonly nodeId: string;
  /** Every request received, in order. */
  readonly requests: ClientRequest[];
  /** Sockets that completed hello. */
  readonly sockets: Set<WebSocket>;
  /** `ring` requests received. */
  ringRequests: number;
  /** `ring` requests received with `watch: true`. */
  ringWatches: number;
  /** Sends `message` (a push, say) on every connection that completed hello. */
  push(message: Message): void;
  /** Hellos received (connections attempted past the upgrade). */
  hellos: number;
  /** WebSocket connections open now, hello or not. */
  readonly openConnections: () => number;
  /** Ends every client connection abruptly (no close frame). */
  dropClients(): void;
  close(): Promise<void>;
}

interface Entry {
  version: number;
  siblings: Sibling[];
}

export const codec = new WireCodec();

function contextOf(version: number): Uint8Array {
  return new Uint8Array(new Uint32Array([version]).buffer);
}

function versionOf(context: Uint8Array | undefined): number | undefined {
  if (context === undefined || context.byteLength !== 4) return undefined;
  return new DataView(context.buffer, context.byteOffset, 4).getUint32(0, true);
}

/** The store's answer to a request, under the simplified sibling rules. */
function apply(store: Map<string, Entry>, m: ClientRequest): NodeReply {
  if (m.type === 'ring' || m.type === 'scan') return { type: 'error', id: m.id, code: 'unknown-type', message: `the fake node has no ${m.type}` };
  if (m.type === 'batch') {
    const results = m.ops.map((op) => {
      const { id: _id, ...result } = apply(store, { ...op, id: 0 } as ClientRequest) as NodeReply & { id: number };
      return result as BatchResult;
    });
    return { type: 'batch-ok', id: m.id, results };
  }
  const key = typeof m.key === 'string' ? m.key : Buffer.from(m.key).toString('hex');
  const entry = store.get(key) ?? { version: 0, siblings: [] };
  if (m.type === 'get') {
    const found = entry.siblings.some((s) => 'value' in s);
    return { type: 'get-ok', id: m.id, found, siblings: entry.siblings, context: contextOf(entry.version) };
  }
  const sibling: Sibling =
    m.type === 'put' ? { value: m.value.slice(), ...(m.valueEncoding ? { valueEncoding: m.valueEncoding } : {}) } : { tombstone: true };
  const covers = versionOf(m.context) === entry.version;
  const next: Entry = { version: entry.version + 1, siblings: covers ? [sibling] : [...entry.siblings, sibling] };
  store.set(key, next);
  return { type: m.type === 'put' ? 'put-ok' : 'delete-ok', id: m.id, context: contextOf(next.version) };
}

/** Starts a fake node on 127.0.0.1 with a free port. */
export async function startFakeServer(options: FakeServerOptions = {}): Promise<FakeServer> {
  const nodeId = options.nodeId ?? 'fake';
  const store = new Map<string, Entry>();
  const wss = new WebSocketServer({ host: '127.0.0.1', port: options.port ?? 0 });
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  const port = (wss.address() as AddressInfo).port;
  const server: FakeServer = {
    url: `ws://127.0.0.1:${port}`,
    nodeId,
    requests: [],
    ringRequests: 0,
    ringWatches: 0,
    push: (message) => {
      for (const s of server.sockets) s.send(codec.encode(message));
    },
    sockets: new Set(),
    hellos: 0,
    openConnections: () => wss.clients.size,
    dropClients: () => {
      for (const s of wss.clients) s.terminate();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of wss.clients) s.terminate();
        wss.close(() => resolve());
      }),
  };
  wss.on('connection', (socket) => {
    let helloDone = false;
    const send = (m: Message): void => socket.send(codec.encode(m));
    socket.on('message', (data: Buffer) => {
      const decoded = codec.decode(new Uint8Array(data));
      if (!decoded.ok) return socket.close(1002, 'bad frame');
      const m = decoded.message;
      if (!helloDone) {
        helloDone = true;
        server.hellos++;
        if (options.onHello) return options.onHello(socket, send);
        server.sockets.add(socket);
        const limits = { ...codec.limits, inFlightMax: options.inFlightMax ?? 1024 };
        const advertised = {
          frameBytesMax: limits.frameBytesMax,
          keyBytesMax: limits.keyBytesMax,
          valueBytesMax: limits.valueBytesMax,
          contextBytesMax: limits.contextBytesMax,
          batchOpsMax: options.batchOpsMax ?? limits.batchOpsMax,
          inFlightMax: limits.inFlightMax,
        };
        return send({ type: 'hello-ok', nodeId, protocolVersion: 1, limits: advertised });
      }
      if (m.type === 'ring') {
        server.ringRequests++;
        if (m.watch === true) server.ringWatches++;
        const ring = options.ring?.();
        return send(ring === undefined ? apply(store, m) : { type: 'ring-ok', id: m.id, ...ring, members: [...ring.members] });
      }
      if (m.type !== 'get' && m.type !== 'put' && m.type !== 'delete' && m.type !== 'batch') return;
      server.requests.push(m);
      const req: FakeRequest = {
        message: m,
        socket,
        answer: () => {
          if (socket.readyState === socket.OPEN) send(apply(store, m));
        },
        reply: (r) => {
          if (socket.readyState === socket.OPEN) send(r);
        },
      };
      if (options.onRequest) options.onRequest(req);
      else req.answer();
    });
    socket.on('close', () => server.sockets.delete(socket));
  });
  return server;
}
