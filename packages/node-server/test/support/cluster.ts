/** Helpers for multi-node tests: polling /status until the cluster agrees, and reading a stopped node's store. */
import { openEngine } from '@ringkv/lsm-engine';
import { storageKey, type NodeOptions, type RingkvNode } from '../../src/index.js';
import { decodeSet, type StoredSet } from '../../src/store/set-codec.js';
import { codec, type TestClient } from './client.js';
import { tempDir, type nodeTracker } from './node.js';

/** Polls `check` every 25 ms until it returns true; throws with `what` after `timeoutMs`. */
export async function waitUntil(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The cluster part of a node's /status. */
export interface StatusCluster {
  members: { id: string; status: string; url: string; ownership: { primary: number; replica: number } }[];
  down: string[];
  hintsPending: Record<string, number>;
  handoff: { replayed: number };
  coordinator: { readRepairs: number };
  forwarding: { forwardedOut: number; forwardedIn: number };
  ring: { version: number; members: number };
}

export async function clusterStatus(httpUrl: string, headers: Record<string, string> = {}): Promise<StatusCluster> {
  const res = await fetch(`${httpUrl}/status`, { headers });
  return ((await res.json()) as { cluster: StatusCluster }).cluster;
}

/** True when every node sees exactly `ids`, all `normal`, on the same ring version. */
export async function agree(httpUrls: readonly string[], ids: readonly string[], headers: Record<string, string> = {}): Promise<boolean> {
  const all = await Promise.all(httpUrls.map((u) => clusterStatus(u, headers).catch(() => undefined)));
  if (all.some((s) => s === undefined)) return false;
  const versions = new Set(all.map((s) => s!.ring.version));
  return versions.size === 1 && all.every((s) => s!.members.length === ids.length && s!.members.every((m) => ids.includes(m.id) && m.status === 'normal'));
}

/** True when some node sees `id` down (so writes route around it without waiting for a timeout). */
export async function seenDown(httpUrls: readonly string[], id: string): Promise<boolean> {
  const all = await Promise.all(httpUrls.map((u) => clusterStatus(u)));
  return all.every((s) => s.down.includes(id));
}

/** The stored sets of `keys` in a (stopped) node's data directory, read straight from its engine. */
export async function storedSets(dataDir: string, keys: readonly string[]): Promise<Map<string, StoredSet | undefined>> {
  const engine = await openEngine(dataDir);
  try {
    const out = new Map<string, StoredSet | undefined>();
    for (const k of keys) {
      const bytes = engine.getSync(storageKey(k));
      out.set(k, bytes === undefined ? undefined : decodeSet(bytes));
    }
    return out;
  } finally {
    await engine.close();
  }
}

/** The text values of a stored set's live siblings. */
export function valuesOf(set: StoredSet | undefined): string[] {
  if (set === undefined) return [];
  const out: string[] = [];
  for (const e of set.entries) for (const v of e.versions) if (!v.tombstone && v.value instanceof Uint8Array) out.push(Buffer.from(v.value).toString());
  return out.sort();
}

/** A put of a text value with W; resolves with the reply. */
export function put(c: TestClient, key: string, value: string, w: number, extra: Record<string, unknown> = {}) {
  return c.request({ type: 'put', key, value: new TextEncoder().encode(value), options: { w, ...extra } });
}

/** A get with R; resolves with the reply. */
export function get(c: TestClient, key: string, r: number, extra: Record<string, unknown> = {}) {
  return c.request({ type: 'get', key, options: { r, ...extra } });
}

export { codec };

/** Starts nodes a, b and c on fresh data directories (b and c seeded with a) through `start`, and waits until all three agree on the ring. */
export async function startThree(
  start: (id: string, dataDir: string, seeds: string[]) => Promise<RingkvNode>,
): Promise<{ nodes: [RingkvNode, RingkvNode, RingkvNode]; dirs: [string, string, string] }> {
  const dirs: [string, string, string] = [tempDir(), tempDir(), tempDir()];
  const a = await start('a', dirs[0], []);
  const nodes: [RingkvNode, RingkvNode, RingkvNode] = [a, await start('b', dirs[1], [a.url]), await start('c', dirs[2], [a.url])];
  await waitUntil('three nodes agree', () => agree(nodes.map((n) => n.httpUrl), ['a', 'b', 'c']));
  return { nodes, dirs };
}

/**
 * Starts one in-process node per entry of `layout` (node id → its own options:
 * dc, rack, machine), in `layout`'s order, all with `common`: the first also
 * with `founder` (the cluster settings it founds: replication map, r, w), the
 * others seeded with the first's URL and started together. Resolves, in
 * `layout`'s order, once every node sees every one of them normal on one ring.
 */
export async function startLabelledCluster(
  nodes: ReturnType<typeof nodeTracker>,
  layout: Readonly<Record<string, Partial<NodeOptions>>>,
  common: Partial<NodeOptions>,
  founder: Partial<NodeOptions>,
): Promise<RingkvNode[]> {
  const [firstId, ...restIds] = Object.keys(layout) as [string, ...string[]];
  const first = await nodes.start({ id: firstId, ...common, ...layout[firstId], ...founder });
  const rest = await Promise.all(restIds.map((id) => nodes.start({ id, ...common, ...layout[id], seeds: [first.url] })));
  const all = [first, ...rest];
  await waitUntil(`${all.length} nodes agree`, () => agree(all.map((n) => n.httpUrl), Object.keys(layout)));
  return all;
}
