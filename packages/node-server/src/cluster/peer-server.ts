/**
 * One inbound peer connection: another node dialed this one on `/peer`.
 *
 * Invariants:
 *   1. Nothing but `peer-hello` is served before a good hello: same peer
 *      protocol version, same cluster name, the cluster secret when one is
 *      configured (constant-time compare); without a secret, only loopback
 *      peers are accepted unless the node allows insecure public binds.
 *      A bad hello gets `peer-error` and a close (1002 or 1008).
 *   2. At most `peerInFlightMax` calls run at once; more are answered
 *      `too-many-in-flight` without running.
 *   3. Past 2 × `peerSendBufferBytesMax` queued reply bytes the connection is
 *      terminated (the caller's calls then fail and it reconnects).
 *   4. A connection that sends no good hello within `peerConnectTimeoutMs` is
 *      refused (`hello-required`, 1002). Until its good hello a connection
 *      is anonymous: it holds none of the `peerConnectionsMax` slots (it is
 *      in `all`, not `authenticated`), it may be displaced by newer sockets
 *      (server/socket-guard.ts), and a refusal drops it as soon as the close
 *      frame is written, without waiting for its answer. A good hello past
 *      `peerConnectionsMax` authenticated connections is refused
 *      `unavailable`.
 *   6. Text frames are refused (`malformed-frame`, close 1003).
 *   5. Every call gets exactly one reply (its handler never throws: failures
 *      become `peer-error` with the protocol code).
 *   7. A dialer whose hello says `batching` is answered `batching` too; the
 *      calls of its `peer-batch` frames run one by one (each counted against
 *      invariant 2, each answered on its own), and their replies leave in
 *      `peer-batch` frames as they finish (peer-batcher.ts): a slow call
 *      holds back no other call's reply beyond the end of the turn.
 *   8. A dialer whose hello says `relay` is answered `relay`: this node
 *      serves `relay` calls (one frame each, answered alone; cluster/relay-serve.ts).
 */
import { secretsEqual } from '../auth/secrets.js';
import { closeProtocolError, errorFrame, isBatchableCall, isBatchableReply, PEER_PROTOCOL_VERSION, protocolError, type CheckedBatchMessage, type PeerCall, type PeerCodec, type PeerMessage, type ProtocolError } from '@ringkv/protocol';
import type { Duplex } from 'node:stream';
import type { RawData, WebSocket } from 'ws';
import { isLoopbackHost } from '../options.js';
import * as L from '../limits.js';
import { batchBytesEstimate, PeerBatcher } from './peer-batcher.js';
import { closeUnsupportedData, closeWithoutHandshake, textFrameError } from '../server/close-now.js';

/** What a peer connection hands to the node. */
export interface PeerHandlers {
  /** A gossip message from peer `from` (validated by gossip itself). */
  onGossip(from: string, msg: Record<string, unknown>): void;
  /** Runs one call; resolves with the reply (or a peer-error message). Never rejects. */
  onCall(from: string, call: PeerCall): Promise<PeerMessage>;
  /** Told the size of every frame written to peer `to` once it said hello (the node counts bytes sent to other DCs). */
  onSent?(to: string, bytes: number): void;
}

/** How inbound peers are admitted. */
export interface PeerAdmission {
  readonly selfId: string;
  readonly clusterName: string;
  readonly secret: string | undefined;
  readonly allowInsecure: boolean;
  readonly codec: PeerCodec;
  /** Told about every refused peer hello (a wrong secret or cluster name is worth a log line). */
  readonly onRefused?: (remoteHost: string, code: string, message: string) => void;
  /** Told when a connection's hello is accepted: its socket is no longer anonymous. */
  readonly onAuthenticated?: (socket: Duplex) => void;
}

/** The inbound peer connections of a node: every one (to stop them), and those past a good hello (`peerConnectionsMax`). */
export interface InboundPeers {
  readonly all: Set<PeerServerConnection>;
  readonly authenticated: Set<PeerServerConnection>;
}

