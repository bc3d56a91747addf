/**
 * A node's own small disk for the `disk-full` fault: its data directory is a
 * tmpfs of `nodeDiskBytes`, which the nemesis fills with a ballast file (as
 * an operator's disk fills) and empties at the heal.
 *
 * Needs root (`mount -t tmpfs`), which CI has; `mount` refuses otherwise and
 * the run fails with `invalid-option` before any node starts.
 *
 * Invariants:
 *   1. `fill()` leaves no byte free for the node (it writes until ENOSPC);
 *      `free()` removes exactly the ballast.
 *   2. `unmount()` is idempotent, and the cluster calls it after every node
 *      has stopped, so no mount outlives the run.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readdirSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { ChaosError } from './errors.js';

const BALLAST = 'CHAOS-BALLAST';
const chunk = new Uint8Array(1024 * 1024);

export class NodeDisk {
  private mounted = false;

  constructor(
    readonly dir: string,
    readonly sizeBytes: number,
  ) {}

  /** Creates `dir` and mounts a tmpfs of `sizeBytes` on it. Errors: `invalid-option` when mount is refused. */
  mount(): void {
    if (this.mounted) return;
    mkdirSync(this.dir, { recursive: true });
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${this.sizeBytes}`, 'tmpfs', this.dir], { stdio: 'pipe' });
    } catch (error) {
      throw new ChaosError('invalid-option', `the disk-full fault needs root and tmpfs: mount of ${this.dir} failed: ${(error as Error).message}`);
    }
    this.mounted = true;
  }

  /** Writes the ballast until the disk is full (invariant 1); returns its bytes. */
  fill(): number {
    const fd = openSync(join(this.dir, BALLAST), 'a');
    let bytes = 0;
    try {
      for (;;) bytes += writeSync(fd, chunk);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
    } finally {
      closeSync(fd);
    }
    return bytes;
  }

  /** Removes the ballast: the node's writes resume by themselves (lsm-engine retries). */
  free(): void {
    rmSync(join(this.dir, BALLAST), { force: true });
  }

  /** Deletes everything on the disk (a wipe: the mount point itself stays). */
  clear(): void {
    for (const name of readdirSync(this.dir)) rmSync(join(this.dir, name), { recursive: true, force: true });
  }

  unmount(): void {
    if (!this.mounted) return;
    execFileSync('umount', [this.dir], { stdio: 'pipe' });
    this.mounted = false;
  }
}
