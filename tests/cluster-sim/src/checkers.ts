/**
 * The checkers, run once the cluster is healed and quiet. Each returns
 * anomalies (values, never throws for one); a correct cluster returns none.
 *
 * Rules (README, "What is checked"):
 *   - convergence: every replica of every workload key (its preference list)
 *     holds the same sibling set (same dots, payloads and context).
 *   - merkle: for every replica group, every member's anti-entropy tree of
 *     that group has the same root.
 *   - hints: no node holds a hint.
 *   - set: every acknowledged element is in the final set of its key; every
 *     element in a final set was attempted for that key and not refused.
 *   - register: every acknowledged write is a final sibling of its key, or
 *     its dot is covered by the context of another attempted (acknowledged
 *     or indeterminate) write of the key; every final sibling was attempted
 *     and not refused; no final sibling's dot is covered by an acknowledged
 *     write's context (it would have been superseded); siblings ≤
 *     concurrent writers + 1, where concurrent writers are the attempted
 *     writes of the key not covered by any acknowledged write's context.
 *     Deletes are writes (tombstones): their contexts cover, they are never
 *     expected among the live siblings; a covered value showing again after
 *     a delete is a resurrection, reported as a surviving superseded sibling.
 * The final set of a key is the `sync` of its replicas' sets: what the
 * cluster converges to. A context covers a write only if it was sent after
 * that write was: once a tombstone-only key is collected its dots start over,
 * so an older context may name an equal dot of an earlier incarnation.
 */
import type { NodeState } from '@ringkv/node-server';
import { sync, empty, type VClock } from '@ringkv/vclock';
import type { SimCluster } from './cluster.js';
import { decodeElements, decodeRegister, type History, type WriteAttempt } from './workload.js';

/** One violation found by a checker. */
export interface Anomaly {
  readonly checker: 'convergence' | 'merkle' | 'hints' | 'set' | 'register' | 'siblings';
  readonly key?: string;
  readonly detail: string;
}

type StoredSet = NonNullable<ReturnType<NodeState['store']['readSet']>>;

/** A byte-exact, order-independent rendering of a set (for equality and reports). */
export function canonical(set: StoredSet | undefined): string {
  if (set === undefined) return '-';
  return set.entries
    .map((e) => `${e.actor}:${e.counter}[${e.versions.map((p) => (p.tombstone ? 'T' : hex(p.value instanceof Uint8Array ? p.value : p.value.m))).join(',')}]`)
    .join(' ');
}

function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

/** The sets of `key` on each replica of its preference list (by the first running node's ring). */
export function replicaSets(cluster: SimCluster, key: string): { node: string; set: StoredSet | undefined }[] {
  const ring = cluster.running()[0]?.core.cluster.view.ring;
  if (ring === undefined) return [];
  return ring.preferenceList(key, cluster.settings.replicas ?? cluster.settings.n).map((id) => ({ node: id, set: cluster.node(id).state.store.readSet(key) }));
}

/** The converged set of `key`: the sync of its replicas' sets. */
export function finalSet(cluster: SimCluster, key: string): StoredSet {
  let out = empty() as StoredSet;
  for (const r of replicaSets(cluster, key)) if (r.set !== undefined) out = sync(out, r.set);
  return out;
}

/** Live sibling values of a set, as bytes. */
function liveValues(set: StoredSet): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const e of set.entries) for (const p of e.versions) if (!p.tombstone) out.push(p.value instanceof Uint8Array ? p.value : p.value.m);
  return out;
}

/** Live siblings with their dots. */
function liveWithDots(set: StoredSet): { value: Uint8Array; actor: string; counter: number }[] {
  const out: { value: Uint8Array; actor: string; counter: number }[] = [];
  for (const e of set.entries) {
    e.versions.forEach((p, k) => {
      if (!p.tombstone) out.push({ value: p.value instanceof Uint8Array ? p.value : p.value.m, actor: e.actor, counter: e.counter - k });
    });
  }
  return out;
}

/** Convergence: identical sets on every replica of every key. */
export function checkConvergence(cluster: SimCluster, keys: readonly string[]): Anomaly[] {
  const out: Anomaly[] = [];
  for (const key of keys) {
    const sets = replicaSets(cluster, key);
    const first = canonical(sets[0]?.set);
    if (sets.some((s) => canonical(s.set) !== first)) {
      out.push({ checker: 'convergence', key, detail: sets.map((s) => `${s.node}=${canonical(s.set).slice(0, 200)}`).join(' / ') });
    }
  }
  return out;
}

/** Merkle: equal roots of each group's tree on all its members. */
export function checkMerkle(cluster: SimCluster): Anomaly[] {
  const roots = new Map<string, Map<string, bigint>>();
  for (const node of cluster.running()) {
    const trees = node.core.antiEntropy.trees;
    for (const group of trees.groups()) {
      let m = roots.get(group);
      if (m === undefined) roots.set(group, (m = new Map()));
      m.set(node.id, trees.tree(group).root());
    }
  }
  const out: Anomaly[] = [];
  for (const [group, m] of roots) {
    const values = new Set(m.values());
    const members = group.split(',');
    if (values.size > 1 || members.some((id) => !m.has(id))) {
      out.push({ checker: 'merkle', detail: `group ${group}: ${[...m].map(([id, r]) => `${id}=${r.toString(16)}`).join(' ')}` });
    }
  }
  return out;
}

