/**
 * Issue 15, item 7: one ENOSPC disabled writes until an operator stepped in.
 * After the disk filled, writes stayed refused once space was freed, a close
 * failed, and a restart failed in its start-up compaction. A full disk is now
 * a recoverable state: writes are refused with `no-space`, reads go on, a
 * retry with backoff (on the engine's clock) resumes writes once space is
 * back, and close and open do not need space they cannot get.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FaultVfs, openEngine, type Engine } from '../../src/index.js';
import { NO_SPACE_RETRY_MAX_MS } from '../../src/limits.js';
import { b, ManualClock, s } from '../helpers.js';
import { useTmpfs } from '../tmpfs.js';

/** Lets promise chains and I/O callbacks run (the probe's fsync is a real promise). */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/**
 * Advances the clock retry by retry until `done` (at most `retries`). Each
 * retry also gives real time (10 ms): on the real disk a retried flush builds
 * its table in the engine's worker thread, which no amount of event-loop
 * turns alone waits for (the test failed that way on a loaded machine).
 */
async function retryUntil(clock: ManualClock, done: () => boolean, retries = 200): Promise<void> {
  for (let i = 0; i < retries && !done(); i++) {
    clock.advance(NO_SPACE_RETRY_MAX_MS);
    await settle();
    if (!done()) await new Promise<void>((resolve) => setTimeout(resolve, 10));
  }
}

describe('a full disk (issue 15, item 7), on the fault-injecting Vfs', () => {
  it('writes are refused with no-space while the disk is full, reads go on, and writes resume on their own once space is back', async () => {
    const vfs = new FaultVfs();
    const clock = new ManualClock();
    const db = await openEngine('db', { vfs, clock });
    await db.put(b('a'), b('1'));
    vfs.failAppends('no-space');
    await expect(db.put(b('b'), b('2'))).rejects.toMatchObject({ code: 'no-space' });
    await expect(db.put(b('c'), b('3'))).rejects.toMatchObject({ code: 'no-space' });
    expect(s(await db.get(b('a')))).toBe('1');
    expect(db.writeState()).toMatchObject({ writable: false });
    expect(db.stats().space).toMatchObject({ writable: false, writesBlocked: true });
    await retryUntil(clock, () => false, 20); // the disk stays full: retries fail and writes stay refused
    expect(db.writeState().writable).toBe(false);
    expect(db.stats().space.retries).toBeGreaterThan(1);

    vfs.failAppends('none');
    await retryUntil(clock, () => db.writeState().writable);
    expect(db.stats().space).toMatchObject({ writable: true, writesBlocked: false });
    await db.put(b('c'), b('3'));
    await db.close();

    const re = await openEngine('db', { vfs, clock });
    expect([s(re.getSync(b('a'))), s(re.getSync(b('b'))), s(re.getSync(b('c')))]).toEqual(['1', undefined, '3']);
    expect(vfs.list('db')).not.toContain('SPACE-PROBE');
    await re.close();
  });

  it('a flush that meets a full disk leaves no part-written table, keeps its data readable and is retried', async () => {
    const vfs = new FaultVfs();
    const clock = new ManualClock();
    const db = await openEngine('db', { vfs, clock });
    for (let i = 0; i < 50; i++) await db.put(b(`k${i}`), b(`v${i}`));
    const tablesBefore = vfs.list('db').filter((n) => n.endsWith('.sst')).length;
    vfs.failAppends('no-space');
    await expect(db.flush()).rejects.toMatchObject({ code: 'no-space' });
    expect(vfs.list('db').filter((n) => n.endsWith('.sst')).length).toBe(tablesBefore);
    await expect(db.put(b('x'), b('y'))).rejects.toMatchObject({ code: 'no-space' });
    expect(s(await db.get(b('k7')))).toBe('v7');

    vfs.failAppends('none');
    await retryUntil(clock, () => db.writeState().writable);
    expect(db.stats()).toMatchObject({ frozenMemtables: 0, flushes: 1 });
    await db.put(b('x'), b('y'));
    await db.close();
  });

  it('an engine opened on a full disk starts without flushing its log, serves reads, and writes once space is back', async () => {
    const vfs = new FaultVfs();
    const clock = new ManualClock();
    const db = await openEngine('db', { vfs, clock });
    for (let i = 0; i < 30; i++) await db.put(b(`k${i}`), b(`v${i}`)); // in the log only
    await db.close();

    vfs.failAppends('no-space'); // no room for the tables recovery would write, nor a manifest
    const full = await openEngine('db', { vfs, clock });
    expect(s(full.getSync(b('k29')))).toBe('v29');
    expect(full.writeState().writable).toBe(false);
    await expect(full.put(b('x'), b('y'))).rejects.toMatchObject({ code: 'no-space' });
    await full.close();

    const again = await openEngine('db', { vfs, clock }); // still full: a second open on the kept segments
    expect(s(again.getSync(b('k0')))).toBe('v0');
    vfs.failAppends('none');
    await retryUntil(clock, () => again.writeState().writable);
    expect(again.stats()).toMatchObject({ frozenMemtables: 0 });
    await again.put(b('x'), b('y'));
    await again.close();

    const re = await openEngine('db', { vfs, clock });
    for (let i = 0; i < 30; i++) expect(s(re.getSync(b(`k${i}`)))).toBe(`v${i}`);
    expect(s(re.getSync(b('x')))).toBe('y');
    await re.close();
  });

  it('an engine whose start-up compaction meets a full disk opens, takes writes (rotating and flushing memtables meanwhile), and compacts once space is back', async () => {
    const vfs = new FaultVfs();
    const clock = new ManualClock();
    const small = { vfs, clock, l0CompactionTrigger: 2, memtableBytes: 64 * 1024 };
    const setup = await openEngine('db', { ...small, autoCompaction: false });
    for (let t = 0; t < 3; t++) {
      await setup.put(b(`k${t}`), b(`v${t}`));
      await setup.flush();
    }
    await setup.close();

    vfs.failAppends('no-space', /\.sst$/); // room for the log and the manifest, none for a compaction's output
    const db: Engine = await openEngine('db', small);
    await settle();
    expect(db.stats().space).toMatchObject({ writable: true, compactionBlocked: true });
    await db.put(b('during'), b('1'));
    expect(s(db.getSync(b('k1')))).toBe('v1');

    vfs.failAppends('none'); // space is back, but the compaction's retry has not run yet (the clock stands still)
    const value = new Uint8Array(1024).fill(1);
    for (let i = 0; i < 200; i++) await db.put(b(`fill${i}`), value); // 200 KiB: memtables rotate and flush
    expect(db.stats().space.compactionBlocked).toBe(true);
    expect(db.stats().flushes).toBeGreaterThan(0);

    await retryUntil(clock, () => !db.stats().space.compactionBlocked && db.stats().levels[0]?.tables === 0);
    expect(db.stats().levels[0]?.tables).toBe(0);
    expect(db.stats().compactions).toBeGreaterThan(0);
    await db.close();
  });
});

