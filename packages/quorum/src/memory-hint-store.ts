/**
 * An in-memory HintStore: for tests, simulations and benchmarks. It is as
 * "durable" as the object it lives in: a simulated restart keeps the object.
 *
 * Invariants:
 *   1. At most one hint per (target, key); a second put `sync`s into it and
 *      keeps the newer store time.
 *   2. `list` returns hints in key-id order (`s:` + string, `b:` + hex bytes),
 *      strictly after `after`.
 */
import { context, equals, sync, type DvvSet } from '@ringkv/vclock';
import type { HintStore, Key, StoredHint } from './ports.js';

/**
 * A HintStore in a Map.
 *
 * When to use: tests and simulations (node-server stores hints in its storage engine).
 * Gotcha: `list` sorts the target's hints on every call (O(h log h)); fine for tests.
 */
export class MemoryHintStore<V> implements HintStore<V> {
  private readonly byTarget = new Map<string, Map<string, StoredHint<V>>>();

  async put(target: string, key: Key, set: DvvSet<V>, storedAtMs: number): Promise<void> {
    let hints = this.byTarget.get(target);
    if (hints === undefined) {
      hints = new Map();
      this.byTarget.set(target, hints);
    }
    const id = keyId(key);
    const old = hints.get(id);
    hints.set(id, {
      target,
      key,
      set: old === undefined ? set : sync(old.set, set),
      storedAtMs: old === undefined ? storedAtMs : Math.max(old.storedAtMs, storedAtMs),
    });
  }

  async list(target: string, limit: number, after?: Key): Promise<readonly StoredHint<V>[]> {
    const hints = this.byTarget.get(target);
    if (hints === undefined) return [];
    const from = after === undefined ? undefined : keyId(after);
    const ids = [...hints.keys()].filter((id) => from === undefined || id > from).sort();
    return ids.slice(0, limit).map((id) => hints.get(id) as StoredHint<V>);
  }

  async delete(target: string, key: Key, sent?: DvvSet<V>): Promise<boolean> {
    const hints = this.byTarget.get(target);
    const id = keyId(key);
    const old = hints?.get(id);
    if (hints === undefined || old === undefined) return false;
    if (sent !== undefined && !equals(context(old.set), context(sent))) return false;
    hints.delete(id);
    if (hints.size === 0) this.byTarget.delete(target);
    return true;
  }

  async targets(): Promise<readonly string[]> {
    return [...this.byTarget.keys()].sort();
  }

  async count(): Promise<number> {
    let total = 0;
    for (const hints of this.byTarget.values()) total += hints.size;
    return total;
  }

  /** The hint of (target, key), for tests (synchronous). */
  peek(target: string, key: Key): StoredHint<V> | undefined {
    return this.byTarget.get(target)?.get(keyId(key));
  }

  /** Every hint count by target, for tests and /status (synchronous). */
  countsByTarget(): Map<string, number> {
    return new Map([...this.byTarget].map(([t, h]) => [t, h.size]));
  }
}

function keyId(key: Key): string {
  if (typeof key === 'string') return `s:${key}`;
  let hex = '';
  for (const byte of key) hex += byte.toString(16).padStart(2, '0');
  return `b:${hex}`;
}
