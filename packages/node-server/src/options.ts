/**
 * Options of `startNode`: what a caller may set, the defaults, validation.
 *
 * Invariant: `resolveOptions` either returns a complete, in-range option set
 * or throws NodeServerError('invalid-option') naming the first bad option.
 */
import type { DestinationStream } from 'pino';
import type { ReplicationMap } from '@ringkv/hashring';
import { invalidOption } from './errors.js';
import { resolveTlsFiles, tlsScheme, type TlsFiles, type TlsOptions } from './tls/tls-files.js';
import type { StorageEngine } from './store/engine-port.js';
import * as L from './limits.js';
import type { ClusterSettings } from './cluster/settings.js';
import { agreedSettingNames, agreedValues, type AgreedSettings, type SettingsCandidate } from './cluster/agreement.js';
import { mapOf, mapTotal, replicasOf, resolveLabels } from './cluster/placement-options.js';
import * as AE from './anti-entropy/limits.js';
import * as TL from './topology/limits.js';
import * as SL from './scan/limits.js';
import type { TopologySettings } from './topology/options.js';

/** When a write is acknowledged relative to its fsync (the engine's durability modes). */
export type Durability = 'sync' | 'interval' | 'none';

/** Log levels; `silent` logs nothing (tests). */
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'silent';

/**
 * Options of `startNode`. Only `id` and `dataDir` are required. TLS
 * (`tlsCert`, `tlsKey`, `tlsCa`: all three or none) is described in
 * tls/tls-files.ts and the README ("TLS").
 */
