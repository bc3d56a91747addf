/**
 * Admission of raw TCP sockets on the node's one port, before anything knows
 * what they are (issue 15: idle sockets filled the connection cap and locked
 * out clients, peers and `/health`).
 *
 * A socket is *anonymous* from its TCP accept until it has shown who it is:
 * an HTTP request's headers (HTTP routes authenticate per request), or, for
 * a WebSocket upgrade, a good client `hello` or `peer-hello`. Between HTTP
 * requests on a keep-alive socket it is anonymous again.
 *
 * Invariants:
 *   1. A socket that completes neither a request's headers nor an upgrade
 *      within `headersTimeoutMs` of being accepted (or of its last
 *      keep-alive response) is destroyed. After an upgrade the hello
 *      deadlines of the client and peer connections take over.
 *   2. At most `anonymousSocketsMax` sockets are anonymous at once; one more
 *      destroys the oldest anonymous socket (Redis evicts nothing and nginx
 *      refuses the newcomer; either lets a flood of idle sockets lock every
 *      newcomer out). A client, peer or probe that identifies itself promptly
 *      is only displaced by a flood opening that many sockets meanwhile.
 *   3. At most `connectionsPerAddressMax` sockets per remote address: one
 *      more first displaces that address's oldest anonymous socket, and is
 *      destroyed at once only when all of that address's sockets are
 *      identified.
 *   4. Identified sockets never count against the anonymous bound: they are
 *      bounded by `connectionsMax` (clients) and `peerConnectionsMax`
 *      (authenticated peers), so anonymous sockets never take their room.
 *
 * Concurrency: event-loop callbacks only; no I/O of its own.
 */
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';

/** The bounds the guard applies (from the node's options). */
export interface SocketGuardLimits {
  readonly headersTimeoutMs: number;
  readonly anonymousSocketsMax: number;
  readonly connectionsPerAddressMax: number;
}

/** Counters for /status and /metrics. */
export interface SocketGuardStats {
  /** Anonymous sockets destroyed to make room (invariants 2, 3). */
  evicted: number;
  /** Sockets destroyed at accept: their address already held `connectionsPerAddressMax` identified sockets. */
  refusedPerAddress: number;
  /** Anonymous sockets destroyed by the header deadline (invariant 1). */
  timedOut: number;
}

interface Entry {
  readonly address: string;
  /** The header deadline; cleared once an upgrade's headers arrived. */
  timer: NodeJS.Timeout | undefined;
}

/** One per node; the HTTP server's `connection`, `request` and `upgrade` events drive it. */
export class SocketGuard {
  readonly stats: SocketGuardStats = { evicted: 0, refusedPerAddress: 0, timedOut: 0 };
  /** Anonymous sockets, oldest first (Map order). */
  private readonly anonymous = new Map<Duplex, Entry>();
  /** Per remote address: every open socket, and its anonymous ones oldest first. */
  private readonly addresses = new Map<string, { open: number; anonymous: Set<Duplex> }>();
  /** HTTP requests in progress per socket: a keep-alive socket turns anonymous when the last one finishes. */
  private readonly requests = new WeakMap<Duplex, number>();
  /** Sockets counted in `addresses[…].open`, with their address (an evicted socket is uncounted at once, not at its close). */
  private readonly counted = new WeakMap<Duplex, string>();

  constructor(private readonly limits: SocketGuardLimits) {}

  /** Anonymous sockets now (for /status). */
  get anonymousCount(): number {
    return this.anonymous.size;
  }

  /** A socket was accepted: count it, make room (invariants 2, 3), start its deadline. */
  accepted(socket: Socket): void {
    const address = socket.remoteAddress ?? '?';
    let perAddress = this.addresses.get(address);
    if (perAddress === undefined) {
      perAddress = { open: 0, anonymous: new Set() };
      this.addresses.set(address, perAddress);
    }
    if (perAddress.open >= this.limits.connectionsPerAddressMax) {
      const oldest = first(perAddress.anonymous);
      if (oldest === undefined) {
        this.stats.refusedPerAddress++;
        socket.destroy();
        return;
      }
      this.evict(oldest);
    }
    perAddress.open++;
    this.counted.set(socket, address);
    socket.once('close', () => this.release(socket));
    this.makeAnonymous(socket, address);
    if (this.anonymous.size > this.limits.anonymousSocketsMax) this.evict(first(this.anonymous.keys()) as Duplex);
  }

  /** An HTTP request's headers arrived on `socket`; it is anonymous again once every response on it is done. */
  request(socket: Duplex, done: { once(event: 'close', listener: () => void): unknown }): void {
    this.identified(socket);
    this.requests.set(socket, (this.requests.get(socket) ?? 0) + 1);
    done.once('close', () => {
      const left = (this.requests.get(socket) ?? 1) - 1;
      this.requests.set(socket, left);
      if (left === 0 && !socket.destroyed) {
        const address = this.counted.get(socket);
        if (address !== undefined) this.makeAnonymous(socket, address);
      }
    });
  }

  /** An upgrade's headers arrived: the header deadline ends; the socket stays anonymous (evictable) until its hello. */
  upgraded(socket: Duplex): void {
    const entry = this.anonymous.get(socket);
    if (entry !== undefined) {
      clearTimeout(entry.timer);
      entry.timer = undefined;
    }
  }

  /** The socket authenticated (a good client or peer hello) or carries an HTTP request: it leaves the anonymous pool. */
  identified(socket: Duplex): void {
    const entry = this.anonymous.get(socket);
    if (entry === undefined) return;
    clearTimeout(entry.timer);
    this.anonymous.delete(socket);
    this.addresses.get(entry.address)?.anonymous.delete(socket);
  }

  /**
   * `to` (a TLS socket over `from`, tls-accept.ts) takes `from`'s place: it
   * is counted for the same address and, if `from` was anonymous, is
   * anonymous with a new header deadline (the handshake took some of the
   * old one). `from` is no longer tracked.
   */
  wrapped(from: Duplex, to: Duplex): void {
    const address = this.counted.get(from);
    if (address === undefined) return;
    const wasAnonymous = this.anonymous.has(from);
    this.identified(from);
    this.counted.delete(from);
    this.counted.set(to, address);
    to.once('close', () => this.release(to));
    if (wasAnonymous) this.makeAnonymous(to, address);
  }

  /**
   * Destroys every anonymous socket (the node is stopping): sockets no
   * server tracks yet, such as one whose first bytes have not arrived
   * (port-mux.ts), would otherwise hold the listener's close until their
   * deadline.
   */
  destroyAnonymous(): void {
    for (const socket of [...this.anonymous.keys()]) {
      this.release(socket);
      socket.destroy();
    }
  }

  private makeAnonymous(socket: Duplex, address: string): void {
    const timer = setTimeout(() => {
      this.stats.timedOut++;
      socket.destroy();
    }, this.limits.headersTimeoutMs);
    timer.unref();
    this.anonymous.set(socket, { address, timer });
    this.addresses.get(address)?.anonymous.add(socket);
  }

  private evict(socket: Duplex): void {
    this.stats.evicted++;
    this.release(socket);
    socket.destroy();
  }

  /** Forgets a socket (closed or evicted); idempotent. */
  private release(socket: Duplex): void {
    this.identified(socket);
    const address = this.counted.get(socket);
    if (address === undefined) return;
    this.counted.delete(socket);
    const perAddress = this.addresses.get(address);
    if (perAddress === undefined) return;
    perAddress.open--;
    if (perAddress.open <= 0) this.addresses.delete(address);
  }
}

function first<T>(items: Iterable<T>): T | undefined {
  for (const item of items) return item;
  return undefined;
}
