/**
 * Key-listing figures in the Prometheus text format, appended to /metrics:
 * `ringkv_scan_pages_total` and `ringkv_scan_keys_listed_total` (pages and
 * keys this node answered as coordinator), `ringkv_scan_rounds_total`,
 * `ringkv_scan_replica_failures_total`, and on the serving side
 * `ringkv_scan_calls_total`, `ringkv_scan_keys_examined_total`,
 * `ringkv_scan_read_bytes_total` (keys plus stored sets read from the
 * engine: what the token bucket meters) and
 * `ringkv_scan_corrupt_records_skipped_total`.
 */
import type { KeyScanService } from './service.js';

/** The scan families for `node`. */
export function renderScans(node: string, scans: Pick<KeyScanService, 'served' | 'scanner'>): string {
  const id = node.replace(/[\\"\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`));
  const c = scans.scanner.counters;
  const s = scans.served;
  const family = (name: string, help: string, value: number): string[] => [`# HELP ${name} ${help}`, `# TYPE ${name} counter`, `${name}{node="${id}"} ${value}`];
  return [
    ...family('ringkv_scan_pages_total', 'Scan pages this node coordinated.', c.pages),
    ...family('ringkv_scan_keys_listed_total', 'Keys listed in the scan pages this node coordinated.', c.keysListed),
    ...family('ringkv_scan_rounds_total', 'Replica rounds (one scan-range per up replica of a ring range) of the scans this node coordinated.', c.rounds),
    ...family('ringkv_scan_replica_failures_total', 'scan-range calls of this node\'s scans that failed or timed out.', c.replicaFailures),
    ...family('ringkv_scan_calls_total', 'scan-range chunks this node read for scans (its own and its peers\').', s.calls),
    ...family('ringkv_scan_keys_examined_total', 'Stored keys this node read for scans, prefix misses and tombstones included.', s.keysExamined),
    ...family('ringkv_scan_read_bytes_total', 'Bytes (user keys and stored sets) this node read from its engine for scans; the scan token bucket meters them.', s.bytesRead),
    ...family('ringkv_scan_corrupt_records_skipped_total', 'Stored sets a scan skipped because they did not decode.', s.corruptSkipped),
    '',
  ].join('\n');
}
