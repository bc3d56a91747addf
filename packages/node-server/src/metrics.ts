/**
 * The node's counters and latency histograms, and their Prometheus text form.
 *
 * Concurrency model: plain numbers updated synchronously on the event loop;
 * rendering reads them at one instant.
 *
 * Invariants:
 *   1. Counters only grow; gauges (connections, queued writes) are read live.
 *   2. Latency buckets are fixed (limits.ts), so histograms from different
 *      nodes and restarts aggregate.
 *   3. The hot path touches arrays by index: no string building and no map
 *      lookups per request (error counts, rare, use a map).
 *   4. Names follow Prometheus's rules, which `promtool check metrics`
 *      checks: base units last (`_seconds`, `_bytes`), every counter typed
 *      `counter` and named `_total`, one HELP and TYPE per family.
 *   5. The process and Node runtime families (`process_*`, `nodejs_*`) come
 *      from prom-client (process-metrics.ts); this file writes `ringkv_*` only.
 */
import type { ClusterStatus } from './cluster/status.js';
import { latencyBucketsSeconds } from './limits.js';
import { Histogram } from './histogram.js';

/** The request operations a node counts. */
export const ops = ['get', 'put', 'delete', 'batch', 'ring'] as const;
export type Op = (typeof ops)[number];

const opIndex: Readonly<Record<Op, number>> = { get: 0, put: 1, delete: 2, batch: 3, ring: 4 };

/** Peer call kinds timed by peer-timing.ts: a get's replica reads, a put's or delete's replica writes, forwarded writes, writes relayed to a remote DC, the rest. */
export const peerCallKinds = ['fetch', 'apply', 'forward', 'relay', 'other'] as const;
export type PeerCallKind = (typeof peerCallKinds)[number];

const peerKindIndex: Readonly<Record<PeerCallKind, number>> = { fetch: 0, apply: 1, forward: 2, relay: 3, other: 4 };

/** Request bytes in flight on the node: the `/status` `requestBytes` object and its gauges. */
export interface RequestBytesStatus {
  inFlightBytes: number;
  peakBytes: number;
  maxBytes: number;
  perConnectionMaxBytes: number;
  /** Connections not read now because of request bytes (their own bound or the node's). */
  pausedConnections: number;
  /** Times a request waited for room in the node's budget. */
  budgetWaits: number;
  /** True while the storage reports it is behind (no large request starts meanwhile). */
  storageBehind: boolean;
}

/** Live figures the metrics read at render time (connections, queue depth, storage). */
export interface MetricsSources {
  connections(): number;
  pausedConnections(): number;
  /** Request bytes in flight on the node (request-budget.ts) and connections not read because of them. */
  requestBytes(): RequestBytesStatus;
  queuedWrites(): number;
  storage(): unknown;
  /** True while this replica's reads are held for a repair of writes its log lost (store/log-loss.ts). */
  logLossRepairPending?(): boolean;
  /** The cluster's figures, once the node serves. */
  cluster(): ClusterStatus | undefined;
  /** Raw socket admission (server/socket-guard.ts). */
  sockets(): { anonymous: number; evicted: number; refusedPerAddress: number; timedOut: number };
  /** Incomplete messages (server/frame-guard.ts). */
  partialFrames(): PartialFrameFigures;
}

/** /status `connections.partialFrames` and the `ringkv_partial_frame*` metrics. */
export interface PartialFrameFigures {
  /** Payload bytes held in incomplete messages, and the connections holding them. */
  bytes: number;
  connections: number;
  /** Connections destroyed by `frameReadTimeoutMs`, by `partialFrameBytesMax`, and for a frame over `helloFrameBytesMax` before hello. */
  timedOut: number;
  dropped: number;
  refusedBeforeHello: number;
}

/**
 * Counters of one node.
 *
 * When to use: one per node; the server records every request, error and
 * connection event; `/metrics` renders it.
 */
