import { describe, expect, it } from 'vitest';
import { engineBlockCacheBytes, engineKeyBytesMax } from '../limits.js';
import { resolveOptions, type StorageOpenOptions } from '../options.js';
import { openMemoryEngine } from '../../test/support/memory-engine.js';
import { openStorage } from './open-engine.js';

describe('openStorage', () => {
  it('opens the engine with the node block cache, key bound and set bound, and its durability', async () => {
    let seen: StorageOpenOptions | undefined;
    const o = resolveOptions({
      id: 'n1',
      dataDir: '/nonexistent/open-engine-test',
      durability: 'sync',
      openStorage: (dir, options) => {
        seen = options;
        return openMemoryEngine(dir, options);
      },
    });
    await openStorage(o);
    expect(seen?.blockCacheBytes).toBe(engineBlockCacheBytes);
    expect(seen?.blockCacheBytes).toBeGreaterThan(8 * 1024 * 1024); // above the engine's default
    expect(seen?.keyBytesMax).toBe(engineKeyBytesMax);
    expect(seen?.valueBytesMax).toBe(o.setBytesMax);
    expect(seen?.durability).toBe('sync');
  });
});
