/**
 * Foreground latency while anti-entropy repairs (issue 7: "foreground p99
 * stays within 2× of its unloaded value").
 *
 * Three real nodes in one process (N=3, R=2, W=2, loopback WebSockets,
 * durability interval), AEFG_KEYS keys (default 200,000; 100-byte random
 * values) loaded into every engine before start. Node a repairs at the
 * default throttle (32 MiB/s), node c unthrottled (10 GiB/s, the option's
 * maximum). A foreground client (one connection per node, AEFG_CONCURRENCY
 * requests in flight in all, default 16; half gets of loaded keys, half puts
 * to fresh keys) is measured in three phases per repeat (AEFG_REPEATS,
 * default 5):
 *
 *   (a) unloaded: AEFG_OPS requests (default 3,000), no repair;
 *   (b) while `POST /repair` on a runs: first AEFG_PCT % of the key count
 *       (default 2 %) is written as fresh keys through a while b's engine
 *       mangles its copies (`mangling`: half dropped, half given a newer
 *       version of b's own), so a's pass pulls from b and pushes to b and c;
 *   (c) the same with a's copies mangled and the pass on c (pulls from a,
 *       pushes to a and b: the same work, unthrottled).
 *
 * Only requests started while the pass runs count in (b) and (c). The
 * client and the three nodes share one thread, so a stall on either side
 * of an exchange is seen by every request: a stricter test than one node
 * per process.
 *
 * Run: pnpm --filter @ringkv/node-server bench anti-entropy-foreground
 * The table is printed after the bench rows.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openEngine } from '@ringkv/lsm-engine';
import { context, empty, live, update } from '@ringkv/vclock';
import { afterAll, bench, describe } from 'vitest';
import { startNode, type EngineOp, type NodeOptions, type RingkvNode, type StorageOpener } from '../src/index.js';
import { storageKey } from '../src/store/keys.js';
import { decodeSet, encodeSet, type StoredValue } from '../src/store/set-codec.js';
import { connect, type TestClient } from '../test/support/client.js';
import { agree, clusterStatus, waitUntil } from '../test/support/cluster.js';

const keys = Number(process.env['AEFG_KEYS'] ?? 200_000);
const divergedPct = Number(process.env['AEFG_PCT'] ?? 2);
const repeats = Number(process.env['AEFG_REPEATS'] ?? 5);
const concurrency = Number(process.env['AEFG_CONCURRENCY'] ?? 16);
const unloadedOps = Number(process.env['AEFG_OPS'] ?? 3_000);
const ids = ['a', 'b', 'c'] as const;
const t0 = Date.now();
const step = (what: string): void => void (process.env['AEFG_VERBOSE'] && console.error(`[${Date.now() - t0} ms] ${what}`));
type Id = (typeof ids)[number];
const throttle: Record<Id, number | undefined> = { a: undefined, b: undefined, c: 10 * 1024 ** 3 };
const dirs = new Map<Id, string>();
const ports = new Map<Id, number>();
const nodes = new Map<Id, RingkvNode>();
const tmpDirs: string[] = [];

/** Pseudo-random 100-byte values (incompressible, so lz4 does not flatter the figures). */
let seed = 0x9e3779b9;
const next = (): number => (seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0);
const randomValue = (): Uint8Array => Uint8Array.from({ length: 100 }, () => next() >>> 24);

async function load(dir: string): Promise<void> {
  const engine = await openEngine(dir, { durability: 'none', keyBytesMax: 1100, valueBytesMax: 1 << 20 });
  seed = 0x9e3779b9; // the same values on every replica
  for (let start = 0; start < keys; start += 5_000) {
    const ops = [];
    for (let i = start; i < Math.min(keys, start + 5_000); i++) {
      ops.push({ type: 'put' as const, key: storageKey(`user:${i}`), value: encodeSet(update(empty<StoredValue>(), [], 'w', live<StoredValue>(randomValue()))) });
    }
    await engine.batch(ops, { durability: 'none' });
  }
  await engine.close();
}

/**
 * Node id → the key prefix whose replica writes its engine mangles, or none.
 * Mangling happens inside `batch`, on the op objects the replica store then
 * reports to its write hook, so the node's Merkle tree matches its data: a
 * dropped write (even keys: the op becomes a delete of the absent key) or a
 * newer version of its own (odd keys: one more sibling-free update by actor
 * `bench`), as a lost message or a write only this replica saw would leave.
 */
const mangling = new Map<Id, string>();

function mangle(op: EngineOp, prefix: string): void {
  if (op.type !== 'put' || op.key[0] !== 0x64 || op.key.length < 9) return;
  const user = Buffer.from(op.key.subarray(9)).toString();
  if (!user.startsWith(prefix)) return;
  const m = op as { type: 'put' | 'del'; value?: Uint8Array };
  if (Number(user.slice(prefix.length)) % 2 === 0) {
    m.type = 'del';
    delete m.value;
    return;
  }
  const set = decodeSet(op.value);
  m.value = encodeSet(update(set, context(set), 'bench', live<StoredValue>(randomValue())));
}

