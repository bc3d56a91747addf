/**
 * A ringkv node: storage, the client protocol (over WebSocket, and over raw
 * TCP for Node clients) and the HTTP endpoints on one port.
 *
 * Lifecycle: `startNode` opens the engine (taking its lock), then listens;
 * if listening fails, the engine is closed again so the lock is released.
 * `stop` is graceful and idempotent:
 *   1. stop accepting (the listener closes; /health turns 503; upgrades get 503);
 *   2. stop reading requests; wait for in-flight ones and queued writes
 *      (at most `stopDrainTimeoutMs`);
 *   3. close every client with `shutting-down` (1001), stop the cluster core
 *      (gossip, handoff, coordinator; no leave announcement) and the peer
 *      connections, then the HTTP server;
 *   4. close the engine (fsync and release the lock).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PeerCodec, WireCodec } from '@ringkv/protocol';
import { PeerNetwork } from './cluster/peer-network.js';
import { systemClock, systemRandom } from './cluster/system-clock.js';
import { NodeServerError } from './errors.js';
import { httpHandler } from './http/routes.js';
import { TokenRegistry } from './auth/registry.js';
import { helloFrameBytesMax, tokensFileWatchMs, keyBytesMax, peerConnectionsMax, refusalLogLinesMax, refusalLogWindowMs, siblingsMax, socketsHeadroom } from './limits.js';
import { createLogger, LogThrottle, suppressedField, type NodeLogger } from './log.js';
import { Metrics } from './metrics.js';
import { timedPeerHandler, timedPeerPort } from './peer-timing.js';
import { RuntimeMonitor } from './runtime.js';
import { resolveOptions, withAgreedSettings, type NodeOptions, type ResolvedOptions } from './options.js';
import { agreeSettings, mismatchMessage, settingsLine } from './cluster/agreement.js';
import { readSettingsRecord, writeSettingsRecord } from './cluster/meta.js';
import { discoverSettings } from './cluster/settings-discovery.js';
import type { ServerContext } from './server/context.js';
import { upgradeHandler } from './server/upgrade.js';
import { sharePort } from './server/port-mux.js';
import { FrameGuard } from './server/frame-guard.js';
import { SocketGuard } from './server/socket-guard.js';
import type { StorageEngine } from './store/engine-port.js';
import { storagePressure } from './store/pressure.js';
import { RequestBudget } from './server/request-budget.js';
import { openStorage } from './store/open-engine.js';
import { leftStopSlackMs } from './topology/limits.js';
import type { ReplicaStore } from './store/replica-store.js';
import { assembleNodeCore, openNodeState, type NodeState } from './node-core.js';

/**
 * A running node.
 *
 * Gotcha: `url` and `httpUrl` carry the bound port, which differs from the
 * option when it was 0.
 */
export interface RingkvNode {
  readonly id: string;
  /** `ws://host:port`: where clients connect (path `/`; `/ws` works too). */
  readonly url: string;
  /** `tcp://host:port`: the same port, for the SDK's raw TCP transport (Node clients). */
  readonly tcpUrl: string;
  /** `http://host:port`: /health, /status, /metrics. */
  readonly httpUrl: string;
  /** Graceful stop (see the module comment); resolves when the engine is closed. Idempotent. */
  stop(): Promise<void>;
}

function urlHost(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

function listen(server: Server, o: ResolvedOptions): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      server.off('listening', onListening);
      if (error.code === 'EADDRINUSE') {
        reject(new NodeServerError('port-in-use', `port ${o.port} on ${o.host} is already in use; stop the other process or choose another --port`, { cause: error }));
      } else {
        reject(new NodeServerError('listen-failed', `cannot listen on ${o.host}:${o.port}: ${error.message}`, { cause: error }));
      }
    };
    const onListening = (): void => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(o.port, o.host);
  });
}

/**
 * The node's token registry (auth/registry.ts); a revoked token's connections
 * are closed as soon as the reload sees it. Throws `invalid-option` for a
 * missing or malformed tokens file.
 */
