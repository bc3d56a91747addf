/**
 * `ringkv dev`: a local cluster as child processes, one `ringkv start` per
 * node on consecutive ports, each seeded with all the others.
 *
 * Output: the children's lines are forwarded with a `[nodeI] ` prefix
 * (stdout to stdout, logs to stderr), so one terminal shows the cluster.
 * The first line of our own is machine-readable:
 *   `ringkv dev ready nodes=<n> urls=<ws,…> pids=<pid,…>`
 *
 * Invariants:
 *   1. Every child is started with an IPC channel; a child whose parent
 *      goes away (even killed with SIGKILL) sees the channel close and stops
 *      itself (`start.ts`), so the cluster never outlives `ringkv dev`.
 *   2. SIGINT/SIGTERM send SIGTERM to every child and wait for all of them to
 *      exit (graceful stop), at most `devStopWaitMs`, then SIGKILL the rest;
 *      a second signal kills them at once.
 *   3. "Ready" means every node's /status lists every node of this run,
 *      normal, on the same ring version. Other members (a node added with
 *      `ringkv start --join`) do not hold it up; they are named on stderr.
 */

import { bearerHeaders } from './node-http.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DevCommand } from '../args.js';
import { CliError } from '../errors.js';
import type { Io } from '../io.js';
import { clusterSecretHeader } from '@ringkv/node-server';
import { devAgreeTimeoutMs, devPollMs, devStopWaitMs } from '../limits.js';
import { cliInvocation } from '../invocation.js';
import { makeDevCertificates, type DevCertificates } from '../tls-dev.js';
import { trustForFetch } from '../tls-client.js';
import { readFileSync } from 'node:fs';
import { defaultLogFormat } from './start.js';

/** One child node. */
export interface Child {
  readonly id: string;
  readonly port: number;
  readonly proc: ChildProcess;
  readonly exited: Promise<number | null>;
  url: string;
  httpUrl: string;
}

export const cliPath = join(dirname(fileURLToPath(import.meta.url)), '..', 'cli.js');

/** Starts the cluster, waits until it agrees, prints how to connect; resolves with a stop function. */
export async function runDev(command: DevCommand, io: Io, onSpawned?: (cluster: DevCluster) => void): Promise<DevCluster> {
  // The nodes inherit the environment; a token without a secret would stop each of them at start (node-server refuses it).
  if ((io.env.RINGKV_AUTH_TOKEN ?? '') !== '' && (io.env.RINGKV_CLUSTER_SECRET ?? '') === '') {
    throw new CliError('usage', 'dev: $RINGKV_AUTH_TOKEN needs $RINGKV_CLUSTER_SECRET too: peers must authenticate when clients do');
  }
  const certs = command.tls ? await devCertificates(command) : undefined;
  const children: Child[] = [];
  let stopping = false;
  const stop = (): Promise<void> => {
    stopping = true;
    return stopAll(children);
  };
  const cluster: DevCluster = {
    stop,
    kill: () => {
      stopping = true;
      void stopAll(children, true);
    },
  };
  try {
    for (let i = 0; i < command.nodes * command.dcs; i++) children.push(spawnNode(command, i, io, certs));
    // Signal handlers go in before anything is printed: a Ctrl-C right after the banner (or during start-up) must stop the nodes, not kill dev.
    onSpawned?.(cluster);
    await Promise.all(children.map((c) => ready(c)));
    await agree(children, io);
  } catch (error) {
    await stop();
    throw error;
  }
  announce(command, children, io, certs?.caFile);
  for (const c of children) {
    void c.exited.then((code) => {
      if (!stopping) io.stderr(`ringkv dev: ${c.id} (pid ${c.proc.pid}) exited with ${code ?? 'a signal'}; the others keep running`);
    });
  }
  return cluster;
}

/** A running dev cluster: `stop` is graceful (SIGTERM, wait), `kill` is SIGKILL now. */
export interface DevCluster {
  stop(): Promise<void>;
  kill(): void;
}

/**
 * `--tls`: a new CA and node certificates under `<dir>/tls` (tls-dev.ts),
 * and this process trusts the CA for its own polls of the nodes' https
 * `/status`.
 */
