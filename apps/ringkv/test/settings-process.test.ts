/**
 * Cluster settings belong to the cluster (issue 13, item 0), shown with
 * real processes started the way a user starts a cluster on three machines:
 * `ringkv start --id n1` with no seeds and no --n, then n2 and n3 with
 * `--seeds n1`. All three must run N=3 R=2 W=2 (n1's founded settings, which
 * the others adopt), a put through n1 with n2 and n3 killed must not be
 * acknowledged at W=2, a node with an explicit different --n must refuse to
 * join, and a restarted n1 runs with its persisted settings (and refuses an
 * explicit different value).
 *
 * Needs dist/. No duration is asserted; every wait is bounded.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { processRun, run, spawnStart, statusOf, until, type NodeProcess } from './support/processes.js';

interface Settings {
  n: number;
  r: number;
  w: number;
  mode: string;
  effectiveN: number;
  origin: string;
  source: string;
  disagreeing: unknown[];
}

interface Status {
  cluster?: { settings?: Settings; members?: { id: string; status: string }[] };
}

const processes = processRun('ringkv-settings-');

const settingsOf = async (node: NodeProcess): Promise<Settings | undefined> => (await statusOf<Status>(node))?.cluster?.settings;

/** Every node lists the three, all normal. */
async function threeNormal(members: readonly NodeProcess[]): Promise<boolean> {
  const views = await Promise.all(members.map((n) => statusOf<Status>(n)));
  return views.every((v) => (v?.cluster?.members ?? []).filter((m) => m.status === 'normal').length === 3);
}

/** `ringkv start` exactly as given, expected to exit before it is ready: its code and output. */
async function refusedStart(args: string[]): Promise<{ code: number | null; output: string }> {
  const p = spawnStart(args);
  const code = await p.exited;
  return { code, output: p.output() };
}

describe('cluster settings agreed by real processes started as a user starts them', () => {
  it('gives one consistent cluster from the natural three-command start, refuses a different explicit --n, and does not acknowledge a W=2 put with two nodes killed', { timeout: 240_000 }, async () => {
    const n1 = await processes.start('n1', []);
    const lone = await settingsOf(n1);
    expect(lone, n1.output()).toMatchObject({ n: 3, r: 2, w: 2, mode: 'sloppy', effectiveN: 1, origin: 'n1', source: 'founded' });
    // A lone first node with N=3 still serves: keys have one replica until others join.
    const alone = await run(['put', 'early', 'x', '--url', n1.url]);
    expect(alone.stdout + alone.stderr).toMatch(/^OK/);

    const seeds = ['--seeds', n1.url.replace('ws://', '')];
    const [n2, n3] = await Promise.all([processes.start('n2', seeds), processes.start('n3', seeds)]);
    const all = [n1, n2, n3];
    await until('three nodes to see each other', 60_000, () => threeNormal(all), () => all.map((n) => n.output().slice(-400)));
    for (const node of all) {
      expect(await settingsOf(node), node.id).toMatchObject({ n: 3, r: 2, w: 2, mode: 'sloppy', effectiveN: 3, origin: 'n1', source: node === n1 ? 'founded' : 'seed', disagreeing: [] });
    }
    const status = await run(['status', '--url', n1.url]);
    expect(status.stdout).toMatch(/cluster settings \(founded by n1\): N=3 R=2 W=2 sloppy, read repair local, hint TTL 3 h, tombstone grace 10 d, Merkle buckets 2\^16/);
    expect(status.stdout).not.toMatch(/other cluster settings/);

    const differing = await refusedStart(['--id', 'n4', '--port', '0', '--data', join(processes.dir(), 'n4'), '--log-level', 'warn', ...seeds, '--n', '5']);
    expect(differing.code, differing.output).toBe(1);
    expect(differing.output).toMatch(/ringkv: start: refused to join: setting --n is 5 here but 3 in the cluster \(the cluster's, founded by n1\).*\[settings-mismatch\]/);

    expect((await run(['put', 'k', 'before', '--url', n1.url])).stdout).toMatch(/^OK/);
    for (const n of [n2, n3]) n.proc.kill('SIGKILL');
    await Promise.all([n2.exited, n3.exited]);
    const put = await run(['put', 'k', 'x', '--url', n1.url, '--timeout-ms', '3000']);
    expect(put.stdout, put.stderr).not.toMatch(/^OK/);
    expect(put.code).toBe(1);
    expect(put.stderr).toMatch(/quorum-not-met|timeout/);
    // The write itself, not only put's read of the key first: a blind put must not reach W=2 either.
    const blind = await run(['put', 'k', 'x', '--blind', '--url', n1.url, '--timeout-ms', '3000']);
    expect(blind.stdout, blind.stderr).not.toMatch(/^OK/);
    expect(blind.stderr).toMatch(/put k: .*(acknowledged the write|did not reach its quorum).*\[(quorum-not-met|timeout)\]/);

    // A restart of n1 alone runs with its persisted settings, still as a cluster of three, and refuses another explicit N.
    n1.proc.kill('SIGTERM');
    await n1.exited;
    const restartArgs = ['--id', 'n1', '--port', '0', '--data', join(processes.dir(), 'n1'), '--log-level', 'warn'];
    const changed = await refusedStart([...restartArgs, '--n', '1']);
    expect(changed.code, changed.output).toBe(1);
    expect(changed.output).toMatch(/setting --n is 1 here but 3 in the cluster \(agreed when .*n1 first started/);
    const again = await processes.start('n1', []);
    expect(await settingsOf(again)).toMatchObject({ n: 3, r: 2, w: 2, effectiveN: 3, source: 'persisted' });
    const afterRestart = await run(['put', 'k', 'y', '--url', again.url, '--timeout-ms', '3000']);
    expect(afterRestart.stdout, afterRestart.stderr).not.toMatch(/^OK/);
  });
});
