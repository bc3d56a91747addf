/**
 * LevelDB's db_bench workloads against ringkv's engine, classic-level
 * (LevelDB) and rocksdb, in the same process on the same disk.
 *
 * Run: pnpm --filter @ringkv/lsm-engine bench
 * Env: BENCH_KEYS (default 1,000,000), BENCH_ENGINES (comma list, default
 * "ringkv,classic-level,rocksdb"), BENCH_SYNC_OPS (default 20,000; the
 * 64-writer 'sync' group-commit run), BENCH_DIR (default the OS temp dir).
 *
 * Keys are 16 bytes ("%016d", as db_bench), values 100 bytes, half of them
 * compressible (db_bench's default compression ratio of 0.5). ringkv writes
 * with durability 'none' and the peers with `sync: false`, so the figures
 * compare the engines, not the disk. Each workload is timed once (tinybench
 * with iterations 1) and the table is printed at the end.
 */
import { afterAll, bench, describe } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cpus } from 'node:os';
import { createRequire } from 'node:module';
import { Rng } from '@ringkv/sim';
import { openEngine } from '../src/index.js';

const require = createRequire(import.meta.url);
const N = Number(process.env['BENCH_KEYS'] ?? 1_000_000);
const SYNC_OPS = Number(process.env['BENCH_SYNC_OPS'] ?? 20_000);
const ENGINES = (process.env['BENCH_ENGINES'] ?? 'ringkv,classic-level,rocksdb').split(',');
const BATCH = 1000;
const WRITERS = 64;
const ROOT = mkdtempSync(join(process.env['BENCH_DIR'] ?? tmpdir(), 'ringkv-db-bench-'));

/** The operations db_bench needs from an engine. */
interface Kv {
  put(key: Uint8Array, value: Uint8Array): Promise<void>;
  putSync(key: Uint8Array, value: Uint8Array): Promise<void>;
  batch(keys: Uint8Array[], values: Uint8Array[]): Promise<void>;
  get(key: Uint8Array): Promise<Uint8Array | undefined>;
  /** Reads every entry in order; returns how many. */
  scan(): Promise<number>;
  close(): Promise<void>;
}

type Opener = (dir: string) => Promise<Kv>;

const openers: Record<string, Opener> = {
  async ringkv(dir) {
    const db = await openEngine(dir, { durability: 'none' });
    return {
      put: (k, v) => db.put(k, v, { durability: 'none' }),
      putSync: (k, v) => db.put(k, v, { durability: 'sync' }),
      batch: (ks, vs) => db.batch(ks.map((key, i) => ({ type: 'put' as const, key, value: vs[i] as Uint8Array })), { durability: 'none' }),
      get: (k) => db.get(k),
      async scan() {
        let n = 0;
        for (const _ of db.iterate()) n++;
        return n;
      },
      close: () => db.close(),
    };
  },
  async 'classic-level'(dir) {
    const { ClassicLevel } = require('classic-level') as typeof import('classic-level');
    const db = new ClassicLevel<Uint8Array, Uint8Array>(dir, { keyEncoding: 'view', valueEncoding: 'view' });
    await db.open();
    return {
      put: (k, v) => db.put(k, v, { sync: false }),
      putSync: (k, v) => db.put(k, v, { sync: true }),
      batch: (ks, vs) => db.batch(ks.map((key, i) => ({ type: 'put' as const, key, value: vs[i] as Uint8Array })), { sync: false }),
      get: (k) => db.get(k),
      async scan() {
        const it = db.iterator();
        let n = 0;
        for (;;) {
          const entries = await it.nextv(1000);
          if (entries.length === 0) break;
          n += entries.length;
        }
        await it.close();
        return n;
      },
      close: () => db.close(),
    };
  },
  async rocksdb(dir) {
    // abstract-leveldown style with callbacks.
    type Cb<T = void> = (err: Error | undefined | null, value?: T) => void;
    interface RocksIterator {
      next(cb: (err: Error | undefined | null, key?: Buffer, value?: Buffer) => void): void;
      end(cb: Cb): void;
    }
    interface Rocks {
      open(opts: object, cb: Cb): void;
      put(k: Uint8Array, v: Uint8Array, opts: object, cb: Cb): void;
      get(k: Uint8Array, opts: object, cb: Cb<Buffer>): void;
      batch(ops: object[], opts: object, cb: Cb): void;
      iterator(opts: object): RocksIterator;
      close(cb: Cb): void;
    }
    const rocksdb = require('rocksdb') as (location: string) => Rocks;
    const db = rocksdb(dir);
    const call = <T>(f: (cb: Cb<T>) => void): Promise<T | undefined> =>
      new Promise((resolve, reject) => f((err, value) => (err ? reject(err) : resolve(value))));
    await call((cb) => db.open({ createIfMissing: true }, cb));
    return {
      put: (k, v) => call<void>((cb) => db.put(k, v, { sync: false }, cb)).then(() => undefined),
      putSync: (k, v) => call<void>((cb) => db.put(k, v, { sync: true }, cb)).then(() => undefined),
      batch: (ks, vs) => call<void>((cb) => db.batch(ks.map((key, i) => ({ type: 'put', key, value: vs[i] })), { sync: false }, cb)).then(() => undefined),
      get: (k) =>
        new Promise((resolve, reject) =>
          db.get(k, { asBuffer: true }, (err, value) => {
            if (err && /NotFound/.test(err.message)) resolve(undefined);
            else if (err) reject(err);
            else resolve(value);
          }),
        ),
      scan: () =>
        new Promise((resolve, reject) => {
          const it = db.iterator({ keyAsBuffer: true, valueAsBuffer: true });
          let n = 0;
          const step = (): void =>
            it.next((err, key) => {
              if (err) return reject(err);
              if (key === undefined) return it.end(() => resolve(n));
              n++;
              step();
            });
          step();
        }),
      close: () => call<void>((cb) => db.close(cb)).then(() => undefined),
    };
  },
};

