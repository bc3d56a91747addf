/**
 * The nemesis: a seeded schedule of faults (plain data, so a failing
 * schedule can be printed and shrunk) and the machinery that applies and
 * heals them on a `SimCluster`.
 *
 * Fault kinds: network cuts (`halves`, `isolate`, `bridge`, `one-way`; clients
 * are placed on a side, so partitions cut clients too; `dc-split` cuts whole
 * data centers, their clients included, from each other), link bursts (`loss`,
 * `duplicate`, `reorder`, `delay`), node faults (`kill`: process crash and
 * power loss, restart with what was synced; `pause`: timers and sockets
 * frozen; `wipe`: crash, empty disk, restart with the same id) and clock
 * faults (`skew`: an offset for a while; `jump`: a permanent step forward or
 * back).
 *
 * Invariants:
 *   1. `planFaults` draws only from its `Rng`: same seed, same schedule.
 *   2. Node faults never overlap on one node, and at most one node is under
 *      a node fault at a time when `n` is 3 (more leave no quorum at all,
 *      which tests nothing but timeouts); at most one wipe per run.
 *   3. Active cuts and bursts are recomputed from the set of active events
 *      on every change, so overlapping faults compose and heal cleanly.
 *   4. After `healAll` nothing is cut, links are healthy, every node runs.
 */
import type { CrashMode } from '@ringkv/lsm-engine';
import { defaultLink, type LinkConfig, type Rng } from '@ringkv/sim';
import type { SimCluster } from './cluster.js';
import { ClusterSimError } from './errors.js';
import { clockOffsetMsMax, faultMsMax } from './limits.js';

/** Every kind of fault the nemesis injects. */
export type FaultKind = 'halves' | 'isolate' | 'bridge' | 'one-way' | 'dc-split' | 'loss' | 'duplicate' | 'reorder' | 'delay' | 'kill' | 'pause' | 'wipe' | 'skew' | 'jump';

/** All fault kinds, in report order. */
export const faultKinds: readonly FaultKind[] = ['halves', 'isolate', 'bridge', 'one-way', 'dc-split', 'loss', 'duplicate', 'reorder', 'delay', 'kill', 'pause', 'wipe', 'skew', 'jump'];

/** Every kind a one-DC cluster can take (all but `dc-split`). */
const oneDcKinds: readonly FaultKind[] = faultKinds.filter((k) => k !== 'dc-split');

/** Named fault mixes; `dcs` runs a multi-DC cluster (run.ts). */
export const profiles = {
  partitions: ['halves', 'isolate', 'bridge', 'one-way'],
  crashes: ['kill', 'pause'],
  clocks: ['skew', 'jump'],
  messages: ['loss', 'duplicate', 'reorder', 'delay'],
  wipe: ['wipe', 'kill'],
  all: oneDcKinds,
  dcs: ['dc-split', 'isolate', 'kill', 'delay'],
} as const satisfies Record<string, readonly FaultKind[]>;

/** A profile's name. */
export type ProfileName = keyof typeof profiles;

/** Profile names, in report order. */
export const profileNames = Object.keys(profiles) as ProfileName[];

/** One scheduled fault; times are sim ms from the start of the workload. */
export interface FaultEvent {
  readonly atMs: number;
  readonly kind: FaultKind;
  readonly durationMs: number;
  /** The node(s) it targets (node and clock faults; the cut source of `one-way`; the bridge of `bridge`). */
  readonly nodes: readonly string[];
  /** Sides of a cut (nodes and clients). */
  readonly groups?: readonly (readonly string[])[];
  readonly link?: Partial<LinkConfig>;
  readonly offsetMs?: number;
  readonly crashMode?: CrashMode;
}

const nodeKinds = new Set<FaultKind>(['kill', 'pause', 'wipe']);
const cutKinds = new Set<FaultKind>(['halves', 'isolate', 'bridge', 'one-way', 'dc-split']);
const linkKinds = new Set<FaultKind>(['loss', 'duplicate', 'reorder', 'delay']);

/** The profile named `name`, or `unknown-profile`. */
export function profileKinds(name: string): readonly FaultKind[] {
  if (!Object.hasOwn(profiles, name)) throw new ClusterSimError('unknown-profile', `no profile "${name}" (profiles: ${profileNames.join(', ')})`);
  return profiles[name as ProfileName];
}

/**
 * A seeded schedule of `count` faults within `windowMs` (invariants 1, 2).
 * `dcs` are the endpoints (nodes and clients) of each data center; without
 * two of them a `dc-split` is not planned.
 */
