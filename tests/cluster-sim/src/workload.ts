/**
 * The Jepsen-style workloads: simulated clients running read-modify-write
 * loops against random nodes, recording every attempt and its outcome.
 *
 *   - `set`: per-key grow-only sets. A client reads the key, unions the
 *     siblings' elements, adds one unique element and writes with the
 *     context it read.
 *   - `register`: a client reads the key and writes a unique value with the
 *     context it read (or, one write in five, with no context: a blind write
 *     that must become a sibling), or (one in eight, when it read a value)
 *     deletes the key with that context. It asks for a receipt to learn the
 *     dot (coordinator, counter) its write got.
 *
 * Invariants:
 *   1. Every element and every value is unique to one attempt, so any value
 *      found later names exactly one write.
 *   2. An attempt is recorded before its request is sent; its outcome is
 *      `ok`, `indeterminate` (timeout, or an error after which the write may
 *      have been applied) or `refused` (an error after which it certainly
 *      was not: the coordinator refused it before writing anywhere).
 */
import type { ClusterOp } from '@ringkv/node-server';
import type { Sibling } from '@ringkv/protocol';
import type { Rng } from '@ringkv/sim';
import { decodeContext, type VClock } from '@ringkv/vclock';
import { Packr, Unpackr } from 'msgpackr';
import type { Outcome, SimClient } from './client.js';
import type { SimCluster } from './cluster.js';
import { thinkMsMax } from './limits.js';

/** Workload names. */
export type WorkloadName = 'set' | 'register';

/** How a write ended, from the client's side (invariant 2). */
export type WriteStatus = 'ok' | 'indeterminate' | 'refused';

/** One attempted write. */
export interface WriteAttempt {
  readonly client: string;
  readonly key: string;
  /** The element (set) or value (register) it wrote. */
  readonly value: string;
  /** The context it wrote with (empty: blind). */
  readonly context: VClock;
  /** A delete (a tombstone write): never expected among the live siblings. */
  readonly delete: boolean;
  status: WriteStatus;
  /** The dot the coordinator gave it, when acknowledged with a receipt. */
  dot?: { readonly actor: string; readonly counter: number };
  readonly sentAtMs: number;
  doneAtMs?: number;
}

/** Counters and the history of one workload run. */
export interface History {
  readonly workload: WorkloadName;
  readonly keys: readonly string[];
  readonly writes: WriteAttempt[];
  reads: number;
  readsFailed: number;
}

/** Errors after which a write certainly did not happen (refused before any replica was written). */
const refusedCodes = new Set(['invalid-message', 'value-too-large', 'too-many-siblings', 'context-too-large']);

const packr = new Packr({ useRecords: false });
const unpackr = new Unpackr({ useRecords: false });

/**
 * Every value carries this much padding, so the nodes' memtables (64 KiB)
 * fill within a seed and flushes, compactions and WAL replays of real
 * SSTables happen under the faults.
 */
export const valuePaddingBytes = 1_024;
const padding = new Uint8Array(valuePaddingBytes);

/** A workload value: MessagePack `[payload, padding]`. */
function encodeValue(payload: string | string[]): Uint8Array {
  return packr.pack([payload, padding]);
}

function payloadOf(value: Uint8Array): unknown {
  const decoded: unknown = unpackr.unpack(value);
  return Array.isArray(decoded) ? decoded[0] : undefined;
}

/** The elements of a set-workload value (a sorted array of strings). */
export function decodeElements(value: Uint8Array): string[] {
  const p = payloadOf(value);
  return Array.isArray(p) ? p.filter((x): x is string => typeof x === 'string') : [];
}

/** The string of a register value. */
export function decodeRegister(value: Uint8Array): string {
  const p = payloadOf(value);
  return typeof p === 'string' ? p : '';
}

/** A register value (exported for tests that write through the cluster). */
export function registerValue(text: string): Uint8Array {
  return encodeValue(text);
}

/** A set-workload value holding `elements`. */
export function setValue(elements: readonly string[]): Uint8Array {
  return encodeValue([...new Set(elements)].sort());
}

