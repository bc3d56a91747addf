/**
 * Anti-entropy and tombstone figures in the Prometheus text format, appended
 * to /metrics (names `ringkv_ae_*` and `ringkv_tombstones_*`; counters since
 * the node started, gauges as of the last build or sweep).
 */
import type { AntiEntropy, AntiEntropyStats } from './service.js';

const counters: readonly [keyof AntiEntropyStats, string, string][] = [
  ['passes', 'ringkv_ae_passes_total', 'Anti-entropy passes run (periodic and on demand).'],
  ['exchanges', 'ringkv_ae_exchanges_total', 'Tree exchanges completed with a peer.'],
  ['exchangesFailed', 'ringkv_ae_exchanges_failed_total', 'Tree exchanges that failed (peer down, timeout); retried next pass.'],
  ['rangesCompared', 'ringkv_ae_ranges_compared_total', 'Replica-set trees compared (summed over passes).'],
  ['bucketsDiffering', 'ringkv_ae_buckets_differing_total', 'Tree buckets found differing.'],
  ['keysCompared', 'ringkv_ae_keys_compared_total', 'Keys of differing buckets compared.'],
  ['keysRepaired', 'ringkv_ae_keys_repaired_total', 'Keys repaired on either side (pulled plus pushed).'],
  ['bytesSent', 'ringkv_ae_sent_bytes_total', 'Bytes of anti-entropy requests and pushed sets.'],
  ['bytesReceived', 'ringkv_ae_received_bytes_total', 'Bytes of tree hashes and sets received.'],
  ['roundTrips', 'ringkv_ae_round_trips_total', 'Anti-entropy peer calls.'],
  ['durationMs', 'ringkv_ae_duration_seconds_total', 'Time spent in passes, in seconds.'],
  ['treeRebuilds', 'ringkv_ae_tree_rebuilds_total', 'Full tree rebuilds from storage (start, ring changes).'],
];

/** The `ringkv_ae_*` and `ringkv_tombstones_*` families for `node`. */
export function renderAntiEntropy(node: string, ae: Pick<AntiEntropy, 'stats' | 'tombstones' | 'buildStatus'>): string {
  const label = `node="${node.replace(/[\\"\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`))}"`;
  const lines: string[] = [];
  const sample = (name: string, type: 'counter' | 'gauge', help: string, value: number): void => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, `${name}{${label}} ${value}`);
  };
  for (const [field, name, help] of counters) sample(name, 'counter', help, field === 'durationMs' ? Number(ae.stats[field] ?? 0) / 1000 : Number(ae.stats[field] ?? 0));
  const build = ae.buildStatus();
  sample('ringkv_ae_tree_building', 'gauge', 'Whether a Merkle tree build (start-up or ring change) is running: 1 or 0.', build.building ? 1 : 0);
  sample('ringkv_ae_tree_build_progress_ratio', 'gauge', 'Share of the ring the running (or last) tree build has scanned.', build.progress);
  const t = ae.tombstones.stats;
  sample('ringkv_tombstones_collected_total', 'counter', 'Deleted keys removed for good (grace passed, every replica confirmed by anti-entropy).', t.collected);
  sample('ringkv_tombstones_pending', 'gauge', 'Tombstone-only keys the last sweep kept (within grace or blocked).', t.pending);
  sample('ringkv_tombstones_blocked', 'gauge', 'Of the pending: past grace, waiting for a replica to complete an anti-entropy exchange.', t.blocked);
  sample('ringkv_tombstone_sweeps_total', 'counter', 'Tombstone sweeps run.', t.sweeps);
  return `${lines.join('\n')}\n`;
}
