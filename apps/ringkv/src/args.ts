/**
 * Command-line parsing: argv → a typed command, or a `usage` error. Pure:
 * no I/O, no environment (start's env and config file are merged in
 * `config.ts`), so every rule here is unit-tested.
 *
 * Invariant: unknown flags, missing values and extra arguments are refused
 * (node:util `parseArgs` with `strict: true`), never ignored.
 */

import type { ParseArgsConfig } from 'node:util';
import { parseFlags as parse } from './parse-flags.js';
import { consistencyLevels, isNamedConsistencyLevel, replicasMax, ttlMsMax, type ConsistencyLevel } from '@ringkv/protocol';
import { CliError } from './errors.js';
import {
  benchClientsDefault,
  benchClientsMax,
  benchDurationMsMax,
  benchInflightDefault,
  benchInflightMax,
  benchKeysDefault,
  benchOpsDefault,
  benchOpsMax,
  benchRateMax,
  benchValueBytesDefault,
  benchValueBytesMax,
  cliTimeoutMsDefault,
  defaultDataRoot,
  devBasePortDefault,
  devNodesDefault,
  devNodesMax,
  devDcsMax,
  vnodesMax,
  weightMax,
} from './limits.js';
import { startOptionSpecs, type StartFlags } from './start-options.js';
import { wsUrl } from './url.js';
import { adminCommon, adminOptions, checkUrl, type AdminTarget } from './admin-target.js';
export { checkUrl, type AdminTarget } from './admin-target.js';
import { parseToken, tokenUsage, type TokenCommand } from './commands/token.js';
import { batchUsages, parseBatch, type BatchCommand, type BatchKind, type KvFlagParsers } from './commands/batch-args.js';
import { backupUsage, parseBackup, parseRestore, restoreUsage, type BackupCommand, type RestoreCommand } from './commands/backup-args.js';

/** `ringkv get KEY`. */
export interface GetCommand {
  readonly kind: 'get';
  readonly key: string;
  readonly url: string | undefined;
  readonly json: boolean;
  readonly timeoutMs: number;
  readonly authToken: string | undefined;
  /** `--r`: replies the read waits for (a put's or del's read of the key first, too); undefined: the cluster's R. */
  readonly r: Consistency | undefined;
  /** get `--raw`: the one value's bytes to stdout as they are (strings as UTF-8), no newline. */
  readonly raw?: boolean;
  /** `--dc`: send the request only to a node of this data center (the SDK's `connect(…, { dc })`). */
  readonly dc?: string | undefined;
}

/** A replica count for `--r`/`--w`: 1…64 or a named level (`one`, `local-one`, `quorum`, `local-quorum`, `each-quorum`, `all`). */
export type Consistency = ConsistencyLevel;

/** `ringkv put KEY VALUE`. */
export interface PutCommand extends Omit<GetCommand, 'kind'> {
  readonly kind: 'put';
  /** Where the value comes from: the VALUE argument, standard input (`-`) or `--file PATH`. */
  readonly value: ValueSource;
  /** `--json-value`: VALUE is JSON (stored as that value); `--json` only makes the output JSON. */
  readonly jsonValue: boolean;
  /** Base64 context from an earlier get; otherwise the put reads the key first (unless `blind`). */
  readonly context: string | undefined;
  readonly blind: boolean;
  /** `--w`: acknowledgements the write waits for; undefined: the cluster's W. */
  readonly w: Consistency | undefined;
  /** `--ttl 30s`: the value expires this long after the node accepts it (ms); undefined: never. */
  readonly ttlMs: number | undefined;
  /** `--if-absent`: write only if the key holds no value (no read first). */
  readonly ifAbsent: boolean;
  /** `--if-match` (with `--context`): write only if nothing was written since that read. */
  readonly ifMatch: boolean;
}

/** A put's value: the argument as typed, all of standard input, or a file's bytes. */
export type ValueSource = { readonly from: 'arg'; readonly text: string } | { readonly from: 'stdin' } | { readonly from: 'file'; readonly path: string };

/** `ringkv del KEY`. */
export interface DelCommand extends Omit<GetCommand, 'kind'> {
  readonly kind: 'del';
  readonly context: string | undefined;
  readonly blind: boolean;
  readonly w: Consistency | undefined;
  /** `--if-match` (with `--context`): delete only if nothing was written since that read. */
  readonly ifMatch: boolean;
}

/** `ringkv dev`: a local cluster of child processes. */
export interface DevCommand {
  readonly kind: 'dev';
  /** Data centers (`--dcs`, default 1): DC d holds nodes d·nodes … (d+1)·nodes − 1, and each key `n` replicas. */
  readonly dcs: number;
  /** Nodes per data center (all of them with one DC). */
  readonly nodes: number;
  readonly basePort: number;
  /** Parent of the nodes' data directories (`<dir>/node<i>`). */
  readonly dir: string;
  /** Replicas per key in each DC (with one DC: N). */
  readonly n: number;
  /** Default quorums, out of n × dcs replicas. */
  readonly r: number;
  readonly w: number;
  readonly durability: 'sync' | 'interval' | 'none';
  readonly logLevel: string;
  /** The nodes' `--log-format`; undefined: pretty when dev's stderr is a terminal, else json. */
  readonly logFormat: 'json' | 'pretty' | undefined;
  /** `--tls`: a throw-away CA and node certificates (tls-dev.ts), and every node serves TLS. */
  readonly tls: boolean;
  /** `--read-repair`, passed to every node (a cluster setting); absent: the nodes' default (`local`). */
  readonly readRepair?: 'local' | 'global';
}