export interface NodeOptions extends TlsOptions {
  /** This node's id: its name in gossip, logs and /status, and the base of its vclock actor (≤ 128 characters, no control characters, no '#'). */
  id: string;
  /** Interface to bind (default 127.0.0.1). A non-loopback host needs TLS and a token (`authToken` or `tokensFile`), or `allowInsecurePublicBind`. */
  host?: string;
  /** TCP port for both WebSocket and HTTP; 0 (default) picks a free one, read it back from `node.url`. */
  port?: number;
  /** Directory of the storage engine; created if missing; one node at a time (lock file). */
  dataDir: string;
  /** 'sync': fsync before each ack (group commit); 'interval' (default): fsync every `durabilityIntervalMs`; 'none': leave it to the OS. */
  durability?: Durability;
  /** fsync period for 'interval' (default 100 ms). */
  durabilityIntervalMs?: number;
  /**
   * When set, every client must present it in hello; a wrong or missing token closes with 1008.
   * Needs `clusterSecret` too (else `invalid-option`): peer calls read and write keys.
   */
  authToken?: string;
  /**
   * A tokens file (`ringkv token add|revoke|list` edits it): several tokens, each with a role
   * (`read`, `write`, `admin`), an optional key prefix and optional rates, stored hashed. Every
   * client must then present one of them (or `authToken`, which is an `admin` token); the node
   * reloads the file when it changes. Needs `clusterSecret` too, like `authToken`.
   */
  tokensFile?: string;
  /**
   * Serve `/status` and `/metrics` without a token even when the node has tokens (`authToken`,
   * `tokensFile`), e.g. for a Prometheus that cannot send one (default false: they need a token
   * of any role). `/health` is always open.
   */
  metricsPublic?: boolean;
  /** Without TLS and a token, binding a non-loopback host is refused unless this is true. */
  allowInsecurePublicBind?: boolean;
  /** Largest value a put may carry (default 1 MiB, at most 16 MiB). */
  valueBytesMax?: number;
  /** Requests one connection may have outstanding (default 4096). */
  inFlightPerConnectionMax?: number;
  /** Request bytes one connection may have read and not answered before it is no longer read (default 4 MiB). */
  requestBytesInFlightMax?: number;
  /** Request bytes the node runs at once over all connections (default 64 MiB); connections wait (unread) for room. */
  nodeRequestBytesInFlightMax?: number;
  /** Open client connections (default 10,000); beyond it upgrades get HTTP 503. */
  connectionsMax?: number;
  /** Reply bytes queued on a connection before it stops being read (default 4 MiB). */
  sendBufferBytesHigh?: number;
  /** Reply bytes queued on a connection past which it is terminated (default 16 MiB; at least high mark + one frame). */
  sendBufferBytesMax?: number;
  /** A connection that stays paused (client not reading) this long is terminated (default 30 s). */
  slowClientTimeoutMs?: number;
  /** Time a new connection has to send hello (default 10 s). */
  helloTimeoutMs?: number;
  /** How long a client or peer connection's message may stay incomplete before the connection is destroyed (default 30 s). */
  frameReadTimeoutMs?: number;
  /** Payload bytes of incomplete messages across all connections; past it the oldest are dropped (default 256 MiB, at least `frameBytesMax`). */
  partialFrameBytesMax?: number;
  /** Time a new TCP socket, or a keep-alive one between requests, has to send a request's or upgrade's headers (default 10 s). */
  headersTimeoutMs?: number;
  /** Sockets not yet identified (no request headers, no client or peer hello); one more displaces the oldest (default 1,024). */
  anonymousSocketsMax?: number;
  /** Sockets one remote address may hold; raise it behind a proxy or NAT (default 1,024). */
  connectionsPerAddressMax?: number;
  /** How long `stop()` waits for in-flight requests (default 10 s). */
  stopDrainTimeoutMs?: number;
  /** Log level (default 'info'). */
  logLevel?: LogLevel;
  /** Where pino writes (default stdout); any pino destination stream. */
  logDestination?: DestinationStream;
  /** Other nodes to join through: `host:port` or `ws://host:port` (default none: the node runs alone until another joins it). */
  seeds?: readonly string[];
  /**
   * Shared secret every peer presents in its peer hello (constant-time
   * compare). Without it, peer connections are accepted from loopback only
   * (unless `allowInsecurePublicBind`), and a non-loopback host is refused.
   * Required when `authToken` is set.
   */
  clusterSecret?: string;
  /**
   * The URL other nodes and clients reach this node at (its gossip address and
   * its `url` in `ring-ok`); default the bound `ws://host:port`. Set it when
   * binding 0.0.0.0 or behind NAT, e.g. `ws://10.0.0.5:7070`.
   */
  advertiseUrl?: string;
  /** Messages of another cluster name are refused (default 'ringkv'). */
  clusterName?: string;
  /**
   * Replicas per key (default 3; at most 16). A cluster setting, like `r`,
   * `w`, `mode`, `hintTtlMs`, `tombstoneGraceMs` and `antiEntropyBucketsLog2`:
   * a node adopts the cluster's (README, "Cluster settings"), and one given
   * here that differs from the cluster's is refused (`settings-mismatch`).
   * While the ring has fewer members than N, keys have one replica per member.
   */
  n?: number;
  /** Default read quorum (default 2, at most n). A cluster setting. */
  r?: number;
  /** Default write quorum (default 2, at most n). A cluster setting. */
  w?: number;
  /** 'sloppy' (default): fallbacks hold hints for down replicas; 'strict': only true replicas count. */
  mode?: 'sloppy' | 'strict';
  /** Virtual nodes of this member at weight 1 (default 64). */
  vnodes?: number;
  /** This member's share multiplier (default 1; > 0, ≤ 64). */
  weight?: number;
  /**
   * This node's data center (default '' = none). With a replication map
   * (`replicas`), each DC holds its count of every key's replicas; nodes of a
   * DC the map does not name hold none.
   */
  dc?: string;
  /** This node's rack inside its DC (default '' = none); replicas of a key spread over distinct racks first. */
  rack?: string;
  /**
   * This node's physical machine (default '' = none: the node is a machine of
   * its own). No two replicas of a key are placed on one machine: give the
   * nodes of one host the same label (`ringkv start` defaults it to the hostname).
   */
  machine?: string;
  /** The former name of `rack`, kept as an alias (both given with different values is `invalid-option`). */
  zone?: string;
  /**
   * The replication map, e.g. `{ dc1: 3, dc2: 2 }`: replicas per key in each
   * DC (at most 16 in all). A cluster setting, agreed like `n` (which it
   * replaces: N becomes the sum; an explicit `n` must equal it). Without it,
   * `n` replicas go anywhere (one DC). The text form `'dc1:3,dc2:2'` (what
   * `ringkv start --replicas` passes) is accepted too.
   */
  replicas?: ReplicationMap | string;
  /**
   * Read repair of the primaries in the coordinator's DC only (`'local'`,
   * the default) or in every DC (`'global'`): a cluster setting, agreed like
   * `n`. Other DCs converge by hints and anti-entropy either way.
   */
  readRepair?: 'local' | 'global';
  /**
   * Send a write's copies for another DC once, to one node there that applies
   * them to that DC's replicas (default true; README, "Multi-DC writes").
   * false: one `apply` per remote replica, as before (for an A/B measure).
   */
  wanRelay?: boolean;
  /** Gossip round (default 1000 ms); a member silent for 5 rounds is suspected. */
  gossipIntervalMs?: number;
  /** Hints older than this are dropped, not replayed (default 3 h). */
  hintTtlMs?: number;
  /** Deadline of a coordinated request that names none (default 5000 ms; ≤ 60 s). */
  requestTimeoutMs?: number;
  /**
   * Interval between periodic anti-entropy passes, jittered ±25 % (default
   * 600,000 = 10 min; ≤ 7 days). 0 disables periodic passes: repair then
   * runs only on demand (`POST /repair`, `ringkv repair`).
   */
  antiEntropyIntervalMs?: number;
  /** Repair bandwidth, bytes per second sent and received together (default 32 MiB/s; 64 KiB/s … 10 GiB/s). */
  antiEntropyBytesPerSec?: number;
  /**
   * log2 of the buckets of each Merkle tree (default 16; 8 … 20). Every node
   * of a cluster must use the same value: a peer with another shape is
   * answered as an empty tree, so every key is compared.
   */
  antiEntropyBucketsLog2?: number;
  /**
   * How long a deleted key's tombstone-only set is kept, at least, before it
   * may be removed (default 10 days, as Cassandra's gc_grace_seconds; at
   * least `hintTtlMs`, at most a year). Removal also waits until every other
   * replica of the key completed an anti-entropy exchange with this node
   * since the delete (README, "Tombstone collection").
   */
  tombstoneGraceMs?: number;
  /**
   * Join an existing cluster through `seeds` (default false). A node started
   * with `join: true` on a data directory that never finished a join gossips
   * as `joining` (owning nothing), streams the ranges it will own from their
   * current replicas, then becomes `normal`; a restart resumes the stream.
   * Ignored once the directory has joined (or served as a member).
   */
  join?: boolean;
  /** Bandwidth of join and leave streams and cleanup pushes, bytes per second (default 16 MiB/s; 4 KiB/s … 10 GiB/s). */
  streamBytesPerSec?: number;
  /** Engine bytes per second (keys and stored sets) all key scans served by this node may read together (default 8 MiB/s; 64 KiB/s … 10 GiB/s). */
  scanBytesPerSec?: number;
  /**
   * Called once this node has left the cluster (`POST /admin/leave` done:
   * data handed over, `left` announced); the node has stopped by then, so an
   * app can exit 0. Without it, the node stops its cluster side and keeps
   * answering HTTP (`/status` shows `left`).
   */
  onLeft?: () => void;
  /**
   * Opens the storage instead of @ringkv/lsm-engine's `openEngine` (tests
   * inject failures with it). It receives the data directory and the engine
   * options the node derived; throwing an error named `LsmError` with code
   * `locked` reports `data-dir-locked`.
   */
  openStorage?: StorageOpener;
}