export class Metrics {
  private readonly ok = new Float64Array(ops.length);
  private readonly failed = new Float64Array(ops.length);
  private readonly latency = ops.map(() => new Histogram(latencyBucketsSeconds));
  private readonly errors = new Map<string, number>();
  /** Peer call latency by kind: calls this node made (`out`) and served (`in`). */
  private readonly peerOut = peerCallKinds.map(() => new Histogram(latencyBucketsSeconds));
  private readonly peerIn = peerCallKinds.map(() => new Histogram(latencyBucketsSeconds));
  connectionsOpened = 0;
  connectionsRefused = 0;
  connectionsDroppedSlow = 0;
  connectionsPaused = 0;
  /** Times a connection stopped being read because of request bytes in flight (issue 15, item 4). */
  connectionsPausedForBytes = 0;
  framesIn = 0;
  bytesIn = 0;
  bytesOut = 0;
  /** Largest `bufferedAmount` seen on any connection right after a send. */
  sendBufferPeakBytes = 0;

  /** Records one finished request. */
  request(op: Op, ok: boolean, seconds: number): void {
    const i = opIndex[op];
    if (ok) this.ok[i] = (this.ok[i] as number) + 1;
    else this.failed[i] = (this.failed[i] as number) + 1;
    (this.latency[i] as Histogram).observe(seconds);
  }

  /** Records one settled peer call: made by this node (`out`) or served by it (`in`). */
  peerCall(direction: 'out' | 'in', kind: PeerCallKind, seconds: number): void {
    ((direction === 'out' ? this.peerOut : this.peerIn)[peerKindIndex[kind]] as Histogram).observe(seconds);
  }

  /** Records an error sent to a client (per request or per connection) by its protocol code. */
  error(code: string): void {
    this.errors.set(code, (this.errors.get(code) ?? 0) + 1);
  }

  /** Request counts by op, for /status. */
  requestCounts(): Record<Op, { ok: number; error: number }> {
    const out = {} as Record<Op, { ok: number; error: number }>;
    for (const op of ops) out[op] = { ok: this.ok[opIndex[op]] as number, error: this.failed[opIndex[op]] as number };
    return out;
  }

  /** Error counts by code, for /status. */
  errorCounts(): Record<string, number> {
    return Object.fromEntries(this.errors);
  }

  /** The `ringkv_*` families in the Prometheus text exposition (format 0.0.4); the route appends the others (http/metrics-route.ts). */
  render(nodeId: string, sources: MetricsSources): string {
    const w = new TextWriter(nodeId);
    this.renderRequests(w);
    this.renderLatency(w);
    w.family('ringkv_errors_total', 'counter', 'Errors sent to clients, by protocol error code.');
    for (const [code, n] of this.errors) w.sample('ringkv_errors_total', n, `code="${code}"`);
    this.renderConnections(w, sources);
    w.gauge('ringkv_write_queue_depth', 'Writes waiting for the storage engine.', sources.queuedWrites());
    renderStorage(w, sources.storage());
    if (sources.logLossRepairPending !== undefined) {
      w.gauge('ringkv_storage_log_loss_repair_pending', '1 while this replica refuses reads of its copies until writes its log lost are repaired.', sources.logLossRepairPending() ? 1 : 0);
    }
    const cluster = sources.cluster();
    if (cluster !== undefined) renderCluster(w, cluster);
    this.renderPeerLatency(w);
    return w.text();
  }

  private renderRequests(w: TextWriter): void {
    w.family('ringkv_requests_total', 'counter', 'Client requests answered, by operation and outcome.');
    for (const op of ops) {
      w.sample('ringkv_requests_total', this.ok[opIndex[op]] as number, `op="${op}",outcome="ok"`);
      w.sample('ringkv_requests_total', this.failed[opIndex[op]] as number, `op="${op}",outcome="error"`);
    }
  }

  private renderLatency(w: TextWriter): void {
    w.family('ringkv_request_duration_seconds', 'histogram', 'Time from decoding a request to sending its reply.');
    ops.forEach((op, i) => (this.latency[i] as Histogram).render(w, 'ringkv_request_duration_seconds', `op="${op}"`));
  }

