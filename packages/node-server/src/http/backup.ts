/**
 * The backup endpoints (issue 18), admin token required like every admin call:
 *
 *   POST /admin/backup {"name"}            → 200 node.json of the snapshot taken
 *   GET  /admin/backup/<name>               → 200 node.json
 *   GET  /admin/backup/<name>/<file>        → 200 the file's bytes (a name node.json lists)
 *   POST /admin/backup/<name>/drop          → 200 {"dropped": bool}
 *   POST /admin/restore  (octet-stream)     → 200 {"keys","acked","hinted","failed"}
 *
 * The restore body is an anti-entropy entries chunk (anti-entropy/entries.ts:
 * MessagePack pairs of [user key, stored set], lz4 when large), each set
 * validated as a peer's is; every key's set is merged into each of its
 * replicas (cluster/core.ts `restoreSet`), so restoring the same key from
 * several snapshots merges their siblings.
 *
 * Invariants:
 *   1. Nothing is read or written before the admin check passes.
 *   2. A restore body over `restoreChunkBytesMax` is refused (413) unread.
 *   3. Errors are JSON `{"error":{"code","message"}}`: 400 bad name or body,
 *      404 unknown snapshot or file, 409 name taken, 413, 503 not serving.
 */
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isProtocolError } from '@ringkv/protocol';
import { decodeEntries } from '../anti-entropy/entries.js';
import { dropSnapshot, readSnapshot, snapshotDir, takeSnapshot, type CheckpointingEngine } from '../backup/snapshot.js';
import { isNodeServerError } from '../errors.js';
import { restoreChunkBytesMax, restoreDeadlineMs } from '../limits.js';
import { adminBodyBytesMax } from '../topology/limits.js';
import type { ServerContext } from '../server/context.js';
import { authorized, readBodyBytes, sendError, sendJson } from './admin.js';

/** Handles the backup routes; false when `path` is not one of them. */
export function backupRoute(ctx: ServerContext, engine: CheckpointingEngine, path: string, req: IncomingMessage, res: ServerResponse): boolean {
  if (path !== '/admin/backup' && path !== '/admin/restore' && !path.startsWith('/admin/backup/')) return false;
  if (!authorized(ctx, req, res, 'backup')) return true;
  if (ctx.stopping) {
    sendError(res, 503, 'stopping', 'the node is stopping');
    return true;
  }
  const method = req.method ?? 'GET';
  const parts = path.split('/').slice(3); // ['', 'admin', 'backup', name?, file?]
  void (async () => {
    try {
      if (path === '/admin/restore' && method === 'POST') return await restore(ctx, req, res);
      if (path === '/admin/backup' && method === 'POST') {
        const body = await readBodyBytes(req, adminBodyBytesMax);
        const name = typeof body === 'undefined' ? undefined : nameOf(body);
        if (name === undefined) return sendError(res, 400, 'bad-request', 'the body must be {"name": "<backup name>"}');
        return sendJson(res, 200, await takeSnapshot(ctx, engine, name, Date.now()));
      }
      const [name, file, extra] = parts;
      if (name === undefined || extra !== undefined) return sendError(res, 404, 'no-route', `no route ${method} ${path}`);
      if (file === 'drop' && method === 'POST') return sendJson(res, 200, { dropped: dropSnapshot(ctx.options.dataDir, name) });
      if (method !== 'GET') return sendError(res, 405, 'no-route', `no route ${method} ${path}`);
      const snapshot = readSnapshot(ctx.options.dataDir, name);
      if (file === undefined) return sendJson(res, 200, snapshot);
      const listed = snapshot.files.find((f) => f.name === file);
      if (listed === undefined) return sendError(res, 404, 'not-found', `backup ${name} has no file ${JSON.stringify(file)}`);
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': listed.bytes });
      createReadStream(join(snapshotDir(ctx.options.dataDir, name), listed.name)).on('error', () => res.destroy()).pipe(res);
    } catch (error) {
      answerError(res, error);
    }
  })();
  return true;
}

async function restore(ctx: ServerContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const core = ctx.cluster;
  if (core === undefined) return sendError(res, 503, 'stopping', 'the cluster side is not running');
  const body = await readBodyBytes(req, restoreChunkBytesMax);
  if (body === undefined) return sendError(res, 413, 'too-large', `a restore chunk is at most ${restoreChunkBytesMax} bytes`);
  const entries = decodeEntries(body); // a ProtocolError for a bad chunk: answered 400 below
  const deadlineMs = Date.now() + restoreDeadlineMs;
  const total = { keys: entries.length, acked: 0, hinted: 0, failed: 0 };
  await Promise.all(
    entries.map(async (e) => {
      const r = await core.restoreSet(e.key, e.set, deadlineMs);
      total.acked += r.acked;
      total.hinted += r.hinted;
      total.failed += r.failed;
    }),
  );
  sendJson(res, 200, total);
}

function nameOf(body: Uint8Array): string | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(body).toString('utf8'));
    const name = (value as { name?: unknown } | null)?.name;
    return typeof name === 'string' ? name : undefined;
  } catch {
    return undefined;
  }
}

function answerError(res: ServerResponse, error: unknown): void {
  if (res.headersSent) return void res.destroy();
  if (isNodeServerError(error)) {
    const status = error.code === 'not-found' ? 404 : error.code === 'invalid-option' ? (error.message.includes('already exists') ? 409 : 400) : 500;
    return sendError(res, status, error.code, error.message.replace(/^node-server: /, ''));
  }
  if (isProtocolError(error)) return sendError(res, 400, error.code, error.message.replace(/^protocol: /, ''));
  sendError(res, 500, 'internal', (error as Error).message);
}
