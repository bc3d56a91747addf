/**
 * `ringkv token add|revoke|list`: edits a tokens file (node-server
 * auth/tokens-file.ts). Nodes started with `--tokens-file` on that file see
 * the change within a second and close the connections of revoked tokens.
 * The file lives with each node: copy it to every node (or share it) the
 * way `--cluster-secret` is shared.
 *
 * Invariants:
 *   1. A new token's secret is printed once, on stdout, and never written
 *      anywhere: the file keeps only its SHA-256.
 *   2. The file is replaced atomically (written beside it, then renamed), with
 *      mode 0600, so a node polling it never reads half a file.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { formatTokensFile, isNodeServerError, mintToken, parseTokensFile, roles, type Role, type TokenEntry } from '@ringkv/node-server';
import { CliError } from '../errors.js';
import { parseFlags } from '../parse-flags.js';
import type { Io } from '../io.js';

export interface TokenCommand {
  readonly kind: 'token';
  readonly action: 'add' | 'revoke' | 'list';
  /** `--file`; undefined: `$RINGKV_TOKENS_FILE` at run time. */
  readonly file: string | undefined;
  readonly json: boolean;
  /** `add` */
  readonly role?: Role;
  readonly prefix?: string;
  readonly requestsPerSec?: number;
  readonly bytesPerSec?: number;
  readonly name?: string;
  /** `revoke` */
  readonly id?: string;
}

export const tokenUsage = `ringkv token add --role ROLE [options] | revoke ID | list   (all with --file FILE)
Manages the tokens of nodes started with --tokens-file FILE: each token has a role (read: get;
write: read + put, delete; admin: write + leave, remove, cleanup, repair), optionally a key prefix
it is limited to and rates; the file keeps only a hash of each. Nodes reload the file within a
second and close the connections of revoked tokens.
  --file FILE          the tokens file (default $RINGKV_TOKENS_FILE); add creates it
  --role ROLE          add: read | write | admin
  --prefix P           add: the token may touch only keys starting with P
  --rps N              add: requests per second (token bucket; over it: rate-limited)
  --bytes-per-sec N    add: request bytes per second
  --name LABEL         add: a label shown by list
  --json               machine-readable output
add prints the token once (rkv_<id>_<secret>): give it to the client (--token, $RINGKV_AUTH_TOKEN,
or connect(url, { authToken })).`;

