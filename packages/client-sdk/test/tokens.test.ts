/**
 * Tokens with roles against a real node (issue 16): the SDK surfaces
 * `forbidden` for a request outside the token's role and `rate-limited` with
 * the node's `retryAfterMs`, and the connection keeps serving.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatTokensFile, mintToken, startNode } from '@ringkv/node-server';
import { connect, isRingkvError } from '@ringkv/client-sdk';

const dir = mkdtempSync(join(tmpdir(), 'ringkv-sdk-tokens-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('tokens with roles through the SDK', () => {
  it('reports forbidden and rate-limited with when to retry', async () => {
    const now = new Date();
    const reader = mintToken({ role: 'read', requestsPerSec: 2 }, now);
    const file = join(dir, 'tokens.json');
    writeFileSync(file, formatTokensFile([reader.entry]));
    const node = await startNode({ id: 't1', port: 0, dataDir: join(dir, 'n1'), durability: 'none', logLevel: 'silent', tokensFile: file, clusterSecret: 's' });
    const client = await connect(node.url, { authToken: reader.token });
    try {
      const put = await client.put('k', 'v').catch((e: unknown) => e);
      expect(isRingkvError(put) && put.code).toBe('forbidden');
      const outcomes = await Promise.all([1, 2, 3, 4].map(() => client.get('k').then(() => undefined, (e: unknown) => e)));
      const limited = outcomes.find((e) => isRingkvError(e) && e.code === 'rate-limited');
      expect(limited).toBeDefined();
      expect(isRingkvError(limited) && limited.retryAfterMs).toBeGreaterThan(0);
      expect(isRingkvError(limited) && limited.retryable).toBe(true);
    } finally {
      await client.close();
      await node.stop();
    }
  });
});