/** `ringkv status`. */
export interface StatusCommand extends AdminTarget {
  readonly kind: 'status';
}

/** `ringkv repair`: an anti-entropy pass now on the node at `url`. */
export interface RepairCommand extends AdminTarget {
  readonly kind: 'repair';
}

/** `ringkv leave`: the node at `url` decommissions itself (streams its ranges away, then exits). */
export interface LeaveCommand extends AdminTarget {
  readonly kind: 'leave';
  /** False with `--no-wait`: return once the node accepted, without watching the stream. */
  readonly wait: boolean;
}

/** `ringkv remove ID`: the ring drops a member that is gone for good. */
export interface RemoveCommand extends AdminTarget {
  readonly kind: 'remove';
  readonly id: string;
  /** Remove even a member the asked node does not see as down. */
  readonly force: boolean;
}

/** `ringkv cleanup`: the node at `url` drops the data of ranges it no longer replicates. */
export interface CleanupCommand extends AdminTarget {
  readonly kind: 'cleanup';
}

/** `ringkv plan join|leave ID`: what a topology change would move, computed by the node at `url`; nothing changes. */
export interface PlanCommand extends AdminTarget {
  readonly kind: 'plan';
  readonly op: 'join' | 'leave';
  readonly id: string;
  /** Join only: the new member's placement (the node's defaults when absent). */
  readonly vnodes: number | undefined;
  readonly weight: number | undefined;
  /** The joining node's rack (`--rack`, or `--zone`, its former name). */
  readonly zone: string | undefined;
  readonly dc?: string | undefined;
  readonly machine?: string | undefined;
}

/** `ringkv bench`. */
export interface BenchCommand {
  readonly kind: 'bench';
  readonly url: string | undefined;
  /** With `--seeds`: the cluster's nodes as ws URLs; clients route token-aware (each request to a replica of its key). */
  readonly seeds: readonly string[] | undefined;
  /** `--transport tcp|ws`: the SDK's transport (undefined: tcp for tcp:// URLs, else WebSocket). */
  readonly transport: 'tcp' | 'websocket' | undefined;
  readonly authToken: string | undefined;
  readonly clients: number;
  readonly inflight: number;
  /** Exactly one of `ops` and `durationMs` is set. */
  readonly ops: number | undefined;
  readonly durationMs: number | undefined;
  /** Share of gets in percent (the rest are puts). */
  readonly getPercent: number;
  readonly valueBytes: number;
  readonly keys: number;
  /** False with `--no-batch`: one frame per request even when several are ready. */
  readonly batching: boolean;
  /**
   * With `--rate`: operations per second started on a fixed schedule (open
   * loop); latency counts from each operation's intended start, so a stall
   * is not hidden by the load backing off. `inflight` then bounds the
   * operations outstanding per connection.
   */
  readonly ratePerSec: number | undefined;
  /** With `--workload`: a YCSB core workload (a–f) after a load phase of `keys` records, instead of the `--mix` load. */
  readonly workload: string | undefined;
  /** `--r` / `--w`: the level of every get / put (undefined: the cluster's R / W). */
  readonly r?: Consistency | undefined;
  readonly w?: Consistency | undefined;
  /** `--dc`: clients send only to nodes of this data center. */
  readonly dc?: string | undefined;
  readonly json: boolean;
}

/** `ringkv start`: flags only; `resolveStartConfig` adds env, file and defaults. */
export interface StartCommand {
  readonly kind: 'start';
  readonly flags: StartFlags;
}

/** `ringkv --help`, `ringkv help`, `ringkv <cmd> --help`. */
export interface HelpCommand {
  readonly kind: 'help';
  readonly text: string;
}

/** `ringkv --version` (`-V`, `version`): prints the app's version. */
export interface VersionCommand {
  readonly kind: 'version';
}

/** `ringkv keys`: list the cluster's keys (issue 18). */
export interface KeysCommand extends Omit<GetCommand, 'kind' | 'key' | 'raw'> {
  readonly kind: 'keys';
  readonly prefix: string | undefined;
  /** Most keys to print (undefined: all). */
  readonly limit: number | undefined;
  /** Resume a listing where an earlier `--limit` stopped. */
  readonly cursor: string | undefined;
}

/** Every command `parseCommand` can return, discriminated by `kind`. */
export type Command =
  | VersionCommand
  | StartCommand
  | DevCommand
  | StatusCommand
  | RepairCommand
  | LeaveCommand
  | RemoveCommand
  | CleanupCommand
  | PlanCommand
  | GetCommand
  | PutCommand
  | DelCommand
  | KeysCommand
  | BenchCommand
  | TokenCommand
  | BatchCommand
  | BackupCommand
  | RestoreCommand
  | HelpCommand;

const devOptions = {
  dcs: { type: 'string' },
  nodes: { type: 'string' },
  'base-port': { type: 'string' },
  dir: { type: 'string' },
  n: { type: 'string' },
  r: { type: 'string' },
  w: { type: 'string' },
  durability: { type: 'string' },
  'log-level': { type: 'string' },
  'log-format': { type: 'string' },
  tls: { type: 'boolean' },
  'read-repair': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];

const kvOptions = {
  url: { type: 'string' },
  r: { type: 'string' },
  dc: { type: 'string' },
  json: { type: 'boolean' },
  'timeout-ms': { type: 'string' },
  'auth-token': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];

const writeOptions = { ...kvOptions, w: { type: 'string' }, context: { type: 'string' }, blind: { type: 'boolean' }, 'if-match': { type: 'boolean' } } as const;