async function devCertificates(command: DevCommand): Promise<DevCertificates> {
  const ids = Array.from({ length: command.nodes * command.dcs }, (_, i) => `node${i + 1}`);
  const certs = makeDevCertificates(join(command.dir, 'tls'), ids);
  await trustForFetch(readFileSync(certs.caFile));
  return certs;
}

function spawnNode(command: DevCommand, i: number, io: Io, certs: DevCertificates | undefined): Child {
  const id = `node${i + 1}`;
  const port = command.basePort + i;
  const seeds = Array.from({ length: command.nodes * command.dcs }, (_, j) => `127.0.0.1:${command.basePort + j}`).filter((_, j) => j !== i);
  // Every dev node is a machine of its own (they share one host, whose name is `ringkv start`'s default machine).
  const args = [cliPath, 'start', '--id', id, '--port', String(port), '--data', join(command.dir, id), '--log-level', command.logLevel, '--machine', id];
  // The child's stderr is a pipe, so it cannot see dev's terminal: dev decides the format, and the colour (FORCE_COLOR) with it.
  const logFormat = command.logFormat ?? defaultLogFormat(io);
  args.push('--log-format', logFormat);
  args.push('--durability', command.durability, ...replicationArgs(command), '--r', String(command.r), '--w', String(command.w));
  if (command.readRepair !== undefined) args.push('--read-repair', command.readRepair);
  if (command.dcs > 1) args.push('--dc', dcOf(command, i));
  if (seeds.length > 0) args.push('--seeds', seeds.join(','));
  const tls = certs?.nodes.get(id);
  if (certs !== undefined && tls !== undefined) args.push('--tls-cert', tls.certFile, '--tls-key', tls.keyFile, '--tls-ca', certs.caFile);
  const color = logFormat === 'pretty' && io.stderrIsTTY === true && (io.env.NO_COLOR ?? '') === '' && io.env.FORCE_COLOR === undefined ? { FORCE_COLOR: '1' } : {};
  return spawnChild(id, port, args, { ...io.env, ...color, RINGKV_CONFIG: '', RINGKV_SEEDS: '', RINGKV_ID: '', RINGKV_PORT: '', RINGKV_DATA: '' }, io);
}

/**
 * Spawns one `ringkv start` child (`args` from the CLI path on) with an IPC
 * channel (invariant 1), its output forwarded prefixed with `[id] `.
 * Shared with `ringkv start --shards` (shards.ts).
 */
export function spawnChild(id: string, port: number, args: readonly string[], env: NodeJS.ProcessEnv, io: Io): Child {
  // Each node in its own process group: Ctrl-C in a terminal signals the whole foreground group, and a
  // node that got the terminal's SIGINT and then dev's SIGTERM took the second as "stop now" (exit 130, no
  // clean-stop marker). Detached, a node hears only dev's one SIGTERM (invariant 2).
  const proc = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe', 'ipc'], detached: true });
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  forwardLines(proc.stdout, `[${id}] `, io.stdout);
  forwardLines(proc.stderr, `[${id}] `, io.stderr);
  return { id, port, proc, exited, url: '', httpUrl: '' };
}

/** The DC of node i (0-based) of a multi-DC dev cluster: `dc1` for the first `nodes`, and so on. */
export function dcOf(command: Pick<DevCommand, 'nodes'>, i: number): string {
  return `dc${Math.floor(i / command.nodes) + 1}`;
}

/** `--n N`, or with several DCs the replication map giving each DC N replicas. */
function replicationArgs(command: DevCommand): string[] {
  if (command.dcs === 1) return ['--n', String(command.n)];
  return ['--replicas', Array.from({ length: command.dcs }, (_, d) => `dc${d + 1}:${command.n}`).join(',')];
}

/** Forwards a stream line by line with a prefix. */
function forwardLines(stream: NodeJS.ReadableStream | null, prefix: string, out: (line: string) => void): void {
  if (stream === null) return;
  let rest = '';
  stream.on('data', (chunk: Buffer) => {
    const lines = (rest + chunk.toString()).split('\n');
    rest = lines.pop() ?? '';
    for (const line of lines) out(prefix + line);
  });
  stream.on('end', () => {
    if (rest !== '') out(prefix + rest);
  });
}

