/**
 * `ringkv bench`: CLIENTS connections × INFLIGHT requests each, random keys,
 * a GET/PUT mix, latency in HDR histograms (µs, 3 significant digits) —
 * the shape of redis-benchmark (`-c`, `-P`, `-n`, `-d`, `-r`) so the two
 * compare directly.
 *
 * Invariants:
 *   1. Exactly `ops` operations are started (or as many as fit in
 *      `durationMs`); every one is either recorded or counted as an error.
 *   2. A put carries the last context the bench saw for its key, like a
 *      client that read before writing, so keys do not pile up siblings.
 *   3. Every connection is closed before the result is returned.
 *   4. With `--rate` (open loop) operation i is due at t0 + i / rate and its
 *      latency counts from then, whether it started on time or waited for a
 *      free slot (at most `clients × inflight` outstanding): a stalled node
 *      shows in the percentiles instead of slowing the load down
 *      (coordinated omission).
 */

import hdr from 'hdr-histogram-js';
import type { RingkvClient } from '@ringkv/client-sdk';
import type { BenchCommand, Consistency } from '../args.js';
import { CliError } from '../errors.js';
import type { Io } from '../io.js';
import { benchStatusTimeoutMs, benchWarmMsMax, latencyUsMax } from '../limits.js';
import { connectCli, nodeUrl } from './kv.js';
import { httpOf } from './status.js';
import { bearerHeaders } from './node-http.js';
import { WorkloadRunner, workloads, ycsbKey, type Workload } from './ycsb.js';

type Histogram = ReturnType<typeof hdr.build>;

/** Latency figures of one kind of operation, in ms. */
export interface LatencySummary {
  readonly count: number;
  readonly opsPerSec: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly p999Ms: number;
  readonly maxMs: number;
  readonly meanMs: number;
}

/** What a bench run measured. */
/** One node's figures over the run, read from its /status before and after. */
export interface NodeFigures {
  readonly url: string;
  /** utime + stime of the node process over the run, per operation of the whole run (µs). */
  readonly cpuUsPerOp: number;
  /** The node's event-loop delay since it started (ms). */
  readonly eventLoopDelayP99Ms: number;
  readonly eventLoopDelayMaxMs: number;
  /** GC pauses during the run. */
  readonly gcPauses: number;
  readonly gcPauseMsTotal: number;
  readonly gcPauseMsMax: number;
}

export interface BenchResult {
  /** The node's URL, or with --seeds every seed, comma-separated. */
  readonly url: string;
  readonly clients: number;
  readonly inflight: number;
  readonly getPercent: number;
  readonly valueBytes: number;
  readonly keys: number;
  readonly batching: boolean;
  readonly elapsedMs: number;
  readonly errors: number;
  /** The first error's message, if any. */
  readonly firstError: string | undefined;
  /** Operations per second asked for with `--rate` (open loop); undefined for a closed loop. */
  readonly ratePerSec: number | undefined;
  readonly all: LatencySummary;
  /** Reads (with --workload: read and scan operations). */
  readonly get: LatencySummary;
  /** Writes (with --workload: update, insert and read-modify-write operations). */
  readonly put: LatencySummary;
  /** With --workload: the YCSB workload's name, its load phase, and each operation kind. */
  readonly workload: { readonly name: string; readonly load: LatencySummary; readonly ops: Readonly<Record<string, LatencySummary>> } | undefined;
  /** CPU time of this process (the load generator and the SDK) per operation, µs. */
  readonly clientCpuUsPerOp: number;
  /** Per node, when its /status answered before and after the run. */
  readonly nodes: readonly NodeFigures[];
}

function histogram(): Histogram {
  return hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: latencyUsMax, numberOfSignificantValueDigits: 3, autoResize: false });
}

function summary(h: Histogram, elapsedMs: number): LatencySummary {
  // HDR reports a percentile as the top of its bucket, which may lie above the true maximum.
  const ms = (us: number): number => Math.round(Math.min(us, h.maxValue)) / 1000;
  return {
    count: h.totalCount,
    opsPerSec: elapsedMs > 0 ? Math.round((h.totalCount * 1000) / elapsedMs) : 0,
    p50Ms: ms(h.getValueAtPercentile(50)),
    p99Ms: ms(h.getValueAtPercentile(99)),
    p999Ms: ms(h.getValueAtPercentile(99.9)),
    maxMs: ms(h.maxValue),
    meanMs: Math.round(h.mean) / 1000,
  };
}

