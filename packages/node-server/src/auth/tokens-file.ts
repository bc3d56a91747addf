/**
 * The tokens file: the node's access tokens, each with a role, an optional
 * key prefix and optional rates, stored hashed. `ringkv token add|revoke|list`
 * edits it; a node started with `tokensFile` reloads it when it changes
 * (registry.ts).
 *
 *   { "version": 1, "tokens": [ { "id", "role", "sha256", "prefix"?,
 *     "requestsPerSec"?, "bytesPerSec"?, "name"?, "createdAt" } ] }
 *
 * A token as a client presents it is `rkv_<id>_<secret>`: `id` (16 hex
 * digits) names its entry, `secret` is 32 random bytes in base64url; only
 * SHA-256(secret) is stored.
 *
 * Invariants:
 *   1. The file never holds a secret: a stolen file does not let anyone in.
 *   2. `parseTokensFile` accepts exactly the format above (unknown fields,
 *      roles, duplicate ids or malformed hashes are refused with the entry
 *      named), so a typo never silently widens or drops a grant.
 *   3. Hashes are compared in constant time (`secretMatches`).
 *
 * Why SHA-256 and not scrypt: the secrets are 256 random bits minted here,
 * not passwords a person chose, so no dictionary or brute force can reach
 * them whatever the hash's cost; a slow KDF would only put tens of
 * milliseconds of CPU on every hello, a lever for anyone who can open
 * sockets. (GitHub and npm store their generated tokens the same way.)
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { NodeServerError } from '../errors.js';

/** What a token may do: `read` (get, ring), `write` (read + put, delete), `admin` (write + topology, repair, cleanup). */
export type Role = 'read' | 'write' | 'admin';

export const roles: readonly Role[] = ['read', 'write', 'admin'];

/** One entry of the tokens file. */
export interface TokenEntry {
  readonly id: string;
  readonly role: Role;
  /** Hex SHA-256 of the secret part. */
  readonly sha256: string;
  /** Keys this token may touch start with these UTF-8 bytes (absent: every key). */
  readonly prefix?: string;
  readonly requestsPerSec?: number;
  readonly bytesPerSec?: number;
  /** A label for people (`ringkv token list`). */
  readonly name?: string;
  readonly createdAt: string;
}

export interface TokensFile {
  readonly version: 1;
  readonly tokens: readonly TokenEntry[];
}

const idPattern = /^[0-9a-f]{16}$/;
const tokenPattern = /^rkv_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;
const entryFields = new Set(['id', 'role', 'sha256', 'prefix', 'requestsPerSec', 'bytesPerSec', 'name', 'createdAt']);

/** A new token: the entry to store and the string to give the user (shown once). */
export function mintToken(spec: { role: Role; prefix?: string; requestsPerSec?: number; bytesPerSec?: number; name?: string }, now: Date): { entry: TokenEntry; token: string } {
  const id = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  const entry: TokenEntry = {
    id,
    role: spec.role,
    sha256: sha256Hex(secret),
    ...(spec.prefix === undefined ? {} : { prefix: spec.prefix }),
    ...(spec.requestsPerSec === undefined ? {} : { requestsPerSec: spec.requestsPerSec }),
    ...(spec.bytesPerSec === undefined ? {} : { bytesPerSec: spec.bytesPerSec }),
    ...(spec.name === undefined ? {} : { name: spec.name }),
    createdAt: now.toISOString(),
  };
  checkEntry(entry, 'the new token');
  return { entry, token: `rkv_${id}_${secret}` };
}

/** The id and secret of a presented token string, or undefined if it is not of the `rkv_<id>_<secret>` form. */
export function splitToken(presented: string): { id: string; secret: string } | undefined {
  const m = tokenPattern.exec(presented);
  return m === null ? undefined : { id: m[1] as string, secret: m[2] as string };
}

/** Invariant 3: does `secret` hash to the entry's stored hash. */
export function secretMatches(entry: TokenEntry, secret: string): boolean {
  const given = createHash('sha256').update(secret).digest();
  const stored = Buffer.from(entry.sha256, 'hex');
  return stored.length === given.length && timingSafeEqual(stored, given);
}

/** Parses and validates a tokens file's text; throws NodeServerError('invalid-option') naming the problem (invariant 2). */
export function parseTokensFile(text: string, path: string): TokensFile {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw bad(path, `is not JSON (${(error as Error).message})`);
  }
  if (typeof raw !== 'object' || raw === null || (raw as { version?: unknown }).version !== 1 || !Array.isArray((raw as { tokens?: unknown }).tokens)) {
    throw bad(path, 'must be { "version": 1, "tokens": [...] }');
  }
  const seen = new Set<string>();
  const tokens = ((raw as { tokens: unknown[] }).tokens).map((e, i) => {
    const entry = checkEntry(e, `${path}: tokens[${i}]`);
    if (seen.has(entry.id)) throw bad(path, `tokens[${i}]: duplicate id ${entry.id}`);
    seen.add(entry.id);
    return entry;
  });
  return { version: 1, tokens };
}

/** The file's text for `tokens` (stable field order, one entry per line block). */
export function formatTokensFile(tokens: readonly TokenEntry[]): string {
  return `${JSON.stringify({ version: 1, tokens }, null, 2)}\n`;
}

function checkEntry(e: unknown, where: string): TokenEntry {
  if (typeof e !== 'object' || e === null || Array.isArray(e)) throw new NodeServerError('invalid-option', `${where} must be an object`);
  const o = e as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!entryFields.has(k)) throw new NodeServerError('invalid-option', `${where}: unknown field ${JSON.stringify(k)}`);
  if (typeof o['id'] !== 'string' || !idPattern.test(o['id'])) throw new NodeServerError('invalid-option', `${where}: id must be 16 hex digits`);
  if (!roles.includes(o['role'] as Role)) throw new NodeServerError('invalid-option', `${where}: role must be read, write or admin, got ${JSON.stringify(o['role'])}`);
  if (typeof o['sha256'] !== 'string' || !/^[0-9a-f]{64}$/.test(o['sha256'])) throw new NodeServerError('invalid-option', `${where}: sha256 must be 64 hex digits`);
  if (o['prefix'] !== undefined && (typeof o['prefix'] !== 'string' || o['prefix'].length === 0)) throw new NodeServerError('invalid-option', `${where}: prefix must be a non-empty string`);
  for (const rate of ['requestsPerSec', 'bytesPerSec']) {
    const v = o[rate];
    if (v !== undefined && !(typeof v === 'number' && Number.isFinite(v) && v > 0)) throw new NodeServerError('invalid-option', `${where}: ${rate} must be a positive number`);
  }
  if (o['name'] !== undefined && typeof o['name'] !== 'string') throw new NodeServerError('invalid-option', `${where}: name must be a string`);
  if (typeof o['createdAt'] !== 'string') throw new NodeServerError('invalid-option', `${where}: createdAt must be an ISO date string`);
  return o as unknown as TokenEntry;
}

function sha256Hex(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

function bad(path: string, what: string): NodeServerError {
  return new NodeServerError('invalid-option', `tokens file ${path} ${what}`);
}
