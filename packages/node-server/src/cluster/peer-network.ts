/**
 * The WebSocket peer network of a node: outbound links (one per peer
 * address, created on first use) and inbound peer connections on `/peer`.
 * It is the gossip `Transport` and the core's `PeerPort`; nothing else in
 * the node touches peer sockets.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Transport } from '@ringkv/gossip';
import type { PeerCodec, PeerMessage } from '@ringkv/protocol';
import type { Clock } from '@ringkv/quorum';
import { isIP } from 'node:net';
import { WebSocketServer } from 'ws';
import { PeerLink, type PeerCallBody, type PeerStats } from './peer-link.js';
import { PeerServerConnection, type InboundPeers, type PeerAdmission, type PeerHandlers } from './peer-server.js';
import type { PeerPort } from './replicas.js';

/** What the network needs to know about its node. */
export interface PeerNetworkOptions extends PeerAdmission {
  readonly clock: Clock;
  readonly random: { next(): number };
  /** The node's bind host: a specific IP becomes the source of outbound peer connections. */
  readonly host?: string;
  /** Told about every accepted inbound peer WebSocket, once ws holds its socket (the node's frame guard reads it). */
  readonly onUpgraded?: (socket: Duplex) => void;
}

/**
 * The source address for outbound peer connections: the bound host when it is
 * one specific IP, so a multi-homed node dials from the address it serves on
 * (and a proxy or firewall can tell nodes apart by source); otherwise
 * (a wildcard bind, a host name) the OS chooses.
 */
export function peerLocalAddress(host: string | undefined): string | undefined {
  if (host === undefined || isIP(host) === 0 || host === '0.0.0.0' || host === '::') return undefined;
  return host;
}

/** Which peers are in another DC than this node (the core's view knows). */
export interface WanPeers {
  address(address: string): boolean;
  id(id: string): boolean;
}

/** Links, inbound connections and their counters. */
export class PeerNetwork implements PeerPort {
  readonly stats: PeerStats = { callsSent: 0, callsFailed: 0, callsTimedOut: 0, gossipSent: 0, gossipDropped: 0, connectsOk: 0, connectsFailed: 0 };
  /** Frame bytes this node wrote to peers of other DCs (calls, gossip and replies), once `countWan` says which those are. */
  readonly wan = { bytesSent: 0 };
  private remote: WanPeers | undefined;
  private readonly links = new Map<string, PeerLink>();
  private readonly inbound: InboundPeers = { all: new Set(), authenticated: new Set() };
  private readonly wss: WebSocketServer;
  private gossipHandler: ((from: string, message: unknown) => void) | undefined;
  private handlers: PeerHandlers | undefined;

  /** The gossip transport over this network. */
  readonly transport: Transport = {
    send: (to, message) => this.link(to).gossip(message as Record<string, unknown>),
    onMessage: (handler) => {
      this.gossipHandler = handler;
      return () => {
        this.gossipHandler = undefined;
      };
    },
  };

  constructor(private readonly o: PeerNetworkOptions) {
    this.wss = new WebSocketServer({ noServer: true, maxPayload: o.codec.limits.frameBytesMax, perMessageDeflate: false, clientTracking: false });
  }

  /** Sets who serves inbound calls (the cluster core), once it exists. */
  serve(handlers: Omit<PeerHandlers, 'onGossip'>): void {
    this.handlers = {
      onGossip: (from, msg) => this.gossipHandler?.(from, msg),
      onCall: handlers.onCall,
      onSent: (to, bytes) => {
        if (this.remote?.id(to) === true) this.wan.bytesSent += bytes;
      },
    };
  }

  call(address: string, body: PeerCallBody, timeoutMs: number): Promise<PeerMessage> {
    return this.link(address).call(body, timeoutMs);
  }

  /**
   * An upgrade on `/peer`: accepted unless the node is not serving yet. Until
   * its hello the connection is anonymous and takes no peer slot (the
   * socket guard bounds those); `peerConnectionsMax` is checked at the hello.
   */
  accept(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const handlers = this.handlers;
    if (handlers === undefined) {
      socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      this.o.onUpgraded?.(socket);
      new PeerServerConnection(ws, socket, req.socket.remoteAddress ?? '', this.o, handlers, this.inbound);
    });
  }

  /** Sets how to tell peers of other DCs (by address for outbound links, by node id for inbound connections): their bytes count in `wan`. */
  countWan(remote: WanPeers): void {
    this.remote = remote;
  }

  relays(address: string): boolean {
    return this.links.get(address)?.relays === true;
  }

  reconnectNow(address: string): void {
    this.links.get(address)?.retryNow();
  }

  /** The outbound link to `address`: `up` (open), `down` (being retried), or `none` (never needed). For /status. */
  linkState(address: string): 'up' | 'down' | 'none' {
    const link = this.links.get(address);
    return link === undefined ? 'none' : link.open ? 'up' : 'down';
  }

  /** Peers this node has links to, and inbound connections (for /status). */
  connections(): { outbound: number; inbound: number } {
    return { outbound: this.links.size, inbound: this.inbound.authenticated.size };
  }

  close(): void {
    for (const link of this.links.values()) link.close();
    this.links.clear();
    for (const c of this.inbound.all) c.terminate();
    this.inbound.all.clear();
    this.inbound.authenticated.clear();
    this.wss.close();
  }

  private readonly countSent = (address: string, bytes: number): void => {
    if (this.remote?.address(address) === true) this.wan.bytesSent += bytes;
  };

  private link(address: string): PeerLink {
    let link = this.links.get(address);
    if (link === undefined) {
      link = new PeerLink(address, { selfId: this.o.selfId, clusterName: this.o.clusterName, secret: this.o.secret, codec: this.o.codec, clock: this.o.clock, random: this.o.random, stats: this.stats, localAddress: peerLocalAddress(this.o.host), onSent: this.countSent });
      this.links.set(address, link);
    }
    return link;
  }
}
