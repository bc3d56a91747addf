/**
 * The dashboard's live figures: once a second, while at least one live
 * stream listens, it reads every member's `/status` and `/metrics` over
 * HTTP and turns two successive readings into rates and latency quantiles.
 *
 * Concurrency model: one tick at a time (the next is scheduled when a tick
 * ends); listeners get each sample synchronously, in subscription order.
 *
 * Invariants:
 *   1. It runs only while it has listeners: the first `subscribe` starts it,
 *      the last unsubscribe stops its timer and forgets its last sample, and
 *      a run has one chain of ticks (a tick of a stopped run ends when its
 *      reads return). It keeps no member's previous reading beyond the
 *      member's restart (a new generation resets the rates).
 *   2. A tick settles within `dashboardFetchTimeoutMs` (fetch-text.ts
 *      invariant 1), whatever the members do; a member that does not answer
 *      is reported with its error, never left out, so a node killed shows up
 *      as unreachable at the next sample.
 *   3. Rates and quantiles are over the interval between two readings of the
 *      same member generation; a first reading has counts but no rates.
 */
import type { AntiEntropyStatus, ClusterView, LiveSample, NodeSample, RingMemberPicture, TopologyStatus } from '@ringkv/dashboard';
import { bucketDelta, bucketsOf, parsePromText, quantileOf } from './prom-text.js';
import * as D from './dashboard-limits.js';
import { httpBaseOf } from './fetch-text.js';

/** A member the sampler reads: its id, its address (the ws URL) and its gossip status and generation. */
export interface SampledMember {
  readonly id: string;
  readonly address: string;
  readonly status: string;
  readonly generation: number;
}

/** What the sampler reads through (the node's state and the network), so tests can drive it. */
export interface SamplerPorts {
  /** This node's id. */
  readonly selfId: string;
  /** The members this node sees now (its gossip view). */
  members(): readonly SampledMember[];
  /** The ring as this node sees it: its version and each owning member's vnode positions. */
  ring(): { readonly version: number; readonly members: readonly RingMemberPicture[] };
  /** GETs a member's text endpoint (fetch-text.ts `fetchText`, bound to the limits). */
  fetchText(url: string): Promise<string>;
  /** The wall clock in ms. */
  nowMs(): number;
  /** Runs `fn` once after `ms`; returns a cancel function. */
  setTimer(fn: () => void, ms: number): () => void;
  /** True once the node is stopping: the sampler stops with it. */
  stopping(): boolean;
}

interface Reading {
  readonly atMs: number;
  readonly generation: number;
  readonly requests: number;
  readonly errors: number;
  readonly buckets: [number, number][];
}

/** Latency histogram of client requests in the node's /metrics (metrics.ts). */
const latencyFamily = 'ringkv_request_duration_seconds';

/**
 * Samples the cluster for the live streams (module comment).
 *
 * When to use: one per node (dashboard-routes.ts keeps it); each live
 * stream subscribes and unsubscribes when its response closes.
 */
export class DashboardSampler {
  private readonly listeners = new Set<(sample: LiveSample) => void>();
  private readonly previous = new Map<string, Reading>();
  /** Actors by member and generation: a member's actor changes only when it restarts. */
  private readonly actors = new Map<string, { generation: number; actor: string }>();
  private cancel: (() => void) | undefined;
  /** Bumped by every start and stop: a tick of an earlier run that is still reading ends there, so one run has one chain of ticks. */
  private run = 0;
  private running = false;
  /** The last sample of the current run (none while stopped: a later first subscriber must not get a stale one). */
  last: LiveSample | undefined;

  constructor(private readonly ports: SamplerPorts) {}