const benchOptions = {
  url: { type: 'string' },
  seeds: { type: 'string' },
  'auth-token': { type: 'string' },
  clients: { type: 'string', short: 'c' },
  inflight: { type: 'string', short: 'P' },
  ops: { type: 'string', short: 'n' },
  duration: { type: 'string' },
  mix: { type: 'string' },
  'value-bytes': { type: 'string', short: 'd' },
  keys: { type: 'string', short: 'r' },
  'no-batch': { type: 'boolean' },
  rate: { type: 'string' },
  workload: { type: 'string' },
  transport: { type: 'string' },
  r: { type: 'string' },
  w: { type: 'string' },
  dc: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];

/** The parser of each command name (`delete` is an alias of `del`). */
const parsers: Readonly<Record<string, (args: readonly string[]) => Command>> = {
  start: (a) => parseStart(a),
  dev: (a) => parseDev(a),
  status: (a) => parseStatus(a),
  repair: (a) => parseRepair(a),
  leave: (a) => parseLeave(a),
  remove: (a) => parseRemove(a),
  cleanup: (a) => parseCleanup(a),
  plan: (a) => parsePlan(a),
  get: (a) => parseGet(a),
  put: (a) => parsePut(a),
  del: (a) => parseDel(a),
  delete: (a) => parseDel(a),
  keys: (a) => parseKeys(a),
  bench: (a) => parseBench(a),
  token: (a) => parseToken(a),
  backup: (a) => parseBackup(a),
  restore: (a) => parseRestore(a),
  mget: (a) => parseBatch('mget', a, batchKv),
  mput: (a) => parseBatch('mput', a, batchKv),
  mdel: (a) => parseBatch('mdel', a, batchKv),
};

/** Parses `argv` (without `node` and the script). Throws `CliError('usage')`. */
export function parseCommand(argv: readonly string[]): Command {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') return { kind: 'help', text: usage(rest[0]) };
  if (name === '--version' || name === '-V' || name === 'version') {
    noPositionals('version', rest);
    return { kind: 'version' };
  }
  const parser = Object.hasOwn(parsers, name) ? parsers[name] : undefined;
  if (parser === undefined) throw new CliError('usage', `unknown command "${name}" (try: ringkv --help)`);
  return parser(rest);
}


function parseStart(args: readonly string[]): Command {
  const { values, positionals } = parse('start', args, startOptionSpecs);
  if (values.help) return { kind: 'help', text: usage('start') };
  noPositionals('start', positionals);
  return { kind: 'start', flags: values as StartFlags };
}

function parseDev(args: readonly string[]): Command {
  const { values, positionals } = parse('dev', args, devOptions);
  if (values.help) return { kind: 'help', text: usage('dev') };
  noPositionals('dev', positionals);
  const dcs = optInt('dev', 'dcs', values.dcs, 1, 1, devDcsMax);
  const nodes = optInt('dev', 'nodes', values.nodes, devNodesDefault, 1, Math.floor(devNodesMax / dcs));
  const n = optInt('dev', 'n', values.n, Math.min(3, nodes), 1, Math.min(nodes, Math.floor(16 / dcs)));
  const total = n * dcs;
  const quorum = Math.floor(total / 2) + 1;
  const r = optInt('dev', 'r', values.r, quorum, 1, total);
  const w = optInt('dev', 'w', values.w, quorum, 1, total);
  const basePort = optInt('dev', 'base-port', values['base-port'], devBasePortDefault, 1, 65535 - nodes * dcs + 1);
  const durability = values.durability ?? 'interval';
  if (durability !== 'sync' && durability !== 'interval' && durability !== 'none') throw new CliError('usage', `dev: --durability must be sync, interval or none, got "${durability}"`);
  const logLevel = values['log-level'] ?? 'warn';
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'silent'].includes(logLevel)) throw new CliError('usage', `dev: --log-level must be fatal, error, warn, info, debug or silent, got "${logLevel}"`);
  const logFormat = values['log-format'];
  if (logFormat !== undefined && logFormat !== 'json' && logFormat !== 'pretty') throw new CliError('usage', `dev: --log-format must be json or pretty, got "${logFormat}"`);
  const readRepair = values['read-repair'];
  if (readRepair !== undefined && readRepair !== 'local' && readRepair !== 'global') throw new CliError('usage', `dev: --read-repair must be local or global, got "${readRepair}"`);
  return { kind: 'dev', dcs, nodes, basePort, dir: values.dir ?? `./${defaultDataRoot}`, n, r, w, durability, logLevel, logFormat, tls: values.tls ?? false, ...(readRepair === undefined ? {} : { readRepair }) };
}

function parseRepair(args: readonly string[]): Command {
  const { values, positionals } = parse('repair', args, adminOptions);
  if (values.help) return { kind: 'help', text: usage('repair') };
  noPositionals('repair', positionals);
  return { kind: 'repair', ...adminCommon('repair', values) };
}

function parseLeave(args: readonly string[]): Command {
  const { values, positionals } = parse('leave', args, { ...adminOptions, 'no-wait': { type: 'boolean' } });
  if (values.help) return { kind: 'help', text: usage('leave') };
  noPositionals('leave', positionals);
  return { kind: 'leave', ...adminCommon('leave', values), wait: !(values['no-wait'] ?? false) };
}

function parseRemove(args: readonly string[]): Command {
  const { values, positionals } = parse('remove', args, { ...adminOptions, force: { type: 'boolean' } });
  if (values.help) return { kind: 'help', text: usage('remove') };
  const [id] = exactPositionals('remove', positionals, ['ID']) as [string];
  return { kind: 'remove', ...adminCommon('remove', values), id: memberId('remove', id), force: values.force ?? false };
}

