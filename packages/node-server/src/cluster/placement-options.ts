/**
 * The placement options of a node: its labels (data center, rack, machine)
 * and the cluster's replication map, checked (options.ts resolves the rest).
 *
 * Invariants:
 *   1. `zone` is an alias of `rack`: either one sets the rack; both, with
 *      different values, is `invalid-option`.
 *   2. A replication map is valid by hashring's rules (1–16 DCs, counts in
 *      [1, 16], at most 16 in all); N is its sum, and an explicit `n` must
 *      equal that sum.
 *   3. `formatReplication` is the one text form of a replication (`3` or
 *      `dc1:3,dc2:2`, DCs sorted): the agreed settings compare it.
 */
import { formatReplication, isHashRingError, parseReplication, type Replication, type ReplicationMap } from '@ringkv/hashring';
import { invalidOption } from '../errors.js';
import * as L from '../limits.js';

/** The placement fields of `NodeOptions` (options.ts), as given. */
interface PlacementInput {
  readonly n?: number | undefined;
  readonly replicas?: unknown;
  readonly dc?: unknown;
  readonly rack?: unknown;
  readonly zone?: unknown;
  readonly machine?: unknown;
}

/** A node's labels after defaults ('' = none). */
export interface PlacementLabels {
  readonly dc: string;
  readonly zone: string;
  readonly machine: string;
}

function label(name: string, value: unknown, max: number): string {
  if (value === undefined) return '';
  // eslint-disable-next-line no-control-regex
  if (typeof value !== 'string' || value.length > max || /[\u0000-\u001f\u007f]/.test(value)) {
    invalidOption(`option ${name} must be a string of at most ${max} printable characters, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** The node's dc, rack (as `zone`, its gossip name) and machine (invariant 1). Throws `invalid-option`. */
export function resolveLabels(o: PlacementInput): PlacementLabels {
  const rack = label('rack', o.rack, L.rackLengthMax);
  const zone = label('zone', o.zone, L.rackLengthMax);
  if (o.rack !== undefined && o.zone !== undefined && rack !== zone) {
    invalidOption(`options rack (${JSON.stringify(rack)}) and zone (${JSON.stringify(zone)}) differ: zone is the former name of rack, give one`);
  }
  return { dc: label('dc', o.dc, L.dcLengthMax), zone: rack || zone, machine: label('machine', o.machine, L.machineLengthMax) };
}

/** The replication map of a node's `replicas` option (a map, or its text `dc1:3,dc2:2`), checked (invariant 2). Throws `invalid-option`. */
export function mapOf(o: PlacementInput): ReplicationMap {
  let replication: Replication;
  try {
    replication = typeof o.replicas === 'string' ? parseReplication(o.replicas) : (o.replicas as Replication);
    formatReplication(replication);
  } catch (error) {
    if (isHashRingError(error)) invalidOption(`option replicas: ${error.message.replace(/^hashring: /, '')}`);
    throw error;
  }
  if (typeof replication === 'number') invalidOption('option replicas is a map of data center to count, e.g. { dc1: 3, dc2: 2 }; use n for a plain count');
  return replication;
}

/** N of a node given a replication map: the map's sum (invariant 2). Throws `invalid-option`. */
export function mapTotal(o: PlacementInput): number {
  const total = replicationTotal(mapOf(o));
  const text = formatReplication(mapOf(o));
  if (o.n !== undefined && o.n !== total) invalidOption(`option n (${String(o.n)}) differs from the sum of replicas (${text} = ${total}): give one`);
  return total;
}

/** Replicas per key in all: n, or the sum of the map. */
export function replicationTotal(replication: Replication): number {
  return typeof replication === 'number' ? replication : Object.values(replication).reduce((sum, count) => sum + count, 0);
}

/** The replication of an agreed `replicas` text (invariant 3). The text was checked when the record was. */
export function replicasOf(text: string): Replication {
  return parseReplication(text);
}
