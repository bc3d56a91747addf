/**
 * `ringkv start` settings: flags > environment > config file > defaults.
 * Pure apart from the injected file reader, so precedence is unit-tested.
 *
 * Invariants:
 *   1. Every value, whatever its source, passes the same check and a bad one
 *      is a `usage` (or `config`) error naming its source.
 *   2. Unknown config file keys are refused, so a typo is never ignored.
 */

import { join } from 'node:path';
import { CliError } from './errors.js';
import {
  defaultDataRoot,
  defaultPort,
  fallbackNodeId,
  hintTtlMsMax,
  hintTtlMsMin,
  streamBytesPerSecMax,
  streamBytesPerSecMin,
  scanBytesPerSecMax,
  scanBytesPerSecMin,
  tombstoneGraceMsMax,
  vnodesMax,
  weightMax,
} from './limits.js';
import { configKey, startOptionSpecs, type StartFlags } from './start-options.js';
import { wsUrl } from './url.js';
import { placementConfig } from './placement-config.js';

/** What `ringkv start` passes to `startNode`, plus where the config came from. */
export interface StartConfig {
  readonly id: string;
  readonly host: string;
  readonly port: number;
  readonly dataDir: string;
  readonly durability: 'sync' | 'interval' | 'none';
  readonly durabilityIntervalMs: number | undefined;
  readonly authToken: string | undefined;
  readonly tokensFile: string | undefined;
  readonly allowInsecurePublicBind: boolean;
  /** `--tls-cert`, `--tls-key`, `--tls-ca` as given (the node checks them: all three or none). */
  readonly tls: { readonly tlsCert?: string; readonly tlsKey?: string; readonly tlsCa?: string };
  readonly metricsPublic: boolean;
  readonly valueBytesMax: number | undefined;
  readonly connectionsPerAddressMax: number | undefined;
  /** Partial frames (issue 15): absent fields use the node's defaults. */
  readonly frames: { readonly frameReadTimeoutMs?: number; readonly partialFrameBytesMax?: number };
  readonly requestBytesInFlightMax: number | undefined;
  readonly nodeRequestBytesInFlightMax: number | undefined;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'silent';
  /** `--log-format`; undefined: pretty when stderr is a terminal, else json (start.ts decides). */
  readonly logFormat: 'json' | 'pretty' | undefined;
  /** Cluster settings; absent fields use the node's defaults. */
  readonly cluster: ClusterConfig;
  /** The config file read, if any. */
  readonly configFile: string | undefined;
}

/** The cluster part of `StartConfig`: what `startNode` takes for seeds, quorums and placement. */
export interface ClusterConfig {
  /** `ws://host:port` URLs of the nodes to join through (`host:port` in flags is completed). */
  readonly seeds: readonly string[];
  readonly clusterSecret?: string;
  readonly advertiseUrl?: string;
  readonly n?: number;
  readonly r?: number;
  readonly w?: number;
  readonly mode?: 'sloppy' | 'strict';
  /** `--read-repair`: the coordinator's DC only (`local`) or every DC (`global`); a cluster setting. */
  readonly readRepair?: 'local' | 'global';
  readonly vnodes?: number;
  readonly weight?: number;
  /** Placement labels and the replication map (placement-config.ts); `machine` defaults to the hostname. */
  readonly dc?: string;
  readonly rack?: string;
  readonly machine?: string;
  /** `dc:count[,dc:count…]`, checked by the node. */
  readonly replicas?: string;
  /** `--wan-relay` / `--no-wan-relay`: one relay call per remote DC (the node's default, true) or one apply per remote replica. Per node. */
  readonly wanRelay?: boolean;
  /** Start as a joining member: stream the ranges this node will own, then serve them (`--join`). */
  readonly join?: boolean;
  /** Bandwidth of join/leave streaming (`--stream-bytes-per-sec`; the node's default when absent). */
  readonly streamBytesPerSec?: number;
  /** Engine read rate of key scans on this node (`--scan-bytes-per-sec`; the node's default when absent). */
  readonly scanBytesPerSec?: number;
  /** Hint lifetime (`--hint-ttl-ms`; the node's default when absent). */
  readonly hintTtlMs?: number;
  /** Tombstone grace period (`--tombstone-grace-ms`); the node refuses one below the hint lifetime. */
  readonly tombstoneGraceMs?: number;
  /** Anti-entropy (the node checks the ranges too; these bounds mirror its limits). */
  readonly antiEntropyIntervalMs?: number;
  readonly antiEntropyBytesPerSec?: number;
  readonly antiEntropyBucketsLog2?: number;
}