/** Options the node passes to the storage engine. */
export interface StorageOpenOptions {
  readonly durability: Durability;
  readonly syncIntervalMs: number;
  /** Longest engine key the node writes (limits.ts `engineKeyBytesMax`): a prefixed 1 KiB user key. */
  readonly keyBytesMax: number;
  /** The node's `setBytesMax`: a whole sibling set is one engine value. */
  readonly valueBytesMax: number;
  /** Block cache of the engine (limits.ts `engineBlockCacheBytes`; the node always sets it): every request reads its key first. */
  readonly blockCacheBytes?: number;
  /** Memtable size of the engine (limits.ts `engineMemtableBytes`; the node always sets it). */
  readonly memtableBytes?: number;
  /**
   * Always `'salvage'`: log damage a crash cannot explain is skipped and
   * reported, and the node repairs the lost writes from other replicas
   * (store/log-loss.ts) instead of refusing to start.
   */
  readonly walRecovery?: 'strict' | 'salvage';
}

/** Opens a node's storage; see `NodeOptions.openStorage`. */
export type StorageOpener = (dataDir: string, options: StorageOpenOptions) => Promise<StorageEngine>;

/** Options after defaults. */
export interface ResolvedOptions {
  readonly id: string;
  readonly host: string;
  readonly port: number;
  readonly dataDir: string;
  readonly durability: Durability;
  readonly durabilityIntervalMs: number;
  readonly authToken: string | undefined;
  readonly tokensFile: string | undefined;
  /** The TLS files (all three), or undefined: the node serves plain WebSocket, HTTP and TCP. */
  readonly tls: TlsFiles | undefined;
  readonly metricsPublic: boolean;
  readonly valueBytesMax: number;
  readonly frameBytesMax: number;
  readonly setBytesMax: number;
  readonly inFlightPerConnectionMax: number;
  readonly requestBytesInFlightMax: number;
  readonly nodeRequestBytesInFlightMax: number;
  readonly connectionsMax: number;
  readonly sendBufferBytesHigh: number;
  readonly sendBufferBytesMax: number;
  readonly slowClientTimeoutMs: number;
  readonly helloTimeoutMs: number;
  readonly headersTimeoutMs: number;
  readonly frameReadTimeoutMs: number;
  readonly partialFrameBytesMax: number;
  readonly anonymousSocketsMax: number;
  readonly connectionsPerAddressMax: number;
  readonly stopDrainTimeoutMs: number;
  readonly logLevel: LogLevel;
  readonly logDestination: DestinationStream | undefined;
  readonly openStorage: StorageOpener | undefined;
  readonly clusterSecret: string | undefined;
  readonly advertiseUrl: string | undefined;
  readonly allowInsecurePublicBind: boolean;
  readonly cluster: ClusterSettings;
  readonly antiEntropy: AntiEntropySettings;
  readonly topology: TopologySettings;
  /** Key scans' engine read rate on this node (scan/limits.ts). */
  readonly scanBytesPerSec: number;
  /** This node's values of the cluster settings and which were given explicitly (cluster/agreement.ts). */
  readonly candidate: SettingsCandidate;
}