/** Resolves once the child printed its ready line; rejects if it exits first. */
export function ready(child: Child): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const onData = (chunk: Buffer): void => {
      seen += chunk.toString();
      const m = /ready url=(wss?:\/\/\S+) http=(https?:\/\/\S+)/.exec(seen);
      if (m === null) return;
      child.url = m[1] as string;
      child.httpUrl = m[2] as string;
      child.proc.stdout?.off('data', onData);
      resolve();
    };
    child.proc.stdout?.on('data', onData);
    void child.exited.then((code) => reject(new CliError('failed', `dev: ${child.id} (port ${child.port}) exited with ${code ?? 'a signal'} before it was ready (its output is above)`)));
  });
}

/** The part of a node's /status `ringkv dev` reads. */
export interface StatusMembers {
  cluster?: { ring?: { version?: number }; members?: { id: string; status: string }[] };
}

/**
 * What the cluster's /status needs when the inherited environment gives the
 * nodes tokens: the auth token, else (a tokens file) the cluster secret, which
 * node-server's HTTP gate accepts for its read endpoints.
 */
export function devStatusHeaders(env: Io['env']): Record<string, string> {
  if ((env.RINGKV_AUTH_TOKEN ?? '') !== '') return bearerHeaders(env.RINGKV_AUTH_TOKEN);
  const secret = env.RINGKV_CLUSTER_SECRET ?? '';
  return secret === '' ? {} : { [clusterSecretHeader]: secret };
}

/** Polls every node's /status until they agree (invariant 3), or fails after `devAgreeTimeoutMs`. */
async function agree(children: readonly Child[], io: Io): Promise<void> {
  const ids = children.map((c) => c.id);
  const deadline = Date.now() + devAgreeTimeoutMs;
  for (;;) {
    const views = await Promise.all(children.map((c) => fetchJson<StatusMembers>(`${c.httpUrl}/status`, undefined, devStatusHeaders(io.env))));
    if (agreedOn(views, ids)) {
      for (const m of extraMembers(views[0], ids)) {
        io.stderr(`ringkv dev: ${m.id} (${m.status}) is a member too, not started by this run; ringkv leave --url <its url> (or ringkv remove ${m.id} if it is gone) takes it out`);
      }
      return;
    }
    if (Date.now() > deadline) throw new CliError('failed', `dev: the nodes did not agree on the member set within ${devAgreeTimeoutMs} ms`);
    await new Promise((r) => setTimeout(r, devPollMs));
  }
}

/** Invariant 3 over the nodes' /status documents (undefined: a node that did not answer). */
export function agreedOn(views: readonly (StatusMembers | undefined)[], ids: readonly string[]): boolean {
  const want = [...ids].sort().join(',');
  const versions = new Set(views.map((v) => v?.cluster?.ring?.version));
  return versions.size === 1 && views.every((v) => {
    const ours = (v?.cluster?.members ?? []).filter((m) => ids.includes(m.id));
    return v !== undefined && ours.map((m) => m.id).sort().join(',') === want && ours.every((m) => m.status === 'normal');
  });
}

/**
 * Members this run did not start and that have not left (a node added with
 * `ringkv start --join`, running or down): part of the ring, so `ringkv dev`
 * names them rather than wait for them.
 */
export function extraMembers(view: StatusMembers | undefined, ids: readonly string[]): { id: string; status: string }[] {
  return (view?.cluster?.members ?? []).filter((m) => !ids.includes(m.id) && m.status !== 'left');
}

