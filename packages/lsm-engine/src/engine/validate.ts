/** Argument checks of the public API (limits.ts); every failure is `invalid-argument`. */
import { LsmError } from '../errors.js';
import { KIND_DELETE, KIND_PUT } from '../format/internal.js';
import { BATCH_BYTES_MAX, BATCH_OPS_MAX } from '../limits.js';
import type { BatchOp } from '../wal/batch.js';
import type { Durability } from './options.js';

/** One operation of `Engine.batch`. */
export type BatchOperation =
  | { type: 'put'; key: Uint8Array; value: Uint8Array }
  | { type: 'del'; key: Uint8Array };

const EMPTY = new Uint8Array(0);

export function checkKey(key: unknown, keyBytesMax: number): asserts key is Uint8Array {
  checkBound(key);
  if (key.length > keyBytesMax) {
    throw new LsmError('invalid-argument', `key of ${key.length} bytes exceeds keyBytesMax ${keyBytesMax}`);
  }
}

/** An iteration bound: any byte string (it is compared, never stored, so the key limit does not apply). */
export function checkBound(key: unknown): asserts key is Uint8Array {
  if (!(key instanceof Uint8Array)) throw new LsmError('invalid-argument', 'key must be a Uint8Array');
}

export function checkValue(value: unknown, valueBytesMax: number): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array)) throw new LsmError('invalid-argument', 'value must be a Uint8Array');
  if (value.length > valueBytesMax) {
    throw new LsmError('invalid-argument', `value of ${value.length} bytes exceeds valueBytesMax ${valueBytesMax}`);
  }
}

export function checkDurability(d: unknown): Durability | undefined {
  if (d === undefined || d === 'sync' || d === 'interval' || d === 'none') return d;
  throw new LsmError('invalid-argument', `durability must be 'sync', 'interval' or 'none'`);
}

/** Validates a batch and converts it to internal ops. */
export function toBatchOps(ops: readonly BatchOperation[], keyBytesMax: number, valueBytesMax: number): BatchOp[] {
  if (!Array.isArray(ops)) throw new LsmError('invalid-argument', 'batch must be an array');
  if (ops.length > BATCH_OPS_MAX) {
    throw new LsmError('invalid-argument', `batch of ${ops.length} ops exceeds batchOpsMax ${BATCH_OPS_MAX}`);
  }
  let bytes = 0;
  const out: BatchOp[] = [];
  for (const op of ops) {
    checkKey(op?.key, keyBytesMax);
    if (op.type === 'put') {
      checkValue(op.value, valueBytesMax);
      out.push({ kind: KIND_PUT, key: op.key, value: op.value });
      bytes += op.key.length + op.value.length;
    } else if (op.type === 'del') {
      out.push({ kind: KIND_DELETE, key: op.key, value: EMPTY });
      bytes += op.key.length;
    } else {
      throw new LsmError('invalid-argument', `batch op type must be 'put' or 'del'`);
    }
  }
  if (bytes > BATCH_BYTES_MAX) {
    throw new LsmError('invalid-argument', `batch of ${bytes} bytes exceeds batchBytesMax ${BATCH_BYTES_MAX}`);
  }
  return out;
}
