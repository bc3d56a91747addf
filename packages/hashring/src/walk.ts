/**
 * The clockwise walk that picks replicas: distinct machines always, distinct
 * racks first, a given number per slot (the whole ring for a plain count, one
 * slot per data center for a replication map).
 *
 * Concurrency: single-threaded and not re-entrant. The walk keeps its marks in
 * module-level typed arrays stamped with an epoch, so a walk allocates nothing
 * and "forgetting" the previous walk's marks is one increment.
 *
 * Invariants:
 *   1. A walk never picks a marked node or a node on a marked machine, and
 *      marks the node, its machine and its rack when it picks it: the picks of
 *      one walk are on distinct machines (hence distinct physical nodes).
 *   2. A node is picked only while its slot still needs replicas (`setNeed`).
 *   3. Pass one walks the ring once clockwise from the start taking only nodes
 *      whose rack is not yet marked; pass two walks again from the start taking
 *      any node on an unmarked machine. So in each slot the picks span as many
 *      racks as the slot has before any rack repeats.
 *   4. Each pass visits at most `tokens` positions and stops as soon as no
 *      pick is possible (every need met; in pass one, also no slot with both a
 *      need and an unmarked rack): O(tokens) at worst, O(n · vnode spacing) in
 *      the common case.
 */
import type { RingCore } from './core.js';
import { nodesMax } from './limits.js';

const nodeMark = new Uint32Array(nodesMax);
const machineMark = new Uint32Array(nodesMax);
const rackMark = new Uint32Array(nodesMax);
/** Per slot: replicas still wanted, and racks of the slot not yet marked. */
const need = new Int32Array(nodesMax);
const racksLeft = new Int32Array(nodesMax);
let slots = 1;
let epoch = 0;

/** Member indexes picked by the last `collect`, in pick order; valid until the next walk. */
export const picks = new Uint32Array(nodesMax);

/**
 * Forgets every mark and prepares slots for `core`: one slot (every member in
 * slot 0) when `byDc` is false, else one per DC index. Needs start at 0; every
 * slot's unmarked racks start at its rack count. Call before each walk.
 */
export function beginWalk(core: RingCore, byDc: boolean): void {
  epoch++;
  if (epoch === 0xffff_ffff) {
    nodeMark.fill(0);
    machineMark.fill(0);
    rackMark.fill(0);
    epoch = 1;
  }
  if (byDc) {
    slots = core.dcNames.length;
    for (let s = 0; s < slots; s++) {
      racksLeft[s] = core.racksPerDc[s] as number;
      need[s] = 0;
    }
  } else {
    slots = 1;
    racksLeft[0] = core.rackCount;
    need[0] = 0;
  }
}

/** The slot of member `node` in the current walk. */
export function slotOf(core: RingCore, node: number): number {
  // One slot means either a plain count or a ring of one DC: slot 0 both ways.
  return slots === 1 ? 0 : (core.dcOf[node] as number);
}

/** Sets how many replicas slot `slot` still wants. */
export function setNeed(slot: number, count: number): void {
  need[slot] = count;
}

/** Sets every slot's need from `needs` (one entry per slot). */
export function setNeeds(needs: Int32Array): void {
  for (let s = 0; s < slots; s++) need[s] = needs[s] as number;
}

/** Excludes member `node` from the picks of this walk (its machine stays available to other nodes). */
export function markNode(node: number): void {
  nodeMark[node] = epoch;
}

/** Excludes every node on member `node`'s machine. */
export function markMachine(core: RingCore, node: number): void {
  machineMark[core.machineOf[node] as number] = epoch;
}

/** Counts member `node`'s rack as represented, so pass one avoids it. */
export function markRack(core: RingCore, node: number): void {
  const rack = core.rackOf[node] as number;
  if (rackMark[rack] !== epoch) {
    rackMark[rack] = epoch;
    racksLeft[slotOf(core, node)]!--;
  }
}

/**
 * Picks nodes walking clockwise from token `start` until every slot's need is
 * met or the ring runs out (invariants 3, 4), into `picks[0..result)`; returns
 * how many it picked.
 */
export function collect(core: RingCore, start: number): number {
  let open = 0;
  let rackOpen = 0;
  for (let s = 0; s < slots; s++) {
    const n = need[s] as number;
    if (n > 0) {
      open += n;
      if ((racksLeft[s] as number) > 0) rackOpen++;
    }
  }
  if (open === 0) return 0;
  // One slot in a ring of one rack: pass one would pick exactly what pass two picks first.
  const skipRacks = rackOpen === 0 || (slots === 1 && core.rackCount <= 1);
  const picked = skipRacks ? 0 : pass(core, start, 0, open, true, rackOpen);
  return picked === open ? picked : pass(core, start, picked, open - picked, false, 0);
}

/** One pass of the walk (invariant 3); `open` is the sum of the needs left. Hot: locals only, no calls. */
function pass(core: RingCore, start: number, picked: number, open: number, racksFirst: boolean, rackOpen: number): number {
  const { owner, machineOf, rackOf } = core;
  const dcOf = slots === 1 ? undefined : core.dcOf;
  const tokens = owner.length;
  const mark = epoch;
  let t = start;
  for (let steps = 0; steps < tokens; steps++) {
    const node = owner[t] as number;
    if (++t === tokens) t = 0;
    const machine = machineOf[node] as number;
    if (nodeMark[node] === mark || machineMark[machine] === mark) continue;
    const slot = dcOf === undefined ? 0 : (dcOf[node] as number);
    if ((need[slot] as number) <= 0) continue;
    const rack = rackOf[node] as number;
    if (racksFirst && rackMark[rack] === mark) continue;
    nodeMark[node] = mark;
    machineMark[machine] = mark;
    if (rackMark[rack] !== mark) {
      rackMark[rack] = mark;
      racksLeft[slot]!--;
    }
    need[slot]!--;
    picks[picked++] = node;
    if (--open === 0) break;
    if (racksFirst && ((need[slot] as number) === 0 || (racksLeft[slot] as number) === 0) && --rackOpen === 0) break;
  }
  return picked;
}