  /** Adds a listener (starting the sampler if it was idle) and sends it the last sample at once; returns its unsubscribe function. */
  subscribe(listener: (sample: LiveSample) => void): () => void {
    this.listeners.add(listener);
    if (this.last !== undefined) listener(this.last);
    if (!this.running) {
      this.running = true;
      void this.tick(++this.run);
    }
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.stop();
    };
  }

  /** Listeners now. */
  get listenerCount(): number {
    return this.listeners.size;
  }

  private stop(): void {
    this.running = false;
    this.run++;
    this.last = undefined;
    this.cancel?.();
    this.cancel = undefined;
  }

  /** One sample to every listener, then the next tick; never rejects (a failure skips one sample). */
  private async tick(run: number): Promise<void> {
    if (run !== this.run) return;
    if (this.ports.stopping()) return this.stop();
    const started = this.ports.nowMs();
    try {
      const sample = await this.sample();
      if (run !== this.run) return;
      this.last = sample;
      for (const listener of [...this.listeners]) listener(sample);
    } catch {
      // A bug or a port failing: the next tick tries again; a stream only misses a sample.
    }
    if (run !== this.run) return;
    const waitMs = Math.max(0, D.dashboardSampleIntervalMs - (this.ports.nowMs() - started));
    this.cancel = this.ports.setTimer(() => void this.tick(run), waitMs);
  }

  /** Reads every member once (invariant 2) and builds the sample. */
  async sample(): Promise<LiveSample> {
    const members = this.ports.members().slice(0, D.dashboardMembersSampledMax);
    let cluster: ClusterView | undefined;
    const nodes = await Promise.all(
      members.map(async (m) => {
        try {
          const { status, node } = await this.read(m);
          if (m.id === this.ports.selfId) cluster = status['cluster'] as ClusterView | undefined;
          return node;
        } catch (error) {
          this.previous.delete(m.id);
          return { id: m.id, reachable: false as const, error: (error as Error).message };
        }
      }),
    );
    const known = new Set(members.map((m) => m.id));
    for (const id of this.previous.keys()) if (!known.has(id)) this.previous.delete(id);
    return { atMs: this.ports.nowMs(), self: this.ports.selfId, intervalMs: D.dashboardSampleIntervalMs, ring: this.ports.ring(), cluster, nodes };
  }

  private async read(m: SampledMember): Promise<{ status: Record<string, unknown>; node: NodeSample }> {
    const base = httpBaseOf(m.address);
    const [statusText, metricsText, actor] = await Promise.all([
      this.ports.fetchText(`${base}/status`),
      this.ports.fetchText(`${base}/metrics`),
      this.actorOf(m, base),
    ]);
    const status = JSON.parse(statusText) as Record<string, unknown>;
    const atMs = this.ports.nowMs();
    const { requests, errors } = requestTotals(status['requests']);
    const buckets = bucketsOf(parsePromText(metricsText), latencyFamily, (labels) => labels['op'] !== 'ring' && labels['op'] !== 'scan'); // a scan page is a background walk, not a request's latency
    const before = this.previous.get(m.id);
    const usable = before !== undefined && before.generation === m.generation && requests >= before.requests;
    const reading: Reading = { atMs, generation: m.generation, requests, errors, buckets };
    this.previous.set(m.id, reading);
    const seconds = usable ? Math.max(0.001, (atMs - before.atMs) / 1000) : 0;
    const window = usable ? bucketDelta(buckets, before.buckets) : [];
    const quantileMs = (q: number): number | undefined => {
      const v = quantileOf(window, q);
      return v === undefined ? undefined : v * 1000;
    };
    const cluster = (status['cluster'] ?? {}) as Record<string, unknown>;
    return {
      status,
      node: {
        id: m.id, reachable: true, state: String(status['state']), uptimeMs: Number(status['uptimeMs']), generation: m.generation, actor,
        requests, errors,
        opsPerSec: usable ? (requests - before.requests) / seconds : undefined,
        errorsPerSec: usable ? Math.max(0, errors - before.errors) / seconds : undefined,
        p50Ms: quantileMs(0.5), p99Ms: quantileMs(0.99),
        hintsPending: (cluster['hintsPending'] ?? {}) as Record<string, number>,
        store: status['store'] as { keys?: number; bytes?: number } | undefined,
        antiEntropy: status['antiEntropy'] as AntiEntropyStatus | undefined,
        topology: cluster['topology'] as TopologyStatus | undefined,
        errorCodes: (status['errors'] ?? {}) as Record<string, number>,
      },
    };
  }

  /** The member's actor, read from its `/dashboard/node` once per generation; undefined if that fails (an older node). */
  private async actorOf(m: SampledMember, base: string): Promise<string | undefined> {
    const known = this.actors.get(m.id);
    if (known !== undefined && known.generation === m.generation) return known.actor;
    try {
      const node = JSON.parse(await this.ports.fetchText(`${base}/dashboard/node`)) as { actor?: unknown; generation?: unknown };
      if (typeof node.actor !== 'string') return undefined;
      this.actors.set(m.id, { generation: m.generation, actor: node.actor });
      return node.actor;
    } catch {
      return undefined;
    }
  }
}

/** Sums /status `requests` ({op: {ok, error}}) into answered and failed counts. */
function requestTotals(requests: unknown): { requests: number; errors: number } {
  let total = 0;
  let failed = 0;
  if (typeof requests === 'object' && requests !== null) {
    for (const [op, counts] of Object.entries(requests as Record<string, { ok?: unknown; error?: unknown }>)) {
      if (op === 'ring' || op === 'scan') continue;
      const ok = Number(counts.ok ?? 0);
      const error = Number(counts.error ?? 0);
      total += ok + error;
      failed += error;
    }
  }
  return { requests: total, errors: failed };
}
