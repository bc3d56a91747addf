/**
 * The chaos cluster: node processes on their own loopback addresses, each
 * behind its proxy, and the fault table the proxies obey.
 *
 * Address plan (Linux routes all of 127/8 to lo): node i (1-based) binds
 * 127.0.0.(nodeIpBase + i − 1) on a free port; its proxy listens on
 * 127.0.0.(proxyIpBase + i − 1). A node advertises its proxy's URL, and its
 * seeds are the other proxies, so every connection *to* a node, from a peer
 * or a client, passes its proxy. Peers dial from their node's bound IP
 * (node-server binds outbound peer connections to `host`), which is how a
 * proxy names the sender; anything else is a client.
 *
 * Invariants:
 *   1. A node's address (host, port) and proxy address never change during a
 *      run, so a restarted node is the same member at the same URL.
 *   2. `close()` stops every node (graceful, then SIGKILL) and every proxy.
 */
import { createServer } from 'node:net';
import { join } from 'node:path';
import { ChaosError } from './errors.js';
import { clientEndpoint, FaultTable } from './faults.js';
import * as L from './limits.js';
import { NodeProcess } from './node-process.js';
import { FaultProxy } from './proxy.js';

/** How the cluster is laid out and configured. */
export interface ClusterOptions {
  readonly nodes: number;
  /** Directory for data directories and logs. */
  readonly workDir: string;
  /** Last octet of node 1's address (default 11). */
  readonly nodeIpBase?: number;
  /** Last octet of proxy 1's address (default 21). */
  readonly proxyIpBase?: number;
  /** Replicas and default quorums (default 3 / 2 / 2). */
  readonly n?: number;
  readonly r?: number;
  readonly w?: number;
  readonly gossipIntervalMs?: number;
  /** Give every node its own tmpfs disk (`nodeDiskBytes`) for `disk-full` faults (needs root). */
  readonly diskFull?: boolean;
}

/** One member's /status, the parts the run reads. */
export interface NodeStatusView {
  readonly members: readonly { id: string; status: string }[];
  readonly ringVersion: number;
  readonly hintsPending: number;
  /** The node's fault-related counters since it started (`counterNames`). */
  readonly counters: Readonly<Record<string, number>>;
}

/**
 * Counters of /status summed over the run, which show that the faults bit:
 * `<section>.<name>` of the `cluster` object.
 */
export const counterNames = [
  'coordinator.writes', 'coordinator.quorumNotMet', 'coordinator.indeterminate', 'coordinator.hintsStored', 'coordinator.readRepairs',
  'handoff.replayed', 'forwarding.forwardedOut', 'peers.callsTimedOut', 'peers.callsFailed', 'peers.connectsFailed',
] as const;

type StatusCluster = { members: { id: string; status: string }[]; ring: { version: number }; hintsPending: Record<string, number> } & Record<string, Record<string, number> | unknown>;

function countersOf(c: StatusCluster): Record<string, number> {
  const out: Record<string, number> = {};
  for (const name of counterNames) {
    const [section, field] = name.split('.') as [string, string];
    const v = (c[section] as Record<string, number> | undefined)?.[field];
    out[name] = typeof v === 'number' ? v : 0;
  }
  return out;
}

/** A port nobody listens on at `host` now (the node takes it right after). */
async function freePort(host: string): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Nodes, proxies and the fault table (module comment). */
export class ChaosCluster {
  readonly ids: readonly string[];
  private readonly banked: Record<string, number> = {};

  private constructor(
    /** The fault table every proxy obeys. */
    readonly table: FaultTable,
    readonly nodes: readonly NodeProcess[],
    readonly proxies: readonly FaultProxy[],
  ) {
    this.ids = nodes.map((n) => n.spec.id);
  }