  private renderPeerLatency(w: TextWriter): void {
    w.family('ringkv_peer_call_duration_seconds', 'histogram', 'Peer calls this node made, from the call to its reply, by kind (fetch: a get\'s replica read; apply: a put\'s or delete\'s replica write; forward; relay: writes for a remote DC through one node there; other: anti-entropy and streaming).');
    peerCallKinds.forEach((kind, i) => (this.peerOut[i] as Histogram).render(w, 'ringkv_peer_call_duration_seconds', `call="${kind}"`));
    w.family('ringkv_peer_serve_duration_seconds', 'histogram', 'Peer calls this node served, from decoding to its reply, by kind.');
    peerCallKinds.forEach((kind, i) => (this.peerIn[i] as Histogram).render(w, 'ringkv_peer_serve_duration_seconds', `call="${kind}"`));
  }

  private renderConnections(w: TextWriter, sources: MetricsSources): void {
    w.gauge('ringkv_connections', 'Open client connections.', sources.connections());
    w.gauge('ringkv_connections_paused', 'Connections not being read because their client is slow to read replies.', sources.pausedConnections());
    const rb = sources.requestBytes();
    w.gauge('ringkv_request_bytes_in_flight', 'Frame bytes of client requests running on the node.', rb.inFlightBytes);
    w.gauge('ringkv_request_bytes_in_flight_max', 'The node bound on request bytes in flight (nodeRequestBytesInFlightMax).', rb.maxBytes);
    w.gauge('ringkv_request_bytes_in_flight_peak', 'Most request bytes in flight at once since start.', rb.peakBytes);
    w.gauge('ringkv_connections_paused_for_request_bytes', 'Connections not being read because of request bytes in flight.', rb.pausedConnections);
    w.counter('ringkv_connections_opened_total', 'Client connections accepted.', this.connectionsOpened);
    w.counter('ringkv_connections_refused_total', 'Upgrades refused (connectionsMax reached or stopping).', this.connectionsRefused);
    w.counter('ringkv_connections_paused_total', 'Times a connection was paused for backpressure.', this.connectionsPaused);
    w.counter('ringkv_connections_paused_for_request_bytes_total', 'Times a connection stopped being read because of request bytes in flight.', this.connectionsPausedForBytes);
    w.counter('ringkv_connections_dropped_slow_total', 'Connections terminated because their client stopped reading.', this.connectionsDroppedSlow);
    const sockets = sources.sockets();
    w.gauge('ringkv_sockets_anonymous', 'Sockets that have not yet sent request headers or a good client or peer hello.', sockets.anonymous);
    w.counter('ringkv_sockets_evicted_total', 'Anonymous sockets destroyed to make room for newer ones (anonymousSocketsMax, connectionsPerAddressMax).', sockets.evicted);
    w.counter('ringkv_sockets_refused_per_address_total', 'Sockets refused at accept: their address held connectionsPerAddressMax identified sockets.', sockets.refusedPerAddress);
    w.counter('ringkv_sockets_headers_timeout_total', 'Sockets destroyed for sending no request or upgrade headers within headersTimeoutMs.', sockets.timedOut);
    const partial = sources.partialFrames();
    w.gauge('ringkv_partial_frame_bytes', 'Payload bytes held in incomplete client and peer messages (partialFrameBytesMax bounds them).', partial.bytes);
    w.gauge('ringkv_partial_frame_connections', 'Connections with an incomplete message.', partial.connections);
    w.counter('ringkv_partial_frame_timeouts_total', 'Connections destroyed for a message incomplete longer than frameReadTimeoutMs.', partial.timedOut);
    w.counter('ringkv_partial_frame_dropped_total', 'Connections destroyed (oldest incomplete message first) to keep partial bytes under partialFrameBytesMax.', partial.dropped);
    w.counter('ringkv_partial_frame_refused_before_hello_total', 'Connections destroyed for a frame over helloFrameBytesMax before their hello.', partial.refusedBeforeHello);
    w.counter('ringkv_frames_received_total', 'WebSocket messages received from clients.', this.framesIn);
    w.counter('ringkv_received_bytes_total', 'Bytes of client frames received.', this.bytesIn);
    w.counter('ringkv_sent_bytes_total', 'Bytes of frames sent to clients.', this.bytesOut);
    w.gauge('ringkv_send_buffer_peak_bytes', 'Largest reply queue seen on one connection since start.', this.sendBufferPeakBytes);
  }
}