function tokenRegistry(o: ResolvedOptions, log: NodeLogger, ctx: () => ServerContext | undefined): TokenRegistry {
  return new TokenRegistry({
    authToken: o.authToken,
    tokensFile: o.tokensFile,
    nowMs: () => Date.now(),
    onRevoked: (ids) => {
      const open = [...(ctx()?.connections ?? [])].filter((c) => c.tokenId !== undefined && ids.has(c.tokenId));
      for (const c of open) c.revoke();
      log.warn({ tokens: [...ids], connectionsClosed: open.length }, 'tokens revoked');
    },
    onReloadError: (error) => log.error({ err: error, tokensFile: o.tokensFile }, 'the tokens file did not reload; the tokens in force stay'),
    onReloaded: (count) => log.info({ tokens: count, tokensFile: o.tokensFile }, 'tokens file reloaded'),
  });
}

function buildContext(o: ResolvedOptions, agreed: ServerContext['agreed'], store: ReplicaStore, log: NodeLogger, engine: StorageEngine, auth: TokenRegistry): ServerContext {
  const codec = new WireCodec({ limits: { frameBytesMax: o.frameBytesMax, keyBytesMax, valueBytesMax: o.valueBytesMax, siblingsMax } });
  return {
    options: o,
    agreed,
    codec,
    store,
    metrics: new Metrics(),
    runtime: new RuntimeMonitor(),
    log,
    refusalLog: new LogThrottle(refusalLogLinesMax, refusalLogWindowMs),
    auth,
    connections: new Set(),
    sockets: new SocketGuard(o),
    frames: new FrameGuard({ frameReadTimeoutMs: o.frameReadTimeoutMs, partialFrameBytesMax: o.partialFrameBytesMax, helloFrameBytesMax }),
    startedAtMs: Date.now(),
    stopping: false,
    cluster: undefined,
    peers: undefined,
    hints: undefined,
    antiEntropy: undefined,
    core: undefined,
    inFlight: 0,
    requestBudget: new RequestBudget(o.nodeRequestBytesInFlightMax, storagePressure(engine, () => store.queuedWrites())),
    onDrained: undefined,
  };
}

/**
 * The cluster settings this start runs with (cluster/agreement.ts): the
 * persisted record, else a seed's, else this node's own values; stored
 * before the node serves. Throws `settings-mismatch` when an explicit value
 * differs from the cluster's.
 */
async function agreeAtStart(o: ResolvedOptions, state: NodeState, get: (key: Uint8Array) => Uint8Array | undefined, log: NodeLogger): Promise<ServerContext['agreed']> {
  const persisted = readSettingsRecord(get);
  const fromSeed = persisted === undefined ? await discoverSettings(o.cluster.seeds, o.host, log) : undefined;
  const a = agreeSettings(o.candidate, { ...(persisted === undefined ? {} : { persisted }), ...(fromSeed === undefined ? {} : { fromSeed }) }, o.id, Date.now());
  if (!a.ok) throw new NodeServerError('settings-mismatch', mismatchMessage(a, o.dataDir));
  if (a.source !== 'persisted') await writeSettingsRecord(state.store, a.record);
  if (a.source === 'founded' && o.cluster.seeds.length > 0) log.info({ seeds: o.cluster.seeds, settings: settingsLine(a.record.values) }, 'no seed held cluster settings: this node founded them');
  return { record: a.record, source: a.source };
}

/** The peer network and the node core, started once the node listens (its address is its advertised URL). `onLeft` runs once the node has left. */
function startCluster(ctx: ServerContext, url: string, state: NodeState, engine: StorageEngine, onLeft: () => void): void {
  const o = ctx.options;
  const codec = new PeerCodec({ limits: { frameBytesMax: o.frameBytesMax, keyBytesMax, valueBytesMax: o.valueBytesMax, siblingsMax } });
  const peers = new PeerNetwork({
    selfId: o.id, clusterName: o.cluster.clusterName, secret: o.clusterSecret, allowInsecure: o.allowInsecurePublicBind, codec, clock: systemClock, random: systemRandom, host: o.host,
    onRefused: (peer, code, message) => ctx.refusalLog.run((suppressed) => ctx.log.warn({ peer, code, ...suppressedField(suppressed) }, `refused a peer connection: ${message}`)),
    onAuthenticated: (socket) => {
      ctx.sockets.identified(socket);
      ctx.frames.identified(socket);
    },
    onUpgraded: (socket) => ctx.frames.watch(socket),
  });
  const core = assembleNodeCore({
    id: o.id, address: url, state, engine, settings: o.cluster, antiEntropy: o.antiEntropy,
    clock: systemClock, random: systemRandom, transport: peers.transport, peers: timedPeerPort(peers, ctx.metrics), codec: ctx.codec, log: ctx.log,
    topology: { join: o.topology.join, streamBytesPerSec: o.topology.streamBytesPerSec, onLeft },
  });
  peers.serve({ onCall: timedPeerHandler((from, call) => core.cluster.onCall(from, call), ctx.metrics) });
  peers.countWan(core.cluster.dcs);
  core.cluster.onRingChange((version) => {
    for (const c of ctx.connections) c.notifyRing(version);
  });
  ctx.peers = peers;
  ctx.core = core;
  ctx.cluster = core.cluster;
  ctx.antiEntropy = core.antiEntropy;
  void core.start().catch((error: unknown) => ctx.log.error({ err: error }, 'anti-entropy tree build failed'));
}

