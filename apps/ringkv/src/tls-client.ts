/**
 * The cluster CA of the CLI's client and admin commands (`--tls-ca FILE`,
 * else `$RINGKV_TLS_CA`): every command but `start` and `dev` takes it, so
 * it is read once, before the command's own flags are parsed, and used for
 * both the SDK's connections (`connect(url, { ca })`) and `fetch` to the
 * node's https endpoints (status, backup, token, plan, repair, …).
 *
 * Gotcha: `fetch` (Node's bundled undici) takes no CA per request; the CA
 * replaces the trust of the process's global fetch dispatcher. The CLI
 * process talks to ringkv nodes only, so that is the CA they are signed by.
 */
import { readFileSync } from 'node:fs';
import { CliError } from './errors.js';
import type { Io } from './io.js';

let cliCaPem: Buffer | undefined;

/** The CA the command runs with (undefined: Node's trust store). */
export function cliCa(): Buffer | undefined {
  return cliCaPem;
}

/**
 * Takes `--tls-ca FILE` (or `--tls-ca=FILE`) out of `argv`, else reads
 * `$RINGKV_TLS_CA`; reads the file and makes it the CA of the SDK and of
 * `fetch`. Returns the other arguments. Throws `CliError('usage')` for a
 * missing value or an unreadable file. `start` and `dev` are left alone
 * (start's `--tls-ca` is the node's own).
 */
export async function takeTlsCa(argv: readonly string[], env: Io['env']): Promise<readonly string[]> {
  if (argv[0] === 'start' || argv[0] === 'dev') return argv;
  const rest: string[] = [];
  let file: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') {
      rest.push(...argv.slice(i));
      break;
    }
    if (arg === '--tls-ca') {
      file = argv[++i];
      if (file === undefined || file === '') throw new CliError('usage', `${argv[0] ?? 'ringkv'}: --tls-ca needs a file (the cluster CA, PEM)`);
    } else if (arg.startsWith('--tls-ca=')) file = arg.slice('--tls-ca='.length);
    else rest.push(arg);
  }
  file ??= env.RINGKV_TLS_CA || undefined;
  if (file === undefined) return rest;
  try {
    cliCaPem = readFileSync(file);
  } catch (error) {
    throw new CliError('usage', `${argv[0] ?? 'ringkv'}: cannot read the CA file ${file} (--tls-ca or $RINGKV_TLS_CA): ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, { cause: error });
  }
  await trustForFetch(cliCaPem);
  return rest;
}

const dispatcherKey = Symbol.for('undici.globalDispatcher.1');

/**
 * Makes `ca` the trust of the global `fetch`: a new dispatcher of the
 * class Node's fetch installed (undici's Agent) with `connect.ca`. One
 * `data:` fetch loads Node's lazily loaded undici first (no I/O).
 */
export async function trustForFetch(ca: Buffer): Promise<void> {
  await fetch('data:,').catch(() => undefined);
  const slot = globalThis as unknown as Record<symbol, unknown>;
  const Agent = (slot[dispatcherKey] as { constructor?: unknown } | undefined)?.constructor;
  if (typeof Agent !== 'function') throw new CliError('failed', 'this Node has no fetch dispatcher to give the CA to; set NODE_EXTRA_CA_CERTS=<ca file> instead');
  slot[dispatcherKey] = new (Agent as new (options: unknown) => unknown)({ connect: { ca } });
}
