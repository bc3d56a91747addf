/**
 * The cluster's part of /status and /metrics: members and their state, ring
 * ownership shares, hints pending per target, read repairs, handoff and peer
 * counters. Built on demand from in-memory state (ownership walks the ring's
 * tokens: O(tokens), cheap at ringkv's sizes).
 */
import { replicationOf } from './settings.js';
import type { ClusterCore } from './core.js';
import type { EngineHintStore } from './hint-store.js';
import type { PeerNetwork } from './peer-network.js';
import type { TopologyStatus } from '../topology/status.js';
import type { SettingsRecord, SettingsSource } from './agreement.js';

/** The cluster settings in /status: the agreed values, where they came from, and the replicas keys have now. */
export interface SettingsStatus {
  readonly n: number;
  readonly r: number;
  readonly w: number;
  readonly mode: string;
  readonly hintTtlMs: number;
  readonly tombstoneGraceMs: number;
  readonly antiEntropyBucketsLog2: number;
  /** Replicas a key has now: N, or the owning members while the ring has fewer (cluster/core.ts `effectiveN`). */
  readonly effectiveN: number;
  /** The node that founded the cluster's settings, when, and how this node took them at its start. */
  readonly origin: string;
  readonly foundedAtMs: number;
  readonly source: SettingsSource;
  /** Members gossiping other settings (ClusterCore `disagreeingMembers`), with their settings line. */
  readonly disagreeing: readonly { id: string; settings: string }[];
  readonly requestTimeoutMs: number;
  readonly gossipIntervalMs: number;
}

/** The `cluster` object of /status. */
export interface ClusterStatus {
  readonly settings: SettingsStatus;
  readonly ring: { version: number; members: number; rebuilds: number };
  readonly members: readonly {
    id: string; url: string; status: string; generation: number; vnodes: number; weight: number;
    /** Placement labels ('' = none): data center, rack (`zone` is its former name, kept equal) and machine. */
    dc: string; rack: string; zone: string; machine: string;
    ownership: { primary: number; replica: number };
    /** This node's own view, at once (gossip's `status` waits for confirmation): its peer link and when it last heard from the member. */
    reach: MemberReach;
  }[];
  readonly down: readonly string[];
  readonly hintsPending: Readonly<Record<string, number>>;
  readonly coordinator: Readonly<Record<string, number>>;
  readonly handoff: Readonly<Record<string, number>>;
  readonly forwarding: Readonly<Record<string, number>>;
  readonly peers: Readonly<Record<string, number>>;
  /** WAN relaying (dc-relay.ts): relays sent and served, the calls they carried, fallbacks and failures. */
  readonly relay?: Readonly<Record<string, number>>;
  readonly gossip: Readonly<Record<string, number>>;
  /** This node's part in topology changes (join/leave streams, cleanup); set by the HTTP layer. */
  readonly topology?: TopologyStatus;
}

/** How this node itself reaches a member: `self`, or its outbound link (`up`, `down`, `none`) and ms since it last heard the member's gossip. */
export interface MemberReach {
  readonly link: 'self' | 'up' | 'down' | 'none';
  readonly heardAgoMs: number | null;
}

/** The cluster status of a running core, whose settings are `agreed` (taken at start from `source`). */
export function clusterStatus(core: ClusterCore, hints: EngineHintStore, peers: PeerNetwork, agreed: { record: SettingsRecord; source: SettingsSource }): ClusterStatus {
  const s = core.settings;
  const ownership = core.view.ring.ownership(replicationOf(s));
  const { record, source } = agreed;
  return {
    settings: {
      ...record.values, effectiveN: core.effectiveN(), origin: record.origin, foundedAtMs: record.foundedAtMs, source, disagreeing: core.disagreeingMembers(),
      requestTimeoutMs: s.requestTimeoutMs, gossipIntervalMs: s.gossipIntervalMs,
    },
    ring: { version: core.view.version, members: core.view.ring.size, rebuilds: core.view.rebuilds },
    members: core.view.snapshot().map((m) => ({
      id: m.id, url: m.address, status: m.status, generation: m.generation, vnodes: m.vnodes, weight: m.weight,
      dc: m.dc ?? '', rack: m.zone, zone: m.zone, machine: m.machine ?? '',
      ownership: ownership.get(m.id) ?? { primary: 0, replica: 0 },
      reach: m.id === core.gossip.id ? { link: 'self' as const, heardAgoMs: 0 } : { link: peers.linkState(m.address), heardAgoMs: core.gossip.heardAgoMs(m.id) ?? null },
    })),
    down: [...core.view.down],
    hintsPending: Object.fromEntries(hints.countsByTarget()),
    coordinator: { ...core.coordinator.stats(), readRepairsPending: core.coordinator.pendingReadRepairs() },
    handoff: { ...core.handoff.stats },
    forwarding: { ...core.counters },
    peers: { ...peers.stats, ...peers.connections(), wanBytesSent: peers.wan.bytesSent },
    relay: { ...core.relayCounters },
    gossip: { ...core.gossip.stats() },
  };
}
