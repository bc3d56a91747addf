/**
 * The tokens a node accepts and what each may do (issue 16): the single
 * `authToken` of earlier versions (an `admin` token) and the entries of the
 * tokens file, reloaded when the file changes so tokens are added and
 * revoked without a restart.
 *
 * Invariants:
 *   1. `verify` compares in constant time and never logs or keeps the
 *      presented string; an unknown id, a malformed token and a wrong secret
 *      are the same `undefined`.
 *   2. A reload that fails to read or parse keeps the tokens in force (and
 *      reports the error): a half-written or mistyped file never locks
 *      everyone out or lets anyone in.
 *   3. After a reload, every token whose entry is gone or whose id, hash,
 *      role or prefix changed is reported through `onRevoked`, so the node
 *      closes the connections that presented it (within the watch
 *      interval). A change of rates only replaces the token's limiter.
 *   4. The grants of one token share one `RateLimiter` across connections.
 */
import { readFileSync, unwatchFile, watchFile } from 'node:fs';
import { NodeServerError } from '../errors.js';
import { secretsEqual } from './secrets.js';
import type { Grant } from './grant.js';
import { RateLimiter } from './rate-limiter.js';
import { parseTokensFile, secretMatches, splitToken, type TokenEntry } from './tokens-file.js';

/** The id under which the legacy `authToken` appears (metrics, logs, revocation). */
export const authTokenId = 'auth-token';

export interface TokenRegistryOptions {
  readonly authToken: string | undefined;
  readonly tokensFile: string | undefined;
  readonly nowMs: () => number;
  /** Invariant 3: ids whose connections must be closed. */
  readonly onRevoked: (ids: ReadonlySet<string>) => void;
  /** Invariant 2: a reload that failed; the old tokens stay. */
  readonly onReloadError: (error: Error) => void;
  /** A reload that took effect: how many tokens are in force. */
  readonly onReloaded?: (count: number) => void;
}

interface Held {
  readonly entry: TokenEntry;
  readonly grant: Grant;
}

export class TokenRegistry {
  private held = new Map<string, Held>();
  private readonly legacy: Grant | undefined;
  private watching = false;

  /** Reads the tokens file now; throws NodeServerError('invalid-option') if it is missing or malformed (a node must not start on a bad file). */
  constructor(private readonly o: TokenRegistryOptions) {
    this.legacy = o.authToken === undefined ? undefined : { tokenId: authTokenId, role: 'admin', prefix: undefined, limiter: undefined };
    if (o.tokensFile !== undefined) this.held = this.build(this.read(o.tokensFile));
  }

  /** True when clients must present a token (an `authToken` or a tokens file is configured). */
  get required(): boolean {
    return this.o.authToken !== undefined || this.o.tokensFile !== undefined;
  }

  /** Tokens in force from the file (not counting `authToken`). */
  get size(): number {
    return this.held.size;
  }

  /** Invariant 1: the grant of a presented token, or undefined. */
  verify(presented: unknown): Grant | undefined {
    if (typeof presented !== 'string') return undefined;
    if (this.legacy !== undefined && secretsEqual(this.o.authToken as string, presented)) return this.legacy;
    const parts = splitToken(presented);
    if (parts === undefined) return undefined;
    const held = this.held.get(parts.id);
    return held !== undefined && secretMatches(held.entry, parts.secret) ? held.grant : undefined;
  }

  /** Starts polling the tokens file every `intervalMs` (stat-based, so a rename over it is seen too). */
  watch(intervalMs: number): void {
    const path = this.o.tokensFile;
    if (path === undefined || this.watching) return;
    this.watching = true;
    watchFile(path, { interval: intervalMs, persistent: false }, () => this.reload());
  }

  /** Stops the polling. */
  close(): void {
    if (this.o.tokensFile !== undefined && this.watching) unwatchFile(this.o.tokensFile);
    this.watching = false;
  }

  /** Re-reads the tokens file (invariants 2 and 3). */
  reload(): void {
    const path = this.o.tokensFile;
    if (path === undefined) return;
    let entries: readonly TokenEntry[];
    try {
      entries = this.read(path);
    } catch (error) {
      this.o.onReloadError(error as Error);
      return;
    }
    const next = this.build(entries, this.held);
    const revoked = new Set<string>();
    for (const [id, old] of this.held) {
      const now = next.get(id);
      if (now === undefined || now.entry.sha256 !== old.entry.sha256 || now.entry.role !== old.entry.role || now.entry.prefix !== old.entry.prefix) revoked.add(id);
    }
    this.held = next;
    this.o.onReloaded?.(next.size);
    if (revoked.size > 0) this.o.onRevoked(revoked);
  }

  private read(path: string): readonly TokenEntry[] {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      throw new NodeServerError('invalid-option', `tokens file ${path} cannot be read: ${(error as Error).message}`, { cause: error });
    }
    return parseTokensFile(text, path).tokens;
  }

  /** Grants for `entries`, keeping each unchanged token's limiter (invariant 4). */
  private build(entries: readonly TokenEntry[], previous?: ReadonlyMap<string, Held>): Map<string, Held> {
    const out = new Map<string, Held>();
    for (const entry of entries) {
      const old = previous?.get(entry.id);
      const sameRates = old !== undefined && old.entry.requestsPerSec === entry.requestsPerSec && old.entry.bytesPerSec === entry.bytesPerSec;
      const limiter = sameRates
        ? old.grant.limiter
        : entry.requestsPerSec === undefined && entry.bytesPerSec === undefined
          ? undefined
          : new RateLimiter(entry.requestsPerSec, entry.bytesPerSec, this.o.nowMs());
      const prefix = entry.prefix === undefined ? undefined : new TextEncoder().encode(entry.prefix);
      out.set(entry.id, { entry, grant: { tokenId: entry.id, role: entry.role, prefix, limiter } });
    }
    return out;
  }
}