/** GET a JSON document; undefined on any failure (the caller polls again). */
export async function fetchJson<T>(url: string, timeoutMs = 2_000, headers: Readonly<Record<string, string>> = {}): Promise<T | undefined> {
  try {
    const res = await fetch(url, { headers, signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) return undefined;
    return (await res.json()) as T;
  } catch {
    return undefined;
  }
}

function announce(command: DevCommand, children: readonly Child[], io: Io, caFile: string | undefined): void {
  const urls = children.map((c) => c.url);
  io.stdout(`ringkv dev ready nodes=${children.length} urls=${urls.join(',')} pids=${children.map((c) => c.proc.pid).join(',')}`);
  const replication = command.dcs === 1 ? `N=${command.n}` : `${command.dcs} DCs, replicas ${replicationArgs(command)[1]}`;
  io.stdout(`  cluster: ${children.length} nodes, ${replication} R=${command.r} W=${command.w}, data in ${command.dir}/node*, node output prefixed [nodeI]`);
  children.forEach((c, i) => io.stdout(`  ${c.id.padEnd(8)} ${command.dcs === 1 ? '' : `${dcOf(command, i)} `}${c.url.padEnd(24)} status: ${c.httpUrl}/status`));
  const sdkCa = caFile === undefined ? '' : `, { ca: readFileSync('${caFile}') }`;
  io.stdout(`  SDK:     const db = await connect([${urls.map((u) => `'${u}'`).join(', ')}]${sdkCa}); // import { connect } from '@ringkv/client-sdk'`);
  const other = urls[1] ?? urls[0];
  // What runs in the user's shell: `ringkv` only when it is on the PATH (a clone has none).
  const cli = cliInvocation(io.env, process.cwd(), cliPath);
  const rk = caFile === undefined ? cli : `RINGKV_TLS_CA=${caFile} ${cli}`;
  if (caFile !== undefined) io.stdout(`  TLS:     CA ${caFile} (throw-away, for this machine only); clients: --tls-ca ${caFile} or $RINGKV_TLS_CA; raw TCP: tls://127.0.0.1:${command.basePort}`);
  io.stdout(`  try:     ${rk} put hello world --url ${urls[0]} && ${rk} get hello --url ${other}`);
  io.stdout(`  dashboard: ${children[0]?.httpUrl}/   (any node serves it)`);
  const benchSeeds = caFile === undefined ? children.map((c) => `127.0.0.1:${c.port}`) : urls;
  io.stdout(`  status:  ${rk} status --url ${urls[0]}     bench: ${rk} bench --seeds ${benchSeeds.join(',')}`);
  // A node added by hand would need a certificate of this CA: no grow line under --tls.
  if (caFile === undefined) io.stdout(`  grow:    ${growCommand(command, children.length, rk)}   then: ${rk} leave --url 127.0.0.1:${command.basePort + children.length}`);
  io.stdout('  stop:    Ctrl-C (stops every node gracefully)');
}

/**
 * The command that adds one more node to a dev cluster of `nodes` nodes: the
 * next id, port and data directory, joining through the first node. No
 * quorums: the new node adopts the cluster's settings from its seed.
 */
export function growCommand(command: DevCommand, nodes: number, rk = 'ringkv'): string {
  const id = `node${nodes + 1}`;
  const dc = command.dcs > 1 ? ' --dc dc1' : '';
  return `${rk} start --join --id ${id} --port ${command.basePort + nodes} --data ${join(command.dir, id)} --machine ${id}${dc} --seeds 127.0.0.1:${command.basePort}`;
}

/** Invariant 2: SIGTERM to every child, wait, SIGKILL what is left. */
export async function stopAll(children: readonly Child[], now = false): Promise<void> {
  const alive = children.filter((c) => c.proc.exitCode === null && c.proc.signalCode === null);
  for (const c of alive) c.proc.kill(now ? 'SIGKILL' : 'SIGTERM');
  if (now) return;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), devStopWaitMs)));
  const done = await Promise.race([Promise.all(alive.map((c) => c.exited)), late]);
  clearTimeout(timer);
  if (done === 'late') {
    for (const c of alive) if (c.proc.exitCode === null) c.proc.kill('SIGKILL');
    await Promise.all(alive.map((c) => c.exited));
  }
}

/** Installs SIGINT/SIGTERM handlers: stop every node, then exit (0, or 1 when a second signal forced it). */
export function exitDevOnSignals(cluster: DevCluster, io: Io, name = 'ringkv dev'): void {
  let stopping = false;
  const onSignal = (signal: string): void => {
    if (stopping) {
      io.stderr(`${name}: ${signal} again, killing the nodes`);
      cluster.kill();
      process.exit(1);
    }
    stopping = true;
    io.stdout(`${name}: ${signal}, stopping the nodes`);
    void cluster.stop().then(() => {
      io.stdout(`${name}: stopped`);
      process.exit(0);
    });
  };
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));
}
