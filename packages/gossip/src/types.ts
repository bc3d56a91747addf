/**
 * The public shapes of gossip: statuses, the member snapshot the ring is
 * built from, events, options and counters.
 */
import type { Clock, Random, Transport } from './ports.js';
import type { FieldName, OwnStatus } from './state.js';

/**
 * A member's status as this node judges it: the member's own status
 * (`joining`, `normal`, `leaving`, `left`) unless this node suspects it
 * (`suspect`) or enough members suspect it (`down`).
 */
export type MemberStatus = OwnStatus | 'suspect' | 'down';

/** One member as this node sees it; what the ring is built from. Plain data, safe to keep. */
export interface MemberSnapshot {
  readonly id: string;
  readonly address: string;
  /** New on every restart; higher means newer. */
  readonly generation: number;
  /** The member's heartbeat as last heard (a version number: it only grows within a generation). */
  readonly heartbeat: number;
  readonly status: MemberStatus;
  readonly vnodes: number;
  readonly weight: number;
  readonly zone: string;
  /** Opaque text the member publishes about itself ('' when none; gossip always sets it, snapshots built elsewhere may omit it); ringkv nodes publish their cluster settings. */
  readonly meta?: string;
  /** The member's data center ('' when none; snapshots built elsewhere may omit it). */
  readonly dc?: string;
  /** The member's machine label ('' when none: a machine of its own; snapshots built elsewhere may omit it). */
  readonly machine?: string;
}

/** The fields whose change raises a `changed` event. */
export type ChangedField = Exclude<FieldName, 'suspects'>;

/**
 * What gossip tells the layers above. Events about other members only; a
 * node's own changes are its caller's doing.
 *
 * - `joined`: a member seen for the first time (at any status but `left`).
 * - `up`: a suspected or down member is heard from again, or a member
 *   restarted (`restarted: true`, a higher generation), which counts at once.
 * - `suspect`: this node has heard no heartbeat of the member within the timeout.
 * - `down`: at least `reportersMin` distinct live members (fewer if fewer are
 *   alive, as in a two-node cluster) suspect it; `reporters` names them.
 * - `left`: the member announced a graceful leave; it is not a failure.
 * - `changed`: the member changed its address, status (joining/normal/leaving), vnodes, weight, zone or meta.
 * - `forgotten`: a left member was dropped from the list after `leftRetentionMs`.
 * - `removed`: another member announced this node `left` (`remove`); this
 *   node stops gossiping after `leaveAnnounceRounds`, as after `leave()`.
 * - `seeds-unreachable`: this node knows no live member and no seed answered
 *   its last attempt; it retries after `retryInMs`.
 */
export type GossipEvent =
  | { readonly type: 'joined'; readonly member: MemberSnapshot }
  | { readonly type: 'up'; readonly member: MemberSnapshot; readonly restarted: boolean }
  | { readonly type: 'suspect'; readonly member: MemberSnapshot }
  | { readonly type: 'down'; readonly member: MemberSnapshot; readonly reporters: readonly string[] }
  | { readonly type: 'left'; readonly member: MemberSnapshot }
  | { readonly type: 'changed'; readonly member: MemberSnapshot; readonly fields: readonly ChangedField[] }
  | { readonly type: 'forgotten'; readonly id: string; readonly generation: number }
  | { readonly type: 'removed'; readonly by: 'remove' }
  | { readonly type: 'seeds-unreachable'; readonly attempts: number; readonly retryInMs: number };

/** Options of a `Gossip` node. Durations in ms. */
export interface GossipOptions {
  /** This member's id: unique and stable across restarts. */
  readonly id: string;
  /** Where peers reach this member through the transport. */
  readonly address: string;
  /** Must grow on every restart (persist a counter, or use the start time in seconds). */
  readonly generation: number;
  readonly clock: Clock;
  readonly random: Random;
  readonly transport: Transport;
  /** Addresses to join through; this node's own address is ignored if listed. */
  readonly seeds?: readonly string[];
  /** Messages of another cluster are dropped. Default `ringkv`. */
  readonly clusterName?: string;
  /** Own status at start: `joining` (then `setStatus('normal')`) or `normal` (default). */
  readonly initialStatus?: 'joining' | 'normal';
  /** Virtual nodes (default 64). */
  readonly vnodes?: number;
  /** Integer weight multiplying vnodes (default 1). */
  readonly weight?: number;
  /** Zone (the rack, in ringkv); default ''. */
  readonly zone?: string;
  /** Data center; default ''. Published like `zone`; change it with `update({ dc })`. */
  readonly dc?: string;
  /** Machine label; default '' (none). Published like `zone`; change it with `update({ machine })`. */
  readonly machine?: string;
  /** Opaque text published in this member's entry (≤ `metaLengthMax`; default ''); change it with `update({ meta })`. */
  readonly meta?: string;
  /** Round length (default `gossipIntervalMsDefault`). */
  readonly intervalMs?: number;
  /** Peers per round (default `fanoutDefault`). */
  readonly fanout?: number;
  /** Silence before this node suspects a member (default `suspectTimeoutMsDefault`). */
  readonly suspectTimeoutMs?: number;
  /** Reporters needed to declare down (default `reportersMinDefault`). */
  readonly reportersMin?: number;
  /** How long a left member is kept before it is forgotten (default `leftRetentionMsDefault`). */
  readonly leftRetentionMs?: number;
}

/** Counters of one node since start; plain numbers. */
export interface GossipStats {
  rounds: number;
  messagesSent: number;
  messagesReceived: number;
  /** Messages that failed validation; dropped. */
  malformedDropped: number;
  /** Messages of another cluster name, or claiming this node's own id; dropped. */
  foreignDropped: number;
  /** New members refused because the list was at `membersMax`. */
  membersRefused: number;
  /** Replies that carried only `deltasPerMessageMax` of more deltas. */
  deltasTruncated: number;
  /** Times this node began to suspect a member. */
  suspicionsRaised: number;
  /** Times a member became down at this node. */
  downsDeclared: number;
  /** Seed attempts that no seed answered. */
  seedAttemptsFailed: number;
}