export function planFaults(rng: Rng, kinds: readonly FaultKind[], nodes: readonly string[], clients: readonly string[], count: number, windowMs: number, dcs: readonly (readonly string[])[] = []): FaultEvent[] {
  const out: FaultEvent[] = [];
  const busyUntil = new Map<string, number>();
  let wiped = false;
  const starts = Array.from({ length: count }, () => Math.floor(rng.next() * windowMs)).sort((a, b) => a - b);
  for (const atMs of starts) {
    let kind = rng.pick(kinds);
    if (kind === 'wipe' && wiped) kind = 'kill';
    const durationMs = 200 + Math.floor(rng.next() * (faultMsMax - 200));
    if (nodeKinds.has(kind)) {
      const free = nodes.filter((id) => (busyUntil.get(id) ?? -1) < atMs);
      const othersBusy = nodes.length - free.length;
      if (free.length === 0 || (nodes.length <= 3 && othersBusy > 0)) continue;
      const id = rng.pick(free);
      busyUntil.set(id, atMs + durationMs);
      wiped ||= kind === 'wipe';
      const crashMode = rng.pick(['drop', 'prefix', 'torn'] as const);
      out.push({ atMs, kind, durationMs, nodes: [id], ...(kind === 'pause' ? {} : { crashMode }) });
    } else if (kind === 'dc-split') {
      if (dcs.length >= 2) out.push(planDcSplit(rng, atMs, durationMs, dcs));
    } else if (cutKinds.has(kind)) {
      out.push(planCut(rng, kind, atMs, durationMs, nodes, clients));
    } else if (linkKinds.has(kind)) {
      out.push({ atMs, kind, durationMs, nodes: [], link: planLink(rng, kind) });
    } else {
      const offsetMs = Math.round((rng.next() * 2 - 1) * clockOffsetMsMax);
      out.push({ atMs, kind, durationMs, nodes: [rng.pick(nodes)], offsetMs });
    }
  }
  return out;
}

function planCut(rng: Rng, kind: FaultKind, atMs: number, durationMs: number, nodes: readonly string[], clients: readonly string[]): FaultEvent {
  const shuffled = rng.shuffle([...nodes]);
  const side = (): number => rng.int(2);
  if (kind === 'isolate') return { atMs, kind, durationMs, nodes: [shuffled[0] as string] };
  if (kind === 'one-way') {
    const from = shuffled[0] as string;
    const to = shuffled.slice(1, 1 + 1 + rng.int(nodes.length - 1));
    return { atMs, kind, durationMs, nodes: [from], groups: [to] };
  }
  const cut = 1 + rng.int(nodes.length - 1);
  const left: string[] = shuffled.slice(0, cut);
  const right: string[] = shuffled.slice(cut);
  const bridgeNode = kind === 'bridge' ? rng.pick(nodes) : undefined;
  for (const c of clients) (side() === 0 ? left : right).push(c);
  if (bridgeNode !== undefined) {
    if (!left.includes(bridgeNode)) left.push(bridgeNode);
    if (!right.includes(bridgeNode)) right.push(bridgeNode);
  }
  return { atMs, kind, durationMs, nodes: bridgeNode === undefined ? [] : [bridgeNode], groups: [left, right] };
}

/** Whole DCs on two sides: a random non-empty proper subset of the DCs against the rest. */
function planDcSplit(rng: Rng, atMs: number, durationMs: number, dcs: readonly (readonly string[])[]): FaultEvent {
  const shuffled = rng.shuffle([...dcs]);
  const cut = 1 + rng.int(shuffled.length - 1);
  return { atMs, kind: 'dc-split', durationMs, nodes: [], groups: [shuffled.slice(0, cut).flat(), shuffled.slice(cut).flat()] };
}

function planLink(rng: Rng, kind: FaultKind): Partial<LinkConfig> {
  switch (kind) {
    case 'loss':
      return { lossRate: 0.05 + rng.next() * 0.3 };
    case 'duplicate':
      return { duplicateRate: 0.1 + rng.next() * 0.5 };
    case 'reorder':
      return { reorderRate: 0.1 + rng.next() * 0.4, reorderDelayMs: 10 + rng.int(200) };
    default:
      return { latencyMs: 20 + rng.int(300), jitterMs: rng.int(200) };
  }
}

/** Faults injected so far, by kind. */
export type FaultCounts = Record<FaultKind, number>;

/** Zero counts of every kind. */
export function zeroCounts(): FaultCounts {
  return Object.fromEntries(faultKinds.map((k) => [k, 0])) as FaultCounts;
}

/** Applies a schedule to a cluster (module comment). */
export class Nemesis {
  readonly injected: FaultCounts = zeroCounts();
  private readonly active = new Set<FaultEvent>();
  private readonly restarts = new Set<Promise<void>>();
  private readonly timers: unknown[] = [];
  private pendingEvents = 0;
  private readonly skewOf = new Map<FaultEvent, number>();

