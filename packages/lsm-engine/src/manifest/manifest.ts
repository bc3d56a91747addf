/**
 * The manifest: the engine's durable state apart from the log and the tables
 * themselves. Byte layout in docs/format/manifest.md (repository root).
 *
 * Each change (a flush, a compaction, an open) writes a complete new
 * MANIFEST-<n> rather than appending an edit: the state is small (about 100
 * bytes per table) and a full snapshot needs no replay logic. It is installed
 * atomically:
 *
 *   write MANIFEST-<n>, fsync it; write CURRENT.tmp naming it, fsync it;
 *   rename CURRENT.tmp → CURRENT; fsync the directory.
 *
 * Invariants:
 *   1. CURRENT always names a complete, fsynced manifest: a crash at any point
 *      of the sequence above leaves either the old or the new state.
 *   2. A manifest is checksummed as a whole; any mismatch is `corruption`
 *      (a torn manifest is never installed, so one cannot be explained away).
 *   3. `logNumber`: every log segment numbered below it is covered by tables
 *      in the manifest and may be deleted; recovery replays the ones at or above.
 */
import { isLsmError, LsmError } from '../errors.js';
import type { TableMeta } from '../sstable/index.js';
import { ByteWriter } from '../util/byte-writer.js';
import { crc32c, maskCrc, unmaskCrc } from '../util/crc32c.js';
import { getU32, getVarint, type VarintCursor } from '../util/varint.js';
import type { Vfs } from '../vfs/vfs.js';

/** "ringkvmf" */
export const MANIFEST_MAGIC = new Uint8Array([0x72, 0x69, 0x6e, 0x67, 0x6b, 0x76, 0x6d, 0x66]);
export const MANIFEST_VERSION = 1;
/** magic (8) + version (u32) + payload length (u32) + masked CRC-32C of the payload (u32). */
export const MANIFEST_HEADER_BYTES = 20;
export const CURRENT_FILE = 'CURRENT';
export const CURRENT_TMP_FILE = 'CURRENT.tmp';

/** A (sequence number, clock time) pair: every seq <= `seq` was written at or before `timeMs`. */
export interface SeqTime {
  seq: number;
  timeMs: number;
}

/** Everything a manifest records. */
export interface ManifestState {
  nextFileNumber: number;
  lastSeq: number;
  logNumber: number;
  checkpoints: SeqTime[];
  /** levels[0] newest first; deeper levels sorted by smallest key. */
  levels: TableMeta[][];
}

export function manifestFileName(n: number): string {
  return `MANIFEST-${String(n).padStart(6, '0')}`;
}

export function parseManifestFileName(name: string): number | undefined {
  const m = /^MANIFEST-(\d+)$/.exec(name);
  return m ? Number(m[1]) : undefined;
}

export function encodeManifest(state: ManifestState): Uint8Array {
  const p = new ByteWriter(1024);
  p.putVarint(state.nextFileNumber);
  p.putVarint(state.lastSeq);
  p.putVarint(state.logNumber);
  p.putVarint(state.checkpoints.length);
  for (const c of state.checkpoints) {
    p.putVarint(c.seq);
    p.putVarint(c.timeMs);
  }
  p.putVarint(state.levels.length);
  for (const level of state.levels) {
    p.putVarint(level.length);
    for (const t of level) encodeTable(p, t);
  }
  const payload = p.view();
  const out = new ByteWriter(MANIFEST_HEADER_BYTES + payload.length);
  out.putBytes(MANIFEST_MAGIC);
  out.putU32(MANIFEST_VERSION);
  out.putU32(payload.length);
  out.putU32(maskCrc(crc32c(payload)));
  out.putBytes(payload);
  return out.copy();
}

function encodeTable(p: ByteWriter, t: TableMeta): void {
  p.putVarint(t.fileNumber);
  p.putVarint(t.sizeBytes);
  p.putVarint(t.entries);
  p.putVarint(t.tombstones);
  p.putVarint(t.smallestSeq);
  p.putVarint(t.largestSeq);
  p.putVarint(t.smallestKey.length);
  p.putBytes(t.smallestKey);
  p.putVarint(t.largestKey.length);
  p.putBytes(t.largestKey);
}

