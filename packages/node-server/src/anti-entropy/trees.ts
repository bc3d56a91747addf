/**
 * The Merkle trees of one node: one @ringkv/merkle tree per *replica set*
 * (the sorted ids of a preference list holding this node), over every key of
 * the ranges that replica set replicates.
 *
 * Why per replica set rather than per vnode range: with 256 vnodes a range is
 * 1/768 of the ring or less, so a per-range tree of 2^10 buckets would use one
 * or two buckets (merkle README) and a node would hold thousands of trees.
 * All ranges with the same replica set are replicated by exactly the same
 * nodes, so their union is what two of those nodes must agree on: one tree
 * over the union uses all its buckets, and the number of trees is the number
 * of distinct replica sets (one for 3 nodes and N = 3; at most 3·vnodes).
 * A write still updates one tree in O(depth), and a rebuild is one scan of
 * the `d` prefix (or, for one bucket, a scan of its position range).
 *
 * Invariants:
 *   1. A tree's name (`group`) is the comma-joined sorted ids of the
 *      preference list of its keys under the current ring; keys whose list
 *      does not hold this node are in no tree (they are being handed off).
 *   2. Every committed write of a data key updates its tree with
 *      (versionDigest(old encoding), versionDigest(new encoding)), so a tree
 *      always equals the tree rebuilt from a scan (tested).
 *   3. A ring change marks every tree stale (`invalidate`) and the service
 *      starts a chunked `build` at once (writes while stale are not applied:
 *      the scan sees them); a tree used while stale and not building is
 *      rebuilt by one synchronous scan (`rebuild`, kept for tests and tools).
 *   4. A build (`build`, chunked, yielding a turn between chunks, at start
 *      and after a ring change; or `rebuild`, one synchronous scan) never counts a
 *      key twice or misses a write. The rule: a key that is *in flight* (the
 *      store announced its batch through `intent` and has not yet reported
 *      it through `observe`) or that was written since the build started is
 *      *owned by the hook*: the scan skips it, and the tree holds exactly
 *      the digest the hook last applied (`held`). Why not "skip keys the
 *      hook set": between the engine applying a batch and the hook running,
 *      the scan may read either the old or the new bytes, so what the scan
 *      inserted would be unknown; an intent is announced before the engine
 *      sees the batch, so the scan either read the key before its intent
 *      (it then held `before`, the state the hook will replace) or skips it.
 *      A key owned after the scan passed it holds its scanned (`before`)
 *      digest; one owned before the scan reached it holds nothing yet.
 *      A key still in flight when a build finishes stays owned by the hook
 *      until its batch lands (`lingering`): the scan skipped it.
 *   5. While a build runs, `ready()` is pending; exchanges await it, so no
 *      peer compares against a half-built tree.
 */
import type { Replication } from '@ringkv/hashring';
import type { HashRing } from '@ringkv/hashring';
import { bucketRange, MerkleTree, versionDigest } from '@ringkv/merkle';
import type { StorageEngine } from '../store/engine-port.js';
import { dataPrefix, keyId } from '../store/keys.js';

/** What the trees need from the node. */
export interface TreesOptions {
  readonly selfId: string;
  /** The cluster's replication (N, or the replication map per DC): what every ring lookup takes. */
  readonly n: Replication;
  readonly ring: () => HashRing;
  readonly engine: Pick<StorageEngine, 'iterate' | 'getSync'>;
  readonly bucketsLog2: number;
}

const dataStart = Uint8Array.of(dataPrefix);
const dataEnd = Uint8Array.of(dataPrefix + 1);

/** Whether a tree build runs and how far it got: keys scanned, and the share of the ring its scan passed (0…1, keys are in ring order). */
export interface BuildProgress {
  readonly building: boolean;
  readonly keysScanned: number;
  readonly progress: number;
}

/** The storage key bounds of a bucket: `d ‖ start` … `d ‖ next` (to the end of `d` for the last bucket). */
export function bucketBounds(bucket: number, bucketsLog2: number): { gte: Uint8Array; lt: Uint8Array } {
  const r = bucketRange(bucket, bucketsLog2);
  const gte = new Uint8Array(9);
  gte[0] = dataPrefix;
  gte.set(r.start, 1);
  if (r.next === undefined) return { gte, lt: dataEnd };
  const lt = new Uint8Array(9);
  lt[0] = dataPrefix;
  lt.set(r.next, 1);
  return { gte, lt };
}