function parseCleanup(args: readonly string[]): Command {
  const { values, positionals } = parse('cleanup', args, adminOptions);
  if (values.help) return { kind: 'help', text: usage('cleanup') };
  noPositionals('cleanup', positionals);
  return { kind: 'cleanup', ...adminCommon('cleanup', values) };
}

function parsePlan(args: readonly string[]): Command {
  const options = { ...adminOptions, vnodes: { type: 'string' }, weight: { type: 'string' }, zone: { type: 'string' }, rack: { type: 'string' }, dc: { type: 'string' }, machine: { type: 'string' } } as const;
  const { values, positionals } = parse('plan', args, options);
  if (values.help) return { kind: 'help', text: usage('plan') };
  const [op, id] = exactPositionals('plan', positionals, ['join|leave', 'ID']) as [string, string];
  if (op !== 'join' && op !== 'leave') throw new CliError('usage', `plan: the operation must be join or leave, got "${op}" (usage: ringkv plan join|leave ID)`);
  const placement = [values.vnodes, values.weight, values.zone, values.rack, values.dc, values.machine];
  if (op === 'leave' && placement.some((x) => x !== undefined)) {
    throw new CliError('usage', 'plan: --vnodes, --weight, --rack (--zone), --dc and --machine describe a joining node; plan leave takes none');
  }
  for (const flag of ['zone', 'rack', 'dc', 'machine'] as const) if (values[flag] === '') throw new CliError('usage', `plan: --${flag} must not be empty`);
  if (values.zone !== undefined && values.rack !== undefined && values.zone !== values.rack) throw new CliError('usage', 'plan: --zone is the former name of --rack, and the two differ: give one');
  return {
    kind: 'plan',
    ...adminCommon('plan', values),
    op,
    id: memberId('plan', id),
    vnodes: values.vnodes === undefined ? undefined : intFlag('plan', 'vnodes', values.vnodes, 1, vnodesMax),
    weight: values.weight === undefined ? undefined : weightFlag('plan', values.weight),
    zone: values.rack ?? values.zone,
    ...(values.dc === undefined ? {} : { dc: values.dc }),
    ...(values.machine === undefined ? {} : { machine: values.machine }),
  };
}

/** A node id as `ringkv start --id` accepts it. */
function memberId(command: string, id: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(id)) {
    throw new CliError('usage', `${command}: node id "${id}" must be 1–128 letters, digits, ".", "_" or "-", starting with a letter or digit`);
  }
  return id;
}

/** `--weight`: a positive decimal up to `weightMax`. */
function weightFlag(command: string, text: string): number {
  const x = /^\d+(\.\d+)?$/.test(text) ? Number(text) : NaN;
  if (!(x > 0 && x <= weightMax)) throw new CliError('usage', `${command}: --weight must be a number in (0, ${weightMax}], got "${text}"`);
  return x;
}

function parseStatus(args: readonly string[]): Command {
  const { values, positionals } = parse('status', args, adminOptions);
  if (values.help) return { kind: 'help', text: usage('status') };
  noPositionals('status', positionals);
  return { kind: 'status', ...adminCommon('status', values) };
}

/** `--seeds host:port,…` (or ports, ws:// or http:// URLs) as ws URLs. */
export function parseSeeds(command: string, text: string, allowTcp = false): string[] {
  const items = text.split(',').map((x) => x.trim()).filter((x) => x !== '');
  if (items.length === 0) throw new CliError('usage', `${command}: --seeds must list host:port,… (got "${text}")`);
  return items.map((item) => checkUrl(command, item, '--seeds', allowTcp));
}

function parseGet(args: readonly string[]): Command {
  const { values, positionals } = parse('get', args, { ...kvOptions, raw: { type: 'boolean' } });
  if (values.help) return { kind: 'help', text: usage('get') };
  const [key] = exactPositionals('get', positionals, ['KEY']) as [string];
  if (values.raw && values.json) throw new CliError('usage', 'get: --raw and --json exclude each other');
  return { kind: 'get', key, raw: values.raw ?? false, ...kvCommon('get', values) };
}

function parsePut(args: readonly string[]): Command {
  const { values, positionals } = parse('put', args, { ...writeOptions, 'json-value': { type: 'boolean' }, file: { type: 'string' }, ttl: { type: 'string' }, 'if-absent': { type: 'boolean' } });
  if (values.help) return { kind: 'help', text: usage('put') };
  const jsonValue = values['json-value'] ?? false;
  let value: ValueSource;
  let key: string;
  if (values.file !== undefined) {
    [key] = exactPositionals('put', positionals, ['KEY'], ' (--file gives the value)') as [string];
    if (values.file === '') throw new CliError('usage', 'put: --file needs a path');
    value = { from: 'file', path: values.file };
  } else {
    const [k, text] = exactPositionals('put', positionals, ['KEY', 'VALUE']) as [string, string];
    key = k;
    value = text === '-' ? { from: 'stdin' } : { from: 'arg', text: argValue(text) };
    if (jsonValue && value.from === 'arg') parseJsonValue(value.text);
  }
  const ifAbsent = values['if-absent'] ?? false;
  if (ifAbsent && (values.context !== undefined || values.blind || values['if-match'] || values.r !== undefined)) {
    throw new CliError('usage', 'put: --if-absent writes without reading first: it excludes --context, --blind, --if-match and --r');
  }
  const ttlMs = values.ttl === undefined ? undefined : parseDuration('put', values.ttl, { flag: 'ttl', maxMs: ttlMsMax, most: '10 years' });
  return { kind: 'put', key, value, jsonValue, ttlMs, ifAbsent, ...kvCommon('put', values), ...writeCommon('put', values) };
}

