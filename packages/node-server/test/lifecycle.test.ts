import { createServer } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { closeGoingAway } from '@ringkv/protocol';
import { isNodeServerError, startNode, type NodeServerError } from '../src/index.js';
import { closedBeforeReply, connect, firstValueText } from './support/client.js';
import { engines, openMemoryEngine } from './support/memory-engine.js';
import { removeTempDirs, startTestNode, tempDir } from './support/node.js';

afterAll(() => removeTempDirs());

async function rejection(p: Promise<unknown>): Promise<NodeServerError> {
  const error = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isNodeServerError(error), String(error)).toBe(true);
  return error as NodeServerError;
}

describe('lifecycle', () => {
  it('a node restarted on the same data dir finds every acknowledged write', async () => {
    const dataDir = tempDir();
    const first = await startTestNode({ dataDir, durability: 'sync' });
    const c = await connect(first.url);
    const acked = await Promise.all(
      Array.from({ length: 300 }, (_, i) => c.request({ type: 'put', key: `r${i}`, value: new TextEncoder().encode(`value ${i}`) })),
    );
    expect(acked.every((r) => r.type === 'put-ok')).toBe(true);
    await c.request({ type: 'delete', key: 'r0', context: (acked[0] as { context: Uint8Array }).context });
    await c.close();
    await first.stop();

    const second = await startTestNode({ dataDir });
    const d = await connect(second.url);
    const got = await Promise.all(Array.from({ length: 300 }, (_, i) => d.request({ type: 'get', key: `r${i}` })));
    expect(got[0]).toMatchObject({ type: 'get-ok', found: false });
    got.slice(1).forEach((r, j) => expect(firstValueText(r)).toBe(`value ${j + 1}`));
    await d.close();
    await second.stop();
  });

  it('logs are JSON lines carrying the node id, with start and stop events', async () => {
    const lines: string[] = [];
    const node = await startTestNode({ id: 'logged', logLevel: 'info', logDestination: { write: (line: string) => void lines.push(line) } });
    await node.stop();
    const events = lines.map((l) => JSON.parse(l) as { node: string; msg: string; url?: string; level: number });
    expect(events.every((e) => e.node === 'logged')).toBe(true);
    expect(events.find((e) => e.msg === 'node started')?.url).toBe(node.url);
    expect(events.map((e) => e.msg)).toContain('node stopped');
  });

  it('storage that cannot be opened is storage-failed with the cause', async () => {
    const error = await rejection(
      startTestNode({
        openStorage: () => Promise.reject(Object.assign(new Error('lsm-engine: corruption in MANIFEST'), { name: 'LsmError', code: 'corruption' })),
      }),
    );
    expect(error.code).toBe('storage-failed');
    expect(error.message).toContain('corruption in MANIFEST');
  });

  it('storage write failures reach the client as unavailable or internal, and the node keeps serving reads', async () => {
    const node = await startTestNode({ openStorage: openMemoryEngine });
    const engine = engines[engines.length - 1]!;
    const c = await connect(node.url);
    await c.request({ type: 'put', key: 'k', value: new Uint8Array([1]) });
    engine.failWrites = 'no-space';
    expect(await c.request({ type: 'put', key: 'k2', value: new Uint8Array([1]) })).toMatchObject({ type: 'error', code: 'unavailable' });
    engine.failWrites = 'io';
    expect(await c.request({ type: 'delete', key: 'k' })).toMatchObject({ type: 'error', code: 'internal' });
    expect(await c.request({ type: 'get', key: 'k' })).toMatchObject({ type: 'get-ok', found: true });
    engine.failWrites = undefined;
    await c.close();
    await node.stop();
  });

  it('a port in use is reported as port-in-use with the port in the message', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    const error = await rejection(startTestNode({ port }));
    expect(error.code).toBe('port-in-use');
    expect(error.message).toContain(String(port));
    await new Promise((resolve) => blocker.close(resolve));
  });

  it('a port-in-use failure releases the data dir for the next start', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    const dataDir = tempDir();
    await rejection(startTestNode({ port, dataDir }));
    await new Promise((resolve) => blocker.close(resolve));
    const node = await startTestNode({ dataDir });
    await node.stop();
  });

  it('a second node on the same data dir gets data-dir-locked naming the path', async () => {
    const dataDir = tempDir();
    const first = await startTestNode({ dataDir });
    const error = await rejection(startTestNode({ id: 'n2', dataDir }));
    expect(error.code).toBe('data-dir-locked');
    expect(error.message).toContain(dataDir);
    await first.stop();
  });

  it('bad options are refused with invalid-option', async () => {
    const dataDir = tempDir();
    for (const bad of [
      { id: '', dataDir },
      { id: 'x', dataDir, port: 70_000 },
      { id: 'x', dataDir, durability: 'sometimes' },
      { id: 'x', dataDir, valueBytesMax: 0 },
      { id: 'x', dataDir: '' },
      { id: 'x\n', dataDir },
    ]) {
      const error = await rejection(startNode({ logLevel: 'silent', ...(bad as { id: string; dataDir: string }) }));
      expect(error.code).toBe('invalid-option');
    }
  });

  it('a non-loopback host without a token is refused unless allowInsecurePublicBind is set', async () => {
    const error = await rejection(startTestNode({ host: '0.0.0.0' }));
    expect(error.code).toBe('invalid-option');
    expect(error.message).toContain('authToken');
    const open = await startTestNode({ host: '0.0.0.0', allowInsecurePublicBind: true });
    await open.stop();
  });

  it('stop finishes in-flight writes, closes clients with 1001 and is idempotent', async () => {
    const dataDir = tempDir();
    const node = await startTestNode({ dataDir, durability: 'sync' });
    const c = await connect(node.url);
    const writes = Array.from({ length: 200 }, (_, i) => c.request({ type: 'put', key: `s${i}`, value: new Uint8Array([i % 256]) }));
    await writes[0];
    const stopped = Promise.all([node.stop(), node.stop()]);
    const settled = await Promise.all(writes);
    const closed = await c.closed;
    await stopped;
    expect(closed.code).toBe(closeGoingAway);
    const acked = settled.filter((r) => r.type === 'put-ok').length;
    // Each write was acknowledged, refused as shutting-down, or never read before the close (so never applied).
    expect(settled.every((r) => r.type === 'put-ok' || (r.type === 'error' && (r.code === 'shutting-down' || r.message === closedBeforeReply)))).toBe(true);
    expect(acked).toBeGreaterThan(0);

    const again = await startTestNode({ dataDir });
    const d = await connect(again.url);
    const found = await Promise.all(settled.map((r, i) => (r.type === 'put-ok' ? d.request({ type: 'get', key: `s${i}` }) : undefined)));
    expect(found.filter((r) => r !== undefined && r.type === 'get-ok' && r.found).length).toBe(acked);
    await d.close();
    await again.stop();
  });
});
