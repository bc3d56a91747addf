/**
 * Crash safety on FaultVfs: crash after every fault point (write, fsync,
 * rename, …) of a scripted workload with flushes, compactions and manifest
 * swaps; truncated and corrupted logs and tables; failed fsyncs and a full
 * disk. Replay with SEED=<n>.
 */
import { describe, expect, it } from 'vitest';
import { Rng, seedNote, testSeed } from '@ringkv/sim';
import { FaultVfs, isLsmError, MemVfs, openEngine, type Engine, type EngineOptions } from '../src/index.js';
import { b, ManualClock, s } from './helpers.js';

const options: EngineOptions = {
  memtableBytes: 64 * 1024,
  blockSizeBytes: 1024,
  l0CompactionTrigger: 2,
  levelSizeBaseBytes: 64 * 1024,
  targetFileSizeBytes: 32 * 1024,
  durability: 'sync',
};

/** Acknowledged state: key → value (null = deleted), plus the write in flight when the crash hit. */
interface Ledger {
  acked: Map<string, string | null>;
  inflight: Map<string, string | null> | undefined;
}

async function step(ledger: Ledger, ops: [string, string | null][], write: () => Promise<void>): Promise<void> {
  ledger.inflight = new Map(ops);
  await write();
  for (const [k, v] of ops) ledger.acked.set(k, v);
  ledger.inflight = undefined;
}

/** The scripted workload: about 40 writes, two explicit flushes, an automatic one, two compactions. */
async function workload(db: Engine, ledger: Ledger): Promise<void> {
  const put = (k: string, v: string): Promise<void> => step(ledger, [[k, v]], () => db.put(b(k), b(v)));
  const del = (k: string): Promise<void> => step(ledger, [[k, null]], () => db.delete(b(k)));
  for (let i = 0; i < 8; i++) await put(`k${i}`, `v${i}`);
  await step(ledger, [['k1', 'b1'], ['k2', null], ['k8', 'b8']], () =>
    db.batch([
      { type: 'put', key: b('k1'), value: b('b1') },
      { type: 'del', key: b('k2') },
      { type: 'put', key: b('k8'), value: b('b8') },
    ]),
  );
  await del('k3');
  await db.flush();
  const big = 'x'.repeat(6000);
  for (let i = 0; i < 14; i++) await put(`big${i % 7}`, `${i}${big}`);
  await del('k4');
  await db.compact();
  await put('k5', 'after-compact');
  await del('big1');
  await db.flush();
  await put('k6', 'late');
  await db.compact();
  await put('k7', 'last');
}

function verify(db: Engine, ledger: Ledger, note: string): void {
  for (const [k, v] of ledger.acked) {
    const got = s(db.getSync(b(k))) ?? null;
    const inflight = ledger.inflight?.has(k) ? ledger.inflight.get(k) : undefined;
    if (got !== v) {
      expect(inflight !== undefined && got === inflight, `${k}: got ${got?.slice(0, 12)}, acked ${v?.slice(0, 12)} ${note}`).toBe(true);
    }
  }
}

async function settle(db: Engine | undefined): Promise<void> {
  await db?.close().catch(() => {});
}

describe('crash at every fault point', () => {
  it('recovery keeps every acknowledged sync write, resurrects no delete, and always opens, even after a crash during recovery', async () => {
    const seed = testSeed(31337);
    const rng = new Rng(seed);
    const probe = new FaultVfs();
    const clock = new ManualClock();
    const full = await openEngine('db', { ...options, vfs: probe, clock });
    await workload(full, { acked: new Map(), inflight: undefined });
    await full.close();
    const points = probe.faultPoints;
    expect(points).toBeGreaterThan(50);
    const kinds = new Set(probe.pointLog);
    expect([...kinds].sort()).toEqual(['append', 'create', 'remove', 'rename', 'sync', 'sync-dir']);
    const modes = ['prefix', 'torn', 'drop'] as const;
    for (let k = 1; k <= points; k++) {
      const vfs = new FaultVfs();
      vfs.crashAtPoint(k);
      const ledger: Ledger = { acked: new Map(), inflight: undefined };
      let db: Engine | undefined;
      try {
        db = await openEngine('db', { ...options, vfs, clock });
        await workload(db, ledger);
      } catch {
        // the power went out
      }
      await settle(db);
      const mode = modes[rng.int(3)] as (typeof modes)[number];
      vfs.crash(rng, mode);
      let note = `crash at point ${k}/${points} (${mode}) ${seedNote(seed)}`;
      if (rng.chance(0.4)) {
        // A second crash in the middle of recovery (its flush, manifest install and cleanup).
        const j = 1 + rng.int(12);
        note += `, then at recovery point ${j}`;
        vfs.crashAtPoint(j);
        const during = await openEngine('db', { ...options, vfs, clock }).catch(() => undefined);
        await settle(during);
        vfs.crash(rng, mode);
      }
      const reopened = await openEngine('db', { ...options, vfs, clock }).catch((e: unknown) => e);
      expect(isLsmError(reopened), `open failed: ${String(reopened)} ${note}`).toBe(false);
      const db2 = reopened as Engine;
      verify(db2, ledger, note);
      // and the recovered engine keeps working and recovering
      await db2.put(b('post'), b('crash'));
      await db2.close();
      const db3 = await openEngine('db', { ...options, vfs, clock });
      verify(db3, ledger, note);
      expect(s(db3.getSync(b('post'))), note).toBe('crash');
      await db3.close();
    }
  });
});

