/**
 * The YCSB core workloads for `ringkv bench --workload a|b|c|d|e|f`: their
 * operation proportions and request distributions, as the YCSB project
 * defines them (workloads/workloada … workloadf):
 *
 *   A  update heavy   50 % read, 50 % update            zipfian
 *   B  read mostly    95 % read,  5 % update            zipfian
 *   C  read only     100 % read                         zipfian
 *   D  read latest    95 % read,  5 % insert            latest
 *   E  short ranges   95 % scan,  5 % insert            zipfian (scan length uniform 1–100)
 *   F  read-modify-write 50 % read, 50 % read-modify-write  zipfian
 *
 * A Dynamo store has no ordered scan: E's scan runs here as a multi-get of
 * the next 1–100 keys of the key space, issued together (what a client of
 * ringkv does instead), and is reported as `scan`. Records are one value of
 * `--value-bytes` (YCSB's default record is 10 fields of 100 bytes); the
 * key space is `--keys` records, loaded first by the load phase.
 *
 * Invariants:
 *   1. Generators draw from an injected uniform source in [0, 1), so a run
 *      is reproducible from the source; keys are `user<n>` with n in
 *      [0, records + inserts).
 *   2. The zipfian generator is Gray et al.'s (as YCSB's, constant 0.99),
 *      over item ranks, then scrambled by a hash so the popular keys are
 *      spread over the ring instead of being the first ones.
 */

/** The operations a workload mixes. */
export type YcsbOp = 'read' | 'update' | 'insert' | 'scan' | 'rmw';

export const ycsbOps: readonly YcsbOp[] = ['read', 'update', 'insert', 'scan', 'rmw'];

/** One core workload: the share of each operation and the request distribution. */
export interface Workload {
  readonly name: string;
  readonly proportions: Readonly<Partial<Record<YcsbOp, number>>>;
  readonly distribution: 'zipfian' | 'latest' | 'uniform';
}

export const workloads: Readonly<Record<string, Workload>> = {
  a: { name: 'A (update heavy)', proportions: { read: 0.5, update: 0.5 }, distribution: 'zipfian' },
  b: { name: 'B (read mostly)', proportions: { read: 0.95, update: 0.05 }, distribution: 'zipfian' },
  c: { name: 'C (read only)', proportions: { read: 1 }, distribution: 'zipfian' },
  d: { name: 'D (read latest)', proportions: { read: 0.95, insert: 0.05 }, distribution: 'latest' },
  e: { name: 'E (short ranges as multi-gets)', proportions: { scan: 0.95, insert: 0.05 }, distribution: 'zipfian' },
  f: { name: 'F (read-modify-write)', proportions: { read: 0.5, rmw: 0.5 }, distribution: 'zipfian' },
};

/** Longest E scan, in keys (YCSB's maxscanlength). */
export const scanLengthMax = 100;

const zipfianConstant = 0.99;

/** ζ(n, θ) = Σ_{i=1..n} 1 / i^θ. O(n), computed once per generator. */
function zeta(n: number, theta: number): number {
  let sum = 0;
  for (let i = 1; i <= n; i++) sum += 1 / i ** theta;
  return sum;
}

/** Zipfian ranks in [0, items) (Gray et al., "Quickly generating billion-record synthetic databases"). */
export class Zipfian {
  private readonly alpha: number;
  private readonly eta: number;
  private readonly zetan: number;
  private readonly theta = zipfianConstant;

  constructor(readonly items: number) {
    this.zetan = zeta(items, this.theta);
    const zeta2 = zeta(2, this.theta);
    this.alpha = 1 / (1 - this.theta);
    this.eta = (1 - (2 / items) ** (1 - this.theta)) / (1 - zeta2 / this.zetan);
  }

  /** A rank: 0 is the most popular. */
  next(u: number): number {
    const uz = u * this.zetan;
    if (uz < 1) return 0;
    if (uz < 1 + 0.5 ** this.theta) return Math.min(1, this.items - 1);
    return Math.min(this.items - 1, Math.floor(this.items * (this.eta * u - this.eta + 1) ** this.alpha));
  }
}

/** FNV-1a of a rank: spreads the popular ranks over the key space (invariant 2). */
function scramble(rank: number, items: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < 4; i++) {
    h ^= (rank >>> (8 * i)) & 0xff;
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % items;
}

/**
 * Chooses operations and keys for one workload run. `records` keys exist
 * after the load phase; inserts append `user<records>`, `user<records+1>`, …
 */
export class WorkloadRunner {
  /** Only for the skewed distributions: its ζ(records) is O(records) to compute, and a uniform run (the load phase, 0 records) has none. */
  private readonly zipf: Zipfian | undefined;
  private inserted: number;
  private readonly cumulative: [YcsbOp, number][];

  constructor(
    readonly workload: Workload,
    readonly records: number,
    private readonly uniform: () => number,
  ) {
    this.zipf = workload.distribution === 'uniform' ? undefined : new Zipfian(records);
    this.inserted = records;
    let sum = 0;
    this.cumulative = ycsbOps.filter((op) => (workload.proportions[op] ?? 0) > 0).map((op) => [op, (sum += workload.proportions[op] ?? 0)]);
  }

  /** Keys existing now (loaded plus inserted). */
  get keyCount(): number {
    return this.inserted;
  }

  nextOp(): YcsbOp {
    const u = this.uniform();
    for (const [op, upTo] of this.cumulative) if (u < upTo) return op;
    return (this.cumulative[this.cumulative.length - 1] as [YcsbOp, number])[0];
  }

  /** The key index an existing-key operation targets (invariant 1). */
  nextKey(): number {
    const u = this.uniform();
    switch (this.workload.distribution) {
      case 'uniform':
        return Math.floor(u * this.inserted);
      case 'latest':
        // The most recent insert is the most popular: rank 0 is the newest key.
        return Math.max(0, this.inserted - 1 - ((this.zipf as Zipfian).next(u) % this.inserted));
      default:
        return scramble((this.zipf as Zipfian).next(u), this.records);
    }
  }

  /** The index of a new key for an insert. */
  nextInsert(): number {
    return this.inserted++;
  }

  /** Length of an E scan: uniform in 1…scanLengthMax. */
  nextScanLength(): number {
    return 1 + Math.floor(this.uniform() * scanLengthMax);
  }
}

/** The key of index `i`. */
export function ycsbKey(i: number): string {
  return `user${i}`;
}