// ---- data -------------------------------------------------------------------

const enc = new TextEncoder();
const keyOf = (i: number): Uint8Array => enc.encode(String(i).padStart(16, '0'));
/** An absent key that sorts between present ones (db_bench's readmissing appends '.'). */
const missingKeyOf = (i: number): Uint8Array => enc.encode(`${String(i).padStart(16, '0')}.`);
const rng = new Rng(20261124);
const VALUE_POOL = (() => {
  const pool = new Uint8Array(1 << 20);
  for (let i = 0; i < pool.length; i += 100) {
    pool.set(rng.bytes(50), i);
    pool.fill(rng.int(256), i + 50, Math.min(pool.length, i + 100));
  }
  return pool;
})();
const valueOf = (i: number): Uint8Array => {
  const at = ((i * 100) % (VALUE_POOL.length - 100));
  return VALUE_POOL.slice(at, at + 100);
};
const randomOrder = (n: number, seed: number): Uint32Array => {
  const r = new Rng(seed);
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = r.int(i + 1);
    const t = order[i] as number;
    order[i] = order[j] as number;
    order[j] = t;
  }
  return order;
};
const KEYS = Array.from({ length: N }, (_, i) => keyOf(i));
const RANDOM = randomOrder(N, 1);
const READ_ORDER = randomOrder(N, 2);

// ---- workloads --------------------------------------------------------------

type Workload = { name: string; fresh: boolean; ops: number; run: (kv: Kv) => Promise<void> };

async function fill(kv: Kv, order: (i: number) => number, batched: boolean): Promise<void> {
  if (!batched) {
    for (let i = 0; i < N; i++) {
      const k = order(i);
      await kv.put(KEYS[k] as Uint8Array, valueOf(k));
    }
    return;
  }
  for (let start = 0; start < N; start += BATCH) {
    const ks: Uint8Array[] = [];
    const vs: Uint8Array[] = [];
    for (let i = start; i < Math.min(N, start + BATCH); i++) {
      const k = order(i);
      ks.push(KEYS[k] as Uint8Array);
      vs.push(valueOf(k));
    }
    await kv.batch(ks, vs);
  }
}

