/**
 * An in-memory stand-in for @ringkv/lsm-engine behind the node's
 * `StorageEngine` port: data survives a close/reopen of the same directory
 * name within the process, the directory lock is emulated, and writes can be
 * made to fail.
 */
import type { StorageEngine, StorageOpener, EngineOp } from '../../src/index.js';

const disks = new Map<string, Map<string, Uint8Array>>();
const locks = new Set<string>();

class LsmLikeError extends Error {
  override readonly name = 'LsmError';
  constructor(readonly code: string, message: string) {
    super(`lsm-engine: ${message}`);
  }
}

export class MemoryEngine implements StorageEngine {
  failWrites: string | undefined;
  batches = 0;
  private closed = false;
  constructor(private readonly dir: string, private readonly data: Map<string, Uint8Array>) {}
  getSync(key: Uint8Array): Uint8Array | undefined {
    return this.data.get(Buffer.from(key).toString('latin1'));
  }
  async batch(ops: readonly EngineOp[]): Promise<void> {
    await Promise.resolve();
    if (this.closed) throw new LsmLikeError('closed', 'engine is closed');
    if (this.failWrites !== undefined) throw new LsmLikeError(this.failWrites, 'injected failure');
    this.batches++;
    for (const op of ops) this.data.set(Buffer.from(op.key).toString('latin1'), op.value.slice());
  }
  stats(): unknown {
    return { memtableBytes: this.data.size, lastSeq: this.batches, levels: [{ level: 0, tables: 0, bytes: 0 }] };
  }
  async close(): Promise<void> {
    this.closed = true;
    locks.delete(this.dir);
  }
}

export const engines: MemoryEngine[] = [];

export const openMemoryEngine: StorageOpener = async (dir) => {
  if (locks.has(dir)) throw new LsmLikeError('locked', `${dir}/LOCK is held`);
  locks.add(dir);
  let data = disks.get(dir);
  if (data === undefined) disks.set(dir, (data = new Map()));
  const e = new MemoryEngine(dir, data);
  engines.push(e);
  return e;
};
