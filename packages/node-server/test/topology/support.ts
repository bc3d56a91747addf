/** Helpers of the topology tests: nodes on loopback, admin calls, a write load, and the data keys of a stopped node. */
import { HashRing } from '@ringkv/hashring';
import { openEngine } from '@ringkv/lsm-engine';
import { startNode, type NodeOptions, type RingkvNode } from '../../src/index.js';
import { ringSpecs, ringVnodesBase } from '../../src/cluster/ring-view.js';
import { connect, type TestClient } from '../support/client.js';
import { agree, put, waitUntil } from '../support/cluster.js';
import { tempDir } from '../support/node.js';

export const fast: Partial<NodeOptions> = { gossipIntervalMs: 50, requestTimeoutMs: 2_000, logLevel: 'silent', durability: 'sync', antiEntropyIntervalMs: 0 };

/** Nodes and clients a test opened, closed after each test. */
export const running: RingkvNode[] = [];
export const clients: TestClient[] = [];

export async function start(id: string, dataDir: string, seeds: string[], extra: Partial<NodeOptions> = {}): Promise<RingkvNode> {
  const node = await startNode({ id, dataDir, seeds, ...fast, ...extra });
  running.push(node);
  return node;
}

export async function client(url: string): Promise<TestClient> {
  const c = await connect(url);
  clients.push(c);
  return c;
}

export async function closeAll(): Promise<void> {
  await Promise.all(clients.splice(0).map((c) => c.close().catch(() => {})));
  await Promise.all(running.splice(0).map((n) => n.stop().catch(() => {})));
}

/** `ids.length` nodes (the first is everyone's seed), agreed on the ring. */
export async function startCluster(ids: readonly string[], extra: Partial<NodeOptions>): Promise<{ nodes: RingkvNode[]; dirs: string[] }> {
  const dirs = ids.map(() => tempDir());
  const first = await start(ids[0] as string, dirs[0] as string, [], extra);
  const rest = await Promise.all(ids.slice(1).map((id, i) => start(id, dirs[i + 1] as string, [first.url], extra)));
  const nodes = [first, ...rest];
  await waitUntil(`${ids.join(',')} agree on the ring`, () => agree(nodes.map((n) => n.httpUrl), ids));
  return { nodes, dirs };
}

/** An admin HTTP call; resolves with the status and the JSON body. */
export async function admin(httpUrl: string, method: 'GET' | 'POST', path: string, body?: unknown, token?: string): Promise<{ status: number; body: any }> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token !== undefined) headers['authorization'] = `Bearer ${token}`;
  const res = await fetch(`${httpUrl}${path}`, { method, headers, ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }) });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // ndjson (POST /repair) or plain text
  }
  return { status: res.status, body: parsed };
}

/** The node's `cluster.topology` and members from /status. */
export async function topologyOf(httpUrl: string): Promise<{ self: string; stream: any; cleanup: any; members: { id: string; status: string }[] }> {
  const s = (await (await fetch(`${httpUrl}/status`)).json()) as { cluster: { topology: any; members: { id: string; status: string }[] } };
  return { ...s.cluster.topology, members: s.cluster.members };
}

/** Runs POST /admin/cleanup until it is not refused for a change in progress. */
export async function cleanupNow(httpUrl: string): Promise<{ rangesDropped: number; keysDropped: number; bytesPushed: number }> {
  let last: { status: number; body: any } | undefined;
  await waitUntil(`cleanup runs on ${httpUrl}`, async () => {
    last = await admin(httpUrl, 'POST', '/admin/cleanup');
    return last.status === 200;
  });
  return last?.body;
}

/** A write load through one client: puts `prefix-i` until stopped; resolves with the keys acknowledged. */
export function writeLoad(c: TestClient, prefix: string, w: number): { stop(): Promise<string[]> } {
  let stopping = false;
  const acked: string[] = [];
  const done = (async () => {
    for (let i = 0; !stopping && i < 100_000; i++) {
      const key = `${prefix}-${i}`;
      const reply = await put(c, key, `value-${key}`, w);
      if (reply.type === 'put-ok') acked.push(key);
    }
  })();
  return {
    async stop() {
      stopping = true;
      await done;
      return acked;
    },
  };
}

/** Every user key stored under the data prefix of a (stopped) node's directory. */
export async function dataKeys(dataDir: string): Promise<Set<string>> {
  const engine = await openEngine(dataDir);
  try {
    const out = new Set<string>();
    for (const [k] of engine.iterate({ gte: Uint8Array.of(0x64), lt: Uint8Array.of(0x65) })) out.add(Buffer.from(k.subarray(9)).toString());
    return out;
  } finally {
    await engine.close();
  }
}

/** The ring nodes build for `ids` (all normal, default vnodes). */
export function ringOf(ids: readonly string[]): HashRing {
  return HashRing.fromNodes(ringSpecs(ids.map((id) => ({ id, status: 'normal' as const, vnodes: 64, weight: 1, zone: '' }))), { vnodes: ringVnodesBase });
}

/** Keys and bytes (user key + stored set) of the `d` records an engine holds: what /status `store` must equal. */
export function dataRecordTotals(engine: { iterate(bounds: { gte: Uint8Array; lt: Uint8Array }): Iterable<[Uint8Array, Uint8Array]> }): { keys: number; bytes: number } {
  let keys = 0;
  let bytes = 0;
  for (const [k, v] of engine.iterate({ gte: Uint8Array.of(0x64), lt: Uint8Array.of(0x65) })) {
    keys++;
    bytes += k.length - 9 + v.length;
  }
  return { keys, bytes };
}