/** Anti-entropy options after defaults (`NodeOptions.antiEntropy*`). */
export interface AntiEntropySettings {
  readonly intervalMs: number;
  readonly bytesPerSecond: number;
  readonly bucketsLog2: number;
  /** Tombstone grace period (`NodeOptions.tombstoneGraceMs`); absent: the 10-day default. */
  readonly tombstoneGraceMs?: number;
}

function intOption(name: string, value: unknown, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    invalidOption(`option ${name} must be an integer in [${min}, ${max}], got ${String(value)}`);
  }
  return value;
}

function stringOption(name: string, value: unknown, fallback?: string): string {
  if (value === undefined && fallback !== undefined) return fallback;
  if (typeof value !== 'string' || value === '') invalidOption(`option ${name} must be a non-empty string, got ${String(value)}`);
  return value;
}

function oneOf<T extends string>(name: string, value: unknown, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (!allowed.includes(value as T)) invalidOption(`option ${name} must be one of ${allowed.join(', ')}, got ${String(value)}`);
  return value as T;
}

/** True for hosts that only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127(\.\d{1,3}){3}$/.test(host);
}

function checkId(id: unknown): string {
  const s = stringOption('id', id);
  // eslint-disable-next-line no-control-regex
  if (s.length > L.nodeIdLengthMax || /[\u0000-\u001f\u007f]/.test(s)) {
    invalidOption(`option id must be at most ${L.nodeIdLengthMax} printable characters`);
  }
  // '#' separates a node id from its incarnation epoch in vclock actors (cluster/meta.ts).
  if (s.includes('#')) invalidOption(`option id must not contain '#' (it separates the id from the incarnation in version vectors), got ${s}`);
  return s;
}

function checkAuth(o: NodeOptions, host: string, tls: TlsFiles | undefined): string | undefined {
  const token = o.authToken === undefined ? undefined : stringOption('authToken', o.authToken);
  if (token !== undefined && Buffer.byteLength(token) > L.authTokenBytesMax) {
    invalidOption(`option authToken must be at most ${L.authTokenBytesMax} bytes`);
  }
  const missing = [...(tls === undefined ? ['TLS (tlsCert, tlsKey, tlsCa)'] : []), ...(token === undefined && o.tokensFile === undefined ? ['a token (authToken or tokensFile)'] : [])];
  // Issue 16: a token alone travels in clear text, so a public bind needs both.
  if (missing.length > 0 && !isLoopbackHost(host) && o.allowInsecurePublicBind !== true) {
    invalidOption(`host ${host} is reachable from other machines: it needs ${missing.join(' and ')}, or allowInsecurePublicBind: true to serve without`);
  }
  return token;
}

/** The frame bound: the protocol default, raised when two max-size values would not fit a reply. */
function frameBytesFor(valueBytesMax: number): number {
  return Math.max(L.frameBytesMaxDefault, 2 * valueBytesMax + L.replyOverheadBytes + 64 * 1024);
}

