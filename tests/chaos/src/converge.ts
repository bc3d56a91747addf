/**
 * After the heal: wait until the cluster agrees on its members, every hint
 * was handed off, and anti-entropy finds nothing left to repair; then read
 * every key back.
 *
 * Invariants:
 *   1. Every wait is bounded (`convergeTimeoutMs` in all, `repairRoundsMax`
 *      rounds); what did not settle is reported in `problems`, never waited
 *      on forever.
 *   2. Converged means: every node sees every member `normal` at one ring
 *      version, no node holds a hint, and a repair round (a `POST /repair`
 *      pass on every node) found no differing bucket and no failed exchange,
 *      i.e. every replica set's Merkle trees were equal on all its replicas.
 *   3. The final reads happen after convergence was checked, so the read
 *      repair they trigger cannot mask a divergence.
 */
import { connect, type RingkvClient } from '@ringkv/client-sdk';
import type { FinalRead } from './checker.js';
import { membersAgree, type ChaosCluster } from './cluster.js';
import * as L from './limits.js';
import { unionOfValues } from './workload.js';

/** How convergence went. */
export interface ConvergenceReport {
  readonly converged: boolean;
  /** Time until every node saw every member normal, in ms (undefined: never). */
  readonly membersMs: number | undefined;
  /** Time until no hint was pending anywhere, in ms (undefined: never). */
  readonly hintsMs: number | undefined;
  /** Keys repaired (pulled + pushed, summed over nodes) by each repair round, in order. */
  readonly keysRepairedByRound: readonly number[];
  /** Replica-pair exchanges of the last round (summed over nodes): proof that the clean round compared something. */
  readonly exchangesLastRound: number;
  /** What did not settle, in words. */
  readonly problems: readonly string[];
}

/** Sleeps `ms`; rejects at once with the signal's reason when it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted === true) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Polls `test` every `pollIntervalMs` until it holds (returns the ms waited) or `budgetMs` passed (undefined). */
export async function waitFor(test: () => Promise<boolean>, budgetMs: number, signal?: AbortSignal): Promise<number | undefined> {
  const start = Date.now();
  while (Date.now() - start < budgetMs) {
    if (await test()) return Date.now() - start;
    await sleep(L.pollIntervalMs, signal);
  }
  return undefined;
}

interface RepairTotals {
  keysRepaired: number;
  exchanges: number;
  bucketsDiffering: number;
  exchangesFailed: number;
  errors: string[];
}

/** The fields of a repair summary the run reads. */
type Summary = { keysRepaired: number; exchanges: number; bucketsDiffering: number; exchangesFailed: number };

/** One `POST /repair` on a node: the summary line of its NDJSON answer. */
async function repairNode(httpUrl: string, signal?: AbortSignal): Promise<Summary | string> {
  try {
    const res = await fetch(`${httpUrl}/repair`, { method: 'POST', signal: signal === undefined ? AbortSignal.timeout(L.convergeTimeoutMs) : AbortSignal.any([signal, AbortSignal.timeout(L.convergeTimeoutMs)]) });
    const lines = (await res.text()).trim().split('\n');
    const last = JSON.parse(lines[lines.length - 1] ?? '{}') as { summary?: Summary; error?: string };
    return last.summary ?? `${httpUrl}: ${last.error ?? `HTTP ${res.status}`}`;
  } catch (error) {
    return `${httpUrl}: ${(error as Error).message}`;
  }
}

/** A repair pass on every node, one after another (also the operator's step after a wiped disk, nemesis.ts). */
export async function repairRound(cluster: ChaosCluster, signal?: AbortSignal): Promise<RepairTotals> {
  const t: RepairTotals = { keysRepaired: 0, exchanges: 0, bucketsDiffering: 0, exchangesFailed: 0, errors: [] };
  for (const node of cluster.nodes) {
    const s = await repairNode(node.httpUrl, signal);
    if (typeof s === 'string') {
      t.errors.push(s);
      continue;
    }
    t.keysRepaired += s.keysRepaired;
    t.exchanges += s.exchanges;
    t.bucketsDiffering += s.bucketsDiffering;
    t.exchangesFailed += s.exchangesFailed;
  }
  return t;
}

/** Waits for convergence (invariant 2) within the budget (invariant 1). */
export async function converge(cluster: ChaosCluster, signal?: AbortSignal): Promise<ConvergenceReport> {
  const start = Date.now();
  const left = (): number => Math.max(0, L.convergeTimeoutMs - (Date.now() - start));
  const problems: string[] = [];
  const since = (waited: number | undefined): number | undefined => (waited === undefined ? undefined : Date.now() - start);
  const membersMs = since(await waitFor(async () => membersAgree(await cluster.statuses(), cluster.ids), left(), signal));
  if (membersMs === undefined) problems.push('members did not all see each other normal at one ring version');
  const hintsMs = since(await waitFor(async () => (await cluster.statuses()).every((v) => v !== undefined && v.hintsPending === 0), left(), signal));
  if (hintsMs === undefined) problems.push('hints still pending');
  const keysRepairedByRound: number[] = [];
  let exchangesLastRound = 0;
  let clean = false;
  for (let round = 0; round < L.repairRoundsMax && !clean && left() > 0; round++) {
    const t = await repairRound(cluster, signal);
    keysRepairedByRound.push(t.keysRepaired);
    exchangesLastRound = t.exchanges;
    clean = t.errors.length === 0 && t.exchangesFailed === 0 && t.bucketsDiffering === 0;
    if (!clean && t.errors.length > 0) await sleep(L.pollIntervalMs, signal);
  }
  if (!clean) problems.push(`repair still found differences after ${keysRepairedByRound.length} rounds`);
  return { converged: problems.length === 0, membersMs, hintsMs, keysRepairedByRound, exchangesLastRound, problems };
}

/** Reads one key with R = all, retrying a few times. */
async function readKey(client: RingkvClient, key: string, signal?: AbortSignal): Promise<FinalRead> {
  let error = '';
  for (let attempt = 0; attempt < L.finalReadAttemptsMax; attempt++) {
    try {
      const read = await client.get<unknown>(key, { r: 'all' });
      return { ok: true, elements: unionOfValues(read.values), siblings: read.values.length };
    } catch (e) {
      error = (e as Error).message;
      await sleep(L.pollIntervalMs, signal);
    }
  }
  return { ok: false, error };
}

/** Reads every key with R = all through the proxies. */
export async function finalReads(cluster: ChaosCluster, keys: readonly string[], signal?: AbortSignal): Promise<Map<string, FinalRead>> {
  const client = await connect(cluster.clientSeeds, { requestTimeoutMs: L.clientRequestTimeoutMs, clientName: 'chaos-checker' });
  try {
    const out = new Map<string, FinalRead>();
    for (const key of keys) out.set(key, await readKey(client, key, signal));
    return out;
  } finally {
    await client.close();
  }
}
