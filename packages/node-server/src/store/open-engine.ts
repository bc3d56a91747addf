/**
 * Opening the storage engine for a node, and turning its failures into
 * errors an operator can act on.
 *
 * The engine's value limit is set to the node's `setBytesMax` (a whole
 * sibling set is one engine value): the node refuses any set above it first,
 * so the engine's own check never fires for a node write.
 */
import * as lsm from '@ringkv/lsm-engine';
import { NodeServerError } from '../errors.js';
import type { ResolvedOptions, StorageOpener } from '../options.js';
import type { StorageEngine } from './engine-port.js';

function engineOpener(): StorageOpener {
  // Until @ringkv/lsm-engine's index exports `openEngine` (its helpers are
  // finishing it), reach it by name; the call follows the engine contract.
  const open = (lsm as unknown as { openEngine?: StorageOpener }).openEngine;
  if (typeof open !== 'function') {
    throw new NodeServerError('storage-failed', '@ringkv/lsm-engine does not export openEngine (build it first)');
  }
  return open;
}

function errorCode(error: unknown): string | undefined {
  return error instanceof Error && error.name === 'LsmError' ? (error as { code?: string }).code : undefined;
}

/** Opens the engine in `dataDir`; rejects with `data-dir-locked` or `storage-failed`. */
export async function openStorage(o: ResolvedOptions): Promise<StorageEngine> {
  try {
    return await (o.openStorage ?? engineOpener())(o.dataDir, {
      durability: o.durability,
      syncIntervalMs: o.durabilityIntervalMs,
      valueBytesMax: o.setBytesMax,
    });
  } catch (error) {
    if (errorCode(error) === 'locked') {
      throw new NodeServerError('data-dir-locked', `data directory ${o.dataDir} is in use by another ringkv node (its lock file is held); stop that node or choose another --data`, { cause: error });
    }
    if (error instanceof NodeServerError) throw error;
    throw new NodeServerError('storage-failed', `cannot open storage in ${o.dataDir}: ${(error as Error).message}`, { cause: error });
  }
}
