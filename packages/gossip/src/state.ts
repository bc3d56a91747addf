/**
 * A member's gossiped state and the deterministic merge of its versions.
 *
 * Only the member itself (the owner) writes its entry; everyone else copies.
 * The owner stamps every write with the next number of a per-generation
 * counter, so each field carries the version it was last written at.
 *
 * Invariants:
 *   1. Within one generation, a field's value is a function of its version:
 *      two copies holding the same version of a field hold the same value.
 *   2. Merge takes, per field, the higher version; a higher generation
 *      replaces the whole entry; a lower one is ignored. Merge is therefore
 *      commutative, associative and idempotent: any order of the same deltas
 *      gives the same state.
 *   3. `version` is the highest version of any field; the heartbeat is a field
 *      whose value is its own version.
 *   4. A delta for an unknown member (or a newer generation) is applied only
 *      when complete (every field present; `meta`, `dc` and `machine` may be
 *      absent, from a node that predates them, and are then '' at version 1,
 *      which is what such a node's entry holds); a partial one is ignored, and the receiver's
 *      digest then asks for the whole entry.
 */

/** The statuses a member sets on itself; `suspect` and `down` are judged by observers and never gossiped as status. */
export type OwnStatus = 'joining' | 'normal' | 'leaving' | 'left';

/** One suspicion a member publishes: it has seen no heartbeat of `id` beyond `heartbeat` at `generation` for the timeout. */
export type SuspectReport = readonly [id: string, generation: number, heartbeat: number];

/** A value and the owner's version at which it was written. */
export interface Field<T> {
  readonly value: T;
  readonly version: number;
}

/** A member's entry as every node holds it. */
export interface MemberState {
  readonly id: string;
  readonly generation: number;
  readonly version: number;
  readonly heartbeat: number;
  readonly address: Field<string>;
  readonly status: Field<OwnStatus>;
  readonly vnodes: Field<number>;
  readonly weight: Field<number>;
  readonly zone: Field<string>;
  /** Opaque text the owner publishes about itself (a node's cluster settings, in ringkv); '' when none. */
  readonly meta: Field<string>;
  /** The owner's data center ('' when none). */
  readonly dc: Field<string>;
  /** The owner's machine label ('' when none: the member is a machine of its own). */
  readonly machine: Field<string>;
  readonly suspects: Field<readonly SuspectReport[]>;
}

/** The owner-written fields other than the heartbeat, by wire key. */
export const fieldKeys = { ad: 'address', st: 'status', vn: 'vnodes', wt: 'weight', zn: 'zone', mt: 'meta', dc: 'dc', mc: 'machine', su: 'suspects' } as const;
/** Wire keys a complete delta may lack (fields newer than some peers): they default to '' at version 1. */
const optionalKeys: ReadonlySet<string> = new Set(['mt', 'dc', 'mc']);
/**
 * Optional keys left out of a delta while they hold their default ('' at
 * version 1, what a receiver assumes when they are absent): a node that
 * predates them drops a message carrying a key it does not know, so a cluster
 * that does not use them stays readable by such nodes.
 */
const omittedWhenDefault: ReadonlySet<string> = new Set(['dc', 'mc']);
type WireKey = keyof typeof fieldKeys;
export type FieldName = (typeof fieldKeys)[WireKey];

/** What a peer lacks of one member: the fields newer than the version it knows. Plain data. */
export interface MemberDelta {
  readonly i: string;
  readonly g: number;
  readonly hb?: number;
  readonly ad?: readonly [string, number];
  readonly st?: readonly [OwnStatus, number];
  readonly vn?: readonly [number, number];
  readonly wt?: readonly [number, number];
  readonly zn?: readonly [string, number];
  readonly mt?: readonly [string, number];
  readonly dc?: readonly [string, number];
  readonly mc?: readonly [string, number];
  readonly su?: readonly [readonly SuspectReport[], number];
}

/** A digest entry: which version of which generation of a member the sender holds. */
export type Digest = readonly [id: string, generation: number, version: number];

/** The initial entry of a member at a generation; every field at version 1. */
export function initialState(init: {
  id: string;
  generation: number;
  address: string;
  status: OwnStatus;
  vnodes: number;
  weight: number;
  zone: string;
  meta?: string;
  dc?: string;
  machine?: string;
}): MemberState {
  const at = <T>(value: T): Field<T> => ({ value, version: 1 });
  return {
    id: init.id,
    generation: init.generation,
    version: 1,
    heartbeat: 1,
    address: at(init.address),
    status: at(init.status),
    vnodes: at(init.vnodes),
    weight: at(init.weight),
    zone: at(init.zone),
    meta: at(init.meta ?? ''),
    dc: at(init.dc ?? ''),
    machine: at(init.machine ?? ''),
    suspects: at([]),
  };
}

/** The owner's next heartbeat: a new version for the heartbeat field. */
export function beat(state: MemberState): MemberState {
  const version = state.version + 1;
  return { ...state, version, heartbeat: version };
}

