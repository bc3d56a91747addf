/**
 * `ringkv start`: resolve the settings, start the node, print where it
 * listens, stop gracefully on SIGINT/SIGTERM.
 *
 * The first stdout line is machine-readable:
 *   `ringkv node <id> ready url=<ws url> http=<http url> data=<dir> durability=<mode>`
 * Logs go to stderr so they never mix with it: readable lines on a terminal,
 * one JSON object per line otherwise (`--log-format json|pretty`).
 */

import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { colorFor, isNodeServerError, prettyLogDestination, startNode, stopOnSignals, type NodeOptions, type RingkvNode } from '@ringkv/node-server';
import type { StartCommand } from '../args.js';
import { resolveStartConfig, type StartConfig } from '../config.js';
import { CliError } from '../errors.js';
import type { Io } from '../io.js';
import { configKey, startOptionSpecs } from '../start-options.js';
import { cliInvocation } from '../invocation.js';

/**
 * Starts the node; resolves once it serves, with the node and its settings.
 * `onStarted` runs after the node serves and before the ready line is printed:
 * install signal handlers there, so a supervisor that sends SIGTERM as soon
 * as it reads the ready line (a container runtime, a test) gets a graceful stop.
 */
export async function runStart(
  command: StartCommand,
  io: Io,
  onLeft: (node: RingkvNode) => void = () => {},
  onStarted: (node: RingkvNode) => void = () => {},
): Promise<{ node: RingkvNode; config: StartConfig }> {
  const config = resolveStartConfig(command.flags, { env: io.env, readFile: (p) => readFileSync(p, 'utf8'), hostname: hostname() });
  // The node may finish leaving only after it started; `started` is set before any leave can be asked for.
  let started: RingkvNode | undefined;
  const node = await startCli({
    id: config.id,
    host: config.host,
    port: config.port,
    dataDir: config.dataDir,
    durability: config.durability,
    ...(config.durabilityIntervalMs === undefined ? {} : { durabilityIntervalMs: config.durabilityIntervalMs }),
    ...(config.authToken === undefined ? {} : { authToken: config.authToken }),
    ...(config.tokensFile === undefined ? {} : { tokensFile: config.tokensFile }),
    allowInsecurePublicBind: config.allowInsecurePublicBind,
    ...config.tls,
    metricsPublic: config.metricsPublic,
    ...(config.valueBytesMax === undefined ? {} : { valueBytesMax: config.valueBytesMax }),
    ...(config.connectionsPerAddressMax === undefined ? {} : { connectionsPerAddressMax: config.connectionsPerAddressMax }),
    ...config.frames,
    ...(config.requestBytesInFlightMax === undefined ? {} : { requestBytesInFlightMax: config.requestBytesInFlightMax }),
    ...(config.nodeRequestBytesInFlightMax === undefined ? {} : { nodeRequestBytesInFlightMax: config.nodeRequestBytesInFlightMax }),
    logLevel: config.logLevel,
    logDestination: logDestination(config.logFormat ?? defaultLogFormat(io), io),
    ...config.cluster,
    // Called after the node stopped itself, once it has left (`ringkv leave`).
    onLeft: () => {
      if (started !== undefined) onLeft(started);
    },
  });
  started = node;
  onStarted(node);
  return announce(node, config, io);
}

/** `--log-format` when none is given: pretty for a person at a terminal, JSON for a collector. */
export function defaultLogFormat(io: Io): 'json' | 'pretty' {
  return io.stderrIsTTY === true ? 'pretty' : 'json';
}

/** The node's log destination on stderr in `format` (pretty lines are coloured per `colorFor`). */
function logDestination(format: 'json' | 'pretty', io: Io): NonNullable<NodeOptions['logDestination']> {
  return format === 'json' ? process.stderr : prettyLogDestination(process.stderr, { color: colorFor(process.stderr, io.env) });
}

/**
 * `startNode`, with its errors in the CLI's terms: an invalid option is a
 * usage error (exit 2) and names the flag rather than the option field.
 */
async function startCli(options: NodeOptions): Promise<RingkvNode> {
  try {
    return await startNode(options);
  } catch (error) {
    if (!isNodeServerError(error)) throw error;
    const message = flagNames(error.message.replace(/^node-server: /, ''));
    // A cluster setting that differs from the cluster's is refused by the cluster, not a typo: exit 1, `[settings-mismatch]`.
    if (error.code === 'settings-mismatch') throw new CliError('rejected', `start: refused to join: ${message} [settings-mismatch]`, { cause: error });
    throw new CliError(error.code === 'invalid-option' ? 'usage' : 'failed', `start: ${message}`, { cause: error });
  }
}

