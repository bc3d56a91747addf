/**
 * Cluster settings: the values that belong to the cluster, not to one
 * process (N and the replication map, the default R and W, the quorum mode,
 * the hint lifetime, the tombstone grace and the Merkle bucket count), and the rule by which a node
 * takes them (README, "Cluster settings").
 *
 * The agreement rule (`agreeSettings`), applied once per start, before the
 * node serves:
 *   1. A data directory that holds a settings record (`m ‖ cluster-settings`)
 *      runs with it: the record is the cluster's, agreed when the directory
 *      first started.
 *   2. Otherwise the record a seed answers with is the cluster's, and this
 *      node adopts it (and persists it before serving).
 *   3. Otherwise (no seeds, or no seed holds a record yet) this node founds
 *      the cluster's record from its own values: the explicit ones, the
 *      cluster defaults (N=3, R=2, W=2, sloppy, …) for the rest. A lone first
 *      node therefore runs N=3 like the nodes that join it later.
 *   4. A value given explicitly (option, flag, env, config file) that differs
 *      from the record in force is refused (`settings-mismatch`), naming the
 *      setting and both values; a defaulted value never conflicts.
 *
 * Invariants: a running node's settings always equal its persisted record;
 * two records agree iff their values are equal (origin and time only say
 * where a record came from, for /status and error messages). `replicas` is
 * the replication's text (`3` or `dc1:3,dc2:2`, placement-options.ts): a
 * record or settings line that predates it (and a single-DC one, which
 * leaves it out of its line) means `replicas` = N, so one-DC clusters of
 * older and newer nodes still agree. Likewise a record or line without
 * `readRepair` means `local` (the default, which lines leave out).
 */
import { formatReplication, parseReplication } from '@ringkv/hashring';
import type { QuorumMode } from '@ringkv/quorum';
import { tombstoneGraceMsDefault } from '../anti-entropy/limits.js';
import type { ClusterSettings } from './settings.js';

/** The settings agreed cluster-wide, in `NodeOptions` names. */
export const agreedSettingNames = ['n', 'replicas', 'r', 'w', 'mode', 'readRepair', 'hintTtlMs', 'tombstoneGraceMs', 'antiEntropyBucketsLog2'] as const;

/** The settings whose values are words, not counts. */
const textSettings: ReadonlySet<AgreedSettingName> = new Set(['mode', 'replicas', 'readRepair']);

/** One agreed setting's name. */
export type AgreedSettingName = (typeof agreedSettingNames)[number];

/** The values of the cluster settings. */
export interface AgreedSettings {
  readonly n: number;
  /** Where replicas go, as text: `3` (N, one DC) or a map `dc1:3,dc2:2` (DCs sorted) whose sum is N. */
  readonly replicas: string;
  readonly r: number;
  readonly w: number;
  readonly mode: QuorumMode;
  /** Read repair within the coordinator's DC (`local`) or every DC (`global`). */
  readonly readRepair: 'local' | 'global';
  readonly hintTtlMs: number;
  readonly tombstoneGraceMs: number;
  readonly antiEntropyBucketsLog2: number;
}

/** The cluster's settings as a node holds them: values, who founded them and when. */
export interface SettingsRecord {
  readonly values: AgreedSettings;
  /** The id of the node that founded the record (rule 3). */
  readonly origin: string;
  /** When it was founded, on the founder's clock (ms since the epoch). */
  readonly foundedAtMs: number;
}

/** A starting node's own values, and which of them were given explicitly. */
export interface SettingsCandidate {
  readonly values: AgreedSettings;
  readonly explicit: ReadonlySet<AgreedSettingName>;
}

/** One setting whose explicit value differs from the cluster's. */
export interface SettingDifference {
  readonly name: AgreedSettingName;
  readonly ours: number | string;
  readonly cluster: number | string;
}

/** Where a node's record came from at this start (rules 1–3). */
export type SettingsSource = 'persisted' | 'seed' | 'founded';

/** The outcome of the agreement rule: the record to run with, or the explicit values that refuse it. */
export type Agreement =
  | { readonly ok: true; readonly record: SettingsRecord; readonly source: SettingsSource }
  | { readonly ok: false; readonly record: SettingsRecord; readonly source: 'persisted' | 'seed'; readonly differences: readonly SettingDifference[] };

/**
 * The agreement rule (module comment, rules 1–4).
 *
 * When to use: once per start, with the persisted record (if any) and,
 * when there is none, the record a seed answered with (if any).
 * Details: pure; `selfId` and `nowMs` stamp a founded record.
 */
export function agreeSettings(
  candidate: SettingsCandidate,
  known: { readonly persisted?: SettingsRecord; readonly fromSeed?: SettingsRecord },
  selfId: string,
  nowMs: number,
): Agreement {
  const source = known.persisted !== undefined ? 'persisted' : known.fromSeed !== undefined ? 'seed' : undefined;
  const record = known.persisted ?? known.fromSeed;
  if (source === undefined || record === undefined) return { ok: true, source: 'founded', record: { values: candidate.values, origin: selfId, foundedAtMs: Math.floor(nowMs) } };
  const differences = settingsDifferences(candidate.values, record.values).filter((d) => candidate.explicit.has(d.name));
  return differences.length === 0 ? { ok: true, record, source } : { ok: false, record, source, differences };
}