/** Fills in defaults and validates; throws NodeServerError('invalid-option'). */
export function resolveOptions(o: NodeOptions): ResolvedOptions {
  if (typeof o !== 'object' || o === null) invalidOption('options must be an object');
  const host = stringOption('host', o.host, '127.0.0.1');
  const valueBytesMax = intOption('valueBytesMax', o.valueBytesMax, L.valueBytesMaxDefault, 1, L.valueBytesMaxLimit);
  const frameBytesMax = frameBytesFor(valueBytesMax);
  const sendBufferBytesHigh = intOption('sendBufferBytesHigh', o.sendBufferBytesHigh, L.sendBufferBytesHighDefault, 1024, 1024 ** 3);
  const tls = resolveTlsFiles(o);
  const cluster = resolveCluster(o, tls !== undefined);
  const antiEntropy = resolveAntiEntropy(o);
  return {
    id: checkId(o.id),
    host,
    port: intOption('port', o.port, 0, 0, 65_535),
    dataDir: stringOption('dataDir', o.dataDir),
    durability: oneOf('durability', o.durability, ['sync', 'interval', 'none'], 'interval'),
    durabilityIntervalMs: intOption('durabilityIntervalMs', o.durabilityIntervalMs, L.durabilityIntervalMsDefault, 1, 60_000),
    authToken: checkAuth(o, host, tls),
    tokensFile: o.tokensFile === undefined ? undefined : stringOption('tokensFile', o.tokensFile),
    tls,
    metricsPublic: o.metricsPublic === true,
    valueBytesMax,
    frameBytesMax,
    setBytesMax: frameBytesMax - L.replyOverheadBytes,
    inFlightPerConnectionMax: intOption('inFlightPerConnectionMax', o.inFlightPerConnectionMax, L.inFlightPerConnectionMaxDefault, 1, L.inFlightPerConnectionMaxLimit),
    requestBytesInFlightMax: intOption('requestBytesInFlightMax', o.requestBytesInFlightMax, L.requestBytesInFlightMaxDefault, L.requestBytesInFlightMaxMin, L.requestBytesInFlightMaxLimit),
    nodeRequestBytesInFlightMax: intOption('nodeRequestBytesInFlightMax', o.nodeRequestBytesInFlightMax, L.nodeRequestBytesInFlightMaxDefault, L.requestBytesInFlightMaxMin, L.requestBytesInFlightMaxLimit),
    connectionsMax: intOption('connectionsMax', o.connectionsMax, L.connectionsMaxDefault, 1, L.connectionsMaxLimit),
    sendBufferBytesHigh,
    sendBufferBytesMax: Math.max(
      intOption('sendBufferBytesMax', o.sendBufferBytesMax, L.sendBufferBytesMaxDefault, 1024, 1024 ** 3),
      sendBufferBytesHigh + frameBytesMax,
    ),
    slowClientTimeoutMs: intOption('slowClientTimeoutMs', o.slowClientTimeoutMs, L.slowClientTimeoutMsDefault, 10, 3_600_000),
    helloTimeoutMs: intOption('helloTimeoutMs', o.helloTimeoutMs, L.helloTimeoutMsDefault, 10, 600_000),
    headersTimeoutMs: intOption('headersTimeoutMs', o.headersTimeoutMs, L.headersTimeoutMsDefault, 10, L.headersTimeoutMsLimit),
    frameReadTimeoutMs: intOption('frameReadTimeoutMs', o.frameReadTimeoutMs, L.frameReadTimeoutMsDefault, 10, L.frameReadTimeoutMsLimit),
    partialFrameBytesMax: Math.max(
      intOption('partialFrameBytesMax', o.partialFrameBytesMax, L.partialFrameBytesMaxDefault, 1024, L.partialFrameBytesMaxLimit),
      frameBytesMax,
    ),
    anonymousSocketsMax: intOption('anonymousSocketsMax', o.anonymousSocketsMax, L.anonymousSocketsMaxDefault, 1, L.anonymousSocketsMaxLimit),
    connectionsPerAddressMax: intOption('connectionsPerAddressMax', o.connectionsPerAddressMax, L.connectionsPerAddressMaxDefault, 1, L.connectionsMaxLimit),
    stopDrainTimeoutMs: intOption('stopDrainTimeoutMs', o.stopDrainTimeoutMs, L.stopDrainTimeoutMsDefault, 0, 600_000),
    logLevel: oneOf('logLevel', o.logLevel, ['fatal', 'error', 'warn', 'info', 'debug', 'silent'], 'info'),
    logDestination: o.logDestination,
    openStorage: typeof o.openStorage === 'function' ? o.openStorage : undefined,
    clusterSecret: checkSecret(o, host),
    advertiseUrl: o.advertiseUrl === undefined ? undefined : schemeFor(seedAddress(stringOption('advertiseUrl', o.advertiseUrl)), tls !== undefined),
    allowInsecurePublicBind: o.allowInsecurePublicBind === true,
    cluster,
    antiEntropy,
    topology: resolveTopology(o),
    scanBytesPerSec: intOption('scanBytesPerSec', o.scanBytesPerSec, SL.scanBytesPerSecDefault, SL.scanBytesPerSecMin, SL.scanBytesPerSecMax),
    candidate: {
      values: agreedValues(cluster, antiEntropy),
      // An explicit n is a replication too ("n replicas, one DC"): it conflicts with a cluster's map.
      explicit: new Set(agreedSettingNames.filter((name) => (name === 'replicas' ? o.replicas !== undefined || o.n !== undefined : o[name] !== undefined))),
    },
  };
}

