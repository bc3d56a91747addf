/**
 * The coordinating side of key listing (issue 18): one `scan` request → one
 * page of keys and a cursor.
 *
 * The key space is walked in stored order (ring position, then key bytes;
 * points.ts), cut at the ring's tokens into intervals that each have one
 * preference list. For the interval holding the cursor, every primary that
 * is up is asked (`scan-range`, this node's own store directly) for its
 * keys after the cursor; the replies are merged key by key (DVV `sync` of
 * the stripped sets) and a key is listed when the merge holds a value a
 * read would return now (not a tombstone, not expired by its ttl).
 *
 * Invariants:
 *   1. A round lists only keys before the least `more` of the replies that
 *      stopped early (the *bound*): below it every asked replica has told
 *      all it holds, so no key is skipped; the next round starts at the
 *      bound, so none is repeated on a stable ring.
 *   2. A round needs `r` replies (the request's level, the cluster's R by
 *      default, capped like a get's). In sloppy mode, when fewer primaries
 *      of an interval are up than `r`, it takes every up primary (at least
 *      one); strict mode answers `unavailable`. Fallbacks' hints are not
 *      read: a key whose only copies are hints on fallbacks is listed once
 *      handoff delivers them.
 *      Each replica call gets half of the page's remaining time, so one
 *      that hangs fails while the page can still answer with the others.
 *   3. A page ends at `limit` keys, after `scanRoundsPerPageMax` rounds, or
 *      when half its deadline is spent, always with a cursor that resumes
 *      exactly after the last key examined; the cursor is absent only when
 *      the last interval is done. A page may hold fewer keys than `limit`,
 *      even none, and still have a cursor.
 *   4. The cursor is a point in the key order, not a ring range, and only
 *      moves forward: a key is listed at most once per pass, whatever the
 *      ring does between pages (each round recomputes its interval and
 *      replicas from the ring of the moment). A key live from the first
 *      page to the last is listed whenever one of the replicas asked for its
 *      interval holds it: always on a stable ring with R + W > N; during a
 *      topology change, a key whose new replicas have not received it yet
 *      (after a `remove`, before repair) may be missed (README, "Listing keys").
 */
import { hashKeyInto, type HashRing, type Replication } from '@ringkv/hashring';
import { encodeCursor, decodeCursor, protocolError, scanLimitDefault, type ConsistencyLevel, type PeerMessage, type ScanOkMessage, type ScanRequest } from '@ringkv/protocol';
import type { Clock, QuorumMode } from '@ringkv/quorum';
import { decodeEntries } from '../anti-entropy/entries.js';
import type { PeerCallBody } from '../cluster/peer-link.js';
import { requestTimeoutMsLimit } from '../limits.js';
import { keyBytes } from '../store/keys.js';
import type { StoredSet } from '../store/set-codec.js';
import { scanChunkKeysMax, scanDeadlineShare, scanReplyBytesMax, scanRoundsPerPageMax } from './limits.js';
import { comparePoints, intervalAt, pointAfterPosition, pointAtPosition, positionOfPoint, replicaIntervals, successorOf } from './points.js';
import { pauseAfter, type ScanChunk, type ScanRangeBody } from './serve.js';
import { isLive, mergeSets } from './stripped-set.js';

/** What the coordinator needs from the node. */
export interface KeyScanPorts {
  readonly selfId: string;
  readonly clock: Clock;
  readonly ring: () => HashRing;
  readonly down: () => ReadonlySet<string>;
  readonly addressOf: (id: string) => string | undefined;
  /** Where keys go (replicationOf(settings)). */
  readonly replication: () => Replication;
  readonly mode: QuorumMode;
  readonly requestTimeoutMs: number;
  readonly keyBytesMax: number;
  /** A read level as a count (the core's `readLevel`): throws `unavailable` for one that cannot be met. */
  readonly readLevel: (level: ConsistencyLevel | undefined) => number;
  readonly call: (address: string, body: PeerCallBody, timeoutMs: number) => Promise<PeerMessage>;
  /** This node's own store, read directly. */
  readonly serveLocal: (body: ScanRangeBody) => Promise<ScanChunk>;
}

/** What scans coordinated here did (/metrics `ringkv_scan_*`). */
export interface ScanCoordinatorCounters {
  pages: number;
  keysListed: number;
  rounds: number;
  replicaFailures: number;
}

type Reply = { readonly entries: { key: Uint8Array; set: StoredSet }[]; readonly more: Uint8Array | undefined };

/** The scan point of a user key: its ring position, then its bytes. */
export function pointOfKey(key: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + key.length);
  hashKeyInto(key, out, 0);
  out.set(key, 8);
  return out;
}

/**
 * Merges one round's replies (invariant 1): the live keys before the bound,
 * in key order, at most `limit` of them, and where the next round starts
 * (`next`; undefined when the interval is done).
 */