/** Runs the load and returns the figures (prints nothing). */
export async function runBench(command: BenchCommand, io: Io): Promise<BenchResult> {
  const seeds = command.seeds ?? [nodeUrl(command.url, io.env)];
  const url = seeds.join(',');
  const authToken = command.authToken ?? (io.env.RINGKV_AUTH_TOKEN || undefined);
  const clients: RingkvClient[] = [];
  try {
    for (let i = 0; i < command.clients; i++) {
      // Clients start on different seeds so the seed connections (and the ring fetches) spread over the cluster.
      const rotated = [...seeds.slice(i % seeds.length), ...seeds.slice(0, i % seeds.length)];
      clients.push(await connectCli(rotated, authToken, 10_000, command.inflight, command.batching, 'token-aware', command.transport, command.dc));
    }
    if (command.seeds !== undefined) await warmRouting(clients);
    const before = await Promise.all(seeds.map((u) => nodeRuntime(u, authToken)));
    const result = await load(command, url, clients);
    const after = await Promise.all(seeds.map((u) => nodeRuntime(u, authToken)));
    // The node figures span both phases of a --workload run (load and run), so they count both.
    const ops = result.all.count + result.errors + (result.workload?.load.count ?? 0);
    return { ...result, nodes: nodeFigures(seeds, before, after, ops) };
  } finally {
    await Promise.all(clients.map((c) => c.close()));
  }
}

/**
 * Waits (bounded) until every client knows the ring and has its pooled
 * connections open, so the measured run routes token-aware from its first
 * operation rather than through the seed connections.
 */
async function warmRouting(clients: readonly RingkvClient[]): Promise<void> {
  const members = (await (clients[0] as RingkvClient).ring()).members.filter((m) => m.status === 'normal').length;
  const deadline = performance.now() + benchWarmMsMax;
  for (let round = 0; performance.now() < deadline; round++) {
    const pending = clients.filter((c) => c.requestsByNode.size < members);
    if (pending.length === 0) return;
    await Promise.all(pending.map((c) => Promise.all(Array.from({ length: 8 }, (_, i) => c.get(`bench:warm:${round}:${i}`).catch(() => undefined)))));
  }
}

/** What one operation of the load does; resolves with its kind (a histogram name). */
type Operation = (client: RingkvClient) => Promise<string>;

/** The options of the load's gets and puts: `--r` / `--w` when given (one object each, shared by every request). */
function levels(command: BenchCommand): { read: { r?: Consistency } | undefined; write: (context: Uint8Array | undefined) => { context?: Uint8Array; w?: Consistency } | undefined } {
  const w = command.w;
  return {
    read: command.r === undefined ? undefined : { r: command.r },
    write: (context) => (w === undefined ? (context === undefined ? undefined : { context }) : context === undefined ? { w } : { context, w }),
  };
}

/** The `--mix` load: random keys, gets and puts in the asked proportion (invariant 2). */
function mixOperation(command: BenchCommand, value: Uint8Array, contexts: Map<number, Uint8Array>): Operation {
  const { read: readOpts, write: writeOpts } = levels(command);
  return async (client) => {
    const k = Math.floor(Math.random() * command.keys);
    const key = `bench:${k}`;
    if (Math.random() * 100 < command.getPercent) {
      const read = await client.get(key, readOpts);
      if (read.found) contexts.set(k, read.context);
      return 'get';
    }
    const context = contexts.get(k);
    const put = await client.put(key, value, writeOpts(context));
    contexts.set(k, put.context);
    return 'put';
  };
}

