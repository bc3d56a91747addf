/**
 * Growing and shrinking a real cluster under load (issue 7): three
 * `ringkv start` processes (N=3, R=2, W=2), an SDK write load that records
 * every acknowledged write, a fourth node started with `--join`, then
 * `ringkv leave` of an original node, the load running throughout.
 *
 * After the join and at the end, every acknowledged write is read back with
 * R=2 (before any repair: what the stream and the quorums kept), then, with
 * the load paused, after `ringkv repair` and `ringkv cleanup` on each node,
 * each node's key count (/status `store.keys`) is compared with its share of
 * the ring: the keys whose preference list, computed from the members with
 * the placement rule (`RingTable`, on the nodes' ring version), names it. A
 * write that failed may or may not have landed, so the share of acknowledged
 * keys bounds a count from below and the share of every key sent from above
 * (equal when no write failed). After the join, the old owners' cleanup must
 * have dropped keys, at most the keys n4 now replicates.
 *
 * Needs dist/ (the root test command runs `tsc -b` first). No duration is
 * asserted; every wait is bounded and names what it waited for.
 */
import { connect, RingTable, type RingkvClient } from '@ringkv/client-sdk';
import { describe, expect, it } from 'vitest';
import { processRun, run, statusOf as statusJson, until, type NodeProcess as Node } from './support/processes.js';

const quorums = ['--n', '3', '--r', '2', '--w', '2'];

interface Status {
  id: string;
  store?: { keys: number; bytes: number };
  cluster?: {
    ring?: { version?: number };
    members?: { id: string; status: string }[];
    topology?: { self: string; stream: unknown };
  };
}

const processes = processRun('ringkv-topology-');
const nodes = processes.nodes;

/** `ringkv start` as a child process (N=3, R=2, W=2); resolves at its ready line. */
function startNode(id: string, extra: string[]): Promise<Node> {
  return processes.start(id, [...quorums, ...extra]);
}

const statusOf = (node: Node): Promise<Status | undefined> => statusJson<Status>(node);

/** Every node lists exactly `ids`, all normal, on one ring version. */
async function agreed(members: readonly Node[], ids: readonly string[]): Promise<boolean> {
  const views = await Promise.all(members.map(statusOf));
  const versions = new Set(views.map((v) => v?.cluster?.ring?.version));
  const want = [...ids].sort().join(',');
  return versions.size === 1 && views.every((v) => {
    const ms = (v?.cluster?.members ?? []).filter((m) => m.status !== 'left');
    return ms.map((m) => m.id).sort().join(',') === want && ms.every((m) => m.status === 'normal') && (v?.cluster?.topology?.self ?? 'normal') === 'normal';
  });
}

/**
 * A write load of unique keys from a few concurrent workers: `acked` holds
 * every write the cluster acknowledged (W=2), `attempted` every write sent
 * (a timeout is indeterminate: it may have landed).
 */
class Load {
  readonly acked = new Map<string, string>();
  readonly attempted = new Set<string>();
  failures = 0;
  private running = true;
  private round = 0;
  private workers: Promise<void>[] = [];
  constructor(private readonly client: RingkvClient) {}

  /** Starts (or restarts after `stop`) the workers; each start writes keys of its own. */
  start(workers: number, pauseMs: number): void {
    this.running = true;
    const round = this.round++;
    this.workers = Array.from({ length: workers }, (_, w) => this.worker(round, w, pauseMs));
  }

  private async worker(round: number, w: number, pauseMs: number): Promise<void> {
    for (let i = 0; this.running; i++) {
      const key = `load:${round}:${w}:${i}`;
      const value = `v${w}-${i}`;
      this.attempted.add(key);
      try {
        await this.client.put(key, value, { w: 2 });
        this.acked.set(key, value);
      } catch {
        this.failures++;
      }
      await new Promise((r) => setTimeout(r, pauseMs));
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.workers);
  }
}

/** Keys (of `keys`) that a read with R=2 does not return with their acknowledged value. */
async function unreadable(client: RingkvClient, keys: readonly string[], acked: ReadonlyMap<string, string>): Promise<string[]> {
  const lost: string[] = [];
  await inBatches(keys, async (key) => {
    const read = await retryOnce(() => client.get(key, { r: 2 }));
    if (!read.found || read.values.length !== 1 || read.values[0] !== acked.get(key)) lost.push(key);
  });
  return lost;
}

async function inBatches<T>(items: readonly T[], each: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += 64) await Promise.all(items.slice(i, i + 64).map(each));
}

/** A read under load may time out once; a second failure is the test's. */
async function retryOnce<T>(op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch {
    return op();
  }
}

/**
 * Each node's share of `keys` by the ring: the keys whose preference list,
 * computed from the members with the placement rule, names it.
 */
function ringShares(table: RingTable, keys: Iterable<string>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const key of keys) for (const id of table.replicas(key)) out[id] = (out[id] ?? 0) + 1;
  return out;
}

/** `ringkv repair` then `ringkv cleanup` on each node, as an operator would after a change. */
async function repairAndCleanup(members: readonly Node[]): Promise<void> {
  for (const n of members) {
    const repair = await run(['repair', '--url', n.url]);
    expect(repair.code, `repair on ${n.id}: ${repair.stderr}`).toBe(0);
  }
  for (const n of members) {
    const cleanup = await run(['cleanup', '--url', n.url]);
    expect(cleanup.code, `cleanup on ${n.id}: ${cleanup.stderr}`).toBe(0);
  }
}