/** Engine figures exported as gauges; names follow lsm-engine's `EngineStats`. */
function renderStorage(w: TextWriter, stats: unknown): void {
  if (typeof stats !== 'object' || stats === null) return;
  const s = stats as Record<string, unknown>;
  const scalar = (name: string, help: string, value: unknown): void => {
    if (typeof value === 'number' && Number.isFinite(value)) w.gauge(name, help, value);
  };
  const counter = (name: string, help: string, value: unknown): void => {
    if (typeof value === 'number' && Number.isFinite(value)) w.counter(name, help, value);
  };
  if (typeof s['writable'] === 'boolean') {
    w.gauge('ringkv_storage_writable', 'Whether storage accepts writes (0 on a full disk, retried, or after a fatal error).', s['writable'] ? 1 : 0);
  }
  scalar('ringkv_storage_memtable_bytes', 'Bytes in the active memtable.', s['memtableBytes']);
  scalar('ringkv_storage_last_seq', 'Last sequence number written.', s['lastSeq']);
  counter('ringkv_storage_user_written_bytes_total', 'Key and value bytes accepted by the engine since open.', s['userBytesWritten']);
  scalar('ringkv_storage_write_amplification', 'Disk bytes written per user byte.', s['writeAmplification']);
  scalar('ringkv_storage_read_amplification', 'Sorted runs a point read may probe.', s['readAmplification']);
  scalar('ringkv_storage_space_amplification', 'Table bytes per estimated live byte.', s['spaceAmplification']);
  counter('ringkv_storage_wal_syncs_total', 'Commit log fsyncs since open.', s['walSyncs']);
  counter('ringkv_storage_flushes_total', 'Memtable flushes since open.', s['flushes']);
  counter('ringkv_storage_compactions_total', 'Compactions since open.', s['compactions']);
  const loss = (s['recovery'] as { corruption?: Record<string, unknown> } | undefined)?.corruption;
  if (loss !== undefined) {
    counter('ringkv_storage_log_lost_regions_total', 'Damaged commit-log regions skipped at open (acknowledged writes lost; repaired from replicas).', loss['regions']);
    counter('ringkv_storage_log_lost_bytes_total', 'Commit-log bytes lost to damage at open (not a torn tail).', loss['droppedBytes']);
    counter('ringkv_storage_log_lost_writes_total', 'Writes lost to commit-log damage at open (a lower bound when the damage reached the end of the log).', loss['droppedOps']);
  }
  const levels = s['levels'];
  if (Array.isArray(levels)) {
    w.family('ringkv_storage_level_bytes', 'gauge', 'Table bytes per LSM level.');
    for (const l of levels as { level: number; bytes: number }[]) w.sample('ringkv_storage_level_bytes', l.bytes, `level="${l.level}"`);
    w.family('ringkv_storage_level_tables', 'gauge', 'Tables per LSM level.');
    for (const l of levels as { level: number; tables: number }[]) w.sample('ringkv_storage_level_tables', l.tables, `level="${l.level}"`);
  }
}

