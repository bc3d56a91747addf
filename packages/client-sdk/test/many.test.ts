/**
 * getMany and putMany (issue 18) against a real node: per-key outcomes in
 * input order, one failing key not failing the others, deletes in the same
 * call, a bound with a clear error, and one batch frame per node rather than
 * one frame per key.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNode, type RingkvNode } from '@ringkv/node-server';
import { connect, manyOpsMax, type RingkvClient } from '@ringkv/client-sdk';

const dir = mkdtempSync(join(tmpdir(), 'ringkv-sdk-many-'));
let node: RingkvNode;
let db: RingkvClient;

beforeAll(async () => {
  node = await startNode({ id: 'm1', port: 0, dataDir: join(dir, 'n1'), durability: 'none', logLevel: 'silent' });
  db = await connect(node.url);
});

afterAll(async () => {
  await db.close();
  await node.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Client frames the node has received (its /metrics counter). */
async function framesIn(): Promise<number> {
  const text = await (await fetch(`${node.httpUrl}/metrics`)).text();
  const m = /^ringkv_frames_received_total(?:\{[^}]*\})? (\d+)/m.exec(text);
  if (m === null) throw new Error('no ringkv_frames_received_total in /metrics');
  return Number(m[1]);
}

describe('getMany and putMany', () => {
  it('writes and reads many keys with one outcome per key, in input order', async () => {
    const entries = Array.from({ length: 100 }, (_, i) => ({ key: `many-${i}`, value: { i } }));
    const written = await db.putMany(entries);
    expect(written.every((o) => o.ok)).toBe(true);
    const keys = [...entries.map((e) => e.key), 'never-written'];
    const read = await db.getMany<{ i: number }>(keys);
    expect(read.map((o) => o.key)).toEqual(keys);
    expect(read.slice(0, 100).map((o) => (o.ok ? o.result.values[0]?.i : undefined))).toEqual(entries.map((e) => e.value.i));
    expect(read[100]).toMatchObject({ ok: true, key: 'never-written', result: { found: false } });
  });

  it('sends a call of 100 keys to one node as a few batch frames, not 100', async () => {
    const before = await framesIn();
    await db.getMany(Array.from({ length: 100 }, (_, i) => `many-${i}`));
    const frames = (await framesIn()) - before;
    expect(frames).toBeGreaterThan(0);
    expect(frames).toBeLessThan(10);
  });

  it('fails only the key that is bad, and deletes in the same call', async () => {
    const current = await db.get('many-1');
    const outcomes = await db.putMany([
      { key: 'many-0', value: 'replaced' },
      { key: '', value: 'empty key' },
      { key: 'many-1', delete: true, context: current.context },
    ]);
    expect(outcomes.map((o) => o.ok)).toEqual([true, false, true]);
    expect(outcomes[1]).toMatchObject({ ok: false, error: { code: 'invalid-argument' } });
    const after = await db.getMany(['many-0', 'many-1']);
    expect(after[0]).toMatchObject({ ok: true, result: { found: true } });
    expect(after[1]).toMatchObject({ ok: true, result: { found: false } });
  });

  it('refuses more than manyOpsMax keys and anything but an array, before sending anything', async () => {
    await expect(db.getMany(Array.from({ length: manyOpsMax + 1 }, (_, i) => `k${i}`))).rejects.toMatchObject({ code: 'invalid-argument', message: expect.stringMatching(/manyOpsMax/) });
    await expect(db.putMany('nope' as never)).rejects.toMatchObject({ code: 'invalid-argument' });
    const bad = await db.putMany([null as never]);
    expect(bad[0]).toMatchObject({ ok: false, error: { code: 'invalid-argument' } });
  });
});
