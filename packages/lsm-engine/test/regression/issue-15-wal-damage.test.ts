/**
 * Issue 15 item 8: damage to a log that had been synced was taken for a torn
 * tail and dropped silently (a flipped byte before more valid records: 8 acked
 * writes gone; the newest log cut in half: 288 gone, "3 bytes dropped"). Now a
 * bad record followed by valid ones, or damage or a cut below the segment's
 * synced-size mark, is corruption: `strict` refuses to open, `salvage` replays
 * every valid record and reports exactly what it skipped. On MemVfs and the
 * real disk.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MemVfs, NodeVfs, openEngine, type Engine, type Vfs } from '../../src/index.js';
import { b, ManualClock } from '../helpers.js';

interface Disk {
  vfs: Vfs;
  dir: string;
  /** Replaces the bytes of the one log segment of `dir`. */
  editLog(edit: (data: Uint8Array) => Uint8Array): void;
}

/** A crash, as far as the files go: a fresh disk with a copy of `from`'s files (but not its held lock). */
function crashCopy(from: Disk, to: Disk): Disk {
  to.vfs.mkdirp(to.dir);
  for (const name of from.vfs.list(from.dir)) {
    if (name === 'LOCK') continue;
    const f = to.vfs.create(`${to.dir}/${name}`);
    f.append(from.vfs.readFile(`${from.dir}/${name}`));
    f.close();
  }
  return to;
}

const realDirs: string[] = [];
afterAll(() => {
  for (const d of realDirs) rmSync(d, { recursive: true, force: true });
});

const disks: [string, () => Disk][] = [
  [
    'MemVfs',
    () => {
      const vfs = new MemVfs();
      const logOf = (): string => `db/${vfs.list('db').find((n) => n.endsWith('.log')) as string}`;
      return {
        vfs,
        dir: 'db',
        editLog(edit) {
          const path = logOf();
          const data = edit(vfs.readFile(path).slice());
          const f = vfs.create(path);
          f.append(data);
          f.close();
        },
      };
    },
  ],
  [
    'the real disk',
    () => {
      const dir = mkdtempSync(join(tmpdir(), 'lsm-issue15-'));
      realDirs.push(dir);
      const logOf = (): string => join(dir, readdirSync(dir).find((n) => n.endsWith('.log')) as string);
      return {
        vfs: new NodeVfs(),
        dir,
        editLog(edit) {
          const path = logOf();
          writeFileSync(path, edit(new Uint8Array(readFileSync(path))));
        },
      };
    },
  ],
];

/** Writes `n` single-put records with 'sync' durability, returning each record's end offset in the log. */
async function fill(db: Engine, disk: Disk, n: number, valueBytes = 100): Promise<number[]> {
  const ends: number[] = [];
  const log = disk.vfs.list(disk.dir).find((name) => name.endsWith('.log')) as string;
  for (let i = 0; i < n; i++) {
    await db.put(b(`key${String(i).padStart(4, '0')}`), b('v'.repeat(valueBytes)));
    ends.push(disk.vfs.sizeOf(`${disk.dir}/${log}`));
  }
  return ends;
}

function present(db: Engine, n: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) if (db.getSync(b(`key${String(i).padStart(4, '0')}`)) !== undefined) out.push(i);
  return out;
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);