/** A YCSB core workload (ycsb.ts): reads, updates with the last context seen, inserts, multi-get scans, read-modify-writes. */
function workloadOperation(command: BenchCommand, runner: WorkloadRunner, value: Uint8Array, contexts: Map<number, Uint8Array>): Operation {
  const { read: readOpts, write: writeOpts } = levels(command);
  const write = async (client: RingkvClient, k: number, context: Uint8Array | undefined): Promise<void> => {
    const put = await client.put(ycsbKey(k), value, writeOpts(context));
    contexts.set(k, put.context);
  };
  return async (client) => {
    const op = runner.nextOp();
    switch (op) {
      case 'insert':
        await write(client, runner.nextInsert(), undefined);
        return op;
      case 'scan': {
        const first = runner.nextKey();
        const n = runner.nextScanLength();
        await Promise.all(Array.from({ length: n }, (_, i) => client.get(ycsbKey((first + i) % runner.keyCount), readOpts)));
        return op;
      }
      case 'rmw': {
        const k = runner.nextKey();
        const read = await client.get(ycsbKey(k), readOpts);
        await write(client, k, read.found ? read.context : contexts.get(k));
        return op;
      }
      case 'update': {
        const k = runner.nextKey();
        await write(client, k, contexts.get(k));
        return op;
      }
      default: {
        const k = runner.nextKey();
        const read = await client.get(ycsbKey(k), readOpts);
        if (read.found) contexts.set(k, read.context);
        return op;
      }
    }
  };
}

/** Latency histograms by operation kind, made on first use. */
class Histograms {
  readonly byKind = new Map<string, Histogram>();
  record(kind: string, us: number): void {
    let h = this.byKind.get(kind);
    if (h === undefined) this.byKind.set(kind, (h = histogram()));
    h.recordValue(us);
  }
  /** The union of the named kinds (or of all). The caller destroys it. */
  merged(kinds?: readonly string[]): Histogram {
    const out = histogram();
    for (const [kind, h] of this.byKind) if (kinds === undefined || kinds.includes(kind)) out.add(h);
    return out;
  }
  destroy(): void {
    for (const h of this.byKind.values()) h.destroy();
  }
}

/** Runs `op` under the command's loop (closed, or open with --rate) and measures it. */
async function measure(
  command: BenchCommand,
  clients: RingkvClient[],
  op: Operation,
  shape: { readonly ops: number | undefined; readonly durationMs: number | undefined; readonly ratePerSec: number | undefined },
): Promise<{ histograms: Histograms; errors: number; firstError: string | undefined; elapsedMs: number; cpuUs: number }> {
  const histograms = new Histograms();
  let errors = 0;
  let firstError: string | undefined;
  const outcome: Outcome = {
    done: (kind, begin) => histograms.record(kind, Math.min(latencyUsMax, Math.max(1, Math.round((performance.now() - begin) * 1000)))),
    failed: (error) => {
      errors++;
      firstError ??= (error as Error).message;
    },
  };
  /** Runs one operation whose latency counts from `begin` (ms, performance.now()). */
  const run = async (client: RingkvClient, begin: number): Promise<void> => {
    try {
      outcome.done(await op(client), begin);
    } catch (error) {
      outcome.failed(error);
    }
  };
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const deadline = shape.durationMs === undefined ? Infinity : t0 + shape.durationMs;
  if (shape.ratePerSec === undefined) await closedLoop(shape.ops, command.inflight, clients, deadline, op, outcome);
  else await openLoop(shape.ops, command.inflight, shape.ratePerSec, clients, t0, deadline, run);
  const elapsedMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { histograms, errors, firstError, elapsedMs, cpuUs: cpu.user + cpu.system };
}

