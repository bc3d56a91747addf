/**
 * Coordinator overhead per request: a put (N=3, W=2) and a get (N=3, R=2)
 * through an in-memory, zero-latency transport (every replica call is a
 * resolved promise), against the bare work the request cannot avoid (one DVV
 * update and two syncs for a put; two syncs for a get). The difference is what
 * the coordinator itself costs: planning, fan-out, records, receipt, timers.
 *
 * Run: pnpm --filter @ringkv/quorum bench
 * The clock is Node's own timers (as node-server will pass), so the deadline
 * timer set and cleared per request is part of the cost.
 */
import { bench, describe } from 'vitest';
import { HashRing } from '@ringkv/hashring';
import { context, empty, live, sync, update, type DvvSet } from '@ringkv/vclock';
import { Coordinator, MemoryHintStore, type Clock, type Key, type ReplicaClient } from '../src/index.js';

const ids = ['n1', 'n2', 'n3', 'n4', 'n5'];
const ring = HashRing.fromNodes(ids, { vnodes: 256 });
const keys = Array.from({ length: 1_000 }, (_, i) => `user:${i}:profile`);
const value = new Uint8Array(100).fill(7);

const clock: Clock = {
  now: () => performance.now(),
  setTimer: (ms, fn) => setTimeout(fn, ms),
  clearTimer: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

const stores = new Map(ids.map((id) => [id, new Map<Key, DvvSet<Uint8Array>>()]));
const storeOf = (id: string) => stores.get(id) as Map<Key, DvvSet<Uint8Array>>;
const replicas: ReplicaClient<Uint8Array> = {
  apply: (node, key, set) => {
    const s = storeOf(node);
    s.set(key, sync(s.get(key) ?? empty<Uint8Array>(), set));
    return Promise.resolve();
  },
  fetch: (node, key) => Promise.resolve(storeOf(node).get(key)),
};

const coordinators = new Map(
  ids.map((id) => [
    id,
    new Coordinator<Uint8Array>({
      nodeId: id,
      ring: () => ring,
      down: () => new Set(),
      local: {
        update: (key, ctx, payload) => {
          const s = storeOf(id);
          const next = update(s.get(key) ?? empty<Uint8Array>(), ctx, id, payload);
          s.set(key, next);
          return Promise.resolve(next);
        },
      },
      replicas,
      hints: new MemoryHintStore(),
      clock,
    }),
  ]),
);
const primaryOf = keys.map((k) => coordinators.get(ring.preferenceList(k, 3)[0] as string) as Coordinator<Uint8Array>);

// Seed every key once so gets find a value and puts replace one (context = what was read).
const contexts = await Promise.all(keys.map((k, i) => primaryOf[i]!.put(k, value))).then((rs) => rs.map((r) => (r.status === 'ok' ? r.context : [])));

let i = 0;
let j = 0;
let k = 0;
const bare = new Map<string, DvvSet<Uint8Array>>();
const bareContexts = keys.map(() => [] as ReturnType<typeof context>);

describe('coordinator overhead (in-memory, zero-latency transport)', () => {
  bench('put N=3 W=2 through the coordinator', async () => {
    const n = i++ % keys.length;
    const r = await primaryOf[n]!.put(keys[n]!, value, { context: contexts[n] ?? [] });
    if (r.status === 'ok') contexts[n] = r.context; // the next put supersedes this one, as a read-modify-write client does
  });

  bench('bare get work: 2 syncs + preference list', async () => {
    const n = k % keys.length;
    const key = keys[n]!;
    ring.preferenceList(key, 3);
    const a = storeOf('n1').get(key) ?? empty<Uint8Array>();
    sync(sync(empty<Uint8Array>(), a), a);
    await Promise.resolve();
  });

  bench('get N=3 R=2 through the coordinator', async () => {
    const n = j++ % keys.length;
    await primaryOf[n]!.get(keys[n]!);
  });

  bench('bare put work: update + 2 syncs + preference list', async () => {
    const n = k++ % keys.length;
    const key = keys[n]!;
    ring.preferenceList(key, 3);
    const next = update(bare.get(key) ?? empty<Uint8Array>(), bareContexts[n] ?? [], 'n1', live(value));
    bare.set(key, next);
    bareContexts[n] = context(next);
    sync(next, next);
    sync(empty<Uint8Array>(), next);
    await Promise.resolve();
  });
});
