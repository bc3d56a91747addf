/**
 * Checks of caller input, so mistakes fail before anything is sent: every
 * argument of a public call is checked here and a mistake is a
 * `RingkvError` `invalid-argument` (or `key-too-large`), never a TypeError
 * from deeper down.
 */

import { isWellFormedUtf16, replicasMax, ttlMsMax, utf8ByteLength, type Key } from '@ringkv/protocol';
import { RingkvError } from './errors.js';

/** `key-too-large` or `invalid-argument` for a key the node would refuse, else undefined. */
export function checkKey(key: Key, keyBytesMax: number): RingkvError | undefined {
  if (typeof key !== 'string' && !(key instanceof Uint8Array)) {
    return new RingkvError('invalid-argument', `a key must be a string or a Uint8Array, got ${describeArg(key)}`);
  }
  // An ASCII key (the usual one) is its own UTF-8 and well-formed: one pass instead of two.
  const ascii = typeof key === 'string' && isAscii(key);
  const bytes = typeof key !== 'string' ? key.byteLength : ascii ? key.length : utf8ByteLength(key);
  if (bytes === 0) return new RingkvError('invalid-argument', 'a key must not be empty');
  if (bytes > keyBytesMax) return new RingkvError('key-too-large', `key of ${bytes} bytes exceeds keyBytesMax ${keyBytesMax}`);
  if (typeof key === 'string' && !ascii && !isWellFormedUtf16(key)) {
    return new RingkvError('invalid-argument', 'a key must be well-formed Unicode (it holds a lone surrogate, which UTF-8 cannot carry)');
  }
  return undefined;
}

/**
 * Throws `invalid-argument` when `opts` is not undefined or an object whose
 * known fields have the right types: `r`/`w` a level or a count 1…64,
 * `timeoutMs` a positive integer (range checked later), `receipt` a boolean,
 * `context` (writes) a Uint8Array, `retries` (update) a number, and with
 * `conditions` the ttl and condition options of a put or delete. `call`
 * names the call in the message.
 */
export function checkRequestOpts(call: string, opts: unknown, fields: { context?: boolean; retries?: boolean; conditions?: 'put' | 'delete' } = {}): void {
  if (opts === undefined) return;
  if (typeof opts !== 'object' || opts === null || Array.isArray(opts)) {
    throw new RingkvError('invalid-argument', `${call}: options must be an object, got ${describeArg(opts)}`);
  }
  const o = opts as Record<string, unknown>;
  checkLevel(call, 'r', o.r);
  checkLevel(call, 'w', o.w);
  if (o.timeoutMs !== undefined && typeof o.timeoutMs !== 'number') {
    throw new RingkvError('invalid-argument', `${call}: timeoutMs must be a number, got ${describeArg(o.timeoutMs)}`);
  }
  if (o.receipt !== undefined && typeof o.receipt !== 'boolean') {
    throw new RingkvError('invalid-argument', `${call}: receipt must be a boolean, got ${describeArg(o.receipt)}`);
  }
  if (fields.context === true && o.context !== undefined && !(o.context instanceof Uint8Array)) {
    throw new RingkvError('invalid-argument', `${call}: context must be the Uint8Array a get returned, got ${describeArg(o.context)}`);
  }
  if (fields.conditions !== undefined) checkConditions(call, o, fields.conditions);
  if (fields.retries === true && o.retries !== undefined && typeof o.retries !== 'number') {
    throw new RingkvError('invalid-argument', `${call}: retries must be a number, got ${describeArg(o.retries)}`);
  }
}

/** `ttl` (puts) an integer in [1, ttlMsMax]; `ifAbsent` (puts) and `ifMatch` booleans, not both; `ifMatch` only with a context. */
function checkConditions(call: string, o: Record<string, unknown>, op: 'put' | 'delete'): void {
  if (op === 'delete' && (o.ttl !== undefined || o.ifAbsent !== undefined)) throw new RingkvError('invalid-argument', `${call}: a delete takes no ttl and no ifAbsent`);
  if (o.ttl !== undefined && (typeof o.ttl !== 'number' || !Number.isInteger(o.ttl) || o.ttl < 1 || o.ttl > ttlMsMax)) {
    throw new RingkvError('invalid-argument', `${call}: ttl must be an integer number of ms in [1, ${ttlMsMax}], got ${describeArg(o.ttl)}`);
  }
  for (const name of ['ifAbsent', 'ifMatch'] as const) {
    if (o[name] !== undefined && typeof o[name] !== 'boolean') throw new RingkvError('invalid-argument', `${call}: ${name} must be a boolean, got ${describeArg(o[name])}`);
  }
  if (o.ifAbsent === true && o.ifMatch === true) throw new RingkvError('invalid-argument', `${call}: ifAbsent and ifMatch cannot be combined`);
  if (o.ifMatch === true && o.context === undefined) throw new RingkvError('invalid-argument', `${call}: ifMatch needs the context of the read it matches`);
}

function checkLevel(call: string, name: 'r' | 'w', level: unknown): void {
  if (level === undefined || level === 'one' || level === 'quorum' || level === 'all') return;
  if (typeof level !== 'number' || !Number.isInteger(level) || level < 1 || level > replicasMax) {
    throw new RingkvError('invalid-argument', `${call}: ${name} must be 'one', 'quorum', 'all' or an integer in 1…${replicasMax}, got ${describeArg(level)}`);
  }
}

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) >= 0x80) return false;
  return true;
}

/** A caller's argument for a message: its type and, for primitives, its value. */
export function describeArg(x: unknown): string {
  if (x === null) return 'null';
  if (typeof x === 'string') return JSON.stringify(x.length > 40 ? `${x.slice(0, 37)}...` : x);
  if (typeof x === 'number' || typeof x === 'boolean' || typeof x === 'bigint') return `${typeof x} ${String(x)}`;
  if (typeof x === 'object') return Array.isArray(x) ? 'an array' : `an object (${(x as object).constructor?.name ?? 'null prototype'})`;
  return typeof x;
}

/** `n` if it is an integer in 1…max, else throws `invalid-argument` naming the option. */
export function checkPositiveInt(n: number, name: string, max: number): number {
  if (!Number.isInteger(n) || n < 1 || n > max) {
    throw new RingkvError('invalid-argument', `${name} must be an integer in 1…${max}, got ${String(n)}`);
  }
  return n;
}

/** The seed list as URLs, or throws `invalid-argument`. */
export function checkSeeds(seeds: string | readonly string[]): string[] {
  if (typeof seeds !== 'string' && !Array.isArray(seeds)) {
    throw new RingkvError('invalid-argument', `connect: seeds must be a ws:// URL or an array of them, got ${describeArg(seeds)}`);
  }
  const list: unknown[] = typeof seeds === 'string' ? [seeds] : [...(seeds as readonly unknown[])];
  if (list.length === 0) throw new RingkvError('invalid-argument', 'connect needs at least one seed URL');
  for (const seed of list) {
    if (typeof seed !== 'string' || !/^(wss?|tcp):\/\/[^/\s]+/.test(seed)) {
      throw new RingkvError('invalid-argument', `seed ${JSON.stringify(seed)} is not a ws://, wss:// or tcp:// URL`);
    }
  }
  return list as string[];
}