const options = {
  file: { type: 'string' },
  role: { type: 'string' },
  prefix: { type: 'string' },
  rps: { type: 'string' },
  'bytes-per-sec': { type: 'string' },
  name: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Parses `ringkv token …`; `help` when asked. Throws CliError('usage'). */
export function parseToken(args: readonly string[]): TokenCommand | { kind: 'help'; text: string } {
  const { values, positionals } = parseFlags('token', args, options);
  if (values.help) return { kind: 'help', text: tokenUsage };
  const [action, ...rest] = positionals;
  if (action !== 'add' && action !== 'revoke' && action !== 'list') throw new CliError('usage', `token: expected add, revoke or list, got ${action === undefined ? 'nothing' : `"${action}"`} (try: ringkv token --help)`);
  const file = values.file;
  const json = values.json ?? false;
  const addOnly = ['role', 'prefix', 'rps', 'bytes-per-sec', 'name'] as const;
  if (action !== 'add') {
    const stray = addOnly.find((f) => values[f] !== undefined);
    if (stray !== undefined) throw new CliError('usage', `token ${action}: --${stray} is for token add`);
  }
  if (action === 'list') {
    if (rest.length > 0) throw new CliError('usage', `token list: unexpected argument "${rest[0]}"`);
    return { kind: 'token', action, file, json };
  }
  if (action === 'revoke') {
    if (rest.length !== 1) throw new CliError('usage', 'token revoke: give exactly one token ID (see ringkv token list)');
    return { kind: 'token', action, file, json, id: rest[0] as string };
  }
  if (rest.length > 0) throw new CliError('usage', `token add: unexpected argument "${rest[0]}"`);
  const role = values.role;
  if (!roles.includes(role as Role)) throw new CliError('usage', `token add: --role must be read, write or admin${role === undefined ? '' : `, got "${role}"`}`);
  return {
    kind: 'token',
    action,
    file,
    json,
    role: role as Role,
    ...(values.prefix === undefined ? {} : { prefix: nonEmpty('--prefix', values.prefix) }),
    ...(values.rps === undefined ? {} : { requestsPerSec: positive('--rps', values.rps) }),
    ...(values['bytes-per-sec'] === undefined ? {} : { bytesPerSec: positive('--bytes-per-sec', values['bytes-per-sec']) }),
    ...(values.name === undefined ? {} : { name: values.name }),
  };
}

/** Runs it: prints the new token, the revoked id, or the list. */
export function runToken(command: TokenCommand, io: Io): void {
  const file = command.file ?? (io.env.RINGKV_TOKENS_FILE || undefined);
  if (file === undefined) throw new CliError('usage', 'token: --file FILE is required (or set $RINGKV_TOKENS_FILE)');
  const tokens = readTokens(file, command.action === 'add');
  if (command.action === 'list') {
    io.stdout(command.json ? JSON.stringify(tokens.map(publicView)) : listText(tokens));
    return;
  }
  if (command.action === 'revoke') {
    const left = tokens.filter((t) => t.id !== command.id);
    if (left.length === tokens.length) throw new CliError('rejected', `token revoke: no token ${command.id} in ${file} (see ringkv token list)`);
    writeTokens(file, left);
    io.stdout(command.json ? JSON.stringify({ revoked: command.id }) : `revoked ${command.id}: nodes watching ${file} close its connections within a second`);
    return;
  }
  const spec = {
    role: command.role as Role,
    ...(command.prefix === undefined ? {} : { prefix: command.prefix }),
    ...(command.requestsPerSec === undefined ? {} : { requestsPerSec: command.requestsPerSec }),
    ...(command.bytesPerSec === undefined ? {} : { bytesPerSec: command.bytesPerSec }),
    ...(command.name === undefined ? {} : { name: command.name }),
  };
  const { entry, token } = mintToken(spec, new Date());
  writeTokens(file, [...tokens, entry]);
  if (command.json) io.stdout(JSON.stringify({ ...publicView(entry), token }));
  else {
    io.stdout(token);
    io.stderr(`added token ${entry.id} (${entry.role}${entry.prefix === undefined ? '' : `, keys ${JSON.stringify(entry.prefix)}*`}) to ${file}; it is shown only this once`);
  }
}

function readTokens(file: string, mayCreate: boolean): TokenEntry[] {
  if (!existsSync(file)) {
    if (mayCreate) return [];
    throw new CliError('failed', `token: ${file} does not exist (token add creates it)`);
  }
  try {
    return [...parseTokensFile(readFileSync(file, 'utf8'), file).tokens];
  } catch (error) {
    if (isNodeServerError(error)) throw new CliError('config', `token: ${error.message.replace(/^node-server: /, '')}`, { cause: error });
    throw new CliError('failed', `token: cannot read ${file}: ${(error as Error).message}`, { cause: error });
  }
}

function writeTokens(file: string, tokens: readonly TokenEntry[]): void {
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, formatTokensFile(tokens), { mode: 0o600 });
  renameSync(tmp, file);
}

function publicView(t: TokenEntry): Omit<TokenEntry, 'sha256'> {
  const { sha256: _hash, ...rest } = t;
  return rest;
}

function listText(tokens: readonly TokenEntry[]): string {
  if (tokens.length === 0) return 'no tokens';
  const rows = tokens.map((t) => [t.id, t.role, t.prefix ?? '*', t.requestsPerSec === undefined ? '-' : String(t.requestsPerSec), t.bytesPerSec === undefined ? '-' : String(t.bytesPerSec), t.createdAt, t.name ?? '']);
  const head = ['ID', 'ROLE', 'PREFIX', 'RPS', 'BYTES/S', 'CREATED', 'NAME'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => c.padEnd(widths[i] as number)).join('  ').trimEnd();
  return [line(head), ...rows.map(line)].join('\n');
}

function nonEmpty(flag: string, text: string): string {
  if (text.length === 0) throw new CliError('usage', `token add: ${flag} must not be empty`);
  return text;
}

function positive(flag: string, text: string): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) throw new CliError('usage', `token add: ${flag} must be a positive number, got "${text}"`);
  return n;
}
