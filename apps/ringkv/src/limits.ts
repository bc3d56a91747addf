/** Defaults and bounds of the command line, with why. */

/** Port of `ringkv start` and of the default `--url`: unassigned by IANA, easy to remember. */
export const defaultPort = 7000;

/** Where `ringkv start` keeps data without `--data`: `./.ringkv/<id>`, next to the README's first command. */
export const defaultDataRoot = '.ringkv';

/** Node id when the hostname is not a usable id. */
export const fallbackNodeId = 'node1';

/** Most bytes `ringkv mget|mput|mdel` reads from a file or standard input: manyOpsMax (1,000) entries of up to 64 KiB each. */
export const batchInputBytesMax = 64 * 1024 * 1024;

/** Most bytes `put KEY -` or `put --file` reads: the node's largest `--value-bytes-max` (16 MiB); the node's own bound refuses less. */
export const valueInputBytesMax = 16 * 1024 * 1024;

/** `get`/`put`/`del` give up after this long: a CLI call should fail fast on a wedged node. */
export const cliTimeoutMsDefault = 5_000;

/** `bench` clients (connections): redis-benchmark's default `-c`. */
export const benchClientsDefault = 50;

/** Requests in flight per bench client (redis-benchmark `-P`): 1 measures latency, more measures throughput. */
export const benchInflightDefault = 1;

/** Operations per bench run (redis-benchmark `-n`). */
export const benchOpsDefault = 100_000;

/** Value size of bench puts (redis-benchmark `-d` is 3; the issue compares at 100). */
export const benchValueBytesDefault = 100;

/** Distinct bench keys (redis-benchmark `-r`). */
export const benchKeysDefault = 100_000;

/** Most bench connections: a typo must not open a million sockets. */
export const benchClientsMax = 10_000;
/** Most requests in flight per bench connection; the node refuses more than its own bound anyway. */
export const benchInflightMax = 4_096;
/** Largest bench value: the protocol's default value bound. */
export const benchValueBytesMax = 1024 * 1024;
/** Most bench operations: a billion runs for hours already. */
export const benchOpsMax = 1_000_000_000;
/** Largest `bench --rate`: far above what one client process can start. */
export const benchRateMax = 10_000_000;
/** Longest bench duration: a day. */
export const benchDurationMsMax = 24 * 3600 * 1000;

/** How long bench waits for a node's /status (its CPU and runtime figures) before leaving them out. */
export const benchStatusTimeoutMs = 2_000;

/** Slowest latency the histogram tracks (µs); slower ones are clamped to it. One minute: beyond any timeout. */
export const latencyUsMax = 60_000_000;

/** `ringkv dev` nodes: the three (N=3) by default. */
export const devNodesDefault = 3;
/** Most `ringkv dev` nodes: each is a process; past 16 a laptop only thrashes. */
export const devNodesMax = 16;
/** Most `ringkv dev --dcs`: enough to show a DC failure (2) and a majority of DCs (3); every DC needs nodes of its own within `devNodesMax`. */
export const devDcsMax = 4;
/** First port of `ringkv dev` (node i listens on base + i). */
export const devBasePortDefault = 7000;
/** How long `ringkv dev` waits for the nodes to agree on the member set: gossip needs a few rounds of 1 s, a loaded machine more. */
export const devAgreeTimeoutMs = 30_000;
/** /status polling period while waiting for agreement. */
export const devPollMs = 100;
/** How long Ctrl-C waits for the nodes' graceful stop before killing them: above the node's own drain timeout (10 s). */
export const devStopWaitMs = 15_000;

/** Validity of `ringkv dev --tls` certificates: a dev cluster lives hours; a month leaves room and still expires. */
export const devCertificateDays = 30;

/** Longest `bench --seeds` warm-up: clients learn the ring and open their pooled connections before the clock starts. */
export const benchWarmMsMax = 10_000;

/** Most virtual nodes of weight 1 a member may have (`start --vnodes`, `plan --vnodes`): the node's own bound. */
export const vnodesMax = 4096;
/** Largest relative weight (`start --weight`, `plan --weight`): the node's own bound. */
export const weightMax = 64;

/** How long `ringkv status` waits for one node's /status (a busy node on a loaded machine answers in seconds). */
export const statusTimeoutMs = 10_000;

/** How long an admin call (plan, cleanup, remove, leave's request) may take: plan and cleanup walk the node's ranges, which takes a while on a large node. */
export const adminTimeoutMs = 120_000;
/** Period of `ringkv leave`'s /status polls: often enough for a live bar, rare enough to cost the node nothing. */
export const leavePollMs = 500;
/** `ringkv leave` prints a progress line when the stream advanced, and at least this often: a long quiet wait still shows it is alive. */
export const leaveQuietLineMs = 10_000;
/** One /status poll of `ringkv leave`: a node busy with a stream, cleanup and repair on a loaded machine may take seconds to answer; a timeout only counts as a failed poll. */
export const leaveStatusTimeoutMs = 5_000;
/** The /status read before the leave is asked for (the node's id and members): failing it ends the command, so it waits longer than a poll. */
export const leaveFirstStatusTimeoutMs = 15_000;
/** Consecutive /status polls that may fail (other than a refused connection) before `ringkv leave` gives up watching: one to ten minutes of a wedged node. */
export const leavePollFailuresMax = 120;
/** After the leaving node's port closes, how long `ringkv leave` asks the other members whether they saw it leave (gossip needs a few rounds). */
export const leaveConfirmMs = 15_000;
/** Least join/leave streaming bandwidth `start --stream-bytes-per-sec` accepts: the node's own floor (4 KiB/s; tests throttle a stream that low to watch it). */
export const streamBytesPerSecMin = 4 * 1024;
/** Most streaming bandwidth `start` accepts: 10 GiB/s, beyond any link; a typo must not read as unlimited. */
export const streamBytesPerSecMax = 10 * 1024 ** 3;

/** Least `start --scan-bytes-per-sec`: the node's own floor (64 KiB/s; below it a page of keys would outlast its deadline). */
export const scanBytesPerSecMin = 64 * 1024;

/** Largest `start --scan-bytes-per-sec`: the node's own bound. */
export const scanBytesPerSecMax = 10 * 1024 ** 3;
/** Longest `ringkv repair` call: a full pass over a large node takes a while; a day means "never cut it short" while still bounded. */
export const repairTimeoutMs = 24 * 3600 * 1000;
/** Shortest hint lifetime `start --hint-ttl-ms` accepts: the node's own floor (1 s). */
export const hintTtlMsMin = 1_000;
/** Longest hint lifetime: the node's own bound (7 days); past it anti-entropy is the cheaper repair. */
export const hintTtlMsMax = 7 * 24 * 3_600_000;
/** Longest tombstone grace period `start --tombstone-grace-ms` accepts: the node's own bound (a year). */
export const tombstoneGraceMsMax = 365 * 24 * 3_600_000;

/** Most node processes `ringkv start --shards` starts on one machine: one per core, and 64 cores is a large host. */
export const shardsMax = 64;