async function copyVfs(from: MemVfs, dir: string, edit: (name: string, data: Uint8Array) => Uint8Array): Promise<MemVfs> {
  const to = new MemVfs();
  to.mkdirp(dir);
  for (const name of from.list(dir)) {
    if (name === 'LOCK') continue;
    const f = to.create(`${dir}/${name}`);
    f.append(edit(name, from.readFile(`${dir}/${name}`)));
    f.close();
  }
  return to;
}

describe('damaged files', () => {
  it('truncating the newest log of a crashed engine at every byte offset of its last records keeps exactly the intact prefix', async () => {
    const vfs = new MemVfs();
    const clock = new ManualClock();
    const db = await openEngine('db', { vfs, clock });
    const ends: number[] = [];
    const logName = vfs.list('db').find((n) => n.endsWith('.log')) as string;
    for (let i = 0; i < 6; i++) {
      await db.put(b(`key${i}`), b(`value-${i}-${'y'.repeat(i * 10)}`));
      ends.push(vfs.sizeOf(`db/${logName}`));
    }
    // No close: a clean close marks the whole segment synced, after which a cut is corruption.
    expect(vfs.list('db').some((n) => n.endsWith('.logsync'))).toBe(false);
    const from = ends[2] as number;
    for (let cut = from; cut <= (ends[5] as number); cut++) {
      const copy = await copyVfs(vfs, 'db', (name, data) => (name === logName ? data.subarray(0, cut) : data));
      const re = await openEngine('db', { vfs: copy, clock });
      const intact = ends.filter((e) => e <= cut).length;
      for (let i = 0; i < 6; i++) {
        expect(re.getSync(b(`key${i}`)) !== undefined, `cut ${cut} key${i}`).toBe(i < intact);
      }
      expect(re.stats().recovery.droppedTailBytes, `cut ${cut}`).toBe(cut - (ends[intact - 1] as number));
      await re.close();
    }
  });

  it('a flipped bit in the middle of the log is reported as corruption', async () => {
    const vfs = new MemVfs();
    const clock = new ManualClock();
    const db = await openEngine('db', { vfs, clock });
    for (let i = 0; i < 10; i++) await db.put(b(`key${i}`), b(`value${i}`));
    await db.close();
    const copy = await copyVfs(vfs, 'db', (name, data) => {
      if (!name.endsWith('.log')) return data;
      const out = data.slice();
      const mid = Math.floor(out.length / 2);
      out[mid] = (out[mid] as number) ^ 0x20;
      return out;
    });
    await expect(openEngine('db', { vfs: copy, clock })).rejects.toMatchObject({ code: 'corruption' });
  });

  it('a flipped bit in a table data block is reported as corruption by reads', async () => {
    const vfs = new MemVfs();
    const clock = new ManualClock();
    const db = await openEngine('db', { vfs, clock, compression: 'none' });
    for (let i = 0; i < 100; i++) await db.put(b(`key${i}`), b(`value${i}`), { durability: 'none' });
    await db.close({ flush: true });
    const copy = await copyVfs(vfs, 'db', (name, data) => {
      if (!name.endsWith('.sst')) return data;
      const out = data.slice();
      out[20] = (out[20] as number) ^ 0x01;
      return out;
    });
    const re = await openEngine('db', { vfs: copy, clock });
    expect(() => re.getSync(b('key0'))).toThrow(expect.objectContaining({ code: 'corruption' }));
    expect(() => [...re.iterate()]).toThrow(expect.objectContaining({ code: 'corruption' }));
    await re.close();
  });
});