const opener = (id: Id): StorageOpener => async (dir, o) => {
  const engine = await openEngine(dir, o);
  const batch = engine.batch.bind(engine);
  engine.batch = (ops, options) => {
    const prefix = mangling.get(id);
    if (prefix !== undefined) for (const op of ops) mangle(op, prefix);
    return batch(ops, options);
  };
  return engine;
};

function options(id: Id): NodeOptions {
  const bytes = throttle[id];
  const seeds = id === 'a' ? (nodes.has('b') ? [(nodes.get('b') as RingkvNode).url] : []) : [(nodes.get('a') as RingkvNode).url];
  return {
    id, dataDir: dirs.get(id) as string, port: ports.get(id) ?? 0, seeds, logLevel: 'silent', durability: 'interval',
    n: 3, r: 2, w: 2, gossipIntervalMs: 200, openStorage: opener(id), antiEntropyIntervalMs: 0, ...(bytes === undefined ? {} : { antiEntropyBytesPerSec: bytes }),
  };
}

async function start(id: Id): Promise<void> {
  const node = await startNode(options(id));
  nodes.set(id, node);
  ports.set(id, Number(new URL(node.url).port));
}

interface AeStatus {
  passes: number;
  build: { building: boolean };
}

async function aeStatus(id: Id): Promise<AeStatus> {
  const res = await fetch(`${(nodes.get(id) as RingkvNode).httpUrl}/status`);
  return ((await res.json()) as { antiEntropy: AeStatus }).antiEntropy;
}

/** Every node sees all three normal and none down, their trees are built, and the passes a ring change starts (2–3 s later) are over. */
async function settle(): Promise<void> {
  const urls = ids.map((id) => (nodes.get(id) as RingkvNode).httpUrl);
  await waitUntil('the cluster agrees', () => agree(urls, [...ids]), 60_000);
  await waitUntil('no node is seen down', async () => (await Promise.all(urls.map((u) => clusterStatus(u)))).every((s) => s.down.length === 0), 60_000);
  await waitUntil('the trees are built', async () => (await Promise.all(ids.map(aeStatus))).every((s) => !s.build.building), 120_000);
  let passes = -1;
  for (;;) {
    await new Promise((r) => setTimeout(r, 3_500));
    const now = (await Promise.all(ids.map(aeStatus))).reduce((n, s) => n + s.passes, 0);
    if (now === passes) return;
    passes = now;
  }
}

/** Writes `divergedPct` % of `keys` fresh keys through `via` (coordinator) while `id`'s engine mangles them (`mangling`). */
async function diverge(id: Id, via: Id, round: number): Promise<number> {
  const prefix = `div:${round}:${id}:`;
  const count = Math.round((keys * divergedPct) / 100);
  const client = clients[ids.indexOf(via)] as TestClient;
  mangling.set(id, prefix);
  for (let start = 0; start < count; start += 256) {
    const batch = [];
    for (let i = start; i < Math.min(count, start + 256); i++) batch.push(client.request({ type: 'put', key: `${prefix}${i}`, value: randomValue() }));
    await Promise.all(batch);
    step(`diverge ${start}`);
  }
  // W=2: the third replica's apply may still be on its way.
  await new Promise((r) => setTimeout(r, 500));
  mangling.delete(id);
  return count;
}

/** One phase's measurements. */
interface Phase {
  readonly latenciesMs: number[];
  ops: number;
  errors: number;
  elapsedMs: number;
  stallMs: number;
}

const phases = { unloaded: [] as Phase[], throttled: [] as Phase[], unthrottled: [] as Phase[] };
const repairs: { throttled: string[]; unthrottled: string[] } = { throttled: [], unthrottled: [] };
let clients: TestClient[] = [];
let putN = 0;
const value = new Uint8Array(100).fill(7);

/** Runs the foreground load until `until()` is true (checked before each request); records requests started before then. */
async function foreground(until: () => boolean, opsMax: number): Promise<Phase> {
  const phase: Phase = { latenciesMs: [], ops: 0, errors: 0, elapsedMs: 0, stallMs: 0 };
  let last = performance.now();
  const probe = setInterval(() => {
    const now = performance.now();
    phase.stallMs = Math.max(phase.stallMs, now - last);
    last = now;
  }, 1);
  const t0 = performance.now();
  let issued = 0;
  const worker = async (w: number): Promise<void> => {
    const client = clients[w % clients.length] as TestClient;
    while (!until() && issued < opsMax) {
      issued++;
      const i = next() % keys;
      const started = performance.now();
      const reply = await (i % 2 === 0
        ? client.request({ type: 'get', key: `user:${i}` })
        : client.request({ type: 'put', key: `fg:${putN++}`, value }));
      if (reply.type === 'error') phase.errors++;
      else phase.latenciesMs.push(performance.now() - started);
      phase.ops++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, w) => worker(w)));
  phase.elapsedMs = performance.now() - t0;
  clearInterval(probe);
  return phase;
}