async function load(command: BenchCommand, url: string, clients: RingkvClient[]): Promise<Omit<BenchResult, 'nodes'>> {
  const value = new Uint8Array(command.valueBytes).map((_, i) => (i * 31 + 7) & 0xff);
  const contexts = new Map<number, Uint8Array>();
  let workload: BenchResult['workload'];
  let op: Operation;
  if (command.workload === undefined) op = mixOperation(command, value, contexts);
  else {
    // The load phase: every record once, in order, as fast as the clients go.
    const loadRunner = new WorkloadRunner({ name: 'load', proportions: { insert: 1 }, distribution: 'uniform' }, 0, Math.random);
    const loaded = await measure(command, clients, workloadOperation(command, loadRunner, value, contexts), { ops: command.keys, durationMs: undefined, ratePerSec: undefined });
    const h = loaded.histograms.merged();
    workload = { name: workloads[command.workload]?.name ?? command.workload, load: summary(h, loaded.elapsedMs), ops: {} };
    h.destroy();
    loaded.histograms.destroy();
    op = workloadOperation(command, new WorkloadRunner(workloads[command.workload] as Workload, command.keys, Math.random), value, contexts);
  }
  const m = await measure(command, clients, op, command);
  const all = m.histograms.merged();
  const reads = m.histograms.merged(['get', 'read', 'scan']);
  const writes = m.histograms.merged(['put', 'update', 'insert', 'rmw']);
  if (workload !== undefined) {
    const ops: Record<string, LatencySummary> = {};
    for (const [kind, h] of m.histograms.byKind) ops[kind] = summary(h, m.elapsedMs);
    workload = { ...workload, ops };
  }
  const result = {
    url,
    clients: command.clients,
    inflight: command.inflight,
    getPercent: command.getPercent,
    valueBytes: command.valueBytes,
    keys: command.keys,
    batching: command.batching,
    elapsedMs: Math.round(m.elapsedMs),
    errors: m.errors,
    firstError: m.firstError,
    ratePerSec: command.ratePerSec,
    all: summary(all, m.elapsedMs),
    get: summary(reads, m.elapsedMs),
    put: summary(writes, m.elapsedMs),
    workload,
    clientCpuUsPerOp: perOp(m.cpuUs, all.totalCount + m.errors),
  };
  for (const h of [all, reads, writes]) h.destroy();
  m.histograms.destroy();
  if (result.all.count === 0 && m.errors > 0) throw new CliError('failed', `bench: every operation failed; first error: ${m.firstError ?? ''}`);
  return result;
}

function perOp(us: number, ops: number): number {
  return ops === 0 ? 0 : Math.round((us / ops) * 10) / 10;
}

/** Where a measured operation's end goes: its kind and start (ms, performance.now()), or what it threw. */
interface Outcome {
  done(kind: string, begin: number): void;
  failed(error: unknown): void;
}

/**
 * Closed loop: each of clients × inflight workers starts its next operation
 * when the last one ends. The worker awaits the operation itself (no async
 * wrapper per operation: one promise less per operation, issue 12).
 */
async function closedLoop(ops: number | undefined, inflight: number, clients: RingkvClient[], deadline: number, op: Operation, outcome: Outcome): Promise<void> {
  let started = 0;
  const worker = async (client: RingkvClient): Promise<void> => {
    for (;;) {
      const begin = performance.now();
      if (ops === undefined ? begin >= deadline : started >= ops) return;
      started++;
      try {
        outcome.done(await op(client), begin);
      } catch (error) {
        outcome.failed(error);
      }
    }
  };
  const workers: Promise<void>[] = [];
  for (const client of clients) for (let j = 0; j < inflight; j++) workers.push(worker(client));
  await Promise.all(workers);
}

/** Open loop (invariant 4): operation i is due at t0 + i × 1000 / rate ms, and measured from then. */
async function openLoop(
  ops: number | undefined,
  inflight: number,
  rate: number,
  clients: RingkvClient[],
  t0: number,
  deadline: number,
  run: (c: RingkvClient, begin: number) => Promise<void>,
): Promise<void> {
  const intervalMs = 1000 / rate;
  const slots = clients.length * inflight;
  const total = ops ?? Infinity;
  let next = 0;
  let outstanding = 0;
  let wake: (() => void) | undefined;
  const running = new Set<Promise<void>>();
  for (;;) {
    const due = t0 + next * intervalMs;
    if (next >= total || due >= deadline) break;
    const now = performance.now();
    if (due > now) {
      await new Promise<void>((resolve) => setTimeout(resolve, Math.max(1, due - now)));
      continue;
    }
    if (outstanding >= slots) {
      // Late starts still count from `due`: the wait shows in the latency.
      await new Promise<void>((resolve) => (wake = resolve));
      continue;
    }
    const client = clients[next % clients.length] as RingkvClient;
    next++;
    outstanding++;
    const p = run(client, due).finally(() => {
      outstanding--;
      running.delete(p);
      const w = wake;
      wake = undefined;
      w?.();
    });
    running.add(p);
  }
  await Promise.all(running);
}

