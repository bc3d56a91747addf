/**
 * Writes the storage engine lost at open (issue 15, item 8): its log held
 * damage that a crash cannot explain, and `walRecovery: 'salvage'` replayed
 * every valid record around it. The lost writes were acknowledged, so this
 * replica's copies of its ranges may be older than what clients were told;
 * other replicas have them (W ≥ 1 of N), and anti-entropy brings them back.
 *
 * Until that repair has completed, this replica's copies are *held*: a
 * `fetch` of a data key or hint, from the local coordinator or a peer's,
 * fails with the retryable `unavailable`, so a read at any R is answered by
 * other replicas only and never by the possibly-lost state alone (a read at
 * R = N cannot be met meanwhile). Writes, anti-entropy and streaming go on.
 * The hold is stored (`m ‖ log-loss`) so a restart during the repair keeps it.
 */
import { protocolError } from '@ringkv/protocol';

/** What the engine reported (lsm-engine `stats().recovery.corruption`). */
export interface LogLoss {
  regions: number;
  droppedBytes: number;
  droppedOps: number;
  droppedOpsExact: boolean;
  details: { file: string; offset: number; bytes: number; reason: string }[];
}

/** The engine's report of writes lost at open, or undefined if none (or the engine reports no such figures). */
export function logLossOf(stats: unknown): LogLoss | undefined {
  const corruption = (stats as { recovery?: { corruption?: Partial<LogLoss> } } | undefined)?.recovery?.corruption;
  if (corruption === undefined || typeof corruption.regions !== 'number' || corruption.regions === 0) return undefined;
  return {
    regions: corruption.regions,
    droppedBytes: corruption.droppedBytes ?? 0,
    droppedOps: corruption.droppedOps ?? 0,
    droppedOpsExact: corruption.droppedOpsExact ?? false,
    details: corruption.details ?? [],
  };
}

/** The hold on this replica's copies (module comment). */
export class ReplicaReadHold {
  private heldSinceMs: number | undefined;

  /** True while reads of this replica's copies are refused. */
  get held(): boolean {
    return this.heldSinceMs !== undefined;
  }

  /** When the hold began (epoch ms), if held. */
  get sinceMs(): number | undefined {
    return this.heldSinceMs;
  }

  hold(nowMs: number): void {
    this.heldSinceMs ??= nowMs;
  }

  release(): void {
    this.heldSinceMs = undefined;
  }

  /** Throws the retryable `unavailable` while held. */
  check(): void {
    if (this.heldSinceMs !== undefined) {
      throw protocolError('unavailable', 'this replica is repairing writes its log lost; another replica answers');
    }
  }
}