/** Hints: every node's hint store is empty. */
export function checkHints(cluster: SimCluster): Anomaly[] {
  const out: Anomaly[] = [];
  for (const node of cluster.running()) {
    const counts = node.state.hints.countsByTarget();
    let total = 0;
    for (const c of counts.values()) total += c;
    if (total > 0) out.push({ checker: 'hints', detail: `${node.id} holds ${total} hints (${[...counts].map(([t, c]) => `${t}:${c}`).join(' ')})` });
  }
  return out;
}

/** The set workload's rules (module comment). */
export function checkSet(cluster: SimCluster, h: History): Anomaly[] {
  const out: Anomaly[] = [];
  for (const key of h.keys) {
    const present = new Set<string>();
    for (const v of liveValues(finalSet(cluster, key))) for (const e of decodeElements(v)) present.add(e);
    const attempts = new Map(h.writes.filter((w) => w.key === key).map((w) => [w.value, w]));
    for (const w of attempts.values()) {
      if (w.status === 'ok' && !present.has(w.value)) out.push({ checker: 'set', key, detail: `acknowledged element ${w.value} lost (sent at ${w.sentAtMs} ms)` });
    }
    for (const e of present) {
      const w = attempts.get(e);
      if (w === undefined) out.push({ checker: 'set', key, detail: `element ${e} was never attempted for this key` });
      else if (w.status === 'refused') out.push({ checker: 'set', key, detail: `element ${e} is present though its write was refused` });
    }
  }
  return out;
}

function covers(context: VClock, dot: { actor: string; counter: number }): boolean {
  return context.some((e) => e.actor === dot.actor && e.counter >= dot.counter);
}

/** The register workload's rules (module comment). */
export function checkRegister(cluster: SimCluster, h: History): Anomaly[] {
  const out: Anomaly[] = [];
  for (const key of h.keys) {
    const siblings = liveWithDots(finalSet(cluster, key)).map((s) => ({ ...s, text: decodeRegister(s.value) }));
    const writes = h.writes.filter((w) => w.key === key);
    const byValue = new Map(writes.map((w) => [w.value, w]));
    const present = new Set(siblings.map((s) => s.text));
    const acked = writes.filter((w) => w.status === 'ok');
    for (const w of acked) {
      if (w.dot === undefined) out.push({ checker: 'register', key, detail: `acknowledged write ${w.value} carries no dot (its receipt named no coordinator entry): the checker cannot judge it` });
      if (w.delete || present.has(w.value) || w.dot === undefined) continue;
      const dot = w.dot;
      if (!writes.some((o) => o !== w && o.status !== 'refused' && o.sentAtMs >= w.sentAtMs && covers(o.context, dot))) {
        out.push({ checker: 'register', key, detail: `acknowledged write ${w.value} (dot ${dot.actor}:${dot.counter}) is gone and no write's context covered it` });
      }
    }
    for (const s of siblings) {
      const w = byValue.get(s.text);
      if (w === undefined || w.status === 'refused' || w.delete) out.push({ checker: 'register', key, detail: `sibling ${s.text} was never written (or was refused)` });
      const coveredBy = acked.find((o) => o !== w && (w === undefined || o.sentAtMs >= w.sentAtMs) && covers(o.context, s));
      if (coveredBy !== undefined) out.push({ checker: 'register', key, detail: `sibling ${s.text} (dot ${s.actor}:${s.counter}) survives though acknowledged write ${coveredBy.value} superseded it` });
    }
    const concurrent = writes.filter((w) => w.status !== 'refused' && (w.dot === undefined || !acked.some((o) => o !== w && o.sentAtMs >= w.sentAtMs && covers(o.context, w.dot as { actor: string; counter: number })))).length;
    if (siblings.length > concurrent + 1) {
      const shown = siblings.map((s) => `${s.text}@${s.actor}:${s.counter}(${describeWrite(byValue.get(s.text))})`).join(' ');
      out.push({ checker: 'siblings', key, detail: `${siblings.length} siblings, ${concurrent} concurrent writers: ${shown}` });
    }
  }
  return out;
}

function describeWrite(w: WriteAttempt | undefined): string {
  if (w === undefined) return 'never written';
  const ctx = w.context.map((e) => `${e.actor}:${e.counter}`).join(',');
  return `${w.status} dot ${w.dot === undefined ? '?' : `${w.dot.actor}:${w.dot.counter}`} ctx [${ctx}] at ${Math.round(w.sentAtMs)}`;
}

/** Every acknowledged write of a history (for reports). */
export function acknowledged(h: History): WriteAttempt[] {
  return h.writes.filter((w) => w.status === 'ok');
}
