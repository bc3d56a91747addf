/**
 * /metrics of a node in a three-node cluster, after gets, puts and deletes,
 * passes `promtool check metrics` (Prometheus's own linter: base units in
 * names, counters typed `counter` and named `_total`, HELP on every family).
 * Skipped, with a line on stderr, where promtool is not installed (Debian
 * package `prometheus`; `.ci/run` installs it).
 */
import { spawnSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import type { RingkvNode } from '../src/index.js';
import { connect } from './support/client.js';
import { startThree } from './support/cluster.js';
import { removeTempDirs, startTestNode } from './support/node.js';

const hasPromtool = spawnSync('sh', ['-c', 'command -v promtool'], { encoding: 'utf8' }).status === 0;
if (!hasPromtool) process.stderr.write('promtool.test.ts: promtool is not installed (apt-get install prometheus); the promtool check is skipped\n');

const running: RingkvNode[] = [];
afterAll(async () => {
  await Promise.all(running.map((n) => n.stop().catch(() => {})));
  removeTempDirs();
});

/** The `# TYPE` of each family in an exposition. */
function types(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) out.set(m[1] as string, m[2] as string);
  return out;
}

describe('/metrics and promtool', () => {
  it.skipIf(!hasPromtool)('promtool check metrics accepts /metrics of a node in a cluster under gets, puts and deletes (skipped without promtool)', async () => {
    const { nodes } = await startThree(async (id, dataDir, seeds) => {
      const node = await startTestNode({ id, dataDir, seeds, gossipIntervalMs: 50, requestTimeoutMs: 2_000 });
      running.push(node);
      return node;
    });
    const c = await connect(nodes[1].url);
    for (let i = 0; i < 20; i++) {
      await c.request({ type: 'put', key: `k${i}`, value: new Uint8Array([i]) });
      await c.request({ type: 'get', key: `k${i}` });
    }
    await c.request({ type: 'delete', key: 'k0' });
    await c.close();
    const text = await (await fetch(`${nodes[1].httpUrl}/metrics`)).text();
    const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8', timeout: 30_000 });
    expect(`${check.stdout}${check.stderr}`).toBe('');
    expect(check.status).toBe(0);
    // The peer latency histograms saw the replica calls of those requests.
    expect(text).toMatch(/^ringkv_peer_call_duration_seconds_count\{node="b",call="apply"\} [1-9]/m);
    expect(text).toMatch(/^ringkv_peer_call_duration_seconds_count\{node="b",call="fetch"\} [1-9]/m);
  });

  it('every counter is typed counter and named _total, and no family names an abbreviated unit', async () => {
    const node = await startTestNode({ id: 'lint-1' });
    running.push(node);
    const text = await (await fetch(`${node.httpUrl}/metrics`)).text();
    const t = types(text);
    expect(t.get('ringkv_storage_wal_syncs_total')).toBe('counter');
    expect(t.get('ringkv_storage_flushes_total')).toBe('counter');
    expect(t.get('ringkv_storage_compactions_total')).toBe('counter');
    expect(t.get('ringkv_storage_user_written_bytes_total')).toBe('counter');
    expect(t.get('ringkv_ae_duration_seconds_total')).toBe('counter');
    expect(t.get('ringkv_request_duration_seconds')).toBe('histogram');
    expect(t.get('process_cpu_seconds_total')).toBe('counter');
    for (const [name, type] of t) {
      expect(name.endsWith('_total'), `${name} is a ${type}`).toBe(type === 'counter');
      expect(name, 'abbreviated unit').not.toMatch(/_(ms|us|ns|kb|mb|secs?)(_|$)/);
    }
    // Sub-millisecond resolution: request and peer latency histograms have at least 8 bounds under 1 ms.
    for (const family of ['ringkv_request_duration_seconds_bucket{node="lint-1",op="get"', 'ringkv_peer_call_duration_seconds_bucket{node="lint-1",call="fetch"']) {
      const bounds = [...text.matchAll(/^(\S+),le="([^"]+)"\}/gm)].filter((m) => m[1] === family).map((m) => Number(m[2]));
      expect(bounds.filter((le) => le < 0.001).length, family).toBeGreaterThanOrEqual(8);
    }
  });
});
