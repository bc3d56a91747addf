/**
 * `ringkv start --shards K`: K node processes on this machine, a node per
 * core (a Node process uses one core). Shard i is `ringkv start` with id
 * `<id>-shard<i>`, port `<port> + i`, data directory `<data>/shard<i>`, the
 * same machine label (so no two of them hold replicas of one key), seeded
 * with the other shards and the given seeds; every other flag passes through.
 *
 * Output: each shard's lines prefixed `[<id>-shard<i>] `; then one line of our
 * own, machine-readable:
 *   `ringkv shards ready shards=<K> urls=<ws,…> pids=<pid,…>`
 *
 * Invariants:
 *   1. The children are `ringkv dev`'s (dev.ts): each has an IPC channel and
 *      stops when this process goes away, however it died.
 *   2. SIGINT/SIGTERM stop every shard gracefully (dev.ts invariant 2).
 *   3. `--shards` needs a fixed `--port`: shard i's address must be known to
 *      the others before it listens.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { hostname } from 'node:os';
import type { StartCommand } from '../args.js';
import { resolveStartConfig } from '../config.js';
import { CliError } from '../errors.js';
import type { Io } from '../io.js';
import { shardsMax } from '../limits.js';
import type { StartFlags } from '../start-options.js';
import { cliPath, ready, spawnChild, stopAll, type Child, type DevCluster } from './dev.js';

/** The flags a shard gets from us rather than from the command line. */
const perShard: ReadonlySet<string> = new Set(['shards', 'id', 'port', 'data', 'machine', 'seeds', 'help']);

/** K of `--shards K`, or `undefined` when not given. Throws CliError('usage'). */
export function shardCount(flags: StartFlags): number | undefined {
  const raw = flags.shards;
  if (raw === undefined) return undefined;
  const k = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(k) || k < 1 || k > shardsMax) throw new CliError('usage', `start: --shards must be an integer in 1…${shardsMax}, got ${JSON.stringify(raw)}`);
  return k;
}

/** The `ringkv start` arguments of shard i of k (module comment). */
export function shardArgs(flags: StartFlags, k: number, i: number, io: Pick<Io, 'env'>, host = hostname()): { id: string; port: number; args: string[] } {
  const { shards: _shards, ...rest } = flags;
  const config = resolveStartConfig(rest, { env: io.env, readFile: (path) => readFileSync(path, 'utf8'), hostname: host });
  if (config.port === 0) throw new CliError('usage', 'start: --shards needs a fixed --port: shard i listens on port + i, and the shards seed each other');
  if (config.port + k - 1 > 65535) throw new CliError('usage', `start: --shards ${k} from port ${config.port} runs past port 65535`);
  const id = `${config.id}-shard${i}`;
  const port = config.port + i;
  const others = Array.from({ length: k }, (_, j) => `${config.host}:${config.port + j}`).filter((_, j) => j !== i);
  const seeds = [...config.cluster.seeds, ...others];
  const passed = Object.entries(flags).flatMap(([flag, value]) => (perShard.has(flag) || value === undefined || value === false ? [] : value === true ? [`--${flag}`] : [`--${flag}`, String(value)]));
  const args = [cliPath, 'start', ...passed, '--id', id, '--port', String(port), '--data', join(config.dataDir, `shard${i}`), '--machine', config.cluster.machine ?? host];
  if (seeds.length > 0) args.push('--seeds', seeds.join(','));
  return { id, port, args };
}

/** Starts the K shards, waits until each is ready, prints the ready line; resolves with a stop function. */
export async function runShards(command: StartCommand, k: number, io: Io, onSpawned?: (shards: DevCluster) => void): Promise<DevCluster> {
  const children: Child[] = [];
  const shards: DevCluster = { stop: () => stopAll(children), kill: () => void stopAll(children, true) };
  try {
    for (let i = 0; i < k; i++) {
      const { id, port, args } = shardArgs(command.flags, k, i, io);
      children.push(spawnChild(id, port, args, { ...io.env, RINGKV_SEEDS: '', RINGKV_ID: '', RINGKV_PORT: '', RINGKV_DATA: '', RINGKV_MACHINE: '' }, io));
    }
    onSpawned?.(shards);
    await Promise.all(children.map((c) => ready(c)));
  } catch (error) {
    await stopAll(children);
    throw error;
  }
  io.stdout(`ringkv shards ready shards=${k} urls=${children.map((c) => c.url).join(',')} pids=${children.map((c) => c.proc.pid).join(',')}`);
  return shards;
}