function parseDel(args: readonly string[]): Command {
  const { values, positionals } = parse('del', args, writeOptions);
  if (values.help) return { kind: 'help', text: usage('del') };
  const [key] = exactPositionals('del', positionals, ['KEY']) as [string];
  return { kind: 'del', key, ...kvCommon('del', values), ...writeCommon('del', values) };
}

function parseKeys(args: readonly string[]): Command {
  const { values, positionals } = parse('keys', args, { ...kvOptions, prefix: { type: 'string' }, limit: { type: 'string' }, cursor: { type: 'string' } });
  if (values.help) return { kind: 'help', text: usage('keys') };
  noPositionals('keys', positionals);
  if (values.prefix === '') throw new CliError('usage', 'keys: --prefix must not be empty (omit it to list every key)');
  if (values.cursor !== undefined && !/^[A-Za-z0-9_-]+$/.test(values.cursor)) throw new CliError('usage', 'keys: --cursor must be the cursor printed by an earlier ringkv keys --limit');
  return {
    kind: 'keys', prefix: values.prefix, cursor: values.cursor,
    limit: values.limit === undefined ? undefined : intFlag('keys', 'limit', values.limit, 1, Number.MAX_SAFE_INTEGER),
    ...kvCommon('keys', values),
  };
}

function kvCommon(command: string, values: { url?: string; json?: boolean; 'timeout-ms'?: string; 'auth-token'?: string; r?: string; dc?: string }) {
  return {
    r: values.r === undefined ? undefined : consistencyFlag(command, 'r', values.r),
    ...(values.dc === undefined ? {} : { dc: dcFlag(command, values.dc) }),
    url: values.url === undefined ? undefined : checkUrl(command, values.url, '--url', true),
    json: values.json ?? false,
    timeoutMs: values['timeout-ms'] === undefined ? cliTimeoutMsDefault : intFlag(command, 'timeout-ms', values['timeout-ms'], 1, 600_000),
    authToken: values['auth-token'],
  };
}

function writeCommon(command: string, values: { context?: string; blind?: boolean; w?: string; r?: string; 'if-match'?: boolean }) {
  if (values.context !== undefined && values.blind) throw new CliError('usage', `${command}: --context and --blind exclude each other`);
  if (values['if-match'] && values.context === undefined) throw new CliError('usage', `${command}: --if-match needs --context (the context of the read it must match)`);
  if (values.r !== undefined && (values.context !== undefined || values.blind)) {
    throw new CliError('usage', `${command}: --r sets the read of the key before the write; with --context or --blind there is none`);
  }
  if (values.context !== undefined && !/^[A-Za-z0-9+/]*={0,2}$/.test(values.context)) {
    throw new CliError('usage', `${command}: --context must be the base64 context printed by ringkv get`);
  }
  return {
    context: values.context,
    blind: values.blind ?? false,
    w: values.w === undefined ? undefined : consistencyFlag(command, 'w', values.w),
    ifMatch: values['if-match'] ?? false,
  };
}

/** The get/put flags the batch commands share (commands/batch-args.ts). */
const batchKv: KvFlagParsers = { options: kvOptions, common: (command, values) => kvCommon(command, values), consistency: consistencyFlag };

function parseBench(args: readonly string[]): Command {
  const { values, positionals } = parse('bench', args, benchOptions);
  if (values.help) return { kind: 'help', text: usage('bench') };
  noPositionals('bench', positionals);
  if (values.ops !== undefined && values.duration !== undefined) throw new CliError('usage', 'bench: give --ops or --duration, not both');
  if (values.url !== undefined && values.seeds !== undefined) throw new CliError('usage', 'bench: give --url (one node) or --seeds (a cluster), not both');
  const durationMs = values.duration === undefined ? undefined : parseDuration('bench', values.duration);
  return {
    kind: 'bench',
    url: values.url === undefined ? undefined : checkUrl('bench', values.url, '--url', true),
    seeds: values.seeds === undefined ? undefined : parseSeeds('bench', values.seeds, true),
    transport: values.transport === undefined ? undefined : parseTransport(values.transport),
    authToken: values['auth-token'],
    clients: optInt('bench', 'clients', values.clients, benchClientsDefault, 1, benchClientsMax),
    inflight: optInt('bench', 'inflight', values.inflight, benchInflightDefault, 1, benchInflightMax),
    ops: durationMs !== undefined ? undefined : optInt('bench', 'ops', values.ops, benchOpsDefault, 1, benchOpsMax),
    durationMs,
    getPercent: values.mix === undefined ? 50 : parseMix(values.mix),
    valueBytes: optInt('bench', 'value-bytes', values['value-bytes'], benchValueBytesDefault, 0, benchValueBytesMax),
    keys: optInt('bench', 'keys', values.keys, benchKeysDefault, 1, 1_000_000_000),
    batching: !(values['no-batch'] ?? false),
    ratePerSec: values.rate === undefined ? undefined : intFlag('bench', 'rate', values.rate, 1, benchRateMax),
    workload: values.workload === undefined ? undefined : parseWorkload(values.workload, values.mix),
    ...(values.r === undefined ? {} : { r: consistencyFlag('bench', 'r', values.r) }),
    ...(values.w === undefined ? {} : { w: consistencyFlag('bench', 'w', values.w) }),
    ...(values.dc === undefined ? {} : { dc: dcFlag('bench', values.dc) }),
    json: values.json ?? false,
  };
}