/** The trees of a node (module comment). */
export class ReplicaTrees {
  private trees = new Map<string, MerkleTree>();
  private stale = true;
  /** Keys in flight: announced by `intent`, not yet reported by `observe` (count per key). */
  private readonly inFlight = new Map<string, number>();
  /** During a build: keys owned by the hook and the digest their tree holds (invariant 4). */
  private owned: Map<string, Uint8Array | undefined> | undefined;
  /** After a build: keys that were in flight when it finished, and the digest their tree holds (invariant 4). */
  private lingering = new Map<string, Uint8Array | undefined>();
  /** During a build: the last key the scan passed. */
  private cursor: Uint8Array | undefined;
  /** Keys the running (or last) build scanned. */
  private scannedKeys = 0;
  private building: Promise<void> | undefined;
  /** Bumped by every build start and `invalidate`: a chunked build that sees it change stops. */
  private epoch = 0;
  private readonly empty: MerkleTree;
  /** Full rebuilds done (start, ring changes). */
  rebuilds = 0;
  /** The last preference list `groupOf` computed a group for, and that group. */
  private lastList: readonly string[] = [];
  private lastGroup: string | undefined;

  constructor(private readonly o: TreesOptions) {
    this.empty = new MerkleTree({ bucketsLog2: o.bucketsLog2 });
  }

  get bucketsLog2(): number {
    return this.o.bucketsLog2;
  }

  /** The group of a data storage key, or undefined when this node does not replicate it. */
  groupOf(skey: Uint8Array): string | undefined {
    const list = this.o.ring().preferenceListAtBytes(skey, 1, this.o.n);
    // The group depends only on the list: consecutive writes mostly share one, so the sort and join are skipped.
    if (sameIds(list, this.lastList)) return this.lastGroup;
    const group = list.includes(this.o.selfId) ? [...list].sort().join(',') : undefined;
    this.lastList = list;
    this.lastGroup = group;
    return group;
  }

  /** The store's intent hook (invariant 4): these keys' batch is about to reach the engine. */
  intent(skeys: readonly Uint8Array[]): void {
    for (const skey of skeys) {
      if (skey[0] !== dataPrefix || skey.length < 9) continue;
      const id = keyId(skey);
      this.inFlight.set(id, (this.inFlight.get(id) ?? 0) + 1);
      if (this.owned !== undefined && !this.owned.has(id)) this.owned.set(id, this.scanned(skey) ? this.digestNow(skey) : undefined);
    }
  }

  /** The write hook (invariant 2): a data key went from `old` to `next` encodings (undefined: absent). */
  observe(skey: Uint8Array, old: Uint8Array | undefined, next: Uint8Array | undefined): void {
    if (skey[0] !== dataPrefix || skey.length < 9) return;
    const id = keyId(skey);
    const left = (this.inFlight.get(id) ?? 1) - 1;
    if (left <= 0) this.inFlight.delete(id);
    else this.inFlight.set(id, left);
    if (this.stale) return;
    const nextDigest = next && versionDigest(next);
    let oldDigest = old && versionDigest(old);
    if (this.owned !== undefined) {
      // Not announced (a store without intents): owned from now, holding what the scan would have put there.
      oldDigest = this.owned.has(id) ? this.owned.get(id) : this.scanned(skey) ? oldDigest : undefined;
      this.owned.set(id, nextDigest);
    } else if (this.lingering.has(id)) {
      // In flight when the last build finished: the tree holds what the build left for it, not `old`.
      oldDigest = this.lingering.get(id);
      if (left <= 0) this.lingering.delete(id);
      else this.lingering.set(id, nextDigest);
    }
    this.applyDigests(skey, oldDigest, nextDigest);
  }

  /** Marks every tree stale (a ring change moved keys between groups); a running chunked build stops. */
  invalidate(): void {
    this.stale = true;
    this.epoch++;
    this.owned = undefined;
  }

  /** Resolves when no chunked build is running (invariant 5), also when a ring change replaced the build awaited by a new one. */
  async ready(): Promise<void> {
    while (this.building !== undefined) await this.building;
  }

  /** The build's progress (/status `antiEntropy.build`). */
  progress(): BuildProgress {
    const building = this.building !== undefined;
    const c = this.cursor;
    const share = !building ? 1 : c === undefined || c.length < 9 ? 0 : Number(Buffer.from(c.buffer, c.byteOffset + 1, 8).readBigUInt64BE()) / 2 ** 64;
    return { building, keysScanned: this.scannedKeys, progress: share };
  }

  /** True while a chunked build runs. */
  get isBuilding(): boolean {
    return this.building !== undefined;
  }

  /**
   * Builds every tree from a scan of the data prefix, `chunkKeys` keys per
   * turn, awaiting `yieldTurn()` between chunks so the node serves requests
   * meanwhile (invariant 4). Stops early when `invalidate` is called.
   */
  build(chunkKeys: number, yieldTurn: () => Promise<void>): Promise<void> {
    const epoch = this.begin();
    const run: Promise<void> = this.runBuild(epoch, chunkKeys, yieldTurn).finally(() => {
      if (this.building === run) this.building = undefined;
    });
    this.building = run;
    return run;
  }

  /** The tree of `group` (an empty one when this node holds no key of it); rebuilds first when stale. */
  tree(group: string): MerkleTree {
    this.fresh();
    return this.trees.get(group) ?? this.empty;
  }

