/**
 * Reading a node's snapshot offline (`ringkv restore`): every key's stored
 * sibling set, straight from the snapshot's tables.
 *
 * Invariants:
 *   1. The snapshot directory is never modified: the engine opens a copy in
 *      a temporary directory (hard links where possible), removed afterwards
 *      even when reading fails.
 *   2. Only user data is read (the data prefix): hints, node metadata and the
 *      tombstone index stay behind; tombstones are restored like values, so
 *      a delete made before the backup stays a delete.
 *   3. Each set is validated (`decodeSet`) before it is handed out: a damaged
 *      snapshot is a `corrupt-record` error naming the key, never a crash.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NodeVfs, openEngine } from '@ringkv/lsm-engine';
import { dataPrefix, userKeyOf } from '../store/keys.js';
import { decodeSet } from '../store/set-codec.js';
import { snapshotManifestName } from './snapshot.js';

/** One key of a snapshot: its user key and stored set bytes (MessagePack, as the node stores it). */
export interface BackupEntry {
  readonly key: Uint8Array;
  readonly set: Uint8Array;
}

/**
 * Calls `onEntry` with every key of the snapshot in `dir` (a node directory of
 * a `ringkv backup`: its tables, manifest and `node.json`), in key order;
 * awaits each call, so a slow consumer holds the scan. Resolves with the count.
 */
export async function readBackupEntries(dir: string, onEntry: (entry: BackupEntry) => void | Promise<void>): Promise<number> {
  const work = mkdtempSync(join(tmpdir(), 'ringkv-restore-'));
  const copy = join(work, 'engine');
  try {
    // The engine only adds and renames files, never rewrites one, so links keep the backup as it is.
    const vfs = new NodeVfs();
    mkdirSync(copy);
    for (const name of readdirSync(dir)) if (name !== snapshotManifestName) vfs.link(join(dir, name), join(copy, name));
    const engine = await openEngine(copy, { durability: 'none' });
    let count = 0;
    try {
      for (const [skey, value] of engine.iterate({ gte: Uint8Array.of(dataPrefix), lt: Uint8Array.of(dataPrefix + 1) })) {
        decodeSet(value); // invariant 3
        await onEntry({ key: userKeyOf(skey).slice(), set: value.slice() });
        count++;
      }
    } finally {
      await engine.close();
    }
    return count;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