/** 1013: try again later (the node is at its peer connection bound). */
const closeTryAgainLater = 1013;

/** An accepted peer WebSocket; removes itself from `connections` on close. */
export class PeerServerConnection {
  private peerId: string | undefined;
  private inFlight = 0;
  private closing = false;
  private readonly helloTimer: NodeJS.Timeout;
  private corked = false;
  /** Replies to batched calls (invariant 7), once the dialer's hello asked for batching. */
  private replies: PeerBatcher | undefined;

  constructor(
    private readonly ws: WebSocket,
    private readonly socket: Duplex,
    private readonly remoteHost: string,
    private readonly admission: PeerAdmission,
    private readonly handlers: PeerHandlers,
    private readonly inbound: InboundPeers,
  ) {
    inbound.all.add(this);
    // An unauthenticated socket holds no peer slot, but memory: it gets the peer connect bound to say hello.
    this.helloTimer = setTimeout(() => {
      if (this.peerId === undefined && !this.closing) this.refuse(protocolError('hello-required', `no peer-hello within ${L.peerConnectTimeoutMs} ms`));
    }, L.peerConnectTimeoutMs);
    ws.on('message', (data: RawData, isBinary: boolean) => this.onFrame(data as Buffer, isBinary));
    ws.on('error', () => {});
    ws.on('close', () => {
      this.closing = true;
      clearTimeout(this.helloTimer);
      inbound.all.delete(this);
      inbound.authenticated.delete(this);
    });
  }

  private onFrame(frame: Buffer, isBinary: boolean): void {
    if (this.closing) return;
    if (!isBinary) return this.refuse(textFrameError(), closeUnsupportedData);
    const decoded = this.admission.codec.decode(frame);
    if (!decoded.ok) return this.refuse(decoded.error);
    const m = decoded.message;
    if (this.peerId === undefined) {
      if (m.type !== 'peer-hello') return this.refuse(protocolError('hello-required', `a ${m.type} arrived before peer-hello`));
      return this.hello(m);
    }
    switch (m.type) {
      case 'gossip':
        return this.handlers.onGossip(this.peerId, m.msg as Record<string, unknown>);
      case 'apply':
      case 'fetch':
      case 'forward':
      case 'tree-nodes':
      case 'range-sets':
      case 'key-sets':
      case 'sync-sets':
      case 'stream-range':
      case 'stream-push':
      case 'stream-check':
      case 'range-stats':
      case 'relay':
        return this.run(m, false);
      case 'peer-batch':
        for (const call of m.messages) {
          if (!isBatchableCall(call)) return this.refuse(protocolError('invalid-message', 'a peer may not send replies here'));
          this.run(call, true);
        }
        return;
      default:
        return this.refuse(protocolError('invalid-message', `a peer may not send ${m.type} here`));
    }
  }

  private hello(m: Extract<PeerMessage, { type: 'peer-hello' }>): void {
    const a = this.admission;
    if (m.protocolVersion !== PEER_PROTOCOL_VERSION) return this.refuse(protocolError('unsupported-version', `peer protocol ${m.protocolVersion} (this node speaks ${PEER_PROTOCOL_VERSION})`));
    if (m.clusterName !== a.clusterName) return this.refuse(protocolError('unauthorized', `cluster ${JSON.stringify(m.clusterName)} is not this node's`));
    if (a.secret !== undefined ? !secretsEqual(a.secret, m.secret) : !a.allowInsecure && !isLoopbackHost(this.remoteHost.replace(/^::ffff:/, ''))) {
      return this.refuse(protocolError('unauthorized', 'the peer hello carried no valid cluster secret'));
    }
    if (this.inbound.authenticated.size >= L.peerConnectionsMax) {
      return this.refuse(protocolError('unavailable', `this node has peerConnectionsMax (${L.peerConnectionsMax}) peer connections`), closeTryAgainLater);
    }
    clearTimeout(this.helloTimer);
    this.peerId = m.nodeId;
    this.inbound.authenticated.add(this);
    a.onAuthenticated?.(this.socket);
    if (m.batching === true) this.replies = this.replyBatcher();
    // `relay`: this node serves relay calls (cluster/relay-serve.ts), said to a dialer that may send them.
    this.send({ type: 'peer-hello-ok', nodeId: a.selfId, ...(m.batching === true ? { batching: true } : {}), ...(m.relay === true ? { relay: true } : {}) });
  }

