/**
 * The options of `ringkv start` in one table: flag, type, env var, config
 * file key and help text. `args.ts` parses the flags, `config.ts` merges
 * env and file, and `--help` prints this table, so the three cannot drift.
 */

interface Spec {
  readonly type: 'string' | 'boolean';
  readonly short?: string;
  /** Placeholder in help. */
  readonly metavar: string;
  readonly description: string;
  /** Environment variable, if any. */
  readonly env?: string;
}

/** Flag specs (also valid `parseArgs` options: it ignores the extra fields). */
export const startOptionSpecs = {
  id: { type: 'string', metavar: 'ID', env: 'RINGKV_ID', description: 'node id (default: the hostname, else node1)' },
  host: { type: 'string', metavar: 'HOST', env: 'RINGKV_HOST', description: 'interface to bind (default 127.0.0.1)' },
  port: { type: 'string', short: 'p', metavar: 'PORT', env: 'RINGKV_PORT', description: 'port for WebSocket and HTTP; 0 picks a free one (default 7000)' },
  data: { type: 'string', metavar: 'DIR', env: 'RINGKV_DATA', description: 'data directory (default ./.ringkv/<id>)' },
  durability: { type: 'string', metavar: 'MODE', env: 'RINGKV_DURABILITY', description: 'sync | interval | none (default interval)' },
  'durability-interval-ms': { type: 'string', metavar: 'MS', env: 'RINGKV_DURABILITY_INTERVAL_MS', description: 'fsync period with interval (default 100)' },
  'auth-token': { type: 'string', metavar: 'TOKEN', env: 'RINGKV_AUTH_TOKEN', description: 'clients must present this token (needs --cluster-secret)' },
  'tokens-file': { type: 'string', metavar: 'FILE', env: 'RINGKV_TOKENS_FILE', description: 'tokens with roles, key prefixes and rates (ringkv token add|revoke|list edits it; reloaded on change; needs --cluster-secret)' },
  'metrics-public': { type: 'boolean', metavar: '', env: 'RINGKV_METRICS_PUBLIC', description: 'serve /status and /metrics without a token on a node with --auth-token or --tokens-file (default: they need a token of any role; /health is always open)' },
  'allow-insecure-public-bind': { type: 'boolean', metavar: '', env: 'RINGKV_ALLOW_INSECURE_PUBLIC_BIND', description: 'allow a non-loopback host without TLS and a token' },
  'tls-cert': { type: 'string', metavar: 'FILE', env: 'RINGKV_TLS_CERT', description: 'PEM certificate of this node: serve wss, https and tls (raw TCP) on the port, plain refused except GET /health (needs --tls-key, --tls-ca; reloaded on SIGHUP and on change)' },
  'tls-key': { type: 'string', metavar: 'FILE', env: 'RINGKV_TLS_KEY', description: 'PEM private key of --tls-cert' },
  'tls-ca': { type: 'string', metavar: 'FILE', env: 'RINGKV_TLS_CA', description: 'PEM cluster CA: peers must present a certificate it signed (mutual TLS)' },
  'value-bytes-max': { type: 'string', metavar: 'BYTES', env: 'RINGKV_VALUE_BYTES_MAX', description: 'largest value a put may carry (default 1048576)' },
  'frame-read-timeout-ms': { type: 'string', metavar: 'MS', env: 'RINGKV_FRAME_READ_TIMEOUT_MS', description: 'a connection whose message stays incomplete this long is dropped (default 30000)' },
  'partial-frame-bytes-max': { type: 'string', metavar: 'BYTES', env: 'RINGKV_PARTIAL_FRAME_BYTES_MAX', description: 'bytes of incomplete messages across connections; past it the oldest are dropped (default 268435456)' },
  'connections-per-address-max': { type: 'string', metavar: 'N', env: 'RINGKV_CONNECTIONS_PER_ADDRESS_MAX', description: 'sockets one remote address may hold; raise it behind a proxy or NAT (default 1024)' },
  'request-bytes-in-flight-max': { type: 'string', metavar: 'BYTES', env: 'RINGKV_REQUEST_BYTES_IN_FLIGHT_MAX', description: 'request bytes one connection may have unanswered before it is no longer read (default 4194304)' },
  'node-request-bytes-in-flight-max': { type: 'string', metavar: 'BYTES', env: 'RINGKV_NODE_REQUEST_BYTES_IN_FLIGHT_MAX', description: 'request bytes the node runs at once over all connections (default 67108864)' },
  seeds: { type: 'string', metavar: 'LIST', env: 'RINGKV_SEEDS', description: 'nodes to join through: host:port,host:port (default none: a node alone, founding the cluster\'s settings)' },
  'cluster-secret': { type: 'string', metavar: 'SECRET', env: 'RINGKV_CLUSTER_SECRET', description: 'peers must present it (needed with --auth-token or --tokens-file, and for a non-loopback host with seeds)' },
  'advertise-url': { type: 'string', metavar: 'URL', env: 'RINGKV_ADVERTISE_URL', description: 'ws URL peers and clients reach this node at (default the bound one)' },
  n: { type: 'string', metavar: 'N', env: 'RINGKV_N', description: 'replicas per key (default 3, or the cluster\'s); a cluster setting, as are --r --w --mode --hint-ttl-ms --tombstone-grace-ms --anti-entropy-buckets-log2: a node joining with another value is refused' },
  r: { type: 'string', metavar: 'R', env: 'RINGKV_R', description: 'default read quorum (default 2, or the cluster\'s)' },
  w: { type: 'string', metavar: 'W', env: 'RINGKV_W', description: 'default write quorum (default 2, or the cluster\'s)' },
  mode: { type: 'string', metavar: 'MODE', env: 'RINGKV_MODE', description: 'sloppy | strict quorum (default sloppy: hints stand in for down replicas; or the cluster\'s)' },
  'read-repair': { type: 'string', metavar: 'REACH', env: 'RINGKV_READ_REPAIR', description: 'local | global: read repair of the coordinator\'s DC only, or of every DC (default local, or the cluster\'s); a cluster setting' },
  vnodes: { type: 'string', metavar: 'V', env: 'RINGKV_VNODES', description: 'virtual nodes of weight 1 (default 64)' },
  weight: { type: 'string', metavar: 'X', env: 'RINGKV_WEIGHT', description: 'share of the ring relative to others, e.g. 2 or 0.5 (default 1)' },
  dc: { type: 'string', metavar: 'DC', env: 'RINGKV_DC', description: 'this node\'s data center; with --replicas, each DC holds its count of every key\'s replicas' },
  rack: { type: 'string', metavar: 'RACK', env: 'RINGKV_RACK', description: 'this node\'s rack inside its DC: a key\'s replicas spread over distinct racks first' },
  zone: { type: 'string', metavar: 'RACK', env: 'RINGKV_ZONE', description: 'former name of --rack (an alias; both with different values is refused)' },
  machine: { type: 'string', metavar: 'NAME', env: 'RINGKV_MACHINE', description: 'this node\'s physical machine: never two replicas of a key on one machine (default: the hostname)' },
  'wan-relay': { type: 'boolean', metavar: '', env: 'RINGKV_WAN_RELAY', description: 'send writes for another DC once per DC, to one node there that applies them to its DC\'s replicas (default on; per node)' },
  'no-wan-relay': { type: 'boolean', metavar: '', description: 'turn --wan-relay off: one apply per remote replica (an A/B switch); $RINGKV_WAN_RELAY=false and wanRelay: false in the config file do the same' },
  replicas: { type: 'string', metavar: 'MAP', env: 'RINGKV_REPLICAS', description: 'replication map dc:count[,dc:count…], e.g. dc1:3,dc2:2 (N is the sum); a cluster setting like --n, which a plain count here stands for' },
  shards: { type: 'string', metavar: 'K', description: 'start K node processes on this machine (a node per core): ids <id>-shard<i>, ports <port>+i, data <data>/shard<i>, one machine label, seeded with each other' },
  join: { type: 'boolean', metavar: '', env: 'RINGKV_JOIN', description: 'join an existing cluster (with --seeds): stream the ranges this node will own, then serve them' },
  'stream-bytes-per-sec': { type: 'string', metavar: 'BYTES', env: 'RINGKV_STREAM_BYTES_PER_SEC', description: 'join/leave streaming bandwidth (default: the node\'s)' },
  'scan-bytes-per-sec': { type: 'string', metavar: 'BYTES', env: 'RINGKV_SCAN_BYTES_PER_SEC', description: 'engine bytes per second all key scans may read on this node (default 8 MiB/s)' },
  'hint-ttl-ms': { type: 'string', metavar: 'MS', env: 'RINGKV_HINT_TTL_MS', description: 'how long a hint for a down replica is kept and replayed (default 10800000 = 3 h); same on every node' },
  'tombstone-grace-ms': { type: 'string', metavar: 'MS', env: 'RINGKV_TOMBSTONE_GRACE_MS', description: 'least age of a tombstone before it may be collected, at least --hint-ttl-ms (default 864000000 = 10 days); same on every node' },
  'anti-entropy-interval-ms': { type: 'string', metavar: 'MS', env: 'RINGKV_ANTI_ENTROPY_INTERVAL_MS', description: 'between periodic repair passes, ±25 % jitter; 0 = only on demand (default 600000)' },
  'anti-entropy-bytes-per-sec': { type: 'string', metavar: 'BYTES', env: 'RINGKV_ANTI_ENTROPY_BYTES_PER_SEC', description: 'repair bandwidth, sent + received (default 33554432 = 32 MiB/s)' },
  'anti-entropy-buckets-log2': { type: 'string', metavar: 'B', env: 'RINGKV_ANTI_ENTROPY_BUCKETS_LOG2', description: 'Merkle tree buckets 2^B, 8…20, same on every node (default 16)' },
  'log-level': { type: 'string', metavar: 'LEVEL', env: 'RINGKV_LOG_LEVEL', description: 'fatal | error | warn | info | debug | silent (default info; logs go to stderr)' },
  'log-format': { type: 'string', metavar: 'FORMAT', env: 'RINGKV_LOG_FORMAT', description: 'json | pretty: one JSON object per line, or readable lines (default pretty when stderr is a terminal, else json)' },
  config: { type: 'string', short: 'c', metavar: 'FILE', env: 'RINGKV_CONFIG', description: 'JSON config file' },
  help: { type: 'boolean', short: 'h', metavar: '', description: 'print this help' },
} as const satisfies Record<string, Spec>;

/** The flags as parsed (all optional). */
export type StartFlags = {
  readonly [K in keyof typeof startOptionSpecs]?: (typeof startOptionSpecs)[K]['type'] extends 'boolean' ? boolean : string;
};

/** Camel-case config file key of a flag: `auth-token` → `authToken`. */
export function configKey(flag: string): string {
  return flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}