/** `--dc`: a data center name, 1…256 characters. */
function dcFlag(command: string, text: string): string {
  if (text === '' || text.length > 256) throw new CliError('usage', `${command}: --dc must name a data center (1 to 256 characters)`);
  return text;
}

/** `--transport`: `tcp`, or `ws` (`websocket`). */
export function parseTransport(text: string): 'tcp' | 'websocket' {
  if (text === 'tcp') return 'tcp';
  if (text === 'ws' || text === 'websocket') return 'websocket';
  throw new CliError('usage', `bench: --transport must be tcp or ws, got "${text}"`);
}

/** A YCSB core workload letter; `--mix` does not go with it (the workload sets its own mix). */
export function parseWorkload(text: string, mix: string | undefined): string {
  const w = text.toLowerCase();
  if (!/^[a-f]$/.test(w)) throw new CliError('usage', `bench: --workload must be one of a, b, c, d, e, f (the YCSB core workloads), got "${text}"`);
  if (mix !== undefined) throw new CliError('usage', 'bench: give --mix or --workload, not both');
  return w;
}

/** `GET/PUT` percentages such as `50/50`, `95/5` or `100/0`; they must add up to 100. */
export function parseMix(text: string): number {
  const m = /^(\d{1,3})\/(\d{1,3})$/.exec(text);
  if (m === null || Number(m[1]) + Number(m[2]) !== 100) {
    throw new CliError('usage', `bench: --mix must be GET/PUT percentages adding up to 100, like 50/50 or 95/5, got "${text}"`);
  }
  return Number(m[1]);
}

/**
 * `10s`, `500ms`, `2m`, `1h`, `7d`, or a plain number of seconds, as
 * milliseconds in [1, maxMs] (default: bench's `--duration`, at most 24h).
 */
export function parseDuration(command: string, text: string, bound: { flag: string; maxMs: number; most: string } = { flag: 'duration', maxMs: benchDurationMsMax, most: '24h' }): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(text);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
  const ms = m === null ? NaN : Math.round(Number(m[1]) * unit[(m[2] ?? 's') as keyof typeof unit]);
  if (!Number.isFinite(ms) || ms < 1 || ms > bound.maxMs) {
    throw new CliError('usage', `${command}: --${bound.flag} must look like 10s, 500ms or 2m (at most ${bound.most}), got "${text}"`);
  }
  return ms;
}

/** `--r`/`--w`: a named level (`local-quorum`…) or a count 1…64 (the node refuses a count above N with `unavailable`). */
export function consistencyFlag(command: string, flag: 'r' | 'w', text: string): Consistency {
  if (isNamedConsistencyLevel(text)) return text;
  const n = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(Number.isInteger(n) && n >= 1 && n <= replicasMax)) {
    throw new CliError('usage', `${command}: --${flag} must be ${consistencyLevels.join(', ')} or a count 1…${replicasMax}, got "${text}"`);
  }
  return n;
}

/** A decimal integer in min…max, else a usage error naming the flag. */
export function intFlag(command: string, flag: string, text: string, min: number, max: number): number {
  const n = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new CliError('usage', `${command}: --${flag} must be an integer in ${min}…${max}, got "${text}"`);
  }
  return n;
}

function optInt(command: string, flag: string, text: string | undefined, fallback: number, min: number, max: number): number {
  return text === undefined ? fallback : intFlag(command, flag, text, min, max);
}


/**
 * VALUE as typed, refused when it holds U+FFFD: that is what Node makes of
 * argument bytes that are not UTF-8, so the bytes are already lost; `-` or
 * `--file` keep them.
 */
function argValue(text: string): string {
  if (text.includes('\ufffd')) {
    throw new CliError('usage', 'put: VALUE holds U+FFFD, which is what an argument that is not UTF-8 becomes (its bytes are lost); give the value on standard input (VALUE -) or with --file PATH to store its bytes');
  }
  return text;
}

/** The user's JSON value for `put --json-value`, or a usage error. */
export function parseJsonValue(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new CliError('usage', `put: --json-value: VALUE is not JSON: ${(error as Error).message}`);
  }
}

function noPositionals(command: string, positionals: string[]): void {
  if (positionals.length > 0) throw new CliError('usage', `${command}: unexpected argument "${positionals[0]}"`);
}

function exactPositionals(command: string, positionals: string[], names: string[], why = ''): string[] {
  if (positionals.length < names.length) {
    throw new CliError('usage', `${command}: missing ${names.slice(positionals.length).join(' ')} (usage: ringkv ${command} ${names.join(' ')})`);
  }
  if (positionals.length > names.length) throw new CliError('usage', `${command}: unexpected argument "${positionals[names.length]}"${why}`);
  return positionals;
}

const commonKv = `  --url URL          node to talk to: host:port, ws:// or tcp:// (raw TCP) URL (default $RINGKV_URL or ws://127.0.0.1:7000)
  --auth-token T     token the node requires (default $RINGKV_AUTH_TOKEN)
  --timeout-ms N     give up after N ms (default 5000)
  --r R              replies the read waits for: one, local-one, quorum, local-quorum, each-quorum, all
                     or a count (default the cluster's R)
  --dc DC            send the request only to a node of data center DC (else: fail)
  --json             machine-readable output`;

const commonAdmin = `  --url URL          the node (default $RINGKV_URL or ws://127.0.0.1:7000)
  --token T          admin token, sent as a Bearer header (default $RINGKV_TOKEN, else $RINGKV_AUTH_TOKEN)`;