  constructor(private readonly cluster: SimCluster) {}

  /** Schedules every event `startMs` from now (sim time). */
  schedule(events: readonly FaultEvent[]): void {
    const clock = this.cluster.sim.clock;
    for (const e of events) {
      this.pendingEvents++;
      this.timers.push(clock.setTimer(e.atMs, () => this.begin(e), 'nemesis'));
      this.timers.push(clock.setTimer(e.atMs + e.durationMs, () => this.end(e), 'nemesis'));
    }
  }

  /** True once every scheduled fault has begun and ended (restarts included). */
  get done(): boolean {
    return this.pendingEvents === 0 && this.restarts.size === 0;
  }

  /** Heals everything now (invariant 4): cuts, links, pauses, dead nodes. */
  async healAll(): Promise<void> {
    for (const t of this.timers) this.cluster.sim.clock.clearTimer(t);
    for (const e of [...this.active]) this.end(e);
    this.restoreNetwork();
    for (const node of this.cluster.nodes) {
      if (node.nodeClock.isPaused) node.resume();
      if (!node.isUp && !node.isStarting && !node.left) this.restart(node.start());
    }
    await this.cluster.drive(Promise.all([...this.restarts]), 60_000);
  }

  private begin(e: FaultEvent): void {
    this.injected[e.kind]++;
    this.cluster.sim.record(`nemesis + ${describe(e)}`);
    this.active.add(e);
    const node = e.nodes[0] === undefined ? undefined : this.cluster.node(e.nodes[0]);
    if (nodeKinds.has(e.kind) && node !== undefined) {
      if (e.kind === 'pause') node.pause();
      else {
        node.kill(e.crashMode ?? 'drop');
        if (e.kind === 'wipe') node.wipe();
      }
    } else if (e.kind === 'skew' && node !== undefined) {
      this.skewOf.set(e, node.nodeClock.offset);
      node.nodeClock.setOffset(node.nodeClock.offset + (e.offsetMs ?? 0));
    } else if (e.kind === 'jump' && node !== undefined) {
      node.nodeClock.setOffset(node.nodeClock.offset + (e.offsetMs ?? 0));
    }
    this.restoreNetwork();
  }

  private end(e: FaultEvent): void {
    if (!this.active.delete(e)) return;
    this.pendingEvents--;
    this.cluster.sim.record(`nemesis - ${e.kind} ${e.nodes.join(',')}`);
    const node = e.nodes[0] === undefined ? undefined : this.cluster.node(e.nodes[0]);
    if (nodeKinds.has(e.kind) && node !== undefined) {
      if (e.kind === 'pause') node.resume();
      else this.restart(node.start());
    } else if (e.kind === 'skew' && node !== undefined) {
      node.nodeClock.setOffset(node.nodeClock.offset - (e.offsetMs ?? 0));
    }
    this.restoreNetwork();
  }

  private restart(p: Promise<void>): void {
    const tracked = p.finally(() => this.restarts.delete(tracked));
    this.restarts.add(tracked);
  }

  /** Invariant 3: cuts and link behaviour from the active events alone. */
  private restoreNetwork(): void {
    const net = this.cluster.sim.network;
    net.heal();
    let link: LinkConfig = { ...defaultLink, ...this.cluster.healthyLink() };
    for (const e of this.active) {
      if (linkKinds.has(e.kind)) link = { ...link, ...e.link };
      else if (e.kind === 'isolate') net.isolate(e.nodes[0] as string);
      else if (e.kind === 'one-way') for (const to of e.groups?.[0] ?? []) net.cutLink(e.nodes[0] as string, to);
      else if (e.kind === 'bridge') net.bridge(e.groups?.[0] ?? [], e.groups?.[1] ?? [], e.nodes);
      else if (e.kind === 'halves' || e.kind === 'dc-split') net.partition(...(e.groups ?? []));
    }
    this.cluster.setLinks(link);
  }
}

/** One line for a trace or a report. */
export function describe(e: FaultEvent): string {
  const parts = [`@${e.atMs}`, e.kind, `${e.durationMs}ms`];
  if (e.nodes.length > 0) parts.push(e.nodes.join(','));
  if (e.groups !== undefined) parts.push(e.groups.map((g) => `[${g.join(' ')}]`).join('|'));
  if (e.offsetMs !== undefined) parts.push(`${e.offsetMs > 0 ? '+' : ''}${e.offsetMs}ms`);
  if (e.crashMode !== undefined) parts.push(e.crashMode);
  if (e.link !== undefined) parts.push(JSON.stringify(e.link));
  return parts.join(' ');
}