  /** Lays out addresses, starts the proxies (not the nodes). Errors: `proxy-failed`. */
  static async create(o: ClusterOptions): Promise<ChaosCluster> {
    const nodeIp = (i: number): string => `127.0.0.${(o.nodeIpBase ?? 11) + i}`;
    const proxyIp = (i: number): string => `127.0.0.${(o.proxyIpBase ?? 21) + i}`;
    const ids = Array.from({ length: o.nodes }, (_, i) => `n${i + 1}`);
    const byHost = new Map(ids.map((id, i) => [nodeIp(i), id]));
    const endpointOf = (address: string): string => byHost.get(address.replace(/^::ffff:/, '')) ?? clientEndpoint;
    const table = new FaultTable();
    const ports = await Promise.all(ids.map((_, i) => freePort(nodeIp(i))));
    const proxies: FaultProxy[] = [];
    try {
      for (const [i, id] of ids.entries()) {
        proxies.push(await FaultProxy.start({ host: proxyIp(i), target: { host: nodeIp(i), port: ports[i] as number }, endpoint: id, endpointOf, table }));
      }
    } catch (error) {
      await Promise.all(proxies.map((p) => p.close()));
      throw error;
    }
    const nodes = ids.map((id, i) => new NodeProcess({
      id, host: nodeIp(i), port: ports[i] as number, dataDir: join(o.workDir, id), logFile: join(o.workDir, `${id}.log`),
      diskBytes: o.diskFull === true ? L.nodeDiskBytes : undefined,
      options: {
        advertiseUrl: `ws://${proxies[i]?.address}`,
        seeds: proxies.filter((_, j) => j !== i).map((p) => p.address),
        n: o.n ?? 3, r: o.r ?? 2, w: o.w ?? 2,
        gossipIntervalMs: o.gossipIntervalMs ?? L.nodeGossipIntervalMs,
        requestTimeoutMs: L.nodeRequestTimeoutMs,
        antiEntropyIntervalMs: 0,
        durability: 'interval',
      },
    }));
    return new ChaosCluster(table, nodes, proxies);
  }

  /** The seed URLs for clients: every proxy. */
  get clientSeeds(): string[] {
    return this.proxies.map((p) => `ws://${p.address}`);
  }

  /** The node process of `id`. Errors: `invalid-option` for an unknown id. */
  node(id: string): NodeProcess {
    const n = this.nodes.find((x) => x.spec.id === id);
    if (n === undefined) throw new ChaosError('invalid-option', `no node ${id}`);
    return n;
  }

  /** Resets every open connection of node `id`: at its own proxy, and its connections into the others. */
  cutNode(id: string): number {
    let cut = 0;
    for (const [i, p] of this.proxies.entries()) cut += this.ids[i] === id ? p.cut(() => true) : p.cut((peer) => peer === id);
    return cut;
  }

  /** Resets open connections whose sender and receiver are now blocked in either direction. */
  cutBlocked(): number {
    let cut = 0;
    for (const [i, p] of this.proxies.entries()) {
      const self = this.ids[i] as string;
      cut += p.cut((peer) => this.table.link(peer, self).blocked || this.table.link(self, peer).blocked);
    }
    return cut;
  }

  /**
   * Banks the counters of node `id` before it is killed (a restart starts
   * them from zero), so `counterTotals()` covers every life of every node.
   */
  async bankCounters(id: string): Promise<void> {
    const view = await fetchStatus(this.node(id).httpUrl);
    for (const [k, v] of Object.entries(view?.counters ?? {})) this.banked[k] = (this.banked[k] ?? 0) + v;
  }

  /** The run's counters: banked ones plus every running node's current ones. */
  async counterTotals(): Promise<Record<string, number>> {
    const totals: Record<string, number> = { ...this.banked };
    for (const view of await this.statuses()) for (const [k, v] of Object.entries(view?.counters ?? {})) totals[k] = (totals[k] ?? 0) + v;
    return totals;
  }

  /** Every node's view, or undefined for a node that did not answer (down, paused). */
  async statuses(): Promise<(NodeStatusView | undefined)[]> {
    return Promise.all(this.nodes.map((n) => fetchStatus(n.httpUrl)));
  }

  /** Stops every node and proxy (invariant 2). */
  async close(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.stop()));
    await Promise.all(this.proxies.map((p) => p.close()));
    for (const n of this.nodes) n.disk?.unmount();
  }
}

/** GET /status of one node, reduced to what the run reads; undefined on any failure. */
export async function fetchStatus(httpUrl: string): Promise<NodeStatusView | undefined> {
  try {
    const res = await fetch(`${httpUrl}/status`, { signal: AbortSignal.timeout(2_000) });
    if (!res.ok) return undefined;
    const c = ((await res.json()) as { cluster?: StatusCluster }).cluster;
    if (c === undefined) return undefined;
    const hints = Object.values(c.hintsPending).reduce((a, b) => a + b, 0);
    return { members: c.members.map((m) => ({ id: m.id, status: m.status })), ringVersion: c.ring.version, hintsPending: hints, counters: countersOf(c) };
  } catch {
    return undefined;
  }
}

/** True when every node answered, sees every member `normal`, and all share one ring version. */
export function membersAgree(views: readonly (NodeStatusView | undefined)[], ids: readonly string[]): boolean {
  const versions = new Set<number>();
  for (const v of views) {
    if (v === undefined) return false;
    versions.add(v.ringVersion);
    for (const id of ids) if (v.members.find((m) => m.id === id)?.status !== 'normal') return false;
  }
  return versions.size === 1;
}
