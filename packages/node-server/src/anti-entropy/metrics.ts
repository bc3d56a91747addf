/**
 * Anti-entropy figures in the Prometheus text format, appended to /metrics
 * (names `ringkv_ae_*`, counters since the node started).
 */
import type { AntiEntropyStats } from './service.js';

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
  ['durationMs', 'ringkv_ae_duration_ms_total', 'Time spent in passes, in milliseconds.'],
  ['treeRebuilds', 'ringkv_ae_tree_rebuilds_total', 'Full tree rebuilds from storage (start, ring changes).'],
];

/** The `ringkv_ae_*` families for `node`. */
export function renderAntiEntropy(node: string, stats: AntiEntropyStats): string {
  const label = `node="${node.replace(/[\\"\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`))}"`;
  const lines: string[] = [];
  for (const [field, name, help] of counters) {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} counter`, `${name}{${label}} ${Number(stats[field] ?? 0)}`);
  }
  return `${lines.join('\n')}\n`;
}
