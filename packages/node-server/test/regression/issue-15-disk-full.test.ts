/**
 * Issue 15, item 7, at the node: after the disk filled, writes stayed refused
 * once space was freed, a graceful stop failed ("closing storage failed")
 * and `/health` said 200 throughout. Now writes are refused (`unavailable`)
 * while the disk is full, reads go on, `/health` answers 503 `read-only`,
 * `/status` and `/metrics` show `writable` false, writes resume by themselves
 * once space is back, and a stop on a full disk succeeds.
 */
import { FaultVfs, openEngine } from '@ringkv/lsm-engine';
import { afterAll, describe, expect, it } from 'vitest';
import type { StorageOpener } from '../../src/index.js';
import { connect, firstValueText } from '../support/client.js';
import { removeTempDirs, startTestNode, tempDir } from '../support/node.js';

afterAll(removeTempDirs);

const enc = new TextEncoder();

/** The node's own engine on a fault-injecting in-memory disk. */
function onFaultVfs(vfs: FaultVfs): StorageOpener {
  return (dir, options) => openEngine(dir, { ...options, vfs });
}

/** Polls `/health` until it answers `status` (bounded: 200 polls of 50 ms; asserts no duration). */
async function healthBecomes(httpUrl: string, status: number): Promise<Response> {
  for (let i = 0; i < 200; i++) {
    const res = await fetch(`${httpUrl}/health`);
    if (res.status === status) return res;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`/health never answered ${status}`);
}

describe('issue 15: a full disk at the node', () => {
  it('refuses writes as unavailable, keeps reads, reports read-only, resumes once space is back, and stops cleanly', async () => {
    const vfs = new FaultVfs();
    const dataDir = tempDir();
    const node = await startTestNode({ id: 'full-1', dataDir, openStorage: onFaultVfs(vfs) });
    try {
      const c = await connect(node.url);
      expect(await c.request({ type: 'put', key: 'a', value: enc.encode('1') })).toMatchObject({ type: 'put-ok' });

      vfs.failAppends('no-space');
      expect(await c.request({ type: 'put', key: 'b', value: enc.encode('2') })).toMatchObject({ type: 'error', code: 'unavailable' });
      expect(firstValueText(await c.request({ type: 'get', key: 'a' }))).toBe('1');
      const health = await fetch(`${node.httpUrl}/health`);
      expect(health.status).toBe(503);
      expect(await health.json()).toMatchObject({ status: 'read-only', id: 'full-1', reason: expect.stringContaining('ENOSPC') });
      const status = (await (await fetch(`${node.httpUrl}/status`)).json()) as { storage: { writable: boolean } };
      expect(status.storage.writable).toBe(false);
      expect(await (await fetch(`${node.httpUrl}/metrics`)).text()).toContain('ringkv_storage_writable{node="full-1"} 0');

      vfs.failAppends('none');
      expect(await (await healthBecomes(node.httpUrl, 200)).json()).toMatchObject({ status: 'ok' });
      expect(await c.request({ type: 'put', key: 'b', value: enc.encode('2') })).toMatchObject({ type: 'put-ok' });
      expect(await (await fetch(`${node.httpUrl}/metrics`)).text()).toContain('ringkv_storage_writable{node="full-1"} 1');

      vfs.failAppends('no-space');
      expect(await c.request({ type: 'put', key: 'c', value: enc.encode('3') })).toMatchObject({ type: 'error', code: 'unavailable' });
    } finally {
      await node.stop(); // on a full disk: must not throw
    }
    vfs.failAppends('none');
    const again = await startTestNode({ id: 'full-1', dataDir, openStorage: onFaultVfs(vfs) });
    const c = await connect(again.url);
    expect(firstValueText(await c.request({ type: 'get', key: 'b' }))).toBe('2');
    await again.stop();
  });
});