/** The environment the resolution reads. */
export interface StartEnvironment {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Reads a config file as text; throws when it cannot. */
  readonly readFile: (path: string) => string;
  readonly hostname: string;
}

type Flag = Exclude<keyof typeof startOptionSpecs, 'help' | 'config'>;
type Raw = string | boolean | number;

/** Merges flags, env, config file and defaults into a checked `StartConfig`. */
export function resolveStartConfig(flags: StartFlags, environment: StartEnvironment): StartConfig {
  const configFile = flags.config ?? nonEmpty(environment.env.RINGKV_CONFIG);
  const file = configFile === undefined ? {} : readConfigFile(configFile, environment.readFile);
  const pick = (flag: Flag): { value: Raw; source: string } | undefined => {
    const fromFlag = flags[flag];
    if (fromFlag !== undefined) return { value: fromFlag, source: `--${flag}` };
    const envName = (startOptionSpecs[flag] as { env?: string }).env;
    const fromEnv = envName === undefined ? undefined : nonEmpty(environment.env[envName]);
    if (fromEnv !== undefined) return { value: fromEnv, source: `$${envName}` };
    const key = configKey(flag);
    if (Object.hasOwn(file, key)) return { value: file[key] as Raw, source: `${configFile}: ${key}` };
    return undefined;
  };
  const id = text(pick('id')) ?? hostnameId(environment.hostname);
  checkId(id);
  return {
    id,
    host: text(pick('host')) ?? '127.0.0.1',
    port: integer(pick('port'), 0, 65535) ?? defaultPort,
    dataDir: text(pick('data')) ?? join(defaultDataRoot, id),
    durability: oneOf(pick('durability'), ['sync', 'interval', 'none'] as const) ?? 'interval',
    durabilityIntervalMs: integer(pick('durability-interval-ms'), 1, 60_000),
    authToken: text(pick('auth-token')),
    tokensFile: text(pick('tokens-file')),
    allowInsecurePublicBind: bool(pick('allow-insecure-public-bind')) ?? false,
    tls: definedOnly({ tlsCert: text(pick('tls-cert')), tlsKey: text(pick('tls-key')), tlsCa: text(pick('tls-ca')) }),
    metricsPublic: bool(pick('metrics-public')) ?? false,
    valueBytesMax: integer(pick('value-bytes-max'), 1, 16 * 1024 * 1024),
    connectionsPerAddressMax: integer(pick('connections-per-address-max'), 1, 100_000),
    frames: definedOnly({
      frameReadTimeoutMs: integer(pick('frame-read-timeout-ms'), 10, 600_000),
      partialFrameBytesMax: integer(pick('partial-frame-bytes-max'), 1024, 64 * 1024 ** 3),
    }),
    requestBytesInFlightMax: integer(pick('request-bytes-in-flight-max'), 64 * 1024, 16 * 1024 ** 3),
    nodeRequestBytesInFlightMax: integer(pick('node-request-bytes-in-flight-max'), 64 * 1024, 16 * 1024 ** 3),
    logLevel: oneOf(pick('log-level'), ['fatal', 'error', 'warn', 'info', 'debug', 'silent'] as const) ?? 'info',
    logFormat: oneOf(pick('log-format'), ['json', 'pretty'] as const),
    cluster: clusterConfig(pick, environment.hostname),
    configFile,
  };
}

type Pick = (flag: Flag) => { value: Raw; source: string } | undefined;

