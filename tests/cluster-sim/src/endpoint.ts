/**
 * A node's one simulated network endpoint: gossip, peer RPC (calls and
 * replies) and client requests multiplexed on its `SimTransport`, as a real
 * node multiplexes them on its sockets.
 *
 * Frames: `g` gossip, `c` peer call, `r` peer reply, `q` client request,
 * `a` client answer.
 *
 * Invariants:
 *   1. A paused node neither handles nor sends: frames that arrive are
 *      held, frames it would send are held, both released in order by
 *      `resume` (a SIGSTOPped process: the kernel buffers its sockets).
 *   2. After `kill`, nothing of this endpoint sends or handles again, even
 *      a promise of the old process that settles after a restart.
 *   3. Every peer call settles: with the reply, or with a `timeout`
 *      ProtocolError after its time on the node's clock.
 *   4. A call or client request is served at most once, however often the
 *      network duplicated its frame: ringkv's peer and client links are
 *      WebSockets over TCP, which never deliver a frame twice, and a write
 *      is not idempotent (a second run makes a second sibling). Frames are
 *      keyed by (sender, id); call ids are unique per node generation
 *      (`epoch`). Gossip frames pass through: gossip tolerates duplicates.
 */
import type { ClusterOp, OpReply, PeerCallBody, PeerPort } from '@ringkv/node-server';
import { protocolError, type PeerMessage, type RequestOptions } from '@ringkv/protocol';
import type { SimTransport } from '@ringkv/sim';
import type { NodeClock } from './node-clock.js';

/** A client request as it travels. */
export interface ClientRequest {
  readonly k: 'q';
  readonly id: number;
  readonly op: ClusterOp;
  readonly options?: RequestOptions;
}

/** A node's answer to a client request. */
export type ClientAnswer =
  | { readonly k: 'a'; readonly id: number; readonly reply: OpReply }
  | { readonly k: 'a'; readonly id: number; readonly error: { readonly code: string; readonly message: string } };

type Frame =
  | { readonly k: 'g'; readonly m: unknown }
  | { readonly k: 'c'; readonly id: number; readonly body: PeerMessage }
  | { readonly k: 'r'; readonly id: number; readonly reply: PeerMessage }
  | ClientRequest;

/** What the endpoint serves with. */
export interface EndpointHandlers {
  readonly peerCall: (from: string, call: PeerMessage) => Promise<PeerMessage>;
  readonly clientOp: (op: ClusterOp, options: RequestOptions | undefined) => Promise<OpReply>;
}

/** One node generation's endpoint (module comment). */
export class NodeEndpoint {
  private gossipHandler: ((from: string, m: unknown) => void) | undefined;
  private handlers: EndpointHandlers | undefined;
  private readonly pending = new Map<number, { resolve(m: PeerMessage): void; reject(e: Error): void; timer: unknown }>();
  private nextId = 1;
  private alive = true;
  private heldIn: [string, Frame][] = [];
  private heldOut: [string, unknown][] = [];
  private readonly unsubscribe: () => void;
  private readonly served = new Set<string>();

  constructor(
    private readonly transport: SimTransport,
    private readonly clock: NodeClock,
    /** The node's start count: call ids of different generations never collide (invariant 4). */
    epoch: number,
  ) {
    this.nextId = epoch * 1_000_000_000 + 1;
    this.unsubscribe = transport.onMessage((from, raw) => this.receive(from, raw as Frame));
  }

  /** Gossip's transport port. */
  readonly gossip = {
    send: (to: string, m: unknown): void => this.send(to, { k: 'g', m }),
    onMessage: (handler: (from: string, m: unknown) => void): (() => void) => {
      this.gossipHandler = handler;
      return () => {
        if (this.gossipHandler === handler) this.gossipHandler = undefined;
      };
    },
  };

  /** The cluster core's peer port (invariant 3). */
  readonly peers: PeerPort = {
    call: (address: string, body: PeerCallBody, timeoutMs: number) =>
      new Promise<PeerMessage>((resolve, reject) => {
        const id = this.nextId++;
        const timer = this.clock.setTimer(timeoutMs, () => {
          if (this.pending.delete(id)) reject(protocolError('timeout', `${address} did not answer`));
        });
        this.pending.set(id, { resolve, reject, timer });
        this.send(address, { k: 'c', id, body: { ...body, id, timeoutMs: Math.ceil(timeoutMs) } });
      }),
  };

  /** Starts serving peer calls and client requests. */
  serve(handlers: EndpointHandlers): void {
    this.handlers = handlers;
  }

  /** Releases what a pause held (invariant 1). */
  resume(): void {
    const inbound = this.heldIn;
    const outbound = this.heldOut;
    this.heldIn = [];
    this.heldOut = [];
    for (const [to, m] of outbound) this.send(to, m);
    for (const [from, frame] of inbound) this.receive(from, frame);
  }

  /** The process died (invariant 2). */
  kill(): void {
    this.alive = false;
    this.unsubscribe();
    this.heldIn = [];
    this.heldOut = [];
    for (const p of this.pending.values()) this.clock.clearTimer(p.timer);
    this.pending.clear();
  }

  private send(to: string, m: unknown): void {
    if (!this.alive) return;
    if (this.clock.isPaused) this.heldOut.push([to, m]);
    else this.transport.send(to, m);
  }

  private receive(from: string, frame: Frame): void {
    if (!this.alive) return;
    if (this.clock.isPaused) {
      this.heldIn.push([from, frame]);
      return;
    }
    switch (frame.k) {
      case 'g':
        this.gossipHandler?.(from, frame.m);
        return;
      case 'c':
        if (this.duplicate(from, frame.id)) return;
        if (this.handlers !== undefined) void this.handlers.peerCall(from, frame.body).then((reply) => this.send(from, { k: 'r', id: frame.id, reply }));
        return;
      case 'r':
        return this.settle(frame.id, frame.reply);
      case 'q':
        return this.serveClient(from, frame);
    }
  }

  /** True when a frame (sender, id) was served already (invariant 4). */
  private duplicate(from: string, id: number): boolean {
    const key = `${from}:${id}`;
    if (this.served.has(key)) return true;
    this.served.add(key);
    return false;
  }

  private settle(id: number, reply: PeerMessage): void {
    const p = this.pending.get(id);
    if (p === undefined) return;
    this.pending.delete(id);
    this.clock.clearTimer(p.timer);
    if (reply.type === 'peer-error') p.reject(protocolError(reply.code, reply.message));
    else p.resolve(reply);
  }

  private serveClient(from: string, q: ClientRequest): void {
    if (this.handlers === undefined || this.duplicate(from, q.id)) return;
    this.handlers.clientOp(q.op, q.options).then(
      (reply) => this.send(from, { k: 'a', id: q.id, reply } satisfies ClientAnswer),
      (error: unknown) => {
        const e = error as { code?: unknown; message?: unknown };
        const code = typeof e.code === 'string' ? e.code : 'internal';
        this.send(from, { k: 'a', id: q.id, error: { code, message: String(e.message ?? error) } } satisfies ClientAnswer);
      },
    );
  }
}
