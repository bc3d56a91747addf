/**
 * Serves the dashboard's built page (@ringkv/dashboard) at `/` and its
 * files at `/ui/<name>`.
 *
 * Invariants:
 *   1. Only plain file names directly inside the assets directory are
 *      served (no `/`, no `..`, no dot files): a request can never reach
 *      another file of the disk.
 *   2. Files are read per request, never cached: a rebuilt page is served
 *      at once (they are small; `dashboardAssetBytesMax` bounds each).
 *   3. A page that was not built answers 503 with the command that builds it.
 *   4. Every answer forbids framing and sniffing, and the page's policy
 *      allows scripts and connections to this node only.
 */
import { readFile, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import type { ServerResponse } from 'node:http';
import { assetsDir, indexFile, isBuilt } from '@ringkv/dashboard';
import { sendError } from './admin.js';
import { dashboardAssetBytesMax } from './dashboard-limits.js';

const contentTypes: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

const plainName = /^[a-zA-Z0-9_-][a-zA-Z0-9._-]*$/;

/** The asset a path names (invariant 1): `/` is the page, `/ui/<name>` a file; undefined for any other path. */
export function assetOf(path: string): string | undefined {
  if (path === '/' || path === '/index.html') return indexFile;
  if (!path.startsWith('/ui/')) return undefined;
  const name = path.slice(4);
  return plainName.test(name) && Object.hasOwn(contentTypes, extname(name)) ? name : undefined;
}

/** Answers the asset `name` (from `assetOf`) out of `dir` (default: the dashboard's build); 404 when absent, 503 when the page was not built. */
export async function serveAsset(res: ServerResponse, name: string, head: boolean, dir = assetsDir()): Promise<void> {
  if (dir === assetsDir() && !isBuilt()) {
    return sendError(res, 503, 'not-built', 'the dashboard page was not built: run `pnpm build` (or `pnpm --filter @ringkv/dashboard build:ui`) in the ringkv workspace');
  }
  const path = join(dir, name);
  try {
    const info = await stat(path);
    if (!info.isFile() || info.size > dashboardAssetBytesMax) return sendError(res, 404, 'no-route', `no dashboard file ${name}`);
    const body = await readFile(path);
    res.writeHead(200, {
      'content-type': contentTypes[extname(name)] ?? 'application/octet-stream',
      'content-length': body.length,
      'cache-control': 'no-cache',
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      'content-security-policy': "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'",
    });
    res.end(head ? undefined : body);
  } catch {
    sendError(res, 404, 'no-route', `no dashboard file ${name}`);
  }
}
