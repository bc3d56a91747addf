/**
 * The nemesis schedule: a list of faults, each with its start time, its
 * targets and how long it holds, derived from a seed alone. The runner
 * replays the list in real time; the same seed gives the same list (the run
 * itself is not deterministic: real processes and real time interleave as
 * they will, so a failure reproduces the faults, not the exact trace).
 *
 * Invariants:
 *   1. Faults of one lane run one after another: each starts after the
 *      previous one has healed plus a gap, and every fault ends (heals) by
 *      `durationMs`. Without `overlap` there is one lane; with it, process
 *      faults (kill, pause: they never touch the fault table) run in lane 1,
 *      alongside the network faults of lane 0.
 *   2. A fault's targets are node ids of the cluster; groups of a partition
 *      are disjoint and non-empty.
 *   3. The list depends only on (seed, durationMs, nodes, kinds, overlap).
 */
import { ChaosError } from './errors.js';
import * as L from './limits.js';
import { SeededRandom } from './random.js';

/** Every kind of fault the nemesis injects. */
export const faultKinds = ['kill', 'wipe', 'pause', 'partition-halves', 'isolate', 'one-way', 'bridge', 'delay', 'cut', 'isolate-clients', 'restart', 'disk-full'] as const;

/**
 * - `kill`: SIGKILL one node, restart it on its data directory when the fault heals.
 * - `wipe`: SIGKILL one node and delete its data directory (a lost disk); it
 *   restarts empty at the heal, and hints, read repair and anti-entropy refill it.
 * - `pause`: SIGSTOP one node, SIGCONT at the heal.
 * - `partition-halves`: a random minority against the rest, both ways.
 * - `isolate`: one node against the rest, both ways.
 * - `one-way`: a random group's bytes to the rest are stalled; the other direction flows.
 * - `bridge`: two halves that cannot reach each other, and one node that reaches both.
 * - `delay`: extra latency on every link to and from one node (peers and clients).
 * - `cut`: every open connection of one node is reset (they reconnect at once).
 * - `isolate-clients`: the workload clients cannot reach one node (peers still can).
 * - `restart`: a graceful stop (SIGTERM) of one node and its restart on its
 *   data directory at once, then the hold under load with every node up
 *   (issue 15: writes failed `quorum-not-met` for seconds after a restart).
 *   A run of restarts only must see no `quorum-not-met` (runner.ts).
 * - `disk-full`: one node's disk (a tmpfs of `nodeDiskBytes`, disk.ts) is filled
 *   with a ballast file; the heal removes it. The node must refuse writes
 *   without false acks, keep serving reads, and write again on its own.
 *   Opt-in (`--faults …,disk-full`): it needs root to mount the disks.
 */
export type FaultKind = (typeof faultKinds)[number];

/**
 * The kinds a run draws from unless told otherwise: all of them but
 * `restart` (`wipe` was opt-in while a wiped node reused its dots; see the
 * README, "Found"). `restart` is opt-in (`--faults restart`) so the seeds
 * of the README's results keep their schedules.
 */
export const defaultFaultKinds: readonly FaultKind[] = faultKinds.filter((k) => k !== 'restart' && k !== 'disk-full');

/** Kinds that act on processes, never on the fault table: with `overlap` they run beside network faults. */
export const processFaultKinds: readonly FaultKind[] = ['kill', 'wipe', 'pause', 'restart', 'disk-full'];

/** One scheduled fault. */
export interface FaultEvent {
  /** 0: network faults (the only lane without `overlap`); 1: process faults running beside them. */
  readonly lane: 0 | 1;
  /** Start, in ms after the fault phase began. */
  readonly atMs: number;
  readonly kind: FaultKind;
  /** How long it holds before its heal, in ms (0 for `cut`, which is instantaneous). */
  readonly holdMs: number;
  /** The node acted on (kill, pause, delay, cut, isolate-clients), or the first group of a partition. */
  readonly nodes: readonly string[];
  /** The other group of a partition (empty for single-node faults). */
  readonly others: readonly string[];
  /** The node that reaches both sides of a `bridge`. */
  readonly bridge?: string;
  /** The latency a `delay` adds, in ms. */
  readonly delayMs?: number;
  /** Partitions: also reset the connections already open across the cut (else they stall until the heal). */
  readonly cutOpen?: boolean;
  /**
   * Two-sided partitions: the clients reach one side only, switching sides
   * every `clientFlipMs`, so both sides take writes the other cannot see
   * (siblings across the partition). Otherwise clients reach every node.
   */
  readonly clientsFlip?: boolean;
}

/** What a schedule is built from. */
export interface ScheduleOptions {
  readonly seed: number;
  /** Length of the fault phase, in ms. */
  readonly durationMs: number;
  /** Node ids, in order. */
  readonly nodes: readonly string[];
  /** Kinds to draw from (default: `defaultFaultKinds`). */
  readonly kinds?: readonly FaultKind[];
  /** Run process faults in a lane of their own, overlapping the network faults (default false). */
  readonly overlap?: boolean;
}

