/**
 * `ringkv backup` and `ringkv restore` (issue 18).
 *
 * backup: asks every member of the cluster (as the `--url` node lists them)
 * for a snapshot (`POST /admin/backup`: an engine checkpoint, hard links,
 * taken while it serves), downloads each snapshot's files into
 * `OUT/<node id>/`, drops the snapshots on the nodes, and writes
 * `OUT/manifest.json` (the nodes, the ring, the cluster settings, sizes).
 *
 * restore: reads every node directory of a backup offline and sends its keys'
 * stored sibling sets to the `--url` node in chunks (`POST /admin/restore`),
 * which merges each into all of the key's replicas in the (new) cluster. The
 * normal replica merge is the restore: the same key from N snapshots merges
 * into one set, siblings kept; a cluster of another size or ring places the
 * keys by its own ring.
 *
 * Invariants:
 *   1. Every write acknowledged (at W) before `backup` began is in the
 *      backup: each replica flushes before its checkpoint, and the W
 *      replicas that acknowledged it are among the snapshots.
 *   2. A backup missing a member's snapshot is reported (exit 1, the
 *      missing nodes named); the manifest says `complete: false`.
 *   3. restore exits 1 if any replica neither took a key nor kept a hint.
 */
import { mkdirSync, readFileSync, readdirSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeRestoreChunk, readBackupEntries, type NodeSnapshot } from '@ringkv/node-server';
import { checkUrl, type AdminTarget } from '../admin-target.js';
import type { BackupCommand, RestoreCommand } from './backup-args.js';
import { CliError } from '../errors.js';
import type { Io } from '../io.js';
import { adminFetch, adminJson } from './admin-http.js';
import { httpOf } from './status.js';

/** Keys and bytes per restore request: well under the node's 16 MiB bound. */
const restoreChunkKeysMax = 1000;
const restoreChunkBytesTarget = 4 * 1024 * 1024;

/** What `backup` did. */
export interface BackupSummary {
  readonly out: string;
  readonly complete: boolean;
  readonly nodes: readonly { id: string; tables: number; bytes: number; files: number }[];
  readonly missing: readonly { id: string; error: string }[];
}

export async function runBackup(command: BackupCommand, io: Io): Promise<BackupSummary> {
  if (existsSync(command.out) && readdirSync(command.out).length > 0) throw new CliError('usage', `backup: ${command.out} is not empty`);
  mkdirSync(command.out, { recursive: true });
  const status = await adminJson<{ cluster?: { members?: { id: string; url: string; status: string }[] } }>('backup', command, io, { method: 'GET', path: '/status' });
  const members = (status.cluster?.members ?? []).filter((m) => m.status !== 'left');
  const name = `backup-${new Date().toISOString().replace(/[:.]/g, '-')}`;
  const taken: NodeSnapshot[] = [];
  const missing: { id: string; error: string }[] = [];
  await Promise.all(
    members.map(async (m) => {
      const target: AdminTarget = { ...command, url: checkUrl('backup', m.url) };
      try {
        const snapshot = await adminJson<NodeSnapshot>('backup', target, io, { method: 'POST', path: '/admin/backup', body: { name }, timeoutMs: 600_000 });
        const dir = join(command.out, m.id);
        mkdirSync(dir, { recursive: true });
        for (const f of snapshot.files) {
          const res = await adminFetch('backup', target, io, { method: 'GET', path: `/admin/backup/${name}/${encodeURIComponent(f.name)}`, timeoutMs: 600_000 });
          writeFileSync(join(dir, f.name), new Uint8Array(await res.arrayBuffer()));
        }
        writeFileSync(join(dir, 'node.json'), `${JSON.stringify(snapshot, null, 2)}\n`);
        await adminFetch('backup', target, io, { method: 'POST', path: `/admin/backup/${name}/drop` });
        taken.push(snapshot);
        io.stderr(`backup: ${m.id}: ${snapshot.tables} tables, ${snapshot.bytes} bytes`);
      } catch (error) {
        missing.push({ id: m.id, error: (error as Error).message });
      }
    }),
  );
  const complete = missing.length === 0 && taken.length > 0;
  const manifest = { format: 1, name, createdAt: new Date().toISOString(), complete, askedNode: httpOf(command.url ?? io.env.RINGKV_URL ?? 'ws://127.0.0.1:7000'), nodes: taken, missing };
  writeFileSync(join(command.out, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  const summary = { out: command.out, complete, nodes: taken.map((s) => ({ id: s.nodeId, tables: s.tables, bytes: s.bytes, files: s.files.length })), missing };
  if (!complete) {
    const why = missing.length === 0 ? 'the cluster listed no members' : missing.map((m) => `${m.id} (${m.error.replace(/^ringkv: /, '')})`).join(', ');
    throw new CliError('failed', `backup: incomplete, no snapshot of ${why}; what was taken is in ${command.out}`);
  }
  return summary;
}

export function backupText(s: BackupSummary): string {
  const bytes = s.nodes.reduce((a, n) => a + n.bytes, 0);
  return `backup: ${s.nodes.length} node${s.nodes.length === 1 ? '' : 's'} (${s.nodes.map((n) => n.id).join(', ')}), ${bytes} bytes in ${s.out}`;
}

/** What `restore` did. */
export interface RestoreSummary {
  readonly nodes: number;
  readonly keys: number;
  readonly acked: number;
  readonly hinted: number;
  readonly failed: number;
}

export async function runRestore(command: RestoreCommand, io: Io): Promise<RestoreSummary> {
  const manifestPath = join(command.dir, 'manifest.json');
  if (!existsSync(manifestPath)) throw new CliError('usage', `restore: ${command.dir} has no manifest.json (is it a ringkv backup?)`);
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { nodes?: { nodeId: string }[]; complete?: boolean };
  if (manifest.complete !== true) io.stderr(`restore: warning: ${command.dir} is an incomplete backup; restoring what it holds`);
  const total = { nodes: 0, keys: 0, acked: 0, hinted: 0, failed: 0 };
  for (const node of manifest.nodes ?? []) {
    let chunk: { key: Uint8Array; set: Uint8Array }[] = [];
    let chunkBytes = 0;
    const send = async (): Promise<void> => {
      if (chunk.length === 0) return;
      const r = await adminJson<{ keys: number; acked: number; hinted: number; failed: number }>('restore', command, io, {
        method: 'POST',
        path: '/admin/restore',
        rawBody: encodeRestoreChunk(chunk),
        timeoutMs: 120_000,
      });
      total.keys += r.keys;
      total.acked += r.acked;
      total.hinted += r.hinted;
      total.failed += r.failed;
      chunk = [];
      chunkBytes = 0;
    };
    const count = await readBackupEntries(join(command.dir, node.nodeId), async (e) => {
      chunk.push(e);
      chunkBytes += e.key.length + e.set.length;
      if (chunk.length >= restoreChunkKeysMax || chunkBytes >= restoreChunkBytesTarget) await send();
    });
    await send();
    total.nodes++;
    io.stderr(`restore: ${node.nodeId}: ${count} keys`);
  }
  if (total.failed > 0) throw new CliError('failed', `restore: ${total.failed} replica writes neither applied nor hinted (of ${total.keys} keys); run it again once the cluster is up`);
  return total;
}

export function restoreText(s: RestoreSummary): string {
  return `restore: ${s.keys} keys from ${s.nodes} snapshot${s.nodes === 1 ? '' : 's'}: ${s.acked} replica copies written, ${s.hinted} hinted`;
}