/** The runtime part of a node's /status (CPU, event-loop delay, GC), or undefined when it does not answer. */
interface NodeRuntime {
  readonly cpuUserMs: number;
  readonly cpuSystemMs: number;
  readonly eventLoopDelay: { readonly p99Ms: number; readonly maxMs: number };
  readonly gc: { readonly count: number; readonly totalMs: number; readonly maxMs: number };
}

async function nodeRuntime(wsUrl: string, token: string | undefined): Promise<NodeRuntime | undefined> {
  try {
    const u = new URL(`${httpOf(wsUrl)}/status`);
    const res = await fetch(u, { headers: bearerHeaders(token), signal: AbortSignal.timeout(benchStatusTimeoutMs) });
    if (!res.ok) return undefined;
    const runtime = ((await res.json()) as { runtime?: NodeRuntime }).runtime;
    return runtime?.gc === undefined ? undefined : runtime;
  } catch {
    return undefined;
  }
}

function nodeFigures(urls: readonly string[], before: (NodeRuntime | undefined)[], after: (NodeRuntime | undefined)[], ops: number): NodeFigures[] {
  const out: NodeFigures[] = [];
  urls.forEach((url, i) => {
    const b = before[i];
    const a = after[i];
    if (b === undefined || a === undefined) return;
    out.push({
      url,
      cpuUsPerOp: perOp((a.cpuUserMs + a.cpuSystemMs - b.cpuUserMs - b.cpuSystemMs) * 1000, ops),
      eventLoopDelayP99Ms: a.eventLoopDelay.p99Ms,
      eventLoopDelayMaxMs: a.eventLoopDelay.maxMs,
      gcPauses: a.gc.count - b.gc.count,
      gcPauseMsTotal: Math.round((a.gc.totalMs - b.gc.totalMs) * 10) / 10,
      gcPauseMsMax: a.gc.maxMs,
    });
  });
  return out;
}

/** The result as a table, like redis-benchmark's summary. */
export function benchText(r: BenchResult): string {
  const n = (x: number): string => x.toLocaleString('en-US');
  const f = (x: number): string => x.toFixed(3).padStart(9);
  const row = (name: string, s: LatencySummary): string =>
    `${name.padEnd(5)}${n(s.count).padStart(10)}${n(s.opsPerSec).padStart(11)}${f(s.p50Ms)}${f(s.p99Ms)}${f(s.p999Ms)}${f(s.maxMs)}`;
  return [
    `ringkv bench ${r.url}: ${r.clients} clients × ${r.inflight} in flight${r.ratePerSec === undefined ? '' : `, open loop at ${n(r.ratePerSec)} ops/s`}, ${r.workload === undefined ? `mix ${r.getPercent}/${100 - r.getPercent} get/put` : `YCSB workload ${r.workload.name}`}, ${r.valueBytes}-byte values, ${r.keys} keys${r.batching ? '' : ', no batching'}, ${(r.elapsedMs / 1000).toFixed(2)} s`,
    `op        count      ops/s   p50 ms   p99 ms p99.9 ms   max ms`,
    ...(r.workload === undefined ? [] : [row('load', r.workload.load)]),
    row('all', r.all),
    ...(r.workload === undefined ? [row('get', r.get), row('put', r.put)] : Object.entries(r.workload.ops).map(([kind, s]) => row(kind, s))),
    `errors: ${r.errors}${r.firstError === undefined ? '' : ` (first: ${r.firstError})`}`,
    `client CPU: ${r.clientCpuUsPerOp} µs/op`,
    ...r.nodes.map(
      (x) =>
        `node ${x.url}: CPU ${x.cpuUsPerOp} µs/op; event-loop delay since start p99 ${x.eventLoopDelayP99Ms} ms, max ${x.eventLoopDelayMaxMs} ms; GC ${x.gcPauses} pauses, ${x.gcPauseMsTotal} ms total, longest since start ${x.gcPauseMsMax} ms`,
    ),
  ].join('\n');
}
