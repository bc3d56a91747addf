import { describe, expect, it } from 'vitest';
import { openNodeState } from '../node-core.js';
import type { EngineOp, StorageEngine } from './engine-port.js';
import { logLossOf, ReplicaReadHold } from './log-loss.js';

/** An engine over a Map whose `stats()` reports `loss` as lsm-engine's recovery would. */
function engineWith(data: Map<string, Uint8Array>, loss: Record<string, unknown> | undefined): StorageEngine {
  const id = (k: Uint8Array): string => Buffer.from(k).toString('latin1');
  return {
    getSync: (k) => data.get(id(k)),
    iterate: () => [],
    batch: async (ops: readonly EngineOp[]) => {
      for (const op of ops) {
        if (op.type === 'del') data.delete(id(op.key));
        else data.set(id(op.key), op.value.slice());
      }
    },
    stats: () => ({ recovery: { replayedRecords: 1, droppedTailBytes: 0, ...(loss === undefined ? {} : { corruption: loss }) } }),
    close: async () => {},
  };
}

const config = { actor: 'n1', siblingsMax: 64, setBytesMax: 1 << 20, durability: 'sync' as const };
const lost = { regions: 1, droppedBytes: 300, droppedOps: 3, droppedOpsExact: true, details: [] };

describe('log loss', () => {
  it('logLossOf reads the engine report and ignores engines without one or with nothing lost', () => {
    expect(logLossOf(undefined)).toBeUndefined();
    expect(logLossOf({ recovery: { corruption: { ...lost, regions: 0 } } })).toBeUndefined();
    expect(logLossOf({ recovery: { corruption: lost } })).toMatchObject({ droppedOps: 3, droppedBytes: 300 });
  });

  it('the hold refuses fetches with the retryable unavailable until released', () => {
    const hold = new ReplicaReadHold();
    hold.check();
    hold.hold(5);
    expect(() => hold.check()).toThrow(expect.objectContaining({ code: 'unavailable' }));
    hold.release();
    hold.check();
  });

  it('a start that lost writes takes a new actor even after a clean stop, and keeps the hold until marked repaired', async () => {
    const data = new Map<string, Uint8Array>();
    const first = await openNodeState(engineWith(data, undefined), config, 1_000);
    await first.markCleanStop();
    const clean = await openNodeState(engineWith(data, undefined), config, 2_000);
    expect(clean.actor).toBe(first.actor);
    await clean.markCleanStop();

    const damaged = await openNodeState(engineWith(data, lost), config, 3_000);
    expect(damaged.actor).not.toBe(first.actor);
    expect(damaged.store.readHold.held).toBe(true);
    // A restart before the repair completed finds the record and holds again.
    const restarted = await openNodeState(engineWith(data, undefined), config, 4_000);
    expect(restarted.logLossRepair).toMatchObject({ sinceMs: 3_000, droppedOps: 3 });
    expect(restarted.store.readHold.held).toBe(true);
    await restarted.markLogLossRepaired();
    const repaired = await openNodeState(engineWith(data, undefined), config, 5_000);
    expect(repaired.logLossRepair).toBeUndefined();
    expect(repaired.store.readHold.held).toBe(false);
  });
});