/**
 * The real disk: a small tmpfs (needs root and `mount`; skipped where the
 * mount is refused). A ballast file fills it, as an operator's disk fills.
 */
describe('a full disk (issue 15, item 7), on a real tmpfs', () => {
  const tmpfs = useTmpfs('ringkv-enospc-');

  it('writes fail with no-space when the disk fills, resume after the ballast is removed, and nothing acknowledged is lost', async (ctx) => {
    if (!tmpfs.mounted) return ctx.skip();
    const dir = tmpfs.dir;
    const clock = new ManualClock();
    const data = path.join(dir, 'db');
    const db = await openEngine(data, { clock, memtableBytes: 1024 * 1024 });
    const value = new Uint8Array(200 * 1024).fill(7);
    await db.put(b('first'), b('1'));
    const ballast = path.join(dir, 'ballast');
    try {
      fs.writeFileSync(ballast, new Uint8Array(7 * 1024 * 1024));
    } catch {
      // Filled to the last byte is what we want.
    }
    const acked: string[] = [];
    let refused: unknown;
    for (let i = 0; i < 64 && refused === undefined; i++) {
      await db.put(b(`big${i}`), value).then(() => acked.push(`big${i}`), (e: unknown) => (refused = e));
    }
    expect(refused).toMatchObject({ code: 'no-space' });
    expect(s(await db.get(b('first')))).toBe('1');
    expect(db.writeState().writable).toBe(false);

    fs.rmSync(ballast);
    await retryUntil(clock, () => db.writeState().writable);
    await db.put(b('after'), b('2'));
    await db.close();

    const re = await openEngine(data, { clock });
    expect(s(re.getSync(b('after')))).toBe('2');
    for (const k of acked) expect(re.getSync(b(k))?.length).toBe(value.length);
    await re.close();
  });
});