/**
 * Starts a node: opens its storage under `dataDir` and serves clients on
 * `host:port`.
 *
 * When to use: one per process in production (the `ringkv start` command);
 * several per process in tests, each with its own data directory.
 * Errors (NodeServerError): `invalid-option`, `data-dir-locked` (another
 * node holds `dataDir`), `port-in-use`, `listen-failed`, `storage-failed`.
 * Gotcha: signals are not handled here; call `stopOnSignals(node)` in an app.
 */
export async function startNode(options: NodeOptions): Promise<RingkvNode> {
  const o = resolveOptions(options);
  const log = createLogger(o);
  const auth = tokenRegistry(o, log, () => ctxOf); // a bad tokens file stops the start before anything opens
  let ctxOf: ServerContext | undefined;
  const engine = await openStorage(o);
  let state: NodeState;
  try {
    state = await openNodeState(engine, { actor: o.id, siblingsMax, setBytesMax: o.setBytesMax, durability: o.durability }, Date.now(), systemRandom);
  } catch (error) {
    await engine.close().catch(() => {});
    throw new NodeServerError('storage-failed', `reading node metadata failed: ${(error as Error).message}`, { cause: error });
  }
  if (state.logLoss !== undefined) {
    const { regions, droppedBytes, droppedOps, droppedOpsExact, details } = state.logLoss;
    log.error(
      { lostWrites: droppedOps, lostWritesExact: droppedOpsExact, lostBytes: droppedBytes, regions, details, dataDir: o.dataDir },
      `the commit log lost ${droppedOpsExact ? '' : 'at least '}${droppedOps} acknowledged write${droppedOps === 1 ? '' : 's'} (${droppedBytes} bytes) to damage; repairing them from other replicas`,
    );
  }
  let agreed: ServerContext['agreed'];
  try {
    agreed = await agreeAtStart(o, state, (key) => engine.getSync(key), log);
  } catch (error) {
    await engine.close().catch(() => {});
    throw error;
  }
  const ctx = buildContext(withAgreedSettings(o, agreed.record.values), agreed, state.store, log, engine, auth);
  ctxOf = ctx;
  auth.watch(tokensFileWatchMs);
  ctx.hints = state.hints;
  const server = createServer({ keepAliveTimeout: 5_000 }, httpHandler(ctx, engine));
  // Anonymous sockets never reach this (the guard displaces them first): it bounds identified ones and requests in progress.
  server.maxConnections = o.connectionsMax + peerConnectionsMax + o.anonymousSocketsMax + socketsHeadroom;
  sharePort(server, ctx); // raw TCP clients share the port (server/port-mux.ts); the socket guard sees every socket there
  server.on('request', (req, res) => ctx.sockets.request(req.socket, res));
  const upgrades = upgradeHandler(ctx);
  server.on('upgrade', upgrades.onUpgrade);
  server.on('clientError', (_error, socket) => socket.destroy());
  let port: number;
  try {
    port = await listen(server, o);
  } catch (error) {
    ctx.runtime.stop();
    auth.close();
    await engine.close().catch(() => {});
    throw error;
  }
  const host = urlHost(o.host);
  const url = `ws://${host}:${port}`;
  let node: RunningNode | undefined;
  startCluster(ctx, o.advertiseUrl ?? url, state, engine, () => void node?.afterLeft());
  node = new RunningNode(o.id, url, `tcp://${host}:${port}`, `http://${host}:${port}`, ctx, server, upgrades, engine, state);
  log.info({ url: node.url, dataDir: o.dataDir, durability: o.durability, auth: o.authToken !== undefined || o.tokensFile !== undefined, tokens: auth.size, peerAuth: peerAuthMode(o), generation: state.generation, seeds: o.cluster.seeds, settings: settingsLine(agreed.record.values), settingsSource: agreed.source }, 'node started');
  return node;
}