const usages: Record<string, string> = {
  start: '', // filled from start-options.ts
  dev: `ringkv dev [options]
Starts a local cluster: NODES child processes running ringkv start on consecutive ports, each seeded
with the others; waits until they agree on the member set, prints the URLs and an SDK line.
Node output is forwarded prefixed with [nodeI]. Ctrl-C stops every node gracefully.
  --dcs D            data centers dc1…dcD (default 1); each holds NODES nodes and N replicas of
                     every key (replication map dc1:N,…,dcD:N), every node on a machine of its own
  --nodes N          nodes per data center (default 3)
  --base-port P      node i listens on P + i - 1 (default 7000)
  --dir DIR          data under DIR/node<i> (default ./.ringkv)
  --n N --r R --w W  replicas per key (per DC) and default quorums out of all replicas (default 3, 2, 2;
                     with --dcs 2: 3 per DC, 4, 4)
  --durability MODE  sync | interval | none (default interval)
  --read-repair R    local | global: read repair of the coordinator's DC only, or of every DC (default local);
                     passed to every node (a cluster setting, as --n --r --w)
  --log-level L      nodes' log level (default warn)
  --log-format F     json | pretty: the nodes' log lines (default pretty when stderr is a terminal, else json)
  --tls              TLS everywhere: makes a throw-away CA and node certificates under DIR/tls (openssl),
                     starts the nodes with them (wss, https, tls://, mutual TLS between peers) and prints the CA path`,
  status: `ringkv status [options]
Prints the cluster as a table: members, state, ownership shares, hints pending, generation.
  --url URL          any node (default $RINGKV_URL or ws://127.0.0.1:7000)
  --token T          a token of any role, for a node with tokens (default $RINGKV_TOKEN, else $RINGKV_AUTH_TOKEN)
  --json             machine-readable output`,
  repair: `ringkv repair [options]
Runs a full anti-entropy pass now on one node: it compares its Merkle trees with every other
replica of the ranges it holds and merges the keys that differ, both ways. Shows progress, then
ranges compared, keys repaired and bytes moved.
${commonAdmin}
  --json             print the summary as JSON (no progress lines)`,
  leave: `ringkv leave [options]
Decommissions the node at --url: it streams each range it holds to the range's next owner, then
leaves the ring and exits. Shows the stream's progress on stderr until the node has left.
${commonAdmin}
  --no-wait          return once the node has started leaving
  --json             print the final state as JSON (no progress lines)`,
  remove: `ringkv remove ID [options]
Drops member ID from the ring for good (a dead node that will not come back). The remaining
replicas re-create its copies: each node starts a repair pass a few seconds after the ring change;
ringkv repair on each node runs one now and reports it.
${commonAdmin}
  --force            remove ID even if the asked node does not see it as down
  --json             print the answer as JSON`,
  cleanup: `ringkv cleanup [options]
Drops, on the node at --url, the data of ranges it no longer replicates after a ring change
(only once their new owners hold them).
${commonAdmin}
  --json             print the answer as JSON`,
  plan: `ringkv plan join ID [--vnodes V --weight X --dc DC --rack R --machine M] | ringkv plan leave ID [options]
Dry run: how many ranges, keys and bytes would move, and between which nodes, if ID joined
(with that placement) or left. Nothing changes.
${commonAdmin}
  --vnodes V --weight X --zone Z   the joining node's placement (default: the node's defaults)
  --dc DC --rack R --machine M     the joining node's labels (--zone is --rack's former name; no machine: its own)
  --json             print the plan as JSON`,
  get: `ringkv get KEY [options]
Prints the value of KEY; concurrent versions (siblings) are listed with an index, followed by
the context to pass to put --context when you resolve them.
${commonKv}
  --raw              write the value's bytes to stdout as they are (strings as UTF-8, no newline);
                     exit 1 if the key is missing or has siblings`,
  put: `ringkv put KEY VALUE|- [options] | ringkv put KEY --file PATH [options]
Stores VALUE (a string; with --json-value, any JSON value). VALUE - reads the value from standard
input and --file PATH from a file, byte for byte: valid UTF-8 is stored as a string, anything
else as bytes (get prints them as 0x… hex, get --raw as they are). By default the put first reads KEY and
supersedes every version it saw.
${commonKv}
  --w W              acknowledgements the write waits for: one, local-one, quorum, local-quorum,
                     each-quorum, all or a count (default the cluster's W); every replica gets it
  --json-value       VALUE is JSON: store the number, object, array… it denotes (--json only formats the output)
  --file PATH        the value is this file's bytes (instead of VALUE)
  --context B64      supersede exactly the versions of this context (printed by get)
  --blind            write without reading: the value becomes a sibling of what is there
  --ttl T            the value expires T after the node accepts it (500ms, 30s, 5m, 2h, 7d; at most 10 years)
  --if-absent        write only if the key holds no value (deleted and expired count as absent)
  --if-match         write only if nothing was written since the read that gave --context
A refused condition exits 1 (condition-failed) and prints the key's current versions and context.
With fewer replicas up than R or W, nothing is read or written (exit 1); give --r 1 --w 1 to
degrade on purpose.`,
  del: `ringkv del KEY [options]
Deletes KEY (writes a tombstone superseding the versions it read).
${commonKv}
  --w W              acknowledgements the delete waits for (default the cluster's W)
  --context B64      delete exactly the versions of this context (printed by get)
  --blind            delete without reading first
  --if-match         delete only if nothing was written since the read that gave --context`,
  keys: `ringkv keys [--prefix P] [--limit N] [options]
Lists the cluster's keys, one per line (bytes that are not UTF-8 as 0x… hex), each live key once,
in the cluster's stored order (by hash, not sorted); deleted keys are not listed. A full pass
over the data: every node reads every key it stores (paced by its --scan-bytes-per-sec), with
or without --prefix.
${commonKv.replace('machine-readable output', 'one JSON value per line: the key as a string, or {"hex": "…"} for bytes')}
  --prefix P         only keys starting with P
  --limit N          print at most N keys; if more are left, the command to resume goes to stderr
  --cursor C         resume where an earlier --limit stopped`,
  bench: `ringkv bench [options]
Load test: CLIENTS connections, each keeping INFLIGHT requests in flight (redis-benchmark -c and -P),
random keys, prints ops/s and latency percentiles from an HDR histogram.
  --url URL             node to load (default $RINGKV_URL or ws://127.0.0.1:7000)
  --seeds H:P,…         load a cluster: clients learn the ring and send each request to a replica of its key
  --auth-token T        token the node requires
  -c, --clients N       connections (default 50)
  -P, --inflight N      requests in flight per connection (default 1)
  -n, --ops N           total operations (default 100000)
      --duration T      run for T instead (10s, 500ms, 2m)
      --mix G/P         percent gets / puts (default 50/50)
  -d, --value-bytes N   bytes per value (default 100)
  -r, --keys N          distinct keys (default 100000)
      --no-batch        one frame per request (default: requests ready together share a batch frame)
      --workload W      YCSB core workload a|b|c|d|e|f: a load phase of -r records, then the run
                        (E's scans run as multi-gets of 1–100 consecutive keys: Dynamo has no ordered scan)
      --rate R          open loop: start R operations per second on a fixed schedule and measure each
                        from its intended start (no coordinated omission); -P bounds what is outstanding
      --transport T     tcp or ws: the SDK's raw TCP transport (Node; the same messages, length-prefixed,
                        on the same port) or WebSocket (default ws, or tcp for tcp:// URLs)
      --r R, --w W      level of every get / put: a count or one, local-one, quorum, local-quorum,
                        each-quorum, all (default the cluster's R / W; -r is --keys)
      --dc DC           clients send only to nodes of data center DC (token-aware inside it)
      --json            print the result as JSON
Also printed: the client's CPU per operation and, read from each node's /status before and
after, the node's CPU per operation, event-loop delay and GC pauses.`,
};

