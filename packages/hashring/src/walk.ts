/**
 * The clockwise walk that picks distinct physical nodes (and, when the ring
 * has zones, distinct zones first).
 *
 * Concurrency: single-threaded and not re-entrant. The walk keeps its marks in
 * module-level typed arrays stamped with an epoch, so a walk allocates nothing
 * and "forgetting" the previous walk's marks is one increment.
 *
 * Invariants:
 *   1. A walk never picks a marked node, and marks each node it picks, so the
 *      picks of one walk are distinct physical nodes.
 *   2. With more than one zone, the walk first takes, clockwise, only nodes
 *      whose zone is not yet marked; once every zone is marked or the ring has
 *      been walked once, it walks again from the start taking any unmarked
 *      node. So picks span as many zones as exist before any zone repeats.
 *   3. Each pass visits at most `tokens` positions and stops early once every
 *      node is marked: a walk is O(tokens) at worst and O(n · vnode spacing) in
 *      the common case.
 */
import type { RingCore } from './core.js';
import { nodesMax } from './limits.js';

const nodeMark = new Uint32Array(nodesMax);
const zoneMark = new Uint32Array(nodesMax);
let epoch = 0;
let nodesMarked = 0;
let zonesMarked = 0;

/** Member indexes picked by the last `collect`, in pick order; valid until the next walk. */
export const picks = new Uint32Array(nodesMax);

/** Forgets every mark. Call before each independent walk. */
export function beginWalk(): void {
  epoch++;
  if (epoch === 0xffff_ffff) {
    nodeMark.fill(0);
    zoneMark.fill(0);
    epoch = 1;
  }
  nodesMarked = 0;
  zonesMarked = 0;
}

/** Excludes member `node` from the picks of this walk. */
export function markNode(node: number): void {
  if (nodeMark[node] !== epoch) {
    nodeMark[node] = epoch;
    nodesMarked++;
  }
}

/** Counts `zone` as already represented, so pass one of `collect` avoids it. */
export function markZone(zone: number): void {
  if (zoneMark[zone] !== epoch) {
    zoneMark[zone] = epoch;
    zonesMarked++;
  }
}

/**
 * Picks up to `count` unmarked members walking clockwise from token `start`,
 * into `picks[0..result)`; returns how many it picked (fewer only when the ring
 * runs out of unmarked members).
 */
export function collect(core: RingCore, start: number, count: number): number {
  const memberCount = core.members.length;
  if (count > memberCount - nodesMarked) count = memberCount - nodesMarked;
  if (count <= 0) return 0;
  let picked = 0;
  if (core.zoneCount > 1) picked = collectZoned(core, start, count);
  if (picked < count) picked = collectAny(core, start, count, picked);
  return picked;
}

function collectAny(core: RingCore, start: number, count: number, picked: number): number {
  const owner = core.owner;
  const tokens = owner.length;
  let t = start;
  for (let steps = 0; steps < tokens && picked < count; steps++) {
    const node = owner[t] as number;
    if (nodeMark[node] !== epoch) {
      nodeMark[node] = epoch;
      nodesMarked++;
      picks[picked++] = node;
    }
    if (++t === tokens) t = 0;
  }
  return picked;
}

function collectZoned(core: RingCore, start: number, count: number): number {
  const owner = core.owner;
  const zoneOf = core.zoneOf;
  const tokens = owner.length;
  let picked = 0;
  let t = start;
  for (let steps = 0; steps < tokens && picked < count && zonesMarked < core.zoneCount; steps++) {
    const node = owner[t] as number;
    const zone = zoneOf[node] as number;
    if (nodeMark[node] !== epoch && zoneMark[zone] !== epoch) {
      markNode(node);
      markZone(zone);
      picks[picked++] = node;
    }
    if (++t === tokens) t = 0;
  }
  return picked;
}
