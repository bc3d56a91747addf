/** A small real tmpfs for tests of a full disk (needs root and `mount`). */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll } from 'vitest';

/**
 * Mounts an 8 MiB tmpfs for the enclosing `describe` and unmounts it after.
 * `mounted` is false where the mount is refused: tests then skip.
 */
export function useTmpfs(prefix: string): { readonly dir: string; readonly mounted: boolean } {
  const state = { dir: '', mounted: false };
  beforeAll(() => {
    state.dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', state.dir], { stdio: 'ignore' });
      state.mounted = true;
    } catch {
      state.mounted = false;
    }
  });
  afterAll(() => {
    // Lazily if a failed test left a file open: no mount outlives the run.
    if (state.mounted) execFileSync('umount', ['-l', state.dir], { stdio: 'ignore' });
    fs.rmSync(state.dir, { recursive: true, force: true });
  });
  return state;
}
