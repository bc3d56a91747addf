/**
 * The table worker (option `tableWorker`): flushes and compactions built in a
 * worker thread write the same tables as the engine's own thread, and a
 * worker that fails (dies, or meets a full disk) surfaces the engine's typed
 * errors and loses nothing acknowledged.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Rng, seedNote, testSeed } from '@ringkv/sim';
import { MemVfs, openEngine, type Engine, type EngineOptions } from '../src/index.js';
import { TableWorker } from '../src/engine/table-worker.js';
import { NO_SPACE_RETRY_MAX_MS } from '../src/limits.js';
import { b, ManualClock, s, strings } from './helpers.js';
import { useTmpfs } from './tmpfs.js';

const dirs: string[] = [];
function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'lsm-worker-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

const options: EngineOptions = {
  memtableBytes: 2 * 1024 * 1024,
  valueBytesMax: 2 * 1024 * 1024,
  targetFileSizeBytes: 256 * 1024,
  autoCompaction: false,
  durability: 'none',
};

/** The same writes on every call for one seed: overwrites, deletes, one value larger than a worker chunk. */
async function workload(db: Engine, seed: number): Promise<void> {
  const rng = new Rng(seed);
  for (let round = 0; round < 3; round++) {
    for (let i = 0; i < 6000; i++) {
      const key = b(`key-${rng.int(8000).toString().padStart(5, '0')}`);
      if (rng.chance(0.1)) await db.delete(key);
      else await db.put(key, rng.bytes(rng.int(300)));
    }
    if (round === 1) await db.put(b('big'), rng.bytes(1536 * 1024));
    await db.flush();
  }
  await db.compact();
}

/** Every table file of `dir`, name → bytes. */
function tables(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const name of fs.readdirSync(dir).sort()) if (name.endsWith('.sst')) out.set(name, fs.readFileSync(path.join(dir, name)));
  return out;
}

/** The engine's private worker, swapped for tests that need it to fail. */
function setWorker(db: Engine, worker: TableWorker): void {
  (db as unknown as { tableWorker: TableWorker }).tableWorker = worker;
}

describe('the table worker', () => {
  it('is on by default on the real disk, off on MemVfs, and refused with a Vfs it cannot share', async () => {
    const onDisk = await openEngine(path.join(tempDir(), 'db'));
    expect((onDisk as unknown as { tableWorker: unknown }).tableWorker).toBeInstanceOf(TableWorker);
    await onDisk.close();
    const inMemory = await openEngine('db', { vfs: new MemVfs() });
    expect((inMemory as unknown as { tableWorker: unknown }).tableWorker).toBeUndefined();
    await inMemory.close();
    await expect(openEngine('db', { vfs: new MemVfs(), tableWorker: true })).rejects.toMatchObject({ code: 'invalid-argument' });
  });

  it('flushes and compactions through the worker write byte-identical tables and the same contents as in the engine thread', async () => {
    const seed = testSeed(4402);
    const viaWorker = path.join(tempDir(), 'db');
    const inThread = path.join(tempDir(), 'db');
    const w = await openEngine(viaWorker, { ...options, tableWorker: true });
    const t = await openEngine(inThread, { ...options, tableWorker: false });
    await workload(w, seed);
    await workload(t, seed);
    expect(w.stats().flushes, seedNote(seed)).toBe(3);
    expect(w.stats().compactions).toBeGreaterThan(0);
    expect(w.stats().levels).toEqual(t.stats().levels);
    expect(strings(w.iterate())).toEqual(strings(t.iterate()));
    await w.close();
    await t.close();
    const a = tables(viaWorker);
    const c = tables(inThread);
    expect([...a.keys()], seedNote(seed)).toEqual([...c.keys()]);
    expect(a.size).toBeGreaterThan(1);
    for (const [name, bytes] of a) expect(bytes.equals(c.get(name) as Buffer), `${name} ${seedNote(seed)}`).toBe(true);
  });

  it('a flush whose log segment no longer matches its memtable (damaged on disk) is built from the memtable instead', async () => {
    const dir = path.join(tempDir(), 'db');
    const db = await openEngine(dir, options);
    for (let i = 0; i < 2000; i++) await db.put(b(`k${i}`), b(`v${i}`));
    const logs = fs.readdirSync(dir).filter((n) => n.endsWith('.log')).sort();
    const active = path.join(dir, logs[logs.length - 1] as string);
    fs.truncateSync(active, Math.floor(fs.statSync(active).size / 2));
    await db.flush();
    expect((db as unknown as { tableWorker: TableWorker }).tableWorker.mismatches).toBe(1);
    expect(db.stats().levels[0]?.tables).toBe(1);
    await db.close();
    const re = await openEngine(dir, options);
    for (let i = 0; i < 2000; i += 97) expect(s(re.getSync(b(`k${i}`)))).toBe(`v${i}`);
    await re.close();
  });

  it('a worker that dies during a flush fails it with io (the engine then refuses writes as `closed`, as after any I/O error); the engine stops taking writes and loses nothing acknowledged', async () => {
    const dir = path.join(tempDir(), 'db');
    const db = await openEngine(dir, { ...options, durability: 'sync' });
    for (let i = 0; i < 500; i++) await db.put(b(`k${i}`), b(`v${i}`));
    setWorker(db, new TableWorker(new URL('./fixtures/crashing-table-worker.mjs', import.meta.url)));
    // As for an I/O error in the engine's own thread: the flush fails, the engine turns `closed` with the cause.
    const failed = await db.flush().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(failed).toMatchObject({ name: 'LsmError', code: 'closed' });
    expect((failed as Error).cause).toMatchObject({ name: 'LsmError', code: 'io', message: expect.stringContaining('table worker exited (code 3)') });
    await expect(db.put(b('after'), b('x'))).rejects.toMatchObject({ code: 'closed' });
    expect(s(await db.get(b('k7')))).toBe('v7');
    await db.close();

    const re = await openEngine(dir, options);
    for (let i = 0; i < 500; i++) expect(s(re.getSync(b(`k${i}`)))).toBe(`v${i}`);
    expect(re.getSync(b('after'))).toBeUndefined();
    await re.close();
  });

  it('a worker that dies during a compaction fails it with io and leaves the input tables whole', async () => {
    const dir = path.join(tempDir(), 'db');
    const db = await openEngine(dir, options);
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 300; i++) await db.put(b(`k${i}`), b(`v${round}-${i}`));
      await db.flush();
    }
    setWorker(db, new TableWorker(new URL('./fixtures/crashing-table-worker.mjs', import.meta.url)));
    await expect(db.compact()).rejects.toMatchObject({ name: 'LsmError', code: 'io' });
    await db.close();
    const re = await openEngine(dir, options);
    expect(re.stats().levels[0]?.tables).toBe(2);
    for (let i = 0; i < 300; i++) expect(s(re.getSync(b(`k${i}`)))).toBe(`v1-${i}`);
    await re.close();
  });

  it('a worker whose thread was terminated while idle is replaced by the next flush', async () => {
    const db = await openEngine(path.join(tempDir(), 'db'), options);
    await db.put(b('a'), b('1'));
    await db.flush();
    const worker = (db as unknown as { tableWorker: TableWorker }).tableWorker;
    await worker.thread?.terminate();
    await db.put(b('b'), b('2'));
    await db.flush();
    expect(db.stats().flushes).toBe(2);
    expect(strings(db.iterate())).toEqual([
      ['a', '1'],
      ['b', '2'],
    ]);
    await db.close();
  });
});