/** Help text for `command`, or the overview. */
export function usage(command?: string): string {
  if (command === 'start') return startUsage();
  if (command === 'token') return tokenUsage;
  if (command === 'backup') return backupUsage;
  if (command === 'restore') return restoreUsage;
  if (command === 'mget' || command === 'mput' || command === 'mdel') return batchUsages[command as BatchKind];
  if (command !== undefined && usages[command] !== undefined) return usages[command];
  return `ringkv: a Dynamo-style key-value store

Usage:
  ringkv start [options]           run a node (ringkv start --help for every option; --seeds --join adds it to a cluster)
  ringkv dev [options]             run a local 3-node cluster (Ctrl-C stops it)
  ringkv status [options]          print the cluster: members, state, ownership, hints
  ringkv repair [options]          run an anti-entropy pass now on one node
  ringkv plan join|leave ID        dry run: what a node joining or leaving would move
  ringkv leave [options]           decommission the node at --url (streams its data away, then exits)
  ringkv remove ID [options]       drop a dead node from the ring for good
  ringkv cleanup [options]         drop data a node no longer replicates after a ring change
  ringkv get KEY [options]         read a key (siblings shown with an index)
  ringkv put KEY VALUE [options]   write a key
  ringkv del KEY [options]         delete a key
  ringkv mget KEY... [options]     read many keys in one call (also mput KEY=VALUE..., mdel KEY...; --file or - for stdin)
  ringkv keys [--prefix P]         list the cluster's keys (a full pass over the data)
  ringkv bench [options]           load-test a node, or a cluster with --seeds
  ringkv backup --out DIR          back up every node of the cluster (consistent snapshots, while serving)
  ringkv restore DIR               restore a backup into the cluster at --url
  ringkv token add|revoke|list     manage the tokens (roles, key prefixes, rates) of --tokens-file nodes
  ringkv help COMMAND              options of a command
  ringkv --version                 print the version

A TLS cluster: every command but start and dev takes --tls-ca FILE (or $RINGKV_TLS_CA), the CA that
signed the nodes' certificates, for wss://, tls:// (raw TCP in TLS) and https:// nodes.`;
}

function startUsage(): string {
  const specs: Array<[string, { type: string; short?: string; metavar: string; description: string; env?: string }]> = Object.entries(startOptionSpecs);
  const flags = specs.map(([name, spec]) => `  ${spec.short ? `-${spec.short}, ` : '    '}--${name}${spec.type === 'string' ? ` ${spec.metavar}` : ''}`);
  // The description column starts two spaces after the longest flag, so no flag runs into its text.
  const width = Math.max(...flags.map((f) => f.length)) + 2;
  const lines = specs.map(([, spec], i) => `${(flags[i] as string).padEnd(width)}${spec.description}${spec.env ? ` [$${spec.env}]` : ''}`);
  return `ringkv start [options]
Runs one node. Settings come from flags, then environment variables, then the JSON config file
(--config or $RINGKV_CONFIG, keys named as the flags in camelCase), then defaults.
${lines.join('\n')}`;
}
