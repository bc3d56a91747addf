/**
 * `ringkv get|put|del`: one request (two for a put or del that reads the key
 * first) against a running node, readable or `--json` output. `--r` applies
 * to every read (a write's read first too), `--w` to the write.
 */

import { connect, isRingkvError, type RingkvClient } from '@ringkv/client-sdk';
import type { DelCommand, GetCommand, PutCommand } from '../args.js';
import { parseJsonValue } from '../args.js';
import { CliError } from '../errors.js';
import { readFile } from 'node:fs/promises';
import { contextBytes, contextText, getJson, getText, valueText } from '../format.js';
import { defaultPort, valueInputBytesMax } from '../limits.js';
import type { Io } from '../io.js';
import { wsUrl } from '../url.js';
import { readSourceBytes, sourceName } from './input-source.js';
import { cliCa } from '../tls-client.js';

/** The node URL: the flag, else `$RINGKV_URL` (a port, host:port, ws://, tcp:// or http:// URL), else the local default. */
export function nodeUrl(flag: string | undefined, env: Io['env']): string {
  if (flag !== undefined) return flag;
  if (!env.RINGKV_URL) return `ws://127.0.0.1:${defaultPort}`;
  const parsed = wsUrl(env.RINGKV_URL, true);
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
  transport?: 'tcp' | 'websocket',
  dc?: string,
): Promise<RingkvClient> {
  try {
    const ca = cliCa();
    return await connect(url, {
      ...(transport === undefined ? {} : { transport }),
      // A data center is chosen by the ring, so --dc routes token-aware (inside that DC).
      ...(dc === undefined ? {} : { dc, routing: 'token-aware' as const }),
      ...(ca === undefined ? {} : { ca }),
      authToken,
      batching,
      ...(dc === undefined ? { routing } : {}),
      connectTimeoutMs: timeoutMs,
      requestTimeoutMs: timeoutMs,
      clientName: 'ringkv-cli',
      ...(inFlightMax === undefined ? {} : { inFlightMax }),
    });
  } catch (error) {
    if (isRingkvError(error) && error.code === 'not-connected') {
      const tls = tlsProblem(error.message);
      if (tls !== undefined) throw new CliError('unreachable', `cannot connect to ${typeof url === 'string' ? url : url.join(', ')}: ${tls}`, { cause: error });
      throw new CliError('unreachable', `cannot reach a node at ${typeof url === 'string' ? url : url.join(', ')} (is one running? start one with: ringkv start)`, { cause: error });
    }
    throw error;
  }
}

/** What went wrong with TLS, from the SDK's connect error, or undefined when it was something else. */
function tlsProblem(message: string): string | undefined {
  if (/certificate|self.signed|unable to verify/i.test(message)) return `the node's TLS certificate did not verify (${/\(code \d+, ([^)]*)\)/.exec(message)?.[1] ?? 'untrusted'}): give the cluster CA with --tls-ca FILE or $RINGKV_TLS_CA`;
  if (/server response: 426/.test(message)) return 'the node serves TLS only: use a wss:// or tls:// URL (and --tls-ca)';
  return undefined;
}

/** Runs get, put or del and prints the result. */
export async function runKv(command: GetCommand | PutCommand | DelCommand, io: Io): Promise<void> {
  const url = nodeUrl(command.url, io.env);
  const client = await connectCli(url, command.authToken ?? (io.env.RINGKV_AUTH_TOKEN || undefined), command.timeoutMs, undefined, true, 'any', undefined, command.dc);
  try {
    const readOpts = command.r === undefined ? {} : { r: command.r };
    if (command.kind === 'get') {
      const read = await client.get(command.key, readOpts);
      if (command.raw === true) return writeRaw(command.key, read.values, io);
      io.stdout(command.json ? getJson(command.key, read) : getText(read));
      return;
    }
    const value = command.kind === 'put' ? await putValue(command, io) : undefined;
    // --if-absent reads nothing first: the node writes with the context of its own check.
    const context = command.kind === 'put' && command.ifAbsent ? undefined : await writeContext(client, command, readOpts);
    const writeOpts = { context, ...(command.w === undefined ? {} : { w: command.w }), ...(command.ifMatch ? { ifMatch: true } : {}) };
    const result = await conditional(command, () =>
      command.kind === 'put'
        ? client.put(command.key, value, { ...writeOpts, ...(command.ttlMs === undefined ? {} : { ttl: command.ttlMs }), ...(command.ifAbsent ? { ifAbsent: true } : {}) })
        : client.delete(command.key, writeOpts),
    );
    io.stdout(command.json ? JSON.stringify({ ok: true, context: contextText(result.context) }) : 'OK');
  } finally {
    await client.close();
  }
}

/**
 * The value a put stores: the argument (parsed with `--json-value`), or the
 * bytes of standard input or a file, byte for byte: valid UTF-8 as a string
 * (as if typed), anything else as raw bytes, never replaced by U+FFFD. With
 * `--json-value` the bytes must be UTF-8 JSON.
 */
export async function putValue(command: PutCommand, io: Io, readFile: (path: string) => Promise<Uint8Array> = readFileBytes): Promise<unknown> {
  const source = command.value;
  if (source.from === 'arg') return command.jsonValue ? parseJsonValue(source.text) : source.text;
  const where = sourceName(source);
  let bytes: Uint8Array;
  try {
    bytes = await readSourceBytes(source, io, valueInputBytesMax, readFile);
  } catch (error) {
    throw new CliError('failed', `put: cannot read the value from ${where}: ${(error as Error).message}`, { cause: error });
  }
  if (bytes.byteLength > valueInputBytesMax) throw new CliError('failed', `put: ${where} holds ${bytes.byteLength} bytes, more than ${valueInputBytesMax}`);
  const text = utf8Text(bytes);
  if (!command.jsonValue) return text ?? bytes;
  if (text === undefined) throw new CliError('usage', `put: --json-value: ${where} is not UTF-8 text`);
  return parseJsonValue(text);
}

/** `bytes` as a string if they are valid UTF-8, else undefined (never a lossy decode). */
function utf8Text(bytes: Uint8Array): string | undefined {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

async function readFileBytes(path: string): Promise<Uint8Array> {
  const buffer = await readFile(path);
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

/** `get --raw`: the single value's bytes as they are; a missing key or siblings fail (there is no one value to write). */
function writeRaw(key: string, values: readonly unknown[], io: Io): void {
  if (values.length !== 1) {
    throw new CliError('failed', values.length === 0 ? `get ${key}: not found` : `get ${key}: ${values.length} siblings; --raw needs one value (resolve them with put --context)`);
  }
  const v = values[0];
  const bytes = v instanceof Uint8Array ? v : typeof v === 'string' ? new TextEncoder().encode(v) : new TextEncoder().encode(valueText(v));
  if (io.stdoutBytes === undefined) throw new CliError('failed', 'get --raw: no byte output here');
  io.stdoutBytes(bytes);
}

/** Runs a write; a refused condition fails the command (exit 1) naming the key's current versions and the context to retry with. */
async function conditional<R>(command: PutCommand | DelCommand, write: () => Promise<R>): Promise<R> {
  try {
    return await write();
  } catch (error) {
    if (!isRingkvError(error) || error.code !== 'condition-failed' || error.current === undefined) throw error;
    const current = error.current;
    const versions = current.values.length === 0 ? 'no value' : current.values.map((v) => valueText(v)).join(', ');
    throw new CliError(
      'failed',
      `${command.kind} ${command.key}: condition failed, nothing was written [condition-failed]; the key holds ${versions} (context ${contextText(current.context)})`,
      { cause: error },
    );
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