/** Sum of the keys cleanup dropped on `members` (their /status), and whether any still has ranges waiting. */
async function cleanupOf(members: readonly Node[]): Promise<{ keysDropped: number; pending: number }> {
  const views = await Promise.all(members.map(statusOf));
  let keysDropped = 0;
  let pending = 0;
  for (const v of views) {
    const c = (v?.cluster?.topology as { cleanup?: { keysDropped: number; pending: number } } | undefined)?.cleanup;
    keysDropped += c?.keysDropped ?? 0;
    pending += c?.pending ?? 0;
  }
  return { keysDropped, pending };
}

/**
 * With the load stopped: each node's /status `store.keys` lies between its
 * ring share of the acknowledged keys and of every key sent (module
 * comment), and the client's ring is the nodes' ring (same version).
 */
async function expectShares(client: RingkvClient, members: readonly Node[], load: Load): Promise<void> {
  const reply = await client.ring();
  const table = RingTable.fromReply(reply);
  if (table === undefined) throw new Error('the client has no ring');
  const views = await Promise.all(members.map(statusOf));
  expect(views.map((v) => v?.cluster?.ring?.version), 'every node on the ring version the client placed keys with').toEqual(members.map(() => reply.version));
  const low = ringShares(table, load.acked.keys());
  const high = ringShares(table, load.attempted);
  const counts = Object.fromEntries(members.map((n, i) => [n.id, views[i]?.store?.keys]));
  const within = Object.fromEntries(members.map((n) => [n.id, (counts[n.id] ?? -1) >= (low[n.id] ?? 0) && (counts[n.id] ?? -1) <= (high[n.id] ?? 0)]));
  const note = `store.keys ${JSON.stringify(counts)}, ring share of acknowledged keys ${JSON.stringify(low)}, of keys sent ${JSON.stringify(high)} (${load.failures} writes failed)`;
  expect(within, note).toEqual(Object.fromEntries(members.map((n) => [n.id, true])));
  if (load.failures === 0) expect(counts, note).toEqual(low);
}

describe('a real cluster grows and shrinks under load', () => {
  it('joins a fourth node and decommissions an original one without losing an acknowledged write; each node holds its ring share', async () => {
    const n1 = await startNode('n1', []);
    const [n2, n3] = await Promise.all([startNode('n2', ['--seeds', n1.url]), startNode('n3', ['--seeds', n1.url])]);
    const first = [n1, n2, n3] as Node[];
    await until('three nodes to agree', 60_000, () => agreed(first, ['n1', 'n2', 'n3']), () => first.map((n) => n.output().slice(-500)));

    const refused = await run(['remove', 'n3', '--url', n1.url]);
    expect([refused.code, refused.stderr.trim()]).toEqual([1, expect.stringMatching(/^ringkv: remove: [^\n]*\[member-up\]$/)]);

    const client = await connect(first.map((n) => n.url), { routing: 'token-aware', requestTimeoutMs: 5_000 });
    const load = new Load(client);
    try {
      load.start(3, 5);
      await until('some writes before the join', 60_000, async () => load.acked.size >= 600);

      const plan = await run(['plan', 'join', 'n4', '--url', n1.url]);
      expect(plan.code, plan.stderr).toBe(0);
      expect(plan.stdout).toMatch(/^n4 would receive \d+\.\d% of keys: [\d,]+ keys, /);

      const beforeJoin = new Set(load.attempted);
      const n4 = await startNode('n4', ['--join', '--seeds', n1.url]);
      const four = [...first, n4];
      await until('n4 to finish joining', 120_000, () => agreed(four, ['n1', 'n2', 'n3', 'n4']), () => four.map((n) => n.output().slice(-300)));
      await until('more writes after the join', 60_000, async () => load.acked.size >= 1_200);

      await load.stop();
      const afterJoin = [...load.acked.keys()];
      expect(await unreadable(client, afterJoin, load.acked), 'acknowledged writes unreadable after the join').toEqual([]);
      await repairAndCleanup(four);
      await expectShares(client, four, load);
      const table = RingTable.fromReply(await client.ring());
      const moved = [...load.attempted].filter((k) => table?.replicas(k).includes('n4')).length;
      const cleaned = await cleanupOf(first);
      expect(cleaned.pending).toBe(0);
      // The old owners dropped what n4 took from them, never more than every key n4 replicates.
      expect(cleaned.keysDropped, `dropped ${cleaned.keysDropped}, n4 replicates ≤ ${moved} (${beforeJoin.size} written before it joined)`).toBeGreaterThan(0);
      expect(cleaned.keysDropped).toBeLessThanOrEqual(moved);
      load.start(3, 5);

      const leave = await run(['leave', '--url', n2.url]);
      expect(leave.code, `${leave.stderr}\n${n2.output().slice(-2000)}`).toBe(0);
      expect(leave.stdout).toMatch(/^n2 has left the cluster/);
      expect(await n2.exited).toBe(0);
      await until('the others to agree without n2', 60_000, () => agreed([n1, n3, n4], ['n1', 'n3', 'n4']));
      await until('more writes after the leave', 60_000, async () => load.acked.size >= 1_800);
    } finally {
      await load.stop();
    }
    const rest = nodes.filter((n) => n.id !== 'n2');
    const status = await run(['status', '--url', n1.url]);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).not.toMatch(/^n2\s+\S+\s+(normal|leaving)\b/m);

    const all = [...load.acked.keys()];
    expect(await unreadable(client, all, load.acked), `acknowledged writes unreadable at the end (of ${all.length}; ${load.failures} writes failed)`).toEqual([]);
    await repairAndCleanup(rest);
    await expectShares(client, rest, load);
    await client.close();
  }, 300_000);
});
