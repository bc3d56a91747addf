/**
 * A stored sibling set as a client's get result (protocol's `GetResult`):
 * what a node answers for a key it read, on its own or as a coordinator.
 * Reads only; writes are replica-store.ts's.
 */
import type { GetResult, Sibling } from '@ringkv/protocol';
import { context as contextOf, encodeContext, isExpired, type Payload } from '@ringkv/vclock';
import type { StoredSet, StoredValue } from './set-codec.js';

function toSibling(payload: Payload<StoredValue>): Sibling {
  if (payload.tombstone) return tombstoneSibling;
  const v = payload.value;
  return v instanceof Uint8Array ? { value: v } : { value: v.m, valueEncoding: 'msgpack' };
}

const tombstoneSibling: Sibling = Object.freeze({ tombstone: true });

/**
 * The get result of a stored set read at `nowMs`: every version (tombstones
 * included) except values expired at `nowMs`, found iff one is a value. The
 * context still covers the expired versions, so a write with it supersedes them.
 */
export function toGetResult(set: StoredSet, nowMs: number): GetResult {
  const siblings: Sibling[] = [];
  let found = false;
  for (const entry of set.entries) {
    for (const payload of entry.versions) {
      if (isExpired(payload, nowMs)) continue;
      siblings.push(toSibling(payload));
      found ||= !payload.tombstone;
    }
  }
  return { found, siblings, context: encodeContext(contextOf(set)) };
}