/** The targets of one fault of `kind`. */
function targets(rng: SeededRandom, kind: FaultKind, nodes: readonly string[]): Pick<FaultEvent, 'nodes' | 'others' | 'bridge'> {
  const shuffled = rng.shuffle(nodes);
  switch (kind) {
    case 'partition-halves': {
      const k = Math.floor(nodes.length / 2);
      return { nodes: shuffled.slice(0, k), others: shuffled.slice(k) };
    }
    case 'isolate':
      return { nodes: shuffled.slice(0, 1), others: shuffled.slice(1) };
    case 'one-way': {
      const k = rng.between(1, nodes.length - 1);
      return { nodes: shuffled.slice(0, k), others: shuffled.slice(k) };
    }
    case 'bridge': {
      const half = Math.floor((nodes.length - 1) / 2);
      return { bridge: shuffled[0] as string, nodes: shuffled.slice(1, 1 + half), others: shuffled.slice(1 + half) };
    }
    default:
      return { nodes: shuffled.slice(0, 1), others: [] };
  }
}

/** One fault of `kind` starting at `atMs`. */
function fault(rng: SeededRandom, kind: FaultKind, atMs: number, nodes: readonly string[]): Omit<FaultEvent, 'lane'> {
  const holdMs = kind === 'cut' ? 0 : rng.between(L.faultHoldMsMin, L.faultHoldMsMax);
  const base = { atMs, kind, holdMs, ...targets(rng, kind, nodes) };
  if (kind === 'delay') return { ...base, delayMs: rng.between(20, L.faultDelayMsMax) };
  if (kind === 'one-way') return { ...base, cutOpen: rng.next() < 0.5 };
  if (kind === 'partition-halves' || kind === 'isolate' || kind === 'bridge') return { ...base, cutOpen: rng.next() < 0.5, clientsFlip: rng.next() < 0.5 };
  return base;
}

/**
 * The fault schedule of a seed (module comment).
 *
 * When to use: the runner replays it; tests and `--dry-run` print it.
 * Errors: ChaosError `invalid-option` for fewer than `nodesMin` nodes, an
 * unknown kind or an empty kind list.
 * Gotcha: a phase shorter than one gap plus one hold has no fault.
 */
export function makeSchedule(o: ScheduleOptions): FaultEvent[] {
  const kinds = o.kinds ?? defaultFaultKinds;
  if (o.nodes.length < L.nodesMin) throw new ChaosError('invalid-option', `a schedule needs at least ${L.nodesMin} nodes`);
  if (kinds.length === 0) throw new ChaosError('invalid-option', 'no fault kinds to draw from');
  for (const k of kinds) if (!faultKinds.includes(k)) throw new ChaosError('invalid-option', `unknown fault kind ${JSON.stringify(k)}`);
  const processKinds = kinds.filter((k) => processFaultKinds.includes(k));
  const networkKinds = kinds.filter((k) => !processFaultKinds.includes(k));
  if (o.overlap !== true || processKinds.length === 0 || networkKinds.length === 0) return lane(new SeededRandom(o.seed), kinds, 0, o);
  const events = [...lane(new SeededRandom(o.seed), networkKinds, 0, o), ...lane(new SeededRandom(o.seed ^ 0x5bd1_e995), processKinds, 1, o)];
  return events.sort((a, b) => a.atMs - b.atMs || a.lane - b.lane);
}

/** One lane: faults of `kinds`, one after another, each healed within the phase. */
function lane(rng: SeededRandom, kinds: readonly FaultKind[], laneNo: 0 | 1, o: ScheduleOptions): FaultEvent[] {
  const events: FaultEvent[] = [];
  let atMs = rng.between(L.faultGapMsMin, L.faultGapMsMax);
  for (;;) {
    const event = { ...fault(rng, rng.pick(kinds), atMs, o.nodes), lane: laneNo };
    if (event.atMs + event.holdMs > o.durationMs) break;
    events.push(event);
    atMs = event.atMs + event.holdMs + rng.between(L.faultGapMsMin, L.faultGapMsMax);
  }
  return events;
}

/** One line for logs: `12.3 s  kill n3 for 2.1 s`. */
export function describeFault(e: FaultEvent): string {
  const s = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
  const hold = e.holdMs > 0 ? ` for ${s(e.holdMs)}` : '';
  const groups = `${e.nodes.join(',')} | ${e.others.join(',')}`;
  const cut = (e.cutOpen === true ? ', open connections reset' : '') + (e.clientsFlip === true ? ', clients flip sides' : '');
  switch (e.kind) {
    case 'bridge':
      return `${s(e.atMs)}  bridge ${groups} via ${e.bridge ?? '?'}${hold}${cut}`;
    case 'partition-halves':
    case 'isolate':
      return `${s(e.atMs)}  ${e.kind} ${groups}${hold}${cut}`;
    case 'one-way':
      return `${s(e.atMs)}  one-way ${e.nodes.join(',')} -/-> ${e.others.join(',')}${hold}${cut}`;
    case 'delay':
      return `${s(e.atMs)}  delay ${e.nodes.join(',')} +${e.delayMs ?? 0} ms${hold}`;
    default:
      return `${s(e.atMs)}  ${e.kind} ${e.nodes.join(',')}${hold}`;
  }
}