/** Decodes and verifies a manifest file's bytes; `corruption` on any mismatch (invariant 2). */
export function decodeManifest(data: Uint8Array, name: string): ManifestState {
  const bad = (why: string): LsmError => new LsmError('corruption', `${name}: ${why}`);
  if (data.length < MANIFEST_HEADER_BYTES) throw bad('shorter than its header');
  for (let i = 0; i < MANIFEST_MAGIC.length; i++) if (data[i] !== MANIFEST_MAGIC[i]) throw bad('bad magic');
  const version = getU32(data, 8);
  if (version !== MANIFEST_VERSION) throw bad(`unsupported version ${version}`);
  const length = getU32(data, 12);
  if (MANIFEST_HEADER_BYTES + length !== data.length) throw bad('length mismatch');
  const payload = data.subarray(MANIFEST_HEADER_BYTES);
  if (unmaskCrc(getU32(data, 16)) !== crc32c(payload)) throw bad('checksum mismatch');
  const cur: VarintCursor = { pos: 0 };
  const end = payload.length;
  const v = (): number => {
    const n = getVarint(payload, cur, end);
    if (n < 0) throw bad('malformed varint');
    return n;
  };
  const bytes = (): Uint8Array => {
    const n = v();
    if (cur.pos + n > end) throw bad('truncated key');
    const out = payload.slice(cur.pos, cur.pos + n);
    cur.pos += n;
    return out;
  };
  const state: ManifestState = { nextFileNumber: v(), lastSeq: v(), logNumber: v(), checkpoints: [], levels: [] };
  for (let i = v(); i > 0; i--) state.checkpoints.push({ seq: v(), timeMs: v() });
  for (let l = v(); l > 0; l--) {
    const level: TableMeta[] = [];
    for (let i = v(); i > 0; i--) {
      const t = { fileNumber: v(), sizeBytes: v(), entries: v(), tombstones: v(), smallestSeq: v(), largestSeq: v() };
      level.push({ ...t, smallestKey: bytes(), largestKey: bytes() });
    }
    state.levels.push(level);
  }
  if (cur.pos !== end) throw bad('trailing bytes');
  return state;
}

async function writeSynced(vfs: Vfs, path: string, data: Uint8Array): Promise<void> {
  const file = vfs.create(path);
  try {
    file.append(data);
    await file.sync();
  } finally {
    file.close();
  }
}

/**
 * Installs `state` as MANIFEST-<number> and points CURRENT at it (invariant 1).
 * Returns the bytes written. On a throw the old manifest is still current
 * (and the new files are removed, so a full disk is retryable) unless the
 * final directory fsync failed (always `io`), in which case either may be.
 */
export async function installManifest(vfs: Vfs, dir: string, number: number, state: ManifestState): Promise<number> {
  const bytes = encodeManifest(state);
  const name = manifestFileName(number);
  const pointer = new TextEncoder().encode(`${name}\n`);
  try {
    await writeSynced(vfs, `${dir}/${name}`, bytes);
    await writeSynced(vfs, `${dir}/${CURRENT_TMP_FILE}`, pointer);
  } catch (error) {
    // CURRENT still names the old manifest: the new files are garbage and, on a full disk, in the way.
    vfs.remove(`${dir}/${CURRENT_TMP_FILE}`);
    vfs.remove(`${dir}/${name}`);
    throw error;
  }
  vfs.rename(`${dir}/${CURRENT_TMP_FILE}`, `${dir}/${CURRENT_FILE}`);
  try {
    await vfs.syncDir(dir);
  } catch (error) {
    // After the rename the disk may name the new manifest while the engine does not: never a retryable no-space.
    throw isLsmError(error) && error.code === 'no-space' ? new LsmError('io', `syncing ${dir} after installing ${name} failed`, { cause: error }) : error;
  }
  return bytes.length + pointer.length;
}

/** Reads the current manifest, or undefined if CURRENT does not exist. */
export function readCurrentManifest(vfs: Vfs, dir: string): { number: number; state: ManifestState } | undefined {
  if (!vfs.exists(`${dir}/${CURRENT_FILE}`)) return undefined;
  const text = new TextDecoder().decode(vfs.readFile(`${dir}/${CURRENT_FILE}`));
  const name = text.endsWith('\n') ? text.slice(0, -1) : '';
  const number = parseManifestFileName(name);
  if (number === undefined) throw new LsmError('corruption', `${dir}/${CURRENT_FILE}: does not name a manifest`);
  if (!vfs.exists(`${dir}/${name}`)) throw new LsmError('corruption', `${dir}/${CURRENT_FILE} names missing ${name}`);
  return { number, state: decodeManifest(vfs.readFile(`${dir}/${name}`), `${dir}/${name}`) };
}
