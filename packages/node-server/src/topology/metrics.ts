/**
 * Topology figures in the Prometheus text format, appended to /metrics:
 * `ringkv_stream_bytes_total{direction}`, `ringkv_stream_keys_total{direction}`
 * (bytes are keys plus stored sets, before compression; `in` counts what this
 * node merged from streams, `out` what it sent), `ringkv_cleanup_keys_total`,
 * and the data records held: `ringkv_store_keys`, `ringkv_store_bytes`.
 */
import type { TopologyService } from './service.js';

/** The topology families for `node`. */
export function renderTopology(node: string, topology: Pick<TopologyService, 'counters' | 'cleanupStats' | 'data'>): string {
  const id = node.replace(/[\\"\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`));
  const c = topology.counters;
  const data = topology.data.status();
  return [
    '# HELP ringkv_stream_bytes_total Bytes (keys and stored sets, uncompressed) streamed in and out by joins, leaves and cleanup.',
    '# TYPE ringkv_stream_bytes_total counter',
    `ringkv_stream_bytes_total{node="${id}",direction="in"} ${c.bytesIn}`,
    `ringkv_stream_bytes_total{node="${id}",direction="out"} ${c.bytesOut}`,
    '# HELP ringkv_stream_keys_total Keys streamed in and out by joins, leaves and cleanup.',
    '# TYPE ringkv_stream_keys_total counter',
    `ringkv_stream_keys_total{node="${id}",direction="in"} ${c.keysIn}`,
    `ringkv_stream_keys_total{node="${id}",direction="out"} ${c.keysOut}`,
    '# HELP ringkv_cleanup_keys_total Keys dropped by cleanup after their new owners confirmed them.',
    '# TYPE ringkv_cleanup_keys_total counter',
    `ringkv_cleanup_keys_total{node="${id}"} ${topology.cleanupStats.keysDropped}`,
    '# HELP ringkv_store_keys Data records (keys, tombstone-only ones included) this node stores.',
    '# TYPE ringkv_store_keys gauge',
    `ringkv_store_keys{node="${id}"} ${data.keys}`,
    '# HELP ringkv_store_bytes Bytes of the data records this node stores (user keys plus stored sets, uncompressed).',
    '# TYPE ringkv_store_bytes gauge',
    `ringkv_store_bytes{node="${id}"} ${data.bytes}`,
    '',
  ].join('\n');
}
