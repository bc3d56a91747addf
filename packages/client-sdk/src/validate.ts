/** Checks of caller input, so mistakes fail before anything is sent. */

import { utf8ByteLength, type Key } from '@ringkv/protocol';
import { RingkvError } from './errors.js';

/** `key-too-large` or `invalid-argument` for a key the node would refuse, else undefined. */
export function checkKey(key: Key, keyBytesMax: number): RingkvError | undefined {
  if (typeof key !== 'string' && !(key instanceof Uint8Array)) {
    return new RingkvError('invalid-argument', 'a key must be a string or a Uint8Array');
  }
  const bytes = typeof key === 'string' ? utf8ByteLength(key) : key.byteLength;
  if (bytes > keyBytesMax) return new RingkvError('key-too-large', `key of ${bytes} bytes exceeds keyBytesMax ${keyBytesMax}`);
  return undefined;
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
  const list = typeof seeds === 'string' ? [seeds] : [...seeds];
  if (list.length === 0) throw new RingkvError('invalid-argument', 'connect needs at least one seed URL');
  for (const seed of list) {
    if (typeof seed !== 'string' || !/^wss?:\/\/[^/\s]+/.test(seed)) {
      throw new RingkvError('invalid-argument', `seed ${JSON.stringify(seed)} is not a ws:// or wss:// URL`);
    }
  }
  return list;
}
