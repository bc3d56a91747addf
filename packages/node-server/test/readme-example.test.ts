import { afterAll, expect, it } from 'vitest';
import { startNode } from '../src/index.js';
import { connect } from './support/client.js';
import { removeTempDirs, tempDir } from './support/node.js';

afterAll(() => removeTempDirs());

it('the README example starts a node that serves clients and metrics at the printed addresses', async () => {
  // As in README.md, with a temp dir and a free port instead of ./.ringkv/n1 and 7070, and no signal handler.
  const node = await startNode({ id: 'n1', dataDir: tempDir(), port: 0, logLevel: 'silent' });
  const line = `clients: ${node.url}   metrics: ${node.httpUrl}/metrics`;
  expect(line).toMatch(/^clients: ws:\/\/127\.0\.0\.1:\d+ {3}metrics: http:\/\/127\.0\.0\.1:\d+\/metrics$/);
  const c = await connect(node.url);
  expect(await c.request({ type: 'get', key: 'k' })).toMatchObject({ type: 'get-ok', found: false });
  expect((await fetch(`${node.httpUrl}/metrics`)).status).toBe(200);
  await c.close();
  await node.stop();
});