const workloads: Workload[] = [
  { name: 'fillseq (single puts)', fresh: true, ops: N, run: (kv) => fill(kv, (i) => i, false) },
  { name: `fillseq (batches of ${BATCH})`, fresh: true, ops: N, run: (kv) => fill(kv, (i) => i, true) },
  { name: 'fillrandom (single puts)', fresh: true, ops: N, run: (kv) => fill(kv, (i) => RANDOM[i] as number, false) },
  { name: `fillrandom (batches of ${BATCH})`, fresh: true, ops: N, run: (kv) => fill(kv, (i) => RANDOM[i] as number, true) },
  {
    name: 'readrandom',
    fresh: false,
    ops: N,
    async run(kv) {
      let found = 0;
      for (let i = 0; i < N; i++) if ((await kv.get(KEYS[READ_ORDER[i] as number] as Uint8Array)) !== undefined) found++;
      if (found !== N) throw new Error(`readrandom found ${found} of ${N}`);
    },
  },
  {
    name: 'readmissing',
    fresh: false,
    ops: N,
    async run(kv) {
      for (let i = 0; i < N; i++) if ((await kv.get(missingKeyOf(READ_ORDER[i] as number))) !== undefined) throw new Error('found a missing key');
    },
  },
  {
    name: 'readseq (full scan)',
    fresh: false,
    ops: N,
    async run(kv) {
      const n = await kv.scan();
      if (n !== N) throw new Error(`scan saw ${n} of ${N}`);
    },
  },
  {
    name: `fill, durability 'sync', ${WRITERS} writers`,
    fresh: true,
    ops: SYNC_OPS,
    async run(kv) {
      let next = 0;
      const writer = async (): Promise<void> => {
        for (let i = next++; i < SYNC_OPS; i = next++) await kv.putSync(KEYS[RANDOM[i % N] as number] as Uint8Array, valueOf(i));
      };
      await Promise.all(Array.from({ length: WRITERS }, writer));
    },
  },
];

// ---- runner -----------------------------------------------------------------

const results = new Map<string, Map<string, number | string>>(); // workload -> engine -> ops/s or a failure note
const ONCE = { iterations: 1, time: 0, warmupIterations: 0, warmupTime: 0 };

function record(workload: string, engine: string, value: number | string): void {
  let row = results.get(workload);
  if (row === undefined) results.set(workload, (row = new Map()));
  row.set(engine, value);
}

for (const engine of ENGINES) {
  const open = openers[engine];
  if (open === undefined) throw new Error(`unknown engine ${engine}`);
  describe(engine, () => {
    let kv: Kv | undefined;
    /** False after a failed workload, until a fresh store: reads of a half-filled store mean nothing. */
    let intact = false;
    let dirs = 0;
    for (const w of workloads) {
      bench(
        `${engine}: ${w.name}`,
        async () => {
          if (w.fresh || kv === undefined) {
            await kv?.close().catch(() => undefined);
            kv = await open(join(ROOT, `${engine}-${dirs++}`));
            intact = true;
          }
          if (!intact) {
            record(w.name, engine, 'skipped');
            return;
          }
          const t0 = performance.now();
          try {
            await w.run(kv);
            record(w.name, engine, w.ops / ((performance.now() - t0) / 1000));
          } catch (error) {
            // A failure is reported in the table, and the run goes on with the other engines.
            intact = false;
            record(w.name, engine, `failed: ${(error as Error).message.slice(0, 60)}`);
            console.error(`${engine} ${w.name}:`, error);
          }
        },
        ONCE,
      );
    }
    afterAll(async () => {
      await kv?.close().catch(() => undefined);
      kv = undefined;
    });
  });
}

afterAll(() => {
  const fmt = (x: number | string | undefined) => (x === undefined ? '-' : typeof x === 'string' ? x : Math.round(x).toLocaleString('en-US'));
  const ratio = (a: number | string | undefined, b: number | string | undefined) =>
    typeof a === 'number' && typeof b === 'number' ? (a / b).toFixed(2) : '-';
  const lines = [
    `db_bench: ${N.toLocaleString('en-US')} keys of 16 bytes, 100-byte values; ${cpus().length}x ${cpus()[0]?.model ?? '?'}; node ${process.version}`,
    `| workload | ${ENGINES.join(' | ')} | ringkv / classic-level | ringkv / rocksdb |`,
    `|---|${ENGINES.map(() => '---:').join('|')}|---:|---:|`,
  ];
  for (const w of workloads) {
    const row = results.get(w.name);
    lines.push(
      `| ${w.name} | ${ENGINES.map((e) => fmt(row?.get(e))).join(' | ')} | ${ratio(row?.get('ringkv'), row?.get('classic-level'))} | ${ratio(row?.get('ringkv'), row?.get('rocksdb'))} |`,
    );
  }
  console.log(`\n${lines.join('\n')}\n(ops/s)`);
  rmSync(ROOT, { recursive: true, force: true });
});
