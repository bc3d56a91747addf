/**
 * The set workload: several SDK clients, each adding unique elements to
 * per-key sets, one operation at a time. An add reads the key, takes the
 * union of every sibling's elements, adds its element and writes the union
 * back with the context it read, so concurrent adds meet as siblings and the
 * next reader merges them (Jepsen's set, the way a Dynamo application
 * resolves siblings).
 *
 * Invariants:
 *   1. Element names are unique across the run (`c<client>-<seq>`), so the
 *      checker can tell every add apart.
 *   2. An add is recorded only once its put settled: `ok` (acknowledged),
 *      `fail` (the SDK says it was not applied) or `info` (indeterminate, or
 *      an error that is not the SDK's). A read that fails records nothing:
 *      the element was never sent.
 *   3. A key receives at most `elementsPerKeyMax` adds; its slot then moves
 *      to a fresh key, so a value stays far below the value size limit in
 *      a run of any length.
 *   4. `stop()` returns after every client finished its current operation
 *      (each is bounded by the request timeout) and closed.
 */
import { connect, isRingkvError, type RingkvClient } from '@ringkv/client-sdk';
import type { AddRecord } from './checker.js';
import * as L from './limits.js';
import { SeededRandom } from './random.js';

/** What the workload needs. */
export interface WorkloadOptions {
  /** Seed URLs (`ws://host:port`: the proxies). */
  readonly seeds: readonly string[];
  readonly clients: number;
  readonly keys: number;
  /** Seeds the clients' key choices. */
  readonly seed: number;
  readonly requestTimeoutMs?: number;
}

/** The name of key slot `i` in its generation `gen` (a slot moves to a fresh key once it holds `elementsPerKeyMax`). */
export function workloadKey(i: number, gen = 0): string {
  return `chaos-set-${i}.${gen}`;
}

/** The elements of one read: the union of every live sibling's array. */
export function unionOfValues(values: readonly unknown[]): Set<string> {
  const out = new Set<string>();
  for (const v of values) if (Array.isArray(v)) for (const e of v) out.add(String(e));
  return out;
}

/** Counters of the workload. */
export interface WorkloadStats {
  readsFailed: number;
}

/** The running workload (module comment). */
export class SetWorkload {
  readonly adds: AddRecord[] = [];
  readonly stats: WorkloadStats = { readsFailed: 0 };
  private stopping = false;
  private readonly loops: Promise<void>[] = [];
  private readonly clients: RingkvClient[] = [];
  /** Per key slot: its generation and the adds attempted on it. */
  private readonly slots: { gen: number; adds: number }[];
  private readonly used = new Set<string>();

  constructor(private readonly o: WorkloadOptions) {
    this.slots = Array.from({ length: o.keys }, () => ({ gen: 0, adds: 0 }));
  }

  /** Every key an add was attempted on (what the final reads must cover). */
  keysUsed(): string[] {
    return [...this.used].sort();
  }

  /** Connects every client and starts its loop. Rejects if a client cannot connect to any seed. */
  async start(): Promise<void> {
    for (let i = 0; i < this.o.clients; i++) {
      const client = await connect([...this.o.seeds], { requestTimeoutMs: this.o.requestTimeoutMs ?? L.clientRequestTimeoutMs, clientName: `chaos-c${i}` });
      this.clients.push(client);
      this.loops.push(this.loop(client, i, new SeededRandom(this.o.seed * 31 + i)));
    }
  }

  /** Stops after the operations in flight; closes the clients. Idempotent. */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.loops);
    await Promise.all(this.clients.splice(0).map((c) => c.close()));
  }

  private async loop(client: RingkvClient, index: number, rng: SeededRandom): Promise<void> {
    for (let seq = 0; !this.stopping; seq++) {
      const done = await this.addOne(client, this.nextKey(rng.int(this.o.keys)), `c${index}-${seq}`);
      if (!done) await new Promise((r) => setTimeout(r, L.clientBackoffMs));
    }
  }

  /** The key of slot `i` for one more add; a full slot moves to a fresh key, so values stay small in long runs. */
  private nextKey(i: number): string {
    const slot = this.slots[i] as { gen: number; adds: number };
    if (slot.adds >= L.elementsPerKeyMax) {
      slot.gen++;
      slot.adds = 0;
    }
    slot.adds++;
    const key = workloadKey(i, slot.gen);
    this.used.add(key);
    return key;
  }

  /** One add; false when it did not end `ok` (the loop backs off a little). */
  private async addOne(client: RingkvClient, key: string, element: string): Promise<boolean> {
    let read;
    try {
      read = await client.get<unknown>(key);
    } catch {
      this.stats.readsFailed++;
      return false;
    }
    const union = unionOfValues(read.values);
    union.add(element);
    try {
      await client.put(key, [...union].sort(), { context: read.context });
      this.adds.push({ key, element, outcome: 'ok' });
      return true;
    } catch (error) {
      const definite = isRingkvError(error) && !error.indeterminate;
      this.adds.push({ key, element, outcome: definite ? 'fail' : 'info', code: isRingkvError(error) ? error.code : String(error) });
      return false;
    }
  }
}