/** Cluster figures: members by state, ownership, hints pending per target, quorum, handoff, forwarding, peers. */
function renderCluster(w: TextWriter, c: ClusterStatus): void {
  w.family('ringkv_cluster_member_up', 'gauge', 'Members as this node judges them: 1 for the member\'s current state.');
  for (const m of c.members) w.sample('ringkv_cluster_member_up', 1, `member="${escapeLabel(m.id)}",state="${m.status}"`);
  w.family('ringkv_ring_ownership_ratio', 'gauge', 'Share of ring positions a member holds a replica of (sums to N over members).');
  for (const m of c.members) w.sample('ringkv_ring_ownership_ratio', m.ownership.replica, `member="${escapeLabel(m.id)}"`);
  w.gauge('ringkv_ring_version', 'Fingerprint of the current ring placement.', c.ring.version);
  w.family('ringkv_hints_pending', 'gauge', 'Hints this node holds, by the node they are for.');
  for (const [target, n] of Object.entries(c.hintsPending)) w.sample('ringkv_hints_pending', n, `target="${escapeLabel(target)}"`);
  const counters: [string, string, number | undefined][] = [
    ['ringkv_quorum_results_total{result="ok"}', 'Coordinated requests by result.', c.coordinator['ok']],
    ['ringkv_quorum_results_total{result="quorum-not-met"}', '', c.coordinator['quorumNotMet']],
    ['ringkv_quorum_results_total{result="indeterminate"}', '', c.coordinator['indeterminate']],
    ['ringkv_hints_stored_total', 'Hints the coordinator stored for unreachable replicas.', c.coordinator['hintsStored']],
    ['ringkv_read_repairs_total', 'Read repairs sent to stale replicas.', c.coordinator['readRepairs']],
    ['ringkv_read_repairs_failed_total', 'Read repairs that failed.', c.coordinator['readRepairsFailed']],
    ['ringkv_read_repairs_dropped_total', 'Read repairs dropped because the repair queue was full.', c.coordinator['readRepairsDropped']],
    ['ringkv_handoff_replayed_total', 'Hints delivered to their target and deleted.', c.handoff['replayed']],
    ['ringkv_handoff_expired_total', 'Hints dropped after hintTtlMs.', c.handoff['expired']],
    ['ringkv_handoff_send_failures_total', 'Hint sends refused or timed out.', c.handoff['sendFailures']],
    ['ringkv_forwarded_total{direction="out"}', 'Client writes forwarded to a replica, or received forwarded.', c.forwarding['forwardedOut']],
    ['ringkv_forwarded_total{direction="in"}', '', c.forwarding['forwardedIn']],
    ['ringkv_peer_calls_total', 'Peer calls sent.', c.peers['callsSent']],
    ['ringkv_peer_call_failures_total', 'Peer calls refused, failed or timed out.', c.peers['callsFailed']],
    ['ringkv_ring_changes_total', 'Times the ring placement changed.', c.forwarding['ringChanges']],
    ['ringkv_peer_wan_bytes_total', 'Peer frame bytes this node sent to nodes of other data centers (calls, gossip, replies).', c.peers['wanBytesSent']],
    ['ringkv_relay_calls_total{direction="out"}', 'Relay calls: writes for a remote DC sent to one node there (out), or served for another DC (in).', c.relay?.['relaysSent']],
    ['ringkv_relay_calls_total{direction="in"}', '', c.relay?.['relaysServed']],
    ['ringkv_relay_targets_total', 'Replica writes carried by the relay calls this node sent.', c.relay?.['relayTargets']],
    ['ringkv_relay_fallbacks_total', 'Replica writes sent directly because their relay was refused unsent.', c.relay?.['relayFallbacks']],
    ['ringkv_relay_failures_total', 'Relay calls that failed after being sent (their replica writes failed).', c.relay?.['relayFailures']],
    ['ringkv_relay_forwards_total', 'Replica writes this node applied to its DC\'s other replicas for relays it served.', c.relay?.['relayForwards']],
  ];
  for (const [name, help, value] of counters) {
    const brace = name.indexOf('{');
    const family = brace < 0 ? name : name.slice(0, brace);
    if (help !== '') w.family(family, 'counter', help);
    w.sample(family, value ?? 0, brace < 0 ? '' : name.slice(brace + 1, -1));
  }
}

/** Builds the exposition text; every sample carries the node label. */
class TextWriter {
  private readonly lines: string[] = [];
  private readonly node: string;
  constructor(nodeId: string) {
    this.node = `node="${escapeLabel(nodeId)}"`;
  }
  family(name: string, type: string, help: string): void {
    this.lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
  }
  sample(name: string, value: number, labels = ''): void {
    this.lines.push(`${name}{${this.node}${labels === '' ? '' : ','}${labels}} ${formatNumber(value)}`);
  }
  gauge(name: string, help: string, value: number): void {
    this.family(name, 'gauge', help);
    this.sample(name, value);
  }
  counter(name: string, help: string, value: number): void {
    this.family(name, 'counter', help);
    this.sample(name, value);
  }
  text(): string {
    return `${this.lines.join('\n')}\n`;
  }
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function formatNumber(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? '+Inf' : '-Inf';
  return String(value);
}