/** Option field names (`authToken`, `dataDir`) in a message replaced by their flags. */
export function flagNames(message: string): string {
  const flagOf = new Map(Object.keys(startOptionSpecs).map((flag) => [configKey(flag), flag]));
  // "option r must be …" → "--r must be …" (one-word options too, which the loop below leaves alone).
  let text = message.replace(/\boption (\w+)/g, (whole, key: string) => (flagOf.has(key) ? `--${flagOf.get(key) as string}` : whole));
  text = text.replace(/\bdataDir\b/g, '--data').replace(/\bsetting (n|replicas|r|w|mode)\b/g, 'setting --$1').replace(/\bsetting readRepair\b/g, 'setting --read-repair');
  for (const flag of Object.keys(startOptionSpecs)) {
    const key = configKey(flag);
    if (key !== flag) text = text.replace(new RegExp(`\\b${key}(: true)?\\b`, 'g'), `--${flag}`);
  }
  return text;
}

/**
 * The machine-readable first line (module header), then ` seeds=…` (and
 * ` join=true`) when seeded. The seeds are shown as the node dials them: on a
 * TLS node (its URL is `wss://`) a `host:port` or `ws://` seed is dialled over
 * TLS, so it is printed `wss://`.
 */
export function readyLine(node: Pick<RingkvNode, 'id' | 'url' | 'httpUrl'>, config: Pick<StartConfig, 'dataDir' | 'durability' | 'cluster'>): string {
  const tls = node.url.startsWith('wss://');
  const seedUrls = config.cluster.seeds.map((seed) => (tls ? seed.replace(/^ws:\/\//, 'wss://') : seed));
  const seeds = seedUrls.length === 0 ? '' : ` seeds=${seedUrls.join(',')}${config.cluster.join === true ? ' join=true' : ''}`;
  return `ringkv node ${node.id} ready url=${node.url} http=${node.httpUrl} data=${config.dataDir} durability=${config.durability}${seeds}`;
}

function announce(node: RingkvNode, config: StartConfig, io: Io): { node: RingkvNode; config: StartConfig } {
  io.stdout(readyLine(node, config));
  const caFlag = node.url.startsWith('wss://') && config.tls.tlsCa !== undefined ? ` --tls-ca ${config.tls.tlsCa}` : '';
  const urlFlag = `${node.url === 'ws://127.0.0.1:7000' ? '' : ` --url ${node.url}`}${caFlag}`;
  const rk = cliInvocation(io.env, process.cwd(), process.argv[1] ?? 'ringkv');
  io.stdout(`  try:     ${rk} put hello world${urlFlag} && ${rk} get hello${urlFlag}`);
  io.stdout(`  dashboard: ${node.httpUrl}/   status: ${node.httpUrl}/status   metrics: ${node.httpUrl}/metrics   stop: Ctrl-C`);
  return { node, config };
}

/**
 * What `ringkv start` does once its node has left the cluster (`ringkv
 * leave`): make sure it is stopped (the node stops itself before `onLeft`;
 * `stop` is idempotent) and exit 0, the exit a supervisor reads as "done,
 * do not restart".
 */
export function exitOnLeft(node: RingkvNode, io: Io): void {
  io.stdout(`ringkv node ${node.id} left the cluster; stopping`);
  void node.stop().then(
    () => {
      io.stdout(`ringkv node ${node.id} stopped`);
      process.exit(0);
    },
    (error: unknown) => {
      io.stderr(`ringkv: node ${node.id} left but did not stop cleanly: ${(error as Error).message ?? String(error)}`);
      process.exit(1);
    },
  );
}

/** Installs SIGINT/SIGTERM handlers that stop `node` and exit (0, or 1 if the stop failed). */
export function exitOnSignals(node: RingkvNode, io: Io): void {
  // SIGHUP reloads the TLS certificates (open connections are kept); a node without TLS keeps SIGHUP's default.
  if (node.url.startsWith('wss://')) process.on('SIGHUP', () => void node.reloadCertificates());
  stopOnSignals(node, {
    onStopped: (error) => {
      if (error === undefined) io.stdout(`ringkv node ${node.id} stopped`);
      else io.stderr(`ringkv: node ${node.id} did not stop cleanly: ${(error as Error).message ?? String(error)}`);
      process.exit(error === undefined ? 0 : 1);
    },
  });
  // Started by `ringkv dev` (an IPC channel): when the parent goes away, however it died, stop as on SIGTERM.
  // The parent may have gone while this node was starting (its 'disconnect' then fired before anyone listened):
  // the node runs in its own process group, so nothing else would ever stop it.
  if (process.send !== undefined) {
    if (process.connected) process.once('disconnect', () => process.kill(process.pid, 'SIGTERM'));
    else process.kill(process.pid, 'SIGTERM');
  }
}
