/**
 * A fault-injecting TCP proxy in front of one node. Every inbound connection
 * to the node (peers and clients) passes through it; the proxy names the
 * connecting side by its source address (peers dial from their node's bound
 * IP) and moves bytes in both directions under the `FaultTable`.
 *
 * Concurrency model: socket events on the event loop; one `Lane` per
 * direction of each connection.
 *
 * Invariants:
 *   1. Bytes are never dropped or reordered inside a connection: a blocked
 *      link stalls its lane (the proxy stops reading the source, as a TCP
 *      path that loses every packet would, until the heal or a cut), and a
 *      delayed link holds each chunk for the delay, in order. So a healed
 *      connection carries an intact stream, and a cut is the only way bytes
 *      are lost (with the connection).
 *   2. A lane holds at most `proxyLaneBytesMax` bytes; past that it stops
 *      reading its source until it drains (backpressure, no unbounded memory).
 *   3. When either side closes or fails, both sockets are destroyed; a
 *      connection whose node does not accept (down, killed) is closed at once,
 *      as a refused connection would be.
 *   4. `close()` destroys every connection and the listener.
 */
import { createServer, connect as tcpConnect, type Server, type Socket } from 'node:net';
import { ChaosError } from './errors.js';
import type { FaultTable } from './faults.js';
import * as L from './limits.js';

/** Where a proxy listens, what it forwards to, and how it names the connecting side. */
export interface ProxyOptions {
  /** Address to listen on (a loopback IP of its own, e.g. 127.0.0.21). */
  readonly host: string;
  /** Port to listen on; 0 picks a free one. */
  readonly port?: number;
  /** The node behind the proxy. */
  readonly target: { readonly host: string; readonly port: number };
  /** The endpoint name of the node behind the proxy (its id). */
  readonly endpoint: string;
  /** The endpoint name of a connecting source address (a node id, or `client`). */
  readonly endpointOf: (address: string) => string;
  readonly table: FaultTable;
}

/** One direction of a proxied connection: `src` → `dst`, under the link `from` → `to`. */
class Lane {
  private readonly queue: { dueMs: number; chunk: Buffer }[] = [];
  private queuedBytes = 0;
  private timer: NodeJS.Timeout | undefined;
  private ended = false;
  private waitingDrain = false;

  constructor(
    private readonly src: Socket,
    private readonly dst: Socket,
    readonly from: string,
    readonly to: string,
    private readonly table: FaultTable,
  ) {
    src.on('data', (chunk: Buffer) => this.push(chunk));
    src.on('end', () => {
      this.ended = true;
      this.flush();
    });
  }

  /** Re-reads the link's state (after a table change) and moves what may move now. */
  refresh(): void {
    this.flush();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.queue.length = 0;
  }

  private push(chunk: Buffer): void {
    this.queue.push({ dueMs: Date.now() + this.table.link(this.from, this.to).delayMs, chunk });
    this.queuedBytes += chunk.length;
    this.flush();
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.dst.destroyed) return;
    const state = this.table.link(this.from, this.to);
    const nowMs = Date.now();
    while (!state.blocked && !this.waitingDrain && this.queue.length > 0 && (this.queue[0]?.dueMs ?? 0) <= nowMs) {
      const { chunk } = this.queue.shift() as { chunk: Buffer };
      this.queuedBytes -= chunk.length;
      if (!this.dst.write(chunk)) {
        this.waitingDrain = true;
        this.dst.once('drain', () => {
          this.waitingDrain = false;
          this.flush();
        });
      }
    }
    if (!state.blocked && this.queue.length > 0 && !this.waitingDrain) {
      this.timer = setTimeout(() => this.flush(), Math.max(1, (this.queue[0]?.dueMs ?? nowMs) - nowMs));
    }
    if (this.ended && this.queue.length === 0 && !state.blocked) this.dst.end();
    // Stalled, waiting for a drain, or over the bound: stop reading the source (TCP-like backpressure).
    if (state.blocked || this.waitingDrain || this.queuedBytes > L.proxyLaneBytesMax) this.src.pause();
    else this.src.resume();
  }
}

/** A proxied connection: the inbound socket, the socket to the node, and their two lanes. */
interface Conn {
  readonly peer: string;
  readonly inbound: Socket;
  readonly upstream: Socket;
  readonly lanes: Lane[];
}

/** The proxy in front of one node (module comment). */
export class FaultProxy {
  private readonly conns = new Set<Conn>();
  private readonly unsubscribe: () => void;
  private closed = false;

  private constructor(
    private readonly server: Server,
    private readonly o: ProxyOptions,
    /** The port the proxy listens on. */
    readonly port: number,
  ) {
    this.unsubscribe = o.table.onChange(() => {
      for (const c of this.conns) for (const lane of c.lanes) lane.refresh();
    });
    server.on('connection', (socket) => this.accept(socket));
  }

  /**
   * Starts listening on `host:port`.
   * Errors: ChaosError `proxy-failed` when the address cannot be bound.
   */
  static async start(o: ProxyOptions): Promise<FaultProxy> {
    const server = createServer({ pauseOnConnect: true, noDelay: true });
    server.maxConnections = L.proxyConnectionsMax;
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error) => reject(new ChaosError('proxy-failed', `cannot listen on ${o.host}:${o.port ?? 0}: ${error.message}`)));
      server.listen(o.port ?? 0, o.host, () => resolve());
    });
    return new FaultProxy(server, o, (server.address() as { port: number }).port);
  }

  /** `host:port` of the listener (what peers and clients dial). */
  get address(): string {
    return `${this.o.host}:${this.port}`;
  }

  /** Open proxied connections. */
  connectionCount(): number {
    return this.conns.size;
  }

  /**
   * Destroys every open connection whose connecting side matches `peer`
   * (a cut: both ends see the connection reset). Returns how many were cut.
   */
  cut(peer: (endpoint: string) => boolean): number {
    let n = 0;
    for (const c of [...this.conns]) {
      if (!peer(c.peer)) continue;
      this.drop(c);
      n++;
    }
    return n;
  }

  /** Destroys every connection and stops listening. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.unsubscribe();
    for (const c of [...this.conns]) this.drop(c);
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(inbound: Socket): void {
    const peer = this.o.endpointOf(inbound.remoteAddress ?? '');
    const upstream = tcpConnect({ host: this.o.target.host, port: this.o.target.port, noDelay: true });
    upstream.pause();
    const conn: Conn = { peer, inbound, upstream, lanes: [] };
    this.conns.add(conn);
    const drop = (): void => this.drop(conn);
    inbound.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    upstream.once('connect', () => {
      conn.lanes.push(new Lane(inbound, upstream, peer, this.o.endpoint, this.o.table), new Lane(upstream, inbound, this.o.endpoint, peer, this.o.table));
      for (const lane of conn.lanes) lane.refresh();
    });
  }

  private drop(c: Conn): void {
    if (!this.conns.delete(c)) return;
    for (const lane of c.lanes) lane.stop();
    c.inbound.destroy();
    c.upstream.destroy();
  }
}
