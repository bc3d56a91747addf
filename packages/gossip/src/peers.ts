/**
 * Weighted choice of gossip peers without replacement.
 */
import type { Random } from './ports.js';

/**
 * Picks up to `count` distinct items, each draw proportional to `weight`.
 * Deterministic for a given `random` stream; O(items × count).
 */
export function pickWeighted<T>(random: Random, items: readonly T[], weight: (item: T) => number, count: number): T[] {
  const pool = items.slice();
  const weights = pool.map(weight);
  const chosen: T[] = [];
  while (chosen.length < count && pool.length > 0) {
    const total = weights.reduce((a, b) => a + b, 0);
    let r = random.next() * total;
    let i = 0;
    while (i < pool.length - 1 && r >= (weights[i] as number)) r -= weights[i++] as number;
    chosen.push(pool[i] as T);
    pool.splice(i, 1);
    weights.splice(i, 1);
  }
  return chosen;
}