/**
 * `o` running with the cluster's settings `agreed` (the agreement rule's
 * record) in place of its own: only the cluster settings change.
 */
export function withAgreedSettings(o: ResolvedOptions, agreed: AgreedSettings): ResolvedOptions {
  return {
    ...o,
    cluster: { ...o.cluster, n: agreed.n, replicas: replicasOf(agreed.replicas), r: agreed.r, w: agreed.w, mode: agreed.mode, readRepair: agreed.readRepair, hintTtlMs: agreed.hintTtlMs },
    antiEntropy: { ...o.antiEntropy, tombstoneGraceMs: agreed.tombstoneGraceMs, bucketsLog2: agreed.antiEntropyBucketsLog2 },
  };
}

function resolveTopology(o: NodeOptions): TopologySettings {
  if (o.join !== undefined && typeof o.join !== 'boolean') invalidOption('option join must be a boolean');
  if (o.join === true && (o.seeds?.length ?? 0) === 0) invalidOption('option join needs seeds: the nodes of the cluster to join through');
  if (o.onLeft !== undefined && typeof o.onLeft !== 'function') invalidOption('option onLeft must be a function');
  return {
    join: o.join === true,
    streamBytesPerSec: intOption('streamBytesPerSec', o.streamBytesPerSec, TL.streamBytesPerSecDefault, TL.streamBytesPerSecMin, TL.streamBytesPerSecMax),
    ...(o.onLeft === undefined ? {} : { onLeft: o.onLeft }),
  };
}