/** How `/peer` admits other nodes, for the start line: a secret, or (without one) loopback only or any address. */
function peerAuthMode(o: ResolvedOptions): 'cluster-secret' | 'loopback-only' | 'any-address' {
  if (o.clusterSecret !== undefined) return 'cluster-secret';
  return o.allowInsecurePublicBind ? 'any-address' : 'loopback-only';
}

class RunningNode implements RingkvNode {
  private stopped: Promise<void> | undefined;

  constructor(
    readonly id: string,
    readonly url: string,
    readonly tcpUrl: string,
    readonly httpUrl: string,
    private readonly ctx: ServerContext,
    private readonly server: Server,
    private readonly upgrades: { close(): void },
    private readonly engine: StorageEngine,
    private readonly state: NodeState,
  ) {}

  stop(): Promise<void> {
    this.stopped ??= this.shutdown();
    return this.stopped;
  }

  /**
   * The node has left the cluster: with `onLeft`, stop the node, then call
   * it (the app exits); without, stop the cluster side and peer links and
   * keep answering HTTP, so /status shows `left`.
   */
  async afterLeft(): Promise<void> {
    const onLeft = this.ctx.options.topology.onLeft;
    if (onLeft === undefined) {
      this.ctx.core?.stop();
      this.ctx.peers?.close();
      return;
    }
    // Bounded: the app is told even if a socket or the engine holds the stop up (the stop goes on meanwhile).
    const timedOut = await withTimeout(
      this.stop().catch((error: unknown) => this.ctx.log.error({ err: error }, 'stop after leaving failed')),
      this.ctx.options.stopDrainTimeoutMs + leftStopSlackMs,
    );
    if (timedOut) this.ctx.log.warn('the stop after leaving is still running; calling onLeft anyway');
    onLeft();
  }

  private async shutdown(): Promise<void> {
    const { ctx } = this;
    ctx.stopping = true;
    ctx.log.info({ connections: ctx.connections.size, inFlight: ctx.inFlight }, 'node stopping');
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const c of ctx.connections) c.stopReading();
    await this.drain();
    for (const c of ctx.connections) c.closeForShutdown();
    await this.waitForClients();
    // No gossip leave: a stopped node is expected back; peers see it down and keep hints for it.
    ctx.core?.stop();
    ctx.peers?.close();
    this.server.closeAllConnections();
    ctx.sockets.destroyAnonymous();
    this.upgrades.close();
    await closed;
    ctx.auth.close();
    ctx.runtime.stop();
    await this.closeEngine();
    ctx.log.info('node stopped');
  }

  /** Waits for in-flight requests and queued writes, at most `stopDrainTimeoutMs`. */
  private async drain(): Promise<void> {
    const { ctx } = this;
    const drained = new Promise<void>((resolve) => {
      if (ctx.inFlight === 0) return resolve();
      ctx.onDrained = resolve;
    });
    const timedOut = await withTimeout(Promise.all([drained, ctx.store.settled()]), ctx.options.stopDrainTimeoutMs);
    if (timedOut) ctx.log.warn({ inFlight: ctx.inFlight }, 'stopping with requests still in flight');
  }

  /** Gives clients a moment to complete the close handshake, then drops the rest. */
  private async waitForClients(): Promise<void> {
    const { ctx } = this;
    for (let i = 0; i < 50 && ctx.connections.size > 0; i++) await delay(20);
    for (const c of ctx.connections) c.terminate();
    ctx.connections.clear();
  }

  private async closeEngine(): Promise<void> {
    try {
      // Every write settled: the next start may keep this vclock actor (cluster/meta.ts).
      await this.state.markCleanStop();
    } catch (error) {
      // A full disk refuses even this record. Unmarked is the safe side: the next start takes a new actor.
      this.ctx.log.warn({ err: error }, 'could not mark the stop clean; the next start takes a new vclock actor');
    }
    try {
      await this.engine.close();
    } catch (error) {
      this.ctx.log.error({ err: error }, 'storage did not close cleanly');
      throw new NodeServerError('storage-failed', `closing storage failed: ${(error as Error).message}`, { cause: error });
    }
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Resolves true when `ms` passed before `work` settled. */
async function withTimeout(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), ms)));
  try {
    return await Promise.race([work.then(() => false), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