/** The owner writes one field at a new version. */
export function write<K extends FieldName>(state: MemberState, name: K, value: MemberState[K]['value']): MemberState {
  const version = state.version + 1;
  return { ...state, version, [name]: { value, version } };
}

/** The owner moves its counter past `version` (after seeing a copy of itself from before a restart at the same generation). */
export function restamp(state: MemberState, version: number): MemberState {
  const next = Math.max(state.version, version) + 1;
  return { ...state, version: next, heartbeat: next };
}

/** This node's digest entry for `state`. */
export function digestOf(state: MemberState): Digest {
  return [state.id, state.generation, state.version];
}

/** The fields of `state` newer than `knownVersion` (0: the whole entry). */
export function deltaSince(state: MemberState, knownVersion: number): MemberDelta {
  const delta: Record<string, unknown> = { i: state.id, g: state.generation };
  if (state.heartbeat > knownVersion) delta['hb'] = state.heartbeat;
  for (const [key, name] of Object.entries(fieldKeys)) {
    const field = state[name as FieldName];
    if (field.version > knownVersion && !(omittedWhenDefault.has(key) && field.version === 1 && field.value === '')) delta[key] = [field.value, field.version];
  }
  return delta as unknown as MemberDelta;
}

/** True when the delta carries every field, so it can create an entry. */
export function isComplete(delta: MemberDelta): boolean {
  return delta.hb !== undefined && Object.keys(fieldKeys).every((key) => optionalKeys.has(key) || delta[key as WireKey] !== undefined);
}

/** The outcome of merging one delta. */
export interface MergeResult {
  /** The merged state (the local one when nothing applied). */
  readonly state: MemberState | undefined;
  /** new: first sight; restart: a higher generation; update: same generation, something newer; none: nothing applied. */
  readonly kind: 'new' | 'restart' | 'update' | 'none';
  /** True when the heartbeat advanced (or the entry is new or restarted). */
  readonly heartbeatAdvanced: boolean;
  /** Fields whose value changed (empty for new and restart). */
  readonly changed: readonly FieldName[];
}

/** Merges `delta` into `local` (see the invariants); pure. */
export function merge(local: MemberState | undefined, delta: MemberDelta): MergeResult {
  if (local === undefined || delta.g > local.generation) {
    if (!isComplete(delta)) return { state: local, kind: 'none', heartbeatAdvanced: false, changed: [] };
    const state = fromComplete(delta);
    return { state, kind: local === undefined ? 'new' : 'restart', heartbeatAdvanced: true, changed: [] };
  }
  if (delta.g < local.generation) return { state: local, kind: 'none', heartbeatAdvanced: false, changed: [] };
  return mergeSameGeneration(local, delta);
}

function mergeSameGeneration(local: MemberState, delta: MemberDelta): MergeResult {
  const next: Record<string, unknown> = { ...local };
  let version = local.version;
  const heartbeatAdvanced = delta.hb !== undefined && delta.hb > local.heartbeat;
  if (heartbeatAdvanced) {
    next['heartbeat'] = delta.hb;
    version = Math.max(version, delta.hb as number);
  }
  const changed: FieldName[] = [];
  let applied = heartbeatAdvanced;
  for (const [key, name] of Object.entries(fieldKeys) as Array<[WireKey, FieldName]>) {
    const wire = delta[key];
    if (wire === undefined || wire[1] <= local[name].version) continue;
    if (!sameValue(wire[0], local[name].value)) changed.push(name);
    next[name] = { value: wire[0], version: wire[1] };
    version = Math.max(version, wire[1]);
    applied = true;
  }
  if (!applied) return { state: local, kind: 'none', heartbeatAdvanced: false, changed: [] };
  next['version'] = version;
  return { state: next as unknown as MemberState, kind: 'update', heartbeatAdvanced, changed };
}

function fromComplete(delta: MemberDelta): MemberState {
  const [ad, st, vn, wt, zn, su] = [delta.ad, delta.st, delta.vn, delta.wt, delta.zn, delta.su] as [
    readonly [string, number], readonly [OwnStatus, number], readonly [number, number],
    readonly [number, number], readonly [string, number], readonly [readonly SuspectReport[], number],
  ];
  const hb = delta.hb as number;
  const mt = delta.mt ?? ['', 1];
  const dc = delta.dc ?? ['', 1];
  const mc = delta.mc ?? ['', 1];
  return {
    id: delta.i,
    generation: delta.g,
    version: Math.max(hb, ad[1], st[1], vn[1], wt[1], zn[1], mt[1], dc[1], mc[1], su[1]),
    heartbeat: hb,
    address: { value: ad[0], version: ad[1] },
    status: { value: st[0], version: st[1] },
    vnodes: { value: vn[0], version: vn[1] },
    weight: { value: wt[0], version: wt[1] },
    zone: { value: zn[0], version: zn[1] },
    meta: { value: mt[0], version: mt[1] },
    dc: { value: dc[0], version: dc[1] },
    machine: { value: mc[0], version: mc[1] },
    suspects: { value: su[0], version: su[1] },
  };
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
  return a.every((x, i) => sameValue(x, b[i]));
}