describe.each(disks)('log damage on %s', (_name, makeDisk) => {
  const clock = new ManualClock();

  /**
   * Writes `n` records, closes cleanly, damages the log with `edit` (given the
   * record end offsets), checks that `strict` refuses to open, and returns the
   * engine opened with `salvage`.
   */
  async function damaged(n: number, edit: (data: Uint8Array, ends: number[]) => Uint8Array): Promise<{ re: Engine; ends: number[] }> {
    const disk = makeDisk();
    const db = await openEngine(disk.dir, { vfs: disk.vfs, clock });
    const ends = await fill(db, disk, n);
    await db.close();
    disk.editLog((data) => edit(data, ends));
    await expect(openEngine(disk.dir, { vfs: disk.vfs, clock })).rejects.toMatchObject({ code: 'corruption' });
    return { re: await openEngine(disk.dir, { vfs: disk.vfs, clock, walRecovery: 'salvage' }), ends };
  }

  const flip = (data: Uint8Array, at: number, mask: number): Uint8Array => {
    data[at] = (data[at] as number) ^ mask;
    return data;
  };

  it('a flipped length byte before more valid records in the same block is corruption, not a torn tail', async () => {
    // Record 12's length field: the old reader looked for the next record where
    // that length pointed and at later block boundaries only, found none, and
    // dropped records 12..19 as a "torn tail".
    const { re, ends } = await damaged(20, (data, ends) => flip(data, (ends[11] as number) + 4, 0x40));
    expect(present(re, 20)).toEqual([...range(0, 12), ...range(13, 20)]);
    const { corruption, droppedTailBytes } = re.stats().recovery;
    expect(droppedTailBytes).toBe(0);
    expect(corruption).toMatchObject({ regions: 1, droppedOps: 1, droppedOpsExact: true });
    expect(corruption.droppedBytes).toBe((ends[12] as number) - (ends[11] as number));
    expect(corruption.details[0]).toMatchObject({ offset: ends[11], bytes: corruption.droppedBytes });
    await re.close();
  });

  it('a flipped byte in the last record of a cleanly closed log is corruption', async () => {
    const { re } = await damaged(10, (data, ends) => flip(data, (ends[8] as number) + 20, 0x01));
    expect(present(re, 10)).toEqual(range(0, 9));
    expect(re.stats().recovery.corruption).toMatchObject({ regions: 1, droppedOps: 1, droppedOpsExact: false });
    expect(re.stats().recovery.droppedTailBytes).toBe(0);
    await re.close();
  });

  it('the newest log cut in half after a clean close reports every missing byte', async () => {
    let cut = 0;
    const { re, ends } = await damaged(40, (data) => data.subarray(0, (cut = Math.floor(data.length / 2))));
    const size = ends[39] as number;
    const intact = ends.filter((e) => e <= cut).length;
    expect(present(re, 40)).toEqual(range(0, intact));
    const { corruption } = re.stats().recovery;
    expect(corruption.droppedBytes).toBe(size - (ends[intact - 1] as number));
    expect(corruption.droppedOpsExact).toBe(false);
    expect(corruption.droppedOps).toBeGreaterThanOrEqual(1);
    await re.close();
  });

  it('a cut below the periodic synced-size mark of a crashed engine is corruption, a cut above it a torn tail', async () => {
    const disk = makeDisk();
    const db = await openEngine(disk.dir, { vfs: disk.vfs, clock });
    // 1 KiB values: the log passes LOG_SYNC_MARK_BYTES (64 KiB) after about 64 records.
    const ends = await fill(db, disk, 100, 1000);
    const markName = disk.vfs.list(disk.dir).find((n) => n.endsWith('.log'))?.replace('.log', '.logsync') as string;
    for (let i = 0; i < 1000 && !disk.vfs.exists(`${disk.dir}/${markName}`); i++) await new Promise((r) => setImmediate(r));
    expect(disk.vfs.exists(`${disk.dir}/${markName}`)).toBe(true);
    // No close: the engine "crashes" with its mark somewhere past 64 KiB.
    const below = crashCopy(disk, makeDisk());
    below.editLog((data) => data.subarray(0, ends[9] as number));
    await expect(openEngine(below.dir, { vfs: below.vfs, clock })).rejects.toMatchObject({ code: 'corruption' });
    const above = crashCopy(disk, makeDisk());
    above.editLog((data) => data.subarray(0, (ends[99] as number) - 5));
    const re = await openEngine(above.dir, { vfs: above.vfs, clock });
    expect(present(re, 100)).toEqual(range(0, 99));
    expect(re.stats().recovery.droppedTailBytes).toBe((ends[99] as number) - 5 - (ends[98] as number));
    expect(re.stats().recovery.corruption.regions).toBe(0);
    await re.close();
  });
});