/** The cluster flags, each checked like the others; quorum relations (R, W ≤ N) are the node's to refuse. */
function clusterConfig(pick: Pick, hostname: string): ClusterConfig {
  const seeds = seedList(pick('seeds'));
  const n = integer(pick('n'), 1, 16);
  return {
    seeds,
    ...definedOnly({
      clusterSecret: text(pick('cluster-secret')),
      advertiseUrl: text(pick('advertise-url')),
      n,
      r: integer(pick('r'), 1, 16),
      w: integer(pick('w'), 1, 16),
      mode: oneOf(pick('mode'), ['sloppy', 'strict'] as const),
      readRepair: oneOf(pick('read-repair'), ['local', 'global'] as const),
      vnodes: integer(pick('vnodes'), 1, vnodesMax),
      weight: positive(pick('weight'), weightMax),
    }),
    ...placementConfig(pick, hostname, n),
    ...definedOnly({ wanRelay: wanRelay(pick) }),
    ...topologyConfig(pick, seeds),
    ...repairConfig(pick),
  };
}

/**
 * `--wan-relay` (or `$RINGKV_WAN_RELAY`, `wanRelay` in the file), turned off
 * by `--no-wan-relay`, the CLI's form of a flag that is on by default (as
 * `--no-batch`); both flags at once is a usage error. Undefined: the node's default.
 */
function wanRelay(pick: Pick): boolean | undefined {
  // A flag only: no env variable, and the file has no key for it (flagOnly).
  const off = pick('no-wan-relay')?.value === true;
  const on = pick('wan-relay');
  if (off && on?.source === '--wan-relay') throw new CliError('usage', 'start: --wan-relay and --no-wan-relay contradict each other: give one');
  return off ? false : bool(on);
}

/** `--join` (only with seeds: a joining node streams from current owners) and the stream bandwidth. */
function topologyConfig(pick: Pick, seeds: readonly string[]): OptionalFields<ClusterConfig, 'join' | 'streamBytesPerSec' | 'scanBytesPerSec'> {
  const joinPick = pick('join');
  const join = bool(joinPick) === true ? true : undefined;
  if (join && seeds.length === 0) throw new CliError('usage', `start: ${joinPick?.source} needs --seeds (nodes of the cluster to join)`);
  return definedOnly({
    join,
    streamBytesPerSec: integer(pick('stream-bytes-per-sec'), streamBytesPerSecMin, streamBytesPerSecMax),
    scanBytesPerSec: integer(pick('scan-bytes-per-sec'), scanBytesPerSecMin, scanBytesPerSecMax),
  });
}

/** Hints, tombstones and anti-entropy: how replicas converge (the node checks the relations, e.g. grace ≥ hint TTL). */
function repairConfig(pick: Pick): OptionalFields<ClusterConfig, 'hintTtlMs' | 'tombstoneGraceMs' | 'antiEntropyIntervalMs' | 'antiEntropyBytesPerSec' | 'antiEntropyBucketsLog2'> {
  return definedOnly({
    hintTtlMs: integer(pick('hint-ttl-ms'), hintTtlMsMin, hintTtlMsMax),
    tombstoneGraceMs: integer(pick('tombstone-grace-ms'), 0, tombstoneGraceMsMax),
    antiEntropyIntervalMs: integer(pick('anti-entropy-interval-ms'), 0, 7 * 24 * 3_600_000),
    antiEntropyBytesPerSec: integer(pick('anti-entropy-bytes-per-sec'), 64 * 1024, 10 * 1024 ** 3),
    antiEntropyBucketsLog2: integer(pick('anti-entropy-buckets-log2'), 8, 20),
  });
}

type OptionalFields<T, K extends keyof T> = { [P in K]?: T[P] };

/** The object without its undefined fields: options not given stay absent, so the node's defaults apply. */
function definedOnly<T extends Record<string, unknown>>(fields: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as { [K in keyof T]?: Exclude<T[K], undefined> };
}

