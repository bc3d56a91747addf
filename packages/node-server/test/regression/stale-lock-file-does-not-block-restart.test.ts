/**
 * Issue 15 item 9: the data-directory lock was a pid file, and any live pid in
 * it refused start, the node's own included; a node running as a container's
 * PID 1 could never restart after a crash. The lock is now held by the process
 * itself (the engine's NodeVfs), so a stale LOCK is no obstacle while a second
 * live node, in another process, is still refused.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeTempDirs, startTestNode, tempDir } from '../support/node.js';
import { ensureBuilt, killAllNodeProcesses, killed, spawnNode, spawnNodeProcess, stopped } from '../support/node-process.js';

beforeAll(ensureBuilt, 120_000);
afterAll(() => {
  killAllNodeProcesses();
  removeTempDirs();
});

describe('the data-directory lock', () => {
  it('a stale LOCK naming pid 1 or the starting process itself does not block start', async () => {
    const dataDir = tempDir();
    for (const pid of [1, process.pid]) {
      writeFileSync(join(dataDir, 'LOCK'), `${pid}\n`);
      const node = await startTestNode({ dataDir });
      await node.stop();
    }
  });

  it('a node killed with SIGKILL leaves nothing that blocks its restart', async () => {
    const dataDir = tempDir();
    const first = await spawnNode({ id: 'n1', dataDir });
    await killed(first);
    const again = await startTestNode({ dataDir });
    await again.stop();
  });

  it('a second node process on the same data dir is refused with data-dir-locked', async () => {
    const dataDir = tempDir();
    const first = await spawnNode({ id: 'n1', dataDir });
    const second = await spawnNodeProcess({ id: 'n2', dataDir });
    expect(second).toMatchObject({ error: 'data-dir-locked' });
    expect('message' in second && second.message).toContain(dataDir);
    await stopped(first);
  });
});