function resolveAntiEntropy(o: NodeOptions): AntiEntropySettings {
  return {
    intervalMs: intOption('antiEntropyIntervalMs', o.antiEntropyIntervalMs, AE.aeIntervalMsDefault, 0, AE.aeIntervalMsMax),
    bytesPerSecond: intOption('antiEntropyBytesPerSec', o.antiEntropyBytesPerSec, AE.aeBytesPerSecondDefault, AE.aeBytesPerSecondMin, AE.aeBytesPerSecondMax),
    bucketsLog2: intOption('antiEntropyBucketsLog2', o.antiEntropyBucketsLog2, AE.aeBucketsLog2Default, AE.aeBucketsLog2Min, AE.aeBucketsLog2Max),
    tombstoneGraceMs: tombstoneGrace(o),
  };
}

/** Grace ≥ hint TTL: a hint still holding a deleted value must expire before its tombstone can go (README, "Tombstone collection"). */
function tombstoneGrace(o: NodeOptions): number {
  const hintTtlMs = typeof o.hintTtlMs === 'number' ? o.hintTtlMs : L.hintTtlMsDefault;
  const grace = intOption('tombstoneGraceMs', o.tombstoneGraceMs, AE.tombstoneGraceMsDefault, 0, AE.tombstoneGraceMsMax);
  if (grace < hintTtlMs) invalidOption(`option tombstoneGraceMs (${grace}) must be at least hintTtlMs (${hintTtlMs}): a hint may replay a deleted value until it expires`);
  return grace;
}

function checkSecret(o: NodeOptions, host: string): string | undefined {
  const secret = o.clusterSecret === undefined ? undefined : stringOption('clusterSecret', o.clusterSecret);
  if (secret !== undefined && Buffer.byteLength(secret) > L.clusterSecretBytesMax) invalidOption(`option clusterSecret must be at most ${L.clusterSecretBytesMax} bytes`);
  // Peer calls (`forward`, `fetch`, `apply`) read and write keys like a client does, so a
  // token-less peer port would bypass the token (issue 15, item 6). Every node serves
  // `/peer`, with or without seeds: a node that authenticates clients must authenticate peers.
  if (secret === undefined && (o.authToken !== undefined || o.tokensFile !== undefined)) {
    const which = o.authToken !== undefined ? 'authToken' : 'tokensFile';
    invalidOption(`option ${which} needs clusterSecret too: peer calls read and write keys, and without a secret any local process could make them past the token`);
  }
  if (secret === undefined && !isLoopbackHost(host) && o.allowInsecurePublicBind !== true && (o.seeds?.length ?? 0) > 0) {
    invalidOption(`host ${host} is reachable from other machines: set clusterSecret so peers authenticate, or allowInsecurePublicBind: true`);
  }
  return secret;
}