/** `POST /repair` on `id` with the foreground load running until the pass is over. */
async function underRepair(id: Id): Promise<{ phase: Phase; summary: string }> {
  let done = false;
  const pass = fetch(`${(nodes.get(id) as RingkvNode).httpUrl}/repair`, { method: 'POST' })
    .then((res) => res.text())
    .finally(() => (done = true));
  const phase = await foreground(() => done, Number.MAX_SAFE_INTEGER);
  const lines = (await pass).trim().split('\n');
  const s = (JSON.parse(lines[lines.length - 1] as string) as { summary: Record<string, number> }).summary;
  return { phase, summary: `${s['durationMs']} ms, ${s['keysRepaired']} keys repaired, ${((s['bytesSent'] ?? 0) + (s['bytesReceived'] ?? 0)).toLocaleString('en')} B, ${s['roundTrips']} round trips` };
}

function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
}

function row(name: string, runs: readonly Phase[], base?: number): { text: string; p99: number } {
  const all = runs.flatMap((r) => r.latenciesMs).sort((x, y) => x - y);
  const p99s = runs.map((r) => quantile([...r.latenciesMs].sort((x, y) => x - y), 0.99));
  const ops = runs.reduce((n, r) => n + r.ops, 0);
  const secs = runs.reduce((n, r) => n + r.elapsedMs, 0) / 1000;
  const p99 = quantile(all, 0.99);
  const ratio = base === undefined ? '1' : (p99 / base).toFixed(2);
  const f = (x: number) => x.toFixed(1);
  const text = `| ${name} | ${all.length.toLocaleString('en')} | ${Math.round(ops / secs).toLocaleString('en')} | ${f(quantile(all, 0.5))} | ${f(p99)} | ${f(quantile(all, 0.999))} | ${ratio}× | ${f(Math.min(...p99s))}–${f(Math.max(...p99s))} | ${Math.round(Math.max(...runs.map((r) => r.stallMs)))} | ${runs.reduce((n, r) => n + r.errors, 0)} |`;
  return { text, p99 };
}

afterAll(async () => {
  for (const c of clients) await c.close();
  await Promise.all([...nodes.values()].map((n) => n.stop()));
  for (const d of tmpDirs) rmSync(d, { recursive: true, force: true });
  const base = row('(a) unloaded', phases.unloaded);
  console.log(
    `\nforeground latency during anti-entropy: 3 nodes in one process (N=3, R=2, W=2), ${keys.toLocaleString('en')} keys, ${divergedPct} % diverged per pass, ` +
      `${concurrency} requests in flight (half gets, half puts), ${repeats} repeats\n` +
      '| Phase | Requests | ops/s | p50 ms | p99 ms | p99.9 ms | p99 / unloaded | p99 per repeat (ms) | longest stall ms | errors |\n|---|---|---|---|---|---|---|---|---|---|\n' +
      `${base.text}\n${row('(b) repair, default throttle (32 MiB/s)', phases.throttled, base.p99).text}\n${row('(c) repair, unthrottled', phases.unthrottled, base.p99).text}\n` +
      `passes (b): ${repairs.throttled.join('; ')}\npasses (c): ${repairs.unthrottled.join('; ')}`,
  );
});

describe('anti-entropy foreground latency', () => {
  bench(
    `p99 unloaded vs during a repair pass (${keys} keys, ${divergedPct} % diverged)`,
    async () => {
      const root = mkdtempSync(join(tmpdir(), 'ringkv-aefg-'));
      tmpDirs.push(root);
      for (const id of ids) dirs.set(id, join(root, id));
      for (const id of ids) await load(dirs.get(id) as string); // one at a time: they share the value generator
      for (const id of ids) await start(id);
      step('loaded and started');
      await settle();
      step('settled');
      clients = await Promise.all(ids.map((id) => connect((nodes.get(id) as RingkvNode).url)));
      await foreground(() => false, 2_000); // warm-up
      step('warmed up');
      for (let round = 0; round < repeats; round++) {
        phases.unloaded.push(await foreground(() => false, unloadedOps));
        step('unloaded');
        for (const [phase, driver, diverged] of [['throttled', 'a', 'b'], ['unthrottled', 'c', 'a']] as const) {
          await diverge(diverged, driver, round);
          step(`diverged ${diverged}`);
          const r = await underRepair(driver);
          step(`repaired: ${r.summary}`);
          phases[phase].push(r.phase);
          repairs[phase].push(r.summary);
        }
      }
    },
    { iterations: 1, warmupIterations: 0, time: 0, warmupTime: 0 },
  );
});
