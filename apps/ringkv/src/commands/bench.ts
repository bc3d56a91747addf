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
 */

import hdr from 'hdr-histogram-js';
import type { RingkvClient } from '@ringkv/client-sdk';
import type { BenchCommand } from '../args.js';
import { CliError } from '../errors.js';
import type { Io } from '../io.js';
import { benchWarmMsMax, latencyUsMax } from '../limits.js';
import { connectCli, nodeUrl } from './kv.js';

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
  readonly all: LatencySummary;
  readonly get: LatencySummary;
  readonly put: LatencySummary;
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
      clients.push(await connectCli(rotated, authToken, 10_000, command.inflight, command.batching, 'token-aware'));
    }
    if (command.seeds !== undefined) await warmRouting(clients);
    return await load(command, url, clients);
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

async function load(command: BenchCommand, url: string, clients: RingkvClient[]): Promise<BenchResult> {
  const value = new Uint8Array(command.valueBytes).map((_, i) => (i * 31 + 7) & 0xff);
  const contexts = new Map<number, Uint8Array>();
  const hGet = histogram();
  const hPut = histogram();
  let started = 0;
  let errors = 0;
  let firstError: string | undefined;
  const t0 = performance.now();
  const deadline = command.durationMs === undefined ? Infinity : t0 + command.durationMs;
  const more = (): boolean => (command.ops === undefined ? performance.now() < deadline : started < command.ops);

  const worker = async (client: RingkvClient): Promise<void> => {
    while (more()) {
      started++;
      const k = Math.floor(Math.random() * command.keys);
      const key = `bench:${k}`;
      const isGet = Math.random() * 100 < command.getPercent;
      const begin = performance.now();
      try {
        if (isGet) {
          const read = await client.get(key);
          if (read.found) contexts.set(k, read.context);
        } else {
          const context = contexts.get(k);
          const put = await client.put(key, value, context === undefined ? undefined : { context });
          contexts.set(k, put.context);
        }
        const us = Math.min(latencyUsMax, Math.max(1, Math.round((performance.now() - begin) * 1000)));
        (isGet ? hGet : hPut).recordValue(us);
      } catch (error) {
        errors++;
        firstError ??= (error as Error).message;
      }
    }
  };

  const workers: Promise<void>[] = [];
  for (const client of clients) for (let j = 0; j < command.inflight; j++) workers.push(worker(client));
  await Promise.all(workers);
  const elapsedMs = performance.now() - t0;
  const all = histogram();
  all.add(hGet);
  all.add(hPut);
  const result: BenchResult = {
    url,
    clients: command.clients,
    inflight: command.inflight,
    getPercent: command.getPercent,
    valueBytes: command.valueBytes,
    keys: command.keys,
    batching: command.batching,
    elapsedMs: Math.round(elapsedMs),
    errors,
    firstError,
    all: summary(all, elapsedMs),
    get: summary(hGet, elapsedMs),
    put: summary(hPut, elapsedMs),
  };
  for (const h of [all, hGet, hPut]) h.destroy();
  if (result.all.count === 0 && errors > 0) throw new CliError('failed', `bench: every operation failed; first error: ${firstError ?? ''}`);
  return result;
}

/** The result as a table, like redis-benchmark's summary. */
export function benchText(r: BenchResult): string {
  const n = (x: number): string => x.toLocaleString('en-US');
  const f = (x: number): string => x.toFixed(3).padStart(9);
  const row = (name: string, s: LatencySummary): string =>
    `${name.padEnd(5)}${n(s.count).padStart(10)}${n(s.opsPerSec).padStart(11)}${f(s.p50Ms)}${f(s.p99Ms)}${f(s.p999Ms)}${f(s.maxMs)}`;
  return [
    `ringkv bench ${r.url}: ${r.clients} clients × ${r.inflight} in flight, mix ${r.getPercent}/${100 - r.getPercent} get/put, ${r.valueBytes}-byte values, ${r.keys} keys${r.batching ? '' : ', no batching'}, ${(r.elapsedMs / 1000).toFixed(2)} s`,
    `op        count      ops/s   p50 ms   p99 ms p99.9 ms   max ms`,
    row('all', r.all),
    row('get', r.get),
    row('put', r.put),
    `errors: ${r.errors}${r.firstError === undefined ? '' : ` (first: ${r.firstError})`}`,
  ].join('\n');
}
