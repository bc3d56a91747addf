/**
 * `ringkv get|put|del`: one request (two for a put or del that reads the key
 * first) against a running node, readable or `--json` output. `--r` applies
 * to every read (a write's read first too), `--w` to the write.
 */

import { connect, isRingkvError, type RingkvClient } from '@ringkv/client-sdk';
import type { DelCommand, GetCommand, PutCommand } from '../args.js';
import { parseJsonValue } from '../args.js';
import { CliError } from '../errors.js';
import { contextBytes, contextText, getJson, getText } from '../format.js';
import { defaultPort } from '../limits.js';
import type { Io } from '../io.js';
import { wsUrl } from '../url.js';

/** The node URL: the flag, else `$RINGKV_URL` (a port, host:port, ws:// or http:// URL), else the local default. */
export function nodeUrl(flag: string | undefined, env: Io['env']): string {
  if (flag !== undefined) return flag;
  if (!env.RINGKV_URL) return `ws://127.0.0.1:${defaultPort}`;
  const parsed = wsUrl(env.RINGKV_URL);
  if (!parsed.ok) throw new CliError('usage', `$RINGKV_URL "${env.RINGKV_URL}" ${parsed.why}`);
  return parsed.url;
}

/**
 * Connects for one command; an unreachable node is a `CliError('unreachable')`.
 * One-shot commands use `routing: 'any'` (one request does not pay for
 * opening a socket per node: the node forwards); bench with `--seeds` routes
 * token-aware.
 */
export async function connectCli(
  url: string | readonly string[],
  authToken: string | undefined,
  timeoutMs: number,
  inFlightMax?: number,
  batching = true,
  routing: 'any' | 'token-aware' = 'any',
): Promise<RingkvClient> {
  try {
    return await connect(url, {
      authToken,
      batching,
      routing,
      connectTimeoutMs: timeoutMs,
      requestTimeoutMs: timeoutMs,
      clientName: 'ringkv-cli',
      ...(inFlightMax === undefined ? {} : { inFlightMax }),
    });
  } catch (error) {
    if (isRingkvError(error) && error.code === 'not-connected') {
      throw new CliError('unreachable', `cannot reach a node at ${typeof url === 'string' ? url : url.join(', ')} (is one running? start one with: ringkv start)`, { cause: error });
    }
    throw error;
  }
}

/** Runs get, put or del and prints the result. */
export async function runKv(command: GetCommand | PutCommand | DelCommand, io: Io): Promise<void> {
  const url = nodeUrl(command.url, io.env);
  const client = await connectCli(url, command.authToken ?? (io.env.RINGKV_AUTH_TOKEN || undefined), command.timeoutMs);
  try {
    const readOpts = command.r === undefined ? {} : { r: command.r };
    if (command.kind === 'get') {
      const read = await client.get(command.key, readOpts);
      io.stdout(command.json ? getJson(command.key, read) : getText(read));
      return;
    }
    const context = await writeContext(client, command, readOpts);
    const writeOpts = { context, ...(command.w === undefined ? {} : { w: command.w }) };
    const result =
      command.kind === 'put'
        ? await client.put(command.key, command.jsonValue ? parseJsonValue(command.value) : command.value, writeOpts)
        : await client.delete(command.key, writeOpts);
    io.stdout(command.json ? JSON.stringify({ ok: true, context: contextText(result.context) }) : 'OK');
  } finally {
    await client.close();
  }
}

/**
 * The context a write supersedes: `--context`, none with `--blind`, else the
 * key's current one, read first. A failed read fails the command as the
 * put or del it is (nothing was written), saying how to go on.
 */
async function writeContext(client: RingkvClient, command: PutCommand | DelCommand, readOpts: { r?: PutCommand['r'] }): Promise<Uint8Array | undefined> {
  if (command.context !== undefined) return contextBytes(command.context);
  if (command.blind) return undefined;
  try {
    return (await client.get(command.key, readOpts)).context;
  } catch (error) {
    if (!isRingkvError(error)) throw error;
    const why = error.message.replace(/^client-sdk: get [^:]*: /, '');
    throw new CliError(
      'failed',
      `${command.kind} ${command.key}: reading the key's current version first failed, so nothing was written: ${why} [${error.code}]` +
        ` (give --r 1 to read fewer replicas, --context from a get, or --blind to write without reading)`,
      { cause: error },
    );
  }
}
