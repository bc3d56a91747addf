/**
 * A node's part of a cluster backup (issue 18): an engine checkpoint under
 * `<dataDir>/backups/<name>/` (hard links of the tables: cheap, taken while
 * the node serves) and `node.json` describing it. `ringkv backup` takes one on
 * every member, downloads the files and drops the snapshots.
 *
 * Invariants:
 *   1. A snapshot holds every write this node acknowledged (as a replica)
 *      before the request arrived (the engine flushes first).
 *   2. Names are `[A-Za-z0-9._-]{1,64}` and never `.`/`..`, so a name cannot
 *      leave the backups directory; file downloads are limited to the names
 *      the snapshot listed.
 *   3. `node.json` is written last: a snapshot directory without it is
 *      incomplete (a failed or interrupted snapshot) and is refused.
 */
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NodeServerError } from '../errors.js';
import type { ServerContext } from '../server/context.js';

/** What `node.json` says about one node's snapshot. */
export interface NodeSnapshot {
  readonly format: 1;
  readonly name: string;
  readonly nodeId: string;
  readonly createdAt: string;
  /** The node's gossip generation when the snapshot was taken. */
  readonly generation: number | undefined;
  readonly ring: { readonly version: number; readonly members: readonly { id: string; url: string; status: string; vnodes: number; weight: number; zone: string }[] } | undefined;
  readonly settings: unknown;
  /** The engine's last sequence number in the checkpoint, its tables and bytes. */
  readonly lastSeq: number;
  readonly tables: number;
  readonly bytes: number;
  readonly files: readonly { readonly name: string; readonly bytes: number }[];
}

/** The engine as a snapshot needs it. */
export interface CheckpointingEngine {
  checkpoint?(dir: string): Promise<{ tables: number; bytes: number; lastSeq: number }>;
}

const namePattern = /^[A-Za-z0-9._-]{1,64}$/;
export const snapshotManifestName = 'node.json';

/** The snapshot directory of `name` (invariant 2); `invalid-option` for a bad name. */
export function snapshotDir(dataDir: string, name: string): string {
  if (!namePattern.test(name) || name === '.' || name === '..') {
    throw new NodeServerError('invalid-option', `backup name must be 1-64 of A-Z a-z 0-9 . _ -, got ${JSON.stringify(name)}`);
  }
  return join(dataDir, 'backups', name);
}

/** Takes this node's snapshot `name` (module comment); `invalid-option` if it exists, `storage-failed` if the engine cannot checkpoint. */
export async function takeSnapshot(ctx: ServerContext, engine: CheckpointingEngine, name: string, nowMs: number): Promise<NodeSnapshot> {
  const dir = snapshotDir(ctx.options.dataDir, name);
  if (existsSync(dir)) throw new NodeServerError('invalid-option', `backup ${name} already exists on ${ctx.options.id}; drop it first or choose another name`);
  if (engine.checkpoint === undefined) throw new NodeServerError('storage-failed', 'this node\'s storage engine cannot take checkpoints');
  let info: { tables: number; bytes: number; lastSeq: number };
  try {
    info = await engine.checkpoint(dir);
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw new NodeServerError('storage-failed', `checkpoint for backup ${name} failed: ${(error as Error).message}`, { cause: error });
  }
  const files = readdirSync(dir).map((f) => ({ name: f, bytes: statSync(join(dir, f)).size }));
  const core = ctx.cluster;
  const self = core?.view.snapshot().find((m) => m.id === ctx.options.id);
  const snapshot: NodeSnapshot = {
    format: 1,
    name,
    nodeId: ctx.options.id,
    createdAt: new Date(nowMs).toISOString(),
    generation: self?.generation,
    ring:
      core === undefined
        ? undefined
        : {
            version: core.view.version,
            members: core.view.snapshot().map((m) => ({ id: m.id, url: m.address, status: m.status, vnodes: m.vnodes, weight: m.weight, zone: m.zone })),
          },
    settings: ctx.agreed.record,
    lastSeq: info.lastSeq,
    tables: info.tables,
    bytes: info.bytes,
    files,
  };
  writeFileSync(join(dir, snapshotManifestName), `${JSON.stringify(snapshot, null, 2)}\n`);
  return snapshot;
}

/** The snapshot's `node.json`, or `not-found` (`invalid-option` for a bad name). */
export function readSnapshot(dataDir: string, name: string): NodeSnapshot {
  const path = join(snapshotDir(dataDir, name), snapshotManifestName);
  if (!existsSync(path)) throw new NodeServerError('not-found', `no complete backup ${name} on this node`);
  return JSON.parse(readFileSync(path, 'utf8')) as NodeSnapshot;
}

/** Removes snapshot `name`; true if it existed. */
export function dropSnapshot(dataDir: string, name: string): boolean {
  const dir = snapshotDir(dataDir, name);
  if (!existsSync(dir)) return false;
  rmSync(dir, { recursive: true, force: true });
  return true;
}