/** `host:port,host:port` (or ws:// URLs; a JSON array in the config file) as ws URLs. */
function seedList(picked: { value: Raw | unknown; source: string } | undefined): string[] {
  if (picked === undefined) return [];
  const v = picked.value as unknown;
  const items = Array.isArray(v) ? v : typeof v === 'string' ? v.split(',').map((x) => x.trim()).filter((x) => x !== '') : undefined;
  if (items === undefined || items.length === 0 || items.some((x) => typeof x !== 'string')) {
    throw bad(picked.source, 'a comma-separated list of host:port', v as Raw);
  }
  return (items as string[]).map((item) => {
    const parsed = wsUrl(item);
    if (!parsed.ok) throw bad(picked.source, `a comma-separated list of host:port (${JSON.stringify(item)} ${parsed.why})`, v as Raw);
    return parsed.url;
  });
}

function positive(picked: { value: Raw; source: string } | undefined, max: number): number | undefined {
  if (picked === undefined) return undefined;
  const v = picked.value;
  const x = typeof v === 'number' ? v : typeof v === 'string' && /^\d+(\.\d+)?$/.test(v) ? Number(v) : NaN;
  if (!Number.isFinite(x) || x <= 0 || x > max) throw bad(picked.source, `a number in (0, ${max}]`, v);
  return x;
}

/** The hostname's first label if it is a usable id, else `node1`. */
export function hostnameId(hostname: string): string {
  const label = hostname.split('.')[0] ?? '';
  return /^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/.test(label) ? label : fallbackNodeId;
}

function checkId(id: string): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(id)) {
    throw new CliError('usage', `start: id "${id}" must be 1–128 letters, digits, ".", "_" or "-", starting with a letter or digit`);
  }
}

/** Flags that have no config file key: `--help`, `--config`, and `--no-wan-relay` (the file says `wanRelay: false`). */
const flagOnly: ReadonlySet<string> = new Set(['help', 'config', 'no-wan-relay']);

function readConfigFile(path: string, readFile: (path: string) => string): Record<string, unknown> {
  let textContent: string;
  try {
    textContent = readFile(path);
  } catch (error) {
    throw new CliError('config', `start: cannot read config file ${path}: ${(error as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(textContent);
  } catch (error) {
    throw new CliError('config', `start: config file ${path} is not JSON: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new CliError('config', `start: config file ${path} must hold a JSON object`);
  }
  const known = new Set(Object.keys(startOptionSpecs).filter((f) => !flagOnly.has(f)).map(configKey));
  for (const key of Object.keys(parsed)) {
    if (!known.has(key)) throw new CliError('usage', `start: config file ${path}: unknown key "${key}" (known: ${[...known].join(', ')})`);
  }
  return parsed as Record<string, unknown>;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

function bad(source: string, expected: string, value: Raw): CliError {
  return new CliError('usage', `start: ${source} must be ${expected}, got ${JSON.stringify(value)}`);
}

function text(picked: { value: Raw; source: string } | undefined): string | undefined {
  if (picked === undefined) return undefined;
  if (typeof picked.value !== 'string' || picked.value === '') throw bad(picked.source, 'a non-empty string', picked.value);
  return picked.value;
}

function integer(picked: { value: Raw; source: string } | undefined, min: number, max: number): number | undefined {
  if (picked === undefined) return undefined;
  const v = picked.value;
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) throw bad(picked.source, `an integer in ${min}…${max}`, v);
  return n;
}

function oneOf<T extends string>(picked: { value: Raw; source: string } | undefined, allowed: readonly T[]): T | undefined {
  if (picked === undefined) return undefined;
  if (!allowed.includes(picked.value as T)) throw bad(picked.source, allowed.join(' | '), picked.value);
  return picked.value as T;
}

function bool(picked: { value: Raw; source: string } | undefined): boolean | undefined {
  if (picked === undefined) return undefined;
  const v = picked.value;
  if (typeof v === 'boolean') return v;
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  throw bad(picked.source, 'true or false', v);
}
