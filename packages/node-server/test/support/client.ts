/**
 * A minimal test client built from @ringkv/protocol's codec (the SDK is
 * written in parallel and is not a dependency of the node): hello, requests
 * paired with replies by id, raw frames, and the close code.
 */
import { PROTOCOL_VERSION, WireCodec, type Message, type NodeReply } from '@ringkv/protocol';
import { Packr } from 'msgpackr';
import WebSocket from 'ws';

const rawPackr = new Packr({ useRecords: false });

export const codec = new WireCodec();

/** The message of the reply a request gets when the connection closed before the node answered it. */
export const closedBeforeReply = 'test-client: connection closed before a reply';

export interface Closed {
  code: number;
  reason: string;
}

type Pending = { resolve(reply: NodeReply): void };

export class TestClient {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  /** Frames without a pending request (connection errors, hello-ok). */
  readonly unsolicited: Message[] = [];
  private waiters: ((m: Message) => void)[] = [];
  readonly closed: Promise<Closed>;

  constructor(readonly ws: WebSocket) {
    this.closed = new Promise((resolve) =>
      ws.on('close', (code, reason) => {
        // Requests the node never answered: what an SDK reports as a lost connection.
        for (const [id, p] of this.pending) p.resolve({ type: 'error', id, code: 'unavailable', message: closedBeforeReply });
        this.pending.clear();
        resolve({ code, reason: reason.toString() });
      }),
    );
    ws.on('error', () => {});
    ws.on('message', (data: Buffer) => this.onFrame(data));
  }

  private onFrame(data: Buffer): void {
    const r = codec.decode(data);
    if (!r.ok) throw r.error;
    const m = r.message;
    const id = 'id' in m ? m.id : undefined;
    const p = id === undefined ? undefined : this.pending.get(id);
    if (p !== undefined && id !== undefined) {
      this.pending.delete(id);
      p.resolve(m as NodeReply);
      return;
    }
    this.unsolicited.push(m);
    const w = this.waiters.shift();
    w?.(m);
  }

  /** The next frame that answers no pending request. */
  nextUnsolicited(): Promise<Message> {
    const m = this.unsolicited.shift();
    if (m !== undefined) return Promise.resolve(m);
    return new Promise((resolve) => this.waiters.push((x) => { this.unsolicited.splice(this.unsolicited.indexOf(x), 1); resolve(x); }));
  }

  sendRaw(frame: Uint8Array | string): void {
    this.ws.send(frame);
  }

  send(message: Message): void {
    this.ws.send(codec.encode(message));
  }

  /** Sends a request with a fresh id and resolves with its reply. */
  request<T extends { type: string }>(body: T): Promise<NodeReply> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, { resolve });
      this.ws.send(codec.encode({ ...body, id } as unknown as Message));
    });
  }

  /** Like `request`, but packed without the codec's checks: for frames a correct client would refuse to send. */
  requestUnchecked(body: Record<string, unknown>): Promise<NodeReply> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, { resolve });
      this.ws.send(rawPackr.pack({ v: 1, k: 0, ...body, id }));
    });
  }

  async hello(authToken?: string, protocolVersion = PROTOCOL_VERSION): Promise<Message> {
    this.send({ type: 'hello', protocolVersion, clientName: 'node-server-test', ...(authToken === undefined ? {} : { authToken }) });
    return this.nextUnsolicited();
  }

  close(): Promise<Closed> {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.close();
    return this.closed;
  }
}

/** Opens a WebSocket to `url`; rejects on a refused upgrade with the HTTP status. */
export function open(url: string): Promise<TestClient> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    ws.once('open', () => resolve(new TestClient(ws)));
    ws.once('unexpected-response', (_req, res) => {
      reject(Object.assign(new Error(`upgrade refused: ${res.statusCode}`), { status: res.statusCode }));
      res.resume();
      ws.terminate();
    });
    ws.once('error', reject);
  });
}

/** Opens a connection and completes hello. */
export async function connect(url: string, authToken?: string): Promise<TestClient> {
  const c = await open(url);
  const reply = await c.hello(authToken);
  if (reply.type !== 'hello-ok') throw new Error(`hello refused: ${JSON.stringify(reply)}`);
  return c;
}

/** The first sibling's value of a get reply as UTF-8 text (undefined for anything else). */
export function firstValueText(reply: NodeReply): string | undefined {
  if (reply.type !== 'get-ok') return undefined;
  const s = reply.siblings[0];
  return s !== undefined && 'value' in s ? new TextDecoder().decode(s.value) : undefined;
}

/** Connections a test file opens and terminates after each test: `afterEach(pool.terminateAll)`. */
export function clientPool(): { connect(url: string): Promise<TestClient>; terminateAll(): void } {
  const open: TestClient[] = [];
  return {
    async connect(url) {
      const c = await connect(url);
      open.push(c);
      return c;
    },
    terminateAll() {
      for (const c of open.splice(0)) c.ws.terminate();
    },
  };
}
