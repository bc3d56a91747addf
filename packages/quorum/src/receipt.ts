/**
 * Receipts: what a request did, replica by replica. Plain data, safe to log,
 * serialise or hand to a client that asked for it.
 */
import { DcTally, type NamedLevel } from './level.js';
import type { QuorumMode } from './options.js';
import type { Plan } from './plan.js';

/** Whether the node was asked as one of the key's true preference list or as a stand-in for a down primary. */
export type ReplicaRole = 'primary' | 'fallback';

/**
 * What became of the call to one replica when the coordinator answered:
 * `ack` (write acknowledged / read answered), `error` (refused or unreachable),
 * `timeout` (no answer by the deadline), `not-sent` (down, or the request was
 * refused before sending), `pending` (still in flight when the coordinator had
 * its quorum; its fate is not in this receipt).
 */
export type ReplicaOutcome = 'ack' | 'error' | 'timeout' | 'not-sent' | 'pending';

/** One replica of a request. */
export interface ReplicaReceipt {
  readonly node: string;
  readonly role: ReplicaRole;
  /** For a fallback: the down primary it held the hint for. */
  readonly hintFor?: string;
  /** The DC its ack counts for (its own; a fallback's primary's, the same DC): '' when DCs are not configured. */
  readonly dc: string;
  readonly outcome: ReplicaOutcome;
  /** From the first send to the answer (ack or error), coordinator clock. */
  readonly latencyMs?: number;
  /** The failure's message, for `error`. */
  readonly error?: string;
}

/** The receipt every coordinator result carries. */
export interface Receipt {
  readonly op: 'get' | 'put' | 'delete';
  readonly n: number;
  /** Reads only: the replies required (a named level's total count). */
  readonly r?: number;
  /** Writes only: the acks required (a named level's total count). */
  readonly w?: number;
  /** The named level asked for (`local-quorum`…), absent for a count. */
  readonly level?: NamedLevel;
  readonly mode: QuorumMode;
  /** Every node of the request, primaries in preference order then (for unplaced down primaries) `not-sent`. */
  readonly replicas: readonly ReplicaReceipt[];
  /** Reads: distinct versions seen in the replies that the merge dropped as superseded. Writes: 0. */
  readonly siblingsReconciled: number;
  /** Reads: the replicas whose reply was stale when the coordinator answered, sent the merged set. */
  readonly readRepair: { readonly triggered: boolean; readonly targets: readonly string[] };
  /** Writes: down primaries with no stand-in, for which the coordinator stored the hint itself (not counted toward W). */
  readonly localHints: readonly string[];
  /** From the request's start to the answer, coordinator clock. */
  readonly elapsedMs: number;
}

/** The mutable record of one replica while a request runs. */
export interface CallRecord {
  node: string;
  role: ReplicaRole;
  hintFor: string | undefined;
  dc: string;
  outcome: ReplicaOutcome;
  startedMs: number;
  latencyMs: number | undefined;
  error: string | undefined;
}

/** A fresh record of a node not yet sent to. */
export function newRecord(node: string, role: ReplicaRole, hintFor: string | undefined, dc: string, startedMs: number): CallRecord {
  return { node, role, hintFor, dc, outcome: 'not-sent', startedMs, latencyMs: undefined, error: undefined };
}

/** The records of a plan: its targets, then its unplaced primaries (`not-sent`). */
export function planRecords(plan: Plan, startedMs: number): CallRecord[] {
  return [
    ...plan.targets.map((t) => newRecord(t.node, t.role, t.hintFor, t.dc, startedMs)),
    ...plan.unplaced.map((node, i) => newRecord(node, 'primary', undefined, plan.unplacedDcs[i] ?? '', startedMs)),
  ];
}

/** A tally of the targets of a plan by DC: what could answer before anything is sent. */
export function targetTally(plan: Plan): DcTally {
  const tally = new DcTally();
  for (const t of plan.targets) tally.add(t.dc);
  return tally;
}

/** `Omit` applied to each member of a union (plain `Omit` would merge the members). */
export type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** A snapshot of the records, without undefined fields. */
export function snapshotReplicas(records: readonly CallRecord[]): ReplicaReceipt[] {
  return records.map((r) => ({
    node: r.node,
    role: r.role,
    ...(r.hintFor === undefined ? {} : { hintFor: r.hintFor }),
    dc: r.dc,
    outcome: r.outcome,
    ...(r.latencyMs === undefined ? {} : { latencyMs: r.latencyMs }),
    ...(r.error === undefined ? {} : { error: r.error }),
  }));
}

/** The message of anything thrown. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