/** `host:port` or a ws URL → the ws URL peers dial (gossip addresses are these URLs). */
export function seedAddress(seed: string): string {
  const s = seed.trim().replace(/\/+$/, '');
  if (/^wss?:\/\//.test(s)) return s;
  if (!/^[^\s/]+:\d{1,5}$/.test(s)) invalidOption(`seed ${JSON.stringify(seed)} must be host:port or ws://host:port`);
  return `ws://${s}`;
}

/** With TLS every node URL is `wss://`: a `host:port` or `ws://` seed or advertised URL is dialled over TLS. */
function schemeFor(url: string, tls: boolean): string {
  return tls ? tlsScheme(url) : url;
}

function resolveCluster(o: NodeOptions, tls: boolean): ClusterSettings {
  if (o.seeds !== undefined && !Array.isArray(o.seeds)) invalidOption('option seeds must be an array of host:port strings');
  const seeds = (o.seeds ?? []).map((x) => (typeof x === 'string' ? schemeFor(seedAddress(x), tls) : invalidOption('option seeds must hold strings')));
  // The cluster defaults, alone or not: a lone first node founds the cluster's settings (cluster/agreement.ts).
  const n = o.replicas === undefined ? intOption('n', o.n, L.clusterNDefault, 1, 16) : mapTotal(o);
  const r = intOption('r', o.r, Math.min(n, L.clusterRDefault), 1, n);
  const w = intOption('w', o.w, Math.min(n, L.clusterWDefault), 1, n);
  const weight = o.weight ?? 1;
  if (typeof weight !== 'number' || !Number.isFinite(weight) || weight <= 0 || weight > L.weightLimit) invalidOption(`option weight must be a number in (0, ${L.weightLimit}]`);
  const vnodes = intOption('vnodes', o.vnodes, L.vnodesDefault, 1, L.vnodesLimit);
  // The ring gives a member round(vnodes × weight) tokens as hashring weight vnodes × weight / 64, which hashring caps at 64.
  if (vnodes * weight > L.vnodesLimit) invalidOption(`options vnodes × weight must be at most ${L.vnodesLimit}, got ${vnodes * weight}`);
  const labels = resolveLabels(o);
  return {
    seeds,
    n,
    replicas: o.replicas === undefined ? n : mapOf(o),
    r,
    w,
    mode: oneOf('mode', o.mode, ['sloppy', 'strict'], 'sloppy'),
    readRepair: oneOf<'local' | 'global'>('readRepair', o.readRepair, ['local', 'global'], 'local'),
    vnodes,
    weight,
    ...labels,
    gossipIntervalMs: intOption('gossipIntervalMs', o.gossipIntervalMs, L.gossipIntervalMsDefault, 10, 60_000),
    hintTtlMs: intOption('hintTtlMs', o.hintTtlMs, L.hintTtlMsDefault, 1_000, 7 * 24 * 3_600_000),
    requestTimeoutMs: intOption('requestTimeoutMs', o.requestTimeoutMs, L.requestTimeoutMsDefault, 1, L.requestTimeoutMsLimit),
    clusterName: o.clusterName === undefined ? 'ringkv' : stringOption('clusterName', o.clusterName),
    wanRelay: o.wanRelay === undefined ? true : typeof o.wanRelay === 'boolean' ? o.wanRelay : invalidOption('option wanRelay must be a boolean'),
  };
}
