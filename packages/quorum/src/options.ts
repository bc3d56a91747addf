/**
 * Request options: cluster defaults, per-request overrides, and their validation.
 *
 * Invariants:
 *   1. A resolved request has 1 ≤ N ≤ nMax, an R (reads) or W (writes) that is
 *      an integer in [1, N] or a named level (level.ts; resolved against the
 *      key's replicas when the request is planned), a mode of
 *      'sloppy' | 'strict', and 1 ≤ timeoutMs ≤ requestTimeoutMsMax.
 *   2. Anything else throws QuorumError('invalid-argument') before any replica
 *      is contacted.
 */
import { QuorumError } from './errors.js';
import { isNamedLevel, namedLevels, type Level } from './level.js';
import * as limits from './limits.js';

/** Sloppy: stand-ins replace down primaries and hold hints. Strict: only true primaries count. */
export type QuorumMode = 'sloppy' | 'strict';

/** Cluster defaults; each field may be overridden per request. */
export interface QuorumDefaults {
  readonly n?: number;
  readonly r?: number;
  readonly w?: number;
  readonly mode?: QuorumMode;
  readonly timeoutMs?: number;
}

/** Per-request overrides of a read. */
export interface ReadOptions {
  readonly n?: number;
  /** A count in [1, N] or a named level (`'local-quorum'`…). */
  readonly r?: Level;
  readonly mode?: QuorumMode;
  readonly timeoutMs?: number;
}

/** Per-request overrides of a write (put or delete). */
export interface WriteOptions {
  readonly n?: number;
  /** A count in [1, N] or a named level (`'local-quorum'`…). */
  readonly w?: Level;
  readonly mode?: QuorumMode;
  readonly timeoutMs?: number;
}

/** A validated read. */
export interface ResolvedRead {
  readonly n: number;
  readonly r: Level;
  readonly mode: QuorumMode;
  readonly timeoutMs: number;
}

/** A validated write. */
export interface ResolvedWrite {
  readonly n: number;
  readonly w: Level;
  readonly mode: QuorumMode;
  readonly timeoutMs: number;
}

/** Checks cluster defaults on their own (at construction), so a bad config fails at start, not on the first request. */
export function checkDefaults(defaults: QuorumDefaults): Required<QuorumDefaults> {
  const n = defaults.n ?? limits.nDefault;
  const resolved = {
    n,
    r: defaults.r ?? Math.min(limits.rDefault, n),
    w: defaults.w ?? Math.min(limits.wDefault, n),
    mode: defaults.mode ?? 'sloppy',
    timeoutMs: defaults.timeoutMs ?? limits.requestTimeoutMsDefault,
  };
  // Explicit r/w so that defaults above N are refused, not clamped as a lone N override would be.
  resolveRead(resolved, { r: resolved.r });
  resolveWrite(resolved, { w: resolved.w });
  return resolved;
}

/** Defaults overridden by `options`, validated (invariant 1). */
export function resolveRead(defaults: Required<QuorumDefaults>, options: ReadOptions): ResolvedRead {
  const n = checkN(options.n ?? defaults.n);
  // An override of N alone keeps the default R when it still fits, else clamps it to N.
  const r = checkLevel('r', options.r ?? Math.min(defaults.r, n), n);
  return { n, r, mode: checkMode(options.mode ?? defaults.mode), timeoutMs: checkTimeout(options.timeoutMs ?? defaults.timeoutMs) };
}

/** Defaults overridden by `options`, validated (invariant 1). */
export function resolveWrite(defaults: Required<QuorumDefaults>, options: WriteOptions): ResolvedWrite {
  const n = checkN(options.n ?? defaults.n);
  const w = checkLevel('w', options.w ?? Math.min(defaults.w, n), n);
  return { n, w, mode: checkMode(options.mode ?? defaults.mode), timeoutMs: checkTimeout(options.timeoutMs ?? defaults.timeoutMs) };
}

function checkN(n: unknown): number {
  if (!Number.isInteger(n) || (n as number) < 1 || (n as number) > limits.nMax) {
    throw new QuorumError('invalid-argument', `n must be an integer in [1, ${limits.nMax}], got ${String(n)}`);
  }
  return n as number;
}

function checkLevel(name: 'r' | 'w', value: unknown, n: number): Level {
  if (isNamedLevel(value)) return value;
  if (typeof value === 'string') throw new QuorumError('invalid-argument', `${name} must be a count or one of ${namedLevels.join(', ')}, got ${JSON.stringify(value.slice(0, 40))}`);
  return checkCount(name, value, n);
}

function checkCount(name: 'r' | 'w', value: unknown, n: number): number {
  if (!Number.isInteger(value) || (value as number) < 1 || (value as number) > n) {
    throw new QuorumError('invalid-argument', `${name} must be an integer in [1, n=${n}], got ${String(value)}`);
  }
  return value as number;
}

function checkMode(mode: unknown): QuorumMode {
  if (mode !== 'sloppy' && mode !== 'strict') {
    throw new QuorumError('invalid-argument', `mode must be 'sloppy' or 'strict', got ${String(mode)}`);
  }
  return mode;
}

function checkTimeout(ms: unknown): number {
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 1 || ms > limits.requestTimeoutMsMax) {
    throw new QuorumError('invalid-argument', `timeoutMs must be a number in [1, ${limits.requestTimeoutMsMax}], got ${String(ms)}`);
  }
  return ms;
}