  /** Every group this node replicates under the current ring (from its ranges, so a wiped node still knows them). */
  groups(): string[] {
    const ring = this.o.ring();
    if (!ring.hasNode(this.o.selfId)) return [];
    const out = new Set<string>();
    const n = this.o.n;
    if (typeof n === 'number') {
      for (const range of ring.ranges(this.o.selfId, n)) out.add([...ring.preferenceListAt(range.end, n)].sort().join(','));
    } else {
      // With a replication map, one of this node's ranges (same index in the list) may span several
      // groups (another DC's replicas change inside it): take the list at every token of the ring.
      for (const node of ring.nodes()) {
        for (const token of ring.tokens(node.id)) {
          const list = ring.preferenceListAt(token, n);
          if (list.includes(this.o.selfId)) out.add([...list].sort().join(','));
        }
      }
    }
    this.fresh();
    for (const g of this.trees.keys()) out.add(g);
    return [...out].sort();
  }

  /** Rebuilds every tree from one synchronous scan of the data prefix (invariant 4 holds for it too). */
  rebuild(): void {
    this.begin();
    this.building = undefined;
    this.scanChunk({ gte: dataStart, lt: dataEnd }, Infinity);
    this.finish();
  }

  private begin(): number {
    this.trees = new Map();
    this.lingering = new Map();
    this.stale = false;
    this.epoch++;
    this.cursor = undefined;
    this.scannedKeys = 0;
    this.owned = new Map();
    for (const id of this.inFlight.keys()) this.owned.set(id, undefined);
    return this.epoch;
  }

  private async runBuild(epoch: number, chunkKeys: number, yieldTurn: () => Promise<void>): Promise<void> {
    for (;;) {
      const bounds = this.cursor === undefined ? { gte: dataStart, lt: dataEnd } : { gt: this.cursor, lt: dataEnd };
      if (this.scanChunk(bounds, chunkKeys)) break;
      await yieldTurn();
      if (this.epoch !== epoch) return;
    }
    this.finish();
  }

  /** Scans up to `chunkKeys` keys from `bounds`, skipping owned ones; true when the prefix is exhausted. */
  private scanChunk(bounds: { gte?: Uint8Array; gt?: Uint8Array; lt: Uint8Array }, chunkKeys: number): boolean {
    let n = 0;
    for (const [skey, value] of this.o.engine.iterate(bounds)) {
      this.cursor = skey.slice();
      this.scannedKeys++;
      if (skey.length >= 9 && !(this.owned as Map<string, Uint8Array | undefined>).has(keyId(skey))) this.applyDigests(skey, undefined, versionDigest(value));
      if (++n >= chunkKeys) return false;
    }
    return true;
  }

  private finish(): void {
    // Keys still in flight keep their owned digest until their batches land (the scan skipped them).
    this.lingering = new Map();
    for (const [id, digest] of this.owned ?? []) if (this.inFlight.has(id)) this.lingering.set(id, digest);
    this.owned = undefined;
    this.cursor = undefined;
    this.rebuilds++;
  }

  /** True when the build's scan already passed `skey`. */
  private scanned(skey: Uint8Array): boolean {
    return this.cursor !== undefined && compare(skey, this.cursor) <= 0;
  }

  /** The digest of `skey` as stored now (what a scan that passed it inserted, when it is not in flight). */
  private digestNow(skey: Uint8Array): Uint8Array | undefined {
    const value = this.o.engine.getSync(skey);
    return value && versionDigest(value);
  }

  private applyDigests(skey: Uint8Array, oldDigest: Uint8Array | undefined, nextDigest: Uint8Array | undefined): void {
    const group = this.groupOf(skey);
    if (group === undefined) return;
    this.treeFor(group).apply(skey.subarray(1, 9), skey.subarray(9), oldDigest, nextDigest);
  }

  /** Calls `visit` with each stored (storage key, set bytes) of `group` in `bucket`, ascending, after `after`. */
  *scanBucket(group: string, bucket: number, after?: Uint8Array): Iterable<[Uint8Array, Uint8Array]> {
    const bounds = bucketBounds(bucket, this.o.bucketsLog2);
    // A bucket wholly before `after` (a resumed chunk) is skipped without opening an iterator.
    if (after !== undefined && compare(after, bounds.lt) >= 0) return;
    const scan = after !== undefined && compare(after, bounds.gte) >= 0 ? { gt: after, lt: bounds.lt } : bounds;
    for (const entry of this.o.engine.iterate(scan)) if (this.groupOf(entry[0]) === group) yield entry;
  }

  private fresh(): void {
    if (this.stale) this.rebuild();
  }

  private treeFor(group: string): MerkleTree {
    let tree = this.trees.get(group);
    if (tree === undefined) this.trees.set(group, (tree = new MerkleTree({ bucketsLog2: this.o.bucketsLog2 })));
    return tree;
  }
}

function sameIds(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Byte order of two storage keys. */
export function compare(a: Uint8Array, b: Uint8Array): number {
  return Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.length), Buffer.from(b.buffer, b.byteOffset, b.length));
}