  /** Invariant 7: batched replies; a batch that cannot be built is answered reply by reply with an error. */
  private replyBatcher(): PeerBatcher {
    const write = (frame: Uint8Array): void => {
      if (!this.closing) this.write(frame);
    };
    const failed = (messages: readonly PeerMessage[], error: ProtocolError): void => {
      for (const r of messages) if ('id' in r) this.send({ type: 'peer-error', id: r.id, code: 'internal', message: `reply not batchable: ${error.message}`.slice(0, 900) });
    };
    return new PeerBatcher(this.admission.codec, { write, failed }, L.peerBatchBytesMax);
  }

  private run(call: PeerCall, batched: boolean): void {
    if (this.inFlight >= L.peerInFlightMax) {
      this.answer({ type: 'peer-error', id: call.id, code: 'too-many-in-flight', message: `${L.peerInFlightMax} peer calls in flight` }, batched);
      return;
    }
    this.inFlight++;
    void this.handlers.onCall(this.peerId as string, call).then((reply) => {
      this.inFlight--;
      if (!this.closing) this.answer(reply, batched);
    });
  }

  /** A call's reply: into this turn's reply batch when the call came in one (invariant 7), else alone. */
  private answer(reply: PeerMessage, batched: boolean): void {
    const replies = this.replies;
    if (!batched || replies === undefined || !isBatchableReply(reply)) return this.send(reply);
    let checked: CheckedBatchMessage;
    try {
      checked = this.admission.codec.check(reply);
    } catch {
      return this.send(reply); // send turns the encode failure into a peer-error for this call alone
    }
    const bytes = batchBytesEstimate(checked);
    if (replies.tooLarge(bytes)) return this.send(reply);
    replies.add(checked, bytes);
  }

  private send(message: PeerMessage): void {
    let frame: Uint8Array;
    try {
      frame = this.admission.codec.encode(message);
    } catch (error) {
      const id = 'id' in message ? message.id : undefined;
      frame = this.admission.codec.encode({ type: 'peer-error', ...(id === undefined ? {} : { id }), code: 'internal', message: `reply not encodable: ${(error as Error).message}`.slice(0, 900) });
    }
    this.write(frame);
  }

  /** Writes one frame; a peer that stops reading is dropped (invariant 3). */
  private write(frame: Uint8Array): void {
    if (!this.corked) {
      // Replies finished in one turn leave in one write (as the client connection does).
      this.corked = true;
      this.socket.cork();
      process.nextTick(() => {
        this.corked = false;
        this.socket.uncork();
      });
    }
    if (this.peerId !== undefined) this.handlers.onSent?.(this.peerId, frame.byteLength);
    this.ws.send(frame);
    if (this.ws.bufferedAmount > 2 * L.peerSendBufferBytesMax) this.terminate();
  }

  private refuse(error: ProtocolError, closeCode = error.closeCode): void {
    const frame = errorFrame(error);
    const authenticated = this.peerId !== undefined;
    if (!authenticated) this.admission.onRefused?.(this.remoteHost, frame.code, frame.message);
    this.send({ type: 'peer-error', code: frame.code, message: frame.message });
    if (closeCode === undefined && authenticated) return;
    this.closing = true;
    clearTimeout(this.helloTimer);
    if (authenticated) this.ws.close(closeCode ?? closeProtocolError, error.code);
    else closeWithoutHandshake(this.ws, this.socket, closeCode ?? closeProtocolError, error.code);
  }

  /** Drops the connection at once (node stop, or a peer that does not read). */
  terminate(): void {
    this.closing = true;
    clearTimeout(this.helloTimer);
    this.ws.terminate();
  }
}