/** The cluster-setting values of a node's resolved cluster and anti-entropy settings. */
export function agreedValues(
  cluster: Pick<ClusterSettings, 'n' | 'replicas' | 'r' | 'w' | 'mode' | 'readRepair' | 'hintTtlMs'>,
  antiEntropy: { readonly tombstoneGraceMs?: number; readonly bucketsLog2: number },
): AgreedSettings {
  return {
    n: cluster.n, replicas: formatReplication(cluster.replicas ?? cluster.n), r: cluster.r, w: cluster.w, mode: cluster.mode, readRepair: cluster.readRepair ?? 'local', hintTtlMs: cluster.hintTtlMs,
    tombstoneGraceMs: antiEntropy.tombstoneGraceMs ?? tombstoneGraceMsDefault, antiEntropyBucketsLog2: antiEntropy.bucketsLog2,
  };
}

/** Every setting whose value differs between `ours` and `cluster`, in `agreedSettingNames` order. */
export function settingsDifferences(ours: AgreedSettings, cluster: AgreedSettings): SettingDifference[] {
  // Two plain counts differ in replicas exactly when they differ in n: name n alone.
  const implied = (name: AgreedSettingName): boolean => name === 'replicas' && /^\d+$/.test(ours.replicas) && /^\d+$/.test(cluster.replicas);
  return agreedSettingNames.filter((name) => ours[name] !== cluster[name] && !implied(name)).map((name) => ({ name, ours: ours[name], cluster: cluster[name] }));
}

/** The refusal message of a failed agreement: which setting differs, both values, and what to do. */
export function mismatchMessage(a: Extract<Agreement, { ok: false }>, dataDir: string): string {
  const list = a.differences.map((d) => `setting ${d.name} is ${String(d.ours)} here but ${String(d.cluster)} in the cluster`).join('; ');
  const where = a.source === 'persisted' ? `agreed when ${dataDir} first started (founded by ${a.record.origin})` : `the cluster's, founded by ${a.record.origin}`;
  return `${list} (${where}): settings belong to the cluster; start without them to adopt the cluster's, or give the cluster's values`;
}

/** `settings` as one line (`n=3 r=2 w=2 mode=sloppy …`): for logs, gossip and comparing two records. */
export function settingsLine(settings: AgreedSettings): string {
  return agreedSettingNames
    .filter((name) => (name !== 'replicas' || settings.replicas !== String(settings.n)) && (name !== 'readRepair' || settings.readRepair !== 'local'))
    .map((name) => `${name}=${String(settings[name])}`)
    .join(' ');
}

/** Parses a `settingsLine`; `undefined` when it is not one (a peer of another version). */
export function parseSettingsLine(line: string): AgreedSettings | undefined {
  const fields = new Map(line.split(' ').map((part) => part.split('=', 2) as [string, string | undefined]));
  const values: Record<string, number | string> = {};
  for (const name of agreedSettingNames) {
    const raw = fields.get(name);
    if ((name === 'replicas' || name === 'readRepair') && raw === undefined) continue;
    if (raw === undefined || raw === '') return undefined;
    values[name] = textSettings.has(name) ? raw : Number(raw);
  }
  return checkSettings(values);
}

/** `value` as AgreedSettings if it has every field with a plausible type, else `undefined` (a stored or received record is checked before use). */
export function checkSettings(value: unknown): AgreedSettings | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  if (v.mode !== 'sloppy' && v.mode !== 'strict') return undefined;
  const readRepair = v.readRepair ?? 'local';
  if (readRepair !== 'local' && readRepair !== 'global') return undefined;
  for (const name of agreedSettingNames) {
    if (!textSettings.has(name) && !(typeof v[name] === 'number' && Number.isSafeInteger(v[name]) && (v[name] as number) >= 0)) return undefined;
  }
  const n = v.n as number;
  if (n < 1 || (v.r as number) < 1 || (v.w as number) < 1 || (v.r as number) > n || (v.w as number) > n) return undefined;
  const replicas = checkReplicasText(v.replicas, n);
  if (replicas === undefined) return undefined;
  return Object.fromEntries(agreedSettingNames.map((name) => [name, name === 'replicas' ? replicas : name === 'readRepair' ? readRepair : v[name]])) as unknown as AgreedSettings;
}

/** The canonical `replicas` text of a record whose N is `n` (absent: a record that predates it, `n`), or `undefined` when it is not one. */
function checkReplicasText(value: unknown, n: number): string | undefined {
  if (value === undefined) return String(n);
  if (typeof value !== 'string') return undefined;
  try {
    const replication = parseReplication(value);
    const text = formatReplication(replication);
    const total = typeof replication === 'number' ? replication : Object.values(replication).reduce((sum, c) => sum + c, 0);
    return total === n ? text : undefined;
  } catch {
    return undefined;
  }
}

/** `value` as a SettingsRecord (the shape stored and served over HTTP), else `undefined`. */
export function checkRecord(value: unknown): SettingsRecord | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  const values = checkSettings(v.values);
  if (values === undefined || typeof v.origin !== 'string' || typeof v.foundedAtMs !== 'number') return undefined;
  return { values, origin: v.origin, foundedAtMs: v.foundedAtMs };
}