export function mergeRound(replies: readonly Reply[], limit: number, nowMs: number): { keys: Uint8Array[]; next: Uint8Array | undefined } {
  let bound: Uint8Array | undefined;
  for (const r of replies) if (r.more !== undefined && (bound === undefined || comparePoints(r.more, bound) < 0)) bound = r.more;
  const byKey = new Map<string, { point: Uint8Array; sets: StoredSet[] }>();
  for (const r of replies) {
    for (const e of r.entries) {
      const point = pointOfKey(e.key);
      if (bound !== undefined && comparePoints(point, bound) >= 0) continue;
      const id = Buffer.from(point).toString('latin1');
      const seen = byKey.get(id);
      if (seen === undefined) byKey.set(id, { point, sets: [e.set] });
      else seen.sets.push(e.set);
    }
  }
  const merged = [...byKey.values()].sort((a, b) => comparePoints(a.point, b.point));
  const keys: Uint8Array[] = [];
  for (const m of merged) {
    const set = mergeSets(m.sets);
    if (set === undefined || !isLive(set, nowMs)) continue;
    keys.push(m.point.subarray(8));
    if (keys.length >= limit) return { keys, next: successorOf(m.point) };
  }
  return { keys, next: bound };
}

/** Coordinates scans (module comment). One per node. */
export class KeyScanner {
  readonly counters: ScanCoordinatorCounters = { pages: 0, keysListed: 0, rounds: 0, replicaFailures: 0 };

  constructor(private readonly p: KeyScanPorts) {}

  /** One page (invariants 2–4). Rejects with ProtocolError: `invalid-argument` (cursor), `unavailable`, `quorum-not-met`. */
  async page(request: ScanRequest): Promise<Omit<ScanOkMessage, 'id'>> {
    const p = this.p;
    const startedMs = p.clock.now();
    const timeoutMs = Math.min(request.options?.timeoutMs ?? p.requestTimeoutMs, requestTimeoutMsLimit);
    const budgetMs = timeoutMs * scanDeadlineShare;
    const limit = request.limit ?? scanLimitDefault;
    const r = p.readLevel(request.options?.r);
    const prefix = request.prefix === undefined ? undefined : keyBytes(request.prefix);
    let from: Uint8Array | undefined = request.cursor === undefined ? pointAtPosition(0n) : decodeCursor(request.cursor, p.keyBytesMax, request.id);
    const keys: Uint8Array[] = [];
    this.counters.pages++;
    for (let round = 0; from !== undefined && keys.length < limit && round < scanRoundsPerPageMax; round++) {
      if (round > 0 && p.clock.now() - startedMs >= budgetMs) break;
      const interval = intervalAt(replicaIntervals(p.ring(), p.replication()), positionOfPoint(from));
      const end = interval.end;
      // Half of what is left: a replica that hangs fails the call while the page can still answer (the others may meet R).
      const leftMs = Math.max(1, (timeoutMs - (p.clock.now() - startedMs)) / 2);
      const body: ScanRangeBody = { from, end: pointAtPosition(end), keysMax: Math.min(limit - keys.length, scanChunkKeysMax), bytesMax: scanReplyBytesMax, ...(prefix === undefined ? {} : { prefix }) };
      const replies = await this.askReplicas(interval.replicas, r, body, leftMs);
      this.counters.rounds++;
      const mergeStartedMs = p.clock.now();
      const merged = mergeRound(replies, limit - keys.length, mergeStartedMs);
      await pauseAfter(p.clock, mergeStartedMs);
      keys.push(...merged.keys);
      from = merged.next ?? pointAfterPosition(end);
    }
    this.counters.keysListed += keys.length;
    return from === undefined ? { type: 'scan-ok', keys } : { type: 'scan-ok', keys, cursor: encodeCursor(from) };
  }

  /** Asks every up primary of an interval; resolves with the replies once all settled and at least the needed count succeeded. */
  private async askReplicas(primaries: readonly string[], r: number, body: ScanRangeBody, timeoutMs: number): Promise<Reply[]> {
    const p = this.p;
    const down = p.down();
    const up = primaries.filter((id) => id === p.selfId || !down.has(id));
    const needed = up.length >= r ? r : p.mode === 'sloppy' ? Math.min(r, Math.max(1, up.length)) : r;
    if (up.length < needed || up.length === 0) {
      throw protocolError('unavailable', `r=${r} cannot be met: ${up.length} of the ${primaries.length} replicas of a ring range are up; nothing was listed from it. Ask for fewer (r) to list anyway`);
    }
    const settled = await Promise.allSettled(up.map((id) => this.askOne(id, body, timeoutMs)));
    const replies: Reply[] = [];
    let failure: unknown;
    for (const s of settled) {
      if (s.status === 'fulfilled') replies.push(s.value);
      else {
        this.counters.replicaFailures++;
        failure = s.reason;
      }
    }
    if (replies.length < needed) {
      const why = failure instanceof Error ? `: ${failure.message.replace(/^protocol: /, '')}` : '';
      throw protocolError('quorum-not-met', `${replies.length} of ${needed} replicas of a ring range answered the scan${why}`);
    }
    return replies;
  }

  private async askOne(id: string, body: ScanRangeBody, timeoutMs: number): Promise<Reply> {
    const p = this.p;
    let chunk: ScanChunk;
    if (id === p.selfId) chunk = await p.serveLocal(body);
    else {
      const address = p.addressOf(id);
      if (address === undefined) throw protocolError('unavailable', `no address known for ${id}`);
      const reply = await p.call(address, { type: 'scan-range', ...body }, timeoutMs);
      if (reply.type === 'peer-error') throw protocolError(reply.code, `${id}: ${reply.message}`);
      if (reply.type !== 'range-sets-ok') throw protocolError('internal', `${id} answered scan-range with ${reply.type}`);
      chunk = { entries: reply.entries, more: reply.more };
    }
    return { entries: decodeEntries(chunk.entries), more: chunk.more };
  }
}