describe('I/O errors', () => {
  it('after an fsync fails with EIO no write is acknowledged, including ones already queued behind it', async () => {
    const vfs = new FaultVfs();
    const db = await openEngine('db', { vfs, clock: new ManualClock() });
    await db.put(b('before'), b('1'));
    vfs.failSyncs('next');
    const failing = db.put(b('a'), b('1'));
    const queued = db.put(b('b'), b('2'), { durability: 'none' });
    await expect(failing).rejects.toMatchObject({ code: 'io' });
    await expect(queued).rejects.toMatchObject({ code: 'closed' });
    for (const d of ['sync', 'interval', 'none'] as const) {
      const err = await db.put(b('c'), b('3'), { durability: d }).catch((e: unknown) => e);
      expect(isLsmError(err) && err.code).toBe('closed');
      expect(isLsmError(err) && isLsmError(err.cause) && err.cause.code).toBe('io');
    }
    expect(s(await db.get(b('before')))).toBe('1');
    expect(await db.get(b('a'))).toBeUndefined();
    await db.close();
  });

  it('ENOSPC is reported as no-space, close still succeeds, and nothing acknowledged is lost', async () => {
    const vfs = new FaultVfs();
    const clock = new ManualClock();
    const db = await openEngine('db', { vfs, clock });
    for (let i = 0; i < 20; i++) await db.put(b(`k${i}`), b(`v${i}`));
    vfs.failAppends('no-space');
    await expect(db.put(b('full'), b('x'))).rejects.toMatchObject({ code: 'no-space' });
    await expect(db.put(b('more'), b('x'))).rejects.toMatchObject({ code: 'no-space' }); // refused until a retry finds space
    await db.close({ flush: true }); // succeeds on a full disk: it skips the flush, the log holds every acknowledged write
    vfs.failAppends('none');
    vfs.crash(new Rng(testSeed(5)), 'torn');
    const re = await openEngine('db', { vfs, clock });
    for (let i = 0; i < 20; i++) expect(s(re.getSync(b(`k${i}`)))).toBe(`v${i}`);
    expect(re.getSync(b('full'))).toBeUndefined();
    await re.close();
  });

  it('a write that waits too long for room fails with write-stall-timeout, and stalls are counted', async () => {
    const vfs = new FaultVfs();
    const clock = new ManualClock();
    const db = await openEngine('db', { vfs, clock, memtableBytes: 64 * 1024, writeStallTimeoutMs: 1000, durability: 'none' });
    const release = vfs.holdSyncs(); // a disk so slow that the memtable cannot be frozen
    const big = new Uint8Array(40 * 1024);
    const writes: Promise<unknown>[] = [];
    for (let i = 0; i < 6; i++) writes.push(db.put(b(`k${i}`), big).then(() => 'ok', (e: unknown) => e));
    await new Promise<void>((r) => queueMicrotask(r));
    clock.advance(1001);
    const results = await Promise.all(writes);
    expect(results.slice(0, 2)).toEqual(['ok', 'ok']);
    for (const r of results.slice(2)) expect(isLsmError(r) && r.code).toBe('write-stall-timeout');
    expect(db.stats().stalls).toEqual({ count: 3, totalMs: 3 * 1001 }); // the writer that started the rotation is not a stall
    release();
    await db.put(b('after'), b('ok'));
    expect(s(await db.get(b('after')))).toBe('ok');
    await db.close();
  });
});


describe('unsynced writes', () => {
  it('after a crash, writes made with durability none come back as an exact prefix of the history', async () => {
    const seed = testSeed(777);
    const rng = new Rng(seed);
    for (let round = 0; round < 12; round++) {
      const vfs = new FaultVfs();
      const clock = new ManualClock();
      const db = await openEngine('db', { ...options, vfs, clock, durability: 'none' });
      const history: Map<string, string | null>[] = [new Map()];
      const n = rng.between(50, 400);
      for (let i = 0; i < n; i++) {
        const state = new Map(history[history.length - 1]);
        const ops = Array.from({ length: rng.between(1, 4) }, () => {
          const key = `k${rng.int(40)}`;
          return rng.chance(0.75) ? { type: 'put' as const, key: b(key), value: b(`${i}-${'z'.repeat(rng.int(3000))}`) } : { type: 'del' as const, key: b(key) };
        });
        await db.batch(ops);
        for (const op of ops) state.set(s(op.key) as string, op.type === 'put' ? (s(op.value) as string) : null);
        history.push(state);
      }
      vfs.powerCut();
      await db.close().catch(() => {});
      const mode = rng.pick(['prefix', 'torn', 'drop'] as const);
      vfs.crash(rng, mode);
      const re = await openEngine('db', { ...options, vfs, clock });
      const got = new Map([...re.iterate()].map(([k, v]) => [s(k) as string, s(v) as string]));
      const matches = history.some((st) => {
        const live = [...st].filter(([, v]) => v !== null);
        return live.length === got.size && live.every(([k, v]) => got.get(k) === v);
      });
      expect(matches, `round ${round} (${mode}, ${n} batches) ${seedNote(seed)}`).toBe(true);
      await re.close();
    }
  });
});
