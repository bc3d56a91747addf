/**
 * The JSON the page reads from a node: the live sample of `GET
 * /dashboard/live`, the key inspector's answer (`GET /dashboard/key`) and
 * the plan of `GET /admin/plan`. node-server builds its answers with these
 * types (it depends on this package), so the page and the node cannot drift
 * apart. Fields the node passes through from its /status are declared as
 * far as the page reads them.
 *
 * Invariant: types only; nothing here runs.
 */

export interface RingMemberPicture {
  readonly id: string;
  /** Vnode positions as fractions of the ring, in [0, 1). */
  readonly tokens: readonly number[];
}

export interface ClusterMember {
  readonly id: string;
  readonly url: string;
  readonly status: string;
  readonly generation: number;
  readonly vnodes: number;
  readonly weight: number;
  readonly zone: string;
  /** Placement labels ('' or absent = none): data center, rack (`zone` is its former name) and machine. */
  readonly dc?: string;
  readonly rack?: string;
  readonly machine?: string;
  readonly ownership: { readonly primary: number; readonly replica: number };
  readonly reach?: { readonly link: string; readonly heardAgoMs: number | null };
}

export interface ClusterView {
  readonly settings?: { readonly n: number; readonly r: number; readonly w: number; readonly mode: string; readonly effectiveN: number };
  readonly ring?: { readonly version: number; readonly members: number };
  readonly members?: readonly ClusterMember[];
  readonly down?: readonly string[];
  readonly hintsPending?: Readonly<Record<string, number>>;
}

export interface StreamStatus {
  readonly direction: 'in' | 'out';
  readonly rangesTotal: number;
  readonly rangesDone: number;
  readonly keys: number;
  readonly bytes: number;
  readonly bytesPerSec: number;
  readonly peers: readonly string[];
}

export interface TopologyStatus {
  readonly self: string;
  readonly stream: StreamStatus | null;
  readonly cleanup: { readonly runs: number; readonly rangesDropped: number; readonly keysDropped: number; readonly bytesPushed: number; readonly pending: number };
}

export interface AntiEntropyStatus {
  readonly passes?: number;
  readonly exchanges?: number;
  readonly exchangesFailed?: number;
  readonly keysRepaired?: number;
  readonly lastPassAtMs?: number;
  readonly build?: { readonly building: boolean; readonly progress: number };
}

/** One member in one live sample; `reachable: false` carries the error of the failed reading. */
export type NodeSample =
  | {
      readonly id: string;
      readonly reachable: true;
      /** `serving` or `stopping` (its /status `state`). */
      readonly state: string;
      readonly uptimeMs: number;
      readonly generation: number;
      /** The vclock actor it writes as in this incarnation (`id` or `id#epoch`), when known. */
      readonly actor: string | undefined;
      /** Requests answered, and those answered with an error, since it started. */
      readonly requests: number;
      readonly errors: number;
      /** Per second over the last interval; undefined on a first reading. */
      readonly opsPerSec: number | undefined;
      readonly errorsPerSec: number | undefined;
      /** Request latency quantiles over the last interval, ms; undefined without requests in it. */
      readonly p50Ms: number | undefined;
      readonly p99Ms: number | undefined;
      /** Hints it holds for other members, by target. */
      readonly hintsPending: Readonly<Record<string, number>>;
      /** Its /status `store`, `antiEntropy`, `cluster.topology` and `errors`, passed through. */
      readonly store: { readonly keys?: number; readonly bytes?: number } | undefined;
      readonly antiEntropy: AntiEntropyStatus | undefined;
      readonly topology: TopologyStatus | undefined;
      readonly errorCodes: Readonly<Record<string, number>>;
    }
  | { readonly id: string; readonly reachable: false; readonly error: string };

/** One sample of the live stream. */
export interface LiveSample {
  readonly atMs: number;
  /** The node that took the sample (the one serving the page). */
  readonly self: string;
  readonly intervalMs: number;
  readonly ring: { readonly version: number; readonly members: readonly RingMemberPicture[] };
  /** The sampling node's /status `cluster`, as it served it. */
  readonly cluster: ClusterView | undefined;
  /** Every member the sampling node sees, in its gossip order, with its reading. */
  readonly nodes: readonly NodeSample[];
}

/** One sibling as the inspector shows it: a preview of the value (`msgpack`: the MessagePack value as JSON; `utf8`: raw bytes that are UTF-8 text; `hex`: other bytes, or a MessagePack value too large to decode) and its length in bytes. */
export interface InspectedSibling {
  readonly dot?: { readonly actor: string; readonly counter: number };
  readonly tombstone: boolean;
  readonly bytes: number;
  readonly encoding: 'utf8' | 'hex' | 'msgpack';
  readonly preview: string;
  readonly truncated: boolean;
}

export type Failure = { readonly ok: false; readonly code: string; readonly message: string };

export interface ReceiptReplica {
  readonly node: string;
  readonly role: string;
  readonly outcome: string;
  readonly hintFor?: string;
  readonly latencyMs?: number;
  readonly error?: string;
}

export interface Inspection {
  readonly key: string | null;
  readonly keyHex: string;
  readonly position: string;
  readonly n: number;
  readonly preferenceList: readonly { readonly node: string; readonly status: string; readonly down: boolean }[];
  readonly pending: readonly string[];
  readonly replicas: readonly (({ readonly ok: true; readonly siblings: readonly InspectedSibling[]; readonly context: Readonly<Record<string, number>> } | Failure) & { readonly node: string })[];
  readonly read:
    | {
        readonly ok: true;
        readonly found: boolean;
        readonly siblings: readonly InspectedSibling[];
        readonly context: Readonly<Record<string, number>>;
        readonly receipt?: { readonly coordinator: string; readonly r?: number; readonly replicas: readonly ReceiptReplica[]; readonly readRepair: readonly string[]; readonly elapsedMs: number };
      }
    | Failure;
}

export interface Plan {
  readonly op: 'join' | 'leave';
  readonly id: string;
  readonly ringVersionBefore: number;
  readonly ringVersionAfter: number;
  readonly moves: readonly { readonly from: readonly string[]; readonly to: string; readonly ranges: number; readonly keys: number; readonly bytes: number }[];
  readonly totals: { readonly ranges: number; readonly keys: number; readonly bytes: number; readonly fractionOfKeys: number };
}