/** Runs the workload's clients to completion; resolves with the history. */
export async function runWorkload(cluster: SimCluster, workload: WorkloadName, keys: readonly string[], opsPerClient: number, rng: Rng): Promise<History> {
  const history: History = { workload, keys, writes: [], reads: 0, readsFailed: 0 };
  await Promise.all(cluster.clients.map((client) => clientLoop(cluster, client, history, opsPerClient, rng.fork(client.id))));
  return history;
}

async function clientLoop(cluster: SimCluster, client: SimClient, h: History, ops: number, rng: Rng): Promise<void> {
  const ids = cluster.nodesNear(client.id);
  for (let i = 0; i < ops; i++) {
    await cluster.sleep(rng.int(thinkMsMax + 1));
    const key = rng.pick(h.keys);
    const node = rng.pick(ids);
    const read = await client.request(node, { type: 'get', key });
    h.reads++;
    if (read.kind !== 'ok' || read.reply.type !== 'get-ok') {
      h.readsFailed++;
      continue;
    }
    const blind = h.workload === 'register' && rng.chance(0.2);
    const del = h.workload === 'register' && !blind && read.reply.found && rng.chance(0.125);
    const context = blind ? new Uint8Array(0) : read.reply.context;
    const value = `${client.id}-${i}`;
    const bytes = h.workload === 'set' ? setValue([...elementsOf(read.reply.siblings), value]) : registerValue(value);
    const attempt: WriteAttempt = { client: client.id, key, value, context: context.length === 0 ? [] : decodeContext(context), delete: del, status: 'indeterminate', sentAtMs: cluster.sim.clock.now() };
    h.writes.push(attempt);
    const op: ClusterOp = del ? { type: 'delete', key, context } : { type: 'put', key, value: bytes, context };
    const outcome = await client.request(rng.pick(ids), op, h.workload === 'register' ? { receipt: true } : undefined);
    settle(attempt, outcome, cluster.sim.clock.now());
    cluster.sim.record(`${client.id} ${op.type} ${key} ${value} ${attempt.status}`);
  }
}

function elementsOf(siblings: readonly Sibling[]): string[] {
  const out: string[] = [];
  for (const s of siblings) if ('value' in s && s.value !== undefined) out.push(...decodeElements(s.value));
  return out;
}

/**
 * The dot the coordinator gave a write: its entry in the reply's context. A
 * node's vclock actor is its id, or `id#incarnation` once it restarted
 * without a clean stop (a new incarnation never reuses the dots of a lost
 * disk), so the entry is the coordinator's actor whose counter moved past the
 * context the write was sent with.
 */
export function dotOf(coordinator: string, after: VClock, before: VClock): { actor: string; counter: number } | undefined {
  const mine = after.filter((e) => e.actor === coordinator || e.actor.startsWith(`${coordinator}#`));
  const moved = mine.filter((e) => e.counter > (before.find((b) => b.actor === e.actor)?.counter ?? 0));
  // Older incarnations of the coordinator may show up too (a blind write learns them from the stored set): its current one is the newest.
  const entry = moved.sort((x, y) => incarnationOf(y.actor) - incarnationOf(x.actor))[0];
  return entry === undefined ? undefined : { actor: entry.actor, counter: entry.counter };
}

function incarnationOf(actor: string): number {
  const at = actor.indexOf('#');
  return at < 0 ? 0 : parseInt(actor.slice(at + 1), 36);
}

function settle(a: WriteAttempt, o: Outcome, nowMs: number): void {
  a.doneAtMs = nowMs;
  if (o.kind === 'ok' && (o.reply.type === 'put-ok' || o.reply.type === 'delete-ok')) {
    a.status = 'ok';
    const receipt = o.reply.receipt;
    if (receipt !== undefined) a.dot = dotOf(receipt.coordinator, decodeContext(o.reply.context), a.context);
  } else if (o.kind === 'error' && refusedCodes.has(o.code)) a.status = 'refused';
  else a.status = 'indeterminate';
}
