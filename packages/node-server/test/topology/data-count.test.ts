/**
 * /status `store` and /metrics `ringkv_store_keys`: the data records a node
 * holds, kept by the write hook after one count at start, equal at every
 * moment to a scan of its engine (seeded puts, overwrites and deletes), and
 * counted again on a restart.
 */
import { openEngine } from '@ringkv/lsm-engine';
import { Rng, seedNote, testSeed } from '@ringkv/sim';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { put } from '../support/cluster.js';
import { removeTempDirs, tempDir } from '../support/node.js';
import { client, closeAll, dataRecordTotals, running, start } from './support.js';

afterEach(closeAll);
afterAll(removeTempDirs);

const seed = testSeed(0x57043);

/** /status `store` once the start-up count is done (it runs in chunks after the node starts). */
async function storeOf(httpUrl: string): Promise<{ keys: number; bytes: number }> {
  for (;;) {
    const { keys, bytes, counted } = ((await (await fetch(`${httpUrl}/status`)).json()) as { store: { keys: number; bytes: number; counted: boolean } }).store;
    if (counted) return { keys, bytes };
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Keys and bytes (user key + stored set) of the `d` records of a stopped node's directory. */
async function scan(dataDir: string): Promise<{ keys: number; bytes: number }> {
  const engine = await openEngine(dataDir);
  try {
    return dataRecordTotals(engine);
  } finally {
    await engine.close();
  }
}

describe('data record count', () => {
  it('/status store and ringkv_store_keys follow seeded puts, overwrites and deletes exactly, and a restart counts the same', async () => {
    const rng = new Rng(seed);
    const dir = tempDir();
    const node = await start('solo', dir, []);
    const c = await client(node.url);
    const live = new Set<string>();
    for (let i = 0; i < 300; i++) {
      const key = `k${rng.int(120)}`;
      if (rng.int(4) === 0) {
        const reply = await c.request({ type: 'delete', key, options: { w: 1 } });
        expect(reply.type, seedNote(seed)).toBe('delete-ok');
      } else {
        expect((await put(c, key, 'x'.repeat(1 + rng.int(200)), 1)).type, seedNote(seed)).toBe('put-ok');
      }
      live.add(key); // a deleted key keeps a tombstone record until it is collected (grace: 10 days)
    }
    const counted = await storeOf(node.httpUrl);
    expect(counted.keys, seedNote(seed)).toBe(live.size);
    const metrics = await (await fetch(`${node.httpUrl}/metrics`)).text();
    expect(metrics, seedNote(seed)).toContain(`ringkv_store_keys{node="solo"} ${live.size}\n`);
    expect(metrics, seedNote(seed)).toContain(`ringkv_store_bytes{node="solo"} ${counted.bytes}\n`);
    await closeAll();
    expect(await scan(dir), seedNote(seed)).toEqual(counted);

    const again = await start('solo', dir, []);
    expect(await storeOf(again.httpUrl), seedNote(seed)).toEqual(counted);
    expect(running).toContain(again);
  });
});