/** Advances the clock retry by retry until `done` (the probe's fsync and the worker are real I/O). */
async function retryUntil(clock: ManualClock, done: () => boolean): Promise<void> {
  for (let i = 0; i < 50 && !done(); i++) {
    clock.advance(NO_SPACE_RETRY_MAX_MS);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A full disk met by the worker (needs root and `mount`; skipped where the mount is refused). */
describe('the table worker on a full disk (a real tmpfs)', () => {
  const tmpfs = useTmpfs('lsm-worker-enospc-');

  it('a flush that meets ENOSPC in the worker is no-space, as in the engine thread; it is retried once space is back, and nothing is lost', async (ctx) => {
    if (!tmpfs.mounted) return ctx.skip();
    const dir = tmpfs.dir;
    const clock = new ManualClock();
    const data = path.join(dir, 'db');
    const db = await openEngine(data, { clock, memtableBytes: 4 * 1024 * 1024, durability: 'sync', compression: 'none', tableWorker: true });
    const rng = new Rng(4403);
    for (let i = 0; i < 40; i++) await db.put(b(`k${i}`), rng.bytes(50 * 1024));
    const ballast = path.join(dir, 'ballast');
    // Leave room for the log rotation, not for a 2 MiB table.
    const free = (fs.statfsSync(dir).bavail - 64) * fs.statfsSync(dir).bsize;
    fs.writeFileSync(ballast, new Uint8Array(Math.max(0, free)));
    await expect(db.flush()).rejects.toMatchObject({ code: 'no-space' });
    expect(db.writeState()).toMatchObject({ writable: false, reason: expect.stringContaining('.sst') });
    expect(db.stats().flushes).toBe(0);
    expect(fs.readdirSync(data).filter((n) => n.endsWith('.sst'))).toEqual([]);
    expect(db.getSync(b('k3'))?.length).toBe(50 * 1024);

    fs.rmSync(ballast);
    await retryUntil(clock, () => db.writeState().writable);
    expect(db.stats().flushes).toBe(1);
    await db.put(b('after'), b('2'));
    await db.close();
    const re = await openEngine(data, { clock });
    expect(s(re.getSync(b('after')))).toBe('2');
    for (let i = 0; i < 40; i++) expect(re.getSync(b(`k${i}`))?.length).toBe(50 * 1024);
    await re.close();
  });
});

