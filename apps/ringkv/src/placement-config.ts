/**
 * The placement flags of `ringkv start`: `--dc`, `--rack` (`--zone` is its
 * former name, an alias), `--machine` (default: the hostname) and
 * `--replicas` (`dc1:3,dc2:2`, or a plain count, which is `--n`).
 *
 * Invariants:
 *   1. `--zone` and `--rack` name one label: giving both with different
 *      values is a usage error, never a silent choice.
 *   2. `--machine` always has a value: the hostname unless given, so nodes
 *      of one host never hold two replicas of a key by accident.
 *   3. `--replicas N` is `--n N`; with `--n` too, they must agree. A map is
 *      passed to the node as text; the node checks it (`invalid-option`,
 *      reported as a usage error naming `--replicas`).
 */
import { CliError } from './errors.js';

type Picked = { readonly value: string | boolean | number; readonly source: string } | undefined;

/** What the placement flags give `startNode`. */
export interface PlacementConfig {
  readonly dc?: string;
  readonly rack?: string;
  readonly machine: string;
  /** A replication map, as `dc:count[,dc:count…]`. */
  readonly replicas?: string;
  /** `--replicas N` (a plain count) resolves to N. */
  readonly n?: number;
}

function label(picked: Picked): string | undefined {
  if (picked === undefined) return undefined;
  if (typeof picked.value !== 'string' || picked.value === '') {
    throw new CliError('usage', `start: ${picked.source} must be a non-empty string, got ${JSON.stringify(picked.value)}`);
  }
  return picked.value;
}

/**
 * The placement part of the start config (module invariants). `n` is the
 * `--n` already parsed. Throws CliError('usage') naming the flag.
 */
export function placementConfig(pick: (flag: 'dc' | 'rack' | 'zone' | 'machine' | 'replicas') => Picked, hostname: string, n: number | undefined): PlacementConfig {
  const rack = label(pick('rack'));
  const zone = label(pick('zone'));
  if (rack !== undefined && zone !== undefined && rack !== zone) {
    throw new CliError('usage', `start: ${pick('zone')?.source} is the former name of --rack, and the two differ (${JSON.stringify(zone)}, ${JSON.stringify(rack)}): give one`);
  }
  const dc = label(pick('dc'));
  const machine = label(pick('machine')) ?? hostname;
  const replicasPick = pick('replicas');
  const text = label(replicasPick)?.trim();
  const out = { ...(dc === undefined ? {} : { dc }), ...((rack ?? zone) === undefined ? {} : { rack: rack ?? zone }), machine };
  if (text === undefined) return out;
  if (!/^\d+$/.test(text)) return { ...out, replicas: text };
  const count = Number(text);
  if (count < 1 || count > 16) throw new CliError('usage', `start: ${replicasPick?.source} must be dc:count[,dc:count…] or a count in 1…16, got ${JSON.stringify(text)}`);
  if (n !== undefined && n !== count) throw new CliError('usage', `start: ${replicasPick?.source} (${count}) and --n (${n}) differ: give one`);
  return { ...out, n: count };
}
