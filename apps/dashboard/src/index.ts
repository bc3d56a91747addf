/**
 * @ringkv/dashboard: the web page every ringkv node serves at `/`.
 *
 * The page itself is browser code (src/ui/), bundled by esbuild at build
 * time into `dist/ui/` (scripts/build-ui.mjs); this entry only tells a node
 * where those files are. The package imports no other @ringkv package, so
 * node-server can depend on it without a cycle.
 *
 * Invariants:
 *   1. `assetsDir()` is the same directory whether this module runs from
 *      `dist/` (installed) or from `src/` (the workspace's tests): both sit
 *      beside `dist/ui/`.
 *   2. The directory holds only files a browser may fetch: the page, its
 *      script and its style; nothing is generated at run time.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export { DashboardError, isDashboardError } from './errors.js';
export type { DashboardErrorCode } from './errors.js';
export type * from './contract.js';

/** The page's entry file, inside `assetsDir()`. */
export const indexFile = 'index.html';

/**
 * The absolute directory of the built page (invariant 1), with a trailing separator.
 *
 * Not an error when the page was not built (a workspace where only `tsc -b`
 * ran): the directory is still returned; `isBuilt()` tells.
 */
export function assetsDir(): string {
  return fileURLToPath(new URL('../dist/ui/', import.meta.url));
}

/** True when `assetsDir()` holds the built page (`pnpm build`, or `pnpm --filter @ringkv/dashboard build:ui`, has run). */
export function isBuilt(): boolean {
  return existsSync(join(assetsDir(), indexFile));
}
