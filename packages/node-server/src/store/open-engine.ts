/**
 * Opening the storage engine for a node, and turning its failures into
 * errors an operator can act on.
 *
 * The engine's value limit is set to the node's `setBytesMax` (a whole
 * sibling set is one engine value): the node refuses any set above it first,
 * so the engine's own check never fires for a node write. Its key limit is
 * raised to `engineKeyBytesMax` so 1 KiB user keys fit behind their prefixes,
 * and its block cache to `engineBlockCacheBytes` (reads are on every request).
 * Log damage is salvaged, not fatal: the node repairs what it lost from its
 * replicas (store/log-loss.ts).
 */
import { isLsmError, openEngine } from '@ringkv/lsm-engine';
import { NodeServerError } from '../errors.js';
import { engineBlockCacheBytes, engineKeyBytesMax, engineMemtableBytes } from '../limits.js';
import type { ResolvedOptions, StorageOpener } from '../options.js';
import type { StorageEngine } from './engine-port.js';

const openLsmEngine: StorageOpener = (dir, options) => openEngine(dir, options);

/** Opens the engine in `dataDir`; rejects with `data-dir-locked` or `storage-failed`. */
export async function openStorage(o: ResolvedOptions): Promise<StorageEngine> {
  try {
    return await (o.openStorage ?? openLsmEngine)(o.dataDir, {
      durability: o.durability,
      syncIntervalMs: o.durabilityIntervalMs,
      keyBytesMax: engineKeyBytesMax,
      valueBytesMax: o.setBytesMax,
      blockCacheBytes: engineBlockCacheBytes,
      memtableBytes: engineMemtableBytes,
      walRecovery: 'salvage',
    });
  } catch (error) {
    if (isLsmError(error) && error.code === 'locked') {
      throw new NodeServerError(
        'data-dir-locked',
        `data directory ${o.dataDir} is in use by another ringkv node (a live process holds its lock); stop that node or choose another --data`,
        { cause: error },
      );
    }
    throw new NodeServerError('storage-failed', `cannot open storage in ${o.dataDir}: ${(error as Error).message}`, { cause: error });
  }
}
