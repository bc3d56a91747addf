/**
 * The gossip wire messages and their validation. Every message is plain data
 * (strings, numbers, arrays, objects): MessagePack or JSON carries it as is.
 *
 * One exchange is three messages, as in Scuttlebutt and Cassandra:
 *   syn  A→B  A's digest: (id, generation, version) of every member A knows.
 *   ack  B→A  what A lacks (deltas, only fields newer than A's version) and
 *             what B lacks (requests: B's own version of those members).
 *   ack2 A→B  the deltas B requested.
 *
 * Invariants:
 *   1. `parseMessage` never throws: anything not exactly one of these shapes,
 *      within the limits, returns `undefined` and is dropped by the caller.
 *   2. A parsed message can be used without further checks: ids, addresses and
 *      zones are within their length limits, numbers are non-negative safe
 *      integers, statuses are known, lists are within their bounds.
 */
import {
  addressLengthMax,
  clusterNameLengthMax,
  deltasPerMessageMax,
  idLengthMax,
  membersMax,
  suspectsPublishedMax,
  vnodesMax,
  weightMax,
  zoneLengthMax,
  metaLengthMax,
  dcLengthMax,
  machineLengthMax,
} from './limits.js';
import type { Digest, MemberDelta, OwnStatus, SuspectReport } from './state.js';

/** Who sent a message and where to answer. */
interface Envelope {
  /** Cluster name; messages of another cluster are dropped. */
  readonly c: string;
  /** Sender id, generation and address (answers go to the address). */
  readonly f: string;
  readonly fg: number;
  readonly fa: string;
}

/** Opens an exchange with the sender's digest. */
export interface SynMessage extends Envelope {
  readonly t: 'syn';
  readonly d: readonly Digest[];
}

/** Answers a syn: deltas the initiator lacks, and requests (digests at the answerer's versions) for what the answerer lacks. */
export interface AckMessage extends Envelope {
  readonly t: 'ack';
  readonly u: readonly MemberDelta[];
  readonly r: readonly Digest[];
}

/** Closes an exchange with the requested deltas. */
export interface Ack2Message extends Envelope {
  readonly t: 'ack2';
  readonly u: readonly MemberDelta[];
}

/** Any gossip message. */
export type GossipMessage = SynMessage | AckMessage | Ack2Message;

const ownStatuses: ReadonlySet<string> = new Set<OwnStatus>(['joining', 'normal', 'leaving', 'left']);

/** The message if `raw` is a well-formed gossip message, else `undefined`; never throws. */
export function parseMessage(raw: unknown): GossipMessage | undefined {
  try {
    return parseUnsafe(raw) ? (raw as GossipMessage) : undefined;
  } catch {
    // Getters or proxies on a hostile object could throw; such a message is malformed too.
    return undefined;
  }
}

function parseUnsafe(raw: unknown): boolean {
  if (!isRecord(raw)) return false;
  if (!isText(raw['c'], clusterNameLengthMax) || !isId(raw['f']) || !isCount(raw['fg']) || !isText(raw['fa'], addressLengthMax)) return false;
  switch (raw['t']) {
    case 'syn':
      return isList(raw['d'], membersMax, isDigest);
    case 'ack':
      return isList(raw['u'], deltasPerMessageMax, isDelta) && isList(raw['r'], membersMax, isDigest);
    case 'ack2':
      return isList(raw['u'], deltasPerMessageMax, isDelta);
    default:
      return false;
  }
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function isText(x: unknown, max: number): x is string {
  return typeof x === 'string' && x.length <= max;
}

function isId(x: unknown): x is string {
  return typeof x === 'string' && x.length > 0 && x.length <= idLengthMax;
}

function isCount(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
}

function isList(x: unknown, max: number, item: (y: unknown) => boolean): boolean {
  return Array.isArray(x) && x.length <= max && x.every(item);
}

function isDigest(x: unknown): boolean {
  return Array.isArray(x) && x.length === 3 && isId(x[0]) && isCount(x[1]) && isCount(x[2]);
}

function isVersioned(x: unknown, value: (v: unknown) => boolean): boolean {
  return Array.isArray(x) && x.length === 2 && value(x[0]) && isCount(x[1]) && (x[1] as number) > 0;
}

function isReport(x: unknown): x is SuspectReport {
  return Array.isArray(x) && x.length === 3 && isId(x[0]) && isCount(x[1]) && isCount(x[2]);
}

const deltaChecks: Record<string, (v: unknown) => boolean> = {
  i: isId,
  g: isCount,
  hb: (v) => isCount(v) && v > 0,
  ad: (v) => isVersioned(v, (a) => isText(a, addressLengthMax) && a.length > 0),
  st: (v) => isVersioned(v, (s) => typeof s === 'string' && ownStatuses.has(s)),
  vn: (v) => isVersioned(v, (n) => isCount(n) && n <= vnodesMax),
  wt: (v) => isVersioned(v, (n) => isCount(n) && n >= 1 && n <= weightMax),
  zn: (v) => isVersioned(v, (z) => isText(z, zoneLengthMax)),
  mt: (v) => isVersioned(v, (m) => isText(m, metaLengthMax)),
  dc: (v) => isVersioned(v, (d) => isText(d, dcLengthMax)),
  mc: (v) => isVersioned(v, (m) => isText(m, machineLengthMax)),
  su: (v) => isVersioned(v, (list) => isList(list, suspectsPublishedMax, isReport)),
};

function isDelta(x: unknown): x is MemberDelta {
  if (!isRecord(x) || x['i'] === undefined || x['g'] === undefined) return false;
  for (const [key, value] of Object.entries(x)) {
    if (value === undefined) continue;
    const check = deltaChecks[key];
    if (check === undefined || !check(value)) return false;
  }
  return true;
}
