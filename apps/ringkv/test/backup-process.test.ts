/**
 * Backup and restore with real processes (issue 18): three `ringkv start`
 * nodes (N=3, R=2, W=2), writes including a key with two siblings and a
 * deleted key, `ringkv backup`, more writes, every node stopped and its data
 * wiped, a new empty three-node cluster, `ringkv restore`: every write
 * acknowledged before the backup began reads back (the siblings as siblings,
 * the delete as a delete), and the writes made after it are absent.
 *
 * Needs dist/ (the root test command runs `tsc -b` first). No duration is
 * asserted; every wait is bounded and names what it waited for.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { connect, type RingkvClient } from '@ringkv/client-sdk';
import { describe, expect, it } from 'vitest';
import { processRun, run, statusOf, stopAll, until, type NodeProcess } from './support/processes.js';

const quorums = ['--n', '3', '--r', '2', '--w', '2', '--anti-entropy-interval-ms', '0'];
const processes = processRun('ringkv-backup-');

async function cluster(prefix: string): Promise<NodeProcess[]> {
  const first = await processes.start(`${prefix}1`, quorums);
  const port = new URL(first.url).port;
  const others = await Promise.all([2, 3].map((i) => processes.start(`${prefix}${i}`, [...quorums, '--seeds', `127.0.0.1:${port}`])));
  const all = [first, ...others];
  await until('three members, all normal', 30_000, async () => {
    const views = await Promise.all(all.map((n) => statusOf<{ cluster?: { members?: { status: string }[] } }>(n)));
    return views.every((v) => (v?.cluster?.members ?? []).filter((m) => m.status === 'normal').length === 3);
  });
  return all;
}

function text(v: unknown): string {
  return typeof v === 'string' ? v : new TextDecoder().decode(v as Uint8Array);
}

describe('ringkv backup and restore (issue 18)', () => {
  it('brings a wiped cluster back to every write acknowledged before the backup, siblings included', async () => {
    const old = await cluster('a');
    const client: RingkvClient = await connect(old.map((n) => n.url));
    const acked = new Map<string, string>();
    for (let i = 0; i < 300; i++) {
      await client.put(`key-${i}`, `value-${i}`);
      acked.set(`key-${i}`, `value-${i}`);
    }
    // Two writes without a context: two siblings, kept as such.
    await client.put('twins', 'left');
    await client.put('twins', 'right');
    const deleted = await client.get('key-7');
    await client.delete('key-7', { context: deleted.context });
    acked.delete('key-7');
    const twins = await client.get<string>('twins');
    expect(twins.values.sort()).toEqual(['left', 'right']);

    const out = join(processes.dir(), 'backup');
    const backup = await run(['backup', '--url', old[0]!.url, '--out', out, '--json']);
    expect(backup.code, backup.stderr).toBe(0);
    const summary = JSON.parse(backup.stdout) as { complete: boolean; nodes: { id: string }[] };
    expect(summary.complete).toBe(true);
    expect(summary.nodes.map((n) => n.id).sort()).toEqual(['a1', 'a2', 'a3']);
    expect(JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'))).toMatchObject({ complete: true });

    for (let i = 0; i < 20; i++) await client.put(`after-${i}`, 'not in the backup');
    await client.close();
    await stopAll(old);
    for (const n of old) rmSync(join(processes.dir(), n.id), { recursive: true, force: true });
    expect(existsSync(join(processes.dir(), 'a1'))).toBe(false);

    const fresh = await cluster('b');
    const restore = await run(['restore', out, '--url', fresh[1]!.url, '--json']);
    expect(restore.code, restore.stderr).toBe(0);
    const restored = JSON.parse(restore.stdout) as { keys: number; failed: number };
    expect(restored.failed).toBe(0);
    expect(restored.keys).toBeGreaterThanOrEqual(acked.size);

    const reader = await connect(fresh.map((n) => n.url));
    for (const [key, value] of acked) {
      const got = await reader.get<string>(key, { r: 'all' });
      expect(got.values.map(text), key).toEqual([value]);
    }
    expect((await reader.get('key-7', { r: 'all' })).found).toBe(false);
    expect((await reader.get('after-3', { r: 'all' })).found).toBe(false);
    const back = await reader.get<string>('twins', { r: 'all' });
    expect(back.values.map(text).sort()).toEqual(['left', 'right']);
    await reader.close();
  });
});
