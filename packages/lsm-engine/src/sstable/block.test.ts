import { describe, expect, it } from 'vitest';
import { isLsmError } from '../errors.js';
import { KIND_PUT } from '../format/internal.js';
import { Block, BlockBuilder } from './block.js';

const enc = (s: string) => new TextEncoder().encode(s);

function corruptionOf(f: () => void): string {
  try {
    f();
  } catch (error) {
    expect(isLsmError(error) && error.code === 'corruption', String(error)).toBe(true);
    return (error as Error).message;
  }
  throw new Error('expected a corruption error');
}

describe('Block', () => {
  it('prefix-compresses keys between restart points and restores them on read', () => {
    const b = new BlockBuilder(4);
    const keys = Array.from({ length: 10 }, (_, i) => enc(`user/${String(i).padStart(3, '0')}`));
    for (const k of keys) b.add(k, 1, KIND_PUT, enc('v'));
    const data = b.finish().slice();
    const plainBytes = keys.reduce((n, k) => n + k.length, 0);
    expect(data.length).toBeLessThan(plainBytes + 10 * 6); // shared prefixes are not stored again
    const it = new Block(data, 'test').iterator();
    const seen: string[] = [];
    for (it.seekToFirst(); it.valid(); it.next()) seen.push(new TextDecoder().decode(it.key()));
    expect(seen).toEqual(keys.map((k) => new TextDecoder().decode(k)));
    expect(new Block(data, 'test').numRestarts).toBe(3); // entries 0, 4, 8
  });

  it('reports a restart count that cannot fit as corruption naming the block', () => {
    const message = corruptionOf(() => new Block(new Uint8Array([0xff, 0xff, 0xff, 0x0f]), 'f.sst data block at offset 40'));
    expect(message).toMatch(/restart count .* f\.sst data block at offset 40/);
    corruptionOf(() => new Block(new Uint8Array(2), 'x'));
  });

  it('reports an entry that runs past the block as corruption', () => {
    const b = new BlockBuilder(16);
    b.add(enc('key'), 1, KIND_PUT, enc('value'));
    const data = b.finish().slice();
    data[2] = 200; // value length now runs past the entries
    const block = new Block(data, 'x');
    expect(corruptionOf(() => block.iterator().seekToFirst())).toMatch(/bad entry/);
  });

  it('reports a restart entry that claims a shared prefix as corruption', () => {
    const b = new BlockBuilder(16);
    b.add(enc('key'), 1, KIND_PUT, enc('value'));
    const data = b.finish().slice();
    data[0] = 2; // shared = 2 at a restart point, where there is no previous key
    expect(corruptionOf(() => new Block(data, 'x').iterator().seekToFirst())).toMatch(/bad entry header/);
  });
});
